//! zookeeper-k8s: a secure Apache ZooKeeper ensemble on Kubernetes, a drop-in for
//! Canonical's Python charm of the same name (same endpoints, actions, result keys and
//! config keys; differences are listed in README.md).
//!
//! One `reconcile` runs for every event and never asks which one woke it: it reads the
//! config, the peer relation, the secrets and the container, decides with pure functions
//! (`quorum`, `restart`, `encryption`, `render`), and writes only what differs. Work that
//! spans units — ordered start-up, promotion of observers, rolling restarts, the TLS switch,
//! password rotation — is sequenced through the peer relation's bags, never deferred.
//!
//! Modules: [`config`] and [`actions`] (the operator's inputs), [`peers`] (the peer bags as
//! types), [`quorum`], [`restart`], [`encryption`] (pure decisions), [`render`] (pure file
//! rendering), [`server`] (a server's files and (re)start), [`credentials`], [`tls`],
//! [`clients`], [`cos`] (one concern each), [`leader`] (the leader's side effects),
//! [`admin`] (the ZooKeeper administration client behind a trait, failing with [`error`]'s
//! one error type), [`workload`] (Pebble I/O),
//! [`upgrade`] (in-place upgrades: `pre-upgrade-check`, `resume-upgrade`) and [`reconcile`]
//! (the order of it all).

pub mod actions;
pub mod admin;
pub mod clients;
pub mod config;
pub mod cos;
pub mod credentials;
pub mod encryption;
pub mod error;
pub mod leader;
pub mod literals;
pub mod peers;
pub mod quorum;
pub mod reconcile;
pub mod render;
pub mod restart;
pub mod server;
pub mod tls;
pub mod upgrade;
pub mod workload;

use charm_sdk::prelude::*;

pub use actions::Action;
pub use admin::zk::ZkAdminConnector;
pub use admin::AdminConnector;
pub use config::Config;

/// The charm, generic over how it talks to ZooKeeper (tests plug in a fake).
#[derive(Debug)]
pub struct ZooKeeperCharm<A: AdminConnector> {
    admin: A,
}

/// The production charm.
pub type ZooKeeperK8s = ZooKeeperCharm<ZkAdminConnector>;

impl<A: AdminConnector> Charm for ZooKeeperCharm<A> {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = Config;
    type Action = Action;

    fn new() -> Self {
        Self { admin: A::default() }
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        reconcile::reconcile(ctx, &self.admin)
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        match action {
            Action::PreUpgradeCheck => upgrade::pre_upgrade_check_action(ctx, &self.admin),
            Action::ResumeUpgrade => upgrade::resume_upgrade_action::<A, _>(ctx),
            other => actions::run(ctx, other),
        }
    }

    /// `secret-expired` is how certificate secrets (expiring at their renewal time) wake the
    /// charm: reconcile renews. `secret-remove`: an old revision nobody reads any more goes.
    fn secret_lifecycle(&self, ctx: &mut Context<'_, Self>, event: SecretLifecycle) -> Result<(), Error> {
        match event {
            SecretLifecycle::Expired { .. } | SecretLifecycle::Rotate { .. } => {
                match reconcile::reconcile(ctx, &self.admin) {
                    Ok(()) | Err(Stop::Unready(_)) => Ok(()),
                    Err(Stop::Failed(e)) => Err(e),
                }
            }
            SecretLifecycle::Remove { uri, revision, .. } => ctx.remove_secret(&uri, Some(revision)),
        }
    }
}
