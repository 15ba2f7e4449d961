//! What a charm asks a certificate for, and the CSR that carries it.
//!
//! The Python library decides whether a CSR in the bag is still wanted by reading the
//! attributes back out of the CSR and comparing them with what the charm asks for now
//! (`CertificateRequestAttributes.from_csr(...) == request`). We do the same, so a changed
//! SAN list or common name (a new ingress address, a scaled ensemble) replaces the CSR,
//! and CSRs written by the Python library (a unit upgraded from the Python charm) are
//! understood. The subject is built in the library's order: CN, x500UniqueIdentifier
//! (a random uuid4, so two CSRs for the same names differ), O, OU, emailAddress, C, ST, L.

use std::collections::BTreeSet;
use std::net::IpAddr;

use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, SanType};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::AttributeTypeAndValue;

use super::{pem, PrivateKey};
use crate::error::Error;

/// OID of x500UniqueIdentifier (2.5.4.45), written as UTF8String like `cryptography` does.
const UNIQUE_ID: [u64; 4] = [2, 5, 4, 45];
/// OID of PKCS#9 emailAddress, written as IA5String.
const EMAIL: [u64; 7] = [1, 2, 840, 113549, 1, 9, 1];

/// The attributes of a certificate request (`CertificateRequestAttributes`).
///
/// At least one of common name, DNS SANs or IP SANs is required. OID SANs and extra
/// critical extensions of the Python class are not supported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRequest {
    /// Subject common name.
    pub common_name: Option<String>,
    /// DNS subject alternative names.
    pub sans_dns: BTreeSet<String>,
    /// IP subject alternative names.
    pub sans_ip: BTreeSet<IpAddr>,
    /// Subject O.
    pub organization: Option<String>,
    /// Subject OU.
    pub organizational_unit: Option<String>,
    /// Subject emailAddress (providers copy it into the SAN).
    pub email_address: Option<String>,
    /// Subject C (two letters).
    pub country_name: Option<String>,
    /// Subject ST.
    pub state_or_province_name: Option<String>,
    /// Subject L.
    pub locality_name: Option<String>,
    /// Ask for a CA certificate (travels in the `ca` flag, not in the CSR).
    pub is_ca: bool,
    /// Put a random x500UniqueIdentifier in the subject (the Python default: `true`).
    pub add_unique_id: bool,
}

impl Default for CertRequest {
    fn default() -> Self {
        Self {
            common_name: None,
            sans_dns: BTreeSet::new(),
            sans_ip: BTreeSet::new(),
            organization: None,
            organizational_unit: None,
            email_address: None,
            country_name: None,
            state_or_province_name: None,
            locality_name: None,
            is_ca: false,
            add_unique_id: true,
        }
    }
}

impl CertRequest {
    /// A request with this common name and nothing else yet.
    pub fn new(common_name: impl Into<String>) -> Self {
        Self {
            common_name: Some(common_name.into()),
            ..Self::default()
        }
    }

    /// Adds a DNS SAN.
    pub fn dns(mut self, name: impl Into<String>) -> Self {
        self.sans_dns.insert(name.into());
        self
    }

    /// Adds an IP SAN.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.sans_ip.insert(ip);
        self
    }

    /// Adds a SAN from text: an IP address if it parses as one, a DNS name otherwise
    /// (rcgen's and most charms' rule for "extra SANs" config).
    pub fn san(self, name: &str) -> Self {
        match name.parse::<IpAddr>() {
            Ok(ip) => self.ip(ip),
            Err(_) => self.dns(name),
        }
    }

    /// Sets the organization.
    pub fn organization(mut self, o: impl Into<String>) -> Self {
        self.organization = Some(o.into());
        self
    }

    /// Asks for a CA certificate.
    pub fn ca(mut self, is_ca: bool) -> Self {
        self.is_ca = is_ca;
        self
    }

    /// Checks the request can be sent: one name at least, and names rcgen can encode.
    pub fn validate(&self) -> Result<(), Error> {
        if self.common_name.as_deref().unwrap_or_default().is_empty()
            && self.sans_dns.is_empty()
            && self.sans_ip.is_empty()
        {
            return Err(Error::CertificateRequest(
                "at least one of common name, DNS SANs or IP SANs is required".into(),
            ));
        }
        for name in &self.sans_dns {
            if name.is_empty() || !name.is_ascii() {
                return Err(Error::CertificateRequest(format!(
                    "DNS SAN {name:?} must be non-empty ASCII"
                )));
            }
        }
        Ok(())
    }

    /// Builds and signs a CSR for this request with `key`: canonical PEM, no trailing
    /// newline, signed with SHA-256 (SHA-384 for P-384 keys).
    pub fn to_csr_pem(&self, key: &PrivateKey) -> Result<String, Error> {
        self.validate()?;
        let mut dn = DistinguishedName::new();
        if let Some(cn) = self.common_name.as_deref().filter(|s| !s.is_empty()) {
            dn.push(DnType::CommonName, cn);
        }
        if self.add_unique_id {
            dn.push(DnType::CustomDnType(UNIQUE_ID.to_vec()), uuid4()?);
        }
        if let Some(o) = &self.organization {
            dn.push(DnType::OrganizationName, o.as_str());
        }
        if let Some(ou) = &self.organizational_unit {
            dn.push(DnType::OrganizationalUnitName, ou.as_str());
        }
        if let Some(email) = &self.email_address {
            let value = rcgen::string::Ia5String::try_from(email.as_str())
                .map_err(|e| Error::CertificateRequest(format!("email address {email:?}: {e}")))?;
            dn.push(DnType::CustomDnType(EMAIL.to_vec()), DnValue::Ia5String(value));
        }
        if let Some(c) = &self.country_name {
            let value = rcgen::string::PrintableString::try_from(c.as_str())
                .map_err(|e| Error::CertificateRequest(format!("country name {c:?}: {e}")))?;
            dn.push(DnType::CountryName, DnValue::PrintableString(value));
        }
        if let Some(st) = &self.state_or_province_name {
            dn.push(DnType::StateOrProvinceName, st.as_str());
        }
        if let Some(l) = &self.locality_name {
            dn.push(DnType::LocalityName, l.as_str());
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = dn;
        params
            .subject_alt_names
            .extend(self.sans_ip.iter().map(|ip| SanType::IpAddress(*ip)));
        for name in &self.sans_dns {
            let name = rcgen::string::Ia5String::try_from(name.as_str())
                .map_err(|e| Error::CertificateRequest(format!("DNS SAN {name:?}: {e}")))?;
            params.subject_alt_names.push(SanType::DnsName(name));
        }
        let csr = params.serialize_request(key.key_pair())?;
        Ok(pem::encode("CERTIFICATE REQUEST", csr.der()))
    }

    /// Whether `csr` asks for exactly this (Python's attribute equality; the unique id
    /// counts only as present or absent).
    pub fn matches(&self, csr: &CsrInfo, is_ca: bool) -> bool {
        let cn = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        cn(&self.common_name) == cn(&csr.request.common_name)
            && self.sans_dns == csr.request.sans_dns
            && self.sans_ip == csr.request.sans_ip
            && self.organization == csr.request.organization
            && self.organizational_unit == csr.request.organizational_unit
            && self.email_address == csr.request.email_address
            && self.country_name == csr.request.country_name
            && self.state_or_province_name == csr.request.state_or_province_name
            && self.locality_name == csr.request.locality_name
            && self.add_unique_id == csr.request.add_unique_id
            && self.is_ca == is_ca
    }
}

/// What a CSR holds, read back from its PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrInfo {
    /// The attributes (`is_ca` is always false: that lives in the bag's `ca` flag).
    pub request: CertRequest,
    /// The public key bits (see [`PrivateKey::public_key_raw`]).
    pub public_key: Vec<u8>,
}

impl CsrInfo {
    /// Parses a CSR PEM. Anything malformed is an [`Error::Crypto`].
    pub fn parse(csr_pem: &str) -> Result<Self, Error> {
        let der = pem::decode_one(csr_pem, "CERTIFICATE REQUEST")?;
        let (_, csr) = X509CertificationRequest::from_der(&der).map_err(|e| Error::crypto("CSR", e))?;
        let info = &csr.certification_request_info;
        let subject = &info.subject;
        let mut request = CertRequest {
            common_name: first(subject.iter_common_name()),
            organization: first(subject.iter_organization()),
            organizational_unit: first(subject.iter_organizational_unit()),
            email_address: first(subject.iter_email()),
            country_name: first(subject.iter_country()),
            state_or_province_name: first(subject.iter_state_or_province()),
            locality_name: first(subject.iter_locality()),
            add_unique_id: subject
                .iter_by_oid(&x509_parser::oid_registry::OID_X509_UNIQUE_IDENTIFIER)
                .next()
                .is_some(),
            ..CertRequest::default()
        };
        if let Some(extensions) = csr.requested_extensions() {
            for ext in extensions {
                if let ParsedExtension::SubjectAlternativeName(san) = ext {
                    collect_sans(&san.general_names, &mut request.sans_dns, &mut request.sans_ip);
                }
            }
        }
        Ok(Self {
            request,
            public_key: info.subject_pki.subject_public_key.data.to_vec(),
        })
    }
}

pub(crate) fn collect_sans(names: &[GeneralName<'_>], dns: &mut BTreeSet<String>, ips: &mut BTreeSet<IpAddr>) {
    for name in names {
        match name {
            GeneralName::DNSName(d) => {
                dns.insert((*d).to_owned());
            }
            GeneralName::IPAddress(bytes) => {
                if let Ok(v4) = <[u8; 4]>::try_from(*bytes) {
                    ips.insert(IpAddr::from(v4));
                } else if let Ok(v6) = <[u8; 16]>::try_from(*bytes) {
                    ips.insert(IpAddr::from(v6));
                }
            }
            _ => {}
        }
    }
}

fn first<'a: 'b, 'b>(mut values: impl Iterator<Item = &'b AttributeTypeAndValue<'a>>) -> Option<String> {
    values.next().and_then(|v| v.as_str().ok()).map(str::to_owned)
}

/// A random (version 4) UUID in its usual text form, from ring's system RNG.
fn uuid4() -> Result<String, Error> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::crypto("uuid", "system RNG failed"))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::KeyAlgorithm;

    #[test]
    fn csr_round_trips_attributes() {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let mut req = CertRequest::new("kafka-0.kafka-endpoints")
            .dns("kafka-0")
            .san("10.0.0.5")
            .organization("Canonical");
        req.country_name = Some("GB".into());
        req.email_address = Some("ops@example.com".into());
        let pem = req.to_csr_pem(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
        assert!(!pem.ends_with('\n'));
        let info = CsrInfo::parse(&pem).unwrap();
        assert!(req.matches(&info, false), "{info:?}");
        assert!(!req.matches(&info, true));
        assert!(!req.clone().dns("other").matches(&info, false));
        assert_eq!(info.public_key, key.public_key_raw());
        // A second CSR for the same request differs (new unique id) but still matches.
        let again = req.to_csr_pem(&key).unwrap();
        assert_ne!(again, pem);
        assert!(req.matches(&CsrInfo::parse(&again).unwrap(), false));
    }

    #[test]
    fn empty_request_is_refused() {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        assert!(matches!(
            CertRequest::default().to_csr_pem(&key),
            Err(Error::CertificateRequest(_))
        ));
    }

    #[test]
    fn uuid4_shape() {
        let u = uuid4().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
