//! The other side of tls-certificates, for `charm-testing` states (feature `testing`).
//!
//! A charm's state-transition test needs a provider that answers the CSR the charm just
//! wrote, or requirer units that ask for certificates. These builders produce exactly the
//! bags the Python libraries would write, with real certificates from a
//! [`CertificateAuthority`], so the charm under test meets the same bytes as in a model.
//!
//! ```
//! use std::time::Duration;
//! use charm_interfaces::tls::{testing, CertificateAuthority};
//!
//! let ca = CertificateAuthority::new_root("test-ca", Duration::from_secs(86_400))?;
//! let relation = testing::provider_relation("certificates");
//! // ... run the charm, take the relation from the output state, then:
//! let answered = testing::answer_requests(&relation, &ca, Duration::from_secs(3600))?;
//! assert!(answered.remote_app_data.is_empty()); // no CSR written yet, nothing to answer
//! # Ok::<(), charm_interfaces::tls::Error>(())
//! ```

use std::time::Duration;

use charm_testing::Relation;

use super::wire::{self, CertificateEntry, CsrEntry, ProviderAppData, RequirerData};
use super::{CertRequest, CertificateAuthority, Error, KeyAlgorithm, PrivateKey};

/// A relation on the charm's `requires` endpoint to a provider application
/// (`self-signed-certificates`, one unit) that has published nothing yet.
pub fn provider_relation(endpoint: &str) -> Relation {
    Relation::new(endpoint)
        .interface("tls-certificates")
        .remote_app("self-signed-certificates")
}

/// `relation` with the provider's answer: a certificate signed by `ca`, valid for
/// `validity`, for every CSR the charm wrote (its unit bag and its app bag) that does not
/// have one yet. Certificates for CSRs no longer requested are withdrawn, as the Python
/// provider does.
pub fn answer_requests(relation: &Relation, ca: &CertificateAuthority, validity: Duration) -> Result<Relation, Error> {
    let mut requests =
        RequirerData::from_bag(&relation.local_unit_data, "charm unit bag")?.certificate_signing_requests;
    requests.extend(RequirerData::from_bag(&relation.local_app_data, "charm app bag")?.certificate_signing_requests);
    let mut data = ProviderAppData::from_bag(&relation.remote_app_data, "provider app bag")?;
    data.certificates.retain(|c| {
        requests
            .iter()
            .any(|r| r.certificate_signing_request == c.certificate_signing_request)
    });
    for CsrEntry {
        certificate_signing_request: csr,
        ca: is_ca,
    } in requests
    {
        if data
            .certificates
            .iter()
            .any(|c| c.certificate_signing_request == csr && c.revoked != Some(true))
        {
            continue;
        }
        let issued = ca.sign_csr(&csr, is_ca.unwrap_or(false), validity)?;
        data.certificates.retain(|c| c.certificate_signing_request != csr);
        data.certificates.push(CertificateEntry {
            ca: issued.ca,
            certificate_signing_request: csr,
            certificate: issued.certificate,
            chain: Some(issued.chain),
            revoked: None,
        });
    }
    let mut out = relation.clone();
    out.remote_app_data = wire::written(&data.to_bag()?);
    Ok(out)
}

/// `relation` with every published certificate marked revoked (the provider's CA changed).
pub fn revoke_all(relation: &Relation) -> Result<Relation, Error> {
    let mut data = ProviderAppData::from_bag(&relation.remote_app_data, "provider app bag")?;
    for cert in &mut data.certificates {
        cert.revoked = Some(true);
    }
    let mut out = relation.clone();
    out.remote_app_data = wire::written(&data.to_bag()?);
    Ok(out)
}

/// A relation on the charm's `provides` endpoint to `remote_app` with `units` units, each
/// asking (unit mode) for a certificate for `<remote_app>-<n>`. Returns the keys too, so a
/// test can check the certificates the charm issues.
pub fn requirer_relation(endpoint: &str, remote_app: &str, units: u32) -> Result<(Relation, Vec<PrivateKey>), Error> {
    let mut relation = Relation::new(endpoint)
        .interface("tls-certificates")
        .remote_app(remote_app)
        .remote_units(units);
    let mut keys = Vec::new();
    for n in 0..units {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256)?;
        let csr = CertRequest::new(format!("{remote_app}-{n}")).to_csr_pem(&key)?;
        let bag = RequirerData {
            certificate_signing_requests: vec![CsrEntry {
                certificate_signing_request: csr,
                ca: Some(false),
            }],
        };
        relation = relation.remote_unit_data(n, wire::written(&bag.to_bag()?));
        keys.push(key);
    }
    Ok((relation, keys))
}
