//! Secrets never reach the audit file (docs/audit.md, Redaction): every byte under the data dir is
//! searched for them after a record that carries each kind was appended.

use crate::audit_common;

use audit_common::{all_bytes_under, contains, sample_record};
use base64::Engine;
use cxda::audit::{AuditLog, Filter, REDACTED, Redactor};
use serde_json::json;

const BEARER_TOKEN: &str = "sbx_Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkw";
const RESPONSE_TOKEN: &str = "sbx_response_token_7f3a9c1e";
const CLIENT_SECRET_HEADER_VALUE: &str = "cl1ent-s3cret-header-value";
const PAYLOAD_API_KEY: &str = "literal-api-key-0123456789";
const PROFILE_SECRET: &str = "sandbox-secret";

fn secret_laden_record() -> cxda::audit::AuditRecord {
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("sandbox:{PROFILE_SECRET}"));
    let mut record = sample_record("corr-secrets");
    record
        .request
        .headers
        .push("Authorization", format!("Bearer {BEARER_TOKEN}"));
    record
        .request
        .headers
        .push("X-Client-Secret", CLIENT_SECRET_HEADER_VALUE);
    record.request.headers.push("X-Tracking-Id", "trk-1");
    record.request.body = json!({
        "name": "FetchExternalInventory",
        "type": "REST",
        "configuration": {
            "method": "GET",
            "url": "https://inventory.example.com/items",
            "headers": {
                "X-API-Key": PAYLOAD_API_KEY,
                "Authorization": "Bearer {{inventoryToken}}",
                "Accept": "application/json"
            }
        }
    });
    record.response.body = json!({
        "access_token": RESPONSE_TOKEN,
        "token_type": "Bearer",
        "note": format!("also issued {RESPONSE_TOKEN}")
    });
    record.error = Some(format!(
        "token endpoint said: Authorization: Basic {basic} was for client_secret={PROFILE_SECRET}"
    ));
    record
}

#[test]
fn no_secret_reaches_any_file_under_the_data_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open_with(
        dir.path(),
        1024 * 1024,
        Redactor::new().with_secret(PROFILE_SECRET),
    )
    .expect("open");
    log.append(secret_laden_record()).expect("append");

    let bytes = all_bytes_under(dir.path());
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("sandbox:{PROFILE_SECRET}"));
    for secret in [
        "sbx_",
        BEARER_TOKEN,
        RESPONSE_TOKEN,
        CLIENT_SECRET_HEADER_VALUE,
        PAYLOAD_API_KEY,
        PROFILE_SECRET,
        basic.as_str(),
    ] {
        assert!(
            !contains(&bytes, secret),
            "{secret} found under the data dir"
        );
    }
    assert!(contains(&bytes, REDACTED));
}

#[test]
fn placeholders_and_ordinary_values_survive_redaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    log.append(secret_laden_record()).expect("append");

    let bytes = all_bytes_under(dir.path());
    assert!(contains(&bytes, "Bearer {{inventoryToken}}"));
    assert!(contains(&bytes, "trk-1"));
    assert!(contains(&bytes, "application/json"));
    let page = cxda::audit::AuditReader::new(dir.path())
        .newest(1, Filter::All)
        .expect("read");
    let record = &page.records[0];
    assert_eq!(record.request.headers.get("authorization"), Some(REDACTED));
    assert_eq!(
        record.request.headers.get("x-client-secret"),
        Some(REDACTED)
    );
    assert_eq!(
        record.request.body["configuration"]["headers"]["X-API-Key"],
        REDACTED
    );
    assert_eq!(record.response.body["access_token"], REDACTED);
    assert_eq!(record.response.body["token_type"], "Bearer");
}

#[test]
fn the_record_returned_by_append_is_the_redacted_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    let written = log.append(secret_laden_record()).expect("append");
    let text = serde_json::to_string(&written).expect("encode");
    assert!(!text.contains("sbx_") && !text.contains(PAYLOAD_API_KEY));
}
