//! Audit record ids: 128 bits laid out as a ULID — 48 bits of milliseconds since the epoch
//! then 80 random bits — written as 26 Crockford base32 characters, so ids sort as the
//! times they were minted and two processes minting in the same millisecond still differ.
//! Within one process ids are strictly increasing: a second id in the same millisecond (or
//! after the clock stepped back) is the previous one plus one.

use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::now_ms;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_BITS: u32 = 80;
const RANDOM_MASK: u128 = (1 << RANDOM_BITS) - 1;
const TIME_MAX: u64 = (1 << 48) - 1;

/// A unique, time-ordered audit record id (`Ord` is time order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuditId(u128);

/// A string that is not 26 Crockford base32 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not an audit id (26 characters of Crockford base32, e.g. 01JD3XK2M4N5P6Q7R8S9T0VWXY)"
)]
pub struct InvalidAuditId {
    pub text: String,
}

static LAST: Mutex<u128> = Mutex::new(0);

impl AuditId {
    /// A fresh id for now, greater than every id minted before it in this process.
    pub fn new() -> AuditId {
        let ms = now_ms().min(TIME_MAX);
        let fresh = (u128::from(ms) << RANDOM_BITS) | (random_u128() & RANDOM_MASK);
        // The lock only orders this process's ids; a poisoned one still holds a valid id.
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        let id = if (fresh >> RANDOM_BITS) > (*last >> RANDOM_BITS) {
            fresh
        } else {
            // Same millisecond (or the clock went back): keep order by counting up from the
            // previous id; an overflow of the random part carries into the time part.
            last.wrapping_add(1)
        };
        *last = id;
        AuditId(id)
    }

    /// When the id was minted, in milliseconds since the epoch.
    pub fn timestamp_ms(self) -> u64 {
        // The shift leaves 48 bits, which always fit.
        u64::try_from(self.0 >> RANDOM_BITS).unwrap_or(u64::MAX)
    }

    fn encode(self) -> [u8; 26] {
        let mut out = [b'0'; 26];
        for (i, slot) in out.iter_mut().enumerate() {
            let shift = 125 - 5 * i as u32;
            *slot = ALPHABET[((self.0 >> shift) & 31) as usize];
        }
        out
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
        let encoded = self.encode();
        // The alphabet is ASCII, so this never fails.
        f.write_str(std::str::from_utf8(&encoded).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for AuditId {
    type Err = InvalidAuditId;

    /// Case-insensitive; Crockford's `I`/`L` read as 1 and `O` as 0.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidAuditId {
            text: s.to_string(),
        };
        let b = s.as_bytes();
        if b.len() != 26 || b[0] > b'7' {
            return Err(invalid());
        }
        let mut value: u128 = 0;
        for &c in b {
            value = (value << 5) | u128::from(decode_digit(c).ok_or_else(invalid)?);
        }
        Ok(AuditId(value))
    }
}

fn decode_digit(c: u8) -> Option<u8> {
    let c = c.to_ascii_uppercase();
    match c {
        b'O' => Some(0),
        b'I' | b'L' => Some(1),
        _ => ALPHABET.iter().position(|&a| a == c).map(|p| p as u8),
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

    #[test]
    fn ids_are_26_crockford_characters() {
        let text = AuditId::new().to_string();
        assert_eq!(text.len(), 26);
        assert!(text.bytes().all(|c| ALPHABET.contains(&c)), "{text}");
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
    fn id_carries_the_time_it_was_minted() {
        let before = now_ms();
        let id = AuditId::new();
        let after = now_ms();
        // Monotonic bumps may push it past `after` by a few ms at most in a busy test run.
        assert!(id.timestamp_ms() >= before && id.timestamp_ms() <= after + 1000);
    }

    #[test]
    fn malformed_ids_are_refused() {
        for s in [
            "",
            "01JD3XK2M4",
            "81JD3XK2M4N5P6Q7R8S9T0VWXY",
            "01JD3XK2M4N5P6Q7R8S9T0VWX!",
        ] {
            assert!(s.parse::<AuditId>().is_err(), "{s}");
        }
    }
}
