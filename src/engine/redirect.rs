//! What to do with a 3xx answer to the create POST (docs/engine.md, Redirects). Never
//! followed blindly:
//! - 307/308 keep the method and body (RFC 9110 §15.4.8–9): followed, up to [`MAX_HOPS`],
//!   stopping at once on a URL already visited, refusing https→http and plain http to a
//!   non-loopback host (the executor drops `Authorization` and `extra_headers` when the
//!   target is another origin);
//! - 301/302 let clients turn a POST into a GET (RFC 9110 §15.4.2–3), which would drop the
//!   payload: refused, naming the Location;
//! - 303 says the POST was processed and the result is elsewhere: nothing is resent.

use reqwest::Url;

use super::client::check_transport;

/// The most redirects one submission follows.
pub const MAX_HOPS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectDecision {
    /// 307/308 to a URL that may be followed.
    Follow(Url),
    /// 303: the create was processed; the Location (resolved, or as sent when it does not
    /// resolve) is where the result lives.
    SeeOther(String),
    /// Not followed; the submission fails with this error. `to` is the Location as resolved
    /// (or as sent), for the record.
    Refuse { to: String, error: String },
}

/// Decides on a 3xx answer from `current`. `visited` holds every URL already requested in
/// this submission (the first included); `hops` is how many redirects were followed so far.
pub fn decide(
    status: u16,
    location: Option<&str>,
    current: &Url,
    visited: &[Url],
    hops: usize,
) -> RedirectDecision {
    decide_as(status, status, location, current, visited, hops)
}

/// [`decide`] by the rule of status `rule` for an answer of `status`, which the messages
/// name: a request without a body follows a 301, 302 or 303 as a 307 (nothing can be
/// dropped), and its refusals still say what the server answered.
pub fn decide_as(
    rule: u16,
    status: u16,
    location: Option<&str>,
    current: &Url,
    visited: &[Url],
    hops: usize,
) -> RedirectDecision {
    let resolved = location.map(|text| (text, current.join(text.trim())));
    let shown = match &resolved {
        Some((_, Ok(url))) => url.to_string(),
        Some((text, Err(_))) => crate::text::escape_controls(text).into_owned(),
        None => String::new(),
    };
    let refuse = |error: String| RedirectDecision::Refuse {
        to: shown.clone(),
        error,
    };
    match rule {
        303 => return RedirectDecision::SeeOther(shown),
        301 | 302 => {
            let name = if status == 301 {
                "Moved Permanently"
            } else {
                "Found"
            };
            return refuse(format!(
                "the server answered {status} {name} with Location: {shown}; following it would have turned the request into a GET and dropped its body, so it was not followed"
            ));
        }
        307 | 308 => {}
        _ => {
            return refuse(format!(
                "the server answered {status}, a redirect cxda does not follow (only 307 and 308 are followed)"
            ));
        }
    }
    let target = match resolved {
        None => return refuse(format!("the server answered {status} without a Location")),
        Some((_, Err(e))) => {
            return refuse(format!(
                "the server answered {status} with a Location that is not a URL ({shown}): {e}"
            ));
        }
        Some((_, Ok(url))) => url,
    };
    if current.scheme() == "https" && target.scheme() == "http" {
        return refuse(format!(
            "the server redirected ({status}) from https to plain http ({target}); refused, it would send the payload unencrypted"
        ));
    }
    if let Err(reason) = check_transport(&target) {
        return refuse(format!(
            "the redirect ({status}) to {target} is refused: {reason}"
        ));
    }
    if visited.iter().any(|seen| same_url(seen, &target)) {
        return refuse(format!(
            "redirect loop: {target} was already requested in this submission; stopped"
        ));
    }
    if hops >= MAX_HOPS {
        return refuse(format!(
            "more than {MAX_HOPS} redirects; stopped before following the one to {target}"
        ));
    }
    RedirectDecision::Follow(target)
}

/// URLs compared as requested: the fragment is never sent, so it does not make a URL new.
fn same_url(a: &Url, b: &Url) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    const START: &str = "https://api.example.com/api/v2/data-actions";

    #[test]
    fn relative_307_is_resolved_and_followed() {
        let current = url(START);
        let decision = decide(
            307,
            Some("/api/v2/moved"),
            &current,
            std::slice::from_ref(&current),
            0,
        );
        assert_eq!(
            decision,
            RedirectDecision::Follow(url("https://api.example.com/api/v2/moved"))
        );
    }

    #[test]
    fn found_explains_the_lost_payload_and_names_the_location() {
        let current = url(START);
        let RedirectDecision::Refuse { error, to } = decide(
            302,
            Some("/elsewhere"),
            &current,
            std::slice::from_ref(&current),
            0,
        ) else {
            panic!("302 must be refused");
        };
        assert!(error.contains("into a GET"), "{error}");
        assert!(
            error.contains("https://api.example.com/elsewhere"),
            "{error}"
        );
        assert_eq!(to, "https://api.example.com/elsewhere");
    }

    #[test]
    fn a_url_seen_before_is_a_loop() {
        let current = url(START);
        let RedirectDecision::Refuse { error, .. } = decide(
            307,
            Some(START),
            &current,
            std::slice::from_ref(&current),
            1,
        ) else {
            panic!("loop must be refused");
        };
        assert!(error.contains("loop"), "{error}");
    }

    #[test]
    fn the_sixth_redirect_is_refused() {
        let current = url(START);
        let decision = decide(
            308,
            Some("/six"),
            &current,
            std::slice::from_ref(&current),
            MAX_HOPS,
        );
        assert!(matches!(decision, RedirectDecision::Refuse { .. }));
    }

    #[test]
    fn https_to_http_is_refused_even_to_loopback() {
        let current = url("https://127.0.0.1:8443/api/v2/data-actions");
        let RedirectDecision::Refuse { error, .. } = decide(
            307,
            Some("http://127.0.0.1:8080/api/v2/data-actions"),
            &current,
            std::slice::from_ref(&current),
            0,
        ) else {
            panic!("https→http must be refused");
        };
        assert!(error.contains("https to plain http"), "{error}");
    }

    #[test]
    fn see_other_is_taken_as_processed() {
        let current = url(START);
        let decision = decide(303, Some("/api/v2/data-actions/da_1"), &current, &[], 0);
        assert_eq!(
            decision,
            RedirectDecision::SeeOther("https://api.example.com/api/v2/data-actions/da_1".into())
        );
    }

    #[test]
    fn missing_location_is_refused() {
        let current = url(START);
        let decision = decide(307, None, &current, &[], 0);
        assert!(matches!(decision, RedirectDecision::Refuse { .. }));
    }

    #[test]
    fn a_rule_borrowed_from_307_still_names_the_status_the_server_gave() {
        let here = url("https://a.example/x");
        let followed = decide_as(307, 302, Some("/y"), &here, std::slice::from_ref(&here), 0);
        assert_eq!(
            followed,
            RedirectDecision::Follow(url("https://a.example/y"))
        );
        let refused = decide_as(307, 302, None, &here, std::slice::from_ref(&here), 0);
        assert!(
            matches!(&refused, RedirectDecision::Refuse { error, .. } if error == "the server answered 302 without a Location"),
            "{refused:?}"
        );
    }
}
