//! In-process state-transition tests of the data-integrator stand-in: Blocked until the
//! config says what to ask for, the request on each endpoint (byte for byte what the
//! Python charm writes, per the interfaces' testing builders), and the statuses once a
//! provider has answered.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use charm_interfaces::dataplatform::testing;
use charm_sdk::Status;
use charm_testing::{assert_calls, assert_status, Context, Relation, RunOutput, State, TestEvent};
use data_integrator::config::{BAD_TOPIC, NOTHING_TO_ASK};
use data_integrator::status::NOT_RELATED;
use data_integrator::DataIntegrator;

#[track_caller]
fn run(event: TestEvent, state: State) -> RunOutput {
    match Context::<DataIntegrator>::new().run(event, state) {
        Ok(out) => out,
        Err(e) => panic!("run failed: {e}"),
    }
}

fn kafka() -> Relation {
    Relation::new("kafka")
        .interface("kafka_client")
        .remote_app("kafka-k8s")
        .id(3)
}

fn app_bag(out: &RunOutput, relation: &Relation) -> juju_model::Databag {
    out.state.get_relation(relation).unwrap().local_app_data.clone()
}

/// kafka-k8s having answered `topic` (its secrets granted), as a state for the leader.
fn answered(topic: &str, config: &[(&str, &str)]) -> (State, Relation) {
    let (relation, secrets) = testing::kafka_provider_with_credentials(
        "kafka",
        topic,
        "relation-3",
        "kafka-pw",
        "kafka-k8s-0.kafka-k8s-endpoints:9092",
    );
    let mut state = State::default()
        .leader(true)
        .config(config.iter().copied())
        .relation(relation.clone());
    state.secrets = secrets;
    (state, relation)
}

#[test]
fn without_a_topic_or_database_it_is_blocked_and_asks_nothing() {
    let out = run(
        TestEvent::relation_joined(&kafka(), 0),
        State::default().leader(true).relation(kafka()),
    );
    assert_status(&out, Status::blocked(NOTHING_TO_ASK));
    assert_calls(&out, "relation-set", 0);

    let state = State::default().leader(true).config([("topic-name", "")]);
    assert_status(
        &run(TestEvent::config_changed(), state),
        Status::blocked(NOTHING_TO_ASK),
    );
}

#[test]
fn a_topic_kafka_would_refuse_blocks() {
    let state = State::default()
        .leader(true)
        .config([("topic-name", "**events")])
        .relation(kafka());
    let out = run(TestEvent::config_changed(), state);
    assert_status(&out, Status::blocked(BAD_TOPIC));
    assert_calls(&out, "relation-set", 0);
}

#[test]
fn with_a_topic_but_no_relation_it_asks_to_be_related() {
    let out = run(
        TestEvent::config_changed(),
        State::default().leader(true).config([("topic-name", "events")]),
    );
    assert_status(&out, Status::blocked(NOT_RELATED));
}

#[test]
fn the_topic_request_is_what_the_python_charm_writes() {
    let state = State::default()
        .leader(true)
        .config([("topic-name", "events"), ("extra-user-roles", "producer,consumer")])
        .relation(kafka());
    let out = run(TestEvent::relation_joined(&kafka(), 0), state);
    assert_status(&out, Status::blocked(NOT_RELATED));
    let python = testing::kafka_client_requirer("kafka", "events", "producer,consumer");
    assert_eq!(app_bag(&out, &kafka()), python.remote_app_data, "same keys, same bytes");
    assert!(out.refusals.is_empty(), "{:?}", out.refusals);
}

#[test]
fn roles_and_consumer_group_prefix_travel_with_the_topic() {
    let state = State::default()
        .leader(true)
        .config([
            ("topic-name", "events"),
            ("extra-user-roles", "consumer"),
            ("consumer-group-prefix", "billing-"),
        ])
        .relation(kafka());
    let out = run(TestEvent::relation_joined(&kafka(), 0), state);
    let bag = app_bag(&out, &kafka());
    assert_eq!(bag["topic"], "events");
    assert_eq!(bag["extra-user-roles"], "consumer");
    assert_eq!(bag["consumer-group-prefix"], "billing-");
    assert!(bag["requested-secrets"].contains("\"username\""));
}

#[test]
fn once_kafka_answers_it_is_active() {
    let (state, relation) = answered("events", &[("topic-name", "events")]);
    let out = run(TestEvent::relation_changed(&relation), state);
    assert_status(&out, Status::active(""));
}

#[test]
fn a_changed_topic_after_the_grant_blocks_instead_of_asking_again() {
    let (state, relation) = answered("events", &[("topic-name", "events")]);
    let first = run(TestEvent::relation_changed(&relation), state);
    let written = app_bag(&first, &relation);
    let out = run(
        TestEvent::config_changed(),
        first.state.clone().config([("topic-name", "audit")]),
    );
    assert_status(
        &out,
        Status::blocked("To change topic: events, please remove relation and add it again"),
    );
    assert_eq!(app_bag(&out, &relation), written, "the granted request is left alone");
}

#[test]
fn the_database_name_goes_to_postgresql_and_zookeeper() {
    let postgresql = Relation::new("postgresql")
        .interface("postgresql_client")
        .remote_app("postgresql-k8s")
        .id(4);
    let zookeeper = Relation::new("zookeeper")
        .interface("zookeeper")
        .remote_app("zookeeper-k8s")
        .id(5);
    let state = State::default()
        .leader(true)
        .config([("database-name", "app"), ("extra-user-roles", "admin")])
        .relation(postgresql.clone())
        .relation(zookeeper.clone());
    let out = run(TestEvent::relation_joined(&postgresql, 0), state);
    for relation in [&postgresql, &zookeeper] {
        let bag = app_bag(&out, relation);
        assert_eq!(bag["database"], "app");
        assert_eq!(bag["extra-user-roles"], "admin");
        assert_eq!(bag["external-node-connectivity"], "true");
    }
    assert_status(&out, Status::blocked(NOT_RELATED));
}

#[test]
fn a_follower_writes_only_its_unit_bookkeeping() {
    let state = State::default()
        .leader(false)
        .config([("topic-name", "events")])
        .relation(kafka());
    let out = run(TestEvent::relation_joined(&kafka(), 0), state);
    assert!(app_bag(&out, &kafka()).is_empty());
    assert!(out.refusals.is_empty(), "{:?}", out.refusals);
}
