//! From a byte offset in a decoded JSON string (what the template scanner sees) to the byte
//! offset in the payload text (what a line and column are counted in): the two differ by
//! every escape before the place (`\"` is two bytes for one, `\u00e9` six for two).

/// The text offsets of `decoded` offsets (ascending) into the JSON string whose opening
/// quote is at `quote` in `text`. One walk for all of them: plain runs are skipped with
/// `memchr`, only escapes are looked at. A place inside an escape's character maps to the
/// escape's backslash; a place past the end maps to the closing quote.
pub(super) fn raw_offsets(text: &str, quote: usize, decoded: &[usize]) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut raw = quote + 1;
    let mut dec = 0;
    let mut out = Vec::with_capacity(decoded.len());
    for &target in decoded {
        loop {
            let rest = bytes.get(raw..).unwrap_or_default();
            let run = memchr::memchr2(b'\\', b'"', rest).unwrap_or(rest.len());
            if target < dec + run {
                raw += target - dec;
                dec = target;
                out.push(raw);
                break;
            }
            raw += run;
            dec += run;
            if bytes.get(raw) != Some(&b'\\') {
                out.push(raw);
                break;
            }
            let (raw_len, dec_len) = escape_len(&bytes[raw..]);
            if target < dec + dec_len {
                out.push(raw);
                break;
            }
            raw += raw_len;
            dec += dec_len;
        }
    }
    out
}

/// (bytes in the text, bytes decoded) of the escape at the start of `escape` (its `\`).
fn escape_len(escape: &[u8]) -> (usize, usize) {
    if escape.get(1) != Some(&b'u') {
        return (2, 1);
    }
    let Some(unit) = hex4(escape.get(2..6)) else {
        return (2, 1);
    };
    if (0xD800..0xDC00).contains(&unit)
        && escape.get(6..8) == Some(b"\\u")
        && hex4(escape.get(8..12)).is_some_and(|low| (0xDC00..0xE000).contains(&low))
    {
        return (12, 4);
    }
    // A lone surrogate cannot be in a parsed text; were it there, it decodes to U+FFFD.
    let width = char::from_u32(unit).map_or(3, char::len_utf8);
    (6, width)
}

fn hex4(digits: Option<&[u8]>) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(digits?).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text offset of every decoded offset of the string `json` (quoted, as written).
    fn map_all(json: &str) -> Vec<usize> {
        let decoded: String = serde_json::from_str(json).expect("a JSON string");
        let offsets: Vec<usize> = (0..=decoded.len()).collect();
        raw_offsets(json, 0, &offsets)
    }

    #[test]
    fn plain_text_maps_one_to_one_after_the_quote() {
        assert_eq!(map_all(r#""abc""#), vec![1, 2, 3, 4]);
    }

    #[test]
    fn each_escape_kind_is_skipped_whole() {
        // a \" b \\ c \u00e9 d
        let json = r#""a\"b\\c\u00e9d""#;
        let map = map_all(json);
        let find = |s: &str| json.find(s).expect("in json");
        assert_eq!(map[0], find("a"));
        assert_eq!(map[1], find("\\\""));
        assert_eq!(map[2], find("b"));
        assert_eq!(map[4], find("c"));
        // é is two decoded bytes; both map to its escape.
        assert_eq!(map[5], find("\\u00e9"));
        assert_eq!(map[6], find("\\u00e9"));
        assert_eq!(map[7], find("d"));
        assert_eq!(map[8], json.len() - 1);
    }

    #[test]
    fn a_surrogate_pair_is_one_four_byte_character() {
        let json = r#""\ud83d\ude00x""#;
        let map = map_all(json);
        assert_eq!(map[4], json.find('x').expect("x"));
    }

    #[test]
    fn multibyte_text_keeps_its_bytes() {
        let json = "\"é$\"";
        assert_eq!(map_all(json)[2], json.find('$').expect("$"));
    }
}
