//! The charm's config options, typed and checked.
//!
//! serde gives the types (a string where an int belongs is refused by Juju already); the
//! ranges and enumerations ZooKeeper would otherwise reject at start-up — long after the
//! operator typed the value — are checked here, so an invalid value is a Blocked status
//! naming the option and the running ensemble is left untouched.

use charm_sdk::config::ensure;
use charm_sdk::Error;
use serde::Deserialize;

/// The config options of charmcraft.yaml (same keys as the Python charm).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// `initLimit`, in ticks.
    pub init_limit: i64,
    /// `syncLimit`, in ticks.
    pub sync_limit: i64,
    /// `tickTime`, in milliseconds.
    pub tick_time: i64,
    /// DEBUG, INFO, WARNING or ERROR.
    pub log_level: String,
    /// Whether the certificate request carries the unit's IP address.
    pub certificate_include_ip_sans: bool,
}

impl Default for Config {
    /// The charmcraft.yaml defaults.
    fn default() -> Self {
        Self {
            init_limit: 5,
            sync_limit: 2,
            tick_time: 2000,
            log_level: "INFO".to_owned(),
            certificate_include_ip_sans: true,
        }
    }
}

/// ZooKeeper reads these as Java `int`s.
const JAVA_INT_MAX: i64 = i32::MAX as i64;

impl Config {
    /// Checks what serde cannot; the error names the option.
    pub fn validate(&self) -> Result<(), Error> {
        for (option, value) in [
            ("init-limit", self.init_limit),
            ("sync-limit", self.sync_limit),
            ("tick-time", self.tick_time),
        ] {
            ensure(
                (1..=JAVA_INT_MAX).contains(&value),
                option,
                format!("{value} must be a positive integer (1 to {JAVA_INT_MAX})"),
            )?;
        }
        ensure(
            matches!(self.log_level.as_str(), "DEBUG" | "INFO" | "WARNING" | "ERROR"),
            "log-level",
            format!("{:?} is not one of DEBUG, INFO, WARNING, ERROR", self.log_level),
        )
    }

    /// The level as logback spells it (`WARNING` is `WARN` in Java).
    pub fn java_log_level(&self) -> &str {
        match self.log_level.as_str() {
            "WARNING" => "WARN",
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_warning_maps_to_warn() {
        let config = Config::default();
        assert!(config.validate().is_ok());
        let warning = Config {
            log_level: "WARNING".into(),
            ..Config::default()
        };
        assert_eq!(warning.java_log_level(), "WARN");
    }

    #[test]
    fn errors_name_the_option() {
        let bad = Config {
            sync_limit: 0,
            ..Config::default()
        };
        let Err(Error::Config { option, .. }) = bad.validate() else {
            panic!("accepted")
        };
        assert_eq!(option, "sync-limit");
    }
}
