//! What the leader publishes on every pass: a certificate for each outstanding CSR on
//! `certificates`, and the CA certificate on `send-ca-cert`.
//!
//! Both sides are the interface libraries' reconcile-shaped providers, so this module only
//! decides *how* to answer a request (sign it with the CA, hold it back past the
//! per-relation limit, refuse what cannot be signed). It is shared by reconcile, the
//! `rotate-private-key` action and CA renewal, which all end with "publish what the CA
//! in force says".

use std::collections::{BTreeMap, BTreeSet};

use charm_interfaces::certificate_transfer::CertificateTransferProvider;
use charm_interfaces::error::Error;
use charm_interfaces::tls::wire::CertificateError;
use charm_interfaces::tls::{CertificateAuthority, Issuance, ProviderReport, TlsProvider};
use charm_sdk::prelude::*;
use juju_model::RelationId;

use crate::config::Settings;

/// The tls-certificates endpoint.
pub const CERTIFICATES: &str = "certificates";
/// The certificate_transfer endpoint.
pub const SEND_CA_CERT: &str = "send-ca-cert";
/// The catch-all error code of the interface (`CertificateRequestErrorCode.OTHER`).
const OTHER: i64 = 999;

/// The provider of the `certificates` endpoint (no capabilities advertised, as the Python
/// charm advertises none).
pub fn tls_provider() -> TlsProvider {
    TlsProvider::new(CERTIFICATES)
}

/// Signs every outstanding request (up to the per-relation limit) and sends the CA
/// certificate to every `send-ca-cert` relation. Leader only; idempotent.
pub fn publish<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    ca: &CertificateAuthority,
    settings: &Settings,
) -> Result<ProviderReport, Error> {
    let mut seen: BTreeMap<RelationId, usize> = BTreeMap::new();
    let report = tls_provider().reconcile(ctx, leader, |request| {
        let count = seen.entry(request.relation_id).or_default();
        *count += 1;
        if settings.certificate_limit.is_some_and(|limit| *count > limit) {
            return Ok(Issuance::Deferred);
        }
        Ok(
            match ca.sign_csr(&request.csr, request.is_ca, settings.certificate_validity) {
                Ok(issued) => Issuance::Issued(issued),
                Err(e) => Issuance::Refused(CertificateError {
                    code: OTHER,
                    name: "OTHER".to_owned(),
                    message: format!("the CSR cannot be signed: {e}"),
                    reason: None,
                    provider: None,
                    endpoint: None,
                }),
            },
        )
    })?;
    for invalid in &report.invalid {
        ctx.warn(&format!("skipped a certificate request: {invalid}"));
    }
    if report.issued + report.refused + report.withdrawn > 0 {
        ctx.info(&format!(
            "certificates: {} issued, {} refused, {} withdrawn",
            report.issued, report.refused, report.withdrawn
        ));
    }
    let cas: BTreeSet<String> = [ca.certificate().to_owned()].into();
    CertificateTransferProvider::new(SEND_CA_CERT).reconcile(ctx, leader, &cas)?;
    Ok(report)
}
