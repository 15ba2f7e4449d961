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
//! # Ok::<(), charm_interfaces::error::Error>(())
//! ```

use std::time::Duration;

use charm_testing::{Relation, RunOutput};

use super::wire::{self, CertificateEntry, CsrEntry, ProviderAppData, RequirerData};
use super::{CertRequest, CertificateAuthority, KeyAlgorithm, PrivateKey};
use crate::error::Error;

/// The PEM that `openssl ARGS` prints, as an operator would make a key (`["genrsa",
/// "-traditional", "2048"]` is a PKCS#1 RSA key). Panics when `openssl` is not installed
/// (scripts/install-deps.sh installs it wherever tests run, so a missing tool is a broken
/// machine, not a reason to pass) or the command fails.
#[track_caller]
pub fn openssl_pem(args: &[&str]) -> String {
    let out = match std::process::Command::new("openssl").args(args).output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run `openssl` ({e}): run scripts/install-deps.sh (apt-get install -y openssl)"),
    };
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `text` base64-encoded (standard alphabet, one line): how an operator passes a PEM key
/// through `juju run ... internal-key=$(base64 -w0 key.pem)`.
pub fn base64_line(text: &str) -> String {
    base64_bytes(text.as_bytes())
}

/// Every text a run makes visible without a secret read: `juju-log` lines, hook tool calls,
/// unit and application statuses, the action's logs, failure and results, and the plaintext
/// relation and peer data and unit state it left (remote data too: it is shown by
/// `juju show-unit`). Pebble files are not included: a key file is a key's proper place.
pub fn visible_texts(out: &RunOutput) -> Vec<String> {
    let mut texts: Vec<String> = out.logs.iter().map(|(_, line)| line.clone()).collect();
    texts.extend(out.calls.iter().cloned());
    texts.extend(out.refusals.iter().cloned());
    let statuses = out.unit_status_history.iter().chain(&out.app_status_history);
    texts.extend(
        statuses
            .chain([&out.state.unit_status, &out.state.app_status])
            .map(|s| format!("{s:?}")),
    );
    if let Some(action) = &out.action {
        texts.extend(action.logs.iter().cloned());
        texts.extend(action.failed.iter().cloned());
        texts.extend(action.results.values().cloned());
    }
    texts.push(format!("{:?}", out.state.relations));
    texts.push(format!("{:?}", out.state.peers));
    texts.extend(out.state.unit_state.values().cloned());
    texts
}

/// Asserts that no piece of the private key `pem` (any 16-character run of its base64 body,
/// or of the whole PEM base64-encoded as an operator passes it) is in `texts`. Runs that
/// also occur in the key's public half are skipped: the modulus or curve point is in the
/// CSR and certificate on purpose.
#[track_caller]
pub fn assert_no_private_key(texts: &[String], pem: &str) {
    const RUN: usize = 16;
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .map(str::trim)
        .collect();
    // The public key's DER base64-encoded at each of the three byte alignments.
    let public: Vec<String> = PrivateKey::from_operator_input(pem)
        .map(|key| {
            let der = key.public_key_spki_der();
            (0..3).map(|skip| base64_bytes(&der[skip.min(der.len())..])).collect()
        })
        .unwrap_or_default();
    for encoded in [body, base64_line(pem)] {
        for start in (0..encoded.len().saturating_sub(RUN)).step_by(RUN) {
            let run = &encoded[start..start + RUN];
            if public.iter().any(|p| p.contains(run)) {
                continue;
            }
            for text in texts {
                assert!(!text.contains(run), "private key material {run:?} in {text:?}");
            }
        }
    }
}

fn base64_bytes(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

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
