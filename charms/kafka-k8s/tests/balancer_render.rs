//! Cruise Control's files (balancer role), byte for byte, and every key in them checked
//! against Cruise Control's own config definitions.
//!
//! Two broker+balancer units: ZooKeeper mode without TLS (production profile, three brokers)
//! and KRaft combined with peer TLS, a rack and the testing profile; and a balancer-only unit
//! fed over peer-cluster (two brokers in two racks). Cruise Control cannot run
//! here (no Kafka broker, no Maven Central to build it from), so these files and the key check
//! are what pin its configuration. The key lists are extracted from linkedin/cruise-control
//! 2.5.141 (see `testdata/README.md`). `UPDATE_GOLDEN=1` regenerates the golden files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_fixtures;

use std::collections::BTreeSet;

use kafka_k8s::balancer::service::combined_inputs;
use kafka_k8s::balancer::split::remote_inputs;
use kafka_k8s::balancer::{
    balancer_layer, capacity_json, credentials_file, cruise_control_properties, BalancerInputs, BrokerCapacity,
    UnitCapacity,
};
use kafka_k8s::peer_cluster::BrokerView;
use kafka_k8s::workload::properties::parse;
use kafka_k8s::workload::{server_properties, BrokerInputs, KafkaLine};
use render_fixtures::{brokers, check_golden, config, kraft_combined, zk_plain};

fn capacity(id: u32, dirs: &[(&str, u64)], rack: Option<&str>) -> BrokerCapacity {
    BrokerCapacity {
        broker_id: id,
        capacity: UnitCapacity {
            cores: 4,
            disks_mb: dirs.iter().map(|(d, mb)| ((*d).to_owned(), *mb)).collect(),
            rack: rack.map(str::to_owned),
        },
    }
}

/// (name, broker inputs with the balancer on, Cruise Control inputs).
fn scenarios() -> Vec<(&'static str, BrokerInputs, BalancerInputs)> {
    let mut zk = zk_plain();
    zk.balancer = true;
    let zk_caps = (0..3)
        .map(|n| capacity(n, &[("/var/lib/kafka/data/0", 10_015)], None))
        .collect();
    let zk_cc = combined_inputs(&zk.config, &zk, &brokers(&zk), "balancerpw", zk_caps);

    // KRaft on Kafka 3.9, as this charm runs it (Cruise Control 2.5 predates Kafka 4).
    let mut kraft = kraft_combined();
    kraft.kafka = KafkaLine::V3_9;
    kraft.kafka_version = "3.9.0".into();
    kraft.java_home = None;
    kraft.balancer = true;
    kraft.rack = Some("zone-a".into());
    kraft.config = config(&[
        ("metadata-mode", "kraft"),
        ("roles", "broker,controller,balancer"),
        ("profile", "testing"),
        ("network-bandwidth", "100000"),
        ("cruisecontrol-balance-threshold", "1.2"),
    ]);
    kraft.planned_units = 1;
    let kraft_caps = vec![capacity(
        100,
        &[("/var/lib/kafka/data/0/log", 1_024_000)],
        Some("zone-a"),
    )];
    let kraft_cc = combined_inputs(&kraft.config, &kraft, &brokers(&kraft), "balancerpw", kraft_caps);
    vec![
        ("zk-broker-balancer", zk, zk_cc),
        ("kraft-broker-balancer", kraft, kraft_cc),
    ]
}

/// A balancer-only unit (`roles=balancer`, its own application): Cruise Control's inputs as
/// `split::remote_inputs` makes them from the broker application's peer-cluster fields, in
/// the Python charm's shape (`broker-capacities` as json.dumps writes it, two brokers, two
/// racks).
fn balancer_only() -> BalancerInputs {
    let view = BrokerView {
        broker_username: Some("admin".into()),
        broker_password: Some("broker-admin-pw".into()),
        broker_uris: Some("kafka-1.kafka-endpoints:19092,kafka-0.kafka-endpoints:19092".into()),
        racks: Some("2".into()),
        broker_capacities: Some(
            r#"{"brokerCapacities": [{"brokerId": "101", "capacity": {"DISK": {"/var/lib/kafka/data/0/log": "20030"}, "CPU": {"num.cores": "8"}, "NW_IN": "75000", "NW_OUT": "75000"}, "doc": ""}, {"brokerId": "100", "capacity": {"DISK": {"/var/lib/kafka/data/0/log": "10015"}, "CPU": {"num.cores": "4"}, "NW_IN": "75000", "NW_OUT": "75000"}, "doc": ""}]}"#
                .into(),
        ),
        ..BrokerView::default()
    };
    let config = config(&[("metadata-mode", "kraft"), ("roles", "balancer")]);
    remote_inputs(&config, &view, "balancerpw", true).unwrap()
}

/// Every Cruise Control configuration pinned here, by golden file name.
fn all_cruise_control() -> Vec<(&'static str, BalancerInputs)> {
    let mut all: Vec<(&'static str, BalancerInputs)> = scenarios().into_iter().map(|(n, _, cc)| (n, cc)).collect();
    all.push(("kraft-balancer-only", balancer_only()));
    all
}

#[test]
fn a_balancer_only_unit_takes_everything_from_the_broker_side() {
    let cc = balancer_only();
    assert_eq!(
        cc.bootstrap_servers,
        ["kafka-0.kafka-endpoints:19092", "kafka-1.kafka-endpoints:19092"]
    );
    assert_eq!(cc.admin.username, "admin");
    assert_eq!(
        cc.network_bandwidth_kb, 75_000,
        "the brokers' NW_IN, not this application's option"
    );
    assert_eq!(cc.racks, 2);
    assert_eq!(
        cc.capacities.iter().map(|c| c.broker_id).collect::<Vec<_>>(),
        [100, 101]
    );
}

#[test]
fn cruise_control_files_match_golden_files() {
    for (name, cc) in all_cruise_control() {
        let props = cruise_control_properties(&cc).unwrap().render();
        assert_eq!(props, cruise_control_properties(&cc).unwrap().render(), "{name}");
        check_golden(&format!("{name}.cruisecontrol.properties"), &props);
        check_golden(&format!("{name}.capacityJBOD.json"), &capacity_json(&cc).unwrap());
        check_golden(
            &format!("{name}.cruisecontrol.credentials"),
            &credentials_file(&cc.webserver_user).unwrap(),
        );
        let layer = balancer_layer(&cc);
        assert!(
            layer.validate("cruise-control").is_ok(),
            "{:?}",
            layer.validate("cruise-control")
        );
        check_golden(&format!("{name}.cruise-control.layer.yaml"), &layer.to_yaml());
    }
}

#[test]
fn brokers_load_the_metrics_reporter_only_when_a_balancer_exists() {
    for (name, inputs, _) in scenarios() {
        let with = server_properties(&inputs).unwrap().render();
        check_golden(&format!("{name}.server.properties"), &with);
        let mut without = inputs.clone();
        without.balancer = false;
        let without = server_properties(&without).unwrap().render();
        // The balancer adds lines and changes nothing else.
        let added: Vec<&str> = with.lines().filter(|l| !without.lines().any(|w| w == *l)).collect();
        assert!(without.lines().all(|l| with.lines().any(|w| w == l)), "{name}");
        assert!(
            added
                .iter()
                .all(|l| l.starts_with("metric.reporters=") || l.starts_with("cruise.control.metrics.")),
            "{name}: {added:?}"
        );
        assert!(with.contains(
            "metric.reporters=com.linkedin.kafka.cruisecontrol.metricsreporter.CruiseControlMetricsReporter\n"
        ));
    }
}

fn key_list(file: &str) -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn key_lists_are_sane() {
    let cc = key_list("cruise-control-2.5.141-config-keys.txt");
    let reporter = key_list("cruise-control-2.5.141-metrics-reporter-keys.txt");
    assert!(cc.len() > 300, "{}", cc.len());
    for key in [
        "bootstrap.servers",
        "default.goals",
        "webserver.auth.credentials.file",
        "sasl.jaas.config",
    ] {
        assert!(cc.contains(key), "{key}");
    }
    assert!(!cc.contains("default.api.timeout.ms"), "not a Cruise Control key");
    assert!(reporter.contains("cruise.control.metrics.reporter.metrics.reporting.interval.ms"));
    assert!(reporter.contains("cruise.control.metrics.topic.auto.create"));
}

#[test]
fn every_cruise_control_key_is_defined_by_cruise_control() {
    let known = key_list("cruise-control-2.5.141-config-keys.txt");
    for (name, cc) in all_cruise_control() {
        let pairs = parse(&cruise_control_properties(&cc).unwrap().render());
        assert!(pairs.len() >= 30, "{name}");
        for (key, _) in pairs {
            assert!(
                known.contains(&key),
                "{name}: {key} is not a Cruise Control 2.5.141 config key"
            );
        }
    }
}

#[test]
fn every_metrics_reporter_key_is_defined_by_the_reporter_or_its_producer() {
    let reporter = key_list("cruise-control-2.5.141-metrics-reporter-keys.txt");
    // The reporter hands `cruise.control.metrics.reporter.<producer config>` to its producer
    // (`CruiseControlMetricsReporterConfig.parseProducerConfigs`); the client keys it may use
    // are the connection and security keys Cruise Control's own client config defines too.
    let client: BTreeSet<String> = key_list("cruise-control-2.5.141-config-keys.txt")
        .into_iter()
        .filter(|k| {
            k == "bootstrap.servers" || k == "security.protocol" || k.starts_with("ssl.") || k.starts_with("sasl.")
        })
        .collect();
    for (name, inputs, _) in scenarios() {
        let pairs = parse(&server_properties(&inputs).unwrap().render());
        let keys: Vec<String> = pairs
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("cruise.control."))
            .collect();
        assert!(keys.len() >= 5, "{name}: {keys:?}");
        for key in keys {
            let producer = key
                .strip_prefix("cruise.control.metrics.reporter.")
                .is_some_and(|k| client.contains(k));
            assert!(reporter.contains(&key) || producer, "{name}: {key}");
        }
    }
}
