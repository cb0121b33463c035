//! Wall-clock times as cxda spells them (the audit file, the sandbox's `createdAt`, webhook
//! timestamps): RFC 3339 UTC with milliseconds for `ts` (`2026-11-23T21:43:01.123Z`) and a
//! compact, sortable form for rotated segment names (`20261123T214301.123Z`). This module
//! owns the two formats, one `time` format description each for writing and reading; the
//! calendar is the `time` crate's (already linked for the log file's daily rotation).

use std::time::{SystemTime, UNIX_EPOCH};

use ::time::UtcDateTime;
use ::time::format_description::BorrowedFormatItem;
use ::time::macros::format_description;

/// `2026-11-23T21:43:01.123Z`: 24 bytes.
const RFC3339_MS: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const RFC3339_MS_LEN: usize = 24;

/// `20261123T214301.123Z`: 20 bytes.
const COMPACT: &[BorrowedFormatItem<'_>] =
    format_description!("[year][month][day]T[hour][minute][second].[subsecond digits:3]Z");
const COMPACT_LEN: usize = 20;

const NANOS_PER_MS: i128 = 1_000_000;

/// Milliseconds since the Unix epoch; a clock set before 1970 counts as the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// `ms` since the epoch as RFC 3339 UTC with millisecond precision and `Z`.
pub fn format_rfc3339_ms(ms: u64) -> String {
    format(ms, RFC3339_MS)
}

/// The compact form used in rotated file names; sorts as the time does (years 0–9999).
pub(crate) fn format_compact(ms: u64) -> String {
    format(ms, COMPACT)
}

/// Parses exactly the form [`format_rfc3339_ms`] writes.
pub(crate) fn parse_rfc3339_ms(s: &str) -> Option<u64> {
    parse(s, RFC3339_MS_LEN, RFC3339_MS)
}

/// Parses exactly the form [`format_compact`] writes.
pub(crate) fn parse_compact(s: &str) -> Option<u64> {
    parse(s, COMPACT_LEN, COMPACT)
}

fn format(ms: u64, description: &[BorrowedFormatItem<'_>]) -> String {
    // Past the end of year 9999 (beyond a four-digit year and `time`'s range) the last
    // millisecond it holds is written: no clock of this program's lifetime gets there.
    let at = UtcDateTime::from_unix_timestamp_nanos(i128::from(ms) * NANOS_PER_MS)
        .unwrap_or(UtcDateTime::MAX);
    // Formatting fails only for components the value lacks or on an I/O error, and a
    // `UtcDateTime` has every component used here, written to a `String`.
    at.format(description).unwrap_or_default()
}

fn parse(s: &str, len: usize, description: &[BorrowedFormatItem<'_>]) -> Option<u64> {
    // The length check keeps out a signed year (`+2026`), which `[year]` would accept.
    if s.len() != len {
        return None;
    }
    let at = UtcDateTime::parse(s, description).ok()?;
    u64::try_from(at.unix_timestamp_nanos() / NANOS_PER_MS).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_formats_as_1970() {
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_compact(0), "19700101T000000.000Z");
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
    fn whole_tenths_keep_three_digits() {
        assert_eq!(format_rfc3339_ms(100), "1970-01-01T00:00:00.100Z");
        assert_eq!(format_compact(1_000), "19700101T000001.000Z");
    }

    #[test]
    fn formats_parse_back_to_the_same_instant() {
        for ms in [0, 1, 951_782_400_000, 1_709_208_000_999, 4_102_444_799_999] {
            assert_eq!(parse_rfc3339_ms(&format_rfc3339_ms(ms)), Some(ms));
            assert_eq!(parse_compact(&format_compact(ms)), Some(ms));
        }
    }

    #[test]
    fn times_written_by_the_earlier_hand_formatter_parse() {
        // A record's `ts` and a rotated segment's name from before the `time` crate.
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T10:03:16.374Z"),
            Some(1_795_514_596_374)
        );
        assert_eq!(
            parse_compact("20261124T100316.374Z"),
            Some(1_795_514_596_374)
        );
        assert_eq!(
            parse_rfc3339_ms("9999-12-31T23:59:59.999Z"),
            Some(253_402_300_799_999)
        );
    }

    #[test]
    fn instants_past_year_9999_write_its_last_millisecond() {
        assert_eq!(format_rfc3339_ms(u64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_compact(253_402_300_800_000), "99991231T235959.999Z");
    }

    #[test]
    fn malformed_times_do_not_parse() {
        for s in [
            "",
            "2026-11-23T21:43:01Z",
            "2026-13-01T00:00:00.000Z",
            "2026-02-30T00:00:00.000Z",
            "2026-11-23 21:43:01.123Z",
            "+2026-11-23T21:43:01.123Z",
            "2026-11-23T21:43:01.123+00:00",
            "1969-12-31T23:59:59.999Z",
        ] {
            assert_eq!(parse_rfc3339_ms(s), None, "{s}");
        }
        for s in [
            "",
            "20261123T214301Z",
            "2026-11-23T21:43:01.123Z",
            "20261323T214301.123Z",
        ] {
            assert_eq!(parse_compact(s), None, "{s}");
        }
    }
}
