//! Golden files for everything rendered for the broker, one set per scenario (ZooKeeper mode
//! plain SCRAM, TLS, mTLS, OAuth; KRaft combined, split broker, split controller), byte for
//! byte. No Kafka broker can run on this machine, so these files — reviewed against the
//! Python charm's renderers — plus `config_keys.rs` are what pins the broker's configuration.
//! `UPDATE_GOLDEN=1 cargo test -p kafka-k8s --test render_golden` regenerates them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_fixtures;

use kafka_k8s::workload::{
    broker_logging, client_properties, jmx_exporter_config, kafka_layer, render_all, server_properties,
    service_environment, tools_logging, zookeeper_jaas, KafkaLine, Metadata,
};
use render_fixtures::{brokers, check_golden, scenarios};

#[test]
fn server_properties_match_golden_files() {
    for (name, inputs) in scenarios() {
        let text = server_properties(&inputs).unwrap().render();
        assert!(text.ends_with('\n'), "{name}");
        assert_eq!(
            text,
            server_properties(&inputs).unwrap().render(),
            "{name} is not deterministic"
        );
        check_golden(&format!("{name}.server.properties"), &text);
    }
}

#[test]
fn client_properties_match_golden_files() {
    for (name, inputs) in scenarios() {
        if !inputs.roles.broker {
            continue;
        }
        let text = client_properties(&inputs, &brokers(&inputs)).unwrap().render();
        check_golden(&format!("{name}.client.properties"), &text);
    }
}

#[test]
fn kraft_client_properties_match_golden_files() {
    // What `kafka-metadata-quorum.sh add-controller` reads on a controller (quorum_tool).
    for (name, inputs) in scenarios() {
        match kafka_k8s::workload::quorum_tool::kraft_client_properties(&inputs).unwrap() {
            Some(props) => {
                let text = props.render();
                assert!(
                    text.starts_with(&server_properties(&inputs).unwrap().render()),
                    "{name}"
                );
                check_golden(&format!("{name}.kraft-client.properties"), &text);
            }
            None => assert!(!inputs.runs_controller(), "{name}"),
        }
    }
}

#[test]
fn zookeeper_jaas_matches_golden_file() {
    let (_, inputs) = scenarios().remove(0);
    let Metadata::ZooKeeper(zk) = &inputs.metadata else {
        panic!("zk scenario")
    };
    check_golden("zk-plain-scram.zookeeper-jaas.cfg", &zookeeper_jaas(zk).unwrap());
}

#[test]
fn environment_and_layer_match_golden_files() {
    for (name, inputs) in scenarios() {
        let env: String = service_environment(&inputs)
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        check_golden(&format!("{name}.env"), &env);
    }
    let (_, zk) = scenarios().remove(0);
    let layer = kafka_layer(&zk);
    assert!(layer.validate("kafka").is_ok(), "{:?}", layer.validate("kafka"));
    check_golden("zk-plain-scram.layer.yaml", &layer.to_yaml());
}

#[test]
fn logging_and_metrics_match_golden_files() {
    check_golden("log4j.properties", &broker_logging(KafkaLine::V3_9, "INFO"));
    check_golden("log4j2.yaml", &broker_logging(KafkaLine::V4, "INFO"));
    check_golden("tools-log4j.properties", &tools_logging(KafkaLine::V3_9));
    check_golden("tools-log4j2.yaml", &tools_logging(KafkaLine::V4));
    check_golden("jmx_prometheus.yaml", &jmx_exporter_config());
}

#[test]
fn render_all_lists_the_files_of_each_mode() {
    let all = scenarios();
    for (name, inputs) in &all {
        let files = render_all(inputs, &brokers(inputs)).unwrap().files;
        let zk = matches!(inputs.metadata, Metadata::ZooKeeper(_));
        assert_eq!(files.contains_key("/etc/kafka/zookeeper-jaas.cfg"), zk, "{name}");
        assert_eq!(
            files.contains_key("/etc/kafka/log4j.properties"),
            inputs.kafka == KafkaLine::V3_9,
            "{name}"
        );
        assert_eq!(
            files.contains_key("/etc/kafka/log4j2.yaml"),
            inputs.kafka == KafkaLine::V4,
            "{name}"
        );
        assert_eq!(
            files.contains_key("/etc/kafka/client.properties"),
            inputs.roles.broker,
            "{name}"
        );
        for (path, content) in files {
            assert!(content.ends_with('\n'), "{name}: {path} does not end with a newline");
        }
    }
}
