//! The tail-first reader. Records come newest first (reverse append order), read backwards
//! from the end of the active file in blocks, then through the rotated segments from the
//! newest; a page costs the records it returns (plus the ones its filter passes over), never
//! the size of the history. A [`Cursor`] says where the next page starts. Lines that do not
//! parse (a torn tail from a crash, a corrupted byte) are skipped and counted, never fatal.
//!
//! Readers take no lock: a record being written at that moment may show as a torn last line
//! for one read, which is why torn lines are only counted.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::AuditError;
use super::id::AuditId;
use super::record::AuditRecord;
use super::segments::{self, Segment};
use crate::time::parse_rfc3339_ms;

/// Bytes read per step backwards: about a hundred typical records.
const BLOCK: usize = 64 * 1024;

/// How far a record's `ts` may fall behind the one written before it in the file (writers
/// waiting on the lock, clock adjustments); `find` stops only past this margin.
const CLOCK_SLACK_MS: u64 = 10 * 60 * 1000;

/// Reads the history in `<data dir>`. Holds no open files between calls.
#[derive(Debug, Clone)]
pub struct AuditReader {
    dir: PathBuf,
}

/// Which records a page keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    /// `cxda audit list --failed`: outcomes that are not a success (see
    /// [`super::Outcome::is_failure`]).
    Failed,
}

impl Filter {
    pub fn matches(self, record: &AuditRecord) -> bool {
        match self {
            Filter::All => true,
            Filter::Failed => record.outcome.is_failure(),
        }
    }
}

/// Where the next (older) page starts: just before byte `offset` of one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The segment's file name, and which file it was: the active file may have been
    /// rotated (renamed) since, and the cursor must follow it to its new name.
    segment: String,
    identity: (u64, u64),
    offset: u64,
}

/// Records newest first, how many unreadable lines were passed over, and where to go on.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub records: Vec<AuditRecord>,
    /// Torn or corrupt lines skipped while reading this page.
    pub skipped: usize,
    /// `None` when the oldest record has been returned.
    pub next: Option<Cursor>,
}

impl AuditReader {
    pub fn new(data_dir: &Path) -> AuditReader {
        AuditReader {
            dir: data_dir.to_path_buf(),
        }
    }

    /// The newest `limit` records that pass `filter`.
    pub fn newest(&self, limit: usize, filter: Filter) -> Result<Page, AuditError> {
        self.page(None, limit, filter)
    }

    /// The next `limit` records (that pass `filter`) older than `from`, or the newest when
    /// `from` is `None`. Paging from each page's `next` yields every record exactly once.
    pub fn page(
        &self,
        from: Option<&Cursor>,
        limit: usize,
        filter: Filter,
    ) -> Result<Page, AuditError> {
        let segments = self.segments()?;
        let (first, start_offset) = match from {
            None => (0, None),
            Some(cursor) => (self.resolve(&segments, cursor)?, Some(cursor.offset)),
        };
        let mut page = Page::default();
        if limit == 0 {
            page.next = from.cloned();
            return Ok(page);
        }
        for (index, segment) in segments.iter().enumerate().skip(first) {
            let Some(mut lines) = open_lines(segment, start_offset.filter(|_| index == first))?
            else {
                continue;
            };
            while let Some((line_start, line)) = lines.next_line()? {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let Ok(record) = serde_json::from_slice::<AuditRecord>(&line) else {
                    page.skipped += 1;
                    continue;
                };
                if !filter.matches(&record) {
                    continue;
                }
                page.records.push(record);
                if page.records.len() == limit {
                    let exhausted = line_start == 0 && index + 1 == segments.len();
                    page.next = (!exhausted).then(|| Cursor {
                        segment: segment.name.clone(),
                        identity: lines.identity,
                        offset: line_start,
                    });
                    return Ok(page);
                }
            }
        }
        Ok(page)
    }

    /// The record with this id, searching newest first. Ids carry the time they were minted
    /// and a record is written after its id is minted, so the search stops once it reaches
    /// records written well before that time (a margin allows for clock steps).
    pub fn find(&self, id: &str) -> Result<Option<AuditRecord>, AuditError> {
        let target: AuditId = id.trim().parse()?;
        let not_before = target.timestamp_ms().saturating_sub(CLOCK_SLACK_MS);
        for segment in self.segments()? {
            if segment
                .rotated_ms
                .is_some_and(|rotated| rotated < not_before)
            {
                // Closed before the id existed, and so is every older segment.
                break;
            }
            let Some(mut lines) = open_lines(&segment, None)? else {
                continue;
            };
            while let Some((_, line)) = lines.next_line()? {
                match quick_id_and_ts(&line) {
                    Some((line_id, _)) if line_id == target => {
                        if let Ok(record) = serde_json::from_slice::<AuditRecord>(&line) {
                            return Ok(Some(record));
                        }
                    }
                    Some((_, ts)) if ts < not_before => return Ok(None),
                    Some(_) => {}
                    // Not in the layout this writer produces: parse it fully to be sure.
                    None => {
                        if let Ok(record) = serde_json::from_slice::<AuditRecord>(&line)
                            && record.id == target
                        {
                            return Ok(Some(record));
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    /// The history's files, newest first (the active file, then rotated segments).
    pub fn segment_paths(&self) -> Result<Vec<PathBuf>, AuditError> {
        Ok(self.segments()?.into_iter().map(|s| s.path).collect())
    }

    fn segments(&self) -> Result<Vec<Segment>, AuditError> {
        segments::list(&self.dir).map_err(AuditError::read(&self.dir))
    }

    /// The index of the cursor's segment, following the active file to its rotated name.
    fn resolve(&self, segments: &[Segment], cursor: &Cursor) -> Result<usize, AuditError> {
        let same_file = |s: &Segment| {
            File::open(&s.path)
                .and_then(|f| f.metadata())
                .is_ok_and(|m| identity(&m) == cursor.identity)
        };
        segments
            .iter()
            .position(|s| s.name == cursor.segment && same_file(s))
            .or_else(|| segments.iter().position(same_file))
            .ok_or_else(|| AuditError::StaleCursor {
                path: self.dir.join(&cursor.segment),
            })
    }
}

/// Opens a segment for reading backwards from `end` (its length when `None`); `None` when
/// the file vanished since it was listed (rotated or removed), which is not an error.
fn open_lines(segment: &Segment, end: Option<u64>) -> Result<Option<BackLines>, AuditError> {
    let file = match File::open(&segment.path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AuditError::read(&segment.path)(e)),
    };
    let metadata = file.metadata().map_err(AuditError::read(&segment.path))?;
    let end = end.map_or(metadata.len(), |end| end.min(metadata.len()));
    Ok(Some(BackLines {
        file,
        path: segment.path.clone(),
        identity: identity(&metadata),
        pos: end,
        buf: Vec::new(),
    }))
}

/// Lines of a file from a given end backwards. `buf` holds the bytes `[pos, pos + len)` not
/// yet returned; each step returns the last line in it, reading another block in front when
/// the line starts before `pos`.
struct BackLines {
    file: File,
    path: PathBuf,
    identity: (u64, u64),
    pos: u64,
    buf: Vec<u8>,
}

impl BackLines {
    /// The previous line and the offset it starts at; the last line may lack its `\n`.
    fn next_line(&mut self) -> Result<Option<(u64, Vec<u8>)>, AuditError> {
        loop {
            let content_end = match self.buf.last() {
                Some(b'\n') => self.buf.len() - 1,
                _ => self.buf.len(),
            };
            if let Some(newline) = memchr::memrchr(b'\n', &self.buf[..content_end]) {
                let line = self.buf[newline + 1..content_end].to_vec();
                let start = self.pos + newline as u64 + 1;
                self.buf.truncate(newline + 1);
                return Ok(Some((start, line)));
            }
            if self.pos == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                let line = self.buf[..content_end].to_vec();
                self.buf.clear();
                return Ok(Some((0, line)));
            }
            self.read_block_before()
                .map_err(AuditError::read(&self.path))?;
        }
    }

    fn read_block_before(&mut self) -> io::Result<()> {
        let len = BLOCK.min(usize::try_from(self.pos).unwrap_or(BLOCK));
        self.pos -= len as u64;
        let mut block = vec![0u8; len + self.buf.len()];
        self.file.seek(SeekFrom::Start(self.pos))?;
        self.file.read_exact(&mut block[..len])?;
        block[len..].copy_from_slice(&self.buf);
        self.buf = block;
        Ok(())
    }
}

/// The id and `ts` of a line in the layout [`super::AuditLog`] writes
/// (`{"id":"…","ts":"…",…`), without parsing the record.
fn quick_id_and_ts(line: &[u8]) -> Option<(AuditId, u64)> {
    let rest = line.strip_prefix(br#"{"id":""#)?;
    let id = std::str::from_utf8(rest.get(..26)?).ok()?.parse().ok()?;
    let rest = rest.get(26..)?.strip_prefix(br#"","ts":""#)?;
    let ts = parse_rfc3339_ms(std::str::from_utf8(rest.get(..24)?).ok()?)?;
    Some((id, ts))
}

#[cfg(unix)]
fn identity(metadata: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn identity(_metadata: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(content: &[u8]) -> Vec<(u64, String)> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, content).expect("write");
        let mut lines = BackLines {
            file: File::open(&path).expect("open"),
            path,
            identity: (0, 0),
            pos: content.len() as u64,
            buf: Vec::new(),
        };
        let mut out = Vec::new();
        while let Some((start, line)) = lines.next_line().expect("read") {
            out.push((start, String::from_utf8_lossy(&line).into_owned()));
        }
        out
    }

    #[test]
    fn back_lines_returns_lines_last_first_with_offsets() {
        assert_eq!(
            lines_of(b"a\nbb\nccc\n"),
            vec![(5, "ccc".into()), (2, "bb".into()), (0, "a".into())]
        );
    }

    #[test]
    fn back_lines_returns_an_unterminated_tail_as_a_line() {
        assert_eq!(
            lines_of(b"a\n{\"torn"),
            vec![(2, "{\"torn".into()), (0, "a".into())]
        );
    }

    #[test]
    fn back_lines_reads_lines_longer_than_a_block() {
        let long = "x".repeat(3 * BLOCK + 7);
        let content = format!("first\n{long}\nlast\n");
        let got = lines_of(content.as_bytes());
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].1.len(), long.len());
        assert_eq!(got[2], (0, "first".into()));
    }

    #[test]
    fn quick_prefix_reads_the_id_and_ts_of_a_written_line() {
        let mut record = AuditRecord::new(super::super::Outcome::Created);
        record.ts = "2026-11-23T21:43:01.123Z".into();
        let line = serde_json::to_vec(&record).expect("encode");
        assert_eq!(quick_id_and_ts(&line), Some((record.id, 1_795_470_181_123)));
    }
}
