//! Reading back what a test left on disk: every file under a directory, as text, for the
//! tests that grep a data dir (the audit history and the logs) for secrets. The embedded
//! sandbox's store file is left out: it is the emulated server's copy of what was sent
//! (an action's config as written, as a tenant keeps it), not cxda's own history.

use std::path::Path;

/// Every file under `dir`, recursively, as (lossy) text, but the sandbox's store file
/// (and SQLite's `-wal` and `-shm` beside it).
pub fn data_dir_text(dir: &Path) -> String {
    let mut text = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                stack.push(path);
            } else if !name.starts_with(cxda::sandbox::STATE_FILE_NAME) {
                text.push_str(&String::from_utf8_lossy(
                    &std::fs::read(&path).expect("read"),
                ));
            }
        }
    }
    text
}
