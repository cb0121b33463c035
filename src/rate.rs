//! `N/PERIOD` rate specifications (`100/min`, `50/10s`, `5/s`, `off`), shared by the
//! profile's client-side pacing and the sandbox's fixed-window limiter, so both read the
//! same text the same way.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A count allowed per period. `None` in an `Option<RateSpec>` means `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSpec {
    pub count: u32,
    pub period: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rate {text:?}: {reason} (expected N/PERIOD such as 100/min, 50/10s, 5/s, or off)")]
pub struct RateSpecError {
    pub text: String,
    pub reason: &'static str,
}

impl RateSpec {
    /// Parses `N/PERIOD` or `off` (`Ok(None)`).
    pub fn parse_or_off(text: &str) -> Result<Option<RateSpec>, RateSpecError> {
        if text.trim().eq_ignore_ascii_case("off") {
            Ok(None)
        } else {
            text.parse().map(Some)
        }
    }

    /// The steady rate in events per second.
    pub fn per_second(&self) -> f64 {
        f64::from(self.count) / self.period.as_secs_f64()
    }
}

impl FromStr for RateSpec {
    type Err = RateSpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| RateSpecError {
            text: text.to_string(),
            reason,
        };
        let (count, period) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| err("missing '/'"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| err("the count is not a whole number"))?;
        if count == 0 {
            return Err(err("the count must be at least 1"));
        }
        let period = period.trim();
        let digits = period.chars().take_while(|c| c.is_ascii_digit()).count();
        let (multiplier, unit) = period.split_at(digits);
        let multiplier: u64 = if multiplier.is_empty() {
            1
        } else {
            multiplier
                .parse()
                .map_err(|_| err("the period's number is too large"))?
        };
        if multiplier == 0 {
            return Err(err("the period must be longer than zero"));
        }
        let unit_secs: u64 = match unit {
            "s" | "sec" | "second" | "seconds" => 1,
            "m" | "min" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3600,
            _ => return Err(err("unknown period unit (use s, min or h)")),
        };
        let secs = multiplier
            .checked_mul(unit_secs)
            .ok_or_else(|| err("the period is too long"))?;
        Ok(RateSpec {
            count,
            period: Duration::from_secs(secs),
        })
    }
}

impl fmt::Display for RateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.period.as_secs();
        match secs {
            1 => write!(f, "{}/s", self.count),
            60 => write!(f, "{}/min", self.count),
            3600 => write!(f, "{}/h", self.count),
            s if s % 3600 == 0 => write!(f, "{}/{}h", self.count, s / 3600),
            s if s % 60 == 0 => write!(f, "{}/{}min", self.count, s / 60),
            s => write!(f, "{}/{}s", self.count, s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> RateSpec {
        text.parse().expect("valid spec")
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(
            spec("100/min"),
            RateSpec {
                count: 100,
                period: Duration::from_secs(60)
            }
        );
        assert_eq!(
            spec("50/10s"),
            RateSpec {
                count: 50,
                period: Duration::from_secs(10)
            }
        );
        assert_eq!(
            spec("5/s"),
            RateSpec {
                count: 5,
                period: Duration::from_secs(1)
            }
        );
        assert_eq!(
            spec(" 7 / 2h "),
            RateSpec {
                count: 7,
                period: Duration::from_secs(7200)
            }
        );
    }

    #[test]
    fn off_is_none() {
        assert_eq!(RateSpec::parse_or_off("off"), Ok(None));
        assert_eq!(RateSpec::parse_or_off("OFF"), Ok(None));
    }

    #[test]
    fn rejects_bad_text_with_a_reason() {
        for bad in [
            "",
            "100",
            "x/min",
            "0/min",
            "5/0s",
            "5/fortnight",
            "5/99999999999999999999s",
        ] {
            let e = bad.parse::<RateSpec>().expect_err(bad);
            assert!(e.to_string().contains("N/PERIOD"), "{e}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in ["100/min", "50/10s", "5/s", "3/h", "9/5min"] {
            assert_eq!(spec(text).to_string(), text);
            assert_eq!(spec(&spec(text).to_string()), spec(text));
        }
    }

    #[test]
    fn per_second_divides_count_by_period() {
        assert!((spec("50/10s").per_second() - 5.0).abs() < 1e-9);
    }
}
