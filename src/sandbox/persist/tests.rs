use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::json;

use super::*;
use crate::sandbox::genesys::model::{Definition, JsonBytes};
use crate::sandbox::genesys::store::Store as GenesysStore;
use crate::sandbox::store::{NewAction, Replay, Store, body_digest};

fn limits(max_actions: usize) -> StoreLimits {
    StoreLimits {
        max_actions,
        max_bytes: usize::MAX,
    }
}

fn file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested").join(STATE_FILE_NAME);
    (dir, path)
}

fn new_action(n: u32) -> NewAction {
    NewAction {
        id: format!("da_{n}"),
        name: format!("name-{n}"),
        json: Bytes::from(format!("{{\"id\":\"da_{n}\"}}")),
        created_at: "2026-01-01T00:00:00.000Z".into(),
        status: StatusCode::CREATED,
        key: Some((
            format!("key-{n}"),
            body_digest(format!("body-{n}").as_bytes()),
        )),
    }
}

fn create(store: &Synced<Store>, n: u32) {
    let mut write = store.write().expect("write");
    write.insert(new_action(n));
    write.commit().expect("commit");
}

fn ids(store: &Synced<Store>) -> Vec<String> {
    store
        .read()
        .expect("read")
        .iter()
        .map(|a| a.id.clone())
        .collect()
}

fn rows(path: &Path, table: &str) -> i64 {
    let conn = Connection::open(path).expect("open");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

#[test]
fn a_second_store_on_the_file_sees_creates_updates_and_deletes() {
    let (_dir, path) = file();
    let a: Synced<Store> = Synced::open(&path, limits(10)).expect("open a");
    let b: Synced<Store> = Synced::open(&path, limits(10)).expect("open b");
    create(&a, 1);
    create(&a, 2);
    assert_eq!(ids(&b), ["da_1", "da_2"]);
    {
        let mut write = b.write().expect("write");
        write.update("da_1", "renamed".into(), Bytes::from_static(b"{\"v\":2}"));
        write.remove("da_2");
        write.commit().expect("commit");
    }
    let read = a.read().expect("read");
    assert_eq!(read.len(), 1);
    let updated = read.get("da_1").expect("da_1");
    assert_eq!(
        (updated.version, updated.json.as_ref()),
        (2, &b"{\"v\":2}"[..])
    );
    assert!(read.name_taken("renamed", None) && !read.name_taken("name-1", None));
    // The create's key still replays the create's answer in the other store.
    assert!(matches!(
        read.replay("key-1", &body_digest(b"body-1")),
        Replay::Same { json, status: StatusCode::CREATED, .. } if json.as_ref() == b"{\"id\":\"da_1\"}"
    ));
    assert!(matches!(
        read.replay("key-1", &body_digest(b"other")),
        Replay::Mismatch
    ));
}

#[test]
fn a_write_checks_names_against_what_another_store_committed() {
    let (_dir, path) = file();
    let a: Synced<Store> = Synced::open(&path, limits(10)).expect("open a");
    let b: Synced<Store> = Synced::open(&path, limits(10)).expect("open b");
    // b has read the (empty) file before a's create.
    assert!(ids(&b).is_empty());
    create(&a, 1);
    let write = b.write().expect("write");
    assert!(write.name_taken("name-1", None));
}

#[test]
fn evictions_delete_their_rows() {
    let (_dir, path) = file();
    let store: Synced<Store> = Synced::open(&path, limits(3)).expect("open");
    for n in 1..=5 {
        create(&store, n);
    }
    assert_eq!(rows(&path, "cxone_actions"), 3);
    let reopened: Synced<Store> = Synced::open(&path, limits(3)).expect("reopen");
    assert_eq!(ids(&reopened), ["da_3", "da_4", "da_5"]);
}

#[test]
fn a_write_dropped_without_commit_leaves_the_file_and_the_store_as_they_were() {
    let (_dir, path) = file();
    let store: Synced<Store> = Synced::open(&path, limits(10)).expect("open");
    create(&store, 1);
    {
        let mut write = store.write().expect("write");
        write.insert(new_action(2));
    }
    assert_eq!(rows(&path, "cxone_actions"), 1);
    assert_eq!(ids(&store), ["da_1"]);
}

fn definition(name: &str, version: u64) -> Definition {
    let config = json!({"request": {"requestUrlTemplate": "https://x", "requestType": "GET"}});
    let contract = json!({"input": {"inputSchema": {"type": "object"}}});
    Definition {
        name: name.into(),
        category: "CRM".into(),
        integration_id: "i".into(),
        secure: true,
        json_bytes: JsonBytes::of(&config, &contract),
        config,
        contract,
        version,
    }
}

#[test]
fn genesys_actions_come_back_with_both_definitions_and_their_versions() {
    let (_dir, path) = file();
    let a: Synced<GenesysStore> = Synced::open(&path, limits(10)).expect("open a");
    {
        let mut write = a.write().expect("write");
        write.insert(
            "g1".into(),
            Some(definition("pub", 3)),
            Some(definition("draft", 3)),
        );
        write.insert("g2".into(), None, Some(definition("only-draft", 1)));
        write.commit().expect("commit");
    }
    let b: Synced<GenesysStore> = Synced::open(&path, limits(10)).expect("open b");
    {
        let read = b.read().expect("read");
        let g1 = read.get("g1").expect("g1");
        assert_eq!(g1.published, Some(definition("pub", 3)));
        assert_eq!(g1.draft, Some(definition("draft", 3)));
        assert!(read.name_taken("only-draft", None));
        let order: Vec<&str> = read.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(order, ["g1", "g2"]);
    }
    // An action left with no definition is gone from the file.
    {
        let mut write = b.write().expect("write");
        write.modify("g2", |x| x.draft = None);
        write.commit().expect("commit");
    }
    assert_eq!(rows(&path, "genesys_actions"), 1);
    assert!(a.read().expect("read").get("g2").is_none());
}

#[test]
fn the_dialects_share_the_file_but_not_their_rows() {
    let (_dir, path) = file();
    let cxone: Synced<Store> = Synced::open(&path, limits(10)).expect("cxone");
    let genesys: Synced<GenesysStore> = Synced::open(&path, limits(10)).expect("genesys");
    create(&cxone, 1);
    assert_eq!(genesys.read().expect("read").len(), 0);
    assert_eq!(ids(&cxone), ["da_1"]);
}

#[test]
fn a_file_that_is_not_a_store_is_refused_naming_it_and_the_reset() {
    let (_dir, path) = file();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    std::fs::write(
        &path,
        b"this is not a database, just some text that is long enough",
    )
    .expect("write");
    let error = open(&path).expect_err("refused");
    let text = error.to_string();
    assert!(matches!(error, StoreFileError::Unreadable { .. }), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("cxda sandbox --reset"), "{text}");
    assert!(matches!(reset(&path), Ok(Reset::Removed { .. })));
    assert!(!path.exists());
    assert!(open(&path).is_ok());
}

#[test]
fn a_newer_schema_and_a_foreign_database_are_refused() {
    let (_dir, path) = file();
    drop(open(&path).expect("create"));
    Connection::open(&path)
        .and_then(|c| c.pragma_update(None, "user_version", SCHEMA_VERSION + 1))
        .expect("bump");
    let error = open(&path).expect_err("refused");
    assert!(
        matches!(error, StoreFileError::Newer { found, .. } if found == SCHEMA_VERSION + 1),
        "{error}"
    );

    let foreign = path.with_file_name("other.sqlite3");
    Connection::open(&foreign)
        .and_then(|c| c.execute_batch("CREATE TABLE notes (text TEXT)"))
        .expect("foreign");
    let error = open(&foreign).expect_err("refused");
    assert!(
        matches!(error, StoreFileError::Unreadable { .. }),
        "{error}"
    );
}

#[test]
fn reset_empties_both_dialects_and_running_stores_see_it() {
    let (_dir, path) = file();
    assert_eq!(reset(&path).ok(), Some(Reset::Missing));
    let cxone: Synced<Store> = Synced::open(&path, limits(10)).expect("cxone");
    let genesys: Synced<GenesysStore> = Synced::open(&path, limits(10)).expect("genesys");
    create(&cxone, 1);
    create(&cxone, 2);
    {
        let mut write = genesys.write().expect("write");
        write.insert("g1".into(), None, Some(definition("d", 1)));
        write.commit().expect("commit");
    }
    assert_eq!(
        reset(&path).ok(),
        Some(Reset::Emptied {
            cxone: 2,
            genesys: 1
        })
    );
    assert!(ids(&cxone).is_empty());
    assert_eq!(genesys.read().expect("read").len(), 0);
    create(&cxone, 1);
    assert_eq!(ids(&cxone), ["da_1"]);
}

#[cfg(unix)]
#[test]
fn a_new_store_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, path) = file();
    let conn = open(&path).expect("opened");
    drop(conn);
    for file in [path.clone(), path.with_extension("sqlite3-wal")] {
        if let Ok(meta) = std::fs::metadata(&file) {
            assert_eq!(
                meta.permissions().mode() & 0o777,
                0o600,
                "{}",
                file.display()
            );
        }
    }
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
