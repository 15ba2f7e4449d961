//! Cruise Control's files and Pebble layer, as pure functions of [`BalancerInputs`].
//!
//! Content follows the Python charm's `BalancerConfigManager` (3.x `src/managers/config.py`)
//! with these deliberate differences:
//! - no ZooKeeper: `topic.config.provider.class=KafkaAdminTopicConfigProvider` and
//!   `kafka.broker.failure.detection.enable=true` (what the 4.x charm writes) in both
//!   metadata modes, so Cruise Control only needs the Kafka admin user, never ZooKeeper's
//!   credentials or a JAAS file;
//! - the `cruisecontrol-balance-threshold` / `cruisecontrol-capacity-threshold` options are
//!   written (the Python charm computed them but never wrote them);
//! - keys that are not Cruise Control's are left out: upstream wrote
//!   `default.api.timeout.ms` and, in the testing profile, the broker-side
//!   `cruise.control.metrics.reporter.metrics.reporting.interval.ms`, which Cruise Control
//!   ignores (`tests/cruise_control_keys.rs` checks every key against Cruise Control's own
//!   config definitions);
//! - `hard.goals` are the default goals whose name is exactly one of the hard goals (the
//!   Python charm matched substrings, making `LeaderReplicaDistribution` and
//!   `TopicReplicaDistribution` hard too);
//! - the web server binds loopback explicitly (Cruise Control's default): only the action on
//!   the same unit talks to it.

use charm_sdk::model::pebble::{Layer, Service};
use serde_json::json;

use super::capacity::BrokerCapacity;
use crate::error::Error;
use crate::workload::env::WORKLOAD_USER;
use crate::workload::listeners::AuthMap;
use crate::workload::paths::JMX_EXPORTER_AGENT as JMX_EXPORTER_AGENT_PATH;
use crate::workload::properties::Properties;
use crate::workload::server::SCRAM_LOGIN_MODULE;
use crate::workload::{Credential, RenderedFiles};

/// Cruise Control's installation in the rock.
pub const CC_BIN_DIR: &str = "/opt/cruise-control";
/// Its start script (argument: the properties file).
pub const CC_START: &str = "/opt/cruise-control/bin/kafka-cruise-control-start.sh";
/// Its configuration directory.
pub const CC_CONF_DIR: &str = "/etc/cruise-control";
/// `cruisecontrol.properties`.
pub const CC_PROPERTIES: &str = "/etc/cruise-control/cruisecontrol.properties";
/// The JBOD capacity file (`capacity.config.file`).
pub const CC_CAPACITY: &str = "/etc/cruise-control/capacityJBOD.json";
/// The web UI's users (`webserver.auth.credentials.file`).
pub const CC_CREDENTIALS: &str = "/etc/cruise-control/cruisecontrol.credentials";
/// The JMX exporter rules for Cruise Control, shipped by the rock.
pub const CC_JMX_CONFIG: &str = "/etc/cruise-control/jmx_cruise_control.yaml";
/// Cruise Control's log directory.
pub const CC_LOG_DIR: &str = "/var/log/cruise-control";
/// The Pebble service.
pub const CC_SERVICE: &str = "cruise-control";
/// The Pebble layer label of the service.
pub const CC_LAYER: &str = "cruise-control";
/// The web server's port (Cruise Control's default, the Python charm's `BALANCER_WEBSERVER_PORT`).
pub const CC_WEBSERVER_PORT: u16 = 9090;
/// The JMX exporter port of Cruise Control (the Python charm's `JMX_CC_PORT`).
pub const CC_JMX_EXPORTER_PORT: u16 = 9102;

/// Goals every profile may use, in the Python charm's order (`DEFAULT_BALANCER_GOALS`).
pub const DEFAULT_GOALS: [&str; 15] = [
    "ReplicaCapacity",
    "DiskCapacity",
    "NetworkInboundCapacity",
    "NetworkOutboundCapacity",
    "CpuCapacity",
    "ReplicaDistribution",
    "PotentialNwOut",
    "DiskUsageDistribution",
    "NetworkInboundUsageDistribution",
    "NetworkOutboundUsageDistribution",
    "CpuUsageDistribution",
    "LeaderReplicaDistribution",
    "LeaderBytesInDistribution",
    "TopicReplicaDistribution",
    "PreferredLeaderElection",
];
/// Goals a proposal must satisfy (`HARD_BALANCER_GOALS`).
pub const HARD_GOALS: [&str; 6] = [
    "ReplicaCapacity",
    "DiskCapacity",
    "NetworkInboundCapacity",
    "NetworkOutboundCapacity",
    "CpuCapacity",
    "ReplicaDistribution",
];
/// The testing profile's only goal (`BALANCER_GOALS_TESTING`).
pub const TESTING_GOALS: [&str; 1] = ["ReplicaDistribution"];
const GOAL_PACKAGE: &str = "com.linkedin.kafka.cruisecontrol.analyzer.goals";

/// Everything Cruise Control's files depend on.
#[derive(Debug, Clone, PartialEq)]
pub struct BalancerInputs {
    /// `host:port` of the brokers' internal listener.
    pub bootstrap_servers: Vec<String>,
    /// The Kafka user Cruise Control logs in as (the brokers' admin user).
    pub admin: Credential,
    /// The listener's protocol and SASL mechanism.
    pub auth: AuthMap,
    /// Truststore location and password, when the listener speaks TLS.
    pub truststore: Option<(String, crate::workload::Secret)>,
    /// The web UI user (`balancer`).
    pub webserver_user: Credential,
    /// Every broker's capacity, by broker id.
    pub capacities: Vec<BrokerCapacity>,
    /// `network-bandwidth` (KB/s).
    pub network_bandwidth_kb: i64,
    /// `cruisecontrol-balance-threshold`.
    pub balance_threshold: f64,
    /// `cruisecontrol-capacity-threshold`.
    pub capacity_threshold: f64,
    /// `profile=testing`: short metric windows and one goal.
    pub testing: bool,
    /// How many distinct racks the brokers are in (0: unknown).
    pub racks: usize,
    /// Whether the image has the JMX exporter agent.
    pub jmx_exporter: bool,
    /// `JAVA_HOME` for the service, when the image needs one.
    pub java_home: Option<String>,
}

/// The goals of a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goals {
    /// Short names (`ReplicaCapacity`), in order.
    pub default: Vec<String>,
    /// The hard ones among them.
    pub hard: Vec<String>,
}

impl Goals {
    /// The Python charm's choice: the default list (one goal with `profile=testing`), plus
    /// `RackAware` when the brokers are in racks (`RackAwareDistribution` when there are
    /// fewer racks than the replication factor `min(3, brokers)`).
    pub fn for_inputs(inputs: &BalancerInputs) -> Goals {
        let mut default: Vec<String> = if inputs.testing {
            TESTING_GOALS.iter().map(|g| (*g).to_owned()).collect()
        } else {
            DEFAULT_GOALS.iter().map(|g| (*g).to_owned()).collect()
        };
        if inputs.racks > 0 {
            let rf = inputs.capacities.len().min(3);
            default.push(
                if rf > inputs.racks {
                    "RackAwareDistribution"
                } else {
                    "RackAware"
                }
                .to_owned(),
            );
        }
        let hard = default
            .iter()
            .filter(|g| HARD_GOALS.contains(&g.as_str()))
            .cloned()
            .collect();
        Goals { default, hard }
    }

    fn classes(goals: &[String]) -> String {
        goals
            .iter()
            .map(|g| format!("{GOAL_PACKAGE}.{g}Goal"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `cruisecontrol.properties`.
pub fn cruise_control_properties(inputs: &BalancerInputs) -> Result<Properties, Error> {
    inputs.admin.password.check_quotable("admin user password")?;
    crate::workload::inputs::check_username(&inputs.admin.username)?;
    if inputs.bootstrap_servers.is_empty() {
        return Err(Error::invalid("bootstrap servers", "no broker to bootstrap from"));
    }
    let mut props = Properties::new();
    props
        .set("bootstrap.servers", inputs.bootstrap_servers.join(","))
        .set(
            "sasl.jaas.config",
            format!(
                "{SCRAM_LOGIN_MODULE} required username=\"{}\" password=\"{}\";",
                inputs.admin.username,
                inputs.admin.password.expose()
            ),
        )
        .set("sasl.mechanism", inputs.auth.mechanism.as_str())
        .set("security.protocol", inputs.auth.protocol.as_str());
    if inputs.auth.protocol.is_tls() {
        let (location, password) = inputs
            .truststore
            .as_ref()
            .ok_or_else(|| Error::invalid("balancer tls", "a TLS listener needs the truststore"))?;
        props
            .set("ssl.truststore.location", location)
            .set("ssl.truststore.password", password.expose());
    }
    props
        .set("capacity.config.file", CC_CAPACITY)
        .set("webserver.http.address", "127.0.0.1")
        .set("webserver.http.port", CC_WEBSERVER_PORT.to_string())
        .set("webserver.security.enable", "true")
        .set("webserver.auth.credentials.file", CC_CREDENTIALS)
        .set("metric.reporter.topic", "__CruiseControlMetrics")
        .set(
            "sample.store.class",
            "com.linkedin.kafka.cruisecontrol.monitor.sampling.KafkaSampleStore",
        )
        .set(
            "topic.config.provider.class",
            "com.linkedin.kafka.cruisecontrol.config.KafkaAdminTopicConfigProvider",
        )
        .set("kafka.broker.failure.detection.enable", "true")
        .set(
            "partition.metric.sample.store.topic",
            "__KafkaCruiseControlPartitionMetricSamples",
        )
        .set(
            "broker.metric.sample.store.topic",
            "__KafkaCruiseControlModelTrainingSamples",
        )
        .set("max.active.user.tasks", "10")
        .set("request.timeout.ms", if inputs.testing { "5000" } else { "10000" });
    let goals = Goals::for_inputs(inputs);
    let default = Goals::classes(&goals.default);
    props
        .set("default.goals", &default)
        .set("goals", &default)
        .set("hard.goals", Goals::classes(&goals.hard));
    let balance = format_threshold(inputs.balance_threshold);
    for key in [
        "cpu.balance.threshold",
        "disk.balance.threshold",
        "network.inbound.balance.threshold",
        "network.outbound.balance.threshold",
        "replica.count.balance.threshold",
        "leader.replica.count.balance.threshold",
    ] {
        props.set(key, &balance);
    }
    let capacity = format_threshold(inputs.capacity_threshold);
    for key in [
        "disk.capacity.threshold",
        "cpu.capacity.threshold",
        "network.inbound.capacity.threshold",
        "network.outbound.capacity.threshold",
    ] {
        props.set(key, &capacity);
    }
    if inputs.testing {
        // The Python charm's testing profile: windows divided by ten.
        props
            .set("broker.metrics.window.ms", "30000")
            .set("partition.metrics.window.ms", "30000")
            .set("metadata.max.age.ms", "10000")
            .set("metric.sampling.interval.ms", "12000")
            .set("min.samples.per.broker.metrics.window", "1")
            .set("min.samples.per.partition.metrics.window", "1")
            .set("num.partition.metrics.windows", "3")
            .set("num.broker.metrics.windows", "10");
    }
    Ok(props)
}

/// A float as Java's `Double.parseDouble` reads it (`1.1`, `0.8`, `1.0`).
fn format_threshold(value: f64) -> String {
    let text = value.to_string();
    if text.contains(['.', 'e', 'E']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// `capacityJBOD.json`: one entry per broker, sorted by id (`DISK` per log directory in MB,
/// `CPU` cores, `NW_IN`/`NW_OUT` in KB/s), as `BrokerCapacityConfigFileResolver` reads it.
pub fn capacity_json(inputs: &BalancerInputs) -> Result<String, Error> {
    if inputs.capacities.is_empty() {
        return Err(Error::invalid("broker capacities", "no broker reported its capacity"));
    }
    let mut brokers = inputs.capacities.clone();
    brokers.sort_by_key(|b| b.broker_id);
    let bandwidth = inputs.network_bandwidth_kb.to_string();
    let entries: Vec<serde_json::Value> = brokers
        .iter()
        .map(|b| {
            let disk: serde_json::Map<String, serde_json::Value> = b
                .capacity
                .disks_mb
                .iter()
                .map(|(dir, mb)| (dir.clone(), json!(mb.to_string())))
                .collect();
            json!({
                "brokerId": b.broker_id.to_string(),
                "capacity": {
                    "DISK": disk,
                    "CPU": {"num.cores": b.capacity.cores.to_string()},
                    "NW_IN": bandwidth,
                    "NW_OUT": bandwidth,
                },
                "doc": format!("broker {} as it measured itself", b.broker_id),
            })
        })
        .collect();
    let text = serde_json::to_string_pretty(&json!({ "brokerCapacities": entries }))
        .map_err(|e| Error::invalid("broker capacities", e.to_string()))?;
    Ok(format!("{text}\n"))
}

/// `cruisecontrol.credentials` (Jetty `HashLoginService` format): `<user>: <password>,ADMIN`.
pub fn credentials_file(user: &Credential) -> Result<String, Error> {
    crate::workload::inputs::check_username(&user.username)?;
    let password = user.password.expose();
    if password.is_empty() || password.contains([',', ':', '\n', '\r']) || password.trim() != password {
        return Err(Error::BadSecret {
            what: "balancer web UI password".to_owned(),
            why: "it must be non-empty, without ',' ':' or surrounding spaces".to_owned(),
        });
    }
    Ok(format!("{}: {password},ADMIN\n", user.username))
}

/// Every Cruise Control file, keyed by path (all three hold or reveal credentials: 0600).
pub fn render_balancer(inputs: &BalancerInputs) -> Result<RenderedFiles, Error> {
    let mut files = std::collections::BTreeMap::new();
    files.insert(CC_PROPERTIES.to_owned(), cruise_control_properties(inputs)?.render());
    files.insert(CC_CAPACITY.to_owned(), capacity_json(inputs)?);
    files.insert(CC_CREDENTIALS.to_owned(), credentials_file(&inputs.webserver_user)?);
    Ok(RenderedFiles { files })
}

/// The Pebble layer running Cruise Control: the rock's start script with the properties
/// file, as the workload user, logging to `/var/log/cruise-control`, with the JMX exporter
/// on 9102 when the image has it (the script reads `KAFKA_JMX_OPTS`, which the snap's
/// wrapper fills from `CC_JMX_OPTS`).
pub fn balancer_layer(inputs: &BalancerInputs) -> Layer {
    // Not `startup: enabled`: the broker's replans must not start it on units that do not
    // run it (leadership moved); the charm starts it explicitly.
    let mut service = Service::replace(format!("{CC_START} {CC_PROPERTIES}"));
    if inputs.jmx_exporter {
        service = service.env(
            "KAFKA_JMX_OPTS",
            format!(
                "-Dcom.sun.management.jmxremote -javaagent:{JMX_EXPORTER_AGENT_PATH}={CC_JMX_EXPORTER_PORT}:{CC_JMX_CONFIG}"
            ),
        );
    }
    service = service.env("LOG_DIR", CC_LOG_DIR);
    if let Some(java_home) = &inputs.java_home {
        service = service.env("JAVA_HOME", java_home.clone());
    }
    service.summary = Some("Cruise Control".to_owned());
    service.user = Some(WORKLOAD_USER.to_owned());
    service.group = Some(WORKLOAD_USER.to_owned());
    Layer {
        summary: Some("cruise-control layer".to_owned()),
        ..Layer::default()
    }
    .with_service(CC_SERVICE, service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_read_as_java_doubles() {
        assert_eq!(format_threshold(1.1), "1.1");
        assert_eq!(format_threshold(1.0), "1.0");
        assert_eq!(format_threshold(0.8), "0.8");
    }

    fn inputs(brokers: u32, racks: usize, testing: bool) -> BalancerInputs {
        BalancerInputs {
            bootstrap_servers: vec!["b:19092".into()],
            admin: Credential::new("admin", "pw"),
            auth: AuthMap::SASL_PLAINTEXT_SCRAM,
            truststore: None,
            webserver_user: Credential::new("balancer", "pw"),
            capacities: (0..brokers)
                .map(|n| BrokerCapacity {
                    broker_id: n,
                    capacity: super::super::UnitCapacity {
                        cores: 1,
                        disks_mb: [("/d".to_owned(), 1)].into(),
                        rack: None,
                    },
                })
                .collect(),
            network_bandwidth_kb: 1,
            balance_threshold: 1.1,
            capacity_threshold: 0.8,
            testing,
            racks,
            jmx_exporter: false,
            java_home: None,
        }
    }

    #[test]
    fn rack_goals_follow_the_replication_factor_and_hard_goals_match_exactly() {
        let plain = Goals::for_inputs(&inputs(3, 0, false));
        assert_eq!(plain.default.len(), 15);
        assert_eq!(plain.hard, HARD_GOALS.map(str::to_owned));
        assert!(!plain.hard.contains(&"LeaderReplicaDistribution".to_owned()));
        // Three brokers (replication factor 3) in two racks: the distribution variant.
        assert_eq!(
            Goals::for_inputs(&inputs(3, 2, false)).default.last().unwrap(),
            "RackAwareDistribution"
        );
        assert_eq!(
            Goals::for_inputs(&inputs(3, 3, false)).default.last().unwrap(),
            "RackAware"
        );
        assert_eq!(
            Goals::for_inputs(&inputs(1, 1, false)).default.last().unwrap(),
            "RackAware"
        );
        let testing = Goals::for_inputs(&inputs(3, 0, true));
        assert_eq!((testing.default.len(), testing.hard.len()), (1, 1));
    }

    #[test]
    fn tls_needs_the_truststore() {
        let mut tls = inputs(1, 0, false);
        tls.auth = AuthMap::SASL_SSL_SCRAM;
        assert!(cruise_control_properties(&tls).is_err());
        tls.truststore = Some(("/etc/kafka/truststore.jks".into(), crate::workload::Secret::new("tpw")));
        let text = cruise_control_properties(&tls).unwrap().render();
        assert!(
            text.contains("ssl.truststore.location=/etc/kafka/truststore.jks\n"),
            "{text}"
        );
    }

    #[test]
    fn credentials_refuse_separators() {
        let ok = Credential::new("balancer", "abcDEF123");
        assert_eq!(credentials_file(&ok).unwrap(), "balancer: abcDEF123,ADMIN\n");
        assert!(credentials_file(&Credential::new("balancer", "a,b")).is_err());
        assert!(credentials_file(&Credential::new("balancer", "")).is_err());
    }
}
