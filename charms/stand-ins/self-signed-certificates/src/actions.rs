//! The actions, with the Python charm's names, result keys and failure messages, so
//! scripts written against `juju run self-signed-certificates/0 get-ca-certificate` work
//! against the stand-in.

use charm_interfaces::pyjson;
use charm_interfaces::tls::ProviderCertificate;
use charm_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{ca, provide, SelfSignedCertificates};

/// `rotate-private-key`'s result, as the Python charm words it.
pub const ROTATED: &str = "New private key and CA certificate generated and stored.";

/// The charm's actions.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub enum Action {
    /// Result `ca-certificate`: the CA certificate PEM.
    GetCaCertificate,
    /// Result `certificates`: the issued, non-revoked certificates.
    GetIssuedCertificates,
    /// New CA key and certificate; every certificate re-issued.
    RotatePrivateKey,
}

/// One entry of `get-issued-certificates`, the library's `ProviderCertificate.to_json()`.
#[derive(Serialize)]
struct IssuedJson<'a> {
    csr: &'a str,
    certificate: &'a str,
    ca: &'a str,
    chain: &'a [String],
    revoked: bool,
}

/// Runs `action`.
pub fn run(ctx: &mut Context<'_, SelfSignedCertificates>, action: Action) -> Result<ActionResults, ActionError> {
    match action {
        Action::GetCaCertificate => {
            let certificate =
                ca::certificate(ctx)?.ok_or_else(|| ActionError::failed("Root Certificate is not yet generated"))?;
            Ok(ActionResults::new().set("ca-certificate", certificate)?)
        }
        Action::GetIssuedCertificates => {
            // As the library: a non-leader cannot read what the application published.
            let issued = match ctx.leader()? {
                Some(leader) => provide::tls_provider().issued(ctx, &leader).map_err(failure)?,
                None => Vec::new(),
            };
            let issued: Vec<ProviderCertificate> = issued.into_iter().filter(|c| !c.revoked).collect();
            if issued.is_empty() {
                return Err(ActionError::failed("No certificates issued yet."));
            }
            Ok(ActionResults::new().set("certificates", issued_json(&issued)?)?)
        }
        Action::RotatePrivateKey => rotate(ctx),
    }
}

/// A JSON list of `to_json()` strings (the Python charm hands Juju a list of them).
pub fn issued_json(issued: &[ProviderCertificate]) -> Result<String, ActionError> {
    let entries = issued
        .iter()
        .map(|c| {
            pyjson::dumps(&IssuedJson {
                csr: &c.certificate_signing_request,
                certificate: &c.certificate,
                ca: &c.ca,
                chain: &c.chain,
                revoked: c.revoked,
            })
        })
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| ActionError::Error(Error::msg(format!("encoding the certificates: {e}"))))?;
    pyjson::dumps(&entries).map_err(|e| ActionError::Error(Error::msg(format!("encoding the certificates: {e}"))))
}

fn rotate(ctx: &mut Context<'_, SelfSignedCertificates>) -> Result<ActionResults, ActionError> {
    let leader = ctx
        .leader()?
        .ok_or_else(|| ActionError::failed("This action can only be run on the leader unit."))?;
    let settings = ctx
        .config()?
        .settings()
        .map_err(|message| ActionError::failed(format!("Private key rotation failed: {message}")))?;
    let existing = ca::certificate(ctx)?.is_some();
    let authority = if existing {
        ca::replace(ctx, &settings).map_err(failure)?
    } else {
        ca::ensure(ctx, &leader, &settings).map_err(failure)?.authority
    };
    provide::tls_provider().revoke_all(ctx, &leader).map_err(failure)?;
    provide::publish(ctx, &leader, &authority, &settings).map_err(failure)?;
    ctx.info("revoked every certificate and re-issued them with the new CA");
    Ok(ActionResults::new().set("result", ROTATED)?)
}

/// Interface errors fail the hook (Juju retries nothing for actions, but the writes are
/// discarded); their messages never hold key material.
fn failure(e: charm_interfaces::error::Error) -> ActionError {
    match e {
        charm_interfaces::error::Error::Sdk(e) => ActionError::Error(e),
        other => ActionError::Error(Error::msg(other.to_string())),
    }
}
