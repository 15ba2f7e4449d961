//! The run's balancer work: brokers measure and publish their capacity, and the leader of an
//! application with the balancer role renders Cruise Control's files and runs its service.
//!
//! Cruise Control reads its files only at start-up and runs once per cluster (no rolling
//! restart needed): the leader restarts it when what it renders changed (a fingerprint in unit
//! state, as for the broker, salted with the truststore's digest since Cruise Control cannot
//! reload a changed CA), and any other unit stops it (leadership moved). It starts only
//! once Kafka is reachable — this unit's broker runs (combined roles) — and every broker
//! published its capacity.

use charm_sdk::pebble::{Pebble, PebbleExt, PushOptions, ServiceStatus};
use charm_sdk::prelude::*;

use super::capacity::{self, BrokerCapacity, UnitCapacity, UNIT_CAPACITY};
use super::render::{balancer_layer, render_balancer, BalancerInputs, CC_LAYER, CC_SERVICE, CC_START};
use crate::broker::Desired;
use crate::config::{Config, Roles};
use crate::literals::{BALANCER_USER, CONTAINER, PEER_CLUSTER_ORCHESTRATOR};
use crate::peers::Cluster;
use crate::workload::env::WORKLOAD_USER;
use crate::workload::{kraft_node_id, BrokerInputs, Credential, Metadata, Secret};

/// Unit state: the fingerprint of the files and layer the running Cruise Control loaded.
pub const STATE_BALANCER_CONFIG: &str = "balancer-config";

/// Kafka's id of unit `n` of this application (`broker.id`, or `node.id` in KRaft mode).
pub fn broker_id(n: u32, inputs: &BrokerInputs) -> u32 {
    match inputs.metadata {
        Metadata::ZooKeeper(_) => n,
        Metadata::KRaft(_) => kraft_node_id(n, inputs.roles),
    }
}

/// `(log dir, mount)` pairs of this broker.
pub fn log_dir_mounts(inputs: &BrokerInputs) -> Vec<(String, String)> {
    let Ok(log_dirs) = inputs.log_dirs() else {
        return Vec::new();
    };
    log_dirs.into_iter().zip(inputs.data_dirs.iter().cloned()).collect()
}

/// A broker unit of a cluster with a balancer: measures itself (only when its bag has no
/// capacity for its current log directories) and records it, with its rack, in `unit_bag`.
pub fn publish_capacity(
    pebble: &dyn Pebble,
    inputs: &BrokerInputs,
    cluster: &Cluster,
    unit_bag: &mut Databag,
) -> Result<(), Error> {
    let dirs = log_dir_mounts(inputs);
    let current = cluster
        .me
        .bag
        .get(UNIT_CAPACITY)
        .and_then(|v| UnitCapacity::decode(v))
        .filter(|c| c.disks_mb.keys().eq(dirs.iter().map(|(d, _)| d)));
    let measured = match current {
        Some(c) => Some(c),
        None => capacity::probe(pebble, &dirs)?,
    };
    if let Some(mut c) = measured {
        c.rack = inputs.rack.clone();
        unit_bag.insert(UNIT_CAPACITY.to_owned(), c.encode());
    }
    Ok(())
}

/// The capacities of every unit of this application, or the units that did not report yet.
pub fn own_capacities(cluster: &Cluster, inputs: &BrokerInputs) -> Result<Vec<BrokerCapacity>, Vec<u32>> {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    let mut units: Vec<(u32, Option<UnitCapacity>)> = cluster
        .peers
        .iter()
        .map(|u| (u.number, u.bag.get(UNIT_CAPACITY).and_then(|v| UnitCapacity::decode(v))))
        .collect();
    units.push((
        cluster.me.number,
        cluster.me.bag.get(UNIT_CAPACITY).and_then(|v| UnitCapacity::decode(v)),
    ));
    for (number, capacity) in units {
        match capacity {
            Some(capacity) => out.push(BrokerCapacity {
                broker_id: broker_id(number, inputs),
                capacity,
            }),
            None => missing.push(number),
        }
    }
    if missing.is_empty() {
        out.sort_by_key(|b| b.broker_id);
        Ok(out)
    } else {
        missing.sort_unstable();
        Err(missing)
    }
}

/// The balancer inputs of a unit that also runs a broker: Cruise Control logs in as the
/// admin user on the brokers' internal listener, exactly as `client.properties` does.
pub fn combined_inputs(
    config: &Config,
    inputs: &BrokerInputs,
    brokers: &[String],
    balancer_password: &str,
    capacities: Vec<BrokerCapacity>,
) -> BalancerInputs {
    let internal = inputs.internal_listener();
    let mut bootstrap: Vec<String> = brokers.iter().map(|h| format!("{h}:{}", internal.port())).collect();
    bootstrap.sort();
    bootstrap.dedup();
    let stores = match (&inputs.metadata, &inputs.peer_tls) {
        (Metadata::KRaft(_), Some(peer)) => Some(peer),
        _ => inputs.tls.as_ref(),
    };
    let racks = capacities
        .iter()
        .filter_map(|c| c.capacity.rack.as_deref())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    BalancerInputs {
        bootstrap_servers: bootstrap,
        admin: inputs.users.admin.clone(),
        auth: internal.auth,
        truststore: stores.map(|s| (s.truststore.clone(), s.truststore_password.clone())),
        webserver_user: Credential::new(BALANCER_USER, Secret::new(balancer_password)),
        capacities,
        network_bandwidth_kb: config.network_bandwidth,
        balance_threshold: config.cruisecontrol_balance_threshold,
        capacity_threshold: config.cruisecontrol_capacity_threshold,
        testing: config.profile == "testing",
        racks,
        jmx_exporter: inputs.jmx_exporter,
        java_home: inputs.java_home.clone(),
    }
}

/// What happened to Cruise Control this run, for the unit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BalancerOutcome {
    /// This unit does not run it (not the leader, or no balancer role); stopped if it ran.
    NotHere,
    /// Running with the wanted files.
    Running,
    /// Waiting for something (the message says what).
    Waiting(String),
    /// Cannot run here (missing from the image, or Pebble could not start it).
    Unavailable(String),
}

impl BalancerOutcome {
    /// The status this outcome adds (none when fine or not here).
    pub fn status(&self) -> Option<Status> {
        match self {
            BalancerOutcome::NotHere | BalancerOutcome::Running => None,
            BalancerOutcome::Waiting(why) => Some(Status::waiting(format!("balancer: {why}"))),
            BalancerOutcome::Unavailable(why) => Some(Status::blocked(format!("Cruise Control not running: {why}"))),
        }
    }
}

/// Whether the application joined on `peer-cluster-orchestrator` runs a balancer (its `roles`
/// field lists `balancer`, as a Python `controller,balancer` application writes it): this
/// application's brokers then load the metrics reporter too.
pub fn peer_runs_balancer<C: Charm>(ctx: &mut Context<'_, C>) -> Result<bool, Error> {
    let Some(relation) = ctx.relation(PEER_CLUSTER_ORCHESTRATOR)? else {
        return Ok(false);
    };
    let remote = ctx.remote_app_data(&relation)?;
    Ok(remote
        .get("roles")
        .is_some_and(|roles| roles.split(',').any(|r| r.trim() == "balancer")))
}

/// Whether this unit should run Cruise Control.
pub fn runs_here(roles: Roles, leader: bool) -> bool {
    roles.balancer && leader
}

/// Stops Cruise Control if this unit started it (no longer the leader, or the role was
/// removed). Units that never ran it pay no Pebble call: the unit state says whether it did.
pub fn stop_if_started<C: Charm>(ctx: &mut Context<'_, C>, pebble: &dyn Pebble) -> Result<(), Error> {
    if ctx.unit_state::<String>(STATE_BALANCER_CONFIG)?.is_none() {
        return Ok(());
    }
    let running = pebble
        .get_services(&[CC_SERVICE])?
        .iter()
        .any(|s| s.name == CC_SERVICE && s.current == ServiceStatus::Active);
    if running {
        pebble.stop_services(&[CC_SERVICE])?;
        ctx.info("Cruise Control stopped: this unit no longer runs the balancer");
    }
    ctx.delete_unit_state(STATE_BALANCER_CONFIG)
}

/// Stops Cruise Control if it runs (teardown: `stop`/`remove`). A container Pebble no
/// longer answers has nothing left to stop.
pub fn stop(pebble: &dyn Pebble) -> Result<(), Error> {
    let services = match pebble.get_services(&[CC_SERVICE]) {
        Ok(services) => services,
        Err(e) if e.is_connection() || e.is_not_found() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if services
        .iter()
        .any(|s| s.name == CC_SERVICE && s.current == ServiceStatus::Active)
    {
        pebble.stop_services(&[CC_SERVICE])?;
    }
    Ok(())
}

/// Whether the image ships Cruise Control.
fn unavailable(pebble: &dyn Pebble) -> Result<Option<String>, Error> {
    let missing = format!("{CC_START} is missing from the {CONTAINER} container");
    match pebble.list_files(CC_START, None, true) {
        Ok(entries) if !entries.is_empty() => Ok(None),
        Ok(_) => Ok(Some(missing)),
        Err(e) if e.is_not_found() => Ok(Some(missing)),
        Err(e) => Err(e.into()),
    }
}

/// Writes the files, and starts or restarts Cruise Control when they (or the layer) changed.
pub fn converge<C: Charm>(
    ctx: &mut Context<'_, C>,
    pebble: &dyn Pebble,
    inputs: &BalancerInputs,
) -> Result<BalancerOutcome, Error> {
    let files = match render_balancer(inputs) {
        Ok(files) => files,
        Err(e) => {
            return Ok(BalancerOutcome::Unavailable(format!(
                "cannot configure Cruise Control: {e}"
            )))
        }
    };
    // Cruise Control reads its truststore at start-up only and has no reload: the truststore's
    // digest salts the fingerprint, so a CA change (same path and password, new content)
    // restarts it once.
    let salt = match inputs.truststore {
        Some(_) => crate::tls::truststore_digest(ctx)?,
        None => String::new(),
    };
    let desired = Desired {
        files,
        layer: balancer_layer(inputs),
        salt,
    };
    let fingerprint = desired.fingerprint();
    let loaded: Option<String> = ctx.unit_state(STATE_BALANCER_CONFIG)?;
    let running = pebble
        .get_services(&[CC_SERVICE])?
        .iter()
        .any(|s| s.name == CC_SERVICE && s.current == ServiceStatus::Active);
    if running && loaded.as_deref() == Some(fingerprint.as_str()) {
        // The steady state: what runs is what is wanted; no file is read back.
        return Ok(BalancerOutcome::Running);
    }
    // Every file holds or reveals a credential (admin JAAS, web UI password) or the topology.
    for (path, content) in &desired.files.files {
        let options = PushOptions::default()
            .permissions(0o600)
            .owner(WORKLOAD_USER, WORKLOAD_USER)
            .make_dirs();
        pebble.ensure_file(path, content.as_bytes(), &options)?;
    }
    if let Some(why) = unavailable(pebble)? {
        return Ok(BalancerOutcome::Unavailable(why));
    }
    // A changed layer may leave the (not auto-started) service stopped after the replan;
    // restarting starts it either way.
    let result = pebble
        .ensure_layer(CC_LAYER, &desired.layer)
        .and_then(|_| pebble.restart_services(&[CC_SERVICE]));
    match result {
        Ok(()) => {
            ctx.set_unit_state(STATE_BALANCER_CONFIG, &fingerprint)?;
            ctx.info(if running {
                "Cruise Control restarted with its new configuration"
            } else {
                "Cruise Control started"
            });
            Ok(BalancerOutcome::Running)
        }
        Err(e) if e.is_connection() => Err(e.into()),
        Err(e) => Ok(BalancerOutcome::Unavailable(
            e.to_string().lines().next().unwrap_or("pebble error").to_owned(),
        )),
    }
}
