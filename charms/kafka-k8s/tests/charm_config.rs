//! Invalid config blocks the unit with a status naming the option, and nothing starts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use charm_sdk::model::StatusKind;
use charm_support::*;
use charm_testing::TestEvent;
use serde_json::{json, Value};

fn table() -> Vec<(&'static str, Value)> {
    vec![
        ("metadata-mode", json!("etcd")),
        ("roles", json!("balancer")),
        ("roles", json!("broker,router")),
        ("roles", json!("")),
        ("compression-type", json!("brotli")),
        ("log-flush-interval-messages", json!("0")),
        ("log-flush-interval-ms", json!("soon")),
        ("log-flush-offset-checkpoint-interval-ms", json!(-5)),
        ("log-retention-bytes", json!("-2")),
        ("log-retention-ms", json!("99999999999999999999")),
        ("log-segment-bytes", json!(3_000_000_000_i64)),
        ("message-max-bytes", json!(-1)),
        ("offsets-topic-num-partitions", json!(10_001)),
        ("transaction-state-log-num-partitions", json!(-1)),
        ("log-cleaner-delete-retention-ms", json!("0")),
        ("log-cleaner-min-compaction-lag-ms", json!("604800001")),
        ("log-cleanup-policy", json!("archive")),
        ("log-message-timestamp-type", json!("Now")),
        ("ssl-principal-mapping-rules", json!("RULE:^CN=(.*$/$1/L")),
        ("replication-quota-window-num", json!(-1)),
        ("profile", json!("dev")),
        ("extra-listeners", json!("broker-{unit}.example.com:80")),
        ("extra-listeners", json!("a.example.com:30000,b.example.com:30050")),
        ("extra-listeners", json!("no-port.example.com")),
        ("certificate-extra-sans", json!("has space")),
        ("log-level", json!("TRACE")),
        ("network-bandwidth", json!(0)),
        ("cruisecontrol-balance-threshold", json!(0.5)),
        ("cruisecontrol-capacity-threshold", json!(1.5)),
        ("expose-external", json!("loadbalancer")),
        ("unclean-leader-election-enable", json!("yes")),
    ]
}

#[test]
fn every_invalid_option_blocks_naming_it_and_nothing_starts() {
    for (option, value) in table() {
        reset();
        let state = with_zookeeper(base(true, 0)).config([(option, value.clone())]);
        let out = match ctx().run(TestEvent::config_changed(), state) {
            Ok(out) => out,
            // Juju itself refuses a value of the wrong type; the test state does too.
            Err(charm_testing::RunError::Inconsistent(problems)) => {
                assert!(
                    problems.iter().any(|p| p.contains(option)),
                    "{option}={value}: {problems:?}"
                );
                continue;
            }
            Err(e) => panic!("{option}={value}: {e}"),
        };
        let status = out.unit_status().clone();
        assert_eq!(status.kind, StatusKind::Blocked, "{option}={value}: {status}");
        assert!(
            status.message.starts_with(&format!("invalid config option '{option}'")),
            "{option}={value}: {status}"
        );
        let kafka = &out.state.get_container("kafka").unwrap().state;
        assert!(
            kafka.plan().unwrap().services.is_empty(),
            "{option}={value}: nothing starts"
        );
        assert!(
            with_zk(|zk| zk.calls.is_empty()),
            "{option}={value}: no zookeeper session"
        );
    }
}

#[test]
fn valid_edge_values_are_accepted() {
    for (option, value) in [
        ("log-retention-ms", json!("-1")),
        ("log-flush-interval-ms", json!("9223372036854775807")),
        (
            "extra-listeners",
            json!("broker-{unit}.example.com:30000,lb.example.com:31000"),
        ),
        (
            "ssl-principal-mapping-rules",
            json!("RULE:^.*[Cc][Nn]=([a-zA-Z0-9.-_@]*).*$/$1/L,DEFAULT"),
        ),
        ("log-level", json!("WARNING")),
        ("profile", json!("testing")),
        ("compression-type", json!("zstd")),
    ] {
        reset();
        let state = with_zookeeper(base(true, 0)).config([(option, value.clone())]);
        let out = run(TestEvent::config_changed(), state);
        assert_eq!(
            out.unit_status().kind,
            StatusKind::Active,
            "{option}={value}: {}",
            out.unit_status()
        );
    }
}

#[test]
fn extra_listeners_add_listeners_and_substitute_the_unit() {
    reset();
    let client = charm_interfaces::dataplatform::testing::kafka_client_requirer("kafka-client", "orders", "producer");
    let state = with_zookeeper(base(true, 0))
        .config([("extra-listeners", "broker-{unit}.example.com:30000")])
        .relation(client);
    let out = run(TestEvent::config_changed(), state);
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains("EXTRA_SASL_PLAINTEXT_SCRAM_SHA_512_0://broker-0.example.com:39092"),
        "{props}"
    );
    assert!(out
        .state
        .opened_ports
        .contains(&charm_sdk::model::tools::Port::Tcp(39092)));
}
