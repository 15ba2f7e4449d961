//! manifest.yaml: what Juju reads to pick a compatible platform (`bases`), plus charmcraft's
//! provenance fields.
//!
//! Upstream (canonical/charmcraft 15966e9, charmcraft/models/manifest.py `Manifest` and
//! charmcraft/services/package.py `get_manifest`): keys in model order
//! `charmcraft-version`, `charmcraft-started-at`, `bases: [{name, channel, architectures}]`,
//! `analysis: {attributes: [{name, result}]}`. The attributes are the results of
//! charmcraft's attribute checkers (charmcraft/linters.py `CHECKERS` order: `language`, then
//! `framework`); for a binary behind a shell dispatch both are `unknown`, which is what
//! charmcraft itself would record for this archive.
//!
//! Deviations, on purpose: `charmcraft-version` names the charmcraft release whose output
//! this reproduces ([`CHARMCRAFT_VERSION`]), not a tool that ran; `charmcraft-started-at`
//! is RFC 3339 UTC with `Z` and whole seconds (charmcraft writes the naive local
//! `datetime.now().isoformat()`), taken from `SOURCE_DATE_EPOCH` when set so that archives
//! are byte-for-byte reproducible.

use serde_yaml_ng::{Mapping, Value};

use crate::charmcraft::Target;

/// The charmcraft release whose archive layout charm-pack reproduces.
pub const CHARMCRAFT_VERSION: &str = "4.5.0";

/// The manifest.yaml document.
pub fn manifest(target: &Target, started_at_epoch: u64) -> Value {
    let mut base = Mapping::new();
    base.insert("name".into(), target.base_name.clone().into());
    base.insert("channel".into(), target.channel.clone().into());
    base.insert(
        "architectures".into(),
        Value::Sequence(vec![target.arch.clone().into()]),
    );
    let attribute = |name: &str| {
        let mut a = Mapping::new();
        a.insert("name".into(), name.into());
        a.insert("result".into(), "unknown".into());
        Value::Mapping(a)
    };
    let mut analysis = Mapping::new();
    analysis.insert(
        "attributes".into(),
        Value::Sequence(vec![attribute("language"), attribute("framework")]),
    );
    let mut m = Mapping::new();
    m.insert("charmcraft-version".into(), CHARMCRAFT_VERSION.into());
    m.insert("charmcraft-started-at".into(), rfc3339(started_at_epoch).into());
    m.insert("bases".into(), Value::Sequence(vec![Value::Mapping(base)]));
    m.insert("analysis".into(), Value::Mapping(analysis));
    Value::Mapping(m)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn rfc3339(epoch: u64) -> String {
    let days = epoch / 86_400;
    let secs = epoch % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Howard Hinnant's `civil_from_days`, for days since 1970-01-01 (non-negative here).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn channel_stays_a_string_in_yaml() {
        let t = Target {
            platform: "amd64".into(),
            base_name: "ubuntu".into(),
            channel: "22.04".into(),
            arch: "amd64".into(),
        };
        let text = crate::yaml::to_string(&manifest(&t, 0)).unwrap();
        assert!(text.contains("channel: \"22.04\""), "{text}");
        assert!(
            text.starts_with("charmcraft-version: \"4.5.0\"\ncharmcraft-started-at: \"1970-01-01T00:00:00Z\"\n"),
            "{text}"
        );
    }
}
