//! `local-model`: a Juju model on one machine.
//!
//! It runs packed `.charm` files (ours, or unmodified Python `ops` charms) as real
//! processes with real hook tools, so real workloads run under real charms end to end,
//! without Juju or Kubernetes. The pieces:
//!
//! - [`daemon`]: the controller of one model directory: the model in memory (a
//!   `juju_rules::Model`), a hook queue per unit, hooks as processes of the charm's
//!   `dispatch`, committed only on exit 0, events in Juju's order
//!   (`juju_rules::order`), timers (update-status, secrets, retries);
//! - [`tools`] and [`toolclient`]: the hook tools: one multi-call executable on the hooks'
//!   PATH that forwards argv/stdin/files to the controller, which parses them with Juju's
//!   syntax and answers with Juju's output and error texts;
//! - [`sandbox`], [`pebble`], [`profiles`]: each unit's private mount namespaces and a
//!   Pebble server per container (the workload side);
//! - [`cli`]: the `local-model` command (`up`, `deploy`, `integrate`, `run`, `status`...).
//!
//! The crate never depends on `charm-sdk`: the Juju side and the charm side are two
//! independent implementations of one protocol.

pub mod bundle;
pub mod charm;
pub mod cli;
pub mod client;
pub mod daemon;
pub mod error;
pub mod layout;
pub mod process;
pub mod proto;
pub mod sandbox;
pub mod status;
pub mod toolclient;
pub mod tools;

pub use error::{Error, Result};
