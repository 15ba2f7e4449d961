//! `set-tls-private-key`: the operator's key (RSA from `openssl genrsa`, base64 or raw PEM)
//! replaces the unit's key in its secret, a CSR with the same names signed by it replaces
//! the old one, and once the provider answers the keystore holds the new key and certificate
//! (reloaded live: no restart). Bad keys fail naming `internal-key` and change nothing;
//! without a key a fresh one is generated; without the certificates relation it fails. The
//! key may also come from a Juju secret the operator granted (`internal-key=secret:<id>`).

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use std::time::Duration;

use charm_interfaces::tls::labels::LIBID;
use charm_interfaces::tls::testing::{assert_no_private_key, base64_line, openssl_pem, visible_texts};
use charm_interfaces::tls::wire::RequirerData;
use charm_interfaces::tls::{CertificateAuthority, CertificateInfo, CsrInfo, PrivateKey};
use charm_testing::{Context, RunOutput, Secret, TestEvent};
use support::sim::{all_restarts, Sim, Zk};
use support::tls::{answer_every_csr, with_tls, CERTS};

const KEYSTORE: &str = "/etc/zookeeper/keystore.p12";

fn key_label(n: u32) -> String {
    format!("{LIBID}-private-key-{n}-certificates")
}

/// Three servers on TLS with certificates from `ca`.
fn tls_ensemble(ca: &CertificateAuthority) -> Sim {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    with_tls(&mut sim, ca);
    sim.settle(40);
    assert!(sim.units[&1].container.files.contains_key(KEYSTORE), "TLS is on");
    sim
}

/// Unit `n`'s CSRs in the certificates relation.
fn csrs(sim: &Sim, n: u32) -> Vec<String> {
    let bag = &sim.units[&n].relation_bags[&CERTS];
    RequirerData::from_bag(bag, "unit bag")
        .expect("CSRs")
        .certificate_signing_requests
        .into_iter()
        .map(|e| e.certificate_signing_request)
        .collect()
}

/// Unit `n`'s private key, from its secret.
fn stored_key(sim: &Sim, n: u32) -> PrivateKey {
    let secret = sim.units[&n]
        .secrets
        .iter()
        .find(|s| s.label.as_deref() == Some(key_label(n).as_str()))
        .expect("the key secret");
    PrivateKey::from_pem(&secret.newest_content()["private-key"]).expect("a key")
}

/// An RSA key as an operator makes one (`openssl genrsa -traditional 2048`, PKCS#1).
fn operator_key() -> String {
    openssl_pem(&["genrsa", "-traditional", "2048"])
}

/// Unit `n`'s key as the charm stores it (PKCS#8 PEM, whatever form the operator gave).
fn stored_pem(sim: &Sim, n: u32) -> String {
    stored_key(sim, n).to_pem()
}

/// Neither `pem` nor the unit's stored key (PKCS#8, a different encoding of the operator's
/// key once replaced) shows in what the run made visible: logs, tool calls, statuses, action
/// output, plaintext relation data and unit state.
#[track_caller]
fn assert_no_key_material(sim: &Sim, out: &RunOutput, pem: &str) {
    let texts = visible_texts(out);
    assert_no_private_key(&texts, pem);
    assert_no_private_key(&texts, &stored_pem(sim, 1));
}

#[test]
fn an_operators_rsa_key_gets_a_new_certificate_into_the_keystore_without_a_restart() {
    let ca = CertificateAuthority::new_root("ca", Duration::from_secs(30 * 86_400)).expect("CA");
    let mut sim = tls_ensemble(&ca);
    let old_csrs = csrs(&sim, 1);
    assert_eq!(old_csrs.len(), 1);
    let old = CsrInfo::parse(&old_csrs[0]).expect("csr");
    let keystore_before = sim.units[&1].container.files[KEYSTORE].content.clone();
    let stopped = all_restarts(&sim);

    let pem = operator_key();
    let wanted = PrivateKey::from_operator_input(&pem).expect("a usable key");
    let encoded = base64_line(&pem);
    let out = sim.run(
        1,
        TestEvent::action("set-tls-private-key").param("internal-key", encoded.as_str()),
    );
    let action = out.action.clone().expect("an action ran");
    assert_eq!(action.failed, None);
    assert!(action.results.is_empty(), "no result keys, as upstream");
    assert!(
        action
            .logs
            .iter()
            .any(|l| l.contains("certificate for it was requested")),
        "{:?}",
        action.logs
    );
    assert_no_key_material(&sim, &out, &pem);

    // The secret holds the new key; one CSR, signed by it, for the same names.
    assert_eq!(stored_key(&sim, 1).public_key_raw(), wanted.public_key_raw());
    let new_csrs = csrs(&sim, 1);
    assert_eq!(new_csrs.len(), 1, "the old request is withdrawn");
    let new = CsrInfo::parse(&new_csrs[0]).expect("csr");
    assert_eq!(
        new.public_key,
        wanted.public_key_raw(),
        "the CSR carries the operator's key"
    );
    assert_ne!(new.public_key, old.public_key);
    assert_eq!(new.request.common_name, old.request.common_name);
    assert_eq!(new.request.sans_dns, old.request.sans_dns);
    assert_eq!(new.request.sans_ip, old.request.sans_ip);
    // Other units are untouched; this unit keeps presenting its certificate meanwhile.
    assert_eq!(csrs(&sim, 0).len(), 1);
    sim.run(1, TestEvent::update_status());
    assert_eq!(sim.units[&1].container.files[KEYSTORE].content, keystore_before);

    // The provider answers: the keystore is rebuilt with the new key and certificate.
    answer_every_csr(&mut sim, &ca);
    sim.settle(10);
    let keystore_after = sim.units[&1].container.files[KEYSTORE].clone();
    assert_ne!(keystore_after.content, keystore_before);
    assert_eq!(keystore_after.permissions, 0o600);
    let cert_secret = sim.units[&1]
        .secrets
        .iter()
        .find(|s| {
            s.label
                .as_deref()
                .is_some_and(|l| l.contains("-certificate-1-certificates-"))
        })
        .expect("the certificate secret");
    let cert = CertificateInfo::parse(&cert_secret.newest_content()["certificate"]).expect("cert");
    assert_eq!(cert.public_key, wanted.public_key_raw());
    assert_eq!(
        sim.units[&1]
            .secrets
            .iter()
            .filter(|s| s.label.as_deref().is_some_and(|l| l.contains("-certificate-1-")))
            .count(),
        1,
        "the old certificate's secret is gone"
    );
    assert_eq!(all_restarts(&sim), stopped, "ZooKeeper reloads its stores: no restart");

    // Java reads the keystore with the operator's key.
    keytool_check(&sim, &keystore_after.content, "2048-bit RSA key");
}

/// `keytool -list` reads the keystore: one key entry for this unit, whose certificate's key
/// is `algorithm` (keytool's words). Fails without `keytool`: scripts/install-deps.sh
/// installs a JDK wherever tests run.
#[track_caller]
fn keytool_check(sim: &Sim, keystore: &[u8], algorithm: &str) {
    let password = sim.units[&1]
        .secrets
        .iter()
        .find(|s| s.label.as_deref() == Some("cluster.zookeeper-k8s.unit"))
        .expect("store passwords")
        .newest_content()["keystore-password"]
        .clone();
    let path = std::env::temp_dir().join(format!("zk-operator-key-{}.p12", std::process::id()));
    std::fs::write(&path, keystore).expect("write");
    let out = std::process::Command::new("keytool")
        .args(["-list", "-v", "-storetype", "PKCS12", "-keystore"])
        .arg(&path)
        .args(["-storepass", &password])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `keytool` ({e}): run scripts/install-deps.sh (apt-get install -y default-jre-headless)")
        });
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Entry type: PrivateKeyEntry"), "{text}");
    assert!(text.contains("CN=zookeeper-k8s-1.zookeeper-k8s-endpoints"), "{text}");
    assert!(text.contains(algorithm), "{text}");
}

#[test]
fn bad_keys_fail_naming_internal_key_and_change_nothing() {
    let ca = CertificateAuthority::new_root("ca", Duration::from_secs(30 * 86_400)).expect("CA");
    let mut sim = tls_ensemble(&ca);
    let mut bad: Vec<(String, &str)> = vec![
        ("definitely not a key".to_owned(), "neither PEM nor base64"),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----"
                .to_owned(),
            "private key",
        ),
    ];
    bad.push((
        openssl_pem(&["genrsa", "-traditional", "1024"]),
        "RSA key of 1024 bits is too short",
    ));
    let encrypted = openssl_pem(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-aes256",
        "-pass",
        "pass:x",
    ]);
    bad.push((encrypted, "encrypted"));
    bad.push((
        openssl_pem(&["genpkey", "-algorithm", "ed25519"]),
        "unsupported key type Ed25519",
    ));
    for (input, why) in bad {
        let before = sim.state(1);
        let out = sim.run(
            1,
            TestEvent::action("set-tls-private-key").param("internal-key", input.as_str()),
        );
        let failed = out.action.clone().and_then(|a| a.failed).expect("the action fails");
        assert!(
            failed.starts_with("internal-key is not a usable private key: "),
            "{failed}"
        );
        assert!(failed.contains(why), "{failed:?} should say {why:?}");
        assert_no_key_material(&sim, &out, &input);
        let after = sim.state(1);
        assert_eq!(after.secrets, before.secrets, "secrets unchanged");
        assert_eq!(after.relations, before.relations, "CSR unchanged");
        assert_eq!(
            after.containers[0].state.files[KEYSTORE].content,
            before.containers[0].state.files[KEYSTORE].content
        );
    }
}

#[test]
fn without_a_key_a_fresh_one_is_generated_and_the_same_key_changes_nothing() {
    let ca = CertificateAuthority::new_root("ca", Duration::from_secs(30 * 86_400)).expect("CA");
    let mut sim = tls_ensemble(&ca);
    let before = stored_key(&sim, 2);
    let out = sim.run(2, TestEvent::action("set-tls-private-key"));
    assert_eq!(out.action.expect("action").failed, None);
    let rotated = stored_key(&sim, 2);
    assert_ne!(rotated.public_key_raw(), before.public_key_raw());
    let csr = CsrInfo::parse(&csrs(&sim, 2)[0]).expect("csr");
    assert_eq!(csr.public_key, rotated.public_key_raw());

    // The key in use again (as raw PEM): nothing to do.
    let state = sim.state(2);
    let out = sim.run(
        2,
        TestEvent::action("set-tls-private-key").param("internal-key", rotated.to_pem()),
    );
    let action = out.action.expect("action");
    assert_eq!(action.failed, None);
    assert!(
        action.logs.iter().any(|l| l.contains("nothing changed")),
        "{:?}",
        action.logs
    );
    assert_eq!(sim.state(2).relations, state.relations);
}

#[test]
fn without_the_certificates_relation_the_action_fails() {
    let mut sim = Sim::new(1, 0);
    sim.settle(8);
    let out = sim.run(
        0,
        TestEvent::action("set-tls-private-key").param("internal-key", operator_key()),
    );
    let failed = out.action.and_then(|a| a.failed).expect("fails");
    assert!(failed.contains("needs the certificates relation"), "{failed}");
    assert!(sim.units[&0]
        .secrets
        .iter()
        .all(|s| s.label.as_deref() != Some(key_label(0).as_str())));
}

/// Runs the action on unit 1 with a user secret (`juju add-secret` + `juju grant-secret`)
/// holding `content` in the unit's view, and `internal-key` set to its URI; the run and
/// the URI.
fn run_with_key_secret(sim: &mut Sim, content: &[(&str, &str)]) -> (RunOutput, String) {
    let secret = Secret::new(content.iter().copied());
    let uri = secret.uri();
    let state = sim.state(1).secret(secret);
    let event = TestEvent::action("set-tls-private-key").param("internal-key", uri.as_str());
    let out = Context::<Zk>::new().run(event, state).expect("the hook runs");
    sim.absorb(1, &out);
    (out, uri)
}

#[test]
fn the_key_can_come_from_a_juju_secret_so_the_action_task_does_not_hold_it() {
    let ca = CertificateAuthority::new_root("ca", Duration::from_secs(30 * 86_400)).expect("CA");
    let mut sim = tls_ensemble(&ca);
    let pem = operator_key();
    let wanted = PrivateKey::from_operator_input(&pem).expect("a usable key");

    let (out, uri) = run_with_key_secret(&mut sim, &[("private-key", pem.as_str())]);
    let action = out.action.clone().expect("an action ran");
    assert_eq!(action.failed, None);
    let read = format!("secret-get {uri} --peek");
    assert_eq!(out.calls.iter().filter(|c| **c == read).count(), 1, "{:?}", out.calls);
    assert_no_key_material(&sim, &out, &pem);
    assert_eq!(stored_key(&sim, 1).public_key_raw(), wanted.public_key_raw());
    let csr = CsrInfo::parse(&csrs(&sim, 1)[0]).expect("csr");
    assert_eq!(
        csr.public_key,
        wanted.public_key_raw(),
        "the CSR carries the secret's key"
    );

    // A secret without the field, or whose field is not a key: fails naming the secret, and
    // changes nothing.
    for (content, why) in [
        (vec![("key", pem.as_str())], "has no `private-key` field"),
        (vec![("private-key", "not a key")], "is not a usable private key"),
    ] {
        let before = sim.state(1);
        let (out, _) = run_with_key_secret(&mut sim, &content);
        let failed = out.action.clone().and_then(|a| a.failed).expect("the action fails");
        assert!(
            failed.starts_with("internal-key: ") && failed.contains("secret secret:"),
            "{failed}"
        );
        assert!(failed.contains(why), "{failed:?} should say {why:?}");
        assert_no_key_material(&sim, &out, &pem);
        assert_eq!(sim.state(1).relations, before.relations, "CSR unchanged");
    }

    // A URI this unit cannot read (never granted): fails saying how to grant it.
    let before = sim.state(1);
    let out = sim.run(
        1,
        TestEvent::action("set-tls-private-key").param("internal-key", "secret:d0m8a7kcmg1s7bn3l4pg"),
    );
    let failed = out.action.clone().and_then(|a| a.failed).expect("the action fails");
    assert!(
        failed.starts_with("internal-key: cannot read secret secret:d0m8a7kcmg1s7bn3l4pg")
            && failed.contains("juju grant-secret <name> zookeeper-k8s"),
        "{failed}"
    );
    assert_eq!(sim.state(1).relations, before.relations, "CSR unchanged");
}
