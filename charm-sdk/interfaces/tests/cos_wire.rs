//! COS interfaces: prometheus_scrape and grafana_dashboard providers and the loki consumer
//! through charm runs, checked against the schemas and against Python itself (json,
//! PyYAML, lzma, hashlib) for the encodings the libraries use.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use charm_interfaces::cos::alert_rules::{AlertRules, Flavour};
use charm_interfaces::cos::grafana_dashboard::{
    alt_uid, decode_content, decode_dashboards, encode_content, Dashboard, GrafanaDashboardProvider,
};
use charm_interfaces::cos::loki::{apply_log_forwarding, decode_endpoint, LokiConsumer, LokiEndpoint};
use charm_interfaces::cos::prometheus_scrape::{MetricsEndpointProvider, ScrapeJob};
use charm_interfaces::cos::Topology;
use charm_interfaces::error::RelationLabel;
use charm_sdk::prelude::*;
use charm_testing::{Container, Context, Relation, State, TestEvent};
use interop_support::{python, relation_in, rerun, test_charm, validate};
use juju_model::{Databag, StatusKind};
use proptest::prelude::*;

const RULES: &str = r#"groups:
- name: kafka
  rules:
  - alert: KafkaBrokerDown
    expr: up{%%juju_topology%%} < 1
    for: 1m
    labels:
      severity: critical
    annotations:
      summary: "Kafka broker {{ $labels.juju_unit }} is down"
      description: "Ünïcode and \"quotes\""
"#;

const DASHBOARD: &str =
    r#"{"title": "Kafka – Overview", "panels": [{"id": 1, "type": "graph"}], "templating": {"list": []}}"#;

const KAFKA_YAML: &str = "name: kafka-k8s
containers: {kafka: {resource: kafka-image}}
resources: {kafka-image: {type: oci-image}}
provides:
  metrics-endpoint: {interface: prometheus_scrape}
  grafana-dashboard: {interface: grafana_dashboard}
requires:
  logging: {interface: loki_push_api}
";

test_charm!(Kafka, KAFKA_YAML, |ctx| {
    let topology = Topology::from_context(ctx);
    let mut rules = AlertRules::new();
    rules.add_file("kafka.rules", RULES, Some(&topology), Flavour::Prometheus)?;
    let jobs = vec![ScrapeJob::on_port(9101, "/metrics").job_name("kafka")];
    MetricsEndpointProvider::new("metrics-endpoint", jobs, rules).reconcile(ctx)?;
    GrafanaDashboardProvider::new(
        "grafana-dashboard",
        vec![Dashboard::from_file("kafka-overview.json", DASHBOARD)?],
    )
    .reconcile(ctx)?;
    let endpoints = LokiConsumer::new("logging", AlertRules::new()).reconcile(ctx)?;
    if !endpoints.is_empty() {
        let pebble = ctx.container("kafka")?;
        apply_log_forwarding(pebble.as_ref(), "kafka", &endpoints, &topology)?;
    }
    ctx.add_status(Status::active(format!("{} loki endpoints", endpoints.len())));
    Ok(())
});

fn state() -> State {
    State::default()
        .leader(true)
        .model("cos-test", "7a8e1c2b-0d3f-4e5a-9b6c-1d2e3f4a5b6c")
}

#[test]
fn prometheus_scrape_bags_match_schema_and_python() {
    let rel = Relation::new("metrics-endpoint")
        .interface("prometheus_scrape")
        .remote_app("prometheus-k8s");
    let out = Context::<Kafka>::new()
        .run(TestEvent::relation_joined(&rel, 0), state().relation(rel.clone()))
        .unwrap();
    let written = relation_in(&out, &rel);
    validate(
        "prometheus_scrape-v0-provider",
        &written.local_app_data,
        Some(&written.local_unit_data),
    );
    assert_eq!(written.local_unit_data["prometheus_scrape_unit_name"], "kafka-k8s/0");
    assert_eq!(written.local_unit_data["prometheus_scrape_unit_address"], "192.0.2.0");
    assert!(
        !written.local_unit_data.contains_key("prometheus_scrape_unit_path"),
        "\"\" deletes the key, as in ops"
    );
    assert_eq!(
        written.local_app_data["scrape_metadata"],
        r#"{"model": "cos-test", "model_uuid": "7a8e1c2b-0d3f-4e5a-9b6c-1d2e3f4a5b6c", "application": "kafka-k8s", "unit": "kafka-k8s/0", "charm_name": "kafka-k8s"}"#
    );
    assert_eq!(
        written.local_app_data["scrape_jobs"],
        r#"[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:9101"]}], "job_name": "kafka"}]"#
    );
    // The alert rules are what the library computes from the same file (no cos-tool).
    let expected = python(
        r#"
import json, re, sys
# What yaml.safe_load gives for RULES (dicts keep file order); PyYAML is not a CI dependency.
rules = {"groups": [{"name": "kafka", "rules": [{
    "alert": "KafkaBrokerDown",
    "expr": "up{%%juju_topology%%} < 1",
    "for": "1m",
    "labels": {"severity": "critical"},
    "annotations": {
        "summary": "Kafka broker {{ $labels.juju_unit }} is down",
        "description": "\u00dcn\u00efcode and \"quotes\"",
    },
}]}]}
topo = {"juju_model": "cos-test", "juju_model_uuid": "7a8e1c2b-0d3f-4e5a-9b6c-1d2e3f4a5b6c", "juju_application": "kafka-k8s", "juju_charm": "kafka-k8s"}
for g in rules["groups"]:
    g["name"] = "_".join(filter(None, ["cos-test_7a8e1c2b_kafka-k8s", "", g["name"], "alerts"]))
    for r in g["rules"]:
        r.setdefault("labels", {}).update(topo)
        r["expr"] = re.sub(r"%%juju_topology%%,?", "", r["expr"])
print(json.dumps({"groups": rules["groups"]}), end="")
"#,
        RULES,
    );
    assert_eq!(written.local_app_data["alert_rules"], expected);

    let again = rerun::<Kafka>(&out);
    assert_eq!(again.calls_to("relation-set"), 0, "{:?}", again.calls);
}

#[test]
fn grafana_dashboards_decode_in_python_and_keep_their_uuid() {
    let rel = Relation::new("grafana-dashboard")
        .interface("grafana_dashboard")
        .remote_app("grafana-k8s");
    let out = Context::<Kafka>::new()
        .run(TestEvent::relation_created(&rel), state().relation(rel.clone()))
        .unwrap();
    let app = &relation_in(&out, &rel).local_app_data;
    validate("grafana_dashboard-v0-provider", app, None);
    let checked = python(
        r#"
import base64, hashlib, json, lzma, sys
d = json.loads(sys.argv[1])
t = d["templates"]["file:kafka-overview"]
assert list(d) == ["templates", "uuid"], list(d)
assert list(t) == ["charm", "content", "juju_topology", "inject_dropdowns", "dashboard_alt_uid"], list(t)
assert t["dashboard_alt_uid"] == hashlib.shake_256(b"kafka-k8s-file:kafka-overview").hexdigest(8)
assert list(t["juju_topology"]) == ["model", "model_uuid", "application", "unit"]
print(lzma.decompress(base64.b64decode(t["content"])).decode(), end="")
"#,
        &app["dashboards"],
    );
    assert_eq!(checked, DASHBOARD);
    let label = RelationLabel::from_parts("grafana-dashboard", rel.id.0, Some("grafana-k8s"));
    assert_eq!(decode_dashboards(app, &label).unwrap()[0].2, DASHBOARD);

    let again = rerun::<Kafka>(&out);
    assert_eq!(
        again.calls_to("relation-set"),
        0,
        "an unchanged dashboard keeps its uuid: {:?}",
        again.calls
    );
}

#[test]
fn content_compressed_by_python_decodes() {
    let b64 = python(
        "import base64, lzma, sys; print(base64.b64encode(lzma.compress(sys.argv[1].encode())).decode(), end='')",
        DASHBOARD,
    );
    assert_eq!(decode_content(&b64).as_deref(), Some(DASHBOARD));
    assert_eq!(
        alt_uid("grafana", "prog:abc"),
        python(
            "import hashlib, sys; print(hashlib.shake_256(sys.argv[1].encode()).hexdigest(8), end='')",
            "grafana-prog:abc"
        )
    );
    let ours = encode_content(DASHBOARD.as_bytes());
    assert_eq!(
        python(
            "import base64, lzma, sys; print(lzma.decompress(base64.b64decode(sys.argv[1])).decode(), end='')",
            &ours
        ),
        DASHBOARD
    );
}

#[test]
fn loki_endpoints_become_pebble_log_targets() {
    let rel = Relation::new("logging")
        .interface("loki_push_api")
        .remote_app("loki")
        .remote_units(2)
        .remote_unit_data(
            0,
            [(
                "endpoint",
                r#"{"url": "http://loki-0.loki-endpoints:3100/loki/api/v1/push"}"#,
            )],
        )
        .remote_unit_data(
            1,
            [(
                "endpoint",
                r#"{"url": "http://loki-1.loki-endpoints:3100/loki/api/v1/push"}"#,
            )],
        );
    let s = state()
        .relation(rel.clone())
        .container(Container::new("kafka").can_connect(true));
    let out = Context::<Kafka>::new()
        .run(TestEvent::relation_changed(&rel), s)
        .unwrap();
    assert_eq!(out.unit_status(), &Status::active("2 loki endpoints"));
    let written = relation_in(&out, &rel);
    validate("loki_push_api-v0-requirer", &written.local_app_data, None);
    assert_eq!(written.local_app_data["alert_rules"], "{}");
    let provider_unit: Databag = rel.remote_units_data[&0].clone();
    validate("loki_push_api-v0-provider", &Databag::new(), Some(&provider_unit));

    let container = out.state.get_container("kafka").unwrap();
    let (label, layer) = container.state.layers.last().unwrap();
    assert_eq!(label, "kafka-log-forwarding");
    let target = &layer.log_targets["loki/0"];
    assert_eq!(
        target.location.as_deref(),
        Some("http://loki-0.loki-endpoints:3100/loki/api/v1/push")
    );
    assert_eq!(target.services, vec!["all"]);
    assert_eq!(target.labels["product"], "Juju");
    assert_eq!(target.labels["juju_unit"], "kafka-k8s/0");

    // Loki unit 1 leaves: its target is disabled, not dropped; a rerun changes nothing more.
    let mut state2 = out.state.clone();
    state2.relations[0] = state2.relations[0].clone().remote_units(1);
    let out2 = Context::<Kafka>::new().run(TestEvent::update_status(), state2).unwrap();
    let (_, layer2) = out2.state.get_container("kafka").unwrap().state.layers.last().unwrap();
    assert_eq!(layer2.log_targets["loki/1"].services, vec!["-all"]);
    assert_eq!(layer2.log_targets["loki/1"].location.as_deref(), Some("(removed)"));
    let out3 = rerun::<Kafka>(&out2);
    assert_eq!(
        out3.state.get_container("kafka").unwrap().state.layers.len(),
        out2.state.get_container("kafka").unwrap().state.layers.len()
    );
}

#[test]
fn a_bad_loki_endpoint_blocks_naming_the_relation() {
    let rel = Relation::new("logging")
        .interface("loki_push_api")
        .remote_app("loki")
        .remote_unit_data(0, [("endpoint", "http://not-json")]);
    let out = Context::<Kafka>::new()
        .run(TestEvent::relation_changed(&rel), state().relation(rel.clone()))
        .unwrap();
    assert_eq!(out.unit_status().kind, StatusKind::Blocked);
    assert!(
        out.unit_status()
            .message
            .contains(&format!("logging:{} (loki)", rel.id)),
        "{}",
        out.unit_status().message
    );
}

proptest! {
    #[test]
    fn cos_decoders_never_panic(text in any::<String>(), json in "[\\[\\]{}\":,0-9a-z ]{0,32}") {
        let label = RelationLabel::from_parts("x", 1, None);
        for value in [&text, &json] {
            let bag: Databag = [("endpoint".to_owned(), value.clone()), ("dashboards".to_owned(), value.clone())].into();
            let _ = decode_endpoint(&bag, &label);
            let _ = decode_dashboards(&bag, &label);
            let _ = decode_content(value);
            let _ = AlertRules::new().add_file("x.rules", value, None, Flavour::Loki);
            let _ = Dashboard::from_file("x.json", value);
        }
        let endpoints = [LokiEndpoint { unit: text.clone(), url: json.clone() }];
        let topo = Topology { model: text.clone(), model_uuid: json.clone(), application: "a".into(), unit: "a/0".into(), charm_name: "c".into() };
        let _ = charm_interfaces::cos::log_forwarding_layer(&endpoints, &topo, &Default::default());
    }
}
