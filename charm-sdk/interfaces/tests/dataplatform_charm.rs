//! The data-platform family through real charm runs (charm-testing): tiny provider and
//! requirer charms reconcile with the library types, and the bags they leave behind are
//! checked against the reference schemas and against what the Python library writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use charm_interfaces::dataplatform::database::{
    DatabaseRequest, DatabaseResponse, PostgresqlProvider, PostgresqlRequirer, ZooKeeperProvider,
};
use charm_interfaces::dataplatform::kafka::{KafkaProvider, KafkaRequirer, KafkaResponse, TopicRequest};
use charm_interfaces::dataplatform::{Credentials, FlagSpelling, Tls};
use charm_sdk::prelude::*;
use charm_testing::{Context, Relation, State, TestEvent};
use interop_support::{bag, hand_over, relation_in, validate};
use juju_model::StatusKind;

const DEFAULT_REQUESTED: &str =
    r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#;

// ---- charms ----------------------------------------------------------------------------

/// data-integrator-like Kafka client.
struct KafkaClient;

impl Charm for KafkaClient {
    const CHARMCRAFT: &'static str =
        "name: kafka-client\nrequires: {kafka-cluster: {interface: kafka_client, limit: 1}}\n";
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        KafkaClient
    }

    fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
        let kafka = KafkaRequirer::new("kafka-cluster", TopicRequest::new("events").roles("producer,consumer"));
        let Some(conn) = kafka.reconcile(ctx)? else {
            return Err(Stop::blocked("needs a kafka relation"));
        };
        let tls = conn.tls.map(|t| t.enabled).unwrap_or(false);
        ctx.add_status(Status::active(format!(
            "{} as {} (tls {tls})",
            conn.endpoints, conn.credentials.username
        )));
        if conn.credentials.password.expose() != "s3cr3t-pw" {
            return Err(Stop::blocked("wrong password"));
        }
        Ok(())
    }
}

/// Kafka-like provider.
struct KafkaBroker;

impl Charm for KafkaBroker {
    const CHARMCRAFT: &'static str = "name: kafka-k8s\nprovides: {kafka-client: {interface: kafka_client}}\n";
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        KafkaBroker
    }

    fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
        let provider = KafkaProvider::new("kafka-client");
        let leader = ctx.leader()?;
        for relation in provider.requests(ctx)? {
            let requests = relation.try_requests()?;
            let Some(leader) = &leader else { continue };
            for request in requests {
                let response = KafkaResponse {
                    endpoints: "kafka-k8s-0.kafka-k8s-endpoints:9092".into(),
                    credentials: Credentials::new(format!("relation-{}", relation.incoming.relation.id), "s3cr3t-pw"),
                    consumer_group_prefix: Some(format!("relation-{}-", relation.incoming.relation.id)),
                    zookeeper_uris: None,
                    tls: Some(Tls::disabled()),
                    tls_spelling: FlagSpelling::EnabledDisabled,
                    entity: None,
                };
                provider.publish(ctx, leader, &relation, request, &response)?;
            }
        }
        Ok(())
    }
}

fn kafka_client_rel() -> Relation {
    Relation::new("kafka-cluster")
        .interface("kafka_client")
        .remote_app("kafka-k8s")
}

fn kafka_broker_rel(requirer_app: &charm_testing::RunOutput, requirer_rel: &Relation) -> Relation {
    let written = relation_in(requirer_app, requirer_rel);
    Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("data-integrator")
        .remote_app_data(written.local_app_data.clone())
}

// ---- tests -----------------------------------------------------------------------------

#[test]
fn requirer_writes_what_the_library_writes_and_waits() {
    let rel = kafka_client_rel();
    let out = Context::<KafkaClient>::new()
        .run(
            TestEvent::relation_created(&rel),
            State::default().leader(true).relation(rel.clone()),
        )
        .unwrap();
    let written = relation_in(&out, &rel);
    assert_eq!(
        written.local_app_data,
        bag(&[
            ("requested-secrets", DEFAULT_REQUESTED),
            ("provided-secrets", r#"["mtls-cert"]"#),
            ("topic", "events"),
            ("extra-user-roles", "producer,consumer"),
        ])
    );
    assert_eq!(written.local_unit_data["requested-secrets"], DEFAULT_REQUESTED);
    assert_eq!(written.local_unit_data["provided-secrets"], r#"["mtls-cert"]"#);
    assert_eq!(written.local_unit_data["data"], "{}");
    validate(
        "kafka_client-v0-requirer",
        &written.local_app_data,
        Some(&written.local_unit_data),
    );
    assert_eq!(out.unit_status().kind, StatusKind::Waiting);
    assert!(
        out.unit_status()
            .message
            .contains(&format!("kafka-cluster:{} (kafka-k8s)", rel.id)),
        "{}",
        out.unit_status().message
    );

    // Idempotent: a second reconcile sends nothing.
    let again = Context::<KafkaClient>::new()
        .run(TestEvent::update_status(), out.state.clone())
        .unwrap();
    assert_eq!(again.calls_to("relation-set"), 0, "{:?}", again.calls);
}

#[test]
fn provider_publishes_secrets_and_requirer_reads_them() {
    let client_rel = kafka_client_rel();
    let client = Context::<KafkaClient>::new()
        .run(
            TestEvent::relation_created(&client_rel),
            State::default().leader(true).relation(client_rel.clone()),
        )
        .unwrap();

    let broker_rel = kafka_broker_rel(&client, &client_rel);
    let broker = Context::<KafkaBroker>::new()
        .run(
            TestEvent::relation_changed(&broker_rel),
            State::default().leader(true).relation(broker_rel.clone()),
        )
        .unwrap();
    let answer = &relation_in(&broker, &broker_rel).local_app_data;
    assert!(answer["secret-user"].starts_with("secret:"), "{answer:?}");
    assert!(answer["secret-tls"].starts_with("secret:"), "{answer:?}");
    assert_eq!(answer["topic"], "events");
    assert_eq!(answer["endpoints"], "kafka-k8s-0.kafka-k8s-endpoints:9092");
    assert_eq!(answer["consumer-group-prefix"], format!("relation-{}-", broker_rel.id));
    for hidden in ["username", "password", "tls", "tls-ca"] {
        assert!(
            !answer.contains_key(hidden),
            "{hidden} must travel in a secret: {answer:?}"
        );
    }
    // The data mirror is the requirer's bag as json.dumps'ed by Python.
    let mirror = interop_support::python(
        "import json,sys; d=json.loads(sys.argv[1]); print(json.dumps(dict(sorted(d.items()))), end='')",
        &serde_json::to_string(&broker_rel.remote_app_data).unwrap(),
    );
    assert_eq!(answer["data"], mirror);
    validate("kafka_client-v0-provider", answer, None);

    // One app-owned secret per group, labelled and granted to the relation.
    let user = broker
        .state
        .secret_by_label(&format!("kafka-client.{}.user.secret", broker_rel.id))
        .expect("user secret");
    assert_eq!(
        user.newest_content().keys().collect::<Vec<_>>(),
        ["password", "username"]
    );
    assert!(user.remote_grants.contains_key(&broker_rel.id));
    let tls = broker
        .state
        .secret_by_label(&format!("kafka-client.{}.tls.secret", broker_rel.id))
        .expect("tls secret");
    assert_eq!(tls.newest_content()["tls"], "disabled");
    assert!(!tls.newest_content().contains_key("tls-ca"));

    // Reconciling again changes nothing (no new secret, no new revision, no relation-set).
    let again = Context::<KafkaBroker>::new()
        .run(TestEvent::update_status(), broker.state.clone())
        .unwrap();
    assert_eq!(again.calls_to("relation-set"), 0, "{:?}", again.calls);
    assert_eq!(
        again.calls_to("secret-add") + again.calls_to("secret-set"),
        0,
        "{:?}",
        again.calls
    );

    // The requirer reads the credentials through the granted secrets, with its own labels.
    let (rel, secrets) = hand_over(&broker, &broker_rel, relation_in(&client, &client_rel).clone());
    let mut state = client.state.clone();
    state.relations = vec![rel.clone()];
    state.secrets = secrets;
    let out = Context::<KafkaClient>::new()
        .run(TestEvent::relation_changed(&rel), state)
        .unwrap();
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{:?}", out.unit_status());
    assert!(out
        .unit_status()
        .message
        .contains(&format!("as relation-{}", broker_rel.id)));
    let label = format!("kafka-cluster.{}.user.secret", rel.id);
    assert!(
        out.calls
            .iter()
            .any(|c| c.starts_with("secret-get") && c.contains(&label)),
        "{:?}",
        out.calls
    );
    // The requirer unit mirrors the provider's bag.
    assert!(relation_in(&out, &rel).local_unit_data["data"].contains("\"secret-user\": \"secret:"));
}

#[test]
fn requirers_without_requested_secrets_get_the_flat_layout() {
    let rel = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("legacy-client")
        .remote_app_data([("topic", "legacy"), ("extra-user-roles", "consumer")]);
    let out = Context::<KafkaBroker>::new()
        .run(
            TestEvent::relation_changed(&rel),
            State::default().leader(true).relation(rel.clone()),
        )
        .unwrap();
    let answer = &relation_in(&out, &rel).local_app_data;
    assert_eq!(answer["username"], format!("relation-{}", rel.id));
    assert_eq!(answer["password"], "s3cr3t-pw");
    assert_eq!(answer["tls"], "disabled");
    assert!(!answer.keys().any(|k| k.starts_with("secret-")), "{answer:?}");
    assert_eq!(out.calls_to("secret-add"), 0);
}

#[test]
fn nothing_is_published_before_the_resource_is_named() {
    let rel = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("data-integrator")
        .remote_app_data([("requested-secrets", DEFAULT_REQUESTED)]);
    let out = Context::<KafkaBroker>::new()
        .run(
            TestEvent::relation_changed(&rel),
            State::default().leader(true).relation(rel.clone()),
        )
        .unwrap();
    assert_eq!(out.calls_to("relation-set"), 0);
    assert!(relation_in(&out, &rel).local_app_data.is_empty());
}

#[test]
fn bad_requirer_data_blocks_naming_the_relation() {
    let rel = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("broken-client")
        .remote_app_data([("topic", "t"), ("requested-secrets", "[\"username\",")]);
    let out = Context::<KafkaBroker>::new()
        .run(
            TestEvent::relation_changed(&rel),
            State::default().leader(true).relation(rel.clone()),
        )
        .unwrap();
    assert_eq!(out.unit_status().kind, StatusKind::Blocked);
    assert!(
        out.unit_status()
            .message
            .contains(&format!("kafka-client:{} (broken-client)", rel.id)),
        "{}",
        out.unit_status().message
    );
    assert!(out.unit_status().message.contains("requested-secrets"));
}

#[test]
fn an_unreadable_secret_blocks_naming_the_relation_and_uri_not_content() {
    let rel = kafka_client_rel().remote_app_data([
        ("topic", "events"),
        ("endpoints", "k:9092"),
        ("secret-user", "secret:cn1hsg3mg4a7btr2p5bg"),
    ]);
    let out = Context::<KafkaClient>::new()
        .run(
            TestEvent::relation_changed(&rel),
            State::default().leader(true).relation(rel.clone()),
        )
        .unwrap();
    let status = out.unit_status();
    assert_eq!(status.kind, StatusKind::Blocked, "{status:?}");
    assert!(
        status
            .message
            .contains(&format!("kafka-cluster:{} (kafka-k8s)", rel.id)),
        "{}",
        status.message
    );
    assert!(
        status.message.contains("secret:cn1hsg3mg4a7btr2p5bg"),
        "{}",
        status.message
    );
}

#[test]
fn v1_requirers_get_a_requests_list_and_per_request_secrets() {
    let request_id = charm_interfaces::dataplatform::v1::request_id("events", "0123456789abcdef");
    let requests = format!(
        r#"[{{"resource": "events", "request-id": "{request_id}", "salt": "0123456789abcdef", "extra-user-roles": "producer", "extra-group-roles": null, "external-node-connectivity": false, "entity-type": null, "entity-permissions": null, "secret-mtls": null, "consumer-group-prefix": null}}]"#
    );
    let rel = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("data-integrator")
        .remote_app_data([("version", "v1"), ("requests", requests.as_str())]);
    let out = Context::<KafkaBroker>::new()
        .run(
            TestEvent::relation_changed(&rel),
            State::default().leader(true).relation(rel.clone()),
        )
        .unwrap();
    let answer = &relation_in(&out, &rel).local_app_data;
    assert_eq!(answer["version"], "v1");
    let list: serde_json::Value = serde_json::from_str(&answer["requests"]).unwrap();
    let item = &list[0];
    assert_eq!(item["request-id"], request_id.as_str());
    assert_eq!(item["salt"], "0123456789abcdef");
    assert!(item["secret-user"].as_str().unwrap().starts_with("secret:"));
    assert!(
        item["secret-extra"].as_str().unwrap().starts_with("secret:"),
        "consumer-group-prefix is an extra secret in v1"
    );
    let tls = out
        .state
        .secret_by_label(&format!("kafka-client.{}.{request_id}.tls.secret", rel.id))
        .expect("v1 tls secret");
    assert_eq!(tls.newest_content()["tls"], "false", "v1 keeps tls as a JSON boolean");
    assert!(answer["requests"].starts_with(&format!(
        r#"[{{"resource": "events", "request-id": "{request_id}", "salt""#
    )));
}

// ---- database family -------------------------------------------------------------------

struct PgClient;

impl Charm for PgClient {
    const CHARMCRAFT: &'static str =
        "name: pg-client\nrequires: {database: {interface: postgresql_client, limit: 1}}\n";
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        PgClient
    }

    fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
        let mut request = DatabaseRequest::new("app-db");
        request.external_node_connectivity = true;
        let pg = PostgresqlRequirer::new("database", request);
        let conn = pg.reconcile(ctx)?.or_blocked("needs postgresql")?;
        ctx.add_status(Status::active(format!(
            "{} ro={:?}",
            conn.endpoints, conn.read_only_endpoints
        )));
        Ok(())
    }
}

struct Postgres;

impl Charm for Postgres {
    const CHARMCRAFT: &'static str = "name: postgresql-k8s\nprovides: {database: {interface: postgresql_client}}\n";
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        Postgres
    }

    fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
        let provider = PostgresqlProvider::new("database");
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        for relation in provider.requests(ctx)? {
            for request in relation.try_requests()? {
                let user = format!("relation_id_{}", relation.incoming.relation.id);
                let response = DatabaseResponse {
                    endpoints: "postgresql-k8s-primary:5432".into(),
                    read_only_endpoints: Some("postgresql-k8s-replicas:5432".into()),
                    version: Some("16.6".into()),
                    uris: Some(
                        format!(
                            "postgresql://{user}:pw@postgresql-k8s-primary:5432/{}",
                            request.typed.database
                        )
                        .into(),
                    ),
                    credentials: Some(Credentials::new(user, "pw")),
                    tls: Some(Tls::disabled()),
                    ..DatabaseResponse::default()
                };
                provider.publish(ctx, &leader, &relation, request, &response)?;
            }
        }
        Ok(())
    }
}

#[test]
fn postgresql_both_sides_match_the_schemas() {
    let client_rel = Relation::new("database")
        .interface("postgresql_client")
        .remote_app("postgresql-k8s");
    let client = Context::<PgClient>::new()
        .run(
            TestEvent::relation_created(&client_rel),
            State::default().leader(true).relation(client_rel.clone()),
        )
        .unwrap();
    let asked = relation_in(&client, &client_rel);
    assert_eq!(asked.local_app_data["database"], "app-db");
    assert_eq!(asked.local_app_data["external-node-connectivity"], "true");
    validate(
        "postgresql_client-v0-requirer",
        &asked.local_app_data,
        Some(&asked.local_unit_data),
    );

    let pg_rel = Relation::new("database")
        .interface("postgresql_client")
        .remote_app("pg-client")
        .remote_app_data(asked.local_app_data.clone());
    let pg = Context::<Postgres>::new()
        .run(
            TestEvent::relation_changed(&pg_rel),
            State::default().leader(true).relation(pg_rel.clone()),
        )
        .unwrap();
    let answer = relation_in(&pg, &pg_rel);
    assert_eq!(answer.local_app_data["database"], "app-db");
    assert_eq!(
        answer.local_app_data["read-only-endpoints"],
        "postgresql-k8s-replicas:5432"
    );
    let user = pg
        .state
        .secret_by_label(&format!("database.{}.user.secret", pg_rel.id))
        .unwrap();
    assert_eq!(
        user.newest_content().keys().collect::<Vec<_>>(),
        ["password", "uris", "username"]
    );
    validate(
        "postgresql_client-v0-provider",
        &answer.local_app_data,
        Some(&answer.local_unit_data),
    );

    let (rel, secrets) = hand_over(&pg, &pg_rel, asked.clone());
    let mut state = client.state.clone();
    state.relations = vec![rel.clone()];
    state.secrets = secrets;
    let out = Context::<PgClient>::new()
        .run(TestEvent::relation_changed(&rel), state)
        .unwrap();
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{:?}", out.unit_status());
    assert!(out.unit_status().message.contains("postgresql-k8s-replicas:5432"));
}

struct ZooKeeperCharm;

impl Charm for ZooKeeperCharm {
    const CHARMCRAFT: &'static str = "name: zookeeper-k8s\nprovides: {zookeeper: {interface: zookeeper}}\n";
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        ZooKeeperCharm
    }

    fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
        let provider = ZooKeeperProvider::new("zookeeper");
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        for relation in provider.requests(ctx)? {
            for request in relation.try_requests()? {
                let endpoints = "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181".to_owned();
                let chroot = request.typed.database.clone();
                let response = DatabaseResponse {
                    database: Some(chroot.clone()),
                    chroot: Some(chroot.clone()),
                    uris: Some(format!("{endpoints}{chroot}").into()),
                    endpoints,
                    credentials: Some(Credentials::new(
                        format!("relation-{}", relation.incoming.relation.id),
                        "zk-pw",
                    )),
                    tls: Some(Tls::disabled()),
                    tls_spelling: FlagSpelling::EnabledDisabled,
                    ..DatabaseResponse::default()
                };
                provider.publish(ctx, &leader, &relation, request, &response)?;
            }
        }
        Ok(())
    }
}

#[test]
fn zookeeper_answers_kafka_like_the_zookeeper_charm() {
    let rel = Relation::new("zookeeper")
        .interface("zookeeper")
        .remote_app("kafka-k8s")
        .remote_app_data([
            ("requested-secrets", DEFAULT_REQUESTED),
            ("provided-secrets", r#"["mtls-cert"]"#),
            ("database", "/kafka-k8s"),
            ("extra-user-roles", "cdrwa"),
        ]);
    validate(
        "zookeeper-v0-requirer",
        &rel.remote_app_data,
        Some(&bag(&[("requested-secrets", DEFAULT_REQUESTED)])),
    );
    let out = Context::<ZooKeeperCharm>::new()
        .run(
            TestEvent::relation_changed(&rel),
            State::default().leader(true).relation(rel.clone()),
        )
        .unwrap();
    let answer = &relation_in(&out, &rel).local_app_data;
    assert_eq!(answer["database"], "/kafka-k8s");
    assert_eq!(answer["chroot"], "/kafka-k8s");
    validate("zookeeper-v0-provider", answer, None);
    let user = out
        .state
        .secret_by_label(&format!("zookeeper.{}.user.secret", rel.id))
        .unwrap();
    assert_eq!(
        user.newest_content()["uris"],
        "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181/kafka-k8s"
    );
    let tls = out
        .state
        .secret_by_label(&format!("zookeeper.{}.tls.secret", rel.id))
        .unwrap();
    assert_eq!(tls.newest_content()["tls"], "disabled");
}

// ---- mTLS: the requirer shares its certificate through its own secret -------------------

struct MtlsClient;

impl Charm for MtlsClient {
    const CHARMCRAFT: &'static str =
        "name: kafka-client\nrequires: {kafka-cluster: {interface: kafka_client, limit: 1}}\n";
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        MtlsClient
    }

    fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
        let mut request = TopicRequest::new("events");
        request.mtls_cert = Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into());
        KafkaRequirer::new("kafka-cluster", request).request(ctx)?;
        Ok(())
    }
}

struct MtlsBroker;

impl Charm for MtlsBroker {
    const CHARMCRAFT: &'static str = "name: kafka-k8s\nprovides: {kafka-client: {interface: kafka_client}}\n";
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        MtlsBroker
    }

    fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
        let provider = KafkaProvider::new("kafka-client");
        for relation in provider.requests(ctx)? {
            for request in relation.try_requests()? {
                let cert = provider
                    .mtls_cert(ctx, &relation, request)?
                    .or_waiting("no client certificate")?;
                ctx.add_status(Status::active(format!("mtls {} bytes", cert.len())));
            }
        }
        Ok(())
    }
}

#[test]
fn mtls_certificates_travel_in_the_requirers_secret() {
    let rel = kafka_client_rel();
    let client = Context::<MtlsClient>::new()
        .run(
            TestEvent::relation_created(&rel),
            State::default().leader(true).relation(rel.clone()),
        )
        .unwrap();
    let asked = relation_in(&client, &rel);
    assert!(
        asked.local_app_data["secret-mtls"].starts_with("secret:"),
        "{:?}",
        asked.local_app_data
    );
    assert!(!asked.local_app_data.contains_key("mtls-cert"));
    validate(
        "kafka_client-v0-requirer",
        &asked.local_app_data,
        Some(&asked.local_unit_data),
    );
    let secret = client
        .state
        .secret_by_label(&format!("kafka-cluster.{}.mtls.secret", rel.id))
        .unwrap();
    assert!(secret.remote_grants.contains_key(&rel.id));

    // The broker reads it with its own label for the group.
    let broker_rel = kafka_broker_rel(&client, &rel);
    let (broker_rel, secrets) = {
        let granted: Vec<charm_testing::Secret> = client
            .state
            .secrets
            .iter()
            .map(|s| {
                charm_testing::Secret::new(s.newest_content().clone())
                    .id(s.id.clone())
                    .granted_by(&broker_rel)
            })
            .collect();
        (broker_rel, granted)
    };
    let mut state = State::default().leader(true).relation(broker_rel.clone());
    state.secrets = secrets;
    let out = Context::<MtlsBroker>::new()
        .run(TestEvent::relation_changed(&broker_rel), state)
        .unwrap();
    assert_eq!(out.unit_status(), &Status::active("mtls 58 bytes"));
    let label = format!("kafka-client.{}.mtls.secret", broker_rel.id);
    assert!(
        out.calls
            .iter()
            .any(|c| c.starts_with("secret-get") && c.contains(&label)),
        "{:?}",
        out.calls
    );
}

#[test]
fn non_leader_requirers_only_keep_the_data_mirror() {
    let rel = kafka_client_rel().remote_app_data([("topic", "events"), ("endpoints", "k:9092")]);
    let out = Context::<KafkaClient>::new()
        .run(
            TestEvent::relation_changed(&rel),
            State::default().leader(false).relation(rel.clone()),
        )
        .unwrap();
    let written = relation_in(&out, &rel);
    assert_eq!(
        written.local_unit_data["data"],
        r#"{"endpoints": "k:9092", "topic": "events"}"#
    );
    assert!(!written.local_unit_data.contains_key("requested-secrets"));
    assert!(written.local_app_data.is_empty());
    assert_eq!(out.unit_status().kind, StatusKind::Waiting, "{:?}", out.unit_status());
}
