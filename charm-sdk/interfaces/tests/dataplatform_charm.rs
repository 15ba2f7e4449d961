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
use interop_support::{
    ask, assert_called, bag, hand_over, provider_answers, read_back, relation_in, rerun, run_leader, test_charm,
    validate,
};
use juju_model::StatusKind;

const DEFAULT_REQUESTED: &str =
    r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#;

// ---- charms ----------------------------------------------------------------------------

// data-integrator-like Kafka client.
test_charm!(
    KafkaClient,
    "name: kafka-client\nrequires: {kafka-cluster: {interface: kafka_client, limit: 1}}\n",
    |ctx| {
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
);

// Kafka-like provider.
test_charm!(
    KafkaBroker,
    "name: kafka-k8s\nprovides: {kafka-client: {interface: kafka_client}}\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        KafkaProvider::new("kafka-client").answer_all(ctx, &leader, |relation, _| {
            let id = relation.incoming.relation.id;
            Some(KafkaResponse {
                endpoints: "kafka-k8s-0.kafka-k8s-endpoints:9092".into(),
                credentials: Credentials::new(format!("relation-{id}"), "s3cr3t-pw"),
                consumer_group_prefix: Some(format!("relation-{id}-")),
                zookeeper_uris: None,
                tls: Some(Tls::disabled()),
                tls_spelling: FlagSpelling::EnabledDisabled,
                entity: None,
            })
        })?;
        Ok(())
    }
);

fn kafka_client_rel() -> Relation {
    Relation::new("kafka-cluster")
        .interface("kafka_client")
        .remote_app("kafka-k8s")
}

/// The broker answers what the client wrote in `asked`.
fn broker_answers<P: Charm>(asked: &Relation) -> (charm_testing::RunOutput, Relation) {
    provider_answers::<P>(asked, "kafka-client", "kafka_client", "data-integrator")
}

// ---- tests -----------------------------------------------------------------------------

#[test]
fn requirer_writes_what_the_library_writes_and_waits() {
    let rel = kafka_client_rel();
    let out = run_leader::<KafkaClient>(TestEvent::relation_created(&rel), &rel, Vec::new());
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
    let again = rerun::<KafkaClient>(&out);
    assert_eq!(again.calls_to("relation-set"), 0, "{:?}", again.calls);
}

#[test]
fn provider_publishes_secrets_and_requirer_reads_them() {
    let (client, asked) = ask::<KafkaClient>(&kafka_client_rel());
    let (broker, broker_rel) = broker_answers::<KafkaBroker>(&asked);
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
    let again = rerun::<KafkaBroker>(&broker);
    assert_eq!(again.calls_to("relation-set"), 0, "{:?}", again.calls);
    assert_eq!(
        again.calls_to("secret-add") + again.calls_to("secret-set"),
        0,
        "{:?}",
        again.calls
    );

    // The requirer reads the credentials through the granted secrets, with its own labels.
    let out = read_back::<KafkaClient>(&client, &asked, &broker, &broker_rel);
    let rel = asked;
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{:?}", out.unit_status());
    assert!(out
        .unit_status()
        .message
        .contains(&format!("as relation-{}", broker_rel.id)));
    let label = format!("kafka-cluster.{}.user.secret", rel.id);
    assert_called(&out, "secret-get", &label);
    // The requirer unit mirrors the provider's bag.
    assert!(relation_in(&out, &rel).local_unit_data["data"].contains("\"secret-user\": \"secret:"));
}

#[test]
fn requirers_without_requested_secrets_get_the_flat_layout() {
    let rel = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("legacy-client")
        .remote_app_data([("topic", "legacy"), ("extra-user-roles", "consumer")]);
    let out = run_leader::<KafkaBroker>(TestEvent::relation_changed(&rel), &rel, Vec::new());
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
    let out = run_leader::<KafkaBroker>(TestEvent::relation_changed(&rel), &rel, Vec::new());
    assert_eq!(out.calls_to("relation-set"), 0);
    assert!(relation_in(&out, &rel).local_app_data.is_empty());
}

#[test]
fn bad_requirer_data_blocks_naming_the_relation() {
    let rel = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("broken-client")
        .remote_app_data([("topic", "t"), ("requested-secrets", "[\"username\",")]);
    let out = run_leader::<KafkaBroker>(TestEvent::relation_changed(&rel), &rel, Vec::new());
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
    let out = run_leader::<KafkaClient>(TestEvent::relation_changed(&rel), &rel, Vec::new());
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

// ---- database family -------------------------------------------------------------------

test_charm!(
    PgClient,
    "name: pg-client\nrequires: {database: {interface: postgresql_client, limit: 1}}\n",
    |ctx| {
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
);

test_charm!(
    Postgres,
    "name: postgresql-k8s\nprovides: {database: {interface: postgresql_client}}\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        PostgresqlProvider::new("database").answer_all(ctx, &leader, |relation, request| {
            let user = format!("relation_id_{}", relation.incoming.relation.id);
            Some(DatabaseResponse {
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
            })
        })?;
        Ok(())
    }
);

#[test]
fn postgresql_both_sides_match_the_schemas() {
    let client_rel = Relation::new("database")
        .interface("postgresql_client")
        .remote_app("postgresql-k8s");
    let (client, asked) = ask::<PgClient>(&client_rel);
    assert_eq!(asked.local_app_data["database"], "app-db");
    assert_eq!(asked.local_app_data["external-node-connectivity"], "true");
    validate(
        "postgresql_client-v0-requirer",
        &asked.local_app_data,
        Some(&asked.local_unit_data),
    );

    let (pg, pg_rel) = provider_answers::<Postgres>(&asked, "database", "postgresql_client", "pg-client");
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

    let out = read_back::<PgClient>(&client, &asked, &pg, &pg_rel);
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{:?}", out.unit_status());
    assert!(out.unit_status().message.contains("postgresql-k8s-replicas:5432"));
}

test_charm!(
    ZooKeeperCharm,
    "name: zookeeper-k8s\nprovides: {zookeeper: {interface: zookeeper}}\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        ZooKeeperProvider::new("zookeeper").answer_all(ctx, &leader, |relation, request| {
            let endpoints = "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181".to_owned();
            let chroot = request.typed.database.clone();
            Some(DatabaseResponse {
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
            })
        })?;
        Ok(())
    }
);

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
    let out = run_leader::<ZooKeeperCharm>(TestEvent::relation_changed(&rel), &rel, Vec::new());
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

test_charm!(
    MtlsClient,
    "name: kafka-client\nrequires: {kafka-cluster: {interface: kafka_client, limit: 1}}\n",
    |ctx| {
        let mut request = TopicRequest::new("events");
        request.mtls_cert = Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into());
        KafkaRequirer::new("kafka-cluster", request).request(ctx)?;
        Ok(())
    }
);

test_charm!(
    MtlsBroker,
    "name: kafka-k8s\nprovides: {kafka-client: {interface: kafka_client}}\n",
    |ctx| {
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
);

#[test]
fn mtls_certificates_travel_in_the_requirers_secret() {
    let (client, asked) = ask::<MtlsClient>(&kafka_client_rel());
    let rel = &asked;
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
    let requirer_side = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("data-integrator");
    let (broker_rel, secrets) = hand_over(&client, rel, requirer_side);
    let out = run_leader::<MtlsBroker>(TestEvent::relation_changed(&broker_rel), &broker_rel, secrets);
    assert_eq!(out.unit_status(), &Status::active("mtls 58 bytes"));
    let label = format!("kafka-client.{}.mtls.secret", broker_rel.id);
    assert_called(&out, "secret-get", &label);
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
