//! Property tests of relation databag decoding: a remote application controls every byte of
//! its bag, so `PlainStrings::decode` and `JsonValues::decode` must return an error, never
//! panic, for any bag and any target type; and what a charm encodes, the other side decodes
//! back. Cases: `PROPTEST_CASES` or 2000.

use std::collections::BTreeMap;

use juju_model::{Codec, Databag, JsonValues, PlainStrings};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    // Failures print the minimal input; no regression file is written next to the tests.
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A data-platform style request (plain strings, a JSON list, optional fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Request {
    database: String,
    extra_user_roles: Option<String>,
    requested_secrets: Vec<String>,
}

/// Numbers, booleans, a nested map and an enum: the fields that need the JSON fallback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Endpoint {
    port: u16,
    tls: bool,
    weight: Option<f64>,
    labels: BTreeMap<String, String>,
    role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Role {
    Primary,
    Replica,
}

/// Keys a decoder looks for, and others.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "database", "extra-user-roles", "requested-secrets", "port", "tls", "weight", "labels", "role",
            "ingress-address", "egress-subnets", "private-address",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Values as remote units write them: plain text, JSON of every kind, near-JSON, Unicode.
fn bag_value() -> impl Strategy<Value = String> {
    let json_leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        Just(Value::from("primary")),
    ];
    let json = json_leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z-]{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop_oneof![
        3 => any::<String>(),
        3 => json.prop_map(|v| v.to_string()),
        1 => "[\\[\\]{}\":,0-9a-z .eE+-]{0,24}",
        1 => any::<u64>().prop_map(|n| format!("{n}{n}{n}")),
    ]
}

fn bag() -> impl Strategy<Value = Databag> {
    prop::collection::btree_map(key(), bag_value(), 0..8)
}

fn decode_all<K: Codec>(bag: &Databag) {
    let _ = K::decode::<Value>(bag);
    let _ = K::decode::<Request>(bag);
    let _ = K::decode::<Endpoint>(bag);
    let _ = K::decode::<BTreeMap<String, String>>(bag);
    let _ = K::decode::<BTreeMap<String, Value>>(bag);
    let _ = K::decode::<Option<Request>>(bag);
}

/// Strings, including ones that read as JSON (`123`, `true`, `[]`), which is what a plain
/// string codec must keep as text.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => "[0-9]{1,6}",
        1 => prop::sample::select(vec!["true", "false", "null", "[]", "{}", "1.5", "-0", "\"quoted\""]).prop_map(str::to_owned),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    (text(), prop::option::of(text()), prop::collection::vec(text(), 0..4)).prop_map(
        |(database, extra_user_roles, requested_secrets)| Request {
            database,
            extra_user_roles,
            requested_secrets,
        },
    )
}

fn endpoint() -> impl Strategy<Value = Endpoint> {
    (
        any::<u16>(),
        any::<bool>(),
        // Quarters: exact in binary and decimal. serde_json (without its `float_roundtrip`
        // feature) may read arbitrary floats back one ulp off (reported).
        prop::option::of((-4_000_000i32..4_000_000).prop_map(|q| f64::from(q) / 4.0)),
        prop::collection::btree_map("[a-z]{1,5}", any::<String>(), 0..3),
        prop_oneof![Just(Role::Primary), Just(Role::Replica)],
    )
        .prop_map(|(port, tls, weight, labels, role)| Endpoint {
            port,
            tls,
            weight,
            labels,
            role,
        })
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn decoding_any_bag_never_panics(bag in bag()) {
        decode_all::<PlainStrings>(&bag);
        decode_all::<JsonValues>(&bag);
    }

    #[test]
    fn json_values_round_trip(request in request(), endpoint in endpoint()) {
        let bag = JsonValues::encode(&request).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(JsonValues::decode::<Request>(&bag), Ok(request));
        let bag = JsonValues::encode(&endpoint).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(JsonValues::decode::<Endpoint>(&bag), Ok(endpoint));
    }

    #[test]
    fn plain_strings_round_trip_typed_records(endpoint in endpoint()) {
        let bag = PlainStrings::encode(&endpoint).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(PlainStrings::decode::<Endpoint>(&bag), Ok(endpoint));
    }

    /// Holds only while no string field reads as JSON: see
    /// `plain_strings_keep_json_looking_text_as_text` for the case that does not.
    #[test]
    fn plain_strings_round_trip_text_that_is_not_json(
        request in request().prop_filter("no string reads as JSON", |r| {
            let reads_as_json = |s: &String| serde_json::from_str::<Value>(s).is_ok();
            !reads_as_json(&r.database) && !r.extra_user_roles.as_ref().is_some_and(reads_as_json)
        }),
    ) {
        let bag = PlainStrings::encode(&request).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(PlainStrings::decode::<Request>(&bag), Ok(request));
    }
}

/// A string field holding `0`, `true` or `[]` stays text, because the target type, not the
/// text, decides whether a value is JSON (found by the round-trip property with `database: "0"`).
#[test]
fn plain_strings_keep_json_looking_text_as_text() {
    let request = Request {
        database: "0".into(),
        extra_user_roles: Some("true".into()),
        requested_secrets: vec![],
    };
    let bag = PlainStrings::encode(&request).unwrap();
    assert_eq!(bag["database"], "0");
    assert_eq!(PlainStrings::decode::<Request>(&bag), Ok(request));
}
