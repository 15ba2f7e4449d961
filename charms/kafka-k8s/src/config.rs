//! The operator's config: decoded by serde, then checked option by option so that an invalid
//! value blocks the unit with a status naming the option (never a hook error).
//!
//! The checks are the Python charm's (`src/core/structured_config.py` on the 3.x track), in
//! kebab-case keys. Two decisions are this charm's own:
//! - the metadata backend is chosen explicitly with `metadata-mode` (`zookeeper` | `kraft`)
//!   and must agree with `roles` (the `controller` role only exists in KRaft mode): the
//!   Python charm guessed the mode from the roles and the relations;
//! - the `balancer` role (Cruise Control, [`crate::balancer`]) runs next to brokers
//!   (`broker,balancer`, `broker,controller,balancer`) or in an application of its own
//!   (`balancer`, `controller,balancer`) joined over `peer-cluster`, which is KRaft only here:
//!   with `metadata-mode=zookeeper` such an application is refused naming `roles`.

use std::collections::BTreeSet;

use charm_sdk::config::ensure;
use charm_sdk::Error;
use serde::Deserialize;

/// The largest value of a Java `long`.
pub const JAVA_LONG_MAX: i128 = i64::MAX as i128;
/// One day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The config options, as declared in charmcraft.yaml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)] // each field is the option of the same name, documented in charmcraft.yaml
pub struct Config {
    pub metadata_mode: String,
    pub roles: String,
    pub compression_type: String,
    pub log_flush_interval_messages: String,
    pub log_flush_interval_ms: String,
    pub log_flush_offset_checkpoint_interval_ms: i64,
    pub log_retention_bytes: String,
    pub log_retention_ms: String,
    pub log_segment_bytes: i64,
    pub message_max_bytes: i64,
    pub offsets_topic_num_partitions: i64,
    pub transaction_state_log_num_partitions: i64,
    pub unclean_leader_election_enable: bool,
    pub log_cleaner_delete_retention_ms: String,
    pub log_cleaner_min_compaction_lag_ms: String,
    pub log_cleanup_policy: String,
    pub log_message_timestamp_type: String,
    pub ssl_cipher_suites: String,
    pub ssl_principal_mapping_rules: String,
    pub replication_quota_window_num: i64,
    pub zookeeper_ssl_cipher_suites: String,
    pub profile: String,
    pub certificate_extra_sans: String,
    pub extra_listeners: String,
    pub certificate_include_ip_sans: bool,
    pub log_level: String,
    pub network_bandwidth: i64,
    pub cruisecontrol_balance_threshold: f64,
    pub cruisecontrol_capacity_threshold: f64,
    pub expose_external: String,
}

/// Where the cluster keeps its metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataMode {
    /// A `zookeeper` relation (Kafka 3.x).
    ZooKeeper,
    /// KRaft controllers (this application's `controller` role or a peer cluster).
    Kraft,
}

/// The roles of this application's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// Serves clients.
    pub broker: bool,
    /// Runs a KRaft controller.
    pub controller: bool,
    /// Runs Cruise Control (the leader unit of the application).
    pub balancer: bool,
}

impl Roles {
    /// The roles comma separated (`broker`, `controller`, `balancer`, in that order), as
    /// the peer-cluster relation's `roles` field spells them.
    pub fn as_csv(&self) -> String {
        let mut out = Vec::new();
        if self.broker {
            out.push("broker");
        }
        if self.controller {
            out.push("controller");
        }
        if self.balancer {
            out.push("balancer");
        }
        out.join(",")
    }
}

/// One `extra-listeners` entry: a host (with `{unit}` already substituted) and a base port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraListener {
    /// The advertised host.
    pub host: String,
    /// The base port added to each client port (`30000` gives 39092, 39093, ...).
    pub base_port: u16,
}

fn option_error(option: &str, message: impl Into<String>) -> Error {
    Error::Config {
        option: option.to_owned(),
        message: message.into(),
    }
}

/// Parses a Java long written as a string, in `[min, max]`.
fn long_in(option: &str, text: &str, min: i128, max: i128) -> Result<i64, Error> {
    let value: i128 = text
        .trim()
        .parse()
        .map_err(|_| option_error(option, format!("{text:?} is not an integer")))?;
    if value < min || value > max {
        return Err(option_error(option, format!("{value} is outside [{min}, {max}]")));
    }
    i64::try_from(value).map_err(|_| option_error(option, format!("{value} does not fit a Java long")))
}

fn one_of(option: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    ensure(
        allowed.contains(&value),
        option,
        format!("{value:?} is not one of {}", allowed.join(", ")),
    )
}

fn int32(option: &str, value: i64, min: i64) -> Result<(), Error> {
    ensure(
        (min..=i64::from(i32::MAX)).contains(&value),
        option,
        format!("{value} is outside [{min}, {}]", i32::MAX),
    )
}

impl Config {
    /// Checks every option; the first invalid one is returned, named.
    pub fn validate(&self) -> Result<(), Error> {
        self.metadata_mode()?;
        self.roles()?;
        one_of(
            "compression-type",
            &self.compression_type,
            &["gzip", "snappy", "lz4", "zstd", "uncompressed", "producer"],
        )?;
        long_in(
            "log-flush-interval-messages",
            &self.log_flush_interval_messages,
            1,
            JAVA_LONG_MAX,
        )?;
        long_in("log-flush-interval-ms", &self.log_flush_interval_ms, 1, JAVA_LONG_MAX)?;
        int32(
            "log-flush-offset-checkpoint-interval-ms",
            self.log_flush_offset_checkpoint_interval_ms,
            0,
        )?;
        long_in("log-retention-bytes", &self.log_retention_bytes, -1, JAVA_LONG_MAX)?;
        long_in("log-retention-ms", &self.log_retention_ms, -1, JAVA_LONG_MAX)?;
        int32("log-segment-bytes", self.log_segment_bytes, 0)?;
        int32("message-max-bytes", self.message_max_bytes, 0)?;
        for (option, value) in [
            ("offsets-topic-num-partitions", self.offsets_topic_num_partitions),
            (
                "transaction-state-log-num-partitions",
                self.transaction_state_log_num_partitions,
            ),
        ] {
            ensure(
                (0..=10_000).contains(&value),
                option,
                format!("{value} is outside [0, 10000]"),
            )?;
        }
        long_in(
            "log-cleaner-delete-retention-ms",
            &self.log_cleaner_delete_retention_ms,
            1,
            i128::from(90 * DAY_MS),
        )?;
        long_in(
            "log-cleaner-min-compaction-lag-ms",
            &self.log_cleaner_min_compaction_lag_ms,
            0,
            i128::from(7 * DAY_MS),
        )?;
        one_of("log-cleanup-policy", &self.log_cleanup_policy, &["delete", "compact"])?;
        one_of(
            "log-message-timestamp-type",
            &self.log_message_timestamp_type,
            &["CreateTime", "LogAppendTime"],
        )?;
        check_principal_mapping_rules(&self.ssl_principal_mapping_rules)?;
        int32("replication-quota-window-num", self.replication_quota_window_num, 0)?;
        one_of("profile", &self.profile, &["production", "staging", "testing"])?;
        one_of("log-level", &self.log_level, &["DEBUG", "INFO", "WARNING", "ERROR"])?;
        ensure(
            self.network_bandwidth > 0,
            "network-bandwidth",
            format!("{} must be greater than 0", self.network_bandwidth),
        )?;
        ensure(
            self.cruisecontrol_balance_threshold >= 1.0,
            "cruisecontrol-balance-threshold",
            format!("{} must be at least 1", self.cruisecontrol_balance_threshold),
        )?;
        ensure(
            self.cruisecontrol_capacity_threshold <= 1.0,
            "cruisecontrol-capacity-threshold",
            format!("{} must be at most 1", self.cruisecontrol_capacity_threshold),
        )?;
        one_of("expose-external", &self.expose_external, &["false", "nodeport"])?;
        self.extra_listeners(0)?;
        for san in self.certificate_extra_sans(0) {
            ensure(
                !san.is_empty() && san.is_ascii() && !san.contains(char::is_whitespace),
                "certificate-extra-sans",
                format!("{san:?} is not a host name"),
            )?;
        }
        Ok(())
    }

    /// The metadata backend.
    pub fn metadata_mode(&self) -> Result<MetadataMode, Error> {
        match self.metadata_mode.as_str() {
            "zookeeper" => Ok(MetadataMode::ZooKeeper),
            "kraft" => Ok(MetadataMode::Kraft),
            other => Err(option_error(
                "metadata-mode",
                format!("{other:?} is not one of zookeeper, kraft"),
            )),
        }
    }

    /// The roles, checked against each other and against `metadata-mode`.
    pub fn roles(&self) -> Result<Roles, Error> {
        let names: BTreeSet<&str> = self.roles.split(',').map(str::trim).filter(|r| !r.is_empty()).collect();
        if let Some(unknown) = names
            .iter()
            .find(|r| !matches!(**r, "broker" | "controller" | "balancer"))
        {
            return Err(option_error(
                "roles",
                format!("unknown role {unknown:?} (broker, controller, balancer)"),
            ));
        }
        let roles = Roles {
            broker: names.contains("broker"),
            controller: names.contains("controller"),
            balancer: names.contains("balancer"),
        };
        ensure(
            roles.broker || roles.controller || roles.balancer,
            "roles",
            "at least one of broker, controller, balancer is needed",
        )?;
        if roles.controller && self.metadata_mode()? == MetadataMode::ZooKeeper {
            return Err(option_error(
                "roles",
                "the controller role needs metadata-mode=kraft (metadata-mode is zookeeper)",
            ));
        }
        if roles.balancer && !roles.broker && self.metadata_mode()? == MetadataMode::ZooKeeper {
            return Err(option_error(
                "roles",
                "a balancer application of its own is fed over peer-cluster, which needs metadata-mode=kraft \
                 (with ZooKeeper use broker,balancer)",
            ));
        }
        Ok(roles)
    }

    /// The `extra-listeners` entries for unit `unit`, checked: `host:port`, port in
    /// (20000, 50000), ports at least 100 apart and distinct (the Python charm's rules).
    pub fn extra_listeners(&self, unit: u32) -> Result<Vec<ExtraListener>, Error> {
        let option = "extra-listeners";
        let mut out: Vec<ExtraListener> = Vec::new();
        for entry in self.extra_listeners.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((host, port)) = entry.rsplit_once(':') else {
                return Err(option_error(option, format!("{entry:?} is not host:port")));
            };
            let port: u16 = port
                .parse()
                .map_err(|_| option_error(option, format!("{entry:?} has no valid port")))?;
            ensure(
                port > 20_000 && port < 50_000,
                option,
                format!("port {port} of {entry:?} is outside (20000, 50000)"),
            )?;
            ensure(!host.is_empty(), option, format!("{entry:?} has no host"))?;
            if let Some(close) = out.iter().find(|o| o.base_port.abs_diff(port) < 100) {
                return Err(option_error(
                    option,
                    format!("ports {} and {port} must be at least 100 apart", close.base_port),
                ));
            }
            out.push(ExtraListener {
                host: host.replace("{unit}", &unit.to_string()),
                base_port: port,
            });
        }
        Ok(out)
    }

    /// `certificate-extra-sans` for unit `unit`, `{unit}` substituted.
    pub fn certificate_extra_sans(&self, unit: u32) -> Vec<String> {
        self.certificate_extra_sans
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.replace("{unit}", &unit.to_string()))
            .collect()
    }

    /// Whether the brokers are exposed through NodePort Services (`expose-external=nodeport`,
    /// see [`crate::external`]).
    pub fn expose_nodeport(&self) -> bool {
        self.expose_external == "nodeport"
    }

    /// The log level as log4j spells it (`WARNING` is `WARN`).
    pub fn java_log_level(&self) -> &str {
        match self.log_level.as_str() {
            "WARNING" => "WARN",
            other => other,
        }
    }
}

/// `ssl-principal-mapping-rules`: comma separated `RULE:pattern/replacement/[LU]` or
/// `DEFAULT`. Kafka compiles the patterns as Java regexes; here we check the shape and that
/// parentheses and brackets balance, which catches the usual typos without a regex engine.
pub fn check_principal_mapping_rules(rules: &str) -> Result<(), Error> {
    let option = "ssl-principal-mapping-rules";
    let text = rules.trim();
    ensure(!text.is_empty(), option, "must not be empty (use DEFAULT)")?;
    for rule in split_rules(text) {
        let rule = rule.trim();
        if rule == "DEFAULT" {
            continue;
        }
        let Some(body) = rule.strip_prefix("RULE:") else {
            return Err(option_error(
                option,
                format!("{rule:?} is neither DEFAULT nor RULE:pattern/replacement/"),
            ));
        };
        let parts: Vec<&str> = body.splitn(3, '/').collect();
        let [pattern, _replacement, flags] = parts.as_slice() else {
            return Err(option_error(
                option,
                format!("{rule:?} is not RULE:pattern/replacement/[LU]"),
            ));
        };
        ensure(!pattern.is_empty(), option, format!("{rule:?} has an empty pattern"))?;
        ensure(
            matches!(*flags, "" | "L" | "U"),
            option,
            format!("{rule:?} ends with {flags:?}; only L or U may follow the last '/'"),
        )?;
        ensure(
            balanced(pattern),
            option,
            format!("the pattern of {rule:?} is not a valid regex"),
        )?;
    }
    Ok(())
}

/// Rules are comma separated, but a pattern may contain commas inside `{m,n}` or `[...]`.
fn split_rules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '[' | '{' | '(' => depth += 1,
            ']' | '}' | ')' => depth -= 1,
            ',' if depth <= 0
                && ((current.starts_with("RULE:") && current.matches('/').count() >= 2) || current == "DEFAULT") =>
            {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn balanced(pattern: &str) -> bool {
    let mut stack = Vec::new();
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            _ => {}
        }
    }
    stack.is_empty() && !escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_rules_accept_the_documented_example_and_refuse_typos() {
        assert!(check_principal_mapping_rules("DEFAULT").is_ok());
        assert!(check_principal_mapping_rules("RULE:^.*[Cc][Nn]=([a-zA-Z0-9.-_@]*).*$/$1/L,DEFAULT").is_ok());
        assert!(check_principal_mapping_rules("RULE:^CN=(.*?),OU=(.*)$/$1/,DEFAULT").is_ok());
        assert!(check_principal_mapping_rules("RULE:^CN=(.*$/$1/L").is_err());
        assert!(check_principal_mapping_rules("NOPE").is_err());
        assert!(check_principal_mapping_rules("RULE:x/y/Q").is_err());
    }
}
