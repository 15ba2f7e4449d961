//! Shared support of kafka-k8s's end-to-end tests (`tests/e2e_*.rs`).
//!
//! Why these tests exist next to the in-process ones (`charm_*.rs`, fakes for every hook tool
//! and a fake ZooKeeper store): here the packed charm runs in the local model
//! (charm-sdk/local-model) as real processes with real hook tools and a real Pebble, related
//! to the real zookeeper-k8s charm whose workload is Debian's real ZooKeeper 3.8. What the
//! charm wrote is checked from outside — znodes read with a real ZooKeeper client (zk-admin,
//! SASL DIGEST-MD5), the client's view through the data-integrator stand-in's
//! `get-credentials`, secret revisions from the controller — never from the charm's own
//! bookkeeping.
//!
//! No Apache Kafka distribution can be installed on these machines, so the brokers never
//! start: the tests assert that the charm says so, and that everything which does not need a
//! running broker (users, ACLs, relation data, secrets) works anyway.
//!
//! The local-model driver, [`eventually`], [`require_zookeeper`] and [`Steps`] are shared with
//! zookeeper-k8s's end-to-end tests (charm-sdk/test-support). One model per test file; [`model::Model`] destroys it on drop, also
//! when a scenario panics. Everything listens on loopback addresses 127.0.1.N.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod artifacts;
pub mod clients;
pub mod model;
pub mod zk;
pub mod znodes;

pub use charm_test_support::{eventually, require_zookeeper, Steps};

/// The application name of the charm under test (the Python charm's).
pub const KAFKA: &str = "kafka-k8s";
/// The ZooKeeper application.
pub const ZOOKEEPER: &str = "zookeeper-k8s";
/// The chroot kafka-k8s asks ZooKeeper for (`/<app>`).
pub const CHROOT: &str = "/kafka-k8s";
