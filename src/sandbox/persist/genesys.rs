//! The genesys-cloud store's rows (`genesys_actions`): one per action, its published
//! definition and its draft each a JSON object (the definition's fields, its version and
//! the sizes the store's byte limit counts).

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Persistable;
use crate::sandbox::genesys::model::{Definition, JsonBytes};
use crate::sandbox::genesys::store::Store;
use crate::sandbox::store::StoreLimits;

/// A definition as the file holds it.
#[derive(Serialize, Deserialize)]
struct Row {
    name: String,
    category: String,
    integration_id: String,
    secure: bool,
    config: Value,
    contract: Value,
    version: u64,
    config_bytes: usize,
    contract_bytes: usize,
}

impl Row {
    fn of(definition: &Definition) -> Row {
        Row {
            name: definition.name.clone(),
            category: definition.category.clone(),
            integration_id: definition.integration_id.clone(),
            secure: definition.secure,
            config: definition.config.clone(),
            contract: definition.contract.clone(),
            version: definition.version,
            config_bytes: definition.json_bytes.config,
            contract_bytes: definition.json_bytes.contract,
        }
    }

    fn definition(self) -> Definition {
        Definition {
            name: self.name,
            category: self.category,
            integration_id: self.integration_id,
            secure: self.secure,
            config: self.config,
            contract: self.contract,
            version: self.version,
            json_bytes: JsonBytes {
                config: self.config_bytes,
                contract: self.contract_bytes,
            },
        }
    }
}

fn to_text(definition: Option<&Definition>) -> rusqlite::Result<Option<String>> {
    definition
        .map(|d| serde_json::to_string(&Row::of(d)))
        .transpose()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn from_text(column: usize, text: Option<String>) -> rusqlite::Result<Option<Definition>> {
    text.map(|text| {
        serde_json::from_str::<Row>(&text)
            .map(Row::definition)
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    column,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
    })
    .transpose()
}

impl Persistable for Store {
    const DIALECT: &'static str = "genesys-cloud";

    fn journaled(limits: StoreLimits) -> Store {
        Store::journaled(limits)
    }

    fn load(conn: &Connection, limits: StoreLimits) -> rusqlite::Result<Store> {
        let mut store = Store::journaled(limits);
        let mut statement =
            conn.prepare("SELECT seq, id, published, draft FROM genesys_actions ORDER BY seq")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let published = from_text(2, row.get(2)?)?;
            let draft = from_text(3, row.get(3)?)?;
            store.restore(row.get(0)?, row.get(1)?, published, draft);
        }
        Ok(store)
    }

    fn flush(&self, conn: &Connection, touched: &[u64]) -> rusqlite::Result<()> {
        let kept = super::delete_gone(conn, "genesys_actions", touched, |seq| {
            self.at(seq).is_some()
        })?;
        if kept.is_empty() {
            return Ok(());
        }
        let mut upsert = conn.prepare_cached(
            "INSERT INTO genesys_actions (seq, id, published, draft) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (seq) DO UPDATE SET id = excluded.id,
                 published = excluded.published, draft = excluded.draft",
        )?;
        for seq in kept {
            let Some(action) = self.at(seq) else { continue };
            upsert.execute(params![
                seq,
                action.id,
                to_text(action.published.as_ref())?,
                to_text(action.draft.as_ref())?,
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
