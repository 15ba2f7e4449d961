//! The `testing` builders in use: tiny charms using our requirer and provider, run by
//! `charm_testing::Context::run` (Juju's access rules, hooks as transactions), with the
//! other side of each relation built by `tls::testing` and `certificate_transfer::testing`.

// Test code: a failed setup step is a failed test, so unwrap/expect are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::collections::BTreeSet;
use std::time::Duration;

use charm_interfaces::certificate_transfer::CertificateTransferRequirer;
use charm_interfaces::tls::labels::LIBID;
use charm_interfaces::tls::wire::{ProviderAppData, RequirerData};
use charm_interfaces::tls::{
    testing, CertRequest, CertificateAuthority, CertificateInfo, Issuance, TlsProvider, TlsRequirer,
};
use charm_sdk::prelude::*;
use charm_testing::{assert_status, State, TestContext, TestEvent};
use interop_support::test_charm;

const DAY: Duration = Duration::from_secs(86_400);

test_charm!(
    Kafka,
    r#"
name: kafka
requires:
  certificates: {interface: tls-certificates, limit: 1}
  client-cas: {interface: certificate_transfer}
"#,
    |ctx| {
        let leader = ctx.leader()?;
        let cas = CertificateTransferRequirer::new("client-cas").reconcile(ctx, leader.as_ref())?;
        let request = CertRequest::new("kafka-0.kafka-endpoints").dns("kafka-0");
        let tls = TlsRequirer::new("certificates", request).reconcile(ctx, leader.as_ref())?;
        let assigned = tls.or_waiting("waiting for a certificate")?;
        let keystore = assigned.keystore("kafka", "changeit")?;
        ctx.add_status(Status::active(format!(
            "certificate for {}, keystore {} bytes, {} client CAs",
            assigned.certificate.info.common_name.unwrap_or_default(),
            if keystore.is_empty() { "empty" } else { "non-empty" },
            cas.all().len()
        )));
        Ok(())
    }
);

test_charm!(
    Ca,
    "name: ca\nprovides:\n  certificates: {interface: tls-certificates}\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        let ca = CertificateAuthority::new_root("ca", 365 * DAY)?;
        TlsProvider::new("certificates").reconcile(ctx, &leader, |req| {
            Ok(Issuance::Issued(ca.sign_csr(&req.csr, req.is_ca, 90 * DAY)?))
        })?;
        Ok(())
    }
);

#[test]
fn requirer_charm_gets_its_certificate_from_the_testing_provider() {
    let ctx = TestContext::<Kafka>::new();
    let ca = CertificateAuthority::new_root("self-signed", 365 * DAY).unwrap();
    let cas = [ca.certificate().to_owned()].into();
    let transfer =
        charm_interfaces::certificate_transfer::testing::provider_relation("client-cas", &cas, true).unwrap();
    let relation = testing::provider_relation("certificates");
    let state = State::default()
        .leader(true)
        .relation(relation.clone())
        .relation(transfer.clone());

    // First run: a key secret, a CSR in our unit bag, waiting.
    let out = ctx.run(TestEvent::update_status(), state).unwrap();
    assert_status(&out, Status::waiting("waiting for a certificate"));
    let key = out
        .state
        .secret_by_label(&format!("{LIBID}-private-key-0-certificates"))
        .expect("key secret");
    assert!(key.newest_content()["private-key"].starts_with("-----BEGIN PRIVATE KEY-----"));
    let ours = out.state.get_relation(&relation).unwrap().clone();
    assert_eq!(
        RequirerData::from_bag(&ours.local_unit_data, "t")
            .unwrap()
            .certificate_signing_requests
            .len(),
        1
    );
    assert_eq!(
        out.state.get_relation(&transfer).unwrap().local_app_data["version"],
        "1"
    );

    // The provider answers; the charm gets its certificate and builds a keystore.
    let answered = testing::answer_requests(&ours, &ca, 90 * DAY).unwrap();
    let mut state = out.state.clone();
    state.relations.retain(|r| r.id != answered.id);
    let state = state.relation(answered.clone());
    let out = ctx.run(TestEvent::update_status(), state).unwrap();
    assert_status(
        &out,
        Status::active("certificate for kafka-0.kafka-endpoints, keystore non-empty bytes, 1 client CAs"),
    );
    let cert_secrets = out.state.secrets.iter().filter(|s| {
        s.label
            .as_deref()
            .is_some_and(|l| l.starts_with(&format!("{LIBID}-certificate-0-certificates-")))
    });
    assert_eq!(cert_secrets.count(), 1);

    // Revoked: waiting again, certificate secret gone.
    let revoked = testing::revoke_all(out.state.get_relation(&answered).unwrap()).unwrap();
    let mut state = out.state.clone();
    state.relations.retain(|r| r.id != revoked.id);
    let out = ctx.run(TestEvent::update_status(), state.relation(revoked)).unwrap();
    assert_status(&out, Status::waiting("waiting for a certificate"));
    assert!(!out
        .state
        .secrets
        .iter()
        .any(|s| s.label.as_deref().is_some_and(|l| l.contains("-certificate-0-"))));
}

#[test]
fn provider_charm_answers_the_testing_requirer_units() {
    let ctx = TestContext::<Ca>::new();
    let (relation, keys) = testing::requirer_relation("certificates", "kafka", 2).unwrap();
    let out = ctx
        .run(
            TestEvent::update_status(),
            State::default().leader(true).relation(relation.clone()),
        )
        .unwrap();
    let published = &out.state.get_relation(&relation).unwrap().local_app_data;
    let data = ProviderAppData::from_bag(published, "t").unwrap();
    assert_eq!(data.certificates.len(), 2);
    let issued_keys: BTreeSet<Vec<u8>> = data
        .certificates
        .iter()
        .map(|c| CertificateInfo::parse(&c.certificate).unwrap().public_key)
        .collect();
    let requested: BTreeSet<Vec<u8>> = keys.iter().map(|k| k.public_key_raw().to_vec()).collect();
    assert_eq!(issued_keys, requested);

    // Not the leader: nothing written, and Juju's rules would refuse it anyway.
    let out = ctx
        .run(
            TestEvent::update_status(),
            State::default().leader(false).relation(relation.clone()),
        )
        .unwrap();
    assert!(out.state.get_relation(&relation).unwrap().local_app_data.is_empty());
}

#[test]
fn requirer_charm_without_the_relation_waits_and_cleans_up_nothing() {
    let ctx = TestContext::<Kafka>::new();
    let out = ctx
        .run(TestEvent::update_status(), State::default().leader(true))
        .unwrap();
    assert_status(&out, Status::waiting("waiting for a certificate"));
    assert!(out.state.secrets.is_empty());
    // The only tool error is the expected "no key secret" answer to the clean-up probe.
    assert!(
        out.refusals.iter().all(|r| r.contains("not found")),
        "{:?}",
        out.refusals
    );
}
