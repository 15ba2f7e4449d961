//! kafka-client relations, in-process: a user, its SCRAM credential and ACLs in the (fake)
//! ZooKeeper before anything is published, the published bags against the reference schema,
//! admin clients as super users, clean-up on relation-broken.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use std::path::PathBuf;

use charm_sdk::model::StatusKind;
use charm_sdk::pebble::ServiceStatus;
use charm_sdk::Status;
use charm_support::*;
use charm_testing::pebble::ServiceEvent;
use charm_testing::{assert_status, RunOutput, TestEvent};

/// A leader that already runs, with zookeeper, plus a client relation.
fn world_with_client(topic: &str, roles: &str) -> (charm_testing::State, charm_testing::Relation) {
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let client = client_rel(topic, roles);
    (first.state.relation(client.clone()), client)
}

fn client_rel(topic: &str, roles: &str) -> charm_testing::Relation {
    charm_interfaces::dataplatform::testing::kafka_client_requirer("kafka-client", topic, roles)
}

fn published_secret(out: &RunOutput, id: u32, group: &str) -> std::collections::BTreeMap<String, String> {
    out.state
        .secret_by_label(&format!("kafka-client.{id}.{group}.secret"))
        .unwrap_or_else(|| panic!("no {group} secret for relation {id}"))
        .newest_content()
        .clone()
}

#[test]
fn a_client_gets_its_user_and_acls_in_zookeeper_before_its_credentials() {
    reset();
    let (state, client) = world_with_client("orders", "producer,consumer");
    let id = client.id.0;
    let user = format!("relation-{id}");
    let out = run(TestEvent::relation_changed(&client), state);

    // In ZooKeeper: the user with its password, and its ACLs.
    let (password, acls) = with_zk(|zk| {
        (
            zk.users.get(&user).cloned(),
            zk.acls.get(&format!("User:{user}")).cloned(),
        )
    });
    let password = password.expect("the client's user is in zookeeper");
    assert_eq!(password.len(), 32);
    let acls = acls.expect("ACLs written");
    let described: Vec<String> = acls
        .iter()
        .map(|b| format!("{} {}", b.pattern, b.entry.operation.pascal()))
        .collect();
    assert_eq!(acls.len(), 5, "{described:?}");
    assert!(described.contains(&"LITERAL:Topic:orders Write".to_owned()));
    assert!(described.contains(&"LITERAL:Topic:orders Read".to_owned()));
    assert!(described.contains(&format!("PREFIXED:Group:{user}- Read")));

    // Published: credentials in the user secret (the same password), TLS flag, endpoints.
    let bag = &out.state.get_relation(&client).unwrap().local_app_data;
    assert_eq!(bag["endpoints"], "kafka-k8s-0.kafka-k8s-endpoints:9092");
    assert_eq!(bag["topic"], "orders");
    assert_eq!(bag["consumer-group-prefix"], format!("{user}-"));
    assert_eq!(bag["zookeeper-uris"], format!("{ZK_SERVERS}/kafka-k8s"));
    let secret = published_secret(&out, id, "user");
    assert_eq!(secret["username"], user);
    assert_eq!(secret["password"], password);
    assert_eq!(published_secret(&out, id, "tls")["tls"], "disabled");
    assert!(
        !format!("{bag:?}").contains(&password),
        "no password in plaintext relation data"
    );
    validate("kafka_client-v0-provider", bag);

    // The leader recorded the client; the broker gets the SCRAM client listener.
    assert!(peer_app(&out)["clients"].contains(&format!("\"{id}\"")));
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains("CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:9092"),
        "{props}"
    );
    assert_status(&out, Status::active(""));
}

#[test]
fn the_client_listener_arrives_through_a_restart_of_the_running_broker() {
    reset();
    let (state, client) = world_with_client("orders", "producer");
    let out = run(TestEvent::relation_changed(&client), state);
    let kafka = &out.state.get_container("kafka").unwrap().state;
    let starts = kafka
        .service_log
        .iter()
        .filter(|e| matches!(e, ServiceEvent::Started(s) if s == "kafka"))
        .count();
    assert_eq!(
        starts, 2,
        "first start, then one restart for the new listener: {:?}",
        kafka.service_log
    );
    assert_eq!(kafka.service_status("kafka"), ServiceStatus::Active);
    assert_eq!(
        peer_app(&out).get("restart-lock"),
        None,
        "the lock is released once done"
    );
}

#[test]
fn an_admin_client_becomes_a_super_user_on_the_next_run() {
    reset();
    let (state, client) = world_with_client("admin-topic", "admin");
    let out = run(TestEvent::relation_changed(&client), state);
    let user = format!("relation-{}", client.id.0);
    let out = next(&out, TestEvent::update_status());
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains(&format!("super.users=User:admin;User:{user};User:sync")),
        "{props}"
    );
    assert!(
        with_zk(|zk| !zk.acls.contains_key(&format!("User:{user}"))),
        "admins get no ACLs"
    );
}

#[test]
fn relation_broken_removes_the_user_its_acls_and_its_secrets() {
    reset();
    let (state, client) = world_with_client("orders", "consumer");
    let id = client.id.0;
    let user = format!("relation-{id}");
    let out = run(TestEvent::relation_changed(&client), state);
    assert!(with_zk(|zk| zk.users.contains_key(&user)));

    let out = next(&out, TestEvent::relation_broken(&client));
    with_zk(|zk| {
        assert!(!zk.users.contains_key(&user), "user removed");
        assert!(!zk.acls.contains_key(&format!("User:{user}")), "ACLs removed");
        assert!(
            zk.users.contains_key("admin") && zk.users.contains_key("sync"),
            "internal users kept"
        );
    });
    assert!(out
        .state
        .secret_by_label(&format!("kafka-client.{id}.user.secret"))
        .is_none());
    assert!(out.state.secret_by_label("cluster.kafka-k8s.clients").is_none());
    assert!(!peer_app(&out).contains_key("clients"));
    assert_status(&out, Status::active(""));
}

#[test]
fn an_unreachable_zookeeper_delays_the_client_and_publishes_nothing() {
    reset();
    let (state, client) = world_with_client("orders", "producer");
    with_zk(|zk| zk.refuse = Some("connection refused".into()));
    let out = run(TestEvent::relation_changed(&client), state);
    let bag = &out.state.get_relation(&client).unwrap().local_app_data;
    assert!(
        !bag.contains_key("secret-user"),
        "no credentials before the user exists: {bag:?}"
    );
    assert_eq!(
        out.state.app_status.kind,
        StatusKind::Waiting,
        "{}",
        out.state.app_status
    );
    assert!(out
        .state
        .app_status
        .message
        .contains(&format!("kafka-client:{}", client.id.0)));

    with_zk(|zk| zk.refuse = None);
    let out = next(&out, TestEvent::update_status());
    let bag = &out.state.get_relation(&client).unwrap().local_app_data;
    assert!(bag.contains_key("secret-user"));
}

#[test]
fn a_non_leader_neither_writes_users_nor_publishes() {
    reset();
    let leader = run(TestEvent::config_changed(), with_zookeeper(base(true, 1)));
    let secret = leader.state.secret_by_label("cluster.kafka-k8s.app").unwrap().clone();
    let peers = cluster_seen_from(&[0]).local_app_data(peer_app(&leader));
    let client = client_rel("orders", "producer");
    let state = with_zookeeper(base_with(false, peers, kafka_container()))
        .secret(secret)
        .unit_number(1)
        .relation(client.clone());
    reset();
    let out = run(TestEvent::relation_changed(&client), state);
    assert!(
        with_zk(|zk| zk.calls.is_empty()),
        "{:?}",
        with_zk(|zk| zk.calls.clone())
    );
    assert!(out.state.get_relation(&client).unwrap().local_app_data.is_empty());
    assert!(out.refusals.is_empty(), "{:?}", out.refusals);
    // It still runs the client listener.
    assert!(file(&out, "/etc/kafka/server.properties")
        .unwrap()
        .contains("CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512"));
}

#[test]
fn an_unacceptable_topic_blocks_the_application_naming_the_relation() {
    reset();
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let client = charm_testing::Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("data-integrator")
        .remote_app_data([("topic", "**x"), ("extra-user-roles", "producer")]);
    let out = run(
        TestEvent::relation_changed(&client),
        first.state.relation(client.clone()),
    );
    assert_eq!(
        out.state.app_status.kind,
        StatusKind::Blocked,
        "{}",
        out.state.app_status
    );
    assert!(out.state.app_status.message.contains("not acceptable"));
}

/// Validates an app bag against the shared reference schema, when it is there.
fn validate(schema: &str, app: &std::collections::BTreeMap<String, String>) {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../../shared/reference/interfaces/{schema}.json"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping the schema check: {} not found", path.display());
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let instance = serde_json::json!({ "app": app });
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&instance).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{schema}: {errors:?}");
}
