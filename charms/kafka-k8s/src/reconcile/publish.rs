//! What this unit shows the outside: the bootstrap servers, TLS and ZooKeeper URIs clients
//! are told ([`publication`]), and the ports opened ([`open_ports`]).

use std::collections::BTreeSet;

use charm_sdk::prelude::*;

use crate::assemble;
use crate::clients::{self, Publication};
use crate::literals::*;
use crate::peers::Cluster;
use crate::tls::TlsState;
use crate::workload::{BrokerInputs, ZooKeeperConnection};
use crate::zookeeper;

/// What clients are told: bootstrap servers on the SCRAM client listener, TLS, ZooKeeper URIs.
pub(super) fn publication(
    inputs: &BrokerInputs,
    cluster: &Cluster,
    tls: &TlsState,
    zk: Option<&ZooKeeperConnection>,
) -> Publication {
    let port = crate::workload::Listener::new(crate::workload::Scope::Client, inputs.default_auth(), "").port();
    let tls_field = match (&tls.stores, &tls.ca_bundle) {
        (Some(_), Some(ca)) => charm_interfaces::dataplatform::common::Tls::enabled(ca.clone()),
        _ => charm_interfaces::dataplatform::common::Tls::disabled(),
    };
    // Exposed through NodePorts, clients bootstrap from the nodes (as the Python charm tells
    // them), once a unit has its bootstrap Service's node port.
    let external: BTreeSet<&str> = if inputs.config.expose_nodeport() {
        cluster
            .units()
            .iter()
            .filter_map(|u| u.bag.get(UNIT_EXTERNAL_BOOTSTRAP))
            .map(String::as_str)
            .filter(|a| !a.is_empty())
            .collect()
    } else {
        BTreeSet::new()
    };
    let endpoints = if external.is_empty() {
        clients::bootstrap(&assemble::broker_hosts(cluster), port)
    } else {
        external.into_iter().collect::<Vec<_>>().join(",")
    };
    Publication {
        endpoints,
        tls: tls_field,
        zookeeper_uris: zk.and_then(zookeeper::uris),
    }
}

/// Opens exactly the listener ports and the metrics ports (Cruise Control's where it runs).
pub(super) fn open_ports<C: Charm>(
    ctx: &mut Context<'_, C>,
    inputs: &BrokerInputs,
    cruise_control: bool,
) -> Result<(), Error> {
    let mut ports: Vec<Port> = inputs.listeners().iter().map(|l| Port::Tcp(l.port())).collect();
    if inputs.jmx_exporter {
        ports.push(Port::Tcp(crate::workload::paths::JMX_EXPORTER_PORT));
    }
    ports.extend(crate::balancer::split::cruise_control_ports(
        cruise_control && inputs.jmx_exporter,
    ));
    ports.sort();
    ports.dedup();
    ctx.open_ports(&ports)
}
