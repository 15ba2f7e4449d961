//! The data-platform family on plain databags: real-shaped bags written by the Python
//! charms read back into our types, and the schema checks of bags from the pure encoders.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::collections::BTreeMap;

use charm_interfaces::dataplatform::database::{PostgresqlClient, ZooKeeper, ZOOKEEPER};
use charm_interfaces::dataplatform::kafka::{KafkaClient, KAFKA_CLIENT};
use charm_interfaces::dataplatform::plan::{BagView, SecretContent};
use charm_interfaces::dataplatform::protocol::DEFAULT_REQUESTED_SECRETS;
use charm_interfaces::dataplatform::request::{decode_requirer_bag, Protocol};
use charm_interfaces::dataplatform::requirer::Answer;
use charm_interfaces::dataplatform::status::{decode_statuses, encode_statuses, RelationStatus};
use charm_interfaces::dataplatform::{EntityType, Interface, SecretGroup};
use charm_interfaces::error::{Error, RelationLabel};
use charm_testing::Relation;
use interop_support::{bag, validate};
use juju_model::Databag;

const DEFAULT_REQUESTED: &str =
    r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#;

fn label(endpoint: &str, app: &str) -> RelationLabel {
    RelationLabel::from_parts(endpoint, 12, Some(app))
}

fn answer(
    endpoint: &str,
    provider_bag: &Databag,
    requested: &[&str],
    secrets: &[(SecretGroup, &[(&str, &str)])],
) -> Answer {
    let requested: Vec<String> = requested.iter().map(|s| (*s).to_owned()).collect();
    let secrets: BTreeMap<SecretGroup, SecretContent> = secrets.iter().map(|(g, content)| (*g, bag(content))).collect();
    let view = BagView::from_bag(provider_bag);
    Answer {
        relation: charm_sdk::Relation {
            id: juju_model::RelationId(12),
            endpoint: endpoint.into(),
            peer: false,
        },
        label: label(endpoint, "provider"),
        fields: view.resolve(&requested, &secrets),
    }
}

/// data-integrator (v0 LIBPATCH 58) asking Kafka for a topic, as `juju show-unit` prints it.
#[test]
fn data_integrator_request_decodes() {
    let requirer = bag(&[
        (
            "data",
            r#"{"endpoints": "10.1.1.1:9092", "secret-user": "secret:cv5r2b0mg4a7btr2p5c0"}"#,
        ),
        ("extra-user-roles", "producer,consumer"),
        ("provided-secrets", r#"["mtls-cert"]"#),
        ("requested-secrets", DEFAULT_REQUESTED),
        ("topic", "test-topic"),
    ]);
    validate(
        "kafka_client-v0-requirer",
        &requirer,
        Some(&bag(&[("requested-secrets", DEFAULT_REQUESTED)])),
    );
    let data = decode_requirer_bag(&requirer, &KAFKA_CLIENT, &label("kafka-client", "data-integrator")).unwrap();
    assert_eq!(data.protocol, Protocol::V0);
    let raw = &data.requests[0];
    assert_eq!(raw.requested_secrets.len(), 8);
    let request = KafkaClient::decode_request(raw, &label("kafka-client", "data-integrator")).unwrap();
    assert_eq!(request.topic, "test-topic");
    assert_eq!(request.extra_user_roles.as_deref(), Some("producer,consumer"));
}

/// What kafka-operator (v1 library, v0 compatibility model) leaves in its bag for a v0
/// client: `resource`, `salt` and `version` next to the flat keys, `tls` spelled
/// `enabled`/`disabled` inside `secret-tls`.
#[test]
fn kafka_operator_answer_reads_back() {
    let provider = bag(&[
        ("consumer-group-prefix", "relation-12-"),
        ("data", r#"{"extra-user-roles": "consumer", "topic": "test-topic"}"#),
        (
            "endpoints",
            "kafka-k8s-0.kafka-k8s-endpoints:9092,kafka-k8s-1.kafka-k8s-endpoints:9092",
        ),
        ("resource", "test-topic"),
        ("salt", "Kq0wLd3XUgIvTDdH"),
        ("secret-tls", "secret:cv5r2b0mg4a7btr2p5cg"),
        ("secret-user", "secret:cv5r2b0mg4a7btr2p5c0"),
        ("topic", "test-topic"),
        ("version", "v0"),
    ]);
    validate("kafka_client-v0-provider", &provider, None);
    let a = answer(
        "kafka",
        &provider,
        &DEFAULT_REQUESTED_SECRETS,
        &[
            (SecretGroup::User, &[("username", "relation-12"), ("password", "pw")]),
            (
                SecretGroup::Tls,
                &[
                    ("tls", "enabled"),
                    ("tls-ca", "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----"),
                ],
            ),
        ],
    );
    let conn = KafkaClient::decode_answer(&a).unwrap();
    assert_eq!(conn.credentials.username, "relation-12");
    assert_eq!(conn.consumer_group_prefix.as_deref(), Some("relation-12-"));
    let tls = conn.tls.unwrap();
    assert!(tls.enabled);
    assert!(tls.ca.unwrap().starts_with("-----BEGIN"));
    assert_eq!(format!("{:?}", conn.credentials.password), "<redacted>");
}

/// An old provider that never saw `requested-secrets` (Juju 2 / pre-secrets library).
#[test]
fn legacy_flat_answers_read_back() {
    let provider = bag(&[
        ("database", "/kafka"),
        ("endpoints", "zk-0:2181,zk-1:2181"),
        ("password", "zkpw"),
        ("tls", "disabled"),
        ("uris", "zk-0:2181,zk-1:2181/kafka"),
        ("username", "relation-12"),
    ]);
    let a = answer(
        "zookeeper",
        &provider,
        &["username", "password", "tls", "tls-ca", "uris"],
        &[],
    );
    let conn = ZooKeeper::decode_answer(&a).unwrap();
    assert_eq!(conn.uris.unwrap().expose(), "zk-0:2181,zk-1:2181/kafka");
    assert!(!conn.tls.unwrap().enabled);
}

#[test]
fn missing_credentials_wait_and_wrong_words_block() {
    let a = answer(
        "database",
        &bag(&[("database", "db"), ("endpoints", "pg:5432")]),
        &["username", "password"],
        &[],
    );
    let err = PostgresqlClient::decode_answer(&a).unwrap_err();
    assert!(err.is_not_yet(), "{err}");
    let a = answer(
        "database",
        &bag(&[
            ("endpoints", "pg:5432"),
            ("username", "u"),
            ("password", "p"),
            ("tls", "sometimes"),
        ]),
        &[],
        &[],
    );
    let err = PostgresqlClient::decode_answer(&a).unwrap_err();
    assert!(matches!(err, Error::WrongType { .. }), "{err}");
    assert!(
        !err.to_string().contains("sometimes"),
        "values never appear in errors: {err}"
    );
}

#[test]
fn entity_requests_decode_and_validate_permissions() {
    let requirer = bag(&[
        ("database", "/app"),
        ("entity-type", "GROUP"),
        ("extra-group-roles", "admin"),
        (
            "entity-permissions",
            r#"[{"resource_name": "x", "resource_type": "TOPIC", "privileges": ["READ"]}]"#,
        ),
        ("requested-secrets", DEFAULT_REQUESTED),
    ]);
    validate(
        "zookeeper-v0-requirer",
        &requirer,
        Some(&bag(&[("requested-secrets", DEFAULT_REQUESTED)])),
    );
    let l = label("zookeeper", "app");
    let raw = decode_requirer_bag(&requirer, &ZOOKEEPER, &l)
        .unwrap()
        .requests
        .remove(0);
    let request = ZooKeeper::decode_request(&raw, &l).unwrap();
    assert_eq!(request.entity.entity_type, Some(EntityType::Group));
    let bad = bag(&[("database", "/app"), ("entity-permissions", "{\"not\": \"a list\"}")]);
    let raw = decode_requirer_bag(&bad, &ZOOKEEPER, &l).unwrap().requests.remove(0);
    assert!(ZooKeeper::decode_request(&raw, &l).is_err());
}

#[test]
fn statuses_validate_and_read_back() {
    let statuses = [RelationStatus {
        code: 4001,
        message: "Waiting for TLS".into(),
        resolution: "Relate TLS".into(),
    }];
    let provider = bag(&[
        ("topic", "t"),
        ("endpoints", "k:9092"),
        ("status", &encode_statuses(&statuses)),
    ]);
    validate("kafka_client-v0-provider", &provider, None);
    assert_eq!(
        decode_statuses(&provider, &label("kafka", "kafka-k8s")).unwrap(),
        statuses
    );
}

#[test]
fn relation_ids_render_in_labels() {
    let rel = Relation::new("kafka").remote_app("kafka-k8s");
    let l = RelationLabel::from_parts(rel.endpoint.clone(), rel.id.0, Some(&rel.remote_app));
    assert_eq!(l.to_string(), format!("kafka:{} (kafka-k8s)", rel.id));
}
