//! In-process tests of the actions: the Python charm's result keys and failure messages,
//! key rotation, and CA renewal when the CA secret expires.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use charm_interfaces::tls::testing;
use charm_sdk::Status;
use charm_testing::{assert_action_results, assert_calls, assert_status, Relation, RunOutput, State, TestEvent};
use self_signed_certificates::actions::ROTATED;
use self_signed_certificates::ca::CA_SECRET_LABEL;
use support::*;

fn failure(out: &RunOutput) -> Option<String> {
    out.action.as_ref().and_then(|a| a.failed.clone())
}

fn requirers(units: u32) -> Relation {
    testing::requirer_relation("certificates", "kafka-k8s", units)
        .unwrap()
        .0
        .id(5)
}

/// A leader that has answered `relation`.
fn served(relation: &Relation) -> RunOutput {
    run(
        TestEvent::relation_changed(relation),
        State::default().leader(true).relation(relation.clone()),
    )
}

#[test]
fn get_ca_certificate_needs_a_ca_then_returns_it() {
    let out = run(TestEvent::action("get-ca-certificate"), State::default().leader(true));
    assert_eq!(failure(&out).as_deref(), Some("Root Certificate is not yet generated"));

    let ready = run(TestEvent::install(), State::default().leader(true));
    let ca = ca_pem(&ready);
    let out = run(TestEvent::action("get-ca-certificate"), ready.state.clone());
    assert_action_results(&out, [("ca-certificate", ca.clone())]);

    // Any unit of the application may read the CA.
    let mut follower = ready.state.clone();
    follower.leader = false;
    let out = run(TestEvent::action("get-ca-certificate"), follower);
    assert_action_results(&out, [("ca-certificate", ca)]);
}

#[test]
fn get_issued_certificates_lists_them_as_the_library_serialises_them() {
    let out = run(
        TestEvent::action("get-issued-certificates"),
        State::default().leader(true),
    );
    assert_eq!(failure(&out).as_deref(), Some("No certificates issued yet."));

    let relation = requirers(2);
    let ready = served(&relation);
    let out = run(TestEvent::action("get-issued-certificates"), ready.state.clone());
    let results = &out.action.as_ref().unwrap().results;
    let list: Vec<String> = serde_json::from_str(&results["certificates"]).unwrap();
    assert_eq!(list.len(), 2);
    let first: serde_json::Value = serde_json::from_str(&list[0]).unwrap();
    let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["ca", "certificate", "chain", "csr", "revoked"]);
    assert!(
        list[0].starts_with(r#"{"csr": "-----BEGIN CERTIFICATE REQUEST-----\n"#),
        "{}",
        list[0]
    );
    assert_eq!(first["revoked"], false);
    assert_eq!(first["ca"], ca_pem(&ready));
    assert!(signed_by(first["certificate"].as_str().unwrap(), &ca_pem(&ready)));

    // A non-leader cannot read the application's bag: nothing issued, as in the library.
    let mut follower = ready.state.clone();
    follower.leader = false;
    let out = run(TestEvent::action("get-issued-certificates"), follower);
    assert_eq!(failure(&out).as_deref(), Some("No certificates issued yet."));
}

#[test]
fn rotate_private_key_makes_a_new_ca_and_reissues() {
    let relation = requirers(1);
    let ready = served(&relation);
    let old_ca = ca_pem(&ready);
    let old_key = ca_key_pem(&ready);

    let out = run(TestEvent::action("rotate-private-key"), ready.state.clone());
    assert_action_results(&out, [("result", ROTATED)]);
    let new_ca = ca_pem(&out);
    assert_ne!(new_ca, old_ca);
    assert_ne!(ca_key_pem(&out), old_key);
    let entry = certificate_for(&published(&out, &relation), &csr_of(&relation, 0)).clone();
    assert!(signed_by(&entry.certificate, &new_ca));
    assert_eq!(entry.revoked, None);

    let mut follower = ready.state.clone();
    follower.leader = false;
    let out = run(TestEvent::action("rotate-private-key"), follower);
    assert_eq!(
        failure(&out).as_deref(),
        Some("This action can only be run on the leader unit.")
    );
}

#[test]
fn an_expired_ca_secret_renews_the_ca_and_keeps_issued_certificates() {
    let relation = requirers(1);
    let ready = served(&relation);
    let before = published(&ready, &relation);
    let secret = ready.state.secret_by_label(CA_SECRET_LABEL).unwrap().clone();

    let out = run(TestEvent::secret_expired(&secret, 1), ready.state.clone());
    let renewed = ca_pem(&out);
    assert_ne!(renewed, ca_pem(&ready));
    assert_eq!(published(&out, &relation), before, "issued certificates stay");

    // New requests are signed by the renewed CA.
    let out = run(TestEvent::update_status(), out.state.clone());
    assert_status(&out, Status::active(""));
    assert_eq!(ca_pem(&out), renewed, "the renewed CA matches the config");

    // Nobody tracks the old revision: Juju asks the owner to remove it.
    let secret = out.state.secret_by_label(CA_SECRET_LABEL).unwrap().clone();
    let removed = run(TestEvent::secret_remove(&secret, 1), out.state.clone());
    assert_calls(&removed, "secret-remove", 1);
    assert_eq!(ca_pem(&removed), renewed);
}
