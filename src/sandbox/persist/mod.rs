//! The sandbox's memory between runs (docs/sandbox.md, Where the state lives): a SQLite file
//! that the action stores of both dialects (`../store.rs`, `../genesys/store.rs`) write
//! through to, and that several processes can share at once.
//!
//! Design: the in-memory stores stay the working copy every request is served from, so a
//! persisted sandbox answers as fast as one in memory. Each store has its own connection to
//! the file. A change is made under the store's lock inside one `BEGIN IMMEDIATE`
//! transaction (SQLite's write lock, which serialises writers across processes): the
//! store is first brought up to date, then the handler checks and changes it in memory,
//! the store's journal (the sequence numbers it touched, evictions included) is written
//! as row upserts and deletes, the dialect's `generation` in `meta` is bumped, and the
//! transaction commits. So a name checked free is free in the file too, and two processes
//! creating one name get one action and one 409 (or the genesys 400). That is also why the
//! tables have no unique index but the sequence number: the in-memory indexes, checked under
//! the write lock, already keep ids, names and keys unique, and each extra index would
//! double the pages a create writes (measured: half the creates per second).
//!
//! Before serving anything, a store asks `PRAGMA data_version` (about a microsecond: it
//! changes only when another connection committed); when it moved, and the dialect's
//! generation differs from the one the store last saw, the store is read again whole from
//! the file in one read transaction. Measured on a 2-core machine (release build), the
//! first request to a sandbox on a file of 10,000 cxone-v2 actions, which reads them all,
//! takes 26-32 ms, the next 0.4 ms; `cxda list` of those 10,000 takes 0.2 s end to end.
//! The other dialect's writes cost one extra query, not a reload. A create written through
//! costs about 70 us more than one in memory (one sequential client over HTTP: 3,800-4,000
//! creates/s against 5,600). A whole reload rather than a change log keeps the file the one
//! truth (no log to bound or replay) at the price of a reload per foreign change: fine for
//! a person's studio and CLI side by side, and the reason a sandbox under heavy load from
//! two processes at once slows down (each reloads after the other's writes).
//!
//! WAL journal mode lets readers run beside the one writer; `synchronous = NORMAL` (no
//! fsync per commit, durable across a crash of the process) suits an emulator; the busy
//! timeout makes a writer wait for another process's transaction instead of failing with
//! `SQLITE_BUSY`. A failed write rolls back and marks the store stale, so the next request
//! reads it again from the file. `PRAGMA user_version` holds the schema version: a file of
//! a newer schema, or one that is not a sandbox store, is refused with an error naming it
//! and saying how to empty it.

mod cxone;
mod genesys;

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension as _, TransactionBehavior};

use super::state::lock;
use super::store::StoreLimits;

/// The store file's name in the data dir.
pub const STATE_FILE_NAME: &str = "sandbox.sqlite3";

/// The schema this version reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

/// How long a write waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    dialect TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO meta (dialect, generation) VALUES ('cxone-v2', 0), ('genesys-cloud', 0);
CREATE TABLE IF NOT EXISTS cxone_actions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    json BLOB NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    idempotency_key TEXT,
    body_digest BLOB,
    created_json BLOB
) STRICT;
CREATE TABLE IF NOT EXISTS genesys_actions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    published TEXT,
    draft TEXT
) STRICT;
";

/// Why the store file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreFileError {
    #[error("cannot create or remove the sandbox store {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a readable sandbox store ({reason}); move it away, or empty it with `cxda sandbox --reset --state {path}`"
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "{path} was written by a newer cxda (store schema {found}; this one reads {SCHEMA_VERSION}): use that version, or empty it with `cxda sandbox --reset --state {path}`"
    )]
    Newer { path: PathBuf, found: i64 },
    #[error("the sandbox store {path}: {source}")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

impl StoreFileError {
    fn sql(path: &Path) -> impl FnOnce(rusqlite::Error) -> StoreFileError + '_ {
        move |source| StoreFileError::Sql {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Opens (creating it and its directory when missing) a store file and checks its schema.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreFileError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        std::fs::create_dir_all(dir).map_err(|source| StoreFileError::Dir {
            path: path.to_path_buf(),
            source,
        })?;
    }
    // The payloads sent are in it, header values included: readable by its owner only,
    // as the audit file is. SQLite gives its -wal and -shm files the same mode.
    if !path.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        if let Err(source) = options.open(path)
            && source.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(StoreFileError::Dir {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    let unreadable = |e: rusqlite::Error| classify(path, e);
    let conn = Connection::open(path).map_err(unreadable)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(unreadable)?;
    // The first statement that reads the file: a file that is not SQLite fails here.
    let _mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(unreadable)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(unreadable)?;
    match user_version(&conn).map_err(unreadable)? {
        SCHEMA_VERSION => Ok(conn),
        0 => {
            initialise(&conn, path)?;
            Ok(conn)
        }
        found if found > SCHEMA_VERSION => Err(StoreFileError::Newer {
            path: path.to_path_buf(),
            found,
        }),
        found => Err(StoreFileError::Unreadable {
            path: path.to_path_buf(),
            reason: format!("unknown store schema {found}"),
        }),
    }
}

/// A file that is not a database (or is damaged) is unreadable; anything else (a busy
/// lock, a full disk) is an SQL error as it came.
fn classify(path: &Path, error: rusqlite::Error) -> StoreFileError {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreFileError::Unreadable {
            path: path.to_path_buf(),
            reason: error.to_string(),
        },
        _ => StoreFileError::Sql {
            path: path.to_path_buf(),
            source: error,
        },
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Creates the tables, under the write lock so that two processes opening a new file at
/// once create them once. A file with tables but no schema version is someone else's.
fn initialise(conn: &Connection, path: &Path) -> Result<(), StoreFileError> {
    let sql = StoreFileError::sql(path);
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| classify(path, e))?;
    let result = (|| {
        if user_version(conn).map_err(StoreFileError::sql(path))? == SCHEMA_VERSION {
            return Ok(());
        }
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |row| row.get(0),
            )
            .map_err(StoreFileError::sql(path))?;
        if tables > 0 {
            return Err(StoreFileError::Unreadable {
                path: path.to_path_buf(),
                reason: "a SQLite database that cxda did not write".to_string(),
            });
        }
        conn.execute_batch(SCHEMA)
            .and_then(|()| conn.pragma_update(None, "user_version", SCHEMA_VERSION))
            .map_err(StoreFileError::sql(path))
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(sql),
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

/// What `cxda sandbox --reset` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reset {
    /// There was no file.
    Missing,
    /// The file's actions were deleted (it stays, empty).
    Emptied { cxone: u64, genesys: u64 },
    /// The file could not be read as a store and was removed (with its WAL files).
    Removed { reason: String },
}

/// Empties the store file at `path`: running sandboxes sharing it see it empty at their
/// next request. A file that is not a readable store is removed instead.
pub fn reset(path: &Path) -> Result<Reset, StoreFileError> {
    if !path.exists() {
        return Ok(Reset::Missing);
    }
    let mut conn = match open(path) {
        Ok(conn) => conn,
        Err(StoreFileError::Unreadable { reason, .. }) => return remove_files(path, reason),
        Err(StoreFileError::Newer { found, .. }) => {
            return remove_files(
                path,
                format!("store schema {found}, newer than this cxda's"),
            );
        }
        Err(error) => return Err(error),
    };
    let sql = || StoreFileError::sql(path);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql())?;
    let count = |table: &str| -> rusqlite::Result<u64> {
        tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
            row.get(0)
        })
    };
    let cxone = count("cxone_actions").map_err(sql())?;
    let genesys = count("genesys_actions").map_err(sql())?;
    tx.execute_batch(
        "DELETE FROM cxone_actions; DELETE FROM genesys_actions;
         UPDATE meta SET generation = generation + 1;",
    )
    .map_err(sql())?;
    tx.commit().map_err(sql())?;
    // Best effort: give the space back (another process reading the file can hold it).
    let _ = conn.execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
    Ok(Reset::Emptied { cxone, genesys })
}

/// Removes a file that is not a usable store, with SQLite's files beside it.
fn remove_files(path: &Path, reason: String) -> Result<Reset, StoreFileError> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StoreFileError::Dir {
                    path: PathBuf::from(file),
                    source,
                });
            }
        }
    }
    Ok(Reset::Removed { reason })
}

/// An action store that can follow a store file: its rows read and written in `cxone.rs`
/// and `genesys.rs`.
pub(crate) trait Persistable: Sized {
    /// Its row in `meta`.
    const DIALECT: &'static str;
    /// An empty store that records its changes.
    fn journaled(limits: StoreLimits) -> Self;
    /// Every row of the file, in a journaled store (`conn` is inside a transaction).
    fn load(conn: &Connection, limits: StoreLimits) -> rusqlite::Result<Self>;
    /// Writes the rows at `touched` as they are now: upserted, or deleted when gone.
    fn flush(&self, conn: &Connection, touched: &[u64]) -> rusqlite::Result<()>;
    fn take_journal(&mut self) -> Vec<u64>;
    fn evicted_count(&self) -> u64;
    fn set_evicted(&mut self, evicted: u64);
}

/// Deletes the rows of the `touched` sequence numbers no longer `stored`, and hands back
/// the others (sorted, once each) to be written. Deletes go first: a name or key that an
/// evicted action freed may be taken by the action written after it.
fn delete_gone(
    conn: &Connection,
    table: &str,
    touched: &[u64],
    stored: impl Fn(u64) -> bool,
) -> rusqlite::Result<Vec<u64>> {
    let mut seqs = touched.to_vec();
    seqs.sort_unstable();
    seqs.dedup();
    let (kept, gone): (Vec<u64>, Vec<u64>) = seqs.into_iter().partition(|&seq| stored(seq));
    if !gone.is_empty() {
        let mut delete = conn.prepare_cached(&format!("DELETE FROM {table} WHERE seq = ?1"))?;
        for seq in gone {
            delete.execute([seq])?;
        }
    }
    Ok(kept)
}

/// An action store behind its lock, in memory or following a store file.
pub(crate) struct Synced<S> {
    inner: Mutex<Inner<S>>,
}

struct Inner<S> {
    store: S,
    link: Option<Link>,
}

/// The connection of a store that follows a file, and what it last saw of it.
struct Link {
    conn: Connection,
    path: PathBuf,
    limits: StoreLimits,
    /// `PRAGMA data_version` when the store was last brought up to date.
    data_version: Option<i64>,
    /// The dialect's generation the store holds; `None` when it must be read again.
    generation: Option<i64>,
}

impl<S: Persistable> Synced<S> {
    pub fn in_memory(store: S) -> Synced<S> {
        Synced {
            inner: Mutex::new(Inner { store, link: None }),
        }
    }

    /// A store following the file at `path` (opened and checked here); its rows are read
    /// at the first request.
    pub fn open(path: &Path, limits: StoreLimits) -> Result<Synced<S>, StoreFileError> {
        let conn = open(path)?;
        Ok(Synced {
            inner: Mutex::new(Inner {
                store: S::journaled(limits),
                link: Some(Link {
                    conn,
                    path: path.to_path_buf(),
                    limits,
                    data_version: None,
                    generation: None,
                }),
            }),
        })
    }

    /// The store as this process last saw it, not brought up to date: for counters.
    pub fn memory(&self) -> Read<'_, S> {
        Read {
            guard: lock(&self.inner),
        }
    }

    /// The store, up to date with the file.
    pub fn read(&self) -> Result<Read<'_, S>, StoreFileError> {
        let mut guard = lock(&self.inner);
        let inner = &mut *guard;
        if let Some(link) = &mut inner.link {
            let path = link.path.clone();
            catch_up(&mut inner.store, link, false).map_err(StoreFileError::sql(&path))?;
        }
        Ok(Read { guard })
    }

    /// The store, up to date and locked for a change until [`Write::commit`] (across
    /// processes too, with a file). Dropped without a commit, nothing is written.
    pub fn write(&self) -> Result<Write<'_, S>, StoreFileError> {
        let mut guard = lock(&self.inner);
        let inner = &mut *guard;
        if let Some(link) = &mut inner.link {
            let path = link.path.clone();
            run(&link.conn, "BEGIN IMMEDIATE").map_err(StoreFileError::sql(&path))?;
            if let Err(error) = catch_up(&mut inner.store, link, true) {
                let _ = run(&link.conn, "ROLLBACK");
                return Err(StoreFileError::sql(&path)(error));
            }
            inner.store.take_journal();
        }
        Ok(Write { guard, open: true })
    }
}

/// One statement with no parameters and no rows (`BEGIN IMMEDIATE`, `COMMIT`), kept
/// prepared: a create runs three of them.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// Brings `store` up to date with the file when another connection changed it. `in_txn`:
/// the caller's transaction gives the reads one snapshot; else one is opened for them.
fn catch_up<S: Persistable>(store: &mut S, link: &mut Link, in_txn: bool) -> rusqlite::Result<()> {
    let data_version: i64 = link
        .conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |row| row.get(0))?;
    if link.generation.is_some() && link.data_version == Some(data_version) {
        return Ok(());
    }
    if !in_txn {
        run(&link.conn, "BEGIN")?;
    }
    let result = (|| -> rusqlite::Result<Option<i64>> {
        let generation: Option<i64> = link
            .conn
            .prepare_cached("SELECT generation FROM meta WHERE dialect = ?1")?
            .query_row([S::DIALECT], |row| row.get(0))
            .optional()?;
        if generation.is_none() || generation != link.generation {
            let mut fresh = S::load(&link.conn, link.limits)?;
            fresh.set_evicted(store.evicted_count());
            *store = fresh;
        }
        Ok(generation)
    })();
    if !in_txn {
        let _ = run(
            &link.conn,
            if result.is_ok() { "COMMIT" } else { "ROLLBACK" },
        );
    }
    link.generation = result?;
    link.data_version = Some(data_version);
    Ok(())
}

pub(crate) struct Read<'a, S> {
    guard: MutexGuard<'a, Inner<S>>,
}

impl<S> Deref for Read<'_, S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.guard.store
    }
}

pub(crate) struct Write<'a, S: Persistable> {
    guard: MutexGuard<'a, Inner<S>>,
    open: bool,
}

impl<S: Persistable> Deref for Write<'_, S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.guard.store
    }
}

impl<S: Persistable> DerefMut for Write<'_, S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.guard.store
    }
}

impl<S: Persistable> Write<'_, S> {
    /// Writes what changed to the file and commits. On failure nothing is written and the
    /// store is read again from the file at the next request.
    pub fn commit(mut self) -> Result<(), StoreFileError> {
        self.open = false;
        let inner = &mut *self.guard;
        let Some(link) = &mut inner.link else {
            return Ok(());
        };
        let touched = inner.store.take_journal();
        if touched.is_empty() {
            let _ = run(&link.conn, "ROLLBACK");
            return Ok(());
        }
        let written = inner
            .store
            .flush(&link.conn, &touched)
            .and_then(|()| {
                link.conn
                    .prepare_cached(
                        "UPDATE meta SET generation = generation + 1 WHERE dialect = ?1",
                    )?
                    .execute([S::DIALECT])
            })
            .and_then(|_| run(&link.conn, "COMMIT"));
        match written {
            Ok(()) => {
                link.generation = link.generation.map(|g| g + 1);
                Ok(())
            }
            Err(error) => {
                let _ = run(&link.conn, "ROLLBACK");
                link.generation = None;
                Err(StoreFileError::sql(&link.path)(error))
            }
        }
    }
}

impl<S: Persistable> Drop for Write<'_, S> {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let inner = &mut *self.guard;
        if let Some(link) = &mut inner.link {
            let _ = run(&link.conn, "ROLLBACK");
            // Changed in memory but not in the file: read it again next time.
            if !inner.store.take_journal().is_empty() {
                link.generation = None;
            }
        }
    }
}

#[cfg(test)]
mod tests;
