//! In-process state-transition tests of the CA stand-in: the CA secret, certificates for
//! every CSR (checked against the CA with ring), replacement of CSRs, config changes, the
//! per-relation limit and certificate_transfer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use charm_interfaces::certificate_transfer::wire as transfer;
use charm_interfaces::tls::wire::{CsrEntry, RequirerData};
use charm_interfaces::tls::{testing, CertRequest, KeyAlgorithm, PrivateKey};
use charm_sdk::model::StatusKind;
use charm_sdk::Status;
use charm_testing::{assert_calls, assert_status, Relation, State, TestEvent};
use self_signed_certificates::ca::CA_SECRET_LABEL;
use self_signed_certificates::NOT_LEADER;
use support::*;

fn requirers(units: u32) -> Relation {
    let (relation, _keys) = testing::requirer_relation("certificates", "kafka-k8s", units).unwrap();
    relation.id(7)
}

fn leader() -> State {
    State::default().leader(true)
}

#[test]
fn the_leader_creates_the_ca_once_in_an_app_secret() {
    let out = run(TestEvent::install(), leader());
    assert_status(&out, Status::active(""));
    let secret = out.state.secret_by_label(CA_SECRET_LABEL).expect("CA secret");
    assert!(secret.is_owned());
    assert!(secret.expire.is_some(), "the CA secret expires at its renewal point");
    let ca = ca_pem(&out);
    assert_eq!(common_name(&ca), "self-signed-certificates-operator");
    assert_eq!(validity_seconds(&ca), 365 * 86_400);
    assert!(signed_by(&ca, &ca), "a self-signed root");

    let again = run(TestEvent::update_status(), out.state.clone());
    assert_eq!(ca_pem(&again), ca, "the CA is kept");
    assert_calls(&again, "secret-add", 0);
    assert_calls(&again, "secret-set", 0);
}

#[test]
fn every_csr_of_every_unit_gets_a_certificate_signed_by_the_ca() {
    let relation = requirers(2);
    let out = run(
        TestEvent::relation_changed(&relation),
        leader().relation(relation.clone()),
    );
    let ca = ca_pem(&out);
    let data = published(&out, &relation);
    assert_eq!(data.certificates.len(), 2);
    for unit in 0..2 {
        let entry = certificate_for(&data, &csr_of(&relation, unit));
        assert!(
            signed_by(&entry.certificate, &ca),
            "unit {unit}'s certificate is signed by the CA"
        );
        assert_eq!(common_name(&entry.certificate), format!("kafka-k8s-{unit}"));
        assert_eq!(validity_seconds(&entry.certificate), 90 * 86_400);
        assert_eq!(entry.ca, ca);
        assert_eq!(
            entry.chain.as_deref(),
            Some(&[entry.certificate.clone(), ca.clone()][..])
        );
        assert_eq!(entry.revoked, None);
    }
}

#[test]
fn a_second_pass_writes_nothing() {
    let relation = requirers(2);
    let first = run(
        TestEvent::relation_changed(&relation),
        leader().relation(relation.clone()),
    );
    let second = run(TestEvent::update_status(), first.state.clone());
    assert_eq!(second.state, first.state);
    assert_calls(&second, "relation-set", 0);
    assert_calls(&second, "secret-add", 0);
}

#[test]
fn a_new_csr_replaces_the_old_certificate() {
    let relation = requirers(2);
    let first = run(
        TestEvent::relation_changed(&relation),
        leader().relation(relation.clone()),
    );
    let before = published(&first, &relation);
    let kept = certificate_for(&before, &csr_of(&relation, 1)).certificate.clone();

    // Unit 0 renews: a fresh key and CSR replace the old one in its bag.
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let csr = CertRequest::new("kafka-k8s-0").to_csr_pem(&key).unwrap();
    let bag = RequirerData {
        certificate_signing_requests: vec![CsrEntry {
            certificate_signing_request: csr.clone(),
            ca: Some(false),
        }],
    }
    .to_bag()
    .unwrap();
    let mut state = first.state.clone();
    let mut renewed = state.get_relation(&relation).unwrap().clone();
    renewed.remote_units_data.get_mut(&0).unwrap().extend(bag);
    state.relations = vec![renewed.clone()];

    let out = run(TestEvent::relation_changed(&renewed).remote_unit(0), state);
    let after = published(&out, &relation);
    assert_eq!(after.certificates.len(), 2, "the old certificate is withdrawn");
    let new = certificate_for(&after, &csr);
    assert!(signed_by(&new.certificate, &ca_pem(&out)));
    assert_eq!(
        charm_interfaces::tls::CertificateInfo::parse(&new.certificate)
            .unwrap()
            .public_key,
        key.public_key_raw(),
        "the certificate certifies the new key"
    );
    assert!(after
        .certificates
        .iter()
        .all(|c| c.certificate_signing_request != csr_of(&relation, 0)));
    assert_eq!(
        certificate_for(&after, &csr_of(&relation, 1)).certificate,
        kept,
        "unit 1 keeps its certificate"
    );
}

#[test]
fn a_departed_requirer_unit_loses_its_certificate() {
    let relation = requirers(2);
    let first = run(
        TestEvent::relation_changed(&relation),
        leader().relation(relation.clone()),
    );
    // During relation-departed the departing unit is no longer listed (Juju's rule).
    let out = run(TestEvent::relation_departed(&relation, 1), first.state.clone());
    let data = published(&out, &relation);
    assert_eq!(data.certificates.len(), 1);
    certificate_for(&data, &csr_of(&relation, 0));
}

#[test]
fn a_new_ca_name_makes_a_new_ca_and_reissues_everything() {
    let relation = requirers(1);
    let first = run(
        TestEvent::relation_changed(&relation),
        leader().relation(relation.clone()),
    );
    let old_ca = ca_pem(&first);
    let state = first
        .state
        .clone()
        .config([("ca-common-name", "Test CA"), ("ca-organization", "Canonical")]);
    let out = run(TestEvent::config_changed(), state);
    let new_ca = ca_pem(&out);
    assert_ne!(new_ca, old_ca);
    assert_eq!(common_name(&new_ca), "Test CA");
    let entry = certificate_for(&published(&out, &relation), &csr_of(&relation, 0)).clone();
    assert!(signed_by(&entry.certificate, &new_ca), "re-issued by the new CA");
    assert!(!signed_by(&entry.certificate, &old_ca));
    assert_eq!(entry.revoked, None, "the replacement is not revoked");

    let again = run(TestEvent::update_status(), out.state.clone());
    assert_eq!(ca_pem(&again), new_ca, "the new CA matches the config: kept");
}

#[test]
fn invalid_validities_block_with_the_python_message_and_make_no_ca() {
    let state = leader().config([("certificate-validity", "200d"), ("root-ca-validity", "365d")]);
    let out = run(TestEvent::config_changed(), state);
    assert_status(
        &out,
        Status::blocked(
            "The following configuration values are not valid: ['certificate-validity', 'root-ca-validity']",
        ),
    );
    assert!(out.state.secret_by_label(CA_SECRET_LABEL).is_none());
}

#[test]
fn other_units_are_blocked_and_write_nothing() {
    let relation = requirers(1);
    let out = run(
        TestEvent::relation_changed(&relation),
        State::default().leader(false).relation(relation.clone()),
    );
    assert_status(&out, Status::blocked(NOT_LEADER));
    assert_calls(&out, "relation-set", 0);
    assert!(out.refusals.is_empty(), "{:?}", out.refusals);
}

#[test]
fn the_limit_holds_back_requests_beyond_it_per_relation() {
    let relation = requirers(3);
    let state = leader().config([("certificate-limit", 2)]).relation(relation.clone());
    let out = run(TestEvent::relation_changed(&relation), state);
    assert_eq!(published(&out, &relation).certificates.len(), 2);
    assert_eq!(out.unit_status().kind, StatusKind::Active);
}

#[test]
fn short_validities_are_honoured() {
    let relation = requirers(1);
    let state = leader()
        .config([("certificate-validity", "1h"), ("root-ca-validity", "2w")])
        .relation(relation.clone());
    let out = run(TestEvent::relation_changed(&relation), state);
    assert_eq!(validity_seconds(&ca_pem(&out)), 14 * 86_400);
    let entry = certificate_for(&published(&out, &relation), &csr_of(&relation, 0)).clone();
    assert_eq!(validity_seconds(&entry.certificate), 3_600);
}

#[test]
fn the_ca_is_sent_on_send_ca_cert_in_the_format_of_each_requirer() {
    let v1 = Relation::new("send-ca-cert")
        .interface("certificate_transfer")
        .remote_app("kafka-k8s")
        .remote_app_data([("version", "1")])
        .id(11);
    let v0 = Relation::new("send-ca-cert")
        .interface("certificate_transfer")
        .remote_app("legacy")
        .id(12);
    let out = run(
        TestEvent::relation_joined(&v1, 0),
        leader().relation(v1.clone()).relation(v0.clone()),
    );
    let ca = ca_pem(&out);
    let app = &out.state.get_relation(&v1).unwrap().local_app_data;
    let sent = transfer::read_app_bag(app, "v1").unwrap().unwrap();
    assert_eq!(sent, BTreeSet::from([ca.clone()]));
    let unit = &out.state.get_relation(&v0).unwrap().local_unit_data;
    assert_eq!(transfer::read_unit_bag_v0(unit, "v0").unwrap(), BTreeSet::from([ca]));
}

#[test]
fn the_ca_key_is_only_in_the_secret() {
    let relation = requirers(1);
    let out = run(
        TestEvent::relation_changed(&relation),
        leader().relation(relation.clone()),
    );
    let key = ca_key_pem(&out);
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    let logs = format!("{:?}", out.logs);
    let relations = format!("{:?}", out.state.relations);
    for line in key.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!logs.contains(line) && !relations.contains(line), "key material leaked");
    }
    assert!(!body.is_empty());
}

#[test]
fn our_tls_requirer_gets_its_certificate_from_the_stand_in() {
    use stand_in_tls_requirer::{Received, TlsRequirerFixture, RECEIVED_KEY};
    // The requirer writes its CSR.
    let asking = Relation::new("certificates")
        .interface("tls-certificates")
        .remote_app("self-signed-certificates")
        .id(3);
    let requirer = charm_testing::Context::<TlsRequirerFixture>::new();
    let state = State::default()
        .leader(true)
        .app_name("tls-requirer")
        .relation(asking.clone());
    let asked = requirer.run(TestEvent::relation_joined(&asking, 0), state).unwrap();
    assert_status(&asked, Status::waiting("waiting for a certificate"));
    let csr_bag = asked.state.get_relation(&asking).unwrap().local_unit_data.clone();

    // The stand-in sees that bag from the requirer's unit 0 and answers.
    let serving = Relation::new("certificates")
        .interface("tls-certificates")
        .remote_app("tls-requirer")
        .remote_units(1)
        .remote_unit_data(0, csr_bag)
        .id(4);
    let answered = run(
        TestEvent::relation_changed(&serving),
        leader().relation(serving.clone()),
    );
    let answer = answered.state.get_relation(&serving).unwrap().local_app_data.clone();

    // The requirer accepts the certificate.
    let mut state = asked.state.clone();
    let mut with_answer = state.get_relation(&asking).unwrap().clone();
    with_answer.remote_app_data = answer;
    state.relations = vec![with_answer.clone()];
    let out = requirer.run(TestEvent::relation_changed(&with_answer), state).unwrap();
    assert_status(&out, Status::active("certificate for tls-requirer-0, 0 trusted CA(s)"));
    let received: Received = serde_json::from_str(&out.state.unit_state[RECEIVED_KEY]).unwrap();
    let certificate = received.certificate.unwrap();
    assert!(signed_by(&certificate, &ca_pem(&answered)));
    let info = charm_interfaces::tls::CertificateInfo::parse(&certificate).unwrap();
    assert!(info.sans_dns.contains("tls-requirer-0"));
    assert_eq!(
        info.not_after.duration_since(info.not_before).unwrap(),
        Duration::from_secs(90 * 86_400)
    );
}
