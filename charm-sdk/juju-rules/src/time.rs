//! Time without a clock: the model carries its own "now".
//!
//! Juju stamps secrets with expiry and rotation times and accepts `--expire` as an RFC 3339
//! time, a local time without a zone, or a Go duration (`24h`). This crate does no I/O, so
//! it never reads the system clock: [`crate::Model::now`] is a value the caller sets and
//! advances, which also makes tests deterministic. Only what Juju's texts need is here:
//! parsing and printing RFC 3339 in UTC, and Go durations.

use std::fmt;

/// Seconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// 2026-01-01T00:00:00Z: the default "now" of a fresh model.
pub const DEFAULT_NOW: Timestamp = Timestamp(1_767_225_600);

impl Timestamp {
    /// This time plus `seconds`.
    pub fn plus(self, seconds: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(seconds))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM]`. A time without a zone is taken as
    /// UTC (Juju reads it as the client's local time; a pure model has no local zone).
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let bytes = text.as_bytes();
        if bytes.len() < 19 || !matches!(bytes[10], b'T' | b't' | b' ') {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let sep = |i: usize, c: u8| bytes.get(i) == Some(&c);
        if !(sep(4, b'-') && sep(7, b'-') && sep(13, b':') && sep(16, b':')) {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut rest = &text[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &frac[digits..];
        }
        let offset = match rest {
            "" | "Z" | "z" => 0,
            zone => {
                let sign = match zone.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return None,
                };
                let (h, m) = zone[1..].split_once(':')?;
                if h.len() != 2 || m.len() != 2 {
                    return None;
                }
                sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
            }
        };
        let days = days_from_civil(year, month, day);
        Some(Timestamp(days * 86_400 + hour * 3600 + minute * 60 + second - offset))
    }

    /// Prints `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Parses a Go duration (`24h`, `1h30m`, `90s`, `1.5h`, `500ms`) into whole seconds,
/// truncating sub-second parts. `None` when it is not one.
pub fn parse_go_duration(text: &str) -> Option<i64> {
    let (sign, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0_f64;
    while !rest.is_empty() {
        let number_len = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        if number_len == 0 {
            return None;
        }
        let value: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    Some((sign * total) as i64)
}

/// Parses `--expire`: an RFC 3339 time, a time without a zone, or a Go duration from `now`.
pub fn parse_expire(text: &str, now: Timestamp) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(text).or_else(|| parse_go_duration(text).map(|secs| now.plus(secs)))
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        assert_eq!(DEFAULT_NOW.to_rfc3339(), "2026-01-01T00:00:00Z");
        let t = Timestamp::parse_rfc3339("2024-02-29T12:34:56Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-02-29T12:34:56Z");
        let with_zone = Timestamp::parse_rfc3339("2024-02-29T14:34:56.123+02:00").unwrap();
        assert_eq!(with_zone, t);
        assert_eq!(Timestamp::parse_rfc3339("2024-02-29T12:34:56"), Some(t));
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        for bad in [
            "2024-13-01T00:00:00Z",
            "2024-01-01",
            "yesterday",
            "2024-01-01T00:00:00+2",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("24h"), Some(86_400));
        assert_eq!(parse_go_duration("1h30m"), Some(5_400));
        assert_eq!(parse_go_duration("1.5h"), Some(5_400));
        assert_eq!(parse_go_duration("500ms"), Some(0));
        assert_eq!(parse_go_duration("0"), Some(0));
        assert_eq!(parse_go_duration("10"), None);
        assert_eq!(parse_go_duration("h"), None);
        assert_eq!(parse_go_duration("3d"), None);
        assert_eq!(parse_expire("1h", DEFAULT_NOW), Some(DEFAULT_NOW.plus(3600)));
    }
}
