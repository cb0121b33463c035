//! HTTPS against the sandbox's generated CA: refused (naming the host) until the profile
//! trusts it with `ca_cert`, created once it does.

use crate::engine_common;

use cxda::audit::Outcome;
use cxda::config::Connection;
use cxda::sandbox::Faults;
use engine_common::*;
use reqwest::Url;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_without_ca_cert_fails_with_a_certificate_error_naming_the_host() {
    let sandbox = start_tls(Faults::off()).await;
    let (engine, _dir) = engine(profile(&sandbox));

    let done = submit_named(&engine, "untrusted").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    let error = record.error.as_deref().unwrap_or_default().to_lowercase();
    assert!(error.contains("certificate"), "{error}");
    assert!(error.contains("127.0.0.1"), "{error}");
    assert_eq!(sandbox.stats().create_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_to_an_untrusted_https_api_fails_naming_the_host_without_retrying() {
    // The token comes from a plain sandbox, so the certificate error is the create's own.
    let tokens = start(Faults::off()).await;
    let api = start_tls(Faults::off()).await;
    let mut profile = profile(&tokens);
    let base = Url::parse(&api.base_url()).expect("url");
    let connection = profile.connection.clone().expect("connection");
    profile.connection = Some(Connection {
        create_url: profile.api.create_url(&base).expect("create url"),
        api_base_url: base,
        ..connection
    });
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "untrusted-api").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(record.attempts.len(), 1, "a certificate error is final");
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains("certificate of 127.0.0.1"), "{error}");
    assert!(error.contains("ca_cert"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_ca_cert_is_created() {
    let sandbox = start_tls(Faults::off()).await;
    let mut profile = profile(&sandbox);
    trust(&mut profile, &sandbox);
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "trusted").await;

    assert_eq!(
        done.record.outcome,
        Outcome::Created,
        "{:?}",
        done.record.error
    );
    assert!(done.record.url.starts_with("https://127.0.0.1:"));
}
