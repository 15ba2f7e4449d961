//! Helpers of the in-process tests: running the charm, reading what it published, and
//! checking a certificate's signature against the CA with ring (the workspace's one
//! crypto stack), independently of the code that signed it.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod model;

use charm_interfaces::tls::wire::{CertificateEntry, ProviderAppData};
use charm_testing::{Context, Relation, RunOutput, State, TestEvent};
use self_signed_certificates::ca::{CA_CERTIFICATE_KEY, CA_SECRET_LABEL, PRIVATE_KEY_KEY};
use self_signed_certificates::SelfSignedCertificates;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Runs one event; panics with the error when the run itself fails.
#[track_caller]
pub fn run(event: TestEvent, state: State) -> RunOutput {
    match Context::<SelfSignedCertificates>::new().run(event, state) {
        Ok(out) => out,
        Err(e) => panic!("run failed: {e}"),
    }
}

/// The CA certificate PEM in the output's CA secret.
#[track_caller]
pub fn ca_pem(out: &RunOutput) -> String {
    let secret = out
        .state
        .secret_by_label(CA_SECRET_LABEL)
        .expect("the CA secret exists");
    secret.newest_content()[CA_CERTIFICATE_KEY].clone()
}

/// The CA private key PEM in the output's CA secret.
#[track_caller]
pub fn ca_key_pem(out: &RunOutput) -> String {
    let secret = out
        .state
        .secret_by_label(CA_SECRET_LABEL)
        .expect("the CA secret exists");
    secret.newest_content()[PRIVATE_KEY_KEY].clone()
}

/// What the charm published on `relation` (its application bag, typed).
#[track_caller]
pub fn published(out: &RunOutput, relation: &Relation) -> ProviderAppData {
    let bag = &out
        .state
        .get_relation(relation)
        .expect("relation still there")
        .local_app_data;
    ProviderAppData::from_bag(bag, "provider app bag").expect("the provider bag parses")
}

/// The certificate published for `csr`.
#[track_caller]
pub fn certificate_for<'a>(data: &'a ProviderAppData, csr: &str) -> &'a CertificateEntry {
    data.certificates
        .iter()
        .find(|c| c.certificate_signing_request == csr)
        .unwrap_or_else(|| panic!("no certificate for the CSR among {}", data.certificates.len()))
}

/// The CSR a requirer unit wrote in `relation`.
#[track_caller]
pub fn csr_of(relation: &Relation, unit: u32) -> String {
    let bag = &relation.remote_units_data[&unit];
    let data = charm_interfaces::tls::wire::RequirerData::from_bag(bag, "requirer unit bag").unwrap();
    data.certificate_signing_requests[0].certificate_signing_request.clone()
}

fn der(pem_text: &str) -> Vec<u8> {
    charm_interfaces::tls::pem::decode_one(pem_text, "CERTIFICATE").unwrap()
}

/// Whether `certificate` is signed by `ca`'s key (ECDSA P-256, SHA-256) and names it as
/// issuer.
pub fn signed_by(certificate: &str, ca: &str) -> bool {
    let (leaf_der, ca_der) = (der(certificate), der(ca));
    let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        ca.public_key().subject_public_key.data.to_vec(),
    );
    leaf.issuer() == ca.subject()
        && key
            .verify(leaf.tbs_certificate.as_ref(), &leaf.signature_value.data)
            .is_ok()
}

/// A certificate's subject common name.
pub fn common_name(certificate: &str) -> String {
    let der = der(certificate);
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    cn
}

/// A certificate's validity in seconds.
pub fn validity_seconds(certificate: &str) -> i64 {
    let der = der(certificate);
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()
}
