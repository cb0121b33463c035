//! Wall-clock times as cxda spells them (the audit file, the sandbox's `createdAt`): RFC 3339 UTC with milliseconds for `ts`
//! (`2026-11-23T21:43:01.123Z`) and a compact, sortable form for rotated segment names
//! (`20261123T214301.123Z`). Hand-written (civil-from-days) so the crate needs no date
//! library for two fixed formats.

use std::time::{SystemTime, UNIX_EPOCH};

const MS_PER_DAY: u64 = 86_400_000;

/// Milliseconds since the Unix epoch; a clock set before 1970 counts as the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// `ms` since the epoch as RFC 3339 UTC with millisecond precision and `Z`.
pub fn format_rfc3339_ms(ms: u64) -> String {
    let c = Civil::from_ms(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.milli
    )
}

/// The compact form used in rotated file names; sorts as the time does (years 0–9999).
pub(crate) fn format_compact(ms: u64) -> String {
    let c = Civil::from_ms(ms);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.milli
    )
}

/// Parses exactly the form [`format_rfc3339_ms`] writes.
pub(crate) fn parse_rfc3339_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    Civil {
        year: digits(b, 0, 4)?,
        month: digits(b, 5, 2)?,
        day: digits(b, 8, 2)?,
        hour: digits(b, 11, 2)?,
        minute: digits(b, 14, 2)?,
        second: digits(b, 17, 2)?,
        milli: digits(b, 20, 3)?,
    }
    .to_ms()
}

/// Parses exactly the form [`format_compact`] writes.
pub(crate) fn parse_compact(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[8] != b'T' || b[15] != b'.' || b[19] != b'Z' {
        return None;
    }
    Civil {
        year: digits(b, 0, 4)?,
        month: digits(b, 4, 2)?,
        day: digits(b, 6, 2)?,
        hour: digits(b, 9, 2)?,
        minute: digits(b, 11, 2)?,
        second: digits(b, 13, 2)?,
        milli: digits(b, 16, 3)?,
    }
    .to_ms()
}

fn digits(b: &[u8], at: usize, len: usize) -> Option<u64> {
    b.get(at..at + len)?.iter().try_fold(0u64, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + u64::from(d - b'0'))
    })
}

struct Civil {
    year: u64,
    month: u64,
    day: u64,
    hour: u64,
    minute: u64,
    second: u64,
    milli: u64,
}

impl Civil {
    fn from_ms(ms: u64) -> Civil {
        let days = ms / MS_PER_DAY;
        let rest = ms % MS_PER_DAY;
        // Howard Hinnant's civil_from_days, for days ≥ 0 (the epoch is 1970-01-01).
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: rest / 3_600_000,
            minute: rest / 60_000 % 60,
            second: rest / 1000 % 60,
            milli: rest % 1000,
        }
    }

    fn to_ms(&self) -> Option<u64> {
        if !(1..=12).contains(&self.month)
            || !(1..=31).contains(&self.day)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
            || self.year < 1970
        {
            return None;
        }
        // days_from_civil, the inverse of the above.
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = y / 400;
        let yoe = y - era * 400;
        let mp = if self.month > 2 {
            self.month - 3
        } else {
            self.month + 9
        };
        let doy = (153 * mp + 2) / 5 + self.day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = (era * 146_097 + doe).checked_sub(719_468)?;
        Some(
            days * MS_PER_DAY
                + self.hour * 3_600_000
                + self.minute * 60_000
                + self.second * 1000
                + self.milli,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_formats_as_1970() {
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn known_instant_formats_with_milliseconds() {
        // 2026-11-23T21:43:01.123Z, computed independently (date -u -d ... +%s).
        let ms = 1_795_470_181_123;
        assert_eq!(format_rfc3339_ms(ms), "2026-11-23T21:43:01.123Z");
        assert_eq!(format_compact(ms), "20261123T214301.123Z");
    }

    #[test]
    fn leap_day_formats() {
        // 2024-02-29T12:00:00.000Z
        assert_eq!(
            format_rfc3339_ms(1_709_208_000_000),
            "2024-02-29T12:00:00.000Z"
        );
    }

    #[test]
    fn formats_parse_back_to_the_same_instant() {
        for ms in [0, 1, 951_782_400_000, 1_709_208_000_999, 4_102_444_799_999] {
            assert_eq!(parse_rfc3339_ms(&format_rfc3339_ms(ms)), Some(ms));
            assert_eq!(parse_compact(&format_compact(ms)), Some(ms));
        }
    }

    #[test]
    fn malformed_times_do_not_parse() {
        for s in [
            "",
            "2026-11-23T21:43:01Z",
            "2026-13-01T00:00:00.000Z",
            "2026-11-23 21:43:01.123Z",
        ] {
            assert_eq!(parse_rfc3339_ms(s), None, "{s}");
        }
    }
}
