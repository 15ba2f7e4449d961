//! The requirer side of tls-certificates: ask for a certificate, get it, renew it.
//!
//! The Python library reacts to events (`relation-changed`, `secret-expired`); here one
//! idempotent [`TlsRequirer::reconcile`] runs on every hook and converges the same state:
//!
//! 1. a private key exists in an owned secret (labelled as the Python library does);
//! 2. our bag holds exactly one CSR, for the attributes asked for *now*, signed by that
//!    key — a CSR whose attributes drifted (new SANs) or whose key changed is replaced;
//! 3. the provider's certificate for that CSR (exact string match, CA flag as requested,
//!    public key ours) is accepted, stored in a certificate secret whose expiry is the
//!    renewal time (so Juju wakes the charm with `secret-expired`), and returned;
//! 4. past the renewal time (`not_before + 0.9 × validity` by default) the CSR is replaced
//!    by a fresh one, which makes the provider issue a new certificate; a revoked
//!    certificate is dropped and the provider's replacement awaited.
//!
//! Writes happen only when something differs, so calling it on every hook costs reads.
//!
//! [`TlsRequirer::replace_private_key`] (an operator's key, or a fresh one) is the one
//! write from outside the loop: it stores the key, and the same convergence then replaces
//! the CSR, since the old CSR's public key is no longer ours.

use std::time::SystemTime;

use charm_sdk::{Charm, Context, Leader, Relation, SecretContent};
use juju_model::Databag;

use super::certificate::ProviderCertificate;
use super::labels::{self, Mode};
use super::secrets::{self, Owner};
use super::wire::{CsrEntry, ProviderAppData, RequirerData};
use super::{CertRequest, CsrInfo, KeyAlgorithm, PrivateKey};
use crate::error::Error;

/// The default renewal point, as a fraction of the validity (`renewal_relative_time`).
pub const DEFAULT_RENEWAL_FRACTION: f64 = 0.9;

/// The certificate assigned to us, with the key it certifies.
#[derive(Debug, Clone)]
pub struct AssignedCertificate {
    /// What the provider published.
    pub certificate: ProviderCertificate,
    /// Our private key (from our secret). Never log it.
    pub private_key: PrivateKey,
}

/// What [`TlsRequirer::replace_private_key`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyReplacement {
    /// The key was stored and a CSR signed by it published in place of the old one.
    Requested,
    /// The key is the one already in use: nothing was written.
    Unchanged,
    /// The endpoint has no relation: nothing was written.
    NotRelated,
    /// App mode on a unit that is not the leader: nothing was written.
    NotLeader,
}

/// One certificate request on one endpoint, in unit or app mode.
///
/// It owns the endpoint's CSR list in its bag: use one `TlsRequirer` per endpoint.
#[derive(Debug, Clone)]
pub struct TlsRequirer {
    endpoint: String,
    request: CertRequest,
    mode: Mode,
    renewal_fraction: f64,
    key_algorithm: KeyAlgorithm,
}

impl TlsRequirer {
    /// A unit-mode requirer for `request` on `endpoint`.
    pub fn new(endpoint: impl Into<String>, request: CertRequest) -> Self {
        Self {
            endpoint: endpoint.into(),
            request,
            mode: Mode::Unit,
            renewal_fraction: DEFAULT_RENEWAL_FRACTION,
            key_algorithm: KeyAlgorithm::default(),
        }
    }

    /// Sets the mode (unit: each unit its own certificate; app: the leader one for all).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Renew at this fraction of the validity (clamped to 0.5–1.0).
    pub fn renewal_fraction(mut self, fraction: f64) -> Self {
        self.renewal_fraction = fraction.clamp(0.5, 1.0);
        self
    }

    /// The kind of key generated when none exists yet.
    pub fn key_algorithm(mut self, algorithm: KeyAlgorithm) -> Self {
        self.key_algorithm = algorithm;
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The request.
    pub fn request(&self) -> &CertRequest {
        &self.request
    }

    /// Whether `certificate` is due for renewal at `now`.
    pub fn needs_renewal(&self, certificate: &ProviderCertificate, now: SystemTime) -> bool {
        certificate.info.needs_renewal(now, self.renewal_fraction)
    }

    /// Whether a secret label (from `secret-expired`) is one of this requirer's
    /// certificate secrets: answer it by running [`Self::reconcile`], which renews.
    pub fn owns_secret_label<C: Charm>(&self, ctx: &Context<'_, C>, label: &str) -> bool {
        label.starts_with(&labels::certificate_prefix(self.mode, ctx.unit(), &self.endpoint))
    }

    /// Converges the relation (see the module docs) and returns the certificate assigned
    /// to us, if there is one. `leader` is required in app mode (without it: `None`,
    /// nothing written); in unit mode it is not used.
    pub fn reconcile<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: Option<&Leader>,
    ) -> Result<Option<AssignedCertificate>, Error> {
        self.reconcile_at(ctx, leader, SystemTime::now())
    }

    /// [`Self::reconcile`] with the clock given (tests, deterministic renewal).
    pub fn reconcile_at<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: Option<&Leader>,
        now: SystemTime,
    ) -> Result<Option<AssignedCertificate>, Error> {
        self.request.validate()?;
        let owner = match (self.mode, leader) {
            (Mode::Unit, _) => Owner::Unit,
            (Mode::App, Some(leader)) => Owner::App(leader),
            (Mode::App, None) => return Ok(None),
        };
        let Some(relation) = ctx.relation(&self.endpoint)? else {
            self.clean_up(ctx)?;
            return Ok(None);
        };
        let key = self.ensure_key(ctx, owner)?;
        let (assigned, deferred) = self.converge(ctx, &relation, leader, key, now)?;
        match deferred {
            Some(e) => Err(e),
            None => Ok(assigned),
        }
    }

    /// Replaces our private key with `key` (an operator's, or a fresh one to rotate): the
    /// key secret gets a new revision, the CSR made with the old key is withdrawn from our
    /// bag and its certificate secret removed, and a CSR for the same attributes, signed by
    /// `key`, takes its place. The provider's certificate for it arrives in a later hook,
    /// where [`Self::reconcile`] returns it. Nothing is written when the relation does not
    /// exist (the key would be removed with the relation's secrets anyway), in app mode
    /// without `leader`, or when `key` is the key already in use.
    pub fn replace_private_key<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: Option<&Leader>,
        key: &PrivateKey,
    ) -> Result<KeyReplacement, Error> {
        self.request.validate()?;
        let owner = match (self.mode, leader) {
            (Mode::Unit, _) => Owner::Unit,
            (Mode::App, Some(leader)) => Owner::App(leader),
            (Mode::App, None) => return Ok(KeyReplacement::NotLeader),
        };
        let Some(relation) = ctx.relation(&self.endpoint)? else {
            return Ok(KeyReplacement::NotRelated);
        };
        let label = labels::private_key(self.mode, ctx.unit(), &self.endpoint);
        let current = secrets::read(ctx, &label)?.and_then(|content| {
            content
                .get("private-key")
                .and_then(|pem| PrivateKey::from_pem(pem).ok())
        });
        if current.is_some_and(|k| k.public_key_raw() == key.public_key_raw()) {
            return Ok(KeyReplacement::Unchanged);
        }
        let mut content = SecretContent::new();
        content.insert("private-key".to_owned(), key.to_pem());
        secrets::ensure(ctx, owner, &label, &content, None)?;
        ctx.info(&format!(
            "the private key for {} was replaced; requesting a certificate for the new key",
            self.endpoint
        ));
        // Bad provider data is not this call's business: the next reconcile reports it.
        let _ = self.converge(ctx, &relation, leader, key.clone(), SystemTime::now())?;
        Ok(KeyReplacement::Requested)
    }

    /// Steps 2–4 of the module docs with `key`: returns the assigned certificate and an
    /// error about the provider's data to report once our own bag is written.
    fn converge<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        leader: Option<&Leader>,
        key: PrivateKey,
        now: SystemTime,
    ) -> Result<(Option<AssignedCertificate>, Option<Error>), Error> {
        // Our bag: keep the first CSR that still asks for what we want with our key.
        let bag = self.own_bag(ctx, relation, leader)?;
        // A bag we cannot read is ours to overwrite (the Python library does the same).
        let ours = RequirerData::from_bag(&bag, "own bag").unwrap_or_default();
        let mut current: Option<CsrEntry> = None;
        let mut dropped: Vec<String> = Vec::new();
        for entry in ours.certificate_signing_requests {
            let wanted = current.is_none()
                && CsrInfo::parse(&entry.certificate_signing_request).is_ok_and(|info| {
                    self.request.matches(&info, entry.ca.unwrap_or(false)) && info.public_key == key.public_key_raw()
                });
            if wanted {
                current = Some(entry);
            } else {
                dropped.push(entry.certificate_signing_request);
            }
        }

        // The provider's answer (read before deciding on renewal; written after our CSR).
        let provider = ctx.remote_app_data(relation)?;
        let what = format!("{}:{} provider application data", relation.endpoint, relation.id);
        // Bad provider data is reported after our own bag is written, so the provider
        // still gets our request.
        let (provider, mut deferred) = match ProviderAppData::from_bag(&provider, &what) {
            Ok(data) => (Some(data), None),
            Err(e) => (None, Some(e)),
        };

        let mut assigned: Option<ProviderCertificate> = None;
        if let (Some(entry), Some(provider)) = (&current, &provider) {
            let found = self
                .find_certificate(relation, provider, entry, &key)
                .unwrap_or_else(|e| {
                    deferred = Some(e);
                    None
                });
            match found {
                Some(cert) if cert.revoked => {
                    secrets::remove(ctx, &self.cert_label(ctx, &entry.certificate_signing_request))?;
                }
                Some(cert) if self.needs_renewal(&cert, now) => {
                    ctx.info(&format!(
                        "renewing the certificate on {}: past its renewal time",
                        self.endpoint
                    ));
                    dropped.push(entry.certificate_signing_request.clone());
                    current = None;
                }
                found => assigned = found,
            }
        }

        let csr = match current {
            Some(entry) => entry,
            None => CsrEntry {
                certificate_signing_request: self.request.to_csr_pem(&key)?,
                ca: Some(self.request.is_ca),
            },
        };
        let data = RequirerData {
            certificate_signing_requests: vec![csr.clone()],
        };
        self.write_own_bag(ctx, relation, leader, &data.to_bag()?)?;
        for old in &dropped {
            secrets::remove(ctx, &self.cert_label(ctx, old))?;
        }

        let Some(certificate) = assigned else {
            return Ok((None, deferred));
        };
        let mut content = SecretContent::new();
        content.insert("certificate".to_owned(), certificate.certificate.clone());
        content.insert("csr".to_owned(), csr.certificate_signing_request.clone());
        let expire = rfc3339(certificate.info.renewal_time(self.renewal_fraction));
        let label = self.cert_label(ctx, &csr.certificate_signing_request);
        // Certificate secrets are unit-owned in both modes, as in the Python library.
        secrets::ensure(ctx, Owner::Unit, &label, &content, Some(expire))?;
        Ok((
            Some(AssignedCertificate {
                certificate,
                private_key: key,
            }),
            deferred,
        ))
    }

    /// The private key from our secret, created on first use. A secret whose content is
    /// not a key we can read is overwritten with a new key.
    pub fn private_key<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: Option<&Leader>,
    ) -> Result<Option<PrivateKey>, Error> {
        let owner = match (self.mode, leader) {
            (Mode::Unit, _) => Owner::Unit,
            (Mode::App, Some(leader)) => Owner::App(leader),
            (Mode::App, None) => return Ok(None),
        };
        self.ensure_key(ctx, owner).map(Some)
    }

    fn ensure_key<C: Charm>(&self, ctx: &mut Context<'_, C>, owner: Owner<'_>) -> Result<PrivateKey, Error> {
        let label = labels::private_key(self.mode, ctx.unit(), &self.endpoint);
        if let Some(content) = secrets::read(ctx, &label)? {
            if let Some(key) = content
                .get("private-key")
                .and_then(|pem| PrivateKey::from_pem(pem).ok())
            {
                return Ok(key);
            }
            ctx.warn(&format!(
                "the private key secret {label} holds no readable key; generating a new key"
            ));
        }
        let key = PrivateKey::generate(self.key_algorithm)?;
        let mut content = SecretContent::new();
        content.insert("private-key".to_owned(), key.to_pem());
        secrets::ensure(ctx, owner, &label, &content, None)?;
        Ok(key)
    }

    fn find_certificate(
        &self,
        relation: &Relation,
        provider: &ProviderAppData,
        csr: &CsrEntry,
        key: &PrivateKey,
    ) -> Result<Option<ProviderCertificate>, Error> {
        let wanted = csr.certificate_signing_request.trim();
        for entry in &provider.certificates {
            if entry.certificate_signing_request.trim() != wanted {
                continue;
            }
            let cert = ProviderCertificate::from_entry(relation.id, entry).map_err(|e| {
                Error::remote(
                    format!("{}:{} provider certificate for our CSR", relation.endpoint, relation.id),
                    e,
                )
            })?;
            if cert.info.is_ca == self.request.is_ca && cert.info.public_key == key.public_key_raw() {
                return Ok(Some(cert));
            }
        }
        Ok(None)
    }

    fn cert_label<C: Charm>(&self, ctx: &Context<'_, C>, csr: &str) -> String {
        labels::certificate(self.mode, ctx.unit(), &self.endpoint, csr)
    }

    fn own_bag<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        leader: Option<&Leader>,
    ) -> Result<Databag, Error> {
        Ok(match self.mode {
            Mode::Unit => ctx.local_unit_data(relation)?,
            Mode::App => ctx.local_app_data(relation, leader)?,
        })
    }

    fn write_own_bag<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        leader: Option<&Leader>,
        changes: &Databag,
    ) -> Result<(), Error> {
        match (self.mode, leader) {
            (Mode::App, Some(leader)) => ctx.update_app_data(relation, leader, changes)?,
            _ => ctx.update_unit_data(relation, changes)?,
        };
        Ok(())
    }

    /// No relation: the key and certificate secrets go, as the Python library removes
    /// them on relation-broken. Costs one `secret-info-get` when there is nothing to do.
    fn clean_up<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        let key_label = labels::private_key(self.mode, ctx.unit(), &self.endpoint);
        if secrets::remove(ctx, &key_label)? {
            let prefix = labels::certificate_prefix(self.mode, ctx.unit(), &self.endpoint);
            secrets::remove_prefixed(ctx, &prefix)?;
        }
        Ok(())
    }
}

/// `2026-11-22T07:35:44Z`: what `secret-add --expire` takes.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let dt = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_is_utc_zulu() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_333_544);
        assert_eq!(rfc3339(t), "2026-11-22T07:45:44Z");
    }
}
