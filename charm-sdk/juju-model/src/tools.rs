//! The data hook tools take and print, in Juju's JSON shapes (juju-contract.md §2.2).
//!
//! These are the nouns only: the SDK's `ProcessBackend` parses tool output into them, the
//! testing crate and the local model produce them from `juju-rules`. Field names follow the
//! JSON that `--format=json` prints.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::names::{RelationId, SecretUri, UnitName};
use crate::status::StatusKind;
use crate::Error;

/// Whose bag a `relation-get` reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BagOwner {
    /// A unit's bag.
    Unit(UnitName),
    /// An application's bag (`--app`).
    App(crate::names::AppName),
}

/// A port or range as `open-port` takes it and `opened-ports` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Port {
    /// `80/tcp`.
    Tcp(u16),
    /// `53/udp`.
    Udp(u16),
    /// `8000-8100/tcp`.
    TcpRange(u16, u16),
    /// `8000-8100/udp`.
    UdpRange(u16, u16),
    /// `icmp`.
    Icmp,
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Tcp(p) => write!(f, "{p}/tcp"),
            Port::Udp(p) => write!(f, "{p}/udp"),
            Port::TcpRange(a, b) => write!(f, "{a}-{b}/tcp"),
            Port::UdpRange(a, b) => write!(f, "{a}-{b}/udp"),
            Port::Icmp => f.write_str("icmp"),
        }
    }
}

impl FromStr for Port {
    type Err = Error;
    /// Parses `80`, `80/tcp`, `53/udp`, `8000-8100/tcp`, `icmp`; a trailing
    /// ` (ep1,ep2)` endpoint list, as `opened-ports --endpoints` prints, is ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            Error::invalid(
                "port",
                text,
                "expected <port>[/<tcp|udp>], <from>-<to>[/<proto>] or icmp",
            )
        };
        let spec = text.split_whitespace().next().unwrap_or("");
        if spec == "icmp" {
            return Ok(Port::Icmp);
        }
        let (range, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
        let number = |s: &str| s.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad);
        let udp = match proto {
            "tcp" => false,
            "udp" => true,
            _ => return Err(bad()),
        };
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                if a > b {
                    return Err(bad());
                }
                Ok(if udp {
                    Port::UdpRange(a, b)
                } else {
                    Port::TcpRange(a, b)
                })
            }
            None => {
                let p = number(range)?;
                Ok(if udp { Port::Udp(p) } else { Port::Tcp(p) })
            }
        }
    }
}

/// `status-get` for one unit or the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInfo {
    /// The kind.
    pub status: StatusKind,
    /// The message.
    #[serde(default)]
    pub message: String,
    /// Extra data Juju keeps with the status.
    #[serde(rename = "status-data", default)]
    pub status_data: BTreeMap<String, serde_json::Value>,
}

/// `status-get --application=true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatusInfo {
    /// The application's own status.
    #[serde(rename = "application-status")]
    pub application: StatusInfo,
    /// Each unit's status.
    #[serde(default)]
    pub units: BTreeMap<String, StatusInfo>,
}

/// One address of a binding, as `network-get` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Host name, often empty.
    #[serde(default)]
    pub hostname: String,
    /// The address (Juju < 2.9 printed it as `address`).
    #[serde(alias = "address")]
    pub value: String,
    /// The subnet in CIDR form.
    #[serde(default)]
    pub cidr: String,
}

/// One interface of a binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindAddress {
    /// MAC address, often empty on Kubernetes.
    #[serde(rename = "mac-address", default)]
    pub mac_address: String,
    /// Interface name.
    #[serde(rename = "interface-name", default)]
    pub interface_name: String,
    /// Addresses on the interface.
    #[serde(default)]
    pub addresses: Vec<Address>,
}

/// `network-get <binding>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// Interfaces the unit listens on for the binding.
    #[serde(rename = "bind-addresses", default)]
    pub bind_addresses: Vec<BindAddress>,
    /// Subnets egress traffic comes from.
    #[serde(rename = "egress-subnets", default)]
    pub egress_subnets: Vec<String>,
    /// Addresses other units should use to reach this one.
    #[serde(rename = "ingress-addresses", default)]
    pub ingress_addresses: Vec<String>,
}

impl Network {
    /// The first ingress address, the one a peer should connect to.
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses.first().map(String::as_str)
    }

    /// The first bind address.
    pub fn bind_address(&self) -> Option<&str> {
        self.bind_addresses
            .iter()
            .flat_map(|b| b.addresses.iter())
            .map(|a| a.value.as_str())
            .next()
    }
}

/// Who owns a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretOwner {
    /// The application (managed by its leader).
    Application,
    /// One unit.
    Unit,
}

impl SecretOwner {
    /// The word `--owner` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        }
    }
}

/// A rotation policy (`--rotate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RotatePolicy {
    /// Never rotate.
    Never,
    /// Every hour.
    Hourly,
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every quarter.
    Quarterly,
    /// Every year.
    Yearly,
}

impl RotatePolicy {
    /// The word Juju uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RotatePolicy::Never => "never",
            RotatePolicy::Hourly => "hourly",
            RotatePolicy::Daily => "daily",
            RotatePolicy::Weekly => "weekly",
            RotatePolicy::Monthly => "monthly",
            RotatePolicy::Quarterly => "quarterly",
            RotatePolicy::Yearly => "yearly",
        }
    }

    /// The interval in seconds (months and years as Juju counts them: 30/90/365 days).
    pub fn seconds(self) -> Option<u64> {
        const DAY: u64 = 86_400;
        match self {
            RotatePolicy::Never => None,
            RotatePolicy::Hourly => Some(3_600),
            RotatePolicy::Daily => Some(DAY),
            RotatePolicy::Weekly => Some(7 * DAY),
            RotatePolicy::Monthly => Some(30 * DAY),
            RotatePolicy::Quarterly => Some(90 * DAY),
            RotatePolicy::Yearly => Some(365 * DAY),
        }
    }
}

/// One grant in `secret-info-get`'s `access` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretAccess {
    /// The grantee (`app` or `app/0`).
    pub target: String,
    /// The relation scope (`relation-<key>` or the relation id).
    pub scope: String,
    /// `view` or `manage`.
    pub role: String,
}

/// `secret-info-get` for one owned secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    /// The URI (the map key in Juju's output, copied in for convenience).
    #[serde(skip)]
    pub uri: Option<SecretUri>,
    /// Latest revision.
    pub revision: u64,
    /// Owner label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Owner kind.
    pub owner: SecretOwner,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Rotation policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotatePolicy>,
    /// Expiry (RFC 3339, with a timezone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    /// Next rotation (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotates: Option<String>,
    /// Grants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<SecretAccess>,
}

/// `storage-get`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageInfo {
    /// `filesystem` or `block`.
    pub kind: String,
    /// Mount point or device path.
    pub location: String,
}

/// One entry of `goal-state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalStatus {
    /// `active`, `waiting`, `dying`, …
    pub status: String,
    /// RFC 3339 time.
    #[serde(default)]
    pub since: Option<String>,
}

/// `goal-state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalState {
    /// This application's units.
    #[serde(default)]
    pub units: BTreeMap<String, GoalStatus>,
    /// Per endpoint, the related apps and units.
    #[serde(default)]
    pub relations: BTreeMap<String, BTreeMap<String, GoalStatus>>,
}

impl GoalState {
    /// How many units the application should have (those not dying), as ops'
    /// `planned_units`.
    pub fn planned_units(&self) -> usize {
        self.units.values().filter(|s| s.status != "dying").count()
    }
}

/// Log levels `juju-log` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    /// TRACE.
    Trace,
    /// DEBUG.
    Debug,
    /// INFO.
    Info,
    /// WARNING.
    Warning,
    /// ERROR.
    Error,
}

impl LogLevel {
    /// The word `juju-log -l` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }
}

/// Secret content keys: `^[a-z](-?[a-z0-9]){2,}$` (juju-contract.md §4).
pub fn valid_secret_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    if bytes.len() < 3 || !bytes[0].is_ascii_lowercase() {
        return false;
    }
    let mut prev_hyphen = false;
    for &b in &bytes[1..] {
        match b {
            b'-' if prev_hyphen => return false,
            b'-' => prev_hyphen = true,
            b'a'..=b'z' | b'0'..=b'9' => prev_hyphen = false,
            _ => return false,
        }
    }
    !prev_hyphen && count_alnum_groups(key) >= 2
}

fn count_alnum_groups(key: &str) -> usize {
    // `(-?[a-z0-9]){2,}` after the first letter: at least two alphanumerics follow it.
    key.chars().skip(1).filter(|c| c.is_ascii_alphanumeric()).count()
}

/// Action result keys: each dot-separated segment starts and ends with a lowercase letter
/// or digit and holds only those and `-` (Juju's action-set key rule).
pub fn valid_action_key(key: &str) -> bool {
    !key.is_empty()
        && key.split('.').all(|seg| {
            let b = seg.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_lowercase() | b[0].is_ascii_digit()
                && b[b.len() - 1].is_ascii_lowercase() | b[b.len() - 1].is_ascii_digit()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// Keys `action-set` refuses because Juju stores the process output under them.
pub const RESERVED_ACTION_KEYS: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// The relation ids `relation-ids` prints (`["db:3"]`), parsed.
pub fn parse_relation_ids(ids: &[String]) -> Result<Vec<RelationId>, Error> {
    ids.iter().map(|s| RelationId::parse(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_like_open_port() {
        assert_eq!("80".parse::<Port>().unwrap(), Port::Tcp(80));
        assert_eq!("53/udp".parse::<Port>().unwrap(), Port::Udp(53));
        assert_eq!("8000-8100/tcp (*)".parse::<Port>().unwrap(), Port::TcpRange(8000, 8100));
        assert_eq!("icmp".parse::<Port>().unwrap(), Port::Icmp);
        for bad in ["0", "x", "80/sctp", "90-80", "70000"] {
            assert!(bad.parse::<Port>().is_err(), "{bad}");
        }
        assert_eq!(Port::UdpRange(1, 2).to_string(), "1-2/udp");
    }

    #[test]
    fn secret_key_rule() {
        for good in ["password", "tls-ca", "a1b", "key2"] {
            assert!(valid_secret_key(good), "{good}");
        }
        for bad in ["ab", "Password", "tls--ca", "-ab", "abc-", "1ab", "a_b_c"] {
            assert!(!valid_secret_key(bad), "{bad}");
        }
    }

    #[test]
    fn action_key_rule() {
        for good in ["password", "a.b", "tls-ca", "x1.y-2"] {
            assert!(valid_action_key(good), "{good}");
        }
        for bad in ["", "A", "a.", ".a", "-a", "a-", "a_b", "a..b"] {
            assert!(!valid_action_key(bad), "{bad}");
        }
    }

    #[test]
    fn network_get_output_parses_both_spellings() {
        let new: Network = serde_json::from_str(
            r#"{"bind-addresses":[{"mac-address":"","interface-name":"eth0","addresses":[{"hostname":"","value":"10.1.2.3","cidr":"10.1.2.0/24"}]}],"egress-subnets":["10.1.2.3/32"],"ingress-addresses":["10.1.2.3"]}"#,
        )
        .unwrap();
        assert_eq!(new.bind_address(), Some("10.1.2.3"));
        assert_eq!(new.ingress_address(), Some("10.1.2.3"));
        let old: Address = serde_json::from_str(r#"{"address":"10.0.0.1","cidr":""}"#).unwrap();
        assert_eq!(old.value, "10.0.0.1");
    }
}
