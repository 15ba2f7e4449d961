//! `set-tls-private-key`, in-process: the operator's key (RSA from `openssl genrsa`, base64
//! or raw PEM) replaces the unit's key in its secret, a CSR with the same names signed by it
//! replaces the old one, and once the provider answers the keystore is rebuilt with the new
//! key and certificate and loaded as a renewal is (dynamic reload, no restart). Bad keys fail
//! naming `internal-key` and change nothing; without a key a fresh one is generated; without
//! the certificates relation the action fails. `internal-key` may instead name a Juju secret
//! holding the key (`secret:<id>`), so the key is not stored with the action task.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use std::time::Duration;

use charm_interfaces::tls::labels::LIBID;
use charm_interfaces::tls::testing::{
    self as tls_testing, assert_no_private_key, base64_line, openssl_pem, visible_texts,
};
use charm_interfaces::tls::wire::RequirerData;
use charm_interfaces::tls::{CertificateAuthority, CertificateInfo, CsrInfo, PrivateKey};
use charm_sdk::Status;
use charm_support::*;
use charm_testing::{assert_status, Relation, RunOutput, Secret, TestEvent};

const DAY: Duration = Duration::from_secs(86_400);
const KEYSTORE: &str = "/etc/kafka/keystore.p12";
const KEY_LABEL: &str = "-private-key-0-certificates";

/// A running leader with a certificate from `ca`; the certificates relation as answered.
fn tls_world(ca: &CertificateAuthority) -> (RunOutput, Relation) {
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let certs = tls_testing::provider_relation("certificates");
    let out = run(TestEvent::relation_created(&certs), first.state.relation(certs.clone()));
    let asked = out.state.get_relation(&certs).unwrap().clone();
    let answered = tls_testing::answer_requests(&asked, ca, 30 * DAY).unwrap();
    let out = run(
        TestEvent::relation_changed(&answered),
        replace_relation(out.state, answered.clone()),
    );
    assert_status(&out, Status::active(""));
    (out, answered)
}

fn csrs(out: &RunOutput) -> Vec<String> {
    let rel = out
        .state
        .relations
        .iter()
        .find(|r| r.endpoint == "certificates")
        .unwrap();
    RequirerData::from_bag(&rel.local_unit_data, "unit bag")
        .unwrap()
        .certificate_signing_requests
        .into_iter()
        .map(|e| e.certificate_signing_request)
        .collect()
}

fn stored_key(out: &RunOutput) -> PrivateKey {
    let secret = out
        .state
        .secret_by_label(&format!("{LIBID}{KEY_LABEL}"))
        .expect("the key secret");
    PrivateKey::from_pem(&secret.newest_content()["private-key"]).unwrap()
}

/// An RSA key as an operator makes one (`openssl genrsa -traditional 2048`, PKCS#1).
fn operator_key() -> String {
    openssl_pem(&["genrsa", "-traditional", "2048"])
}

/// Neither `pem` nor the unit's stored key (PKCS#8: the charm re-encodes the operator's
/// PKCS#1/SEC1 key) shows in what the run made visible: logs, tool calls, statuses, action
/// output, plaintext relation data and unit state.
#[track_caller]
fn assert_no_key_material(out: &RunOutput, pem: &str) {
    let texts = visible_texts(out);
    assert_no_private_key(&texts, pem);
    assert_no_private_key(&texts, &stored_key(out).to_pem());
}

#[test]
fn an_operators_rsa_key_gets_a_new_certificate_loaded_like_a_renewal() {
    reset();
    let ca = CertificateAuthority::new_root("ca", 365 * DAY).unwrap();
    let (out, _) = tls_world(&ca);
    let old = CsrInfo::parse(&csrs(&out)[0]).unwrap();
    let keystore_before = out.state.get_container("kafka").unwrap().state.files[KEYSTORE]
        .content
        .clone();
    let started = starts(&out);

    let pem = operator_key();
    let wanted = PrivateKey::from_operator_input(&pem).unwrap();
    let out = run(
        TestEvent::action("set-tls-private-key").param("internal-key", base64_line(&pem)),
        out.state,
    );
    let action = out.action.clone().unwrap();
    assert_eq!(action.failed, None);
    assert!(action.results.is_empty(), "no result keys, as upstream");
    assert_no_key_material(&out, &pem);

    // Secret updated; one CSR, for the same names, carrying the operator's public key.
    assert_eq!(stored_key(&out).public_key_raw(), wanted.public_key_raw());
    let requested = csrs(&out);
    assert_eq!(requested.len(), 1, "the old request is withdrawn");
    let new = CsrInfo::parse(&requested[0]).unwrap();
    assert_eq!(new.public_key, wanted.public_key_raw());
    assert_eq!(new.request.common_name, old.request.common_name);
    assert_eq!(new.request.sans_dns, old.request.sans_dns);
    assert_eq!(new.request.sans_ip, old.request.sans_ip);

    // Until the provider answers, the broker keeps its keystore.
    let waiting = run(TestEvent::update_status(), out.state.clone());
    assert_eq!(
        waiting.state.get_container("kafka").unwrap().state.files[KEYSTORE].content,
        keystore_before
    );

    // The provider answers (and withdraws the old certificate).
    let rel = waiting
        .state
        .relations
        .iter()
        .find(|r| r.endpoint == "certificates")
        .unwrap()
        .clone();
    let answered = tls_testing::answer_requests(&rel, &ca, 30 * DAY).unwrap();
    let out = run(
        TestEvent::relation_changed(&answered),
        allow_reload(replace_relation(waiting.state, answered.clone())),
    );
    let kafka = &out.state.get_container("kafka").unwrap().state;
    let keystore = &kafka.files[KEYSTORE];
    assert_ne!(keystore.content, keystore_before, "keystore rebuilt");
    assert_eq!(keystore.permissions, 0o600);
    assert_eq!(starts(&out), started, "loaded like a renewal: no restart");
    assert!(
        kafka
            .exec_calls
            .iter()
            .any(|c| c.command[0].ends_with("kafka-configs.sh")),
        "a dynamic reload of the stores"
    );
    let certs: Vec<_> = out
        .state
        .secrets
        .iter()
        .filter(|s| {
            s.label
                .as_deref()
                .is_some_and(|l| l.contains("-certificate-0-certificates-"))
        })
        .collect();
    assert_eq!(certs.len(), 1, "only the new certificate's secret");
    let cert = CertificateInfo::parse(&certs[0].newest_content()["certificate"]).unwrap();
    assert_eq!(cert.public_key, wanted.public_key_raw());
    assert_status(&out, Status::active(""));
}

#[test]
fn bad_keys_fail_naming_internal_key_and_change_nothing() {
    reset();
    let ca = CertificateAuthority::new_root("ca", 365 * DAY).unwrap();
    let (out, _) = tls_world(&ca);
    let mut bad: Vec<(String, &str)> = vec![
        ("garbage!".to_owned(), "neither PEM nor base64"),
        (base64_line("still garbage"), "does not decode to a PEM key"),
    ];
    let short = openssl_pem(&["genrsa", "-traditional", "1024"]);
    bad.push((base64_line(&short), "RSA key of 1024 bits is too short"));
    let encrypted = openssl_pem(&["genrsa", "-traditional", "-aes128", "-passout", "pass:x", "2048"]);
    bad.push((encrypted, "encrypted"));
    let k1 = openssl_pem(&["ecparam", "-name", "secp256k1", "-genkey", "-noout"]);
    bad.push((k1, "unsupported key type ECDSA secp256k1"));
    for (input, why) in bad {
        let after = run(
            TestEvent::action("set-tls-private-key").param("internal-key", input.as_str()),
            out.state.clone(),
        );
        let failed = after.action.clone().and_then(|a| a.failed).expect("the action fails");
        assert!(
            failed.starts_with("internal-key is not a usable private key: "),
            "{failed}"
        );
        assert!(failed.contains(why), "{failed:?} should say {why:?}");
        assert_no_key_material(&after, &input);
        assert_eq!(after.state.secrets, out.state.secrets, "secrets unchanged");
        assert_eq!(after.state.relations, out.state.relations, "CSR unchanged");
    }
}

#[test]
fn without_a_key_a_fresh_one_replaces_the_old() {
    reset();
    let ca = CertificateAuthority::new_root("ca", 365 * DAY).unwrap();
    let (out, _) = tls_world(&ca);
    let before = stored_key(&out);
    let out = run(TestEvent::action("set-tls-private-key"), out.state);
    assert_eq!(out.action.clone().unwrap().failed, None);
    let rotated = stored_key(&out);
    assert_ne!(rotated.public_key_raw(), before.public_key_raw());
    assert_eq!(
        CsrInfo::parse(&csrs(&out)[0]).unwrap().public_key,
        rotated.public_key_raw()
    );
}

#[test]
fn without_the_certificates_relation_the_action_fails() {
    reset();
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let out = run(
        TestEvent::action("set-tls-private-key").param("internal-key", operator_key()),
        first.state.clone(),
    );
    let failed = out.action.and_then(|a| a.failed).expect("fails");
    assert!(failed.contains("needs the certificates relation"), "{failed}");
    assert_eq!(out.state.secrets, first.state.secrets);
}

#[test]
fn the_key_can_come_from_a_granted_juju_secret() {
    reset();
    let ca = CertificateAuthority::new_root("ca", 365 * DAY).unwrap();
    let (out, _) = tls_world(&ca);
    let pem = operator_key();
    let wanted = PrivateKey::from_operator_input(&pem).unwrap();
    // `juju add-secret my-key private-key#file=key.pem` + `juju grant-secret my-key kafka-k8s`.
    let secret = Secret::new([("private-key", pem.as_str())]);
    let uri = secret.uri();
    let after = run(
        TestEvent::action("set-tls-private-key").param("internal-key", uri.as_str()),
        out.state.clone().secret(secret),
    );
    assert_eq!(after.action.clone().unwrap().failed, None);
    assert!(
        after.calls.contains(&format!("secret-get {uri} --peek")),
        "{:?}",
        after.calls
    );
    assert_no_key_material(&after, &pem);
    assert_eq!(stored_key(&after).public_key_raw(), wanted.public_key_raw());
    assert_eq!(
        CsrInfo::parse(&csrs(&after)[0]).unwrap().public_key,
        wanted.public_key_raw()
    );

    // A secret without the field fails naming it, and changes nothing.
    let wrong = Secret::new([("key", pem.as_str())]);
    let uri = wrong.uri();
    let after = run(
        TestEvent::action("set-tls-private-key").param("internal-key", uri.as_str()),
        out.state.clone().secret(wrong),
    );
    let failed = after.action.clone().and_then(|a| a.failed).expect("the action fails");
    assert_eq!(failed, format!("internal-key: secret {uri} has no `private-key` field"));
    assert_eq!(after.state.relations, out.state.relations, "CSR unchanged");
}
