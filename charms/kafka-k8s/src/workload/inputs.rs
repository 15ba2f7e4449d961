//! Everything the renderers need to know about one unit, as plain typed data.
//!
//! The charm logic gathers these from Juju (config, relations, secrets, peers) and hands
//! them over; the renderers never look anything up themselves, which keeps them pure and
//! lets the golden tests pin every file for every interesting combination. The derived
//! values (which listeners exist, replication factors, `super.users`, …) are computed here,
//! following the Python charm (`src/core/cluster.py`, `src/managers/config.py`), so the
//! charm logic and the renderers agree on them.

use std::collections::{BTreeMap, BTreeSet};

use super::listeners::{AuthMap, Listener, Protocol, Scope};
use super::Secret;
use crate::config::{Config, ExtraListener, Roles};
use crate::error::Error;

/// A SCRAM user and its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The user name (the principal is `User:<username>`).
    pub username: String,
    /// The password.
    pub password: Secret,
}

impl Credential {
    /// A user and password.
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Credential {
        Credential {
            username: username.into(),
            password: password.into(),
        }
    }
}

/// The users the cluster itself needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalUsers {
    /// Inter-broker replication (`sync` on 3.x, `replication` on 4.x).
    pub inter_broker: Credential,
    /// The charm's administrative user (`admin` on 3.x, `operator` on 4.x); a super user.
    pub admin: Credential,
    /// The KRaft controller user (KRaft mode only).
    pub controller: Option<Credential>,
}

/// Where the metadata lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metadata {
    /// A ZooKeeper ensemble (Kafka 3.x).
    ZooKeeper(ZooKeeperConnection),
    /// A KRaft controller quorum.
    KRaft(KRaftQuorum),
}

/// What the `zookeeper` relation provides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZooKeeperConnection {
    /// `host:port` of every server (without chroot), in any order.
    pub endpoints: Vec<String>,
    /// The chroot, e.g. `/kafka-k8s`.
    pub chroot: String,
    /// The relation user (`relation-<id>`), for the JAAS `Client` section.
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// Whether the endpoints are ZooKeeper's TLS port.
    pub tls: bool,
}

impl ZooKeeperConnection {
    /// `zookeeper.connect`: hosts sorted, chroot appended once, to the last host (upstream
    /// `ZooKeeper.connect` in `src/core/models.py`).
    pub fn connect(&self) -> Result<String, Error> {
        if self.endpoints.is_empty() {
            return Err(Error::invalid("zookeeper endpoints", "none given"));
        }
        let chroot = normalise_chroot(&self.chroot)?;
        let mut hosts: Vec<String> = self
            .endpoints
            .iter()
            .map(|e| match e.find('/') {
                Some(i) => e[..i].to_owned(),
                None => e.clone(),
            })
            .collect();
        hosts.sort();
        hosts.dedup();
        Ok(format!("{}{chroot}", hosts.join(",")))
    }
}

fn normalise_chroot(chroot: &str) -> Result<String, Error> {
    let trimmed = chroot.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if !trimmed.starts_with('/') || trimmed.contains("//") || trimmed.contains(char::is_whitespace) {
        return Err(Error::invalid(
            "zookeeper chroot",
            format!("{chroot:?} is not an absolute znode path"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// KRaft identity and quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KRaftQuorum {
    /// `node.id` (see [`kraft_node_id`]).
    pub node_id: u32,
    /// The cluster id `kafka-storage.sh random-uuid` produced (used by `format`).
    pub cluster_id: String,
    /// How the controllers are found.
    pub quorum: ControllerQuorum,
}

/// How a KRaft node finds the controller quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControllerQuorum {
    /// Dynamic quorum (KIP-853, `kraft.version=1`): `controller.quorum.bootstrap.servers`,
    /// `host:port` of one or more controllers. What the Python 4.x charm uses.
    Bootstrap(Vec<String>),
    /// Static quorum: `controller.quorum.voters`.
    Voters(Vec<Voter>),
}

/// One member of a static controller quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    /// Its `node.id`.
    pub id: u32,
    /// Its host.
    pub host: String,
    /// Its controller listener port.
    pub port: u16,
}

/// `node.id` of a unit: the unit number, plus 100 when the unit also runs a broker (the
/// Python charm's `KRAFT_NODE_ID_OFFSET`), so broker and controller ids never collide.
pub fn kraft_node_id(unit_id: u32, roles: Roles) -> u32 {
    if roles.broker {
        unit_id + 100
    } else {
        unit_id
    }
}

/// A keystore/truststore pair and their passwords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsStores {
    /// PKCS12 keystore with the unit's key and certificate chain.
    pub keystore: String,
    /// Keystore password.
    pub keystore_password: Secret,
    /// Truststore with the CAs to trust.
    pub truststore: String,
    /// Truststore password.
    pub truststore_password: Secret,
}

/// How OAUTHBEARER tokens are validated (Strimzi OAuth).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenValidation {
    /// JWT access tokens, checked against the issuer's JWKS.
    Jwks(String),
    /// Opaque tokens, checked with the introspection endpoint.
    Introspection(String),
}

/// The `oauth` relation's provider data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth {
    /// `oauth.valid.issuer.uri`.
    pub issuer_url: String,
    /// How tokens are validated.
    pub validation: TokenValidation,
    /// Whether the issuer's certificate is publicly trusted; otherwise the client
    /// truststore is passed to the validator.
    pub issuer_publicly_trusted: bool,
}

/// Which client listeners the relations call for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientAccess {
    /// At least one `kafka-client` relation exists: SCRAM on the default protocol.
    pub scram: bool,
    /// mTLS clients exist (`trusted-ca`/`trusted-certificate`, `client-cas`): `CLIENT_SSL_SSL`.
    pub mtls: bool,
    /// An `oauth` relation exists: OAUTHBEARER on the default protocol.
    pub oauth: Option<OAuth>,
}

/// Per-broker NodePorts, when the cluster is exposed outside Kubernetes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalAccess {
    /// The node IP advertised.
    pub host: String,
    /// The NodePort of each enabled auth map (a missing one means its Service is not there yet).
    pub node_ports: BTreeMap<AuthMap, u16>,
}

/// Proxy settings passed to the JVM (Juju model config `juju-http(s)-proxy`, `juju-no-proxy`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Proxy {
    /// `JUJU_CHARM_HTTP_PROXY`.
    pub http: Option<String>,
    /// `JUJU_CHARM_HTTPS_PROXY`.
    pub https: Option<String>,
    /// `JUJU_CHARM_NO_PROXY`.
    pub no_proxy: Option<String>,
}

/// The JVM heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heap {
    /// `-Xms` = `-Xmx`, in GiB.
    pub gib: u32,
}

impl Heap {
    /// The Python charm's choice: 1 GiB with `profile=testing`, else 6 GiB
    /// (`JVM_MEM_MIN_GB`/`JVM_MEM_MAX_GB`). Size the pod's memory limit accordingly.
    pub fn for_profile(profile: &str) -> Heap {
        Heap {
            gib: if profile == "testing" { 1 } else { 6 },
        }
    }
}

/// The Kafka line the workload runs, which decides key names and file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaLine {
    /// Kafka 3.9 (ZooKeeper or KRaft, log4j 1.x properties).
    V3_9,
    /// Kafka 4.x (KRaft only, log4j2).
    V4,
}

/// Everything about one unit that the rendered files depend on.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerInputs {
    /// The unit number.
    pub unit_id: u32,
    /// The host advertised to peers and clients: `<app>-<n>.<app>-endpoints`.
    pub advertised_host: String,
    /// The address listeners bind (`0.0.0.0`).
    pub bind_address: String,
    /// What this application runs.
    pub roles: Roles,
    /// The Kafka line in the image.
    pub kafka: KafkaLine,
    /// The full workload version (`3.9.0`), for `inter.broker.protocol.version` (3.x only).
    pub kafka_version: String,
    /// ZooKeeper or KRaft.
    pub metadata: Metadata,
    /// Client listeners called for by relations.
    pub clients: ClientAccess,
    /// Client-facing TLS stores; `None` until the `certificates` relation delivered a certificate.
    pub tls: Option<TlsStores>,
    /// KRaft only: TLS stores for the internal and controller listeners (always-on peer TLS as
    /// in the 4.x charm). `None` keeps those listeners on the client protocol as 3.x does.
    pub peer_tls: Option<TlsStores>,
    /// `extra-listeners`, `{unit}` already substituted.
    pub extra_listeners: Vec<ExtraListener>,
    /// NodePort exposure.
    pub external: Option<ExternalAccess>,
    /// The planned number of units (replication factors follow it).
    pub planned_units: u32,
    /// The operator's config (validated).
    pub config: Config,
    /// Internal users.
    pub users: InternalUsers,
    /// Client users granted `admin` (their `extra-user-roles`); added to `super.users`.
    pub admin_clients: BTreeSet<String>,
    /// Mount points of the `data` storage, one per volume.
    pub data_dirs: Vec<String>,
    /// `broker.rack`, from the operator's `rack.properties`.
    pub rack: Option<String>,
    /// Heap size.
    pub heap: Heap,
    /// Proxy settings for the JVM.
    pub proxy: Proxy,
    /// Whether the image has the JMX exporter agent (enable it only then).
    pub jmx_exporter: bool,
    /// A Cruise Control balancer serves this cluster (this application's `balancer` role or
    /// a peer-cluster application's): brokers then load its metrics reporter.
    pub balancer: bool,
    /// `JAVA_HOME` to set in the service, when the image needs one; `None` leaves the
    /// image's own (both the charmed-kafka rocks put `java` on PATH).
    pub java_home: Option<String>,
}

impl BrokerInputs {
    /// The protocol of client SCRAM/OAuth listeners: TLS once the unit has its certificate.
    pub fn default_auth(&self) -> AuthMap {
        if self.tls.is_some() {
            AuthMap::SASL_SSL_SCRAM
        } else {
            AuthMap::SASL_PLAINTEXT_SCRAM
        }
    }

    /// The inter-broker (and controller) listener's auth: SASL_SSL with peer TLS in KRaft
    /// mode, else the same as clients (inter-broker traffic is plaintext until TLS is related,
    /// as in the 3.x charm).
    pub fn internal_auth(&self) -> AuthMap {
        match (&self.metadata, &self.peer_tls) {
            (Metadata::KRaft(_), Some(_)) => AuthMap::SASL_SSL_SCRAM,
            _ => self.default_auth(),
        }
    }

    /// The client auth maps in use, in the Python charm's order (`ClusterState.enabled_auth`).
    pub fn enabled_auth(&self) -> Vec<AuthMap> {
        let default = self.default_auth();
        let mut out = Vec::new();
        if self.clients.scram {
            out.push(default);
        }
        if self.clients.oauth.is_some() {
            out.push(AuthMap::new(default.protocol, super::listeners::Mechanism::OAuthBearer));
        }
        if self.clients.mtls && self.tls.is_some() {
            out.push(AuthMap::SSL);
        }
        out
    }

    /// Whether this unit runs a broker.
    pub fn runs_broker(&self) -> bool {
        self.roles.broker
    }

    /// Whether this unit runs a KRaft controller.
    pub fn runs_controller(&self) -> bool {
        self.roles.controller && matches!(self.metadata, Metadata::KRaft(_))
    }

    /// The inter-broker listener.
    pub fn internal_listener(&self) -> Listener {
        Listener::new(Scope::Internal, self.internal_auth(), &self.advertised_host)
    }

    /// The controller listener (KRaft).
    pub fn controller_listener(&self) -> Listener {
        Listener::new(Scope::Controller, self.internal_auth(), &self.advertised_host)
    }

    /// The client listeners (one per enabled auth map).
    pub fn client_listeners(&self) -> Vec<Listener> {
        self.enabled_auth()
            .into_iter()
            .map(|auth| Listener::new(Scope::Client, auth, &self.advertised_host))
            .collect()
    }

    /// NodePort listeners for the auth maps whose Service exists.
    pub fn external_listeners(&self) -> Vec<Listener> {
        let Some(external) = &self.external else {
            return Vec::new();
        };
        self.enabled_auth()
            .into_iter()
            .filter_map(|auth| {
                let node_port = *external.node_ports.get(&auth)?;
                let mut listener = Listener::new(Scope::External, auth, &external.host);
                listener.advertised_port = Some(node_port);
                Some(listener)
            })
            .collect()
    }

    /// One listener per `extra-listeners` entry and enabled auth map.
    pub fn extra_listeners(&self) -> Vec<Listener> {
        let mut out = Vec::new();
        for (index, extra) in self.extra_listeners.iter().enumerate() {
            for auth in self.enabled_auth() {
                let scope = Scope::Extra {
                    index: u32::try_from(index).unwrap_or(u32::MAX),
                    base_port: extra.base_port,
                };
                out.push(Listener::new(scope, auth, &extra.host));
            }
        }
        out
    }

    /// Every listener this unit binds, in the order `listeners` lists them: internal,
    /// client, external, extra, then the controller's when it runs one.
    pub fn listeners(&self) -> Vec<Listener> {
        let mut out = Vec::new();
        if self.runs_broker() {
            out.push(self.internal_listener());
            out.extend(self.client_listeners());
            out.extend(self.external_listeners());
            out.extend(self.extra_listeners());
        }
        if self.runs_controller() {
            out.push(self.controller_listener());
        }
        out
    }

    /// Replication factor for new and internal topics: `min(3, units)`.
    pub fn replication_factor(&self) -> u32 {
        self.planned_units.clamp(1, 3)
    }

    /// `min.insync.replicas`: `max(1, RF - 1)`.
    pub fn min_insync_replicas(&self) -> u32 {
        self.replication_factor().saturating_sub(1).max(1)
    }

    /// `super.users`: the internal users (plus the controller user in KRaft mode) and the
    /// admin clients, as `User:<name>`, sorted, `;`-separated.
    pub fn super_users(&self) -> String {
        let mut users: BTreeSet<String> = BTreeSet::new();
        users.insert(self.users.admin.username.clone());
        users.insert(self.users.inter_broker.username.clone());
        if let (Metadata::KRaft(_), Some(controller)) = (&self.metadata, &self.users.controller) {
            users.insert(controller.username.clone());
        }
        users.extend(self.admin_clients.iter().cloned());
        users.iter().map(|u| format!("User:{u}")).collect::<Vec<_>>().join(";")
    }

    /// `log.dirs`: the data mounts in ZooKeeper mode; `<mount>/log` in KRaft mode, keeping
    /// the metadata log in its own directory as the 4.x charm does.
    pub fn log_dirs(&self) -> Result<Vec<String>, Error> {
        if self.data_dirs.is_empty() {
            return Err(Error::invalid("data_dirs", "no data storage mounted"));
        }
        Ok(self
            .data_dirs
            .iter()
            .map(|d| {
                let d = d.trim_end_matches('/');
                match self.metadata {
                    Metadata::ZooKeeper(_) => d.to_owned(),
                    Metadata::KRaft(_) => format!("{d}/log"),
                }
            })
            .collect())
    }

    /// `metadata.log.dir` (KRaft): `<first mount>/metadata`.
    pub fn metadata_log_dir(&self) -> Result<String, Error> {
        let first = self
            .data_dirs
            .first()
            .ok_or_else(|| Error::invalid("data_dirs", "no data storage mounted"))?;
        Ok(format!("{}/metadata", first.trim_end_matches('/')))
    }

    /// Checks what would otherwise produce a broker that cannot start: TLS listeners
    /// without stores, KRaft without a controller user, unusable secrets.
    pub fn check(&self) -> Result<(), Error> {
        for (what, secret) in [
            ("inter-broker user password", &self.users.inter_broker.password),
            ("admin user password", &self.users.admin.password),
        ] {
            secret.check_quotable(what)?;
        }
        check_username(&self.users.inter_broker.username)?;
        check_username(&self.users.admin.username)?;
        for user in &self.admin_clients {
            check_username(user)?;
        }
        for (what, stores) in [("client TLS", &self.tls), ("peer TLS", &self.peer_tls)] {
            if let Some(stores) = stores {
                stores
                    .keystore_password
                    .check_quotable(&format!("{what} keystore password"))?;
                stores
                    .truststore_password
                    .check_quotable(&format!("{what} truststore password"))?;
            }
        }
        match &self.metadata {
            Metadata::ZooKeeper(zk) => {
                if self.kafka == KafkaLine::V4 {
                    return Err(Error::invalid("metadata", "Kafka 4 has no ZooKeeper mode"));
                }
                if self.roles.controller {
                    return Err(Error::invalid("roles", "the controller role needs KRaft"));
                }
                zk.password.check_quotable("ZooKeeper password")?;
                zk.connect()?;
                if zk.tls && self.tls.is_none() {
                    return Err(Error::invalid(
                        "zookeeper tls",
                        "ZooKeeper speaks TLS but the broker has no truststore yet",
                    ));
                }
            }
            Metadata::KRaft(kraft) => {
                let controller = self
                    .users
                    .controller
                    .as_ref()
                    .ok_or_else(|| Error::invalid("users.controller", "KRaft needs the controller user"))?;
                controller.password.check_quotable("controller user password")?;
                check_username(&controller.username)?;
                match &kraft.quorum {
                    ControllerQuorum::Bootstrap(servers) if servers.is_empty() => {
                        return Err(Error::invalid("controller quorum", "no bootstrap controller"))
                    }
                    ControllerQuorum::Voters(voters) if voters.is_empty() => {
                        return Err(Error::invalid("controller quorum", "no voters"))
                    }
                    ControllerQuorum::Voters(voters)
                        if self.runs_controller() && !voters.iter().any(|v| v.id == kraft.node_id) =>
                    {
                        return Err(Error::invalid(
                            "controller quorum",
                            format!("node.id {} of this controller is not a voter", kraft.node_id),
                        ))
                    }
                    _ => {}
                }
            }
        }
        if !self.roles.broker && !self.roles.controller {
            return Err(Error::invalid("roles", "neither broker nor controller"));
        }
        if self.enabled_auth().iter().any(|a| a.protocol == Protocol::SaslSsl) && self.tls.is_none() {
            return Err(Error::invalid("tls", "SASL_SSL listeners need the client TLS stores"));
        }
        Ok(())
    }
}

/// User names go into JAAS, `super.users` and the storage tool's `--add-scram` unescaped.
pub fn check_username(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "user name",
            format!("{name:?} must be [A-Za-z0-9._@-]+"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zk(endpoints: &[&str], chroot: &str) -> ZooKeeperConnection {
        ZooKeeperConnection {
            endpoints: endpoints.iter().map(|e| (*e).to_owned()).collect(),
            chroot: chroot.into(),
            username: "relation-3".into(),
            password: Secret::new("pw"),
            tls: false,
        }
    }

    #[test]
    fn zookeeper_connect_appends_chroot_to_last_sorted_host_only() {
        let c = zk(
            &[
                "zk-2.zk-endpoints:2181",
                "zk-0.zk-endpoints:2181/kafka-k8s",
                "zk-1.zk-endpoints:2181",
            ],
            "/kafka-k8s/",
        );
        assert_eq!(
            c.connect().unwrap(),
            "zk-0.zk-endpoints:2181,zk-1.zk-endpoints:2181,zk-2.zk-endpoints:2181/kafka-k8s"
        );
        assert!(zk(&[], "/k").connect().is_err());
        assert!(zk(&["h:1"], "k").connect().is_err());
        assert_eq!(zk(&["h:1"], "").connect().unwrap(), "h:1");
    }

    #[test]
    fn node_ids_offset_brokers() {
        let both = Roles {
            broker: true,
            controller: true,
            balancer: false,
        };
        let ctl = Roles {
            broker: false,
            controller: true,
            balancer: false,
        };
        assert_eq!(kraft_node_id(2, both), 102);
        assert_eq!(kraft_node_id(2, ctl), 2);
    }

    #[test]
    fn user_names_are_restricted() {
        assert!(check_username("relation-12").is_ok());
        assert!(check_username("a,b").is_err());
        assert!(check_username("a\"b").is_err());
        assert!(check_username("").is_err());
    }
}
