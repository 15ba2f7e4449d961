//! The tls-certificates v1 databags exactly as the Python "V4" library writes them.
//!
//! The library is a pydantic `DatabagModel`: every top-level field is `json.dumps`ed
//! (Python separators, `ensure_ascii`), fields equal to their default are left out
//! (`exclude_defaults=True`: an empty list removes the key), nested models keep their
//! declaration order and drop `None` fields. Readers `json.loads` only the keys of the
//! model and ignore the rest. These types reproduce that, and nothing else: matching,
//! crypto and secrets live in the requirer and provider modules.
//!
//! Sources: canonical/charmlibs `interfaces/tls-certificates/src/charmlibs/interfaces/
//! tls_certificates/_tls_certificates.py` (`_RequirerData`, `_ProviderApplicationData`,
//! `_Certificate`, `_CertificateSigningRequest`, `_RequestError`, `ProviderCapabilities`).

use juju_model::Databag;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::pyjson;

/// Requirer key holding its CSRs (unit bag in unit mode, app bag in app mode).
pub const CSRS_KEY: &str = "certificate_signing_requests";
/// Provider app key holding the issued certificates.
pub const CERTIFICATES_KEY: &str = "certificates";
/// Provider app key holding per-CSR errors (charmlibs ≥ 1.3).
pub const REQUEST_ERRORS_KEY: &str = "request_errors";
/// Provider app key advertising what the provider supports (charmlibs ≥ 1.10).
pub const CAPABILITIES_KEY: &str = "capabilities";

/// One request in the requirer's bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsrEntry {
    /// The CSR, canonical PEM without trailing newline.
    pub certificate_signing_request: String,
    /// Whether a CA certificate is requested. Python declares it required (`bool | None`
    /// with no default) so it is always written; we accept its absence on read.
    #[serde(default)]
    pub ca: Option<bool>,
}

/// One issued certificate in the provider's app bag (`_Certificate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateEntry {
    /// The issuing CA certificate, PEM.
    pub ca: String,
    /// The CSR this answers, byte for byte as the requirer wrote it.
    pub certificate_signing_request: String,
    /// The certificate, PEM.
    pub certificate: String,
    /// Leaf first, then intermediates, then the CA. Left out when `None` (v3 requirers
    /// need it, so our provider always writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Vec<String>>,
    /// Set (to `true`) by `revoke_all_certificates` when the CA changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
}

/// The error object a provider reports for a CSR (`CertificateError`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateError {
    /// 101 ip_not_allowed, 102 domain_not_allowed, 103 wildcard_not_allowed,
    /// 201 server_not_available, 999 other.
    pub code: i64,
    /// The code's name.
    pub name: String,
    /// A human-readable message.
    pub message: String,
    /// Why, in more detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Which provider (e.g. an ACME server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Which endpoint of that provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// One entry of `request_errors`. The wire key is `csr` (the interface's schema.py says
/// `certificate_signing_request`; the library, which is what runs, writes `csr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestError {
    /// The CSR that was refused.
    pub csr: String,
    /// Why.
    pub error: CertificateError,
}

/// What a provider says it supports. `None` fields are "not said", not "no".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCapabilities {
    /// IP addresses accepted in SANs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_ip_sans: Option<bool>,
    /// Wildcard DNS names accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_wildcard_dns: Option<bool>,
    /// Subdomain certificates issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_subdomain: Option<bool>,
    /// CA certificates issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_ca_certificates: Option<bool>,
    /// Allowed DNS domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_domains: Option<Vec<String>>,
    /// "acme", "vault", "self-signed", …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_type: Option<String>,
}

/// A requirer's bag (`_RequirerData`), unit or app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirerData {
    /// The requests, in the order written.
    pub certificate_signing_requests: Vec<CsrEntry>,
}

/// The provider's app bag (`_ProviderApplicationData`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderAppData {
    /// Issued certificates, in the order written.
    pub certificates: Vec<CertificateEntry>,
    /// Refused requests.
    pub request_errors: Vec<RequestError>,
    /// Advertised capabilities; `None` until the provider advertises any.
    pub capabilities: Option<ProviderCapabilities>,
}

impl RequirerData {
    /// Reads a requirer bag. Keys other than [`CSRS_KEY`] are ignored; a missing key is
    /// an empty list. `what` names the bag in errors.
    pub fn from_bag(bag: &Databag, what: &str) -> Result<Self, Error> {
        Ok(Self {
            certificate_signing_requests: field(bag, CSRS_KEY, what)?.unwrap_or_default(),
        })
    }

    /// The bag changes that make the bag hold exactly this (an empty value deletes).
    pub fn to_bag(&self) -> Result<Databag, Error> {
        let mut bag = Databag::new();
        bag.insert(CSRS_KEY.to_owned(), list(&self.certificate_signing_requests)?);
        Ok(bag)
    }
}

impl ProviderAppData {
    /// Reads a provider app bag; missing keys are defaults, other keys ignored.
    pub fn from_bag(bag: &Databag, what: &str) -> Result<Self, Error> {
        Ok(Self {
            certificates: field(bag, CERTIFICATES_KEY, what)?.unwrap_or_default(),
            request_errors: field(bag, REQUEST_ERRORS_KEY, what)?.unwrap_or_default(),
            capabilities: field(bag, CAPABILITIES_KEY, what)?,
        })
    }

    /// The bag changes that make the bag hold exactly this (an empty value deletes).
    pub fn to_bag(&self) -> Result<Databag, Error> {
        let mut bag = Databag::new();
        bag.insert(CERTIFICATES_KEY.to_owned(), list(&self.certificates)?);
        bag.insert(REQUEST_ERRORS_KEY.to_owned(), list(&self.request_errors)?);
        let capabilities = match &self.capabilities {
            Some(c) => dumps(c)?,
            None => String::new(),
        };
        bag.insert(CAPABILITIES_KEY.to_owned(), capabilities);
        Ok(bag)
    }
}

/// Drops the deletions from a change set: what the bag holds after writing it to an
/// empty bag. For tests and contract checks.
pub fn written(changes: &Databag) -> Databag {
    changes
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn field<T: DeserializeOwned>(bag: &Databag, key: &str, what: &str) -> Result<Option<T>, Error> {
    let Some(text) = bag.get(key) else {
        return Ok(None);
    };
    let err = |e: &dyn std::fmt::Display| Error::remote(format!("{what} key {key:?}"), e);
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| err(&e))?;
    models_are_objects(key, &value).map_err(|e| err(&e))?;
    serde_json::from_value(value).map(Some).map_err(|e| err(&e))
}

/// serde would build a struct from a JSON array (`[]` as an all-default capabilities
/// object); pydantic would not. Models must be JSON objects, as on the Python side.
fn models_are_objects(key: &str, value: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    // Not a list: serde reports the type error.
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    let object = |v: &Value, what: &str| match v {
        Value::Object(_) => Ok(()),
        other => Err(format!("{what}: expected an object, got {other}")),
    };
    match key {
        CAPABILITIES_KEY if !value.is_null() => object(value, "capabilities"),
        CSRS_KEY | CERTIFICATES_KEY => items.iter().try_for_each(|i| object(i, "list item")),
        REQUEST_ERRORS_KEY => items.iter().try_for_each(|i| {
            object(i, "list item")?;
            match i.get("error") {
                Some(e) => object(e, "error"),
                None => Ok(()),
            }
        }),
        _ => Ok(()),
    }
}

fn list<T: Serialize>(items: &[T]) -> Result<String, Error> {
    if items.is_empty() {
        // exclude_defaults: an empty list is the default, so the key goes away.
        return Ok(String::new());
    }
    dumps(&items)
}

fn dumps<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    pyjson::dumps(value).map_err(|e| Error::crypto("json encoding", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirer_bag_is_what_python_writes() {
        let data = RequirerData {
            certificate_signing_requests: vec![CsrEntry {
                certificate_signing_request:
                    "-----BEGIN CERTIFICATE REQUEST-----\nAB\n-----END CERTIFICATE REQUEST-----".into(),
                ca: Some(false),
            }],
        };
        let bag = data.to_bag().unwrap();
        assert_eq!(
            bag[CSRS_KEY],
            r#"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nAB\n-----END CERTIFICATE REQUEST-----", "ca": false}]"#
        );
        assert_eq!(RequirerData::from_bag(&bag, "t").unwrap(), data);
        assert_eq!(RequirerData::default().to_bag().unwrap()[CSRS_KEY], "");
    }

    #[test]
    fn provider_entry_keeps_field_order_and_drops_none() {
        let e = CertificateEntry {
            ca: "C".into(),
            certificate_signing_request: "R".into(),
            certificate: "X".into(),
            chain: Some(vec!["X".into(), "C".into()]),
            revoked: None,
        };
        let data = ProviderAppData {
            certificates: vec![e],
            ..Default::default()
        };
        let bag = written(&data.to_bag().unwrap());
        assert_eq!(bag.len(), 1);
        assert_eq!(
            bag[CERTIFICATES_KEY],
            r#"[{"ca": "C", "certificate_signing_request": "R", "certificate": "X", "chain": ["X", "C"]}]"#
        );
    }

    #[test]
    fn v3_fields_are_ignored_and_bad_json_is_typed() {
        let mut bag = Databag::new();
        bag.insert(
            CERTIFICATES_KEY.into(),
            r#"[{"ca": "C", "certificate_signing_request": "R", "certificate": "X", "chain": ["X"], "recommended_expiry_notification_time": null}]"#.into(),
        );
        bag.insert("unrelated".into(), "not json".into());
        assert_eq!(ProviderAppData::from_bag(&bag, "t").unwrap().certificates.len(), 1);
        bag.insert(CERTIFICATES_KEY.into(), "[{".into());
        assert!(matches!(
            ProviderAppData::from_bag(&bag, "t"),
            Err(Error::RemoteData { .. })
        ));
        bag.insert(CERTIFICATES_KEY.into(), r#"[{"ca": 1}]"#.into());
        assert!(matches!(
            ProviderAppData::from_bag(&bag, "t"),
            Err(Error::RemoteData { .. })
        ));
    }
}
