//! A certificate as the interface hands it over, with the facts read out of its X.509.
//!
//! Matching and renewal need more than the PEM strings: the requirer accepts a certificate
//! only if its CA flag is the one asked for and its public key is ours, and renews at a
//! fraction of the validity. Reading those facts once, here, keeps the requirer and the
//! provider free of parsing code, and makes a PEM that does not parse an error at the edge.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use juju_model::RelationId;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::wire::CertificateEntry;
use super::{pem, request::collect_sans};
use crate::error::Error;

/// Facts read from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
    /// BasicConstraints CA flag.
    pub is_ca: bool,
    /// Subject common name.
    pub common_name: Option<String>,
    /// DNS SANs.
    pub sans_dns: BTreeSet<String>,
    /// IP SANs.
    pub sans_ip: BTreeSet<IpAddr>,
    /// The public key bits (compare with [`super::PrivateKey::public_key_raw`]).
    pub public_key: Vec<u8>,
}

impl CertificateInfo {
    /// Reads the first `CERTIFICATE` block of `pem_text`.
    pub fn parse(pem_text: &str) -> Result<Self, Error> {
        Self::from_der(&pem::decode_one(pem_text, "CERTIFICATE")?)
    }

    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| Error::crypto("certificate", e))?;
        let validity = cert.validity();
        let is_ca = cert
            .basic_constraints()
            .map_err(|e| Error::crypto("certificate basic constraints", e))?
            .is_some_and(|bc| bc.value.ca);
        let (mut sans_dns, mut sans_ip) = (BTreeSet::new(), BTreeSet::new());
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            collect_sans(&san.value.general_names, &mut sans_dns, &mut sans_ip);
        }
        let common_name = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|v| v.as_str().ok())
            .map(str::to_owned);
        let info = Self {
            not_before: system_time(validity.not_before.timestamp()),
            not_after: system_time(validity.not_after.timestamp()),
            is_ca,
            common_name,
            sans_dns,
            sans_ip,
            public_key: cert.public_key().subject_public_key.data.to_vec(),
        };
        Ok(info)
    }

    /// When to renew: `not_before + fraction × validity` (fraction clamped to 0.5–1.0,
    /// the library's `renewal_relative_time` range; it defaults to 0.9).
    pub fn renewal_time(&self, fraction: f64) -> SystemTime {
        let fraction = fraction.clamp(0.5, 1.0);
        let validity = self.not_after.duration_since(self.not_before).unwrap_or_default();
        self.not_before + validity.mul_f64(fraction)
    }

    /// Whether `now` is past the renewal time (or the certificate has expired).
    pub fn needs_renewal(&self, now: SystemTime, fraction: f64) -> bool {
        now >= self.renewal_time(fraction)
    }
}

fn system_time(unix: i64) -> SystemTime {
    if unix >= 0 {
        UNIX_EPOCH + Duration::from_secs(unix.unsigned_abs())
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(unix.unsigned_abs()))
            .unwrap_or(UNIX_EPOCH)
    }
}

/// One certificate a provider published for one CSR (`ProviderCertificate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCertificate {
    /// The relation it was published on.
    pub relation_id: RelationId,
    /// The certificate PEM, as published.
    pub certificate: String,
    /// The CSR it answers, as published.
    pub certificate_signing_request: String,
    /// The issuing CA PEM.
    pub ca: String,
    /// The chain, leaf first (empty when the provider left it out).
    pub chain: Vec<String>,
    /// Revoked by the provider (its CA changed); a new certificate will follow.
    pub revoked: bool,
    /// Facts read from `certificate`.
    pub info: CertificateInfo,
}

impl ProviderCertificate {
    /// Builds the typed view of a wire entry; a PEM that does not parse is an error.
    pub fn from_entry(relation_id: RelationId, entry: &CertificateEntry) -> Result<Self, Error> {
        Ok(Self {
            relation_id,
            info: CertificateInfo::parse(&entry.certificate)?,
            certificate: entry.certificate.clone(),
            certificate_signing_request: entry.certificate_signing_request.clone(),
            ca: entry.ca.clone(),
            chain: entry.chain.clone().unwrap_or_default(),
            revoked: entry.revoked.unwrap_or(false),
        })
    }

    /// The PEMs a TLS server presents: leaf, then intermediates, then the CA, without
    /// duplicates (providers differ on whether `chain` holds the leaf and the CA).
    pub fn full_chain(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![self.certificate.clone()];
        for pem in self.chain.iter().chain(std::iter::once(&self.ca)) {
            if !out.iter().any(|p| p.trim() == pem.trim()) {
                out.push(pem.clone());
            }
        }
        out
    }

    /// [`Self::full_chain`] as one PEM file body (blocks separated by newlines, with a
    /// trailing newline).
    pub fn full_chain_pem(&self) -> String {
        self.full_chain().iter().map(|p| format!("{}\n", p.trim())).collect()
    }
}
