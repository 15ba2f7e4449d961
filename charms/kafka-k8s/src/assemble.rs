//! Gathers [`BrokerInputs`] from what the run read: config, peers, relations, secrets and the
//! container. The renderers are pure; everything they depend on is collected here, in one
//! place, so a difference between two units' files can be traced to one input.

use std::collections::BTreeSet;

use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use crate::config::{Config, Roles};
use crate::literals::STORAGE;
use crate::peers::{internal_address, Cluster};
use crate::workload::paths::{CONF_DIR, DATA_DIR};
use crate::workload::{BrokerInputs, ClientAccess, Heap, InternalUsers, KafkaLine, Metadata, OAuth, Proxy, TlsStores};

/// The Kafka line of the charmed-kafka rock this charm pins (3.x track).
pub const KAFKA_LINE: KafkaLine = KafkaLine::V3_9;
/// Its version.
pub const KAFKA_VERSION: &str = "3.9.0";
/// `JAVA_HOME` for the service: none, the image's own applies. Canonical's rock ships Java
/// 18 and ours Java 17; both put `java` on PATH, which Kafka's scripts use when it is unset.
pub const JAVA_HOME: Option<&str> = None;
/// The operator's rack file (`broker.rack=<rack>`), dropped into the container by hand.
pub const RACK_PROPERTIES: &str = "/etc/kafka/rack.properties";

/// Everything read this run that the inputs depend on.
#[derive(Debug)]
pub struct Gathered<'a> {
    /// The validated config.
    pub config: &'a Config,
    /// The roles.
    pub roles: Roles,
    /// The peer relation.
    pub cluster: &'a Cluster,
    /// ZooKeeper or KRaft.
    pub metadata: Metadata,
    /// The users.
    pub users: InternalUsers,
    /// Whether clients are related.
    pub scram_clients: bool,
    /// Whether mTLS client CAs exist.
    pub mtls: bool,
    /// The OAuth listener, if any.
    pub oauth: Option<OAuth>,
    /// The TLS stores, once the certificate is there.
    pub tls: Option<TlsStores>,
    /// Client users with the admin role.
    pub admin_clients: BTreeSet<String>,
    /// How many units the application should have.
    pub planned_units: u32,
    /// The data storage mounts.
    pub data_dirs: Vec<String>,
    /// Whether the image has the JMX exporter.
    pub jmx_exporter: bool,
    /// `broker.rack`.
    pub rack: Option<String>,
    /// Whether a Cruise Control balancer serves the cluster (metrics reporter on).
    pub balancer: bool,
}

/// The inputs of this unit.
pub fn inputs(g: Gathered<'_>) -> Result<BrokerInputs, Error> {
    let number = g.cluster.me.number;
    Ok(BrokerInputs {
        unit_id: number,
        advertised_host: internal_address(&g.cluster.app, number),
        bind_address: "0.0.0.0".to_owned(),
        roles: g.roles,
        kafka: KAFKA_LINE,
        kafka_version: KAFKA_VERSION.to_owned(),
        metadata: g.metadata,
        clients: ClientAccess {
            scram: g.scram_clients,
            mtls: g.mtls,
            oauth: g.oauth,
        },
        tls: g.tls,
        peer_tls: None,
        extra_listeners: g.config.extra_listeners(number)?,
        external: None,
        planned_units: g.planned_units.max(1),
        config: g.config.clone(),
        users: g.users,
        admin_clients: g.admin_clients,
        data_dirs: g.data_dirs,
        rack: g.rack,
        heap: Heap::for_profile(&g.config.profile),
        proxy: proxy_from_env(),
        jmx_exporter: g.jmx_exporter,
        balancer: g.balancer,
        java_home: JAVA_HOME.map(str::to_owned),
    })
}

/// The advertised hosts of every broker of this application (for `client.properties` and
/// the clients' bootstrap servers).
pub fn broker_hosts(cluster: &Cluster) -> Vec<String> {
    cluster
        .numbers()
        .into_iter()
        .map(|n| internal_address(&cluster.app, n))
        .collect()
}

/// The mount points of the `data` storage (its declared location when Juju lists none).
pub fn data_dirs<C: Charm>(ctx: &mut Context<'_, C>) -> Result<Vec<String>, Error> {
    let mut dirs = Vec::new();
    for id in ctx.storage_ids(Some(STORAGE))? {
        let location = ctx.storage(&id)?.location;
        if !location.is_empty() {
            dirs.push(location);
        }
    }
    if dirs.is_empty() {
        dirs.push(DATA_DIR.to_owned());
    }
    dirs.sort();
    dirs.dedup();
    Ok(dirs)
}

/// `planned_units` from goal-state (at least the units present).
pub fn planned_units<C: Charm>(ctx: &mut Context<'_, C>, cluster: &Cluster) -> Result<u32, Error> {
    let planned = ctx.goal_state()?.planned_units();
    let present = cluster.numbers().len();
    Ok(u32::try_from(planned.max(present)).unwrap_or(u32::MAX))
}

/// `broker.rack` from the operator's rack file, if there is one.
pub fn rack(pebble: &dyn Pebble) -> Result<Option<String>, Error> {
    debug_assert!(RACK_PROPERTIES.starts_with(CONF_DIR));
    let text = match pebble.pull(RACK_PROPERTIES) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("broker.rack="))
        .map(|r| r.trim().to_owned())
        .find(|r| !r.is_empty()))
}

/// Juju's proxy settings for the charm, passed on to the JVM.
fn proxy_from_env() -> Proxy {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    Proxy {
        http: var("JUJU_CHARM_HTTP_PROXY"),
        https: var("JUJU_CHARM_HTTPS_PROXY"),
        no_proxy: var("JUJU_CHARM_NO_PROXY"),
    }
}
