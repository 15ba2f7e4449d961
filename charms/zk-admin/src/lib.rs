//! Blocking ZooKeeper administration for the ZooKeeper and Kafka charms.
//!
//! Charm hooks are short synchronous programs: connect as an administrative user, make a few
//! idempotent changes (a client's chroot and ACLs, a reconfig when units come and go, Kafka's
//! SCRAM users under `/config/users`), check health with four-letter words, exit. This crate
//! wraps the asynchronous `zookeeper-client` crate in that shape ([`Admin`]), with plain data
//! types ([`Acl`], [`ServerLine`], [`EnsembleConfig`]) that do not leak the client crate, and
//! one error type that says where things failed without ever printing a password.
//!
//! TLS uses the workspace's only crypto stack (rustls + ring) through an in-process tunnel,
//! because the client crate's own TLS support would pull in aws-lc (see `tunnel.rs`).
//!
//! ```no_run
//! use std::time::Duration;
//! use zk_admin::{Acl, Admin, Auth, Perms};
//!
//! # fn main() -> Result<(), zk_admin::Error> {
//! let hosts = vec!["10.0.0.1:2181".to_string(), "10.0.0.2:2181".to_string()];
//! let sup = Auth { username: "super".into(), password: "…".into() };
//! let admin = Admin::connect(&hosts, Some(&sup), None, Duration::from_secs(10))?;
//! let acl = [Acl::sasl("relation-7", Perms::ALL), Acl::digest("relation-7", "…", Perms::ALL)];
//! let changed = admin.ensure_chroot("/kafka", &acl)?;
//! # let _ = changed; Ok(()) }
//! ```

mod acl;
mod admin;
mod config;
mod ensemble;
mod error;
mod four_lw;
mod nodes;
mod peer;
mod runtime;
mod tls;
mod tree;
mod tunnel;

pub use acl::{digest_id, Acl, Perms};
pub use admin::{Admin, Auth, ConnectOptions};
pub use config::{EnsembleConfig, Role, ServerLine};
pub use error::{Error, ZkCode};
pub use four_lw::{four_letter_word, parse_mntr, parse_srvr};
pub use nodes::{CreateMode, NodeStat};
pub use tls::Tls;
