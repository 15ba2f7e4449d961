//! RFC 3339 timestamps as Go's `time.Time` JSON has them, without a date crate.
//!
//! Pebble's API prints every time with `RFC3339Nano` (`2026-11-22T10:00:00.123456789Z`,
//! trailing zeros of the fraction dropped) and parses the `after` filter of notices with
//! RFC 3339, so the server needs both directions; civil-date conversion is Howard Hinnant's
//! algorithm.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn days_to_civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

fn civil_to_days(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-22T10:00:00.123456789Z` (fraction trimmed, none when whole seconds).
pub(crate) fn rfc3339_nano(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (date, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, mo, d) = days_to_civil(date);
    let (h, mi, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    let nanos = since.subsec_nanos();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// `2026-11-22T10:00:00Z` (whole seconds: Go's `time.RFC3339`).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    rfc3339_nano(UNIX_EPOCH + Duration::from_secs(since.as_secs()))
}

fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses RFC 3339 (`Z` or `±hh:mm` offset, optional fraction).
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let (date, time) = text.split_once(['T', 't'])?;
    let mut date_parts = date.split('-');
    let year = i64::from(number(date_parts.next()?)?);
    let month = number(date_parts.next()?)?;
    let day = number(date_parts.next()?)?;
    if date_parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset_secs) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0i64)
    } else {
        let split = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (oh, om) = offset[1..].split_once(':')?;
        (
            clock,
            sign * (i64::from(number(oh)?) * 3600 + i64::from(number(om)?) * 60),
        )
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((hms, frac)) => (hms, frac),
        None => (clock, ""),
    };
    let mut hms_parts = hms.split(':');
    let h = i64::from(number(hms_parts.next()?)?);
    let mi = i64::from(number(hms_parts.next()?)?);
    let s = i64::from(number(hms_parts.next()?)?);
    if hms_parts.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        format!("{frac:0<9}").parse::<u32>().ok()?
    };
    let secs = civil_to_days(year, month, day) * 86_400 + h * 3600 + mi * 60 + s - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = UNIX_EPOCH + Duration::new(1_795_000_000, 120_000_000);
        let text = rfc3339_nano(t);
        assert_eq!(text, "2026-11-18T11:06:40.12Z");
        assert_eq!(parse_rfc3339(&text), Some(t));
        assert_eq!(rfc3339(t), "2026-11-18T11:06:40Z");
        assert_eq!(parse_rfc3339("2026-11-18T13:06:40.12+02:00"), Some(t));
        assert_eq!(rfc3339_nano(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z").map(rfc3339),
            Some("2024-02-29T00:00:00Z".into())
        );
        assert!(parse_rfc3339("yesterday").is_none());
    }
}
