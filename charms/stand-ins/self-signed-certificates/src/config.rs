//! The charm's config, checked the way the Python charm checks it.
//!
//! The Python charm accepts any string for the validities and reports bad values as one
//! Blocked status listing the offending options (`The following configuration values are
//! not valid: ['certificate-validity', 'root-ca-validity']`). Deployments and tests that
//! look for that status keep working only if the stand-in words it the same, so the checks
//! and the message live here, apart from the CA code that consumes the result.

use std::time::Duration;

use serde::Deserialize;

/// The options of charmcraft.yaml; unset string options arrive as `None`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// `ca-common-name`.
    pub ca_common_name: Option<String>,
    /// `ca-organization`.
    pub ca_organization: Option<String>,
    /// `ca-organizational-unit`.
    pub ca_organizational_unit: Option<String>,
    /// `ca-email-address`.
    pub ca_email_address: Option<String>,
    /// `ca-country-name`.
    pub ca_country_name: Option<String>,
    /// `ca-state-or-province-name`.
    pub ca_state_or_province_name: Option<String>,
    /// `ca-locality-name`.
    pub ca_locality_name: Option<String>,
    /// `root-ca-validity`, e.g. `365d`.
    pub root_ca_validity: Option<String>,
    /// `certificate-validity`, e.g. `90d`.
    pub certificate_validity: Option<String>,
    /// `certificate-limit`; -1 (or 0, as in the Python charm) for no limit.
    pub certificate_limit: Option<i64>,
}

/// The subject of the CA certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    /// CN.
    pub common_name: String,
    /// O.
    pub organization: Option<String>,
    /// OU.
    pub organizational_unit: Option<String>,
    /// emailAddress (also an rfc822Name SAN).
    pub email_address: Option<String>,
    /// C.
    pub country_name: Option<String>,
    /// ST.
    pub state_or_province_name: Option<String>,
    /// L.
    pub locality_name: Option<String>,
}

/// A valid config, ready for the CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The CA's subject.
    pub subject: Subject,
    /// Validity of the CA certificate.
    pub root_ca_validity: Duration,
    /// Validity of issued certificates.
    pub certificate_validity: Duration,
    /// At most this many outstanding requests per relation are signed in one pass.
    pub certificate_limit: Option<usize>,
}

impl Settings {
    /// When the CA secret expires and the CA is renewed: the CA's validity minus one
    /// certificate validity, so no issued certificate outlives its CA.
    pub fn renewal_threshold(&self) -> Duration {
        self.root_ca_validity.saturating_sub(self.certificate_validity)
    }
}

impl Config {
    /// The settings, or the Python charm's Blocked message naming every invalid option.
    pub fn settings(&self) -> Result<Settings, String> {
        let mut invalid: Vec<&str> = Vec::new();
        let common_name = non_empty(&self.ca_common_name);
        if common_name.is_none() {
            invalid.push("ca-common-name");
        }
        let country = non_empty(&self.ca_country_name);
        if country
            .as_ref()
            .is_some_and(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
        {
            invalid.push("ca-country-name");
        }
        let certificate = self.certificate_validity.as_deref().and_then(parse_validity);
        let root = self.root_ca_validity.as_deref().and_then(parse_validity);
        let validities = match (certificate, root) {
            (Some(c), Some(r)) if r >= 2 * c => Some((c, r)),
            _ => None,
        };
        if validities.is_none() {
            invalid.extend(["certificate-validity", "root-ca-validity"]);
        }
        match (common_name, validities) {
            (Some(common_name), Some((certificate_validity, root_ca_validity))) if invalid.is_empty() => Ok(Settings {
                subject: Subject {
                    common_name,
                    organization: non_empty(&self.ca_organization),
                    organizational_unit: non_empty(&self.ca_organizational_unit),
                    email_address: non_empty(&self.ca_email_address),
                    country_name: country,
                    state_or_province_name: non_empty(&self.ca_state_or_province_name),
                    locality_name: non_empty(&self.ca_locality_name),
                },
                root_ca_validity,
                certificate_validity,
                certificate_limit: self
                    .certificate_limit
                    .filter(|l| *l > 0)
                    .and_then(|l| usize::try_from(l).ok()),
            }),
            _ => Err(invalid_message(&invalid)),
        }
    }
}

/// `The following configuration values are not valid: ['a', 'b']` (a Python list).
pub fn invalid_message(options: &[&str]) -> String {
    let list: Vec<String> = options.iter().map(|o| format!("'{o}'")).collect();
    format!(
        "The following configuration values are not valid: [{}]",
        list.join(", ")
    )
}

/// Parses a validity: digits then `m`, `h`, `d` or `w`; bare digits are days. Zero, other
/// units and anything else are `None`.
pub fn parse_validity(text: &str) -> Option<Duration> {
    let (digits, unit_seconds) = match text.char_indices().last()? {
        (_, c) if c.is_ascii_digit() => (text, 86_400),
        (i, 'm') => (&text[..i], 60),
        (i, 'h') => (&text[..i], 3_600),
        (i, 'd') => (&text[..i], 86_400),
        (i, 'w') => (&text[..i], 604_800),
        _ => return None,
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let value: u64 = digits.parse().ok()?;
    let seconds = value.checked_mul(unit_seconds)?;
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_deref().filter(|v| !v.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(certificate: &str, root: &str) -> Config {
        Config {
            ca_common_name: Some("ca".into()),
            certificate_validity: Some(certificate.into()),
            root_ca_validity: Some(root.into()),
            ..Config::default()
        }
    }

    #[test]
    fn validities_in_every_unit() {
        assert_eq!(parse_validity("90"), Some(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_validity("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_validity("2h"), Some(Duration::from_secs(7_200)));
        assert_eq!(parse_validity("10w"), Some(Duration::from_secs(6_048_000)));
        for bad in ["", "d", "0d", "1y", "-1d", "1.5d", "x1d"] {
            assert_eq!(parse_validity(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_root_must_last_twice_the_certificates() {
        assert!(config("90d", "180d").settings().is_ok());
        assert_eq!(
            config("90d", "179d").settings().unwrap_err(),
            "The following configuration values are not valid: ['certificate-validity', 'root-ca-validity']"
        );
        let settings = config("1h", "1d").settings().unwrap();
        assert_eq!(settings.renewal_threshold(), Duration::from_secs(23 * 3_600));
    }

    #[test]
    fn every_invalid_option_is_named() {
        let mut c = config("1x", "1d");
        c.ca_common_name = Some(String::new());
        c.ca_country_name = Some("FRA".into());
        assert_eq!(
            c.settings().unwrap_err(),
            "The following configuration values are not valid: ['ca-common-name', 'ca-country-name', \
             'certificate-validity', 'root-ca-validity']"
        );
    }

    #[test]
    fn limits_below_one_mean_unlimited() {
        for (limit, expected) in [(Some(-1), None), (Some(0), None), (None, None), (Some(3), Some(3))] {
            let mut c = config("1d", "2d");
            c.certificate_limit = limit;
            assert_eq!(c.settings().unwrap().certificate_limit, expected);
        }
    }
}
