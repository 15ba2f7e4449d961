//! The `balancer` role: LinkedIn Cruise Control next to Kafka, and the `rebalance` action.
//!
//! Cruise Control ships in the charmed-kafka rock under `/opt/cruise-control` (built from
//! linkedin/cruise-control as the charmed-kafka snap's `cruise-control` part builds it, with
//! the start script `bin/kafka-cruise-control-start.sh <properties>`); its configuration lives
//! in `/etc/cruise-control`. As in the Python charm, only the leader unit of an application
//! with the balancer role runs it (Cruise Control is a single instance per cluster), as the
//! Pebble service `cruise-control` in the `kafka` container — next to a broker, or in an
//! application of its own fed over `peer-cluster` ([`split`]).
//!
//! - [`render`]: pure renderers of every file (`cruisecontrol.properties`, the JBOD capacity
//!   file, the web UI credentials file) and of the Pebble layer;
//! - [`capacity`]: what each broker reports about itself (cores, disk per log directory),
//!   published in its peer bag (or sent over `peer-cluster`) for the capacity file;
//! - [`service`]: the run's part — who runs Cruise Control, files and service through Pebble;
//! - [`client`]: a small blocking HTTP/1.1 client for Cruise Control's REST API on loopback;
//! - [`response`]: Cruise Control's JSON answers, and the action results made from them;
//! - [`rebalance`]: the `rebalance` action's protocol, [`action`] its entry point;
//! - [`split`]: a balancer application of its own, fed over `peer-cluster`, and the broker
//!   application's half (capacities and racks for it).
//!
//! Brokers load Cruise Control's metrics reporter whenever a balancer serves the cluster
//! (`crate::workload::server`). Cruise Control cannot run on the machines this charm is
//! developed on (no Kafka broker, no Maven Central to build it from), so the files are pinned
//! by golden tests and a key check against Cruise Control's own config definitions, and the
//! REST client is tested against an in-test server replaying answers shaped as Cruise
//! Control's source writes them (see README.md).

pub mod action;
pub mod capacity;
pub mod client;
pub mod rebalance;
pub mod render;
pub mod response;
pub mod service;
pub mod split;

pub use capacity::{BrokerCapacity, UnitCapacity};
pub use render::{
    balancer_layer, capacity_json, credentials_file, cruise_control_properties, render_balancer, BalancerInputs, Goals,
};
