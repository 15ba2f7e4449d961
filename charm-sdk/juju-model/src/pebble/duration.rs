//! Go's `time.Duration` text format, which Pebble uses for every duration in a layer.
//!
//! Pebble parses `backoff-delay: 1m` with Go's `time.ParseDuration` and prints it back with
//! `Duration.String()` (`1m0s`). Keeping the value as nanoseconds makes `1m` and `1m0s` equal,
//! so comparing a plan fetched from Pebble with one computed locally does not see a change
//! where there is none.

use std::fmt;
use std::time::Duration;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// A duration in Go's text format (`500ms`, `1m30s`, `1.5h`), stored as signed nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration {
    nanos: i64,
}

impl GoDuration {
    /// A duration of `nanos` nanoseconds (negative values are allowed, as in Go).
    pub const fn from_nanos(nanos: i64) -> Self {
        Self { nanos }
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// Converts from a std duration, saturating at Go's maximum (about 292 years).
    pub fn from_std(duration: Duration) -> Self {
        Self {
            nanos: i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX),
        }
    }

    /// The std duration, or `None` when negative.
    pub fn to_std(self) -> Option<Duration> {
        u64::try_from(self.nanos).ok().map(Duration::from_nanos)
    }

    /// Whether the duration is zero (Pebble rejects a zero check period or timeout).
    pub const fn is_zero(self) -> bool {
        self.nanos == 0
    }

    /// Parses Go's `time.ParseDuration` syntax: an optional sign, then one or more decimal
    /// numbers each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`); `0` alone is allowed.
    /// The error text is Pebble's (`invalid duration "x"`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || format!("invalid duration {text:?}");
        let (negative, mut rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if rest == "0" {
            return Ok(Self::default());
        }
        if rest.is_empty() {
            return Err(invalid());
        }
        let mut total: u128 = 0;
        while !rest.is_empty() {
            let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (int_part, after_int) = rest.split_at(int_len);
            let (frac_part, after_num) = match after_int.strip_prefix('.') {
                Some(after_dot) => {
                    let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
                    after_dot.split_at(frac_len)
                }
                None => ("", after_int),
            };
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(invalid());
            }
            let unit_len = after_num
                .find(|c: char| c == '.' || c.is_ascii_digit())
                .unwrap_or(after_num.len());
            let (unit, tail) = after_num.split_at(unit_len);
            let unit_nanos: u128 = match unit {
                "ns" => 1,
                "us" | "µs" | "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => NANOS_PER_SECOND,
                "m" => 60 * NANOS_PER_SECOND,
                "h" => 3600 * NANOS_PER_SECOND,
                _ => return Err(invalid()),
            };
            let int_value: u128 = if int_part.is_empty() {
                0
            } else {
                int_part.parse().map_err(|_| invalid())?
            };
            let mut value = int_value.checked_mul(unit_nanos).ok_or_else(invalid)?;
            if !frac_part.is_empty() {
                // Go keeps at most 19 significant fraction digits; so do we (u128 is ample).
                let digits = &frac_part[..frac_part.len().min(19)];
                let frac: u128 = digits.parse().map_err(|_| invalid())?;
                let scale = 10u128.pow(u32::try_from(digits.len()).map_err(|_| invalid())?);
                value += frac * unit_nanos / scale;
            }
            total = total.checked_add(value).ok_or_else(invalid)?;
            rest = tail;
        }
        let limit = if negative { 1u128 << 63 } else { (1u128 << 63) - 1 };
        if total > limit {
            return Err(invalid());
        }
        let nanos = if negative {
            (total as i128).wrapping_neg() as i64
        } else {
            total as i64
        };
        Ok(Self { nanos })
    }
}

/// Writes `value / 10^prec` with trailing fractional zeros (and a bare dot) removed.
fn write_fixed(out: &mut String, value: u64, prec: u32) {
    let scale = 10u64.pow(prec);
    out.push_str(&(value / scale).to_string());
    let frac = value % scale;
    if frac != 0 {
        let digits = format!("{frac:0width$}", width = prec as usize);
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

impl fmt::Display for GoDuration {
    /// Go's `Duration.String()`: `0s`, `1.5ms`, `2m0s`, `1h0m0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        if self.nanos < 0 {
            out.push('-');
        }
        let u = self.nanos.unsigned_abs();
        if u == 0 {
            return f.write_str("0s");
        }
        if u < 1_000_000_000 {
            let (prec, unit) = match u {
                0..=999 => (0, "ns"),
                1_000..=999_999 => (3, "µs"),
                _ => (6, "ms"),
            };
            write_fixed(&mut out, u, prec);
            out.push_str(unit);
        } else {
            let seconds_total = u / 1_000_000_000;
            let minutes_total = seconds_total / 60;
            let hours = minutes_total / 60;
            if hours > 0 {
                out.push_str(&format!("{hours}h"));
            }
            if minutes_total > 0 {
                out.push_str(&format!("{}m", minutes_total % 60));
            }
            write_fixed(&mut out, u % 60_000_000_000, 9);
            out.push('s');
        }
        f.write_str(&out)
    }
}

impl std::str::FromStr for GoDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<Duration> for GoDuration {
    fn from(duration: Duration) -> Self {
        Self::from_std(duration)
    }
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = GoDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"10s\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GoDuration, E> {
                GoDuration::parse(v).map_err(E::custom)
            }
            // A bare YAML number has no unit: Go's ParseDuration rejects it, except 0.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GoDuration, E> {
                GoDuration::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GoDuration, E> {
                GoDuration::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<GoDuration, E> {
                GoDuration::parse(&v.to_string()).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::GoDuration;

    #[test]
    fn parses_and_prints_like_go() {
        let cases = [
            ("0", "0s"),
            ("500ms", "500ms"),
            ("1.5ms", "1.5ms"),
            ("1m", "1m0s"),
            ("90s", "1m30s"),
            ("1.5h", "1h30m0s"),
            ("30s", "30s"),
            ("1h2m3.25s", "1h2m3.25s"),
            ("10us", "10µs"),
            ("7ns", "7ns"),
            ("-2s", "-2s"),
            ("1.000s", "1s"),
        ];
        for (input, printed) in cases {
            let d = GoDuration::parse(input).unwrap();
            assert_eq!(d.to_string(), printed, "{input}");
            assert_eq!(GoDuration::parse(printed).unwrap(), d);
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in ["", "10", "s", "1x", "1.s.", "--1s", "9999999999h"] {
            assert_eq!(
                GoDuration::parse(bad),
                Err(format!("invalid duration {bad:?}")),
                "{bad}"
            );
        }
    }
}
