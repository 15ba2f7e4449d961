//! tls-certificates contract: our requirer and provider take turns in a multi-unit model
//! over charm-testing (`tls_support`), and every bag they write validates against the
//! reference's wire-format schemas (in Rust, and with `validate.py` when Python's
//! `jsonschema` is there). The real self-signed-certificates sample reads back into our
//! types and re-encodes byte for byte.

// Test code: a failed setup step is a failed test, so unwrap/expect are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;
mod tls_support;

use std::cell::{Cell, RefCell};
use std::time::{Duration, SystemTime};

use charm_interfaces::tls::labels::{self, LIBID};
use charm_interfaces::tls::wire::{ProviderAppData, RequirerData, CERTIFICATES_KEY, CSRS_KEY};
use charm_interfaces::tls::{
    AssignedCertificate, CertRequest, CertificateAuthority, CsrInfo, Issuance, Mode, ProviderCertificate, TlsProvider,
    TlsRequirer,
};
use charm_sdk::prelude::*;
use charm_sdk::Outcome;
use interop_support::test_charm;
use juju_model::{Databag, RelationId, StatusKind};
use tls_support::{assert_valid, databags, Model};

const VALIDITY: Duration = Duration::from_secs(90 * 86_400);

thread_local! {
    static REQUEST: RefCell<Option<CertRequest>> = const { RefCell::new(None) };
    static MODE: Cell<Mode> = const { Cell::new(Mode::Unit) };
    static NOW: Cell<Option<SystemTime>> = const { Cell::new(None) };
    static RESULT: RefCell<Option<AssignedCertificate>> = const { RefCell::new(None) };
    static CA: RefCell<Option<CertificateAuthority>> = const { RefCell::new(None) };
    static REVOKE: Cell<bool> = const { Cell::new(false) };
    static CA_FLAG_LIE: Cell<bool> = const { Cell::new(false) };
}

fn default_request(unit: &juju_model::UnitName) -> CertRequest {
    let host = format!("{}-{}", unit.app(), unit.number());
    CertRequest::new(format!("{host}.{}-endpoints", unit.app()))
        .dns(host)
        .san("10.0.0.5")
}

test_charm!(
    Kafka,
    "name: kafka\nrequires:\n  certificates:\n    interface: tls-certificates\n",
    |ctx| {
        let leader = ctx.leader()?;
        let request = REQUEST
            .with(|r| r.borrow().clone())
            .unwrap_or_else(|| default_request(ctx.unit()));
        let tls = TlsRequirer::new("certificates", request).mode(MODE.get());
        let now = NOW.get().unwrap_or_else(SystemTime::now);
        let got = tls.reconcile_at(ctx, leader.as_ref(), now);
        RESULT.with(|r| *r.borrow_mut() = got.as_ref().ok().cloned().flatten());
        got?;
        Ok(())
    }
);

test_charm!(
    Ca,
    "name: ca\nprovides:\n  certificates:\n    interface: tls-certificates\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        let provider = TlsProvider::new("certificates");
        if REVOKE.replace(false) {
            provider.revoke_all(ctx, &leader)?;
            return Ok(());
        }
        let ca = CA.with(|c| {
            c.borrow_mut()
                .get_or_insert_with(|| CertificateAuthority::new_root("test-ca", VALIDITY * 4).expect("CA"))
                .clone()
        });
        provider.reconcile(ctx, &leader, |req| {
            // A provider that gets the CA flag wrong, for the rejection test.
            let is_ca = req.is_ca ^ CA_FLAG_LIE.get();
            Ok(Issuance::Issued(ca.sign_csr(&req.csr, is_ca, VALIDITY)?))
        })?;
        Ok(())
    }
);

fn ok(outcome: Outcome) {
    assert_eq!(outcome, Outcome::Success);
}

fn related() -> Model {
    let mut m = Model::default();
    m.relate(
        1,
        ("kafka", "certificates", &["kafka/0", "kafka/1"]),
        ("ca", "certificates", &["ca/0"]),
    );
    m
}

fn result() -> Option<AssignedCertificate> {
    RESULT.with(|r| r.borrow().clone())
}

fn csrs(bag: &Databag) -> Vec<String> {
    RequirerData::from_bag(bag, "test")
        .unwrap()
        .certificate_signing_requests
        .into_iter()
        .map(|e| e.certificate_signing_request)
        .collect()
}

/// Every bag, and every secret's label, revision and expiry.
type Snapshot = (Vec<((u32, String), Databag)>, Vec<(String, u64, Option<String>)>);

fn snapshot(m: &Model) -> Snapshot {
    (
        m.bags.clone().into_iter().collect(),
        m.secrets
            .iter()
            .map(|s| (s.label.clone().unwrap_or_default(), s.revision, s.expire.clone()))
            .collect(),
    )
}

#[test]
fn unit_mode_round_trip_is_schema_valid_and_idempotent() {
    let mut m = related();
    ok(m.run::<Kafka>("kafka/0"));
    ok(m.run::<Kafka>("kafka/1"));
    assert!(result().is_none());

    // Requirer bags, both units, against the requirer schema (unit side and app side).
    for unit in ["kafka/0", "kafka/1"] {
        let bag = m.bag(1, unit);
        assert_eq!(tls_support::keys(&bag), [CSRS_KEY.to_owned()].into());
        let value = &bag[CSRS_KEY];
        assert!(
            value.starts_with(r#"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\n"#),
            "{value}"
        );
        assert!(
            value.ends_with(r#"-----END CERTIFICATE REQUEST-----", "ca": false}]"#),
            "{value}"
        );
        assert_valid("tls_certificates-v1-requirer", &databags(&m.bag(1, "app:kafka"), &bag));
        assert_valid("tls_certificates-v1-requirer", &databags(&bag, &Databag::new()));
    }
    let key_label = labels::private_key(Mode::Unit, &"kafka/0".parse().unwrap(), "certificates");
    assert_eq!(key_label, format!("{LIBID}-private-key-0-certificates"));
    let key_secret = m.secret("unit:kafka/0", &key_label).expect("key secret");
    assert!(key_secret.content["private-key"].starts_with("-----BEGIN PRIVATE KEY-----\n"));

    // The provider answers both units.
    ok(m.run::<Ca>("ca/0"));
    let provider_bag = m.bag(1, "app:ca");
    assert_valid(
        "tls_certificates-v1-provider",
        &databags(&provider_bag, &m.bag(1, "ca/0")),
    );
    let published = ProviderAppData::from_bag(&provider_bag, "test").unwrap();
    assert_eq!(published.certificates.len(), 2);
    assert!(published
        .certificates
        .iter()
        .all(|c| c.chain.as_ref().is_some_and(|ch| ch.len() == 2)));

    // kafka/0 gets its certificate, stored in a certificate secret that expires at renewal.
    ok(m.run::<Kafka>("kafka/0"));
    let got = result().expect("certificate assigned");
    let our_csr = csrs(&m.bag(1, "kafka/0")).remove(0);
    assert_eq!(got.certificate.certificate_signing_request, our_csr);
    assert_eq!(got.certificate.relation_id, RelationId(1));
    assert!(got.certificate.info.sans_dns.contains("kafka-0"));
    assert_eq!(got.certificate.info.public_key, got.private_key.public_key_raw());
    assert_eq!(got.certificate.full_chain().len(), 2);
    let cert_label = labels::certificate(Mode::Unit, &"kafka/0".parse().unwrap(), "certificates", &our_csr);
    assert_eq!(
        cert_label,
        format!(
            "{LIBID}-certificate-0-certificates-{}",
            labels::sha256_hex(our_csr.as_bytes())
        )
    );
    let cert_secret = m.secret("unit:kafka/0", &cert_label).expect("certificate secret");
    assert_eq!(cert_secret.content["csr"], our_csr);
    assert_eq!(cert_secret.content["certificate"], got.certificate.certificate);
    let expire = cert_secret.expire.clone().expect("expiry set");
    assert!(expire.ends_with('Z') && expire.len() == 20, "{expire}");

    // Nothing changes when nothing changed.
    ok(m.run::<Kafka>("kafka/1"));
    let before = snapshot(&m);
    for _ in 0..2 {
        ok(m.run::<Kafka>("kafka/0"));
        ok(m.run::<Kafka>("kafka/1"));
        ok(m.run::<Ca>("ca/0"));
    }
    assert!(snapshot(&m) == before, "a reconcile with nothing to do wrote something");
    // Private keys never reach the log.
    assert!(m.logs.iter().all(|l| !l.contains("PRIVATE KEY")), "{:?}", m.logs);
}

#[test]
fn san_drift_replaces_the_csr_and_its_secret() {
    let mut m = related();
    ok(m.run::<Kafka>("kafka/0"));
    ok(m.run::<Ca>("ca/0"));
    ok(m.run::<Kafka>("kafka/0"));
    let first = result().expect("first certificate");
    let old_csr = first.certificate.certificate_signing_request.clone();

    REQUEST.with(|r| *r.borrow_mut() = Some(default_request(&"kafka/0".parse().unwrap()).dns("kafka.example.com")));
    ok(m.run::<Kafka>("kafka/0"));
    assert!(result().is_none(), "the old certificate is for old SANs");
    let new_csrs = csrs(&m.bag(1, "kafka/0"));
    assert_eq!(new_csrs.len(), 1);
    assert_ne!(new_csrs[0], old_csr);
    assert!(CsrInfo::parse(&new_csrs[0])
        .unwrap()
        .request
        .sans_dns
        .contains("kafka.example.com"));
    let old_label = labels::certificate(Mode::Unit, &"kafka/0".parse().unwrap(), "certificates", &old_csr);
    assert!(
        m.secret("unit:kafka/0", &old_label).is_none(),
        "old certificate secret removed"
    );

    ok(m.run::<Ca>("ca/0"));
    let published = ProviderAppData::from_bag(&m.bag(1, "app:ca"), "test").unwrap();
    assert_eq!(
        published.certificates.len(),
        1,
        "the certificate for the old CSR is withdrawn"
    );
    ok(m.run::<Kafka>("kafka/0"));
    let second = result().expect("new certificate");
    assert!(second.certificate.info.sans_dns.contains("kafka.example.com"));
    // Same key: the drift does not rotate the private key.
    assert_eq!(second.private_key.public_key_raw(), first.private_key.public_key_raw());
}

#[test]
fn renewal_replaces_the_csr_after_the_renewal_time() {
    let mut m = related();
    ok(m.run::<Kafka>("kafka/0"));
    ok(m.run::<Ca>("ca/0"));
    ok(m.run::<Kafka>("kafka/0"));
    let cert = result().expect("certificate");
    let tls = TlsRequirer::new("certificates", default_request(&"kafka/0".parse().unwrap()));
    let renew_at = cert.certificate.info.renewal_time(0.9);
    assert!(!tls.needs_renewal(&cert.certificate, renew_at - Duration::from_secs(60)));
    assert!(tls.needs_renewal(&cert.certificate, renew_at));

    NOW.set(Some(renew_at - Duration::from_secs(60)));
    ok(m.run::<Kafka>("kafka/0"));
    assert!(result().is_some(), "not yet");

    NOW.set(Some(renew_at + Duration::from_secs(1)));
    let old_csr = cert.certificate.certificate_signing_request.clone();
    ok(m.run::<Kafka>("kafka/0"));
    assert!(result().is_none(), "renewal pending");
    assert_ne!(csrs(&m.bag(1, "kafka/0"))[0], old_csr);
    assert!(m.logs.iter().any(|l| l.contains("renewing")));

    NOW.set(None);
    ok(m.run::<Ca>("ca/0"));
    ok(m.run::<Kafka>("kafka/0"));
    let renewed = result().expect("renewed certificate");
    assert_ne!(renewed.certificate.certificate, cert.certificate.certificate);
}

#[test]
fn revoked_certificate_is_dropped_then_reissued_for_the_same_csr() {
    let mut m = related();
    ok(m.run::<Kafka>("kafka/0"));
    ok(m.run::<Ca>("ca/0"));
    ok(m.run::<Kafka>("kafka/0"));
    let first = result().expect("certificate");
    let csr = first.certificate.certificate_signing_request.clone();
    let label = labels::certificate(Mode::Unit, &"kafka/0".parse().unwrap(), "certificates", &csr);

    REVOKE.set(true);
    ok(m.run::<Ca>("ca/0"));
    assert!(m.bag(1, "app:ca")[CERTIFICATES_KEY].contains(r#""revoked": true"#));
    assert_valid(
        "tls_certificates-v1-provider",
        &databags(&m.bag(1, "app:ca"), &Databag::new()),
    );
    ok(m.run::<Kafka>("kafka/0"));
    assert!(result().is_none());
    assert!(m.secret("unit:kafka/0", &label).is_none());
    assert_eq!(
        csrs(&m.bag(1, "kafka/0")),
        vec![csr.clone()],
        "the CSR stays: the provider reissues"
    );

    ok(m.run::<Ca>("ca/0"));
    ok(m.run::<Kafka>("kafka/0"));
    let again = result().expect("reissued");
    assert_eq!(again.certificate.certificate_signing_request, csr);
    assert_ne!(again.certificate.certificate, first.certificate.certificate);
}

#[test]
fn certificate_with_the_wrong_ca_flag_is_not_accepted() {
    let mut m = related();
    CA_FLAG_LIE.set(true);
    ok(m.run::<Kafka>("kafka/0"));
    ok(m.run::<Ca>("ca/0"));
    ok(m.run::<Kafka>("kafka/0"));
    assert!(result().is_none());
}

#[test]
fn app_mode_writes_the_app_bag_from_the_leader_only() {
    let mut m = related();
    MODE.set(Mode::App);
    REQUEST.with(|r| *r.borrow_mut() = Some(CertRequest::new("kafka.example.com").ca(true)));
    ok(m.run::<Kafka>("kafka/1")); // not the leader: nothing
    assert!(m.bag(1, "app:kafka").is_empty() && m.bag(1, "kafka/1").is_empty());
    ok(m.run::<Kafka>("kafka/0"));
    let app = m.bag(1, "app:kafka");
    assert!(app[CSRS_KEY].ends_with(r#", "ca": true}]"#));
    assert!(m.bag(1, "kafka/0").is_empty());
    assert_valid("tls_certificates-v1-requirer", &databags(&app, &Databag::new()));
    assert!(m
        .secret("app:kafka", &format!("{LIBID}-private-key-app-certificates"))
        .is_some());

    ok(m.run::<Ca>("ca/0"));
    ok(m.run::<Kafka>("kafka/0"));
    let got = result().expect("app certificate");
    assert!(got.certificate.info.is_ca);
    let label = labels::certificate(
        Mode::App,
        &"kafka/0".parse().unwrap(),
        "certificates",
        &got.certificate.certificate_signing_request,
    );
    assert!(label.starts_with(&format!("{LIBID}-certificate-certificates-")));
    assert!(
        m.secret("unit:kafka/0", &label).is_some(),
        "certificate secrets are unit-owned, as in Python"
    );
}

#[test]
fn relation_removal_removes_key_and_certificate_secrets() {
    let mut m = related();
    ok(m.run::<Kafka>("kafka/0"));
    ok(m.run::<Ca>("ca/0"));
    ok(m.run::<Kafka>("kafka/0"));
    assert_eq!(m.secrets.iter().filter(|s| s.owner == "unit:kafka/0").count(), 2);
    m.unrelate(1);
    ok(m.run::<Kafka>("kafka/0"));
    assert_eq!(m.secrets.iter().filter(|s| s.owner == "unit:kafka/0").count(), 0);
    ok(m.run::<Kafka>("kafka/0"));
}

#[test]
fn malformed_provider_data_blocks_with_a_typed_error_after_our_csr_is_written() {
    let mut m = related();
    m.set_bag(
        1,
        "app:ca",
        [(CERTIFICATES_KEY.to_owned(), "[{\"ca\": 1".to_owned())].into(),
    );
    ok(m.run::<Kafka>("kafka/0"));
    let status = &m.statuses["kafka/0"];
    assert_eq!(status.kind, StatusKind::Blocked);
    assert!(status.message.contains("invalid relation data"), "{}", status.message);
    assert_eq!(csrs(&m.bag(1, "kafka/0")).len(), 1);
}

#[test]
fn provider_skips_unreadable_requests_and_serves_the_rest() {
    let mut m = related();
    ok(m.run::<Kafka>("kafka/0"));
    m.set_bag(
        1,
        "kafka/1",
        [(
            CSRS_KEY.to_owned(),
            r#"[{"certificate_signing_request": "junk", "ca": false}]"#.to_owned(),
        )]
        .into(),
    );
    ok(m.run::<Ca>("ca/0"));
    let published = ProviderAppData::from_bag(&m.bag(1, "app:ca"), "test").unwrap();
    assert_eq!(published.certificates.len(), 1);
}

/// The real bags from the unmodified Python self-signed-certificates charm.
#[test]
fn selfsigned_sample_reads_back_and_re_encodes_byte_for_byte() {
    let dir = tls_support::reference_dir().expect("reference dir");
    let text = std::fs::read_to_string(dir.join("interfaces/samples/tls_certificates-v1-selfsigned-run.json")).unwrap();
    let sample: std::collections::BTreeMap<String, Databag> = serde_json::from_str(&text).unwrap();
    let requirer_bag = &sample["req/0"];
    let provider_bag = &sample["self-signed-certificates"];

    let requirer = RequirerData::from_bag(requirer_bag, "sample").unwrap();
    assert_eq!(
        requirer.to_bag().unwrap()[CSRS_KEY],
        requirer_bag[CSRS_KEY],
        "requirer bytes"
    );
    let provider = ProviderAppData::from_bag(provider_bag, "sample").unwrap();
    assert_eq!(
        provider.to_bag().unwrap()[CERTIFICATES_KEY],
        provider_bag[CERTIFICATES_KEY],
        "provider bytes"
    );

    let entry = &provider.certificates[0];
    let cert = ProviderCertificate::from_entry(RelationId(0), entry).unwrap();
    let csr = &requirer.certificate_signing_requests[0];
    assert_eq!(entry.certificate_signing_request, csr.certificate_signing_request);
    assert!(!cert.info.is_ca);
    assert!(cert.info.sans_dns.contains("kafka-0"));
    assert_eq!(cert.full_chain().len(), 2);
    // The Python requirer's CSR: attributes read back, and our matcher agrees with it.
    let info = CsrInfo::parse(&csr.certificate_signing_request).unwrap();
    assert!(info.request.add_unique_id);
    assert_eq!(info.public_key, cert.info.public_key);
    let same = CertRequest::new("kafka-0.kafka-endpoints")
        .dns("kafka-0")
        .san("10.0.0.5");
    assert!(same.matches(&info, csr.ca.unwrap_or(false)));
    // Our canonical PEM is the Python library's.
    assert_eq!(
        charm_interfaces::tls::pem::canonical(&csr.certificate_signing_request, "CERTIFICATE REQUEST").unwrap(),
        csr.certificate_signing_request
    );
    assert_valid("tls_certificates-v1-provider", &databags(provider_bag, &Databag::new()));
    assert_valid("tls_certificates-v1-requirer", &databags(&Databag::new(), requirer_bag));
    // Our CA signs the Python requirer's CSR (x500UniqueIdentifier subject and all).
    let ca = CertificateAuthority::new_root("test-ca", VALIDITY).unwrap();
    let issued = ca.sign_csr(&csr.certificate_signing_request, false, VALIDITY).unwrap();
    assert_eq!(
        charm_interfaces::tls::CertificateInfo::parse(&issued.certificate)
            .unwrap()
            .public_key,
        info.public_key
    );
}

#[test]
fn junk_certificate_for_our_csr_blocks_and_keeps_the_request() {
    let mut m = related();
    ok(m.run::<Kafka>("kafka/0"));
    let csr = csrs(&m.bag(1, "kafka/0")).remove(0);
    let entry = charm_interfaces::tls::wire::CertificateEntry {
        ca: "junk".into(),
        certificate_signing_request: csr.clone(),
        certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----".into(),
        chain: None,
        revoked: None,
    };
    let data = ProviderAppData {
        certificates: vec![entry],
        ..ProviderAppData::default()
    };
    m.set_bag(
        1,
        "app:ca",
        charm_interfaces::tls::wire::written(&data.to_bag().unwrap()),
    );
    ok(m.run::<Kafka>("kafka/0"));
    assert_eq!(m.statuses["kafka/0"].kind, StatusKind::Blocked);
    assert_eq!(csrs(&m.bag(1, "kafka/0")), vec![csr]);
    assert!(result().is_none());
}

#[test]
fn secret_expired_labels_are_recognised() {
    struct Probe;
    thread_local! { static SEEN: Cell<(bool, bool)> = const { Cell::new((false, false)) }; }
    impl Charm for Probe {
        const CHARMCRAFT: &'static str = "name: kafka\nrequires:\n  certificates:\n    interface: tls-certificates\n";
        type Config = serde_json::Value;
        type Action = NoActions;
        fn new() -> Self {
            Probe
        }
        fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
            let tls = TlsRequirer::new("certificates", CertRequest::new("x"));
            let ours = format!("{LIBID}-certificate-0-certificates-abc");
            let other = format!("{LIBID}-certificate-1-certificates-abc");
            SEEN.set((tls.owns_secret_label(ctx, &ours), tls.owns_secret_label(ctx, &other)));
            Ok(())
        }
    }
    let mut m = related();
    ok(m.run::<Probe>("kafka/0"));
    assert_eq!(SEEN.get(), (true, false));
}
