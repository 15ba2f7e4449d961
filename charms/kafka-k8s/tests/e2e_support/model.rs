//! The local model of kafka-k8s's end-to-end tests: the shared driver (charm-test-support's
//! [`Model`], re-exported with its helpers), with models named `kafka-e2e-<name>`
//! (`KAFKA_E2E_KEEP=1` keeps the directory).

pub use charm_test_support::model::*;

use super::artifacts;

/// Starts a model named `kafka-e2e-<name>` (see [`Model::up`]); update-status runs every
/// `update_status`.
#[track_caller]
pub fn up(name: &str, update_status: &str) -> Model {
    Model::up("kafka-e2e", name, update_status, artifacts::local_model)
}
