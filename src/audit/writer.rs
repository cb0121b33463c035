//! The appender. Each write to `audit.jsonl` happens under the file's advisory lock (so other
//! cxda processes interleave whole records, never bytes), repairs a torn tail first (a crash
//! mid-write leaves a line without its `\n`; the next record must not be glued to it), writes
//! whole records with `write_all`, and `fdatasync`s before any append it carries returns — an
//! append that returned `Ok` survives a crash or a SIGKILL.
//!
//! Group commit: appends that arrive while a sync is running queue up, and the next caller
//! to find the writer idle becomes the leader and writes and syncs the whole queue at once,
//! so a batch of concurrent submissions pays for a couple of syncs, not one each. Every
//! caller still returns only after the sync that covered its records.
//!
//! Rotation: a write that would take the file past the limit first renames it to
//! `audit-<ts>.jsonl` — under the lock, after checking that the locked file is still the
//! one at `audit.jsonl` — so of several processes at most one rotates a given file, and one
//! that held a handle to a file rotated by another reopens before writing.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

use super::reader::AuditReader;
use super::record::AuditRecord;
use super::redact::Redactor;
use super::{AUDIT_FILE, AuditError, segments};
use crate::time::{format_rfc3339_ms, now_ms};

const MIB: u64 = 1024 * 1024;

/// How many times one write may find its file rotated away under it before giving up.
const MAX_REOPENS: usize = 64;

/// The audit history's writer. Cheap to clone (clones share the queue and the open file);
/// methods block until the records are durable, so call them from a blocking context
/// ([`AuditLog::append_async`] does that for async callers).
#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    path: PathBuf,
    max_bytes: u64,
    redactor: Redactor,
    /// Only the group leader touches it; the mutex makes `AuditLog` `Sync`.
    file: Mutex<Option<ActiveFile>>,
    queue: Mutex<Queue>,
    queue_changed: Condvar,
    syncs: AtomicU64,
}

type GroupResult = Arc<OnceLock<Result<(), AuditError>>>;

/// Encoded records waiting for the next leader, and the result slot they will share.
struct Queue {
    lines: Vec<u8>,
    group: GroupResult,
    flushing: bool,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.inner.path)
            .field("max_bytes", &self.inner.max_bytes)
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Opens (creating with mode 0600, and the data dir with 0700) `<data_dir>/audit.jsonl`,
    /// rotating past `max_mib` MiB (the config's `audit_max_mib`).
    pub fn open(data_dir: &Path, max_mib: u64) -> Result<AuditLog, AuditError> {
        AuditLog::open_with(data_dir, max_mib.saturating_mul(MIB), Redactor::new())
    }

    /// [`AuditLog::open`] with the limit in bytes and a redactor that knows literal secrets
    /// (e.g. `Redactor::new().with_secret(client_secret)`).
    pub fn open_with(
        data_dir: &Path,
        max_bytes: u64,
        redactor: Redactor,
    ) -> Result<AuditLog, AuditError> {
        create_private_dir(data_dir)?;
        let path = data_dir.join(AUDIT_FILE);
        let file = ActiveFile::open(data_dir, &path)?;
        Ok(AuditLog {
            inner: Arc::new(Inner {
                dir: data_dir.to_path_buf(),
                path,
                max_bytes,
                redactor,
                file: Mutex::new(Some(file)),
                queue: Mutex::new(Queue {
                    lines: Vec::new(),
                    group: GroupResult::default(),
                    flushing: false,
                }),
                queue_changed: Condvar::new(),
                syncs: AtomicU64::new(0),
            }),
        })
    }

    /// `<data dir>/audit.jsonl`.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The data dir.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// A reader of the same history.
    pub fn reader(&self) -> AuditReader {
        AuditReader::new(&self.inner.dir)
    }

    /// How many `fdatasync`s this writer has done (group commit makes it fewer than appends).
    pub fn sync_count(&self) -> u64 {
        self.inner.syncs.load(Ordering::Relaxed)
    }

    /// Redacts, truncates big bodies, stamps `ts`, appends and syncs; returns the record as
    /// written (what `--json` output and the screen should show).
    pub fn append(&self, record: AuditRecord) -> Result<AuditRecord, AuditError> {
        let mut written = self.append_batch(vec![record])?;
        written.pop().ok_or_else(|| AuditError::Task {
            message: "a one-record batch came back empty".to_string(),
        })
    }

    /// Appends several records with one lock and one sync (they may share it with concurrent
    /// appends too); in order, on consecutive lines.
    pub fn append_batch(&self, records: Vec<AuditRecord>) -> Result<Vec<AuditRecord>, AuditError> {
        let mut lines = Vec::with_capacity(records.len() * 1024);
        let mut written = Vec::with_capacity(records.len());
        for mut record in records {
            self.prepare(&mut record);
            serde_json::to_writer(&mut lines, &record).map_err(|e| AuditError::Encode {
                path: self.inner.path.clone(),
                message: e.to_string(),
            })?;
            lines.push(b'\n');
            written.push(record);
        }
        self.commit(lines)?;
        Ok(written)
    }

    /// [`AuditLog::append`] on tokio's blocking pool, for the executor and the TUI.
    pub async fn append_async(&self, record: AuditRecord) -> Result<AuditRecord, AuditError> {
        let log = self.clone();
        tokio::task::spawn_blocking(move || log.append(record))
            .await
            .map_err(|e| AuditError::Task {
                message: e.to_string(),
            })?
    }

    fn prepare(&self, record: &mut AuditRecord) {
        // Redact before truncating, so a cut never hides a field name from the redactor.
        self.inner.redactor.redact_record(record);
        record.truncate_bodies();
        record.ts = format_rfc3339_ms(now_ms());
    }

    /// Queues `lines` and returns once a sync covered them (see the module doc).
    fn commit(&self, lines: Vec<u8>) -> Result<(), AuditError> {
        if lines.is_empty() {
            return Ok(());
        }
        let inner = &*self.inner;
        let mut queue = lock(&inner.queue);
        queue.lines.extend_from_slice(&lines);
        let mine = Arc::clone(&queue.group);
        loop {
            if let Some(result) = mine.get() {
                return result.clone();
            }
            if !queue.flushing {
                // Our records are still queued (a leader sets a group's result before it
                // clears `flushing`), so lead: take everything queued and write it.
                queue.flushing = true;
                let batch = std::mem::take(&mut queue.lines);
                let group = std::mem::take(&mut queue.group);
                drop(queue);
                let leader = Leader { inner, group };
                let result = inner.write_durably(&batch);
                leader.finish(result);
                queue = lock(&inner.queue);
                continue;
            }
            queue = inner
                .queue_changed
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Publishes a group's result and hands leadership back, even if the write panicked (the
/// waiters would otherwise wait forever).
struct Leader<'a> {
    inner: &'a Inner,
    group: GroupResult,
}

impl Leader<'_> {
    fn finish(self, result: Result<(), AuditError>) {
        let _ = self.group.set(result);
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let _ = self.group.set(Err(AuditError::Task {
            message: "the audit writer panicked while writing".to_string(),
        }));
        lock(&self.inner.queue).flushing = false;
        self.inner.queue_changed.notify_all();
    }
}

enum Step {
    Written,
    Reopen,
}

impl Inner {
    fn write_durably(&self, batch: &[u8]) -> Result<(), AuditError> {
        let mut slot = lock(&self.file);
        for _ in 0..MAX_REOPENS {
            let active = match slot.take() {
                Some(active) => active,
                None => ActiveFile::open(&self.dir, &self.path)?,
            };
            active.file.lock().map_err(AuditError::lock(&self.path))?;
            let step = self.write_locked(&active, batch);
            // Closing the handle releases the lock too, so on an unlock error drop it.
            let unlocked = active.file.unlock().is_ok();
            match step {
                Ok(Step::Written) => {
                    if unlocked {
                        *slot = Some(active);
                    }
                    return Ok(());
                }
                Ok(Step::Reopen) => {}
                // Reopen next time: after a failed write the handle may be in any state.
                Err(e) => return Err(e),
            }
        }
        Err(AuditError::Contended {
            path: self.path.clone(),
        })
    }

    /// With the lock held: rotate or reopen if needed, else repair the tail, write, sync.
    fn write_locked(&self, active: &ActiveFile, batch: &[u8]) -> Result<Step, AuditError> {
        match identity_of_path(&self.path) {
            Ok(identity) if identity == active.identity => {}
            // Rotated (or removed) by someone else since we opened it.
            Ok(_) => return Ok(Step::Reopen),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Step::Reopen),
            Err(e) => return Err(AuditError::open(&self.path)(e)),
        }
        let mut file = &active.file;
        let size = file.metadata().map_err(AuditError::read(&self.path))?.len();
        if size > 0 && size.saturating_add(batch.len() as u64) > self.max_bytes {
            let to = segments::rotated_path(&self.dir, now_ms());
            fs::rename(&self.path, &to).map_err(|e| AuditError::Rotate {
                path: self.path.clone(),
                to: to.clone(),
                source: Arc::new(e),
            })?;
            sync_dir(&self.dir).map_err(AuditError::write(&self.dir))?;
            return Ok(Step::Reopen);
        }
        if size > 0 && last_byte(file, size).map_err(AuditError::read(&self.path))? != b'\n' {
            file.write_all(b"\n")
                .map_err(AuditError::write(&self.path))?;
        }
        file.write_all(batch)
            .map_err(AuditError::write(&self.path))?;
        file.sync_data().map_err(AuditError::write(&self.path))?;
        self.syncs.fetch_add(1, Ordering::Relaxed);
        Ok(Step::Written)
    }
}

/// The open active file and which file it is (to notice a rotation by another process).
struct ActiveFile {
    file: File,
    identity: (u64, u64),
}

impl ActiveFile {
    fn open(dir: &Path, path: &Path) -> Result<ActiveFile, AuditError> {
        for _ in 0..MAX_REOPENS {
            let mut create = OpenOptions::new();
            create.read(true).append(true).create_new(true);
            set_private_mode(&mut create);
            let file = match create.open(path) {
                Ok(file) => {
                    // Make the new file's name durable before any record in it is reported.
                    sync_dir(dir).map_err(AuditError::write(dir))?;
                    file
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    match OpenOptions::new().read(true).append(true).open(path) {
                        Ok(file) => {
                            tighten_mode(&file).map_err(AuditError::open(path))?;
                            file
                        }
                        // Rotated away between the two opens: create it.
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(AuditError::open(path)(e)),
                    }
                }
                Err(e) => return Err(AuditError::open(path)(e)),
            };
            let metadata = file.metadata().map_err(AuditError::open(path))?;
            return Ok(ActiveFile {
                file,
                identity: identity(&metadata),
            });
        }
        Err(AuditError::Contended {
            path: path.to_path_buf(),
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded state stays consistent across a panic (see `Leader`), so poison is moot.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn last_byte(mut file: &File, size: u64) -> io::Result<u8> {
    // The file is in append mode: moving the read position does not move where writes go.
    file.seek(SeekFrom::Start(size - 1))?;
    let mut byte = [0u8; 1];
    file.read_exact(&mut byte)?;
    Ok(byte[0])
}

fn identity_of_path(path: &Path) -> io::Result<(u64, u64)> {
    fs::metadata(path).map(|m| identity(&m))
}

#[cfg(unix)]
fn identity(metadata: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn identity(_metadata: &fs::Metadata) -> (u64, u64) {
    // No inode to compare: a rotation by another process goes unnoticed until reopen.
    (0, 0)
}

fn create_private_dir(dir: &Path) -> Result<(), AuditError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(AuditError::create_dir(dir))
}

fn set_private_mode(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = options;
}

/// An existing audit file readable by group or others (made by hand, or an older tool) is
/// brought back to 0600: it holds request metadata the user did not mean to share.
fn tighten_mode(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
