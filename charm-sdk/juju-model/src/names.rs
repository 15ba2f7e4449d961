//! Names and identifiers Juju hands to a charm: applications, units, relations, secrets.
//!
//! Each is a newtype that is validated once when it is parsed, so code further up never
//! re-checks a unit name or silently falls back to relation 0 (a bug of earlier Rust charm
//! libraries). Parsing follows Juju's own rules: a unit is `<app>/<n>`, a relation id is the
//! integer after the *last* colon of `<endpoint>:<id>`, a secret URI is `secret:<id>` or
//! `secret://<model-uuid>/<id>`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// An application name, such as `zookeeper-k8s`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppName(String);

impl AppName {
    /// Parses an application name: lowercase letters, digits and single hyphens, starting
    /// with a letter (Juju's `names.IsValidApplication`).
    pub fn new(name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        if is_valid_app(&name) {
            Ok(Self(name))
        } else {
            Err(Error::invalid(
                "application name",
                &name,
                "expected lowercase letters, digits and hyphens, starting with a letter",
            ))
        }
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name of unit `n` of this application.
    pub fn unit(&self, n: u32) -> UnitName {
        UnitName {
            app: self.clone(),
            number: n,
        }
    }
}

fn is_valid_app(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = matches!(chars.next(), Some('a'..='z'));
    let body_ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    // Juju forbids an all-digit segment after a hyphen (`db-01`): it would read like a
    // unit number in names such as `db-01/0`.
    let segments_ok = name
        .split('-')
        .skip(1)
        .all(|seg| !seg.is_empty() && !seg.chars().all(|c| c.is_ascii_digit()));
    first_ok && body_ok && segments_ok && !name.ends_with('-')
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AppName {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<AppName> for String {
    fn from(value: AppName) -> Self {
        value.0
    }
}

impl FromStr for AppName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// A unit name, `<app>/<number>`, such as `kafka-k8s/2`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitName {
    app: AppName,
    number: u32,
}

impl UnitName {
    /// Parses `<app>/<n>`.
    pub fn new(name: &str) -> Result<Self, Error> {
        let (app, number) = name
            .rsplit_once('/')
            .ok_or_else(|| Error::invalid("unit name", name, "expected <application>/<number>"))?;
        let number = number
            .parse::<u32>()
            .map_err(|_| Error::invalid("unit name", name, "the part after '/' must be a number"))?;
        Ok(Self {
            app: AppName::new(app)?,
            number,
        })
    }

    /// The application the unit belongs to.
    pub fn app(&self) -> &AppName {
        &self.app
    }

    /// The unit number (the `2` of `kafka-k8s/2`).
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The Kubernetes pod name of this unit (`kafka-k8s-2`).
    pub fn pod_name(&self) -> String {
        format!("{}-{}", self.app, self.number)
    }
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.app, self.number)
    }
}

impl TryFrom<String> for UnitName {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<UnitName> for String {
    fn from(value: UnitName) -> Self {
        value.to_string()
    }
}

impl FromStr for UnitName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl Default for UnitName {
    /// `unit/0`: only for `JujuEnv::default()` in builders; a real environment always
    /// carries JUJU_UNIT_NAME.
    fn default() -> Self {
        AppName("unit".to_owned()).unit(0)
    }
}

/// A relation's integer id, unique in the model (the `7` of `db:7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RelationId(pub u32);

impl RelationId {
    /// Parses `<endpoint>:<id>` or `<id>`, taking the integer after the last colon, as Juju
    /// does for `-r`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let digits = text.rsplit(':').next().unwrap_or(text);
        digits
            .parse::<u32>()
            .map(RelationId)
            .map_err(|_| Error::invalid("relation id", text, "expected <endpoint>:<number> or <number>"))
    }
}

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A secret URI. Both Juju forms are accepted; `id()` gives the bare xid so two spellings
/// of the same secret compare equal through [`SecretUri::same_secret`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SecretUri(String);

impl SecretUri {
    /// Parses `secret:<id>`, `secret://<model-uuid>/<id>` or a bare id (ops accepts bare
    /// ids and canonicalises them; we keep the text and normalise comparisons).
    pub fn new(text: impl Into<String>) -> Result<Self, Error> {
        let text = text.into();
        let id = id_of(&text);
        let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric());
        if valid {
            Ok(Self(text))
        } else {
            Err(Error::invalid(
                "secret URI",
                &text,
                "expected secret:<id> or secret://<model-uuid>/<id>",
            ))
        }
    }

    /// The bare secret id (the xid).
    pub fn id(&self) -> &str {
        id_of(&self.0)
    }

    /// The URI as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both URIs name the same secret, whatever their spelling.
    pub fn same_secret(&self, other: &SecretUri) -> bool {
        self.id() == other.id()
    }
}

fn id_of(text: &str) -> &str {
    let rest = text
        .strip_prefix("secret://")
        .or_else(|| text.strip_prefix("secret:"))
        .unwrap_or(text);
    rest.rsplit('/').next().unwrap_or(rest)
}

impl fmt::Display for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SecretUri {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<SecretUri> for String {
    fn from(value: SecretUri) -> Self {
        value.0
    }
}

impl FromStr for SecretUri {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_parse_and_print() {
        let unit = UnitName::new("kafka-k8s/12").unwrap();
        assert_eq!(unit.app().as_str(), "kafka-k8s");
        assert_eq!(unit.number(), 12);
        assert_eq!(unit.to_string(), "kafka-k8s/12");
        assert_eq!(unit.pod_name(), "kafka-k8s-12");
    }

    #[test]
    fn bad_unit_names_are_refused() {
        for bad in ["kafka", "kafka/", "kafka/x", "/0", "Kafka/0", "kafka-/0", "db-01/0"] {
            assert!(UnitName::new(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn relation_ids_take_the_number_after_the_last_colon() {
        assert_eq!(RelationId::parse("db:7").unwrap(), RelationId(7));
        assert_eq!(RelationId::parse("7").unwrap(), RelationId(7));
        assert_eq!(RelationId::parse("a:b:9").unwrap(), RelationId(9));
        assert!(RelationId::parse("db:x").is_err());
        assert!(RelationId::parse("").is_err());
    }

    #[test]
    fn secret_uris_compare_by_id() {
        let short = SecretUri::new("secret:cq5l0hvmp25c7d3sbjug").unwrap();
        let long = SecretUri::new("secret://0a1b2c3d-aaaa-bbbb-cccc-0123456789ab/cq5l0hvmp25c7d3sbjug").unwrap();
        assert!(short.same_secret(&long));
        assert_eq!(long.id(), "cq5l0hvmp25c7d3sbjug");
        assert!(SecretUri::new("secret:").is_err());
        assert!(SecretUri::new("secret:a b").is_err());
    }
}
