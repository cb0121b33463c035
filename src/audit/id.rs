//! Audit record ids: ULIDs (the `ulid` crate) — 48 bits of milliseconds since the epoch then
//! 80 random bits, written as 26 Crockford base32 characters — so ids sort as the times they
//! were minted and two processes minting in the same millisecond still differ. Within one
//! process ids are strictly increasing: a second id in the same millisecond (or after the
//! clock stepped back) is the previous one incremented, as `ulid`'s monotonic generator does.
//!
//! The crate is used without its `std` feature, which would bring `rand` and a ChaCha RNG
//! (five more crates) for its `Generator`: the random bits come from `getrandom`, already a
//! dependency, and this module keeps the generator's two-line ordering rule itself.

use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ulid::Ulid;

use crate::time::now_ms;

/// A unique, time-ordered audit record id (`Ord` is time order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuditId(Ulid);

/// A string that is not 26 Crockford base32 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not an audit id (26 characters of Crockford base32, e.g. 01JD3XK2M4N5P6Q7R8S9T0VWXY)"
)]
pub struct InvalidAuditId {
    pub text: String,
}

/// The last id minted in this process.
static LAST: Mutex<Ulid> = Mutex::new(Ulid::nil());

impl AuditId {
    /// A fresh id for now, greater than every id minted before it in this process.
    pub fn new() -> AuditId {
        let ms = now_ms();
        // The lock only orders this process's ids; a poisoned one still holds a valid id.
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        let id = if ms > last.timestamp_ms() {
            Ulid::from_parts(ms, random_u128())
        } else {
            // Same millisecond (or the clock went back): count up from the previous id; an
            // overflow of the random part carries into the next millisecond.
            last.increment().unwrap_or_else(|carried| carried)
        };
        *last = id;
        AuditId(id)
    }

    /// When the id was minted, in milliseconds since the epoch.
    pub fn timestamp_ms(self) -> u64 {
        self.0.timestamp_ms()
    }
}

impl Default for AuditId {
    fn default() -> Self {
        AuditId::new()
    }
}

fn random_u128() -> u128 {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness (should not happen on a supported platform): fall back to values
        // that still differ between processes and calls; uniqueness, not secrecy, is needed.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let addr = &bytes as *const _ as usize as u128;
        return nanos ^ (u128::from(std::process::id()) << 64) ^ (addr << 32);
    }
    u128::from_le_bytes(bytes)
}

impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; ulid::ULID_LEN];
        f.write_str(self.0.array_to_str(&mut buf))
    }
}

impl FromStr for AuditId {
    type Err = InvalidAuditId;

    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // 26 characters hold 130 bits: a first character past `7` would overflow 128, which
        // the crate's decoder lets wrap silently.
        if s.as_bytes().first().is_some_and(|&c| c > b'7') {
            return Err(InvalidAuditId {
                text: s.to_string(),
            });
        }
        Ulid::from_string(s)
            .map(AuditId)
            .map_err(|_| InvalidAuditId {
                text: s.to_string(),
            })
    }
}

impl Serialize for AuditId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AuditId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    #[test]
    fn ids_are_26_crockford_characters() {
        let text = AuditId::new().to_string();
        assert_eq!(text.len(), 26);
        assert!(text.bytes().all(|c| CROCKFORD.contains(&c)), "{text}");
    }

    #[test]
    fn ids_round_trip_through_text() {
        let id = AuditId::new();
        assert_eq!(id.to_string().parse::<AuditId>(), Ok(id));
        assert_eq!(id.to_string().to_lowercase().parse::<AuditId>(), Ok(id));
    }

    #[test]
    fn ids_minted_in_a_row_strictly_increase_as_text_too() {
        let ids: Vec<AuditId> = (0..10_000).map(|_| AuditId::new()).collect();
        for pair in ids.windows(2) {
            assert!(pair[0] < pair[1]);
            assert!(pair[0].to_string() < pair[1].to_string());
        }
    }

    #[test]
    fn a_burst_within_one_millisecond_still_strictly_increases() {
        // Mint until at least 50 ids share a millisecond, so the same-millisecond rule (not
        // a fresh timestamp) is what orders them.
        let mut ids: Vec<AuditId> = Vec::new();
        let same_ms = loop {
            ids.clear();
            let start = now_ms();
            while now_ms() == start && ids.len() < 1000 {
                ids.push(AuditId::new());
            }
            let same: Vec<AuditId> = ids
                .iter()
                .copied()
                .filter(|id| id.timestamp_ms() == start)
                .collect();
            if same.len() >= 50 {
                break same;
            }
        };
        for pair in same_ms.windows(2) {
            assert!(pair[0] < pair[1], "{} !< {}", pair[0], pair[1]);
            assert!(pair[0].to_string() < pair[1].to_string());
        }
    }

    #[test]
    fn id_carries_the_time_it_was_minted() {
        let before = now_ms();
        let id = AuditId::new();
        let after = now_ms();
        // Monotonic bumps may push it past `after` by a few ms at most in a busy test run.
        assert!(id.timestamp_ms() >= before && id.timestamp_ms() <= after + 1000);
    }

    #[test]
    fn ids_written_by_the_earlier_hand_encoder_read_back() {
        // From an audit file written before the `ulid` crate, beside its record's
        // `"ts":"2026-11-24T10:03:16.374Z"`.
        let text = "01M86G4Z0PR05E3W1MVHZ1770A";
        let id: AuditId = text.parse().expect("an old id");
        assert_eq!(id.timestamp_ms(), 1_795_514_596_374);
        assert_eq!(id.to_string(), text);
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<AuditId>(&json).ok(), Some(id));
        let max: AuditId = "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"
            .parse()
            .expect("the largest id");
        assert_eq!(max.timestamp_ms(), (1 << 48) - 1);
    }

    #[test]
    fn malformed_ids_are_refused_with_the_expected_form() {
        for s in [
            "",
            "01JD3XK2M4",
            "81JD3XK2M4N5P6Q7R8S9T0VWXY",
            "01JD3XK2M4N5P6Q7R8S9T0VWX!",
            "01JD3XK2M4N5P6Q7R8S9T0VWXYZ",
        ] {
            let err = s.parse::<AuditId>().expect_err(s);
            assert!(
                err.to_string()
                    .contains("26 characters of Crockford base32"),
                "{err}"
            );
        }
        let err = serde_json::from_str::<AuditId>(r#""nope""#).expect_err("not an id");
        assert!(err.to_string().contains("is not an audit id"), "{err}");
    }
}
