//! certificate_transfer contract: our provider and requirer taking turns in a multi-unit
//! model over charm-testing (`tls_support`), in both formats (v1 app bag when the requirer
//! announced version 1, the legacy v0 unit bag otherwise), every bag validated against the
//! reference's wire-format schemas, and the old v0 library's plain-text values read.

// Test code: a failed setup step is a failed test, so unwrap/expect are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;
mod tls_support;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::time::Duration;

use charm_interfaces::certificate_transfer::{
    CertificateTransferProvider, CertificateTransferRequirer, TrustedCertificates,
};
use charm_interfaces::tls::CertificateAuthority;
use charm_sdk::Outcome;
use interop_support::test_charm;
use juju_model::{Databag, RelationId};
use tls_support::{assert_side_valid, assert_valid, databags, Model};

thread_local! {
    static CAS: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
    static GOT: RefCell<Option<TrustedCertificates>> = const { RefCell::new(None) };
}

test_charm!(
    Sender,
    "name: ssc\nprovides:\n  send-ca-cert:\n    interface: certificate_transfer\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        let cas = CAS.with(|c| c.borrow().clone());
        CertificateTransferProvider::new("send-ca-cert").reconcile(ctx, &leader, &cas)?;
        Ok(())
    }
);

test_charm!(
    Receiver,
    "name: kafka\nrequires:\n  client-cas:\n    interface: certificate_transfer\n",
    |ctx| {
        let leader = ctx.leader()?;
        let got = CertificateTransferRequirer::new("client-cas").reconcile(ctx, leader.as_ref())?;
        GOT.with(|g| *g.borrow_mut() = Some(got));
        Ok(())
    }
);

fn two_cas() -> BTreeSet<String> {
    let a = CertificateAuthority::new_root("CA one", Duration::from_secs(86_400)).unwrap();
    let b = CertificateAuthority::new_root("CA two", Duration::from_secs(86_400)).unwrap();
    [a.certificate().to_owned(), b.certificate().to_owned()].into()
}

fn model() -> Model {
    let mut m = Model::default();
    m.relate(
        3,
        ("kafka", "client-cas", &["kafka/0", "kafka/1"]),
        ("ssc", "send-ca-cert", &["ssc/0"]),
    );
    m
}

fn got() -> TrustedCertificates {
    GOT.with(|g| g.borrow_mut().take()).expect("requirer ran")
}

#[test]
fn v1_round_trip_is_schema_valid_and_idempotent() {
    let cas = two_cas();
    CAS.with(|c| *c.borrow_mut() = cas.clone());
    let mut m = model();
    assert_eq!(m.run::<Receiver>("kafka/0"), Outcome::Success);
    let requirer_app = m.bag(3, "app:kafka");
    assert_eq!(requirer_app, [("version".to_owned(), "1".to_owned())].into());
    assert_valid(
        "certificate_transfer-v1-requirer",
        &databags(&requirer_app, &Databag::new()),
    );

    assert_eq!(m.run::<Sender>("ssc/0"), Outcome::Success);
    let provider_app = m.bag(3, "app:ssc");
    assert_eq!(provider_app["version"], "1");
    assert!(provider_app["certificates"].starts_with("[\"-----BEGIN CERTIFICATE-----\\n"));
    assert!(m.bag(3, "ssc/0").is_empty(), "v1 requirer: no v0 unit data");
    assert_valid(
        "certificate_transfer-v1-provider",
        &databags(&provider_app, &m.bag(3, "ssc/0")),
    );

    assert_eq!(m.run::<Receiver>("kafka/1"), Outcome::Success);
    let received = got();
    assert!(received.invalid.is_empty(), "{:?}", received.invalid);
    assert_eq!(received.by_relation[&RelationId(3)], cas);
    assert_eq!(received.all(), cas);

    let before = m.bags.clone();
    assert_eq!(m.run::<Sender>("ssc/0"), Outcome::Success);
    assert_eq!(m.run::<Receiver>("kafka/0"), Outcome::Success);
    assert!(m.bags == before, "nothing to do, nothing written");
}

#[test]
fn v0_fallback_when_the_requirer_never_announced_v1_then_switches() {
    let cas = two_cas();
    CAS.with(|c| *c.borrow_mut() = cas.clone());
    let mut m = model();
    // The provider runs before the requirer's leader wrote its version: v0 unit bag.
    assert_eq!(m.run::<Sender>("ssc/0"), Outcome::Success);
    let unit = m.bag(3, "ssc/0");
    assert_eq!(unit["version"], "0");
    assert!(
        unit["ca"].starts_with("\"-----BEGIN CERTIFICATE-----\\n"),
        "JSON-encoded as the v1 library does"
    );
    assert!(m.bag(3, "app:ssc").is_empty());
    assert_side_valid("certificate_transfer-v1-provider", "unit", &unit);

    // A non-leader requirer unit (writes nothing) reads the v0 fallback.
    assert_eq!(m.run::<Receiver>("kafka/1"), Outcome::Success);
    assert_eq!(got().all(), cas);

    // The leader announces v1; the provider moves to the app bag and clears the unit bag.
    assert_eq!(m.run::<Receiver>("kafka/0"), Outcome::Success);
    assert_eq!(m.run::<Sender>("ssc/0"), Outcome::Success);
    assert!(m.bag(3, "ssc/0").is_empty());
    assert_valid(
        "certificate_transfer-v1-provider",
        &databags(&m.bag(3, "app:ssc"), &Databag::new()),
    );
    assert_eq!(m.run::<Receiver>("kafka/1"), Outcome::Success);
    assert_eq!(got().all(), cas);
}

#[test]
fn empty_set_is_an_empty_list_in_v1() {
    let mut m = model();
    assert_eq!(m.run::<Receiver>("kafka/0"), Outcome::Success);
    assert_eq!(m.run::<Sender>("ssc/0"), Outcome::Success);
    assert_eq!(m.bag(3, "app:ssc")["certificates"], "[]");
    assert_valid(
        "certificate_transfer-v1-provider",
        &databags(&m.bag(3, "app:ssc"), &Databag::new()),
    );
}

#[test]
fn the_old_v0_library_and_junk_are_read_or_reported() {
    let cas = two_cas();
    let mut m = model();
    let first = cas.iter().next().unwrap().clone();
    // charms.certificate_transfer_interface.v0: plain PEM for ca/certificate, JSON chain.
    let chain = serde_json::to_string(&cas.iter().collect::<Vec<_>>()).unwrap();
    m.set_bag(
        3,
        "ssc/0",
        [
            ("ca".into(), format!("{first}\n")),
            ("certificate".into(), first.clone()),
            ("chain".into(), chain),
        ]
        .into(),
    );
    assert_eq!(m.run::<Receiver>("kafka/1"), Outcome::Success);
    assert_eq!(got().all(), cas);

    m.set_bag(
        3,
        "app:ssc",
        [("certificates".into(), r#"["not a certificate", 5]"#.into())].into(),
    );
    assert_eq!(m.run::<Receiver>("kafka/1"), Outcome::Success);
    let received = got();
    assert_eq!(received.invalid.len(), 1, "{:?}", received.invalid);
    assert_eq!(received.all(), cas, "the unit fallback still answers");

    m.set_bag(
        3,
        "app:ssc",
        [("certificates".into(), r#"["not a certificate"]"#.into())].into(),
    );
    assert_eq!(m.run::<Receiver>("kafka/1"), Outcome::Success);
    let received = got();
    assert!(received.all().is_empty());
    assert_eq!(received.invalid.len(), 1);
}
