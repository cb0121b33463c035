//! Endpoint URLs: parsing, the transport rule (https, or plain http only to
//! loopback), and appending API paths to a base URL.

use reqwest::Url;

use super::ConfigError;

/// Parses an endpoint URL and applies the transport rule: `https://`, or plain
/// `http://` only to a loopback host.
pub(crate) fn parse_endpoint(profile: &str, key: &str, text: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(text).map_err(|e| ConfigError::InvalidUrl {
        profile: profile.to_string(),
        key: key.to_string(),
        value: crate::audit::redact_url(text).into_owned(),
        reason: e.to_string(),
    })?;
    check_endpoint(profile, key, url)
}

pub(crate) fn check_endpoint(profile: &str, key: &str, url: Url) -> Result<Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidUrl {
        profile: profile.to_string(),
        key: key.to_string(),
        value: crate::audit::redact_url(url.as_str()).into_owned(),
        reason: reason.to_string(),
    };
    let Some(host) = url.host_str().map(str::to_string) else {
        return Err(invalid("it has no host"));
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&host) => Ok(url),
        "http" => Err(ConfigError::InsecureUrl {
            profile: profile.to_string(),
            key: key.to_string(),
            host,
        }),
        _ => Err(invalid(
            "the scheme must be https:// (or http:// to a loopback host)",
        )),
    }
}

/// Loopback as the transport rule means it: `localhost`, 127.0.0.0/8 and `::1` (also as an
/// IPv4-mapped address). `host` is as `Url::host_str` gives it (IPv6 in brackets).
fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// `base` with path segments appended, whether or not its path ends in `/`. `None` only for
/// URLs that cannot be a base, which [`check_endpoint`] has already excluded.
pub(crate) fn append_path(base: &Url, segments: &[&str]) -> Option<Url> {
    let mut url = base.clone();
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(segments);
    Some(url)
}

pub(crate) fn no_base(profile: &str, url: &Url) -> ConfigError {
    ConfigError::InvalidUrl {
        profile: profile.to_string(),
        key: "api_base_url".to_string(),
        value: url.to_string(),
        reason: "it cannot take a path".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_localhost_127_8_and_ipv6_one() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.255.0.9",
            "[::1]",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_not_loopback() {
        for host in [
            "localhost.example.com",
            "128.0.0.1",
            "10.0.0.1",
            "[::2]",
            "example.com",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn url_without_a_host_is_refused() {
        let err = parse_endpoint("p", "token_url", "mailto:ops@example.com").expect_err("no host");
        assert!(err.to_string().contains("no host"), "{err}");
    }

    #[test]
    fn append_path_keeps_the_base_path() {
        let base = Url::parse("https://h.example.com/base").expect("url");
        let url = append_path(&base, &["oauth", "token"]).expect("joined");
        assert_eq!(url.as_str(), "https://h.example.com/base/oauth/token");
    }
}
