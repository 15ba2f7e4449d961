//! The `Charm` trait: four named entry points, the rest is reconcile.
//!
//! Every "the world changed" event runs [`Charm::reconcile`], which is never told which
//! event woke it (kube-rs hides `ReconcileReason` for the same reason: it forces the code
//! to be idempotent). Juju needs an answer only for actions, teardown and the secret
//! lifecycle, so only those have their own methods. There is no `defer`: update-status is
//! the periodic retry, Pebble notices wake the charm when the workload changes, and peer
//! data sequences work across units.

use serde::de::DeserializeOwned;

use crate::action::{ActionError, ActionResults};
use crate::context::Context;
use crate::error::Error;
use crate::stop::Stop;
use juju_model::SecretUri;

/// Why the unit is going away (`stop`, `remove`) or losing storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Teardown {
    /// `stop`: the workload container is about to go (pod churn, upgrade, removal).
    Stop,
    /// `remove`: the unit is being removed for good.
    Remove,
    /// `<storage>-storage-detaching`.
    StorageDetaching {
        /// The storage id, `<name>/<n>`.
        id: String,
    },
}

/// The owner side of a secret's lifecycle, which Juju waits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretLifecycle {
    /// `secret-rotate`: make a new revision (repeated by Juju until one exists).
    Rotate {
        /// The secret.
        uri: SecretUri,
        /// Its owner label, if any.
        label: Option<String>,
    },
    /// `secret-expired`: the revision expired; make a new one and remove it.
    Expired {
        /// The secret.
        uri: SecretUri,
        /// Its owner label, if any.
        label: Option<String>,
        /// The expired revision.
        revision: u64,
    },
    /// `secret-remove`: no consumer tracks the revision any more; remove it.
    Remove {
        /// The secret.
        uri: SecretUri,
        /// Its owner label, if any.
        label: Option<String>,
        /// The unused revision.
        revision: u64,
    },
}

/// A Kubernetes sidecar charm.
///
/// ```
/// use charm_sdk::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// #[serde(rename_all = "kebab-case")]
/// struct Config { port: u16 }
///
/// struct Hello;
///
/// impl Charm for Hello {
///     const CHARMCRAFT: &'static str = "name: hello\nconfig:\n  options:\n    port: {type: int, default: 8080}\n";
///     type Config = Config;
///     type Action = NoActions;
///
///     fn new() -> Self { Hello }
///
///     fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
///         let config = ctx.config()?;            // invalid config: Blocked naming the option
///         ctx.open_ports(&[Port::Tcp(config.port)])?;
///         Ok(())                                 // active
///     }
/// }
/// ```
pub trait Charm: Sized {
    /// The charm's charmcraft.yaml, usually `include_str!("../charmcraft.yaml")`: the one
    /// source of its endpoints, containers, config options and actions.
    const CHARMCRAFT: &'static str;

    /// The typed config; option names map through serde (use `rename_all = "kebab-case"`).
    type Config: DeserializeOwned;

    /// The typed actions: an enum with `#[serde(tag = "name", content = "params",
    /// rename_all = "kebab-case")]`, or [`crate::action::NoActions`].
    type Action: DeserializeOwned;

    /// Builds the charm. Pure: no hook tools run here.
    fn new() -> Self;

    /// Reads the world, computes, writes the world, idempotently.
    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop>;

    /// Runs an action. `Err(ActionError::Failed)` marks the action failed (writes kept);
    /// `Err(ActionError::Error)` fails the hook (writes discarded).
    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Self::Action) -> Result<ActionResults, ActionError> {
        let _ = (ctx, action);
        Err(ActionError::failed("this charm has no actions"))
    }

    /// Stops or removes the workload. The default does nothing.
    fn teardown(&self, ctx: &mut Context<'_, Self>, teardown: Teardown) -> Result<(), Error> {
        let _ = (ctx, teardown);
        Ok(())
    }

    /// Answers the owner side of a secret's lifecycle. The default does nothing.
    fn secret_lifecycle(&self, ctx: &mut Context<'_, Self>, event: SecretLifecycle) -> Result<(), Error> {
        let _ = (ctx, event);
        Ok(())
    }
}
