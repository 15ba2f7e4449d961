//! A stand-in for Canonical's `data-integrator` charm, for local models and end-to-end
//! tests that cannot download charms from Charmhub.
//!
//! Why a stand-in: bundles and tests integrate `data-integrator` with Kafka, ZooKeeper or
//! PostgreSQL and read `get-credentials`; the local model cannot fetch the Python charm.
//! This one keeps the parts we use — the `kafka`, `zookeeper` and `postgresql` endpoints,
//! four config options, the action and its result keys, the statuses — on the data-platform
//! requirers of `charm-interfaces` (the library's v0 wire format), with no workload.
//!
//! Every hook: Blocked until the config names a topic or database ([`config`]); on each
//! related endpoint, ask for it until the provider grants it ([`products`]); then the
//! Python charm's statuses ([`status`]). `get-credentials` is in [`credentials`].

pub mod config;
pub mod credentials;
pub mod products;
pub mod status;

use charm_sdk::prelude::*;
use serde::Deserialize;

pub use config::Config;

/// The charm's actions.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub enum Action {
    /// Every provider's credentials.
    GetCredentials,
}

/// The charm.
#[derive(Debug)]
pub struct DataIntegrator;

impl Charm for DataIntegrator {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = Config;
    type Action = Action;

    fn new() -> Self {
        DataIntegrator
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let config = ctx.config()?;
        if let Some(problem) = config.problem() {
            return Err(Stop::blocked(problem));
        }
        let mut observed = Vec::new();
        for product in products::PRODUCTS {
            let Some(seen) = products::observe(ctx, product, &config)? else {
                continue;
            };
            // Ask until the provider grants something; afterwards a different config
            // blocks (see `status`) instead of asking again.
            if product.wanted(&config).is_some() && seen.active().is_none() {
                products::request(ctx, product, &config)?;
            }
            observed.push(seen);
        }
        if let Some(message) = status::blocked(&config, &observed) {
            return Err(Stop::blocked(message));
        }
        ctx.add_status(Status::active(""));
        Ok(())
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        match action {
            Action::GetCredentials => credentials::get_credentials(ctx),
        }
    }
}
