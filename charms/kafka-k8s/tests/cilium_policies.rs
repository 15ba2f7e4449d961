//! CiliumNetworkPolicy export: golden YAML, and the structure Cilium's CRD expects
//! (`apiVersion cilium.io/v2`, `spec.endpointSelector`, `spec.ingress[].fromEndpoints`,
//! `toPorts[].ports[].{port,protocol}`, `toPorts[].rules.kafka[].{role,topic,apiKey}`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_fixtures;

use kafka_k8s::cilium::{client_policies, client_policy, ClientGrant, PolicyTarget, L7};
use render_fixtures::{check_golden, zk_mtls, zk_plain};
use serde_yaml_ng::Value;

fn grants() -> Vec<ClientGrant> {
    let grant = |id, app: &str, topic: &str, roles: &str| ClientGrant {
        relation_id: id,
        client_app: app.into(),
        client_namespace: None,
        topic: topic.into(),
        extra_user_roles: roles.into(),
    };
    vec![
        grant(12, "billing", "invoices", "producer"),
        grant(7, "analytics", "invoices", "consumer"),
        grant(9, "metrics-shipper", "metrics-*", "producer,consumer"),
        ClientGrant {
            client_namespace: Some("other-model".into()),
            ..grant(15, "ops-console", "invoices", "admin")
        },
    ]
}

fn target(inputs: &kafka_k8s::workload::BrokerInputs) -> PolicyTarget {
    PolicyTarget {
        kafka_app: "kafka-k8s".into(),
        namespace: "prod".into(),
        listeners: inputs.client_listeners(),
    }
}

fn documents(stream: &str) -> Vec<Value> {
    stream
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_yaml_ng::from_str(d).unwrap())
        .collect()
}

#[test]
fn policies_match_golden_files() {
    check_golden(
        "cilium-l7.yaml",
        &client_policies(&target(&zk_plain()), &grants(), L7::Enforce),
    );
    check_golden(
        "cilium-l4-tls.yaml",
        &client_policies(&target(&zk_mtls()), &grants(), L7::Off),
    );
}

#[test]
fn policies_have_the_crd_structure() {
    let docs = documents(&client_policies(&target(&zk_plain()), &grants(), L7::Enforce));
    assert_eq!(docs.len(), 5);
    let names: Vec<&str> = docs.iter().map(|d| d["metadata"]["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "kafka-k8s-cluster",
            "kafka-k8s-relation-7",
            "kafka-k8s-relation-9",
            "kafka-k8s-relation-12",
            "kafka-k8s-relation-15"
        ]
    );
    // The base policy keeps inter-broker traffic and metrics.
    let base = &docs[0]["spec"]["ingress"];
    assert_eq!(
        base[0]["fromEndpoints"][0]["matchLabels"]["app.kubernetes.io/name"],
        "kafka-k8s"
    );
    assert_eq!(base[1]["fromEntities"][0], "cluster");
    assert_eq!(base[1]["toPorts"][0]["ports"][0]["port"], "9101");
    let docs = &docs[1..];
    for doc in docs {
        assert_eq!(doc["apiVersion"], "cilium.io/v2");
        assert_eq!(doc["kind"], "CiliumNetworkPolicy");
        assert_eq!(doc["metadata"]["namespace"], "prod");
        assert_eq!(
            doc["spec"]["endpointSelector"]["matchLabels"]["app.kubernetes.io/name"],
            "kafka-k8s"
        );
        let ingress = doc["spec"]["ingress"].as_sequence().unwrap();
        for port in ingress
            .iter()
            .flat_map(|i| i["toPorts"].as_sequence().into_iter().flatten())
        {
            let ports = port["ports"].as_sequence().unwrap();
            assert!(ports.iter().all(|p| p["port"].is_string() && p["protocol"] == "TCP"));
            if let Some(rules) = port["rules"]["kafka"].as_sequence() {
                for rule in rules {
                    let map = rule.as_mapping().unwrap();
                    assert!(map
                        .keys()
                        .all(|k| ["role", "topic", "apiKey"].contains(&k.as_str().unwrap())));
                    assert!(
                        !(map.contains_key("role") && map.contains_key("apiKey")),
                        "role and apiKey together"
                    );
                    if let Some(role) = rule["role"].as_str() {
                        assert!(["produce", "consume"].contains(&role));
                    }
                }
            }
        }
    }
    // The consumer: consume on its exact topic, from its own pods, on the SASL_PLAINTEXT port.
    let consumer = &docs[0]["spec"]["ingress"][0];
    assert_eq!(
        consumer["fromEndpoints"][0]["matchLabels"]["app.kubernetes.io/name"],
        "analytics"
    );
    assert_eq!(consumer["toPorts"][0]["ports"][0]["port"], "9092");
    let rules = consumer["toPorts"][0]["rules"]["kafka"].as_sequence().unwrap();
    assert!(rules.iter().any(|r| r["role"] == "consume" && r["topic"] == "invoices"));
    // A prefixed topic cannot be named: roles without topic.
    let prefixed = docs[1]["spec"]["ingress"][0]["toPorts"][0]["rules"]["kafka"]
        .as_sequence()
        .unwrap();
    assert!(prefixed
        .iter()
        .any(|r| r["role"] == "produce" && r.get("topic").is_none()));
    // Admin: port-level only, cross-namespace selector.
    let admin = &docs[3]["spec"]["ingress"][0];
    assert!(admin["toPorts"][0].get("rules").is_none());
    assert_eq!(
        admin["fromEndpoints"][0]["matchLabels"]["k8s:io.kubernetes.pod.namespace"],
        "other-model"
    );
}

#[test]
fn tls_ports_never_get_l7_rules() {
    let text = client_policy(&target(&zk_mtls()), &grants()[0], L7::Enforce);
    let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
    let ports = doc["spec"]["ingress"][0]["toPorts"].as_sequence().unwrap();
    let numbers: Vec<&str> = ports.iter().map(|p| p["ports"][0]["port"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["9093", "9094"]);
    assert!(ports.iter().all(|p| p.get("rules").is_none()));
}
