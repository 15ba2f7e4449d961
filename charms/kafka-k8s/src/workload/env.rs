//! The broker's environment and its Pebble layer.
//!
//! Kafka's start scripts read `KAFKA_HEAP_OPTS`, `KAFKA_JVM_PERFORMANCE_OPTS`,
//! `KAFKA_LOG4J_OPTS` and `KAFKA_OPTS` from the environment (`bin/kafka-run-class.sh`). The
//! Python charm wrote most of them to `/etc/environment`, which Pebble never reads, so on
//! Kubernetes only `KAFKA_OPTS` from the layer reached the JVM and the heap stayed at the
//! script's default 1 GiB. Here every variable is part of the Pebble service, so what the
//! charm computes is what the JVM gets.

use std::collections::BTreeMap;

use charm_sdk::model::pebble::{Layer, Service};

use super::inputs::{BrokerInputs, KafkaLine, Metadata, Proxy};
use super::jmx::javaagent_flag;
use super::paths::{LOG4J2_YAML, LOG4J_PROPERTIES, LOG_DIR, SERVER_PROPERTIES, SERVER_START, ZK_JAAS};

/// The Pebble service name.
pub const SERVICE: &str = "kafka";
/// The workload user and group in the rock.
pub const WORKLOAD_USER: &str = "kafka";

/// G1 settings of the Python charm (`jvm_performance_opts`) plus the two flags of Kafka's own
/// default that setting the variable would otherwise drop.
const JVM_PERFORMANCE_OPTS: [&str; 9] = [
    "-XX:MetaspaceSize=96m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:G1HeapRegionSize=16M",
    "-XX:MinMetaspaceFreeRatio=50",
    "-XX:MaxMetaspaceFreeRatio=80",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
];

/// `KAFKA_OPTS`: the ZooKeeper JAAS file (ZooKeeper mode), the JMX exporter agent (when the
/// image has it) and proxy properties.
pub fn kafka_opts(inputs: &BrokerInputs) -> String {
    let mut opts = Vec::new();
    if let Metadata::ZooKeeper(_) = inputs.metadata {
        opts.push(format!("-Djava.security.auth.login.config={ZK_JAAS}"));
    }
    if inputs.jmx_exporter {
        opts.push(javaagent_flag());
    }
    opts.extend(proxy_opts(&inputs.proxy));
    opts.join(" ")
}

/// `-Dhttp(s).proxyHost/Port` and `-Dhttp.nonProxyHosts`, as upstream derives them.
pub fn proxy_opts(proxy: &Proxy) -> Vec<String> {
    let mut out = Vec::new();
    for (scheme, value) in [("http", &proxy.http), ("https", &proxy.https)] {
        let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let hostport = value
            .strip_prefix("http://")
            .or_else(|| value.strip_prefix("https://"))
            .unwrap_or(value)
            .trim_end_matches('/');
        let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "8080"));
        out.push(format!("-D{scheme}.proxyHost={host}"));
        out.push(format!("-D{scheme}.proxyPort={port}"));
    }
    if let Some(no_proxy) = proxy.no_proxy.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        // Java separates non-proxy hosts with '|', Juju with ','.
        out.push(format!("-Dhttp.nonProxyHosts={}", no_proxy.replace(',', "|")));
    }
    out
}

/// `KAFKA_LOG4J_OPTS` for the broker.
pub fn log4j_opts(kafka: KafkaLine) -> String {
    match kafka {
        KafkaLine::V3_9 => format!("-Dlog4j.configuration=file:{LOG4J_PROPERTIES}"),
        KafkaLine::V4 => format!("-Dlog4j2.configurationFile={LOG4J2_YAML}"),
    }
}

/// Every environment variable of the broker service.
pub fn service_environment(inputs: &BrokerInputs) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("KAFKA_OPTS".to_owned(), kafka_opts(inputs));
    env.insert(
        "KAFKA_HEAP_OPTS".to_owned(),
        format!("-Xms{0}G -Xmx{0}G", inputs.heap.gib),
    );
    env.insert("KAFKA_JVM_PERFORMANCE_OPTS".to_owned(), JVM_PERFORMANCE_OPTS.join(" "));
    env.insert("KAFKA_LOG4J_OPTS".to_owned(), log4j_opts(inputs.kafka));
    env.insert("LOG_DIR".to_owned(), LOG_DIR.to_owned());
    if let Some(java_home) = &inputs.java_home {
        env.insert("JAVA_HOME".to_owned(), java_home.clone());
    }
    env
}

/// The Pebble layer running the broker (or controller) with [`service_environment`].
pub fn kafka_layer(inputs: &BrokerInputs) -> Layer {
    let mut service = Service::replace(format!("{SERVER_START} {SERVER_PROPERTIES}")).enabled();
    for (key, value) in service_environment(inputs) {
        service = service.env(key, value);
    }
    service.summary = Some("Apache Kafka".to_owned());
    service.user = Some(WORKLOAD_USER.to_owned());
    service.group = Some(WORKLOAD_USER.to_owned());
    Layer {
        summary: Some("kafka layer".to_owned()),
        ..Layer::default()
    }
    .with_service(SERVICE, service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_become_java_properties() {
        let proxy = Proxy {
            http: Some("http://squid.internal:3128".into()),
            https: Some("proxy.internal".into()),
            no_proxy: Some("10.0.0.0/8,.svc".into()),
        };
        assert_eq!(
            proxy_opts(&proxy),
            [
                "-Dhttp.proxyHost=squid.internal",
                "-Dhttp.proxyPort=3128",
                "-Dhttps.proxyHost=proxy.internal",
                "-Dhttps.proxyPort=8080",
                "-Dhttp.nonProxyHosts=10.0.0.0/8|.svc"
            ]
        );
        assert!(proxy_opts(&Proxy::default()).is_empty());
    }
}
