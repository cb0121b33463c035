//! The files of the history: the active `audit.jsonl` and the rotated
//! `audit-<ts>.jsonl` segments (`ts` as `20261123T214301.123Z`, with `-N` appended when two
//! rotations fall in one millisecond). Newest first is: the active file, then rotated segments
//! by descending (time, N).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::AUDIT_FILE;
use crate::time::{format_compact, parse_compact};

const PREFIX: &str = "audit-";
const SUFFIX: &str = ".jsonl";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) path: PathBuf,
    pub(crate) name: String,
    /// When it was rotated (ms since the epoch); `None` for the active file.
    pub(crate) rotated_ms: Option<u64>,
    seq: u32,
}

/// The segments present, newest first. A missing directory is an empty history.
pub(crate) fn list(dir: &Path) -> io::Result<Vec<Segment>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut active = None;
    let mut rotated = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name == AUDIT_FILE {
            active = Some(Segment {
                path: entry.path(),
                name,
                rotated_ms: None,
                seq: 0,
            });
        } else if let Some((ms, seq)) = parse_rotated_name(&name) {
            rotated.push(Segment {
                path: entry.path(),
                name,
                rotated_ms: Some(ms),
                seq,
            });
        }
    }
    rotated.sort_by_key(|s| std::cmp::Reverse((s.rotated_ms, s.seq)));
    Ok(active.into_iter().chain(rotated).collect())
}

/// A name for the active file rotated at `ms` that no existing file has.
pub(crate) fn rotated_path(dir: &Path, ms: u64) -> PathBuf {
    let ts = format_compact(ms);
    let mut seq = 0u32;
    loop {
        let name = if seq == 0 {
            format!("{PREFIX}{ts}{SUFFIX}")
        } else {
            format!("{PREFIX}{ts}-{seq}{SUFFIX}")
        };
        let path = dir.join(name);
        // Only the holder of the active file's lock rotates, so nobody races this check.
        if !path.exists() {
            return path;
        }
        seq += 1;
    }
}

fn parse_rotated_name(name: &str) -> Option<(u64, u32)> {
    let stem = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (ts, seq) = match stem.split_once('-') {
        Some((ts, seq)) => (ts, seq.parse().ok()?),
        None => (stem, 0),
    };
    Some((parse_compact(ts)?, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_names_parse_with_and_without_sequence() {
        assert_eq!(
            parse_rotated_name("audit-20261123T214301.123Z.jsonl"),
            Some((1_795_470_181_123, 0))
        );
        assert_eq!(
            parse_rotated_name("audit-20261123T214301.123Z-2.jsonl"),
            Some((1_795_470_181_123, 2))
        );
        assert_eq!(parse_rotated_name("audit-notes.jsonl"), None);
        assert_eq!(parse_rotated_name("audit.jsonl"), None);
    }
}
