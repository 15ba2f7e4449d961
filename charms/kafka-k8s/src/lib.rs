//! kafka-k8s: Apache Kafka on Kubernetes, a drop-in for Canonical's Python charm of the same
//! name (same endpoints, action names and result keys; config keys in kebab-case). The
//! differences are deliberate and listed in README.md.
//!
//! One `reconcile` runs for every event and never asks which one woke it: it reads config,
//! peers, relations, secrets and the container, decides with pure functions, and writes only
//! what differs. Work spanning units — internal users before the first start, client users
//! and ACLs, rolling restarts, the KRaft cluster id — is sequenced through the peer relation's
//! bags, never deferred.
//!
//! Module map:
//! - the operator's inputs: [`config`], [`actions`];
//! - relations: [`peers`], [`zookeeper`], [`kraft`] ([`quorum`] decides the dynamic controller
//!   quorum, [`quorum_ops`] runs it; [`peer_cluster`] is the split deployments' wire format),
//!   [`clients`], [`tls`], [`oauth`], [`cos`];
//! - credentials and where they are written: [`credentials`], [`store`] (ZooKeeper through
//!   [`zkstore`], KRaft through Kafka's tools), [`scram`], [`acl`];
//! - the workload: [`workload`] (pure renderers), [`assemble`] (their inputs), [`broker`]
//!   (Pebble I/O), [`converge`] and [`restart`] (start, rolling restart, store reloads),
//!   [`active`] (what runs), [`cilium`] (network policies), [`external`] (NodePort
//!   exposure through the Kubernetes API, [`kube`]);
//! - Cruise Control (the `balancer` role) and the `rebalance` action: [`balancer`];
//! - in-place upgrades (`pre-upgrade-check`, `resume-upgrade`): [`upgrade`];
//! - the order of it all: [`reconcile`];
//! - the crate's one error type: [`error::Error`] (rendering, SCRAM, ZooKeeper znodes,
//!   Cruise Control's API).
//!
//! The charm is generic over how it reaches ZooKeeper ([`store::StoreConnector`]) so that
//! in-process tests plug in a fake; [`KafkaK8s`] is the production charm.

pub mod acl;
pub mod actions;
pub mod active;
pub mod assemble;
pub mod balancer;
pub mod broker;
pub mod cilium;
pub mod clients;
pub mod config;
pub mod converge;
pub mod cos;
pub mod credentials;
pub mod error;
pub mod external;
pub mod kraft;
pub mod kube;
pub mod literals;
pub mod oauth;
pub mod peer_cluster;
pub mod peers;
pub mod quorum;
pub mod quorum_ops;
pub mod reconcile;
pub mod restart;
pub mod scram;
pub mod store;
pub mod tls;
pub mod upgrade;
pub mod workload;
pub mod zkstore;
pub mod zookeeper;

use charm_sdk::prelude::*;

pub use actions::Action;
pub use config::Config;
pub use store::zk::ZkStoreConnector;
pub use store::StoreConnector;

/// The charm, generic over how it opens ZooKeeper sessions (tests plug in a fake).
#[derive(Debug)]
pub struct KafkaCharm<S: StoreConnector> {
    connector: S,
}

/// The production charm.
pub type KafkaK8s = KafkaCharm<ZkStoreConnector>;

impl<S: StoreConnector> Charm for KafkaCharm<S> {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = Config;
    type Action = Action;

    fn new() -> Self {
        Self {
            connector: S::default(),
        }
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        reconcile::reconcile(ctx, &self.connector)
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        match action {
            Action::PreUpgradeCheck => upgrade::pre_upgrade_check_action::<S, _>(ctx),
            Action::ResumeUpgrade => upgrade::resume_upgrade_action::<S, _>(ctx),
            other => actions::run(ctx, &self.connector, other),
        }
    }

    /// Certificate secrets expire at their renewal time (tls-certificates sets the expiry):
    /// reconciling then renews. Obsolete revisions of our secrets are removed.
    fn secret_lifecycle(&self, ctx: &mut Context<'_, Self>, event: SecretLifecycle) -> Result<(), Error> {
        match event {
            SecretLifecycle::Rotate { .. } | SecretLifecycle::Expired { .. } => {
                match reconcile::reconcile(ctx, &self.connector) {
                    Ok(()) | Err(Stop::Unready(_)) => Ok(()),
                    Err(Stop::Failed(e)) => Err(e),
                }
            }
            SecretLifecycle::Remove { uri, revision, .. } => {
                if let Err(e) = ctx.remove_secret(&uri, Some(revision)) {
                    ctx.warn(&format!("cannot remove revision {revision} of {uri}: {e}"));
                }
                Ok(())
            }
        }
    }

    fn teardown(&self, ctx: &mut Context<'_, Self>, teardown: Teardown) -> Result<(), Error> {
        if teardown == Teardown::Stop {
            if let Ok(pebble) = ctx.container(literals::CONTAINER) {
                broker::stop(pebble.as_ref())?;
            }
        }
        if matches!(teardown, Teardown::Stop | Teardown::Remove) {
            if let Ok(pebble) = ctx.container(literals::CONTAINER) {
                balancer::service::stop(pebble.as_ref())?;
            }
        }
        if matches!(teardown, Teardown::Stop | Teardown::Remove) {
            external::teardown(ctx, &self.connector)?;
        }
        Ok(())
    }
}
