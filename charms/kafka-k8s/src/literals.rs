//! Names the charm shares with Juju, the rock, the Python charm and its clients: endpoints,
//! the container and service, internal users, secret labels and the keys of the peer bags.
//!
//! Each is a contract with something outside this crate, and a typo only shows up in a real
//! deployment, so they live in one place. File paths and ports of the workload itself are
//! the workload module's (`crate::workload`).

/// The workload container (and the Pebble layer label).
pub const CONTAINER: &str = "kafka";
/// The Pebble service running the broker/controller.
pub const SERVICE: &str = "kafka";
/// The storage holding the log directories.
pub const STORAGE: &str = "data";

/// The peer relation holding cluster state.
pub const PEER: &str = "cluster";
/// The zookeeper requirer endpoint (ZooKeeper mode).
pub const ZOOKEEPER: &str = "zookeeper";
/// The kafka_client provider endpoint.
pub const KAFKA_CLIENT: &str = "kafka-client";
/// The tls-certificates requirer for the brokers' own certificates.
pub const CERTIFICATES: &str = "certificates";
/// certificate_transfer: CAs of mTLS clients.
pub const CLIENT_CAS: &str = "client-cas";
/// tls-certificates used backwards (3.x): the provider's CA is trusted for mTLS clients.
pub const TRUSTED_CA: &str = "trusted-ca";
/// tls-certificates used backwards (3.x): the issued certificate is trusted for mTLS.
pub const TRUSTED_CERTIFICATE: &str = "trusted-certificate";
/// The oauth requirer endpoint.
pub const OAUTH: &str = "oauth";
/// prometheus_scrape provider.
pub const METRICS_ENDPOINT: &str = "metrics-endpoint";
/// grafana_dashboard provider.
pub const GRAFANA_DASHBOARD: &str = "grafana-dashboard";
/// loki_push_api requirer.
pub const LOGGING: &str = "logging";
/// KRaft split deployments: the broker application's side.
pub const PEER_CLUSTER_ORCHESTRATOR: &str = "peer-cluster-orchestrator";
/// KRaft split deployments: the controller application's side.
pub const PEER_CLUSTER: &str = "peer-cluster";

/// The super user the charm's tooling uses.
pub const ADMIN_USER: &str = "admin";
/// The inter-broker user.
pub const SYNC_USER: &str = "sync";
/// The KRaft controller user.
pub const CONTROLLER_USER: &str = "controller";
/// The Cruise Control web UI user (balancer role); not a Kafka user: Cruise Control logs in
/// to Kafka as the admin user, as in the Python charm.
pub const BALANCER_USER: &str = "balancer";
/// The prefix of client users: `relation-<relation id>`.
pub const CLIENT_USER_PREFIX: &str = "relation-";

/// The chroot this application asks ZooKeeper for is `/<app>`; the ACL it asks for.
pub const ZK_CHROOT_ACL: &str = "cdrwa";

/// Label of the application secret with the internal users' passwords (the Python charm's
/// peer secret label, `<peer endpoint>.<app>.app`); keys `<user>-password`.
pub fn internal_secret_label(app: &str) -> String {
    format!("{PEER}.{app}.app")
}
/// Label of the application secret with the client users' passwords; keys `relation-<id>`.
pub fn clients_secret_label(app: &str) -> String {
    format!("{PEER}.{app}.clients")
}
/// Label of this unit's secret with the keystore and truststore passwords (the Python
/// charm's unit peer secret label).
pub fn unit_secret_label(app: &str) -> String {
    format!("{PEER}.{app}.unit")
}

/// Peer app key: the URI of the internal users' secret.
pub const APP_INTERNAL_SECRET: &str = "internal-secret";
/// Peer app key: `true` once the internal users' SCRAM credentials are in the metadata store.
pub const APP_INTERNAL_USERS_STORED: &str = "internal-users-stored";
/// Peer app key: the unit holding the rolling-restart lock (`kafka-k8s/1`).
pub const APP_RESTART_LOCK: &str = "restart-lock";
/// Peer app key: JSON object of client users whose credential exists, relation id to
/// `{"roles": ..., "topic": ...}`, for `super.users` and for clean-up.
pub const APP_CLIENTS: &str = "clients";
/// Peer app key: the KRaft cluster id (combined mode, or received from the broker app).
pub const APP_CLUSTER_UUID: &str = "cluster-uuid";
/// Peer app key: whether the mTLS listener is enabled (`enabled`), as the Python charm's `mtls`.
pub const APP_MTLS: &str = "mtls";

/// Peer unit key: the rolling-restart progress (`requested` | `restarted`).
pub const UNIT_RESTART: &str = "restart";
/// Peer unit key: `started` once the broker ran with its configuration.
pub const UNIT_STATE: &str = "state";
/// Peer unit key: the unit's ingress address (for certificates and network policies).
pub const UNIT_ADDRESS: &str = "address";
/// Peer unit key: the KRaft directory id of this unit's metadata log (the 3.x charm's key).
pub const UNIT_DIRECTORY_ID: &str = "directory-id";
/// Peer unit key (`expose-external=nodeport`): `<node address>:<bootstrap node port>` of the
/// default auth map, from which the leader tells clients the external bootstrap servers.
pub const UNIT_EXTERNAL_BOOTSTRAP: &str = "external-bootstrap";
/// Peer unit key: `true` once this controller is a voter of the dynamic quorum (the 3.x
/// charm's key).
pub const UNIT_ADDED_TO_QUORUM: &str = "added-to-quorum";

/// Peer app key (and peer-cluster app key): `host:port` of the controller the dynamic quorum
/// is bootstrapped from (the Python charms' key).
pub const APP_BOOTSTRAP_CONTROLLER: &str = "bootstrap-controller";
/// Peer app key (and peer-cluster app key): that controller's `node.id`.
pub const APP_BOOTSTRAP_UNIT_ID: &str = "bootstrap-unit-id";
/// Peer app key (and peer-cluster app key): that controller's metadata directory id, drawn by
/// the leader before the controller formats (`--initial-controllers`).
pub const APP_BOOTSTRAP_REPLICA_ID: &str = "bootstrap-replica-id";
/// Peer app key: the voters this application's controllers joined, JSON object of unit number
/// to directory id, so that the leader can still remove a voter whose unit is gone.
pub const APP_KRAFT_VOTERS: &str = "kraft-voters";

/// Unit state: the fingerprint of the configuration the running broker loaded.
pub const STATE_RUNNING_CONFIG: &str = "running-config";
/// Unit state (leader): fingerprints of credentials known to be in the metadata store.
pub const STATE_STORED_CREDENTIALS: &str = "stored-credentials";
/// Unit state: fingerprint of the trust material the running broker loaded.
pub const STATE_TRUST: &str = "trust";
/// Unit state: whether this unit's KRaft storage is formatted.
pub const STATE_FORMATTED: &str = "formatted";
