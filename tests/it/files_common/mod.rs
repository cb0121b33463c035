//! Reading back what a test left on disk: every file under a directory, as text, for the
//! tests that grep a data dir (the audit history and the logs) for secrets.

use std::path::Path;

/// Every file under `dir`, recursively, as (lossy) text.
pub fn data_dir_text(dir: &Path) -> String {
    let mut text = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                text.push_str(&String::from_utf8_lossy(
                    &std::fs::read(&path).expect("read"),
                ));
            }
        }
    }
    text
}
