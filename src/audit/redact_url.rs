//! Credentials inside URLs: a `user:password@` and the values of query parameters whose
//! names look secret, as a webhook URL may carry them
//! (`https://user:pass@hooks.example.com/x?token=abc&channel=ops`). [`redact_url`] shows
//! such a URL with those parts as `[redacted]` and the rest readable
//! (`https://[redacted]@hooks.example.com/x?token=[redacted]&channel=ops`); the
//! [`Redactor`](super::Redactor) applies the same rule to every URL inside the text it
//! scrubs, and [`Redactor::with_url_secrets`] registers the values themselves, so a server
//! or an error that quotes one outside a URL is scrubbed too.
//!
//! A query parameter looks secret when its name ([`is_secret_query_name`]) is secret-looking
//! as a header name is (`*key*`, `*token*`, `*secret*`, `*password*`, `authorization`), or
//! holds `pass`, `auth`, `signature` or `credential`, or is `sig` or `pwd` (the names
//! signed and pre-authorized URLs use: `sig=`, `X-Amz-Signature=`, `auth=`, `pass=`).
//! Over-matching only hides a harmless value; under-matching would leak one.

use std::borrow::Cow;

use reqwest::Url;

use super::redact::{REDACTED, Redactor, is_placeholder_or_empty, replace_ranges};
use crate::payload::is_secret_header_name;

/// Whether a query parameter with this name holds a secret (see the module doc).
pub fn is_secret_query_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    is_secret_header_name(&lower)
        || ["pass", "auth", "signature", "credential"]
            .iter()
            .any(|s| lower.contains(s))
        || matches!(lower.as_str(), "sig" | "pwd")
}

/// `url` (or any text that holds URLs) with each URL's userinfo and secret-looking query
/// values as `[redacted]`; borrowed when there is nothing to hide.
pub fn redact_url(url: &str) -> Cow<'_, str> {
    match scrub_urls(url) {
        Some(scrubbed) => Cow::Owned(scrubbed),
        None => Cow::Borrowed(url),
    }
}

/// The text net's URL rule: every `scheme://…` in `text`, up to the first space, quote,
/// angle bracket or backslash (the characters that end a URL quoted in prose or JSON).
pub(super) fn scrub_urls(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    for separator in memchr::memmem::find_iter(bytes, b"://") {
        let start = separator + 3;
        let end = bytes[start..]
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b"\"'<>\\".contains(&b))
            .map_or(bytes.len(), |n| start + n);
        credential_ranges(bytes, start, end, &mut ranges);
    }
    replace_ranges(text, ranges)
}

/// The byte ranges of the credentials of the URL whose authority starts at `start` and
/// which ends at `end`: its userinfo, and each secret-looking query value.
fn credential_ranges(bytes: &[u8], start: usize, end: usize, ranges: &mut Vec<(usize, usize)>) {
    let url = &bytes[start..end];
    let authority_end = url
        .iter()
        .position(|b| b"/?#".contains(b))
        .unwrap_or(url.len());
    if let Some(at) = memchr::memrchr(b'@', &url[..authority_end]) {
        ranges.push((start, start + at));
    }
    let Some(query_start) = memchr::memchr(b'?', &url[authority_end..]) else {
        return;
    };
    let query_start = authority_end + query_start + 1;
    let query_end =
        memchr::memchr(b'#', &url[query_start..]).map_or(url.len(), |n| query_start + n);
    let mut from = query_start;
    while from < query_end {
        let pair_end = url[from..query_end]
            .iter()
            .position(|b| b"&;".contains(b))
            .map_or(query_end, |n| from + n);
        let pair = &url[from..pair_end];
        if let Some(eq) = memchr::memchr(b'=', pair) {
            // Both sides of `=` end next to ASCII bytes, so these are character boundaries
            // of the UTF-8 text the bytes came from.
            let name = String::from_utf8_lossy(&pair[..eq]);
            let value = String::from_utf8_lossy(&pair[eq + 1..]);
            if is_secret_query_name(&name) && !is_placeholder_or_empty(&value) {
                ranges.push((start + from + eq + 1, start + pair_end));
            }
        }
        from = pair_end + 1;
    }
}

impl Redactor {
    /// Also replaces, wherever they appear, the password of `url`'s userinfo and the values
    /// of its secret-looking query parameters, as written in the URL and decoded. The user
    /// name is hidden inside the URL but not looked for elsewhere: it is often an ordinary
    /// word that would blank out unrelated text.
    pub fn with_url_secrets(self, url: &Url) -> Redactor {
        let mut literals = Vec::new();
        if let Some(password) = url.password() {
            literals.push(password.to_string());
            literals.push(decode(password));
        }
        for pair in url.query().unwrap_or_default().split(['&', ';']) {
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if is_secret_query_name(&decode(name)) && !is_placeholder_or_empty(value) {
                literals.push(value.to_string());
                literals.push(decode(value));
            }
        }
        literals
            .into_iter()
            .filter(|literal| literal != REDACTED)
            .fold(self, Redactor::with_secret)
    }
}

/// Percent-decoding as a form query uses it (`+` is a space); invalid UTF-8 is replaced.
fn decode(text: &str) -> String {
    form_urlencoded::parse(format!("v={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_and_secret_query_values_are_hidden_and_the_rest_kept() {
        assert_eq!(
            redact_url("https://user:pass@hooks.example.com/x?token=abc&channel=ops"),
            "https://[redacted]@hooks.example.com/x?token=[redacted]&channel=ops"
        );
    }

    #[test]
    fn a_url_without_credentials_is_not_copied() {
        let url = "https://hooks.example.com/x?channel=ops&event=created#top";
        assert!(matches!(redact_url(url), Cow::Borrowed(_)));
    }

    #[test]
    fn a_user_alone_is_hidden_too() {
        assert_eq!(
            redact_url("https://deploy@hooks.example.com/x"),
            "https://[redacted]@hooks.example.com/x"
        );
    }

    #[test]
    fn each_secret_looking_name_is_hidden_in_any_case() {
        for name in [
            "token",
            "api_key",
            "apiKey",
            "client_secret",
            "password",
            "pass",
            "pwd",
            "auth",
            "Authorization",
            "sig",
            "X-Amz-Signature",
            "X-Amz-Credential",
        ] {
            let url = format!("https://h.example/x?{name}=v4lue&page=2");
            assert_eq!(
                redact_url(&url),
                format!("https://h.example/x?{name}=[redacted]&page=2"),
                "{name}"
            );
        }
    }

    #[test]
    fn ordinary_names_empty_values_and_placeholders_are_kept() {
        let url = "https://h.example/x?channel=ops&signed=yes&token=&key={{k}}#sig=1";
        assert_eq!(redact_url(url), url);
    }

    #[test]
    fn the_fragment_and_a_semicolon_separator_end_a_value() {
        assert_eq!(
            redact_url("https://h.example/x?a=1;token=abc#frag"),
            "https://h.example/x?a=1;token=[redacted]#frag"
        );
    }

    #[test]
    fn an_at_sign_in_the_path_or_query_is_not_userinfo() {
        let url = "https://h.example/users/@me?mail=a@b.example";
        assert_eq!(redact_url(url), url);
    }

    #[test]
    fn urls_inside_text_are_scrubbed_where_they_end() {
        assert_eq!(
            redact_url(
                "error sending request for url (https://u:p@h.example/x?sig=abc) \"https://h.example/?key=zz\""
            ),
            "error sending request for url (https://[redacted]@h.example/x?sig=[redacted] \"https://h.example/?key=[redacted]\""
        );
    }

    #[test]
    fn redacting_twice_changes_nothing_more() {
        let once = redact_url("https://u:p@h.example/x?token=abc").into_owned();
        assert_eq!(redact_url(&once), once);
    }

    #[test]
    fn url_secrets_are_registered_as_written_and_decoded() {
        let url =
            Url::parse("https://u:p%40ssw0rd@h.example/x?access=1&token=ab%2Fcd%2Bef&channel=ops")
                .expect("url");
        let redactor = Redactor::new().with_url_secrets(&url);
        assert_eq!(
            redactor.redact_text("echo p@ssw0rd ab/cd+ef ab%2Fcd%2Bef ops"),
            "echo [redacted] [redacted] [redacted] ops"
        );
    }

    #[test]
    fn the_user_name_is_not_looked_for_outside_the_url() {
        let url = Url::parse("https://hooks:secretpw@h.example/x").expect("url");
        let redactor = Redactor::new().with_url_secrets(&url);
        assert_eq!(
            redactor.redact_text("webhooks secretpw"),
            "webhooks [redacted]"
        );
    }
}
