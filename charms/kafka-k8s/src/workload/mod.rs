//! Everything rendered for the broker: `server.properties`, the ZooKeeper JAAS file, the
//! JVM's environment and Pebble layer, logging (with the authorizer's audit log), the JMX
//! exporter's rules, the admin `client.properties`, the KRaft `format` command line, and what
//! the KRaft quorum tool needs (`kraft-client.properties`, `add-controller` /
//! `remove-controller` argv: [`quorum_tool`]).
//!
//! All of it is pure functions of [`BrokerInputs`]; the charm logic gathers the inputs and
//! writes the outputs. No Kafka broker can run on the machines this project is built and
//! tested on (there is no Kafka distribution in any registry they reach), so correctness is
//! established in two ways instead of by starting a broker:
//! - golden files (`tests/golden/`) pin every rendered file byte for byte for plain SCRAM,
//!   TLS, mTLS, OAuth, ZooKeeper mode and KRaft combined/split roles, reviewed against the
//!   Python charm's renderers (canonical/kafka-k8s-operator `src/managers/config.py`);
//! - `tests/config_keys.rs` checks every key of every rendered properties file against the
//!   broker config keys of the pinned Kafka versions, extracted from Kafka's own config
//!   definitions (`testdata/README.md`), and checks the listener/protocol-map consistency
//!   Kafka enforces at start-up.
//!
//! What Kafka stores in ZooKeeper (users, ACLs) is tested against a real ZooKeeper server
//! instead ([`crate::zkstore`]).
//!
//! Differences from the Python charm, all deliberate:
//! - every JVM variable is in the Pebble service environment (upstream wrote most of them
//!   to `/etc/environment`, which Pebble does not read);
//! - options that are not Kafka keys are commented out ([`options`]);
//! - the admin `client.properties` uses the internal listener ([`client`]);
//! - properties values are escaped for `java.util.Properties` ([`properties`]);
//! - the audit logger stays at INFO when `log-level` is WARNING/ERROR ([`log4j`]);
//! - `zookeeper.ssl.*` is written when the ZooKeeper endpoints are TLS, not whenever the
//!   broker has TLS; booleans are written `true`/`false` (Python wrote `True`/`False`).

pub mod client;
pub mod env;
pub mod inputs;
pub mod jaas;
pub mod jmx;
pub mod listeners;
pub mod log4j;
pub mod options;
pub mod paths;
pub mod properties;
pub mod quorum_tool;
mod secret;
pub mod server;
pub mod storage;

pub use client::client_properties;
pub use env::{kafka_layer, service_environment};
pub use inputs::{
    kraft_node_id, BrokerInputs, ClientAccess, ControllerQuorum, Credential, ExternalAccess, Heap, InternalUsers,
    KRaftQuorum, KafkaLine, Metadata, OAuth, Proxy, TlsStores, TokenValidation, Voter, ZooKeeperConnection,
};
pub use jaas::zookeeper_jaas;
pub use jmx::jmx_exporter_config;
pub use listeners::{AuthMap, Listener, Mechanism, Protocol, Scope};
pub use log4j::{broker_logging, tools_logging};
pub use properties::Properties;
pub use secret::Secret;
pub use server::server_properties;
pub use storage::{format_command, FormatCommand, FormatRequest, InitialController, InitialControllers};

use crate::error::Error;

/// Every file of one unit, rendered, keyed by path in the workload container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFiles {
    /// Path → content. Files holding secrets are listed in [`RenderedFiles::secret_paths`].
    pub files: std::collections::BTreeMap<String, String>,
}

impl RenderedFiles {
    /// The files that hold credentials (write them 0600).
    pub fn secret_paths() -> [&'static str; 4] {
        [
            paths::SERVER_PROPERTIES,
            paths::CLIENT_PROPERTIES,
            paths::ZK_JAAS,
            paths::KRAFT_CLIENT_PROPERTIES,
        ]
    }
}

/// Renders every configuration file of the unit: `server.properties`, `client.properties`
/// (`brokers` = advertised hosts of all brokers), the ZooKeeper JAAS file (ZooKeeper mode),
/// logging for the broker and the tools, and the JMX exporter rules.
pub fn render_all(inputs: &BrokerInputs, brokers: &[String]) -> Result<RenderedFiles, Error> {
    let mut files = std::collections::BTreeMap::new();
    files.insert(paths::SERVER_PROPERTIES.to_owned(), server_properties(inputs)?.render());
    if inputs.runs_broker() {
        files.insert(
            paths::CLIENT_PROPERTIES.to_owned(),
            client_properties(inputs, brokers)?.render(),
        );
    }
    if let Metadata::ZooKeeper(zk) = &inputs.metadata {
        files.insert(paths::ZK_JAAS.to_owned(), zookeeper_jaas(zk)?);
    }
    if let Some(kraft_client) = quorum_tool::kraft_client_properties(inputs)? {
        files.insert(paths::KRAFT_CLIENT_PROPERTIES.to_owned(), kraft_client.render());
    }
    let (broker_log, tools_log) = match inputs.kafka {
        KafkaLine::V3_9 => (paths::LOG4J_PROPERTIES, paths::TOOLS_LOG4J_PROPERTIES),
        KafkaLine::V4 => (paths::LOG4J2_YAML, paths::TOOLS_LOG4J2_YAML),
    };
    files.insert(
        broker_log.to_owned(),
        broker_logging(inputs.kafka, &inputs.config.log_level),
    );
    files.insert(tools_log.to_owned(), tools_logging(inputs.kafka));
    files.insert(paths::JMX_EXPORTER_CONFIG.to_owned(), jmx_exporter_config());
    Ok(RenderedFiles { files })
}
