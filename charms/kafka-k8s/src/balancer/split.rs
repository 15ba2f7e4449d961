//! A balancer application of its own (`roles=balancer` or `controller,balancer`): Cruise
//! Control on the leader unit, fed by the broker application over `peer-cluster`.
//!
//! As in the Python charm (4.x `src/core/cluster.py` `peer_cluster`, `src/managers/config.py`
//! `cruise_control_properties`): the balancer logs in to Kafka with the broker side's admin
//! user (`broker-username`/`broker-password`, group `broker`) over its `broker-uris`, and its
//! capacity file is the broker side's `broker-capacities`; `racks` picks the rack goal. The
//! broker half (capacities and racks published by the brokers' leader) is
//! [`publish_to_balancer`].

use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use super::capacity::{parse_wire_capacities, wire_capacities, WireCapacities};
use super::render::{BalancerInputs, CC_JMX_EXPORTER_PORT, CC_WEBSERVER_PORT};
use super::service::{self, BalancerOutcome};
use crate::config::{Config, Roles};
use crate::literals::{ADMIN_USER, BALANCER_USER, PEER_CLUSTER, PEER_CLUSTER_ORCHESTRATOR};
use crate::peer_cluster::{self, BalancerSide, BrokerSide, BrokerView};
use crate::peers::Cluster;
use crate::workload::listeners::{AuthMap, Listener, Scope};
use crate::workload::{BrokerInputs, Credential, Metadata, Secret};

/// The listener a `broker-uris` port belongs to: the brokers' internal SCRAM listener,
/// plaintext or TLS (the only ones the broker side publishes).
pub fn auth_of_port(port: u16) -> Option<AuthMap> {
    [AuthMap::SASL_PLAINTEXT_SCRAM, AuthMap::SASL_SSL_SCRAM]
        .into_iter()
        .find(|auth| Listener::new(Scope::Internal, *auth, "").port() == port)
}

/// Cruise Control's inputs from what the broker side sent, or why it cannot run yet.
/// `Err(Ok(why))` waits for the broker side; `Err(Err(why))` cannot run at all.
pub fn remote_inputs(
    config: &Config,
    view: &BrokerView,
    balancer_password: &str,
    jmx_exporter: bool,
) -> Result<BalancerInputs, Result<String, String>> {
    let (Some(user), Some(password), Some(uris)) = (&view.broker_username, &view.broker_password, &view.broker_uris)
    else {
        return Err(Ok(
            "waiting for the broker application's admin user and bootstrap servers".to_owned(),
        ));
    };
    let mut bootstrap: Vec<String> = uris
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    bootstrap.sort();
    bootstrap.dedup();
    let ports: std::collections::BTreeSet<Option<u16>> = bootstrap
        .iter()
        .map(|u| u.rsplit_once(':').and_then(|(_, p)| p.parse().ok()))
        .collect();
    let auth = match (ports.len(), ports.first()) {
        (1, Some(Some(port))) => auth_of_port(*port),
        _ => None,
    };
    let Some(auth) = auth else {
        return Err(Err(format!(
            "broker-uris {uris:?} is not the brokers' internal SCRAM listener"
        )));
    };
    if auth.protocol.is_tls() {
        // The peer-cluster CA exchange (4.x `broker-ca`) is not implemented here: nothing to
        // trust the brokers' internal certificates with.
        return Err(Err(
            "the brokers' internal listener uses TLS, which a balancer application of its own cannot trust yet"
                .to_owned(),
        ));
    }
    let Some(WireCapacities {
        brokers,
        network_bandwidth_kb,
    }) = view.broker_capacities.as_deref().and_then(parse_wire_capacities)
    else {
        return Err(Ok("waiting for the broker application's capacities".to_owned()));
    };
    let racks = view
        .racks
        .as_deref()
        .and_then(|r| r.trim().parse::<usize>().ok())
        .unwrap_or(0);
    Ok(BalancerInputs {
        bootstrap_servers: bootstrap,
        admin: Credential::new(user.as_str(), password.as_str()),
        auth,
        truststore: None,
        webserver_user: Credential::new(BALANCER_USER, Secret::new(balancer_password)),
        capacities: brokers,
        network_bandwidth_kb: network_bandwidth_kb.unwrap_or(config.network_bandwidth),
        balance_threshold: config.cruisecontrol_balance_threshold,
        capacity_threshold: config.cruisecontrol_capacity_threshold,
        testing: config.profile == "testing",
        racks,
        jmx_exporter,
        java_home: crate::assemble::JAVA_HOME.map(str::to_owned),
    })
}

/// A unit of a balancer application (no broker here): the leader publishes its side of
/// `peer-cluster` and runs Cruise Control from the broker side's data; others stop it.
pub fn run<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    config: &Config,
    roles: Roles,
    cluster: &Cluster,
    balancer_password: &str,
    pebble: &dyn Pebble,
) -> Result<BalancerOutcome, Error> {
    let Some(relation) = ctx.relation(PEER_CLUSTER)? else {
        service::stop_if_started(ctx, pebble)?;
        return Ok(BalancerOutcome::Waiting(
            "relate peer-cluster to a broker application's peer-cluster-orchestrator".to_owned(),
        ));
    };
    let Some(leader) = leader else {
        service::stop_if_started(ctx, pebble)?;
        return Ok(BalancerOutcome::NotHere);
    };
    let side = BalancerSide {
        roles: roles.as_csv(),
        username: BALANCER_USER.to_owned(),
        password: balancer_password.to_owned(),
        uris: format!(
            "{}:{CC_WEBSERVER_PORT}",
            crate::peers::internal_address(&cluster.app, cluster.me.number)
        ),
    };
    peer_cluster::publish_balancer_side(ctx, leader, &relation, &side)?;
    let view = peer_cluster::read_broker_side(ctx, &relation)?;
    let jmx_exporter = crate::broker::has_jmx_exporter(pebble)?;
    match remote_inputs(config, &view, balancer_password, jmx_exporter) {
        Ok(inputs) => service::converge(ctx, pebble, &inputs),
        Err(Ok(wait)) => Ok(BalancerOutcome::Waiting(wait)),
        Err(Err(why)) => Ok(BalancerOutcome::Unavailable(why)),
    }
}

/// A whole run of a `roles=balancer` unit: no Kafka, only Cruise Control (see [`run`]), the
/// metrics port when it runs here, and one status.
pub fn reconcile_balancer_only<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    config: &Config,
    roles: Roles,
    cluster: &Cluster,
    balancer_password: Option<&str>,
    pebble: &dyn Pebble,
) -> Result<(), Stop> {
    let password = balancer_password.or_waiting("waiting for the leader to create the internal users")?;
    let outcome = run(ctx, leader, config, roles, cluster, password, pebble)?;
    let running = outcome == BalancerOutcome::Running;
    let ports = cruise_control_ports(running && crate::broker::has_jmx_exporter(pebble)?);
    ctx.open_ports(&ports)?;
    let status = outcome.status().unwrap_or_else(|| Status::active(""));
    if let Some(leader) = leader {
        ctx.add_app_status(leader, status.clone());
    }
    ctx.add_status(status);
    Ok(())
}

/// The ports a unit running Cruise Control opens: its JMX exporter's (the REST API listens
/// on loopback only).
pub fn cruise_control_ports(exporter_runs_here: bool) -> Vec<Port> {
    if exporter_runs_here {
        vec![Port::Tcp(CC_JMX_EXPORTER_PORT)]
    } else {
        Vec::new()
    }
}

/// Leader of a broker application whose `peer-cluster-orchestrator` peer runs a balancer:
/// publishes `racks` and `broker-capacities` once every broker measured itself (and, when
/// this application has its own controllers, the broker fields `kraft.rs` only publishes for
/// a broker-only application).
pub fn publish_to_balancer<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    config: &Config,
    roles: Roles,
    inputs: &BrokerInputs,
    cluster: &Cluster,
    admin_password: &str,
) -> Result<(), Error> {
    let Some(relation) = ctx.relation(PEER_CLUSTER_ORCHESTRATOR)? else {
        return Ok(());
    };
    if roles.controller {
        if let Metadata::KRaft(quorum) = &inputs.metadata {
            let tls = inputs.internal_listener().auth.protocol.is_tls();
            let side = BrokerSide {
                roles: roles.as_csv(),
                cluster_uuid: quorum.cluster_id.clone(),
                broker_username: ADMIN_USER.to_owned(),
                broker_password: admin_password.to_owned(),
                broker_uris: crate::kraft::internal_bootstrap(cluster, tls),
                super_users: crate::kraft::super_users(cluster),
            };
            peer_cluster::publish_broker_side(ctx, leader, &relation, &side)?;
        }
    }
    let Ok(capacities) = service::own_capacities(cluster, inputs) else {
        return Ok(()); // some broker has not measured itself yet; the balancer waits
    };
    let racks = capacities
        .iter()
        .filter_map(|c| c.capacity.rack.as_deref())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let wire = wire_capacities(&capacities, config.network_bandwidth);
    peer_cluster::publish_balancer_inputs(ctx, leader, &relation, racks, &wire)
}
