//! Observability: scrape jobs and alert rules for Prometheus, the dashboard for Grafana,
//! Pebble log forwarding for Loki; and the rules file passes `promtool check rules`.

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use std::process::Command;

use charm_testing::{Relation, TestEvent};
use support::sim::Sim;

#[test]
fn metrics_endpoint_publishes_the_provider_port_and_the_rules() {
    let mut sim = Sim::new(1, 0);
    sim.relate(Relation::new("metrics-endpoint").id(30).remote_app("prometheus"));
    sim.run(0, TestEvent::install());
    let rel = sim.relation_view(0, 30);
    let jobs = &sim.relations[0].local_app_data["scrape_jobs"];
    assert!(jobs.contains("\"targets\": [\"*:7000\"]"), "{jobs}");
    let rules = &sim.relations[0].local_app_data["alert_rules"];
    for alert in [
        "ZooKeeperMetricsUnreachable",
        "ZooKeeperHeapAlmostFull",
        "ZooKeeperSlowFsync",
        "ZooKeeperLeaderElection",
    ] {
        assert!(rules.contains(alert), "{alert} missing");
    }
    assert_eq!(rel.local_unit_data["prometheus_scrape_unit_name"], "zookeeper-k8s/0");
}

#[test]
fn the_jmx_exporter_is_scraped_only_when_the_image_ships_it() {
    let mut sim = Sim::new(1, 0);
    sim.units.get_mut(&0).expect("unit").container = charm_testing::pebble::ContainerState::connectable()
        .with_file("/opt/zookeeper/lib/jmx_prometheus_javaagent.jar", b"jar".to_vec());
    sim.relate(Relation::new("metrics-endpoint").id(30).remote_app("prometheus"));
    sim.run(0, TestEvent::install());
    let jobs = &sim.relations[0].local_app_data["scrape_jobs"];
    assert!(jobs.contains("\"*:7000\", \"*:9998\""), "{jobs}");
    let layer = sim.units[&0].container.plan().expect("plan");
    let flags = &layer.services["zookeeper"].environment["SERVER_JVMFLAGS"];
    assert!(flags.contains(
        "-javaagent:/opt/zookeeper/lib/jmx_prometheus_javaagent.jar=9998:/etc/zookeeper/jmx_prometheus.yaml"
    ));
    assert!(sim.file(0, "/etc/zookeeper/jmx_prometheus.yaml").is_some());
}

#[test]
fn grafana_gets_the_dashboard() {
    let mut sim = Sim::new(1, 0);
    sim.relate(Relation::new("grafana-dashboard").id(31).remote_app("grafana"));
    sim.run(0, TestEvent::install());
    let dashboards = &sim.relations[0].local_app_data["dashboards"];
    assert!(dashboards.contains("file:zookeeper"), "{dashboards}");
}

#[test]
fn logs_are_forwarded_to_loki_through_pebble() {
    let mut sim = Sim::new(1, 0);
    sim.relate(Relation::new("logging").id(32).remote_app("loki").remote_unit_data(
        0,
        [(
            "endpoint",
            r#"{"url": "http://loki-0.loki-endpoints:3100/loki/api/v1/push"}"#,
        )],
    ));
    sim.run(0, TestEvent::install());
    let plan = sim.units[&0].container.plan().expect("plan");
    let target = &plan.log_targets["loki/0"];
    assert_eq!(
        target.location.as_deref(),
        Some("http://loki-0.loki-endpoints:3100/loki/api/v1/push")
    );
    assert_eq!(target.services, ["all"]);
    assert_eq!(target.labels["juju_unit"], "zookeeper-k8s/0");
}

#[test]
fn the_dashboard_is_valid_json_with_panels() {
    let dashboard: serde_json::Value = serde_json::from_str(zookeeper_k8s::cos::DASHBOARD).expect("JSON");
    assert!(dashboard["panels"].as_array().is_some_and(|p| p.len() >= 8));
}

#[test]
fn alert_rules_pass_promtool() {
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/alert_rules/zookeeper.rules");
    match Command::new("promtool").args(["check", "rules", rules]).output() {
        Err(e) => eprintln!("SKIPPED: promtool not available ({e}); install Debian's `prometheus` package"),
        Ok(out) => assert!(
            out.status.success(),
            "promtool rejected the rules:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}
