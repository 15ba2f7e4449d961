//! The CA: made from the config, kept in one application-owned Juju secret, remade when
//! the config no longer describes it.
//!
//! Why a secret and not peer data or a file: the key must survive pod churn and leader
//! changes, must never travel in relation data, and the Python charm keeps it exactly so
//! (label `active-ca-certificates`, keys `private-key` and `ca-certificate`, expiring when
//! the CA must be renewed). Keeping the same secret lets operators and scripts that read it
//! work against the stand-in unchanged. The key PEM exists only in that secret and in
//! memory; no function here logs or formats it.

use std::time::Duration;

use charm_interfaces::error::Error;
use charm_interfaces::tls::{pem, CertificateAuthority};
use charm_sdk::prelude::*;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::config::{Settings, Subject};

/// Owner label of the CA secret (the Python charm's `CA_CERTIFICATES_SECRET_LABEL`).
pub const CA_SECRET_LABEL: &str = "active-ca-certificates";
/// Secret key of the CA private key (PKCS#8 PEM).
pub const PRIVATE_KEY_KEY: &str = "private-key";
/// Secret key of the CA certificate (PEM).
pub const CA_CERTIFICATE_KEY: &str = "ca-certificate";

/// OID of PKCS#9 emailAddress.
const EMAIL_OID: [u64; 7] = [1, 2, 840, 113549, 1, 9, 1];

/// The CA in force after [`ensure`], and whether it replaced an earlier one.
#[derive(Debug)]
pub struct ActiveCa {
    /// Signs the certificates.
    pub authority: CertificateAuthority,
    /// A CA existed and was replaced (its certificates must be revoked and re-issued).
    pub replaced: bool,
}

/// A freshly generated CA: the secret content that holds it, and the CA itself.
struct NewCa {
    content: SecretContent,
    authority: CertificateAuthority,
}

/// The stored CA if it still matches `settings`; otherwise a new one, written to the
/// secret (created on first use). Leader only: the secret is the application's.
pub fn ensure<C: Charm>(ctx: &mut Context<'_, C>, leader: &Leader, settings: &Settings) -> Result<ActiveCa, Error> {
    let stored = ctx.try_get_secret(&SecretRef::label(CA_SECRET_LABEL), SecretRead::Peek)?;
    match stored {
        Some(content) => {
            if let Some(authority) = usable(&content, settings) {
                return Ok(ActiveCa {
                    authority,
                    replaced: false,
                });
            }
            ctx.info("the CA no longer matches the config: making a new one and revoking its certificates");
            let authority = replace(ctx, settings)?;
            Ok(ActiveCa {
                authority,
                replaced: true,
            })
        }
        None => {
            let new = generate(settings)?;
            ctx.add_app_secret(leader, &new.content, secret_meta(settings))?;
            ctx.info("CA certificate generated and stored");
            Ok(ActiveCa {
                authority: new.authority,
                replaced: false,
            })
        }
    }
}

/// Replaces the stored CA with a new one for `settings` (key rotation, renewal, config
/// change) and restarts its expiry. The secret must exist.
pub fn replace<C: Charm>(ctx: &mut Context<'_, C>, settings: &Settings) -> Result<CertificateAuthority, Error> {
    let info = ctx.secret_info(&SecretRef::label(CA_SECRET_LABEL))?;
    let uri = info
        .uri
        .ok_or_else(|| crypto("CA secret", "secret-info-get gave no URI"))?;
    let new = generate(settings)?;
    ctx.update_secret(&uri, &new.content)?;
    ctx.set_secret_meta(&uri, &secret_meta(settings))?;
    Ok(new.authority)
}

/// The CA certificate PEM from the secret, if it exists (any unit may read it).
pub fn certificate<C: Charm>(ctx: &mut Context<'_, C>) -> Result<Option<String>, charm_sdk::Error> {
    let content = ctx.try_get_secret(&SecretRef::label(CA_SECRET_LABEL), SecretRead::Peek)?;
    Ok(content.and_then(|c| c.get(CA_CERTIFICATE_KEY).cloned()))
}

/// The expiry is the renewal point, as a Go duration from now (`secret-add --expire`).
fn secret_meta(settings: &Settings) -> SecretMeta {
    SecretMeta {
        label: Some(CA_SECRET_LABEL.to_owned()),
        description: Some("CA key and certificate of the self-signed-certificates stand-in".to_owned()),
        expire: Some(format!("{}s", settings.renewal_threshold().as_secs().max(1))),
        ..SecretMeta::default()
    }
}

/// The stored CA when its content is readable and its certificate says what `settings`
/// say (subject and root validity, as the Python charm compares them).
fn usable(content: &SecretContent, settings: &Settings) -> Option<CertificateAuthority> {
    let certificate = content.get(CA_CERTIFICATE_KEY)?;
    let key = content.get(PRIVATE_KEY_KEY)?;
    if !matches(certificate, settings) {
        return None;
    }
    CertificateAuthority::from_pem(certificate, key, &[]).ok()
}

/// Whether the CA certificate `pem_text` has the subject and validity of `settings`.
pub fn matches(pem_text: &str, settings: &Settings) -> bool {
    let Ok(der) = pem::decode_one(pem_text, "CERTIFICATE") else {
        return false;
    };
    let Ok((_, cert)) = X509Certificate::from_der(&der) else {
        return false;
    };
    let subject = cert.subject();
    let first = |value: &x509_parser::x509::AttributeTypeAndValue<'_>| value.as_str().ok().map(str::to_owned);
    let read = Subject {
        common_name: subject.iter_common_name().next().and_then(first).unwrap_or_default(),
        organization: subject.iter_organization().next().and_then(first),
        organizational_unit: subject.iter_organizational_unit().next().and_then(first),
        email_address: subject.iter_email().next().and_then(first),
        country_name: subject.iter_country().next().and_then(first),
        state_or_province_name: subject.iter_state_or_province().next().and_then(first),
        locality_name: subject.iter_locality().next().and_then(first),
    };
    let validity = cert.validity();
    let seconds = validity.not_after.timestamp() - validity.not_before.timestamp();
    read == settings.subject && u64::try_from(seconds).ok() == Some(settings.root_ca_validity.as_secs())
}

/// A new ECDSA P-256 root for `settings`, valid from now.
fn generate(settings: &Settings) -> Result<NewCa, Error> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let params = root_params(&settings.subject, settings.root_ca_validity)?;
    let cert = params.self_signed(&key)?;
    let certificate = pem::encode("CERTIFICATE", cert.der());
    let key_pem = pem::encode("PRIVATE KEY", key.serialized_der());
    let authority = CertificateAuthority::from_pem(&certificate, &key_pem, &[])?;
    let content = [
        (PRIVATE_KEY_KEY.to_owned(), key_pem),
        (CA_CERTIFICATE_KEY.to_owned(), certificate),
    ]
    .into();
    Ok(NewCa { content, authority })
}

fn root_params(subject: &Subject, validity: Duration) -> Result<CertificateParams, Error> {
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(subject)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    if let Some(email) = &subject.email_address {
        params.subject_alt_names = vec![SanType::Rfc822Name(ia5(email)?)];
    }
    let now = x509_now()?;
    params.not_before = now;
    let seconds = i64::try_from(validity.as_secs()).map_err(|e| crypto("validity", e))?;
    params.not_after = now + time::Duration::seconds(seconds);
    Ok(params)
}

fn distinguished_name(subject: &Subject) -> Result<DistinguishedName, Error> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, subject.common_name.as_str());
    if let Some(o) = &subject.organization {
        dn.push(DnType::OrganizationName, o.as_str());
    }
    if let Some(ou) = &subject.organizational_unit {
        dn.push(DnType::OrganizationalUnitName, ou.as_str());
    }
    if let Some(email) = &subject.email_address {
        dn.push(
            DnType::CustomDnType(EMAIL_OID.to_vec()),
            DnValue::Ia5String(ia5(email)?),
        );
    }
    if let Some(c) = &subject.country_name {
        let printable =
            rcgen::string::PrintableString::try_from(c.as_str()).map_err(|e| crypto("ca-country-name", e))?;
        dn.push(DnType::CountryName, DnValue::PrintableString(printable));
    }
    if let Some(st) = &subject.state_or_province_name {
        dn.push(DnType::StateOrProvinceName, st.as_str());
    }
    if let Some(l) = &subject.locality_name {
        dn.push(DnType::LocalityName, l.as_str());
    }
    Ok(dn)
}

fn ia5(text: &str) -> Result<rcgen::string::Ia5String, Error> {
    rcgen::string::Ia5String::try_from(text).map_err(|e| crypto("ca-email-address", e))
}

/// Now, to the second (what X.509 keeps), so the stored validity is exactly the config's.
fn x509_now() -> Result<time::OffsetDateTime, Error> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| crypto("clock", e))?
        .as_secs();
    let secs = i64::try_from(secs).map_err(|e| crypto("clock", e))?;
    time::OffsetDateTime::from_unix_timestamp(secs).map_err(|e| crypto("clock", e))
}

fn crypto(what: &str, message: impl std::fmt::Display) -> Error {
    Error::Crypto {
        what: what.to_owned(),
        message: message.to_string(),
    }
}
