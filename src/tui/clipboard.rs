//! "Copy as curl" in the studio (`F7`): the editor's payload as the curl commands of its
//! create (`engine::curl`, what `cxda submit --curl` prints), put on the clipboard with an
//! OSC 52 sequence (`ESC ] 52 ; c ; BASE64 BEL`), which the terminal itself honours, so it
//! works over ssh with no clipboard tool on either side. The app only builds the bytes;
//! the loop writes them to the terminal (`Effect::SetClipboard`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::app::App;
use super::message::Effect;
use crate::text::escape_controls;

/// The OSC 52 sequence that sets the clipboard (`c`) to `text`.
pub fn osc52(text: &str) -> Vec<u8> {
    let encoded = STANDARD.encode(text.as_bytes());
    let mut sequence = Vec::with_capacity(encoded.len() + 8);
    sequence.extend_from_slice(b"\x1b]52;c;");
    sequence.extend_from_slice(encoded.as_bytes());
    sequence.push(0x07);
    sequence
}

/// `950 B`, `1.2 KB`, `1.1 MB` (powers of 1000).
fn size(bytes: usize) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

impl App {
    /// F7: the editor's text as curl on the clipboard, or the status line says why not. A
    /// text `F5` would not send (its checks fail) is not copied either.
    pub(crate) fn copy_as_curl(&mut self) -> Vec<Effect> {
        let Some(export) = &self.curl else {
            self.status = "not copied: the profile has no connection yet (the sandbox is starting)"
                .to_string();
            return Vec::new();
        };
        if self.checks.revision != self.editor.revision() {
            self.status =
                "not copied: the checks of this text are still running; F7 again in a moment"
                    .to_string();
            return Vec::new();
        }
        let errors: Vec<_> = self
            .checks
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        if let Some(first) = errors.first() {
            let more = match errors.len() {
                1 => String::new(),
                n => format!(" (and {} more in Checks)", n - 1),
            };
            self.status = format!(
                "not copied: {}:{}: {}{more}",
                first.line,
                first.column,
                escape_controls(&first.message)
            );
            return Vec::new();
        }
        let export = export.with_extra_headers(self.extra_headers());
        let label = self.file.as_ref().map_or_else(
            || "the studio's payload".to_string(),
            |p| p.display().to_string(),
        );
        match export.create(&label, &self.editor.text(), false) {
            Ok(create) => {
                let script = export.preamble() + &create.script;
                let requests = match create.requests {
                    1 => "1 request".to_string(),
                    n => format!("{n} requests"),
                };
                self.status = format!(
                    "copied as curl ({requests}, {}) — OSC 52",
                    size(script.len())
                );
                vec![Effect::SetClipboard {
                    sequence: osc52(&script),
                }]
            }
            Err(error) => {
                self.status = format!("not copied: {}", escape_controls(&error.to_string()));
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_esc_52_c_base64_bel() {
        assert_eq!(osc52("hi\n"), b"\x1b]52;c;aGkK\x07".to_vec());
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(950), "950 B");
        assert_eq!(size(1_234), "1.2 KB");
        assert_eq!(size(1_100_000), "1.1 MB");
    }
}
