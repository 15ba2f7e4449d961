//! `TlsRequirer::replace_private_key` in both modes: the key secret gets the new key, the
//! bag's CSR is replaced by one for the same attributes signed by it, the old certificate's
//! secret goes, and the next reconcile accepts the provider's certificate for the new key.
//! Nothing is written without the relation, on a non-leader in app mode, or for the key
//! already in use.

// Test code: a failed setup step is a failed test, so unwrap/expect are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::cell::{Cell, RefCell};
use std::time::Duration;

use charm_interfaces::tls::labels::LIBID;
use charm_interfaces::tls::testing::{answer_requests, provider_relation};
use charm_interfaces::tls::wire::RequirerData;
use charm_interfaces::tls::{
    CertRequest, CertificateAuthority, CsrInfo, KeyAlgorithm, KeyReplacement, Mode, PrivateKey, TlsRequirer,
};
use charm_testing::{Context, Relation, RunOutput, State, TestEvent};
use interop_support::test_charm;

const DAY: Duration = Duration::from_secs(86_400);

thread_local! {
    static MODE: Cell<Mode> = const { Cell::new(Mode::Unit) };
    /// A key to install in this run (instead of reconciling).
    static NEW_KEY: RefCell<Option<PrivateKey>> = const { RefCell::new(None) };
    static OUTCOME: Cell<Option<KeyReplacement>> = const { Cell::new(None) };
    static ASSIGNED_KEY: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

test_charm!(
    Kafka,
    "name: kafka\nrequires:\n  certificates:\n    interface: tls-certificates\n",
    |ctx| {
        let leader = ctx.leader()?;
        let request = CertRequest::new("kafka-0.kafka-endpoints")
            .dns("kafka-0")
            .san("10.0.0.5");
        let tls = TlsRequirer::new("certificates", request).mode(MODE.get());
        if let Some(key) = NEW_KEY.with(|k| k.borrow_mut().take()) {
            OUTCOME.set(Some(tls.replace_private_key(ctx, leader.as_ref(), &key)?));
            return Ok(());
        }
        let got = tls.reconcile(ctx, leader.as_ref())?;
        ASSIGNED_KEY.with(|k| *k.borrow_mut() = got.map(|a| a.certificate.info.public_key.clone()));
        Ok(())
    }
);

fn run(event: TestEvent, state: State) -> RunOutput {
    Context::<Kafka>::new().run(event, state).unwrap()
}

fn replace(out: &RunOutput, key: &PrivateKey) -> (KeyReplacement, RunOutput) {
    NEW_KEY.with(|k| *k.borrow_mut() = Some(key.clone()));
    let after = run(TestEvent::update_status(), out.state.clone());
    (OUTCOME.take().expect("replace_private_key ran"), after)
}

fn relation(out: &RunOutput) -> Relation {
    out.state
        .relations
        .iter()
        .find(|r| r.endpoint == "certificates")
        .unwrap()
        .clone()
}

fn csrs(out: &RunOutput, mode: Mode) -> Vec<String> {
    let rel = relation(out);
    let bag = match mode {
        Mode::Unit => &rel.local_unit_data,
        Mode::App => &rel.local_app_data,
    };
    RequirerData::from_bag(bag, "own bag")
        .unwrap()
        .certificate_signing_requests
        .into_iter()
        .map(|e| e.certificate_signing_request)
        .collect()
}

/// A requirer holding a certificate from `ca`, in `mode`.
fn certified(mode: Mode, ca: &CertificateAuthority) -> RunOutput {
    MODE.set(mode);
    let certs = provider_relation("certificates");
    let out = run(
        TestEvent::relation_created(&certs),
        State::default().leader(true).relation(certs.clone()),
    );
    let answered = answer_requests(&relation(&out), ca, 30 * DAY).unwrap();
    let mut state = out.state.clone();
    state.relations.retain(|r| r.id != answered.id);
    let out = run(TestEvent::relation_changed(&answered), state.relation(answered));
    assert!(ASSIGNED_KEY.with(|k| k.borrow().is_some()), "a certificate is assigned");
    out
}

fn label_count(out: &RunOutput, part: &str) -> usize {
    out.state
        .secrets
        .iter()
        .filter(|s| {
            s.label
                .as_deref()
                .is_some_and(|l| l.starts_with(LIBID) && l.contains(part))
        })
        .count()
}

#[track_caller]
fn check_replacement(mode: Mode, key_label: &str) {
    let ca = CertificateAuthority::new_root("ca", 90 * DAY).unwrap();
    let out = certified(mode, &ca);
    let old = CsrInfo::parse(&csrs(&out, mode)[0]).unwrap();
    assert_eq!(label_count(&out, "-certificate-"), 1);

    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP384).unwrap();
    let (outcome, out) = replace(&out, &key);
    assert_eq!(outcome, KeyReplacement::Requested);
    let stored = out.state.secret_by_label(key_label).unwrap().newest_content()["private-key"].clone();
    assert_eq!(
        PrivateKey::from_pem(&stored).unwrap().public_key_raw(),
        key.public_key_raw()
    );
    let now = csrs(&out, mode);
    assert_eq!(now.len(), 1, "one request, the old one withdrawn");
    let new = CsrInfo::parse(&now[0]).unwrap();
    assert_eq!(new.public_key, key.public_key_raw());
    assert_eq!(new.request.common_name, old.request.common_name);
    assert_eq!(new.request.sans_dns, old.request.sans_dns);
    assert_eq!(new.request.sans_ip, old.request.sans_ip);
    assert_eq!(
        label_count(&out, "-certificate-"),
        0,
        "the old certificate's secret is gone"
    );
    assert!(out.logs.iter().all(|(_, l)| !l.contains("PRIVATE KEY")));

    // The same key again: nothing written.
    let (outcome, again) = replace(&out, &key);
    assert_eq!(outcome, KeyReplacement::Unchanged);
    assert_eq!(again.state.secrets, out.state.secrets);
    assert_eq!(again.state.relations, out.state.relations);

    // The provider answers; the next reconcile takes the certificate for the new key.
    let answered = answer_requests(&relation(&out), &ca, 30 * DAY).unwrap();
    let mut state = out.state.clone();
    state.relations.retain(|r| r.id != answered.id);
    let out = run(TestEvent::relation_changed(&answered), state.relation(answered));
    assert_eq!(
        ASSIGNED_KEY.with(|k| k.borrow().clone()),
        Some(key.public_key_raw().to_vec())
    );
    assert_eq!(label_count(&out, "-certificate-"), 1);
}

#[test]
fn unit_mode_replaces_key_csr_and_certificate() {
    check_replacement(Mode::Unit, &format!("{LIBID}-private-key-0-certificates"));
}

#[test]
fn app_mode_replaces_key_csr_and_certificate_on_the_leader() {
    check_replacement(Mode::App, &format!("{LIBID}-private-key-app-certificates"));
}

#[test]
fn nothing_is_written_without_relation_or_leadership() {
    MODE.set(Mode::Unit);
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let bare = run(TestEvent::update_status(), State::default());
    let (outcome, out) = replace(&bare, &key);
    assert_eq!(outcome, KeyReplacement::NotRelated);
    assert!(out.state.secrets.is_empty());

    let ca = CertificateAuthority::new_root("ca", 90 * DAY).unwrap();
    let out = certified(Mode::App, &ca);
    let mut follower = out.state.clone();
    follower.leader = false;
    let follower_out = run(TestEvent::update_status(), follower);
    let (outcome, after) = replace(&follower_out, &key);
    assert_eq!(outcome, KeyReplacement::NotLeader);
    assert_eq!(after.state.secrets, follower_out.state.secrets);
    assert_eq!(after.state.relations, follower_out.state.relations);
}
