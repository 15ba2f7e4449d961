//! A stand-in for Canonical's `self-signed-certificates` charm, for local models and
//! end-to-end tests that cannot download charms from Charmhub.
//!
//! Why a stand-in and not the real charm: bundles and tests name `self-signed-certificates`
//! and its endpoints (`certificates`, `send-ca-cert`), config and actions; the local model
//! cannot fetch the Python charm. This charm keeps that surface and the wire format
//! (tls-certificates through [`charm_interfaces::tls::TlsProvider`], certificate_transfer
//! through [`charm_interfaces::certificate_transfer::CertificateTransferProvider`]) and
//! has no workload, so it deploys anywhere.
//!
//! Every hook the leader converges: a valid config ([`config`]), the CA in its
//! application-owned secret, remade when the config no longer describes it ([`ca`]), and
//! every CSR answered, the CA sent to every `send-ca-cert` relation ([`provide`]). Other
//! units are Blocked, as in the Python charm (it does not scale). Actions are in
//! [`actions`].

pub mod actions;
pub mod ca;
pub mod config;
pub mod provide;

use charm_sdk::prelude::*;

pub use actions::Action;
pub use config::Config;

/// The status of non-leader units (the Python charm's words).
pub const NOT_LEADER: &str = "Scaling is not implemented for this charm";

/// The charm.
#[derive(Debug)]
pub struct SelfSignedCertificates;

impl Charm for SelfSignedCertificates {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = Config;
    type Action = Action;

    fn new() -> Self {
        SelfSignedCertificates
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let leader = ctx.leader()?.or_blocked(NOT_LEADER)?;
        let settings = ctx.config()?.settings().map_err(Stop::blocked)?;
        let active = ca::ensure(ctx, &leader, &settings)?;
        if active.replaced {
            provide::tls_provider().revoke_all(ctx, &leader)?;
        }
        provide::publish(ctx, &leader, &active.authority, &settings)?;
        ctx.add_status(Status::active(""));
        Ok(())
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        actions::run(ctx, action)
    }

    fn secret_lifecycle(&self, ctx: &mut Context<'_, Self>, event: SecretLifecycle) -> Result<(), Error> {
        match event {
            // The CA reached its renewal point: a new CA for the same config. Certificates
            // already issued stay valid (the old CA outlives them), as in the Python charm.
            // The old revision, which nobody tracks, is removed on its secret-remove below.
            SecretLifecycle::Expired { label: Some(label), .. } if label == ca::CA_SECRET_LABEL => {
                let Some(leader) = ctx.leader()? else { return Ok(()) };
                let Ok(settings) = ctx.config()?.settings() else {
                    return Ok(());
                };
                let authority = ca::replace(ctx, &settings).map_err(sdk_error)?;
                ctx.info("CA certificate renewed");
                provide::publish(ctx, &leader, &authority, &settings).map_err(sdk_error)?;
                Ok(())
            }
            SecretLifecycle::Remove {
                uri,
                label: Some(label),
                revision,
            } if label == ca::CA_SECRET_LABEL => ctx.remove_secret(&uri, Some(revision)),
            _ => Ok(()),
        }
    }
}

fn sdk_error(e: charm_interfaces::error::Error) -> Error {
    match e {
        charm_interfaces::error::Error::Sdk(e) => e,
        other => Error::msg(other.to_string()),
    }
}
