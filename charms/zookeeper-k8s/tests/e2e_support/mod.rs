//! Shared support of the end-to-end tests (`tests/e2e_*.rs`).
//!
//! Why these tests exist next to the in-process ones: those prove the charm's decisions against
//! fakes; these prove that the packed charm, run by the local model (charm-sdk/local-model) as
//! real processes with real hook tools and a real Pebble, drives Debian's real ZooKeeper 3.8
//! into a working, secure ensemble — checked from outside with a real client (zk-admin) and
//! four-letter words, never by reading the charm's own bookkeeping.
//!
//! Model set-up is the slow part, so each test file deploys once and runs its scenarios in
//! sequence; [`model::Model`] destroys the model (and every process it started) on drop, also
//! when a scenario panics. Everything listens on loopback addresses 127.0.1.N.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod artifacts;
pub mod clients;
pub mod model;
pub mod monitor;
pub mod process;
pub mod writer;
pub mod zk;

pub use charm_test_support::{eventually, require_zookeeper, Steps};

/// The application name the tests deploy the charm as (the Python charm's).
pub const APP: &str = "zookeeper-k8s";

/// Waits until every server of `units` serves, one leads and the others follow.
pub fn wait_quorum(units: &[model::Unit]) {
    let addresses = model::addresses(units);
    eventually(90, "one leader and the rest followers", || {
        let roles = zk::roles(&addresses);
        if zk::one_leader_rest_followers(&roles) {
            Ok(())
        } else {
            Err(format!("{addresses:?} → {roles:?}"))
        }
    });
}
