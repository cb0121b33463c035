//! The payload files `cxda diff` and `cxda push` take: read all of them before anything is
//! sent (a file that cannot be read, or is not UTF-8, is a local problem named on stderr),
//! and written back in place after a push (a new file beside it, then renamed over it, so a
//! crash leaves the old file or the new one, never half of one).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::text::escape_controls;

/// One payload file, read.
pub struct PayloadFile {
    /// As given on the command line, escaped for the terminal.
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

/// Every file's text, or `None` after naming every file that could not be read.
pub fn read_all(paths: &[PathBuf]) -> Option<Vec<PayloadFile>> {
    let mut files = Vec::with_capacity(paths.len());
    let mut unreadable = false;
    for path in paths {
        let name = escape_controls(&path.display().to_string()).into_owned();
        match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => files.push(PayloadFile {
                name,
                path: path.clone(),
                text,
            }),
            Ok(Err(error)) => {
                let at = error.utf8_error().valid_up_to();
                eprintln!("cxda: {name}: byte {at} is not UTF-8; save the file as UTF-8");
                unreadable = true;
            }
            Err(error) => {
                eprintln!("cxda: cannot read {name}: {error}");
                unreadable = true;
            }
        }
    }
    (!unreadable).then_some(files)
}

/// Replaces `path`'s content with `text` when it still holds `expected` (what was pushed):
/// a file edited meanwhile is left as it is (`Ok(false)`).
pub fn rewrite_if_unchanged(path: &Path, expected: &str, text: &str) -> std::io::Result<bool> {
    if std::fs::read(path)? != expected.as_bytes() {
        return Ok(false);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.cxda-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        // The file keeps its permissions.
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_rewritten_only_while_it_holds_what_was_pushed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("a.json");
        std::fs::write(&path, "old").expect("write");
        assert!(rewrite_if_unchanged(&path, "old", "new").expect("rewritten"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        assert!(!rewrite_if_unchanged(&path, "old", "newer").expect("checked"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temporary file left");
    }
}
