//! Remote data is untrusted: whatever a provider or requirer writes (missing keys, broken
//! JSON, wrong types, PEM junk), the decoders answer with a value or a typed error, never a
//! panic. Hand-picked cases first, then proptest over arbitrary bags.

// Test code: a failed setup step is a failed test, so unwrap/expect are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use charm_interfaces::certificate_transfer::wire as ct;
use charm_interfaces::error::Error;
use charm_interfaces::tls::wire::{
    ProviderAppData, RequirerData, CAPABILITIES_KEY, CERTIFICATES_KEY, CSRS_KEY, REQUEST_ERRORS_KEY,
};
use charm_interfaces::tls::{CertificateInfo, CsrInfo, PrivateKey, ProviderCertificate};
use juju_model::{Databag, RelationId};
use proptest::prelude::*;

fn bag(pairs: &[(&str, &str)]) -> Databag {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn remote_error<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(e @ Error::RemoteData { .. }) => e.to_string(),
        other => panic!("expected Error::RemoteData, got {other:?}"),
    }
}

#[test]
fn missing_keys_are_defaults() {
    assert_eq!(
        RequirerData::from_bag(&Databag::new(), "t").unwrap(),
        RequirerData::default()
    );
    assert_eq!(
        ProviderAppData::from_bag(&bag(&[("ingress-address", "10.1.1.1")]), "t").unwrap(),
        ProviderAppData::default()
    );
}

#[test]
fn malformed_json_and_wrong_types_name_the_key() {
    let msg = remote_error(RequirerData::from_bag(&bag(&[(CSRS_KEY, "[{")]), "kafka/0"));
    assert!(msg.contains("kafka/0") && msg.contains(CSRS_KEY), "{msg}");
    remote_error(RequirerData::from_bag(&bag(&[(CSRS_KEY, r#"{"a": 1}"#)]), "t"));
    remote_error(RequirerData::from_bag(&bag(&[(CSRS_KEY, r#"[{"ca": false}]"#)]), "t"));
    remote_error(RequirerData::from_bag(
        &bag(&[(CSRS_KEY, r#"[{"certificate_signing_request": 5}]"#)]),
        "t",
    ));
    remote_error(RequirerData::from_bag(
        &bag(&[(CSRS_KEY, r#"[{"certificate_signing_request": "x", "ca": "yes"}]"#)]),
        "t",
    ));
    remote_error(ProviderAppData::from_bag(
        &bag(&[(CERTIFICATES_KEY, r#"[{"ca": "a", "certificate": "b"}]"#)]),
        "t",
    ));
    remote_error(ProviderAppData::from_bag(
        &bag(&[(
            CERTIFICATES_KEY,
            r#"[{"ca": "a", "certificate_signing_request": "c", "certificate": "b", "chain": "x"}]"#,
        )]),
        "t",
    ));
    remote_error(ProviderAppData::from_bag(
        &bag(&[(REQUEST_ERRORS_KEY, r#"[{"csr": "x", "error": {"code": "101"}}]"#)]),
        "t",
    ));
    remote_error(ProviderAppData::from_bag(&bag(&[(CAPABILITIES_KEY, "[]")]), "t"));
    remote_error(ct::read_app_bag(&bag(&[("certificates", r#"[1, 2]"#)]), "t"));
    remote_error(ct::read_unit_bag_v0(&bag(&[("chain", "not json")]), "t"));
    // Deep nesting hits serde_json's recursion limit: an error, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    remote_error(ProviderAppData::from_bag(&bag(&[(CERTIFICATES_KEY, &deep)]), "t"));
}

#[test]
fn pem_junk_in_well_formed_json_is_a_typed_error() {
    let data = ProviderAppData::from_bag(
        &bag(&[(CERTIFICATES_KEY, r#"[{"ca": "x", "certificate_signing_request": "y", "certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}]"#)]),
        "t",
    )
    .unwrap();
    assert!(ProviderCertificate::from_entry(RelationId(1), &data.certificates[0]).is_err());
    assert!(CsrInfo::parse("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----").is_err());
    assert!(CertificateInfo::parse("").is_err());
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        ".{0,40}".prop_map(serde_json::Value::String),
        Just(serde_json::json!(
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
        )),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("ca".to_owned()),
                    Just("certificate".to_owned()),
                    Just("certificate_signing_request".to_owned()),
                    Just("chain".to_owned()),
                    Just("revoked".to_owned()),
                    Just("csr".to_owned()),
                    Just("error".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..5,
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn any_bag() -> impl Strategy<Value = Databag> {
    let key = prop_oneof![
        Just(CSRS_KEY.to_owned()),
        Just(CERTIFICATES_KEY.to_owned()),
        Just(REQUEST_ERRORS_KEY.to_owned()),
        Just(CAPABILITIES_KEY.to_owned()),
        Just("chain".to_owned()),
        Just("ca".to_owned()),
        Just("version".to_owned()),
        ".{0,12}",
    ];
    let value = prop_oneof![".{0,80}", json_value().prop_map(|v| v.to_string())];
    prop::collection::btree_map(key, value, 0..6)
}

fn exercise(bag: &BTreeMap<String, String>) {
    if let Ok(data) = RequirerData::from_bag(bag, "p") {
        for e in &data.certificate_signing_requests {
            let _ = CsrInfo::parse(&e.certificate_signing_request);
        }
        let _ = data.to_bag();
    }
    if let Ok(data) = ProviderAppData::from_bag(bag, "p") {
        for e in &data.certificates {
            let _ = ProviderCertificate::from_entry(RelationId(1), e);
        }
        let _ = data.to_bag();
    }
    let _ = ct::read_app_bag(bag, "p");
    let _ = ct::read_unit_bag_v0(bag, "p");
    for v in bag.values() {
        let _ = CertificateInfo::parse(v);
        let _ = CsrInfo::parse(v);
        let _ = PrivateKey::from_pem(v);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoders_never_panic_on_arbitrary_bags(bag in any_bag()) {
        exercise(&bag);
    }

    #[test]
    fn decoders_never_panic_on_pem_shaped_junk(body in "[A-Za-z0-9+/=\n]{0,200}", label in prop_oneof![
        Just("CERTIFICATE"), Just("CERTIFICATE REQUEST"), Just("PRIVATE KEY"), Just("RSA PRIVATE KEY")
    ]) {
        let pem = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----");
        let _ = CertificateInfo::parse(&pem);
        let _ = CsrInfo::parse(&pem);
        let _ = PrivateKey::from_pem(&pem);
    }

    #[test]
    fn requirer_bags_round_trip(csrs in prop::collection::vec((".{0,60}", prop::option::of(any::<bool>())), 0..4)) {
        let data = RequirerData {
            certificate_signing_requests: csrs
                .into_iter()
                .map(|(c, ca)| charm_interfaces::tls::wire::CsrEntry { certificate_signing_request: c, ca })
                .collect(),
        };
        let written = charm_interfaces::tls::wire::written(&data.to_bag().unwrap());
        prop_assert_eq!(RequirerData::from_bag(&written, "p").unwrap(), data);
    }
}
