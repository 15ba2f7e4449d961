//! Names the charm shares with the rock, the Python charm and its clients: endpoints, ports,
//! paths, users and the keys of the peer databags.
//!
//! They live in one place because each is a contract with something outside this crate (the
//! rock's layout, the Python charm's peer data, Kafka's expectations), and a typo in any of
//! them only shows up in a real deployment.

/// The workload container (and its Pebble service and layer label).
pub const CONTAINER: &str = "zookeeper";
/// The Pebble service running the server.
pub const SERVICE: &str = "zookeeper";
/// The peer endpoint holding cluster state.
pub const PEER: &str = "cluster";
/// The provided endpoint for client applications.
pub const CLIENT_ENDPOINT: &str = "zookeeper";
/// The tls-certificates requirer endpoint.
pub const CERTIFICATES: &str = "certificates";
/// The prometheus_scrape endpoint.
pub const METRICS_ENDPOINT: &str = "metrics-endpoint";
/// The grafana_dashboard endpoint.
pub const GRAFANA_ENDPOINT: &str = "grafana-dashboard";
/// The loki_push_api endpoint.
pub const LOGGING_ENDPOINT: &str = "logging";

/// Plain client port (also used for administration and four-letter words, ZOOKEEPER-3577).
pub const CLIENT_PORT: u16 = 2181;
/// TLS client port.
pub const SECURE_CLIENT_PORT: u16 = 2182;
/// Quorum (follower to leader) port.
pub const SERVER_PORT: u16 = 2888;
/// Leader election port.
pub const ELECTION_PORT: u16 = 3888;
/// The embedded admin server (bound to localhost, or to the unit address on loopback models).
pub const ADMIN_SERVER_PORT: u16 = 8080;
/// ZooKeeper's own Prometheus metrics provider.
pub const METRICS_PROVIDER_PORT: u16 = 7000;
/// The JMX Prometheus exporter java agent, when the image ships it.
pub const JMX_PORT: u16 = 9998;

/// The workload user and group of the charmed-zookeeper rock (uid/gid 1000).
pub const WORKLOAD_USER: &str = "zookeeper";
/// See [`WORKLOAD_USER`].
pub const WORKLOAD_GROUP: &str = "zookeeper";

/// Configuration directory (`ZOOCFGDIR`).
pub const CONF_DIR: &str = "/etc/zookeeper";
/// Persistent storage mount.
pub const DATA_PATH: &str = "/var/lib/zookeeper";
/// Snapshots and `myid`.
pub const DATA_DIR: &str = "/var/lib/zookeeper/data";
/// Transaction logs.
pub const DATA_LOG_DIR: &str = "/var/lib/zookeeper/data-log";
/// Log directory (`ZOO_LOG_DIR`).
pub const LOG_DIR: &str = "/var/log/zookeeper";
/// Installation directory of the rock.
pub const BIN_DIR: &str = "/opt/zookeeper";
/// `zoo.cfg`.
pub const ZOO_CFG: &str = "/etc/zookeeper/zoo.cfg";
/// The dynamic configuration file the charm seeds before the first start.
pub const DYNAMIC_CFG: &str = "/etc/zookeeper/zookeeper-dynamic.properties";
/// Server JAAS configuration.
pub const JAAS: &str = "/etc/zookeeper/zookeeper-jaas.cfg";
/// Client JAAS configuration (for `zkCli.sh` as super).
pub const CLIENT_JAAS: &str = "/etc/zookeeper/client-jaas.cfg";
/// Logback configuration written by the charm.
pub const LOGBACK: &str = "/etc/zookeeper/logback.xml";
/// JMX exporter rules written by the charm.
pub const JMX_CONFIG: &str = "/etc/zookeeper/jmx_prometheus.yaml";
/// The JMX exporter agent inside the rock.
pub const JMX_AGENT: &str = "/opt/zookeeper/lib/jmx_prometheus_javaagent.jar";
/// `myid`.
pub const MYID: &str = "/var/lib/zookeeper/data/myid";
/// PKCS#12 keystore: our key and certificate chain.
pub const KEYSTORE: &str = "/etc/zookeeper/keystore.p12";
/// PKCS#12 truststore: the CAs we trust.
pub const TRUSTSTORE: &str = "/etc/zookeeper/truststore.p12";

/// Internal users.
pub const SUPER_USER: &str = "super";
/// See [`SUPER_USER`].
pub const SYNC_USER: &str = "sync";
/// The other quorum user name, used on alternate `sync` password rotations.
pub const SYNC_ALT_USER: &str = "sync-alt";

// ---- peer application bag ----------------------------------------------------------------

/// Where the leader publishes the URI of the credentials secret (the Python charm's field).
pub const APP_SECRET_URI: &str = "internal_secret";
/// Incremented by the leader when the credentials change, so other units wake up
/// (owners get no `secret-changed`).
pub const APP_CREDENTIALS_VERSION: &str = "credentials-version";
/// `enabled` while the ensemble is (moving to) TLS.
pub const APP_TLS: &str = "tls";
/// The quorum encryption the ensemble moves to: `ssl` or `non-ssl`.
pub const APP_QUORUM: &str = "quorum";
/// Set while the three-step encryption switch runs.
pub const APP_SWITCHING: &str = "switching-encryption";
/// The unit holding the rolling-restart lock.
pub const APP_RESTART_LOCK: &str = "restart-lock";
/// The user quorum members log in as: `sync`, or `sync-alt` after an odd number of `sync`
/// password rotations (rotation alternates the name, see `credentials`).
pub const APP_SYNC_USER: &str = "sync-user";
/// `accept` or `switch` while a `sync` password rotation runs.
pub const APP_SYNC_ROTATION: &str = "sync-rotation";
/// Prefix of the per-client ACL markers (`chroot-<relation id>` = `<chroot>:<perms>`).
pub const APP_CHROOT_PREFIX: &str = "chroot-";

// ---- peer unit bags -----------------------------------------------------------------------

/// `started` once the unit's server has been started.
pub const UNIT_STATE: &str = "state";
/// The `credentials-version` the running server's JAAS file was rendered from.
pub const UNIT_CREDENTIALS_VERSION: &str = "credentials-version";
/// `requested` (wants the lock) or `restarted` (waiting to be healthy again).
pub const UNIT_RESTART: &str = "restart";
/// Client users in the JAAS file the running server loaded, comma separated.
pub const UNIT_JAAS_USERS: &str = "jaas-users";
/// Quorum encryption of the running server: `ssl` or `non-ssl`.
pub const UNIT_QUORUM: &str = "quorum";
/// `true` while the running server has `portUnification=true`.
pub const UNIT_UNIFIED: &str = "unified";
/// `true` once the unit's keystore and truststore are written.
pub const UNIT_TLS_READY: &str = "tls-ready";
/// JSON list of the CA certificates (PEM) this unit asks its peers to trust.
pub const UNIT_TLS_CAS: &str = "tls-ca";
/// Fingerprints of the CAs in this unit's truststore, comma separated.
pub const UNIT_TLS_TRUSTED: &str = "tls-trusted";
/// Fingerprint of the CA that issued the certificate in this unit's keystore.
pub const UNIT_TLS_PRESENTED: &str = "tls-presented";

// ---- unit state (state-get/state-set) ------------------------------------------------------

/// Fingerprint of the configuration the running server was started with.
pub const STATE_RUNNING_CONFIG: &str = "running-config";

/// The Juju unit address key every unit bag has.
pub const INGRESS_ADDRESS: &str = "ingress-address";
