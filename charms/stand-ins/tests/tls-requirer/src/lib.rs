//! Fixture charm of the stand-in end-to-end tests: a minimal tls-certificates requirer.
//!
//! It exists so the `self-signed-certificates` stand-in is tested against our own
//! requirer library in a real model, without any workload: each unit asks for a
//! certificate for `<app>-<n>`, keeps what it gets in unit state (certificates are public),
//! and `get-certificate` shows it with the CAs received over certificate_transfer.

use charm_interfaces::certificate_transfer::CertificateTransferRequirer;
use charm_interfaces::tls::{CertRequest, TlsRequirer};
use charm_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// Unit-state key of what the unit received.
pub const RECEIVED_KEY: &str = "received";

/// The fixture's actions.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub enum Action {
    /// Results `certificate`, `ca`, `trusted-cas` (a JSON list).
    GetCertificate,
}

/// What the unit has received so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// The certificate PEM.
    pub certificate: Option<String>,
    /// Its CA PEM.
    pub ca: Option<String>,
    /// The CAs sent on `receive-ca-cert`.
    pub trusted_cas: Vec<String>,
}

/// The fixture charm.
#[derive(Debug)]
pub struct TlsRequirerFixture;

impl Charm for TlsRequirerFixture {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = serde_json::Value;
    type Action = Action;

    fn new() -> Self {
        TlsRequirerFixture
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let leader = ctx.leader()?;
        let name = ctx.unit().to_string().replace('/', "-");
        let request = CertRequest::new(name.clone()).dns(name);
        let assigned = TlsRequirer::new("certificates", request).reconcile(ctx, leader.as_ref())?;
        let trusted = CertificateTransferRequirer::new("receive-ca-cert").reconcile(ctx, leader.as_ref())?;
        let received = Received {
            certificate: assigned.as_ref().map(|a| a.certificate.certificate.clone()),
            ca: assigned.as_ref().map(|a| a.certificate.ca.clone()),
            trusted_cas: trusted.all().into_iter().collect(),
        };
        if ctx.unit_state::<Received>(RECEIVED_KEY)?.as_ref() != Some(&received) {
            ctx.set_unit_state(RECEIVED_KEY, &received)?;
        }
        let assigned = assigned.or_waiting("waiting for a certificate")?;
        let name = assigned.certificate.info.common_name.clone().unwrap_or_default();
        ctx.add_status(Status::active(format!(
            "certificate for {name}, {} trusted CA(s)",
            received.trusted_cas.len()
        )));
        Ok(())
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        let Action::GetCertificate = action;
        let received: Received = ctx.unit_state(RECEIVED_KEY)?.unwrap_or_default();
        let certificate = received
            .certificate
            .ok_or_else(|| ActionError::failed("no certificate yet"))?;
        let trusted = serde_json::to_string(&received.trusted_cas).map_err(|e| Error::msg(e.to_string()))?;
        Ok(ActionResults::new()
            .set("certificate", certificate)?
            .set("ca", received.ca.unwrap_or_default())?
            .set("trusted-cas", trusted)?)
    }
}
