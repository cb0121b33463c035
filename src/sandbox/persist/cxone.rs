//! The cxone-v2 store's rows (`cxone_actions`): one per stored action, with its
//! `Idempotency-Key`, the body digest a retry is checked against, and the create's answer
//! once the action has been updated, so that a retry replays in any process.

use axum::body::Bytes;
use axum::http::StatusCode;
use rusqlite::{Connection, params};

use super::Persistable;
use crate::sandbox::store::{BodyDigest, Keyed, Store, StoreLimits, StoredAction};

impl Persistable for Store {
    const DIALECT: &'static str = "cxone-v2";

    fn journaled(limits: StoreLimits) -> Store {
        Store::journaled(limits)
    }

    fn load(conn: &Connection, limits: StoreLimits) -> rusqlite::Result<Store> {
        let mut store = Store::journaled(limits);
        let mut statement = conn.prepare(
            "SELECT seq, id, name, json, version, created_at, status, idempotency_key,
                    body_digest, created_json
             FROM cxone_actions ORDER BY seq",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let seq: u64 = row.get(0)?;
            let key: Option<String> = row.get(7)?;
            let digest: Option<Vec<u8>> = row.get(8)?;
            let created_json: Option<Vec<u8>> = row.get(9)?;
            let keyed = match (key, digest) {
                (Some(key), Some(digest)) => Some(Keyed {
                    key,
                    body_digest: digest_of(&digest),
                    created_json: created_json.map(Bytes::from),
                }),
                _ => None,
            };
            let status: u16 = row.get(6)?;
            let json: Vec<u8> = row.get(3)?;
            store.restore(
                seq,
                StoredAction {
                    id: row.get(1)?,
                    name: row.get(2)?,
                    json: Bytes::from(json),
                    version: row.get(4)?,
                    created_at: row.get(5)?,
                    status: StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED),
                    keyed,
                },
            );
        }
        Ok(store)
    }

    fn flush(&self, conn: &Connection, touched: &[u64]) -> rusqlite::Result<()> {
        let kept =
            super::delete_gone(conn, "cxone_actions", touched, |seq| self.at(seq).is_some())?;
        if kept.is_empty() {
            return Ok(());
        }
        let mut upsert = conn.prepare_cached(
            "INSERT INTO cxone_actions (seq, id, name, json, version, created_at, status,
                                        idempotency_key, body_digest, created_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (seq) DO UPDATE SET id = excluded.id, name = excluded.name,
                 json = excluded.json, version = excluded.version,
                 created_at = excluded.created_at, status = excluded.status,
                 idempotency_key = excluded.idempotency_key,
                 body_digest = excluded.body_digest, created_json = excluded.created_json",
        )?;
        for seq in kept {
            let Some(action) = self.at(seq) else { continue };
            let keyed = action.keyed.as_ref();
            upsert.execute(params![
                seq,
                action.id,
                action.name,
                action.json.as_ref(),
                action.version,
                action.created_at,
                action.status.as_u16(),
                keyed.map(|k| k.key.as_str()),
                keyed.map(|k| &k.body_digest[..]),
                keyed.and_then(|k| k.created_json.as_deref()),
            ])?;
        }
        Ok(())
    }

    fn take_journal(&mut self) -> Vec<u64> {
        Store::take_journal(self)
    }

    fn evicted_count(&self) -> u64 {
        self.evicted()
    }

    fn set_evicted(&mut self, evicted: u64) {
        Store::set_evicted(self, evicted);
    }
}

/// A digest column of another length (a damaged row) matches no body: a retry with its key
/// is then a 422, never a wrong replay.
fn digest_of(bytes: &[u8]) -> BodyDigest {
    let mut digest = [0u8; 32];
    if bytes.len() == digest.len() {
        digest.copy_from_slice(bytes);
    }
    digest
}
