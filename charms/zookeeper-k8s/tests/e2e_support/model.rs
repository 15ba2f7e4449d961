//! The local model of zookeeper-k8s's end-to-end tests: the shared driver
//! (charm-test-support's [`Model`], re-exported with its helpers) plus what only these tests
//! do with it — models named `zk-e2e-<name>` (`ZK_E2E_KEEP=1` keeps the directory), deploying
//! this charm and reading its super password ([`ZookeeperModel`]).

use std::path::Path;

pub use charm_test_support::model::*;

use super::artifacts;

/// Starts a model named `zk-e2e-<name>` (see [`Model::up`]); update-status runs every
/// `update_status` (the charm advances multi-step work on it).
#[track_caller]
pub fn up(name: &str, update_status: &str) -> Model {
    Model::up("zk-e2e", name, update_status, artifacts::local_model)
}

/// zookeeper-k8s's own steps on a [`Model`].
pub trait ZookeeperModel {
    /// Deploys the packed charm `charm` as [`APP`](super::APP) with `units` units and the
    /// workload image resource.
    fn deploy_zookeeper(&self, charm: &Path, units: usize);

    /// The `super` password (get-super-password on any unit).
    fn super_password(&self, unit: &str) -> String;
}

impl ZookeeperModel for Model {
    #[track_caller]
    fn deploy_zookeeper(&self, charm: &Path, units: usize) {
        self.ok(&[
            "deploy",
            charm.to_str().unwrap(),
            super::APP,
            "-n",
            &units.to_string(),
            "--resource",
            "zookeeper-image=charmed-zookeeper",
        ]);
    }

    #[track_caller]
    fn super_password(&self, unit: &str) -> String {
        self.action_value(unit, "get-super-password", &[], "super-password")
    }
}
