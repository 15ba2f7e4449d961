//! Observability, in-process: scrape jobs and alert rules (checked by promtool when it is
//! installed), the dashboard, and Pebble log forwarding to Loki.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use std::process::Command;

use charm_interfaces::cos::testing as cos;
use charm_support::*;
use charm_testing::TestEvent;

const RULES: &str = include_str!("../src/alert_rules/kafka.rules");

#[test]
fn the_alert_rules_pass_promtool() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/alert_rules/kafka.rules");
    let output = match Command::new("promtool").args(["check", "rules", path]).output() {
        Ok(output) => output,
        Err(e) => {
            eprintln!("skipping: promtool is not installed ({e}); `apt install prometheus` provides it");
            return;
        }
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert!(text.contains("SUCCESS"), "{text}");
}

#[test]
fn the_rules_cover_the_python_charms_alerts() {
    // One metric per alert of upstream's kafka_metrics.rules (3.x).
    for metric in [
        "up == 0",
        "jvm_memory_bytes_used",
        "jvm_threads_deadlocked",
        "kafka_server_kafkaserver_brokerstate",
        "kafka_server_sessionexpirelistener_zookeeperexpirespersec",
        "kafka_controller_kafkacontroller_activecontrollercount",
        "kafka_controller_kafkacontroller_offlinepartitionscount",
        "kafka_server_replicamanager_partitioncount",
        "kafka_server_replicamanager_underreplicatedpartitions",
        "kafka_server_replicafetchermanager_maxlag",
        "kafka_cluster_partition_insyncreplicascount",
        "kafka_server_replicamanager_isrexpandspersec",
        "kafka_server_replicamanager_isrshrinkspersec",
        "kafka_controller_controllerstats_leaderelectionrateandtimems",
        "kafka_controller_controllerstats_uncleanleaderelectionspersec",
        "kafka_server_fetcherlagmetrics_consumerlag",
        "kafka_network_processor_idlepercent",
        "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_total",
        "kafka_network_requestmetrics_requestqueuetimems",
        "kafka_network_requestmetrics_responsequeuetimems",
        "kafka_log_logmanager_offlinelogdirectorycount",
        "kafka_server_brokertopicmetrics_messagesinpersec",
    ] {
        assert!(RULES.contains(metric), "no rule on {metric}");
    }
    assert_eq!(RULES.matches("- alert:").count(), 24);
}

#[test]
fn prometheus_gets_the_jmx_exporter_job_and_the_rules() {
    reset();
    let prometheus = cos::prometheus_consumer("metrics-endpoint");
    let state = with_zookeeper(base(true, 0)).relation(prometheus.clone());
    let out = run(TestEvent::relation_joined(&prometheus, 0), state);
    let relation = out.state.get_relation(&prometheus).unwrap();
    let jobs = cos::scrape_jobs(relation).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["static_configs"][0]["targets"][0], "*:9101");
    let rules = &relation.local_app_data["alert_rules"];
    assert!(rules.contains("KafkaOfflinePartitions"), "{rules}");
    assert!(out
        .state
        .opened_ports
        .contains(&charm_sdk::model::tools::Port::Tcp(9101)));
}

#[test]
fn grafana_gets_the_dashboard() {
    reset();
    let grafana = cos::grafana_consumer("grafana-dashboard");
    let state = with_zookeeper(base(true, 0)).relation(grafana.clone());
    let out = run(TestEvent::relation_joined(&grafana, 0), state);
    let dashboards = cos::dashboards(out.state.get_relation(&grafana).unwrap()).unwrap();
    assert_eq!(dashboards.len(), 1);
    let (name, _, json) = &dashboards[0];
    assert_eq!(name, "file:kafka");
    let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(parsed["title"], "Kafka");
}

#[test]
fn logs_are_forwarded_through_pebble_when_loki_is_related() {
    reset();
    let loki = cos::loki_provider("logging", "http://loki-0.loki-endpoints:3100/loki/api/v1/push");
    let state = with_zookeeper(base(true, 0)).relation(loki.clone());
    let out = run(TestEvent::relation_changed(&loki), state);
    let plan = out.state.get_container("kafka").unwrap().state.plan().unwrap();
    let target = plan.log_targets.values().next().expect("a log target");
    assert_eq!(
        target.location.as_deref(),
        Some("http://loki-0.loki-endpoints:3100/loki/api/v1/push")
    );
    assert_eq!(out.unit_status().kind, charm_sdk::model::StatusKind::Active);
}
