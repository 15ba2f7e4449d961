//! Every data-platform decoder over arbitrary string bags: a typed value or a typed error,
//! never a panic; and errors never echo a value.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use charm_interfaces::dataplatform::database::{PostgresqlClient, ZooKeeper, POSTGRESQL_CLIENT, ZOOKEEPER};
use charm_interfaces::dataplatform::kafka::{KafkaClient, KAFKA_CLIENT};
use charm_interfaces::dataplatform::plan::{apply, plan_write, BagView, SecretContent};
use charm_interfaces::dataplatform::protocol::{data_mirror, decode_list};
use charm_interfaces::dataplatform::provider::Spec;
use charm_interfaces::dataplatform::request::decode_requirer_bag;
use charm_interfaces::dataplatform::requirer::Answer;
use charm_interfaces::dataplatform::status::decode_statuses;
use charm_interfaces::dataplatform::{Interface, SecretGroup};
use charm_interfaces::error::{BagSide, RelationLabel};
use juju_model::Databag;
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "topic",
    "database",
    "version",
    "requests",
    "requested-secrets",
    "provided-secrets",
    "secret-user",
    "secret-tls",
    "secret-extra",
    "secret-mtls",
    "username",
    "password",
    "tls",
    "tls-ca",
    "endpoints",
    "entity-type",
    "entity-permissions",
    "external-node-connectivity",
    "subordinated",
    "status",
    "data",
    "consumer-group-prefix",
    "prefix-databases",
    "uris",
    "mtls-cert",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just(String::new()),
        Just("v1".to_owned()),
        Just("true".to_owned()),
        Just("enabled".to_owned()),
        Just("USER".to_owned()),
        Just("secret:cv5r2b0mg4a7btr2p5c0".to_owned()),
        Just(r#"["username", "password"]"#.to_owned()),
        Just(r#"[{"resource": "t", "salt": "x"}, 3, null]"#.to_owned()),
        Just(r#"[{"code": 1, "message": "m", "resolution": "r"}]"#.to_owned()),
        Just(r#"{"url": 3}"#.to_owned()),
        "[\\[\\]{}\",:0-9a-z ]{0,24}",
    ]
}

fn bags() -> impl Strategy<Value = Databag> {
    let key = prop_oneof![proptest::sample::select(KEYS).prop_map(str::to_owned), "[a-z-]{1,12}"];
    proptest::collection::btree_map(key, value(), 0..12)
}

fn label() -> RelationLabel {
    RelationLabel::from_parts("endpoint", 3, Some("remote"))
}

fn answer(fields: Databag) -> Answer {
    Answer {
        relation: charm_sdk::Relation {
            id: juju_model::RelationId(3),
            endpoint: "endpoint".into(),
            peer: false,
        },
        label: label(),
        fields,
    }
}

fn check_no_leak(err: &charm_interfaces::error::Error, bag: &Databag) {
    let text = err.to_string();
    for v in bag
        .values()
        .filter(|v| v.len() >= 8 && v.chars().any(|c| c.is_alphanumeric()))
    {
        // Keys and fixed words may legitimately coincide with short values; long ones may not.
        if !KEYS.contains(&v.as_str()) && !v.starts_with("secret:") {
            prop_assert_ok(
                !text.contains(v.as_str()),
                &format!("error {text:?} quotes value {v:?}"),
            );
        }
    }
}

fn prop_assert_ok(ok: bool, message: &str) {
    assert!(ok, "{message}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn requirer_bags_decode_without_panicking(bag in bags()) {
        for spec in [&KAFKA_CLIENT, &ZOOKEEPER, &POSTGRESQL_CLIENT] as [&Spec; 3] {
            match decode_requirer_bag(&bag, spec, &label()) {
                Ok(data) => {
                    for raw in &data.requests {
                        let _ = KafkaClient::decode_request(raw, &label()).map_err(|e| check_no_leak(&e, &bag));
                        let _ = ZooKeeper::decode_request(raw, &label()).map_err(|e| check_no_leak(&e, &bag));
                        let _ = PostgresqlClient::decode_request(raw, &label()).map_err(|e| check_no_leak(&e, &bag));
                    }
                }
                Err(e) => {
                    check_no_leak(&e, &bag);
                    prop_assert!(e.relation().is_some());
                }
            }
        }
    }

    #[test]
    fn provider_bags_resolve_and_decode_without_panicking(bag in bags(), secret in bags()) {
        let view = BagView::from_bag(&bag);
        let requested: Vec<String> = ["username", "password", "tls", "tls-ca", "uris"].iter().map(|s| s.to_string()).collect();
        let groups = view.groups_to_read(&requested);
        let secrets: BTreeMap<SecretGroup, SecretContent> = groups.into_iter().map(|g| (g, secret.clone())).collect();
        let fields = view.resolve(&requested, &secrets);
        prop_assert!(!fields.contains_key("data"));
        prop_assert!(!fields.keys().any(|k| SecretGroup::from_key(k).is_some()));
        let a = answer(fields);
        let _ = KafkaClient::decode_answer(&a).map_err(|e| check_no_leak(&e, &bag));
        let _ = ZooKeeper::decode_answer(&a).map_err(|e| check_no_leak(&e, &bag));
        let _ = PostgresqlClient::decode_answer(&a).map_err(|e| check_no_leak(&e, &bag));
        let _ = decode_statuses(&bag, &label());
        for key in ["requested-secrets", "provided-secrets", "status"] {
            let _ = decode_list(&bag, key, &label(), BagSide::RemoteApp);
        }
    }

    #[test]
    fn write_plans_cover_every_field_once(bag in bags(), secret_fields in proptest::collection::vec(proptest::sample::select(KEYS), 0..6)) {
        let secret_fields: Vec<String> = secret_fields.into_iter().map(str::to_owned).collect();
        let fields: Vec<(String, String)> = bag.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let plan = plan_write(&secret_fields, &Databag::new(), &fields);
        let planned = plan.plain.len() + plan.secrets.values().map(Vec::len).sum::<usize>();
        let dropped_removals = fields.iter().filter(|(k, v)| v.is_empty() && secret_fields.contains(k)).count();
        prop_assert!(planned + dropped_removals >= fields.len() && planned <= fields.len());
        for (group, updates) in &plan.secrets {
            for (k, _) in updates {
                prop_assert_eq!(SecretGroup::of(k), *group);
            }
            let content = apply(&SecretContent::new(), updates);
            prop_assert!(content.values().all(|v| !v.is_empty()));
        }
    }

    #[test]
    fn data_mirror_is_json_of_the_bag_minus_data(bag in bags()) {
        let mirror: BTreeMap<String, String> = serde_json::from_str(&data_mirror(&bag)).unwrap();
        let mut expected = bag.clone();
        expected.remove("data");
        prop_assert_eq!(mirror, expected);
    }
}
