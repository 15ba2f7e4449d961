//! The operator's config options as `server.properties` lines.
//!
//! Upstream rule (`ConfigManager.config_properties` / `_translate_config_key` in
//! `src/managers/config.py`): every option becomes a property whose key is the option name
//! with `-`/`_` replaced by `.` (`log-retention-ms` → `log.retention.ms`); options that are
//! the charm's own (the blacklist: `roles`, `profile`, `log-level`, `extra-listeners`, …) are
//! written as `# option=value` comments so the file still shows them; empty values are left
//! out. This crate comments out four more than upstream, because they are not Kafka keys and
//! Kafka would only warn about them: `metadata-mode` (this charm's), `network-bandwidth` and
//! the two `cruisecontrol-*` thresholds (Cruise Control capacity inputs), and, on Kafka 4,
//! `zookeeper-ssl-cipher-suites` (the key no longer exists). `tests/config_keys.rs` checks the
//! outcome against Kafka's own key list.

use super::inputs::KafkaLine;
use super::properties::Properties;
use crate::config::Config;
use crate::error::Error;

/// Options that are the charm's own: written as comments (upstream `SERVER_PROPERTIES_BLACKLIST`
/// plus this crate's additions, see the module docs).
pub const COMMENTED_OPTIONS: [&str; 12] = [
    "metadata-mode",
    "roles",
    "profile",
    "certificate-extra-sans",
    "extra-listeners",
    "certificate-include-ip-sans",
    "log-level",
    "network-bandwidth",
    "cruisecontrol-balance-threshold",
    "cruisecontrol-capacity-threshold",
    "expose-external",
    "tls-private-key",
];

/// The option name as a Kafka key.
pub fn translate_key(option: &str) -> String {
    option.replace(['-', '_'], ".")
}

/// The options in the upstream declaration order, with their values as text.
pub fn option_values(config: &Config) -> Result<Vec<(&'static str, String)>, Error> {
    let long = |option: &'static str, text: &str| -> Result<(&'static str, String), Error> {
        let value: i64 = text
            .trim()
            .parse()
            .map_err(|_| Error::invalid("config", format!("{option}={text:?} is not a long")))?;
        Ok((option, value.to_string()))
    };
    Ok(vec![
        ("metadata-mode", config.metadata_mode.clone()),
        ("roles", config.roles.clone()),
        ("compression-type", config.compression_type.clone()),
        long("log-flush-interval-messages", &config.log_flush_interval_messages)?,
        long("log-flush-interval-ms", &config.log_flush_interval_ms)?,
        (
            "log-flush-offset-checkpoint-interval-ms",
            config.log_flush_offset_checkpoint_interval_ms.to_string(),
        ),
        long("log-retention-bytes", &config.log_retention_bytes)?,
        long("log-retention-ms", &config.log_retention_ms)?,
        ("log-segment-bytes", config.log_segment_bytes.to_string()),
        ("message-max-bytes", config.message_max_bytes.to_string()),
        (
            "offsets-topic-num-partitions",
            config.offsets_topic_num_partitions.to_string(),
        ),
        (
            "transaction-state-log-num-partitions",
            config.transaction_state_log_num_partitions.to_string(),
        ),
        (
            "unclean-leader-election-enable",
            config.unclean_leader_election_enable.to_string(),
        ),
        long(
            "log-cleaner-delete-retention-ms",
            &config.log_cleaner_delete_retention_ms,
        )?,
        long(
            "log-cleaner-min-compaction-lag-ms",
            &config.log_cleaner_min_compaction_lag_ms,
        )?,
        ("log-cleanup-policy", config.log_cleanup_policy.clone()),
        ("log-message-timestamp-type", config.log_message_timestamp_type.clone()),
        ("ssl-cipher-suites", config.ssl_cipher_suites.clone()),
        (
            "ssl-principal-mapping-rules",
            config.ssl_principal_mapping_rules.clone(),
        ),
        (
            "replication-quota-window-num",
            config.replication_quota_window_num.to_string(),
        ),
        (
            "zookeeper-ssl-cipher-suites",
            config.zookeeper_ssl_cipher_suites.clone(),
        ),
        ("profile", config.profile.clone()),
        ("certificate-extra-sans", config.certificate_extra_sans.clone()),
        ("extra-listeners", config.extra_listeners.clone()),
        (
            "certificate-include-ip-sans",
            config.certificate_include_ip_sans.to_string(),
        ),
        ("log-level", config.log_level.clone()),
        ("network-bandwidth", config.network_bandwidth.to_string()),
        (
            "cruisecontrol-balance-threshold",
            config.cruisecontrol_balance_threshold.to_string(),
        ),
        (
            "cruisecontrol-capacity-threshold",
            config.cruisecontrol_capacity_threshold.to_string(),
        ),
        ("expose-external", config.expose_external.clone()),
    ])
}

/// Whether `option` is written as a comment for this Kafka line.
pub fn is_commented(option: &str, kafka: KafkaLine) -> bool {
    COMMENTED_OPTIONS.contains(&option) || (kafka == KafkaLine::V4 && option == "zookeeper-ssl-cipher-suites")
}

/// The config block of `server.properties`.
pub fn config_properties(config: &Config, kafka: KafkaLine) -> Result<Properties, Error> {
    let mut out = Properties::new();
    for (option, value) in option_values(config)? {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if is_commented(option, kafka) {
            out.comment(format!("{option}={value}"));
        } else {
            out.set(translate_key(option), value);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_translate_like_upstream() {
        assert_eq!(translate_key("log-retention-ms"), "log.retention.ms");
        assert_eq!(translate_key("log_retention_ms"), "log.retention.ms");
        assert!(is_commented("roles", KafkaLine::V3_9));
        assert!(!is_commented("zookeeper-ssl-cipher-suites", KafkaLine::V3_9));
        assert!(is_commented("zookeeper-ssl-cipher-suites", KafkaLine::V4));
    }
}
