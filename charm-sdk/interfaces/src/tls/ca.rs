//! A tiny certificate authority on rcgen: a root, optional intermediates, CSR signing.
//!
//! For tests (a provider that answers our requirer, chains for keystore checks) and for a
//! test certificate-authority charm. It signs what a CSR asks for — subject and SANs —
//! and adds what the Python provider adds: BasicConstraints (critical, CA flag from the
//! request), AuthorityKeyIdentifier, SubjectKeyIdentifier, and KeyUsage
//! keyCertSign+cRLSign for CA certificates. Serial numbers are random.

use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType, IsCa, Issuer,
    KeyUsagePurpose, SerialNumber,
};

use super::provider::IssuedCertificate;
use super::{pem, KeyAlgorithm, PrivateKey};
use crate::error::Error;

/// A CA: its certificate, its key, and the chain above it.
#[derive(Debug, Clone)]
pub struct CertificateAuthority {
    key: PrivateKey,
    certificate: String,
    /// This CA's certificate first, then each issuer up to the root.
    chain: Vec<String>,
}

impl CertificateAuthority {
    /// A self-signed root CA named `common_name`, valid from now for `validity`.
    pub fn new_root(common_name: &str, validity: Duration) -> Result<Self, Error> {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256)?;
        let params = ca_params(common_name, validity)?;
        let cert = params.self_signed(key.key_pair())?;
        let certificate = pem::encode("CERTIFICATE", cert.der());
        Ok(Self {
            key,
            chain: vec![certificate.clone()],
            certificate,
        })
    }

    /// A CA from an existing certificate and key (e.g. kept in a Juju secret). `chain`
    /// lists the issuers above it, nearest first (empty for a root).
    pub fn from_pem(certificate: &str, key: &str, chain: &[String]) -> Result<Self, Error> {
        let certificate = pem::canonical(certificate, "CERTIFICATE")?;
        let key = PrivateKey::from_pem(key)?;
        let mut full = vec![certificate.clone()];
        full.extend(chain.iter().cloned());
        Ok(Self {
            key,
            certificate,
            chain: full,
        })
    }

    /// An intermediate CA signed by this one.
    pub fn new_intermediate(&self, common_name: &str, validity: Duration) -> Result<Self, Error> {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256)?;
        let mut params = ca_params(common_name, validity)?;
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(key.key_pair(), &self.issuer()?)?;
        let certificate = pem::encode("CERTIFICATE", cert.der());
        let mut chain = vec![certificate.clone()];
        chain.extend(self.chain.iter().cloned());
        Ok(Self {
            key,
            certificate,
            chain,
        })
    }

    /// This CA's certificate PEM.
    pub fn certificate(&self) -> &str {
        &self.certificate
    }

    /// This CA's private key (keep it in a secret).
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The root at the top of the chain (this CA itself for a root).
    pub fn root(&self) -> &str {
        self.chain.last().map(String::as_str).unwrap_or(&self.certificate)
    }

    /// This CA's certificate, then its issuers up to the root.
    pub fn chain(&self) -> &[String] {
        &self.chain
    }

    /// Signs a CSR: the subject and SANs it asks for, valid from now for `validity`.
    /// The CSR's signature is checked; a CSR that does not parse is an error.
    pub fn sign_csr(&self, csr_pem: &str, is_ca: bool, validity: Duration) -> Result<IssuedCertificate, Error> {
        let der = pem::decode_one(csr_pem, "CERTIFICATE REQUEST")?;
        let mut csr = CertificateSigningRequestParams::from_der(&der.into()).map_err(|e| Error::crypto("CSR", e))?;
        let now = SystemTime::now();
        let params = &mut csr.params;
        params.not_before = offset(now)?;
        params.not_after = offset(now + validity)?;
        params.serial_number = Some(random_serial()?);
        params.use_authority_key_identifier_extension = true;
        params.extended_key_usages.clear();
        if is_ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        } else {
            params.is_ca = IsCa::ExplicitNoCa;
            params.key_usages.clear();
        }
        let cert = csr.signed_by(&self.issuer()?)?;
        let certificate = pem::encode("CERTIFICATE", cert.der());
        let mut chain = vec![certificate.clone()];
        chain.extend(self.chain.iter().cloned());
        Ok(IssuedCertificate {
            certificate,
            ca: self.certificate.clone(),
            chain,
        })
    }

    fn issuer(&self) -> Result<Issuer<'static, &rcgen::KeyPair>, Error> {
        let der = pem::decode_one(&self.certificate, "CERTIFICATE")?;
        Issuer::from_ca_cert_der(&der.into(), self.key.key_pair()).map_err(|e| Error::crypto("CA certificate", e))
    }
}

fn ca_params(common_name: &str, validity: Duration) -> Result<CertificateParams, Error> {
    let now = SystemTime::now();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = offset(now)?;
    params.not_after = offset(now + validity)?;
    params.serial_number = Some(random_serial()?);
    Ok(params)
}

fn offset(t: SystemTime) -> Result<time::OffsetDateTime, Error> {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|e| Error::crypto("validity", e))?
        .as_secs();
    let secs = i64::try_from(secs).map_err(|e| Error::crypto("validity", e))?;
    time::OffsetDateTime::from_unix_timestamp(secs).map_err(|e| Error::crypto("validity", e))
}

fn random_serial() -> Result<SerialNumber, Error> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::crypto("serial", "system RNG failed"))?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    Ok(SerialNumber::from_slice(&bytes))
}
