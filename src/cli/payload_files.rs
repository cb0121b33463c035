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

/// Every file's text, or `None` after naming every file that could not be read. A file
/// given twice (by the same path or another one to it) is read once: pushing it twice at
/// once would race with itself.
pub fn read_all(paths: &[PathBuf]) -> Option<Vec<PayloadFile>> {
    let mut files = Vec::with_capacity(paths.len());
    let mut unreadable = false;
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if !seen.insert(real) {
            eprintln!(
                "cxda: note: {} is given more than once; it is taken once",
                escape_controls(&path.display().to_string())
            );
            continue;
        }
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
/// a file edited meanwhile is left as it is (`Ok(false)`). A symbolic link is followed, so
/// the file it points to is the one replaced. The new content goes to a fresh file beside
/// it (created exclusively, readable by its owner only, then given the old file's mode) and
/// is renamed over it.
pub fn rewrite_if_unchanged(path: &Path, expected: &str, text: &str) -> std::io::Result<bool> {
    let path = std::fs::canonicalize(path)?;
    if std::fs::read(&path)? != expected.as_bytes() {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut random = [0u8; 8];
    let _ = getrandom::fill(&mut random);
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temp = dir.join(format!(".{file_name}.cxda-{suffix}"));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        // The file keeps its permissions.
        std::fs::set_permissions(&temp, std::fs::metadata(&path)?.permissions())?;
        std::fs::rename(&temp, &path)
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

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_the_mode_kept() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("dir");
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").expect("write");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).expect("link");
        assert!(rewrite_if_unchanged(&link, "old", "new").expect("rewritten"));
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "new");
        let mode = std::fs::metadata(&real).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}
