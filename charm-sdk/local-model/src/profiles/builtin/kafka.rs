//! `charmed-kafka`: the rock's paths only.
//!
//! No Apache Kafka distribution can be installed on the machines this project runs on
//! (`local-components.md` §3), so `/opt/kafka` is an empty per-container directory: a
//! charm that checks for its workload binary through Pebble finds it missing and says so in
//! its status, which is the behaviour to test. Config, data and logs are per-container.

use super::{with_unit_dirs, HostProfile};

/// The profile.
pub(super) fn profile() -> HostProfile {
    let mut profile = HostProfile {
        rock: "charmed-kafka".into(),
        aliases: vec!["kafka".into(), "kafka-image".into(), "kafka-k8s".into()],
        env: [("KAFKA_HOME".to_owned(), "/opt/kafka".to_owned())].into(),
        users: [("kafka".to_owned(), "kafka".to_owned())].into(),
        ..HostProfile::default()
    };
    with_unit_dirs(
        &mut profile,
        &[
            ("opt-kafka", "/opt/kafka"),
            ("etc-kafka", "/etc/kafka"),
            ("var-lib-kafka", "/var/lib/kafka"),
            ("var-log-kafka", "/var/log/kafka"),
        ],
        Some("kafka"),
    );
    profile
}
