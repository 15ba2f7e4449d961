//! The provider side of tls-certificates: read every requirer's CSRs, publish certificates.
//!
//! What the Python `TLSCertificatesProvidesV4` does across its handlers, as one idempotent
//! [`TlsProvider::reconcile`] for the leader: drop certificates whose CSR is no longer
//! requested, issue for each *outstanding* CSR (no non-revoked certificate whose public key
//! matches it), record refusals in `request_errors`, publish capabilities. The entries keep
//! the library's order (existing first, new appended) so an unchanged state writes nothing.
//!
//! Unlike the library's `dump(clear=True)`, other keys in our app bag are left alone.

use charm_sdk::{Charm, Context, Leader, Relation};
use juju_model::{AppName, RelationId, UnitName};

use super::certificate::ProviderCertificate;
use super::wire::{
    CertificateEntry, CertificateError, CsrEntry, ProviderAppData, ProviderCapabilities, RequestError, RequirerData,
};
use super::{CertificateInfo, CsrInfo};
use crate::error::Error;

/// Who wrote a request: a unit (unit mode) or the application's leader (app mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// A unit's own request, from its unit bag.
    Unit(UnitName),
    /// An application request, from the app bag.
    App(AppName),
}

/// One CSR found in a requirer's bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The relation it came on.
    pub relation_id: RelationId,
    /// Whose bag it was in.
    pub requester: Requester,
    /// The CSR PEM, exactly as written (certificates are matched on this string).
    pub csr: String,
    /// Whether a CA certificate is requested.
    pub is_ca: bool,
    /// What the CSR asks for.
    pub info: CsrInfo,
}

/// The requests on all relations, and the bags or entries that could not be read.
#[derive(Debug, Default)]
pub struct RequestScan {
    /// Readable requests, relation by relation, units first then the app.
    pub requests: Vec<CertificateRequest>,
    /// What was skipped and why (the Python library logs and skips these too).
    pub invalid: Vec<Error>,
}

/// A certificate made for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The certificate PEM.
    pub certificate: String,
    /// The issuing CA PEM.
    pub ca: String,
    /// Leaf first, then intermediates, then the root.
    pub chain: Vec<String>,
}

/// What the issuer decided for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuance {
    /// Publish this certificate.
    Issued(IssuedCertificate),
    /// Refuse, and tell the requirer why (`request_errors`).
    Refused(CertificateError),
    /// Not now (e.g. the CA is not ready); asked again on the next reconcile.
    Deferred,
}

/// What one reconcile did.
#[derive(Debug, Default)]
pub struct ProviderReport {
    /// Certificates newly published.
    pub issued: usize,
    /// Requests refused.
    pub refused: usize,
    /// Certificates withdrawn because their CSR is gone.
    pub withdrawn: usize,
    /// Requests that could not be read.
    pub invalid: Vec<Error>,
}

/// The provider side of one endpoint.
#[derive(Debug, Clone)]
pub struct TlsProvider {
    endpoint: String,
    capabilities: Option<ProviderCapabilities>,
}

impl TlsProvider {
    /// A provider on `endpoint` that advertises no capabilities.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            capabilities: None,
        }
    }

    /// Advertise these capabilities (charmlibs ≥ 1.10 requirers read them).
    pub fn with_capabilities(mut self, capabilities: ProviderCapabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Every request on every relation of the endpoint (any unit may read these).
    pub fn requests<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<RequestScan, Error> {
        let mut scan = RequestScan::default();
        for relation in ctx.relations(&self.endpoint)? {
            self.scan_relation(ctx, &relation, &mut scan)?;
        }
        Ok(scan)
    }

    fn scan_relation<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        scan: &mut RequestScan,
    ) -> Result<(), Error> {
        let mut bags = Vec::new();
        for unit in ctx.remote_units(relation)? {
            let bag = ctx.unit_data(relation, &unit)?;
            bags.push((Requester::Unit(unit), bag));
        }
        if let Some(app) = ctx.remote_app(relation)? {
            let bag = ctx.remote_app_data(relation)?;
            bags.push((Requester::App(app), bag));
        }
        for (requester, bag) in bags {
            let what = match &requester {
                Requester::Unit(u) => format!("{}:{} unit {u}", relation.endpoint, relation.id),
                Requester::App(a) => format!("{}:{} application {a}", relation.endpoint, relation.id),
            };
            let data = match RequirerData::from_bag(&bag, &what) {
                Ok(data) => data,
                Err(e) => {
                    scan.invalid.push(e);
                    continue;
                }
            };
            for CsrEntry {
                certificate_signing_request: csr,
                ca,
            } in data.certificate_signing_requests
            {
                match CsrInfo::parse(&csr) {
                    Ok(info) => scan.requests.push(CertificateRequest {
                        relation_id: relation.id,
                        requester: requester.clone(),
                        csr,
                        is_ca: ca.unwrap_or(false),
                        info,
                    }),
                    Err(e) => scan.invalid.push(Error::remote(format!("{what} CSR"), e)),
                }
            }
        }
        Ok(())
    }

    /// What we published on `relation` (leader only: the provider's own app bag).
    pub fn published<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        relation: &Relation,
    ) -> Result<ProviderAppData, Error> {
        let bag = ctx.local_app_data(relation, Some(leader))?;
        ProviderAppData::from_bag(
            &bag,
            &format!("{}:{} own application data", relation.endpoint, relation.id),
        )
    }

    /// Publishes what the relations need: withdraws certificates nobody asks for, asks
    /// `issue` about each outstanding request, records refusals, advertises capabilities.
    /// Only the leader writes; call it on every hook.
    pub fn reconcile<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        mut issue: impl FnMut(&CertificateRequest) -> Result<Issuance, Error>,
    ) -> Result<ProviderReport, Error> {
        let mut report = ProviderReport::default();
        for relation in ctx.relations(&self.endpoint)? {
            let mut scan = RequestScan::default();
            self.scan_relation(ctx, &relation, &mut scan)?;
            report.invalid.append(&mut scan.invalid);
            // Our own bag: if it does not parse, start over rather than stay stuck.
            let mut data = self.published(ctx, leader, &relation).unwrap_or_default();

            let before = data.certificates.len();
            data.certificates
                .retain(|c| scan.requests.iter().any(|r| r.csr == c.certificate_signing_request));
            report.withdrawn += before - data.certificates.len();
            data.request_errors
                .retain(|e| scan.requests.iter().any(|r| r.csr == e.csr));

            for request in &scan.requests {
                if is_served(&data, request) {
                    continue;
                }
                match issue(request)? {
                    Issuance::Issued(cert) => {
                        data.certificates
                            .retain(|c| c.certificate_signing_request != request.csr);
                        data.request_errors.retain(|e| e.csr != request.csr);
                        data.certificates.push(CertificateEntry {
                            ca: cert.ca,
                            certificate_signing_request: request.csr.clone(),
                            certificate: cert.certificate,
                            chain: Some(cert.chain),
                            revoked: None,
                        });
                        report.issued += 1;
                    }
                    Issuance::Refused(error) => {
                        data.certificates
                            .retain(|c| c.certificate_signing_request != request.csr);
                        // Updated in place, so asking again with the same answer writes nothing.
                        match data.request_errors.iter_mut().find(|e| e.csr == request.csr) {
                            Some(existing) => existing.error = error,
                            None => data.request_errors.push(RequestError {
                                csr: request.csr.clone(),
                                error,
                            }),
                        }
                        report.refused += 1;
                    }
                    Issuance::Deferred => {}
                }
            }
            data.capabilities = self.capabilities.clone();
            ctx.update_app_data(&relation, leader, &data.to_bag()?)?;
        }
        Ok(report)
    }

    /// Marks every published certificate revoked (the CA changed); the next reconcile
    /// issues replacements. Leader only.
    pub fn revoke_all<C: Charm>(&self, ctx: &mut Context<'_, C>, leader: &Leader) -> Result<(), Error> {
        for relation in ctx.relations(&self.endpoint)? {
            let mut data = self.published(ctx, leader, &relation)?;
            for cert in &mut data.certificates {
                cert.revoked = Some(true);
            }
            ctx.update_app_data(&relation, leader, &data.to_bag()?)?;
        }
        Ok(())
    }

    /// The certificates we published on all relations, typed (entries that do not parse
    /// are skipped). Leader only.
    pub fn issued<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
    ) -> Result<Vec<ProviderCertificate>, Error> {
        let mut out = Vec::new();
        for relation in ctx.relations(&self.endpoint)? {
            for entry in self.published(ctx, leader, &relation)?.certificates {
                if let Ok(cert) = ProviderCertificate::from_entry(relation.id, &entry) {
                    out.push(cert);
                }
            }
        }
        Ok(out)
    }
}

/// The library's "issued" test: a non-revoked certificate for this CSR whose public key
/// is the CSR's.
fn is_served(data: &ProviderAppData, request: &CertificateRequest) -> bool {
    data.certificates.iter().any(|c| {
        c.certificate_signing_request == request.csr
            && c.revoked != Some(true)
            && CertificateInfo::parse(&c.certificate).is_ok_and(|info| info.public_key == request.info.public_key)
    })
}
