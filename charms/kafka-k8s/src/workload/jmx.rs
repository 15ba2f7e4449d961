//! The Prometheus JMX exporter: the agent flag and its rules.
//!
//! The rock ships `jmx_prometheus_javaagent.jar`; the agent serves `/metrics` on
//! [`super::paths::JMX_EXPORTER_PORT`] (9101, the port `metrics-endpoint`
//! scrapes, as upstream). The rules turn Kafka's MBeans into the `kafka_server_*`,
//! `kafka_controller_*`, `kafka_network_*` … names the charm's alert rules and dashboard use
//! (lower-cased, `…PerSec` counters as `_total`, gauges by `Value`, histograms' percentiles as
//! `quantile` labels), plus the KRaft `raft-metrics` current state.

use super::paths::{JMX_EXPORTER_AGENT, JMX_EXPORTER_CONFIG, JMX_EXPORTER_PORT};

/// `-javaagent:<jar>=<port>:<rules>`.
pub fn javaagent_flag() -> String {
    format!("-javaagent:{JMX_EXPORTER_AGENT}={JMX_EXPORTER_PORT}:{JMX_EXPORTER_CONFIG}")
}

/// One exporter rule.
struct Rule {
    pattern: &'static str,
    name: &'static str,
    kind: &'static str,
    labels: &'static [(&'static str, &'static str)],
    value: Option<&'static str>,
}

const RULES: &[Rule] = &[
    Rule {
        pattern: "kafka.server<type=raft-metrics><>current-state: ([a-z]+)",
        name: "kafka_server_raft_metrics_current_state_info",
        kind: "GAUGE",
        labels: &[("state", "$1")],
        value: Some("1"),
    },
    Rule {
        pattern: "kafka.server<type=(.+), name=(.+), clientId=(.+), topic=(.+), partition=(.*)><>Value",
        name: "kafka_server_$1_$2",
        kind: "GAUGE",
        labels: &[("clientId", "$3"), ("topic", "$4"), ("partition", "$5")],
        value: None,
    },
    Rule {
        pattern: "kafka.server<type=(.+)><>([a-z-]+)-total",
        name: "kafka_server_$1_$2_total",
        kind: "COUNTER",
        labels: &[],
        value: None,
    },
    Rule {
        pattern: "kafka.server<type=(.+)><>([a-z-]+)",
        name: "kafka_server_$1_$2",
        kind: "GAUGE",
        labels: &[],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*, (.+)=(.+), (.+)=(.+)><>Count",
        name: "kafka_$1_$2_$3_total",
        kind: "COUNTER",
        labels: &[("$4", "$5"), ("$6", "$7")],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*, (.+)=(.+)><>Count",
        name: "kafka_$1_$2_$3_total",
        kind: "COUNTER",
        labels: &[("$4", "$5")],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*><>Count",
        name: "kafka_$1_$2_$3_total",
        kind: "COUNTER",
        labels: &[],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+)Percent\\w*><>MeanRate",
        name: "kafka_$1_$2_$3_percent",
        kind: "GAUGE",
        labels: &[],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+), (.+)=(.+)><>Value",
        name: "kafka_$1_$2_$3",
        kind: "GAUGE",
        labels: &[("$4", "$5"), ("$6", "$7")],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+)><>Value",
        name: "kafka_$1_$2_$3",
        kind: "GAUGE",
        labels: &[("$4", "$5")],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+)><>Value",
        name: "kafka_$1_$2_$3",
        kind: "GAUGE",
        labels: &[],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+)><>Count",
        name: "kafka_$1_$2_$3_count",
        kind: "COUNTER",
        labels: &[("$4", "$5")],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+)><>Count",
        name: "kafka_$1_$2_$3_count",
        kind: "COUNTER",
        labels: &[],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.*)><>(\\d+)thPercentile",
        name: "kafka_$1_$2_$3",
        kind: "GAUGE",
        labels: &[("$4", "$5"), ("quantile", "0.$6")],
        value: None,
    },
    Rule {
        pattern: "kafka.(\\w+)<type=(.+), name=(.+)><>(\\d+)thPercentile",
        name: "kafka_$1_$2_$3",
        kind: "GAUGE",
        labels: &[("quantile", "0.$4")],
        value: None,
    },
];

/// `jmx_prometheus.yaml`.
pub fn jmx_exporter_config() -> String {
    let mut out = String::from("lowercaseOutputName: true\nlowercaseOutputLabelNames: false\nrules:\n");
    for rule in RULES {
        out.push_str(&format!("  - pattern: '{}'\n", rule.pattern));
        out.push_str(&format!("    name: {}\n", rule.name));
        out.push_str(&format!("    type: {}\n", rule.kind));
        if let Some(value) = rule.value {
            out.push_str(&format!("    value: {value}\n"));
        }
        if !rule.labels.is_empty() {
            out.push_str("    labels:\n");
            for (key, value) in rule.labels {
                out.push_str(&format!("      \"{key}\": \"{value}\"\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exporter_config_is_yaml_with_every_rule() {
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&jmx_exporter_config()).unwrap();
        let rules = doc["rules"].as_sequence().unwrap();
        assert_eq!(rules.len(), RULES.len());
        assert_eq!(rules[1]["labels"]["topic"], "$4");
        assert_eq!(rules[3]["pattern"], "kafka.server<type=(.+)><>([a-z-]+)");
        assert_eq!(
            javaagent_flag(),
            "-javaagent:/opt/kafka/libs/jmx_prometheus_javaagent.jar=9101:/etc/kafka/jmx_prometheus.yaml"
        );
    }
}
