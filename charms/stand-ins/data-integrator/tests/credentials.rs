//! In-process tests of `get-credentials`: what the providers published (built with the
//! interfaces' testing builders, credentials in granted secrets) comes back under the
//! Python charm's keys.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use charm_interfaces::dataplatform::testing;
use charm_testing::{Context, RunOutput, State, TestEvent};
use data_integrator::credentials::{NOT_RELATED, NOT_SPECIFIED};
use data_integrator::DataIntegrator;

#[track_caller]
fn run(event: TestEvent, state: State) -> RunOutput {
    match Context::<DataIntegrator>::new().run(event, state) {
        Ok(out) => out,
        Err(e) => panic!("run failed: {e}"),
    }
}

fn failure(out: &RunOutput) -> Option<String> {
    out.action.as_ref().and_then(|a| a.failed.clone())
}

fn results(out: &RunOutput) -> std::collections::BTreeMap<String, String> {
    let action = out.action.as_ref().expect("an action ran");
    assert_eq!(action.failed, None);
    action.results.clone()
}

#[test]
fn it_fails_without_config_or_without_an_answer() {
    let out = run(TestEvent::action("get-credentials"), State::default().leader(true));
    assert_eq!(failure(&out).as_deref(), Some(NOT_SPECIFIED));

    let state = State::default().leader(true).config([("topic-name", "events")]);
    let out = run(TestEvent::action("get-credentials"), state);
    assert_eq!(failure(&out).as_deref(), Some(NOT_RELATED));
}

#[test]
fn kafka_credentials_come_back_under_the_python_keys() {
    let (relation, secrets) =
        testing::kafka_provider_with_credentials("kafka", "events", "relation-3", "kafka-pw", "kafka-k8s-0:9092");
    let mut state = State::default()
        .leader(true)
        .config([("topic-name", "events")])
        .relation(relation);
    state.secrets = secrets;
    let out = run(TestEvent::action("get-credentials"), state);
    let got = results(&out);
    assert_eq!(got["ok"], "True");
    assert_eq!(got["kafka.username"], "relation-3");
    assert_eq!(got["kafka.password"], "kafka-pw");
    assert_eq!(got["kafka.endpoints"], "kafka-k8s-0:9092");
    assert_eq!(got["kafka.tls"], "disabled");
    assert_eq!(got["kafka.topic"], "events");
    assert_eq!(got["kafka.consumer-group-prefix"], "relation-3-");
    assert!(
        got.contains_key("kafka.data"),
        "the provider's copy of the request, as upstream"
    );
    assert!(
        !got.keys().any(|k| k.starts_with("kafka.secret-")),
        "secret URIs are resolved, not shown"
    );
}

#[test]
fn zookeeper_and_postgresql_credentials_come_back_together() {
    let (zookeeper, zk_secrets) = testing::zookeeper_provider_with_credentials(
        "zookeeper",
        "app",
        "relation-5",
        "zk-pw",
        "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181",
    );
    let (postgresql, pg_secrets) = testing::postgresql_provider_with_credentials(
        "postgresql",
        "app",
        "relation-6",
        "pg-pw",
        "postgresql-k8s-primary",
    );
    let mut state = State::default()
        .leader(false)
        .config([("database-name", "app")])
        .relation(zookeeper)
        .relation(postgresql);
    state.secrets = zk_secrets.into_iter().chain(pg_secrets).collect();
    let out = run(TestEvent::action("get-credentials"), state);
    let got = results(&out);
    assert_eq!(got["zookeeper.username"], "relation-5");
    assert_eq!(got["zookeeper.password"], "zk-pw");
    assert_eq!(
        got["zookeeper.endpoints"],
        "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181"
    );
    assert_eq!(
        got["zookeeper.uris"],
        "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181/app"
    );
    assert_eq!(got["zookeeper.tls"], "disabled");
    assert_eq!(got["postgresql.username"], "relation-6");
    assert_eq!(got["postgresql.password"], "pg-pw");
    assert_eq!(got["postgresql.endpoints"], "postgresql-k8s-primary:5432");
    assert_eq!(got["postgresql.database"], "app");
    assert!(!got.keys().any(|k| k.starts_with("kafka.")));
}
