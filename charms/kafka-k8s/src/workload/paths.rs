//! Where the rock keeps things, and the ports the workload listens on.
//!
//! The paths are the charmed-kafka rock's (`/etc/kafka`, `/opt/kafka`, `/var/log/kafka`,
//! `/var/lib/kafka`), as the Python charm's `CharmedKafkaPaths` names them (upstream
//! `src/core/workload.py`), so a unit moved between the two charms finds its files.

/// Configuration directory.
pub const CONF_DIR: &str = "/etc/kafka";
/// Kafka installation (scripts in `bin/`, jars in `libs/`).
pub const BIN_DIR: &str = "/opt/kafka";
/// Log directory (`LOG_DIR`, `kafka.logs.dir`).
pub const LOG_DIR: &str = "/var/log/kafka";
/// Where the `data` storage is mounted.
pub const DATA_DIR: &str = "/var/lib/kafka/data";

/// `server.properties`.
pub const SERVER_PROPERTIES: &str = "/etc/kafka/server.properties";
/// The admin client's configuration (`--command-config`, `get-admin-credentials`).
pub const CLIENT_PROPERTIES: &str = "/etc/kafka/client.properties";
/// JAAS file with the `Client` section Kafka uses to log in to ZooKeeper (ZooKeeper mode).
pub const ZK_JAAS: &str = "/etc/kafka/zookeeper-jaas.cfg";
/// Broker logging configuration, log4j 1.x syntax (Kafka 3.x).
pub const LOG4J_PROPERTIES: &str = "/etc/kafka/log4j.properties";
/// Broker logging configuration, log4j 2 syntax (Kafka 4.x).
pub const LOG4J2_YAML: &str = "/etc/kafka/log4j2.yaml";
/// Logging configuration of the command-line tools the charm runs (Kafka 3.x).
pub const TOOLS_LOG4J_PROPERTIES: &str = "/etc/kafka/tools-log4j.properties";
/// Logging configuration of the command-line tools the charm runs (Kafka 4.x).
pub const TOOLS_LOG4J2_YAML: &str = "/etc/kafka/tools-log4j2.yaml";
/// The client keystore (PKCS12): certificate and key the brokers present to clients.
pub const KEYSTORE: &str = "/etc/kafka/keystore.p12";
/// The client truststore (JKS in the Python charm; PKCS12 works the same for Java).
pub const TRUSTSTORE: &str = "/etc/kafka/truststore.jks";
/// The internal (inter-broker and controller) keystore, KRaft mode with peer TLS.
pub const PEER_KEYSTORE: &str = "/etc/kafka/peer-keystore.p12";
/// The internal truststore, KRaft mode with peer TLS.
pub const PEER_TRUSTSTORE: &str = "/etc/kafka/peer-truststore.jks";
/// The Prometheus JMX exporter agent jar shipped in the rock.
pub const JMX_EXPORTER_AGENT: &str = "/opt/kafka/libs/jmx_prometheus_javaagent.jar";
/// The JMX exporter's rules.
pub const JMX_EXPORTER_CONFIG: &str = "/etc/kafka/jmx_prometheus.yaml";
/// The broker start script.
pub const SERVER_START: &str = "/opt/kafka/bin/kafka-server-start.sh";
/// The storage tool (KRaft `format`).
pub const STORAGE_TOOL: &str = "/opt/kafka/bin/kafka-storage.sh";
/// The metadata quorum tool (KRaft `add-controller` / `remove-controller`).
pub const METADATA_QUORUM_TOOL: &str = "/opt/kafka/bin/kafka-metadata-quorum.sh";
/// What the metadata quorum tool reads on a controller: its `server.properties` plus the
/// admin client's login as the controller user (holds that password: 0600).
pub const KRAFT_CLIENT_PROPERTIES: &str = "/etc/kafka/kraft-client.properties";
/// Kafka's per-log-directory identity file (cluster id, node id, directory id).
pub const META_PROPERTIES: &str = "meta.properties";
/// The authorizer's audit log file (denials at INFO).
pub const AUTHORIZER_LOG: &str = "/var/log/kafka/kafka-authorizer.log";

/// The JMX exporter's HTTP port (scraped by `metrics-endpoint`).
pub const JMX_EXPORTER_PORT: u16 = 9101;
