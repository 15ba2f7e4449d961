//! Every key of every rendered `server.properties` is a broker config key of the pinned Kafka
//! version, and the listener settings are consistent the way Kafka checks them at start-up.
//!
//! The key lists are extracted from Kafka's own config definitions (see `testdata/README.md`):
//! Kafka 3.9.0 for ZooKeeper mode (and 3.9 KRaft), Kafka 4.0 for KRaft on Kafka 4.
//! Listener-scoped keys (`listener.name.<listener>.[<mechanism>.]<key>`) are checked by their
//! suffix, and the listener must be one the file defines. Two keys are not in `KafkaConfig`
//! but are read by the configured authorizer from the same properties (3.9
//! `core/src/main/scala/kafka/security/authorizer/AclAuthorizer.scala` `SuperUsersProp`,
//! `AllowEveryoneIfNoAclIsFoundProp`; 4.x `metadata/src/main/java/org/apache/kafka/metadata/
//! authorizer/StandardAuthorizer.java` `SUPER_USERS_CONFIG`,
//! `ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_fixtures;

use std::collections::{BTreeMap, BTreeSet};

use kafka_k8s::workload::properties::parse;
use kafka_k8s::workload::{server_properties, BrokerInputs, KafkaLine};
use render_fixtures::scenarios;

const AUTHORIZER_KEYS: [&str; 2] = ["super.users", "allow.everyone.if.no.acl.found"];
const SASL_MECHANISMS: [&str; 3] = ["scram-sha-512", "scram-sha-256", "oauthbearer"];

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

fn keys_for(kafka: KafkaLine) -> BTreeSet<String> {
    match kafka {
        KafkaLine::V3_9 => key_list("kafka-3.9.0-broker-config-keys.txt"),
        KafkaLine::V4 => key_list("kafka-4.0-broker-config-keys.txt"),
    }
}

/// `NAME://host:port,...` → names.
fn listener_names(value: &str) -> Vec<String> {
    value
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|l| l.split_once("://").map(|(n, _)| n.to_owned()).unwrap_or_default())
        .collect()
}

fn rendered(inputs: &BrokerInputs) -> (Vec<(String, String)>, BTreeMap<String, String>) {
    let pairs = parse(&server_properties(inputs).unwrap().render());
    let map = pairs.iter().cloned().collect();
    (pairs, map)
}

#[test]
fn key_lists_are_sane() {
    let v39 = keys_for(KafkaLine::V3_9);
    let v4 = keys_for(KafkaLine::V4);
    assert!(v39.len() > 300 && v4.len() > 250, "{} {}", v39.len(), v4.len());
    for key in [
        "listeners",
        "zookeeper.connect",
        "inter.broker.protocol.version",
        "authorizer.class.name",
    ] {
        assert!(v39.contains(key), "{key} missing from 3.9");
    }
    for key in ["zookeeper.connect", "inter.broker.protocol.version"] {
        assert!(!v4.contains(key), "{key} should be gone in 4.0");
    }
    for key in [
        "controller.quorum.bootstrap.servers",
        "process.roles",
        "node.id",
        "metadata.log.dir",
    ] {
        assert!(v39.contains(key) && v4.contains(key), "{key}");
    }
}

/// The keys of `pairs` that are neither broker keys nor listener-scoped broker keys of a
/// listener the file defines.
fn unknown_keys(pairs: &[(String, String)], known: &BTreeSet<String>) -> Vec<String> {
    let map: BTreeMap<&str, &str> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut listeners: BTreeSet<String> = listener_names(map.get("listeners").copied().unwrap_or(""))
        .into_iter()
        .map(|n| n.to_lowercase())
        .collect();
    if let Some(controllers) = map.get("controller.listener.names") {
        listeners.extend(controllers.split(',').map(str::to_lowercase));
    }
    let mut unknown = Vec::new();
    for (key, _) in pairs {
        if known.contains(key) || AUTHORIZER_KEYS.contains(&key.as_str()) {
            continue;
        }
        let scoped = key.strip_prefix("listener.name.").and_then(|rest| rest.split_once('.'));
        let Some((listener, suffix)) = scoped else {
            unknown.push(key.clone());
            continue;
        };
        let suffix = SASL_MECHANISMS
            .iter()
            .find_map(|m| suffix.strip_prefix(&format!("{m}.")))
            .unwrap_or(suffix);
        if !listeners.contains(listener) || !known.contains(suffix) {
            unknown.push(key.clone());
        }
    }
    unknown
}

#[test]
fn every_rendered_key_is_a_broker_config_key() {
    for (name, inputs) in scenarios() {
        let (pairs, _) = rendered(&inputs);
        let unknown = unknown_keys(&pairs, &keys_for(inputs.kafka));
        assert!(
            unknown.is_empty(),
            "{name}: not Kafka {:?} broker keys: {unknown:?}",
            inputs.kafka
        );
    }
}

#[test]
fn the_check_catches_what_upstream_got_wrong() {
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let pairs = vec![
        pair("listeners", "CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:9092"),
        // Upstream writes these from config options; they are no Kafka keys.
        pair("network.bandwidth", "50000"),
        pair("cruisecontrol.balance.threshold", "1.1"),
        // Listener-scoped: a real suffix on a defined listener passes, others do not.
        pair(
            "listener.name.client_sasl_plaintext_scram_sha_512.scram-sha-512.sasl.jaas.config",
            "x",
        ),
        pair("listener.name.client_sasl_plaintext_scram_sha_512.no.such.key", "x"),
        pair("listener.name.undefined_listener.sasl.enabled.mechanisms", "x"),
    ];
    let unknown = unknown_keys(&pairs, &keys_for(KafkaLine::V3_9));
    assert_eq!(
        unknown,
        [
            "network.bandwidth",
            "cruisecontrol.balance.threshold",
            "listener.name.client_sasl_plaintext_scram_sha_512.no.such.key",
            "listener.name.undefined_listener.sasl.enabled.mechanisms"
        ]
    );
    // Kafka 4 dropped ZooKeeper and the inter-broker protocol version.
    let v4 = unknown_keys(
        &[
            pair("zookeeper.connect", "h:2181"),
            pair("inter.broker.protocol.version", "3.9"),
        ],
        &keys_for(KafkaLine::V4),
    );
    assert_eq!(v4.len(), 2);
}

#[test]
fn no_key_is_written_twice() {
    for (name, inputs) in scenarios() {
        let (pairs, _) = rendered(&inputs);
        let mut seen = BTreeSet::new();
        for (key, _) in pairs {
            assert!(seen.insert(key.clone()), "{name}: {key} written twice");
        }
    }
}

#[test]
fn listeners_are_consistent_as_kafka_requires() {
    for (name, inputs) in scenarios() {
        let (_, p) = rendered(&inputs);
        let protocols: BTreeMap<String, String> = p["listener.security.protocol.map"]
            .split(',')
            .map(|e| {
                let (n, proto) = e.split_once(':').unwrap();
                (n.to_owned(), proto.to_owned())
            })
            .collect();
        let valid = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
        assert!(
            protocols.values().all(|p| valid.contains(&p.as_str())),
            "{name}: {protocols:?}"
        );
        let bound = listener_names(&p["listeners"]);
        let mut ports = BTreeSet::new();
        for entry in p["listeners"].split(',') {
            let name_of = entry.split_once("://").unwrap().0;
            assert!(protocols.contains_key(name_of), "{name}: {name_of} has no protocol");
            let port = entry.rsplit_once(':').unwrap().1;
            assert!(ports.insert(port.to_owned()), "{name}: port {port} bound twice");
        }
        for listener in listener_names(p.get("advertised.listeners").map_or("", String::as_str)) {
            assert!(bound.contains(&listener), "{name}: advertised {listener} is not bound");
        }
        assert!(
            !p.get("advertised.listeners").is_some_and(|a| a.contains("0.0.0.0")),
            "{name}"
        );
        if let Some(inter) = p.get("inter.broker.listener.name") {
            assert!(
                listener_names(&p["advertised.listeners"]).contains(inter),
                "{name}: {inter}"
            );
        }
        if let Some(controllers) = p.get("controller.listener.names") {
            for c in controllers.split(',') {
                assert!(protocols.contains_key(c), "{name}: controller {c} has no protocol");
                if inputs.roles.controller {
                    assert!(bound.iter().any(|b| b == c), "{name}: controller {c} not bound");
                }
            }
        }
        // Every TLS listener has stores, globally or per listener.
        for (listener, protocol) in &protocols {
            if protocol.contains("SSL") && bound.contains(listener) {
                let prefix = format!("listener.name.{}.", listener.to_lowercase());
                assert!(
                    p.contains_key("ssl.keystore.location")
                        || p.contains_key(&format!("{prefix}ssl.keystore.location")),
                    "{name}: {listener} has no keystore"
                );
            }
        }
    }
}
