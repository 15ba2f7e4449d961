//! The Kubernetes API client against the in-test HTTPS API server (`kube_support`): the
//! calls the charm makes, their paths, content types and authentication, and how refusals
//! (Status objects) come back. Never run against a real API server. The client's own tests
//! (TLS, tokens, unreachable servers, StatefulSets) are in `charm-sdk/kube/tests`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod kube_support;

use kafka_k8s::kube::services::{self, listener_node_port};
use kafka_k8s::kube::KubeError;
use kafka_k8s::workload::AuthMap;
use kube_support::{api_with_unit_pod, FakeKube, TOKEN};

const NS: &str = "kafka-model";

fn server() -> FakeKube {
    api_with_unit_pod(NS)
}

#[test]
fn reads_pod_and_node_with_the_bearer_token() {
    let kube = server();
    let client = kube.client(NS);
    let pod = client.get_pod("kafka-k8s-0").unwrap();
    let facts = services::pod_facts(&pod).unwrap();
    assert_eq!(facts.uid, "pod-uid-kafka-k8s-0");
    assert_eq!(facts.node_name, "worker-1");
    assert_eq!(facts.owner_references[0]["kind"], "StatefulSet");
    let node = client.get_node(&facts.node_name).unwrap();
    assert_eq!(services::node_address(&node).as_deref(), Some("10.0.0.5"));
    let seen = kube.seen();
    assert_eq!(
        seen.iter()
            .map(|s| (s.method.as_str(), s.path.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("GET", "/api/v1/namespaces/kafka-model/pods/kafka-k8s-0"),
            ("GET", "/api/v1/nodes/worker-1"),
        ]
    );
    assert!(seen.iter().all(|s| s.authorized));
}

#[test]
fn apply_allocates_node_ports_and_keeps_them_on_reapply() {
    let kube = server();
    let client = kube.client(NS);
    let manifest = services::listener_service(NS, "kafka-k8s-0", "pod-uid-kafka-k8s-0", AuthMap::SASL_PLAINTEXT_SCRAM);
    let applied = client.apply_service(&manifest, "kafka-k8s-0").unwrap();
    let port = listener_node_port(&applied, "kafka-k8s-0", AuthMap::SASL_PLAINTEXT_SCRAM).unwrap();
    assert!((30000..=32767).contains(&port), "{port}");
    let again = client.apply_service(&manifest, "kafka-k8s-0").unwrap();
    assert_eq!(
        listener_node_port(&again, "kafka-k8s-0", AuthMap::SASL_PLAINTEXT_SCRAM),
        Some(port),
        "re-applying keeps the allocation"
    );
    let last = kube.seen().pop().unwrap();
    assert_eq!(last.method, "PATCH");
    assert_eq!(
        last.path,
        "/api/v1/namespaces/kafka-model/services/kafka-k8s-0-sasl-plaintext-scram"
    );
    assert_eq!(last.content_type, "application/apply-patch+yaml");
    assert_eq!(last.query, "fieldManager=kafka-k8s-0&force=true");
    let stored = client.get_service("kafka-k8s-0-sasl-plaintext-scram").unwrap().unwrap();
    assert_eq!(stored["spec"]["ports"][0]["nodePort"].as_u64(), Some(u64::from(port)));
    assert_eq!(client.get_service("kafka-k8s-9-ssl-ssl").unwrap(), None);
}

#[test]
fn apply_by_another_manager_is_forced_not_refused() {
    let kube = server();
    let client = kube.client(NS);
    let bootstrap = services::bootstrap_service(NS, "kafka-k8s", &[]);
    let first = client.apply_service(&bootstrap, "kafka-k8s-1").unwrap();
    let second = client.apply_service(&bootstrap, "kafka-k8s").unwrap();
    assert_eq!(
        services::bootstrap_node_ports(&first),
        services::bootstrap_node_ports(&second)
    );
    assert_eq!(services::bootstrap_node_ports(&second).len(), 5);
}

#[test]
fn delete_reports_whether_it_existed() {
    let kube = server();
    let client = kube.client(NS);
    let manifest = services::listener_service(NS, "kafka-k8s-0", "u", AuthMap::SSL);
    client.apply_service(&manifest, "kafka-k8s-0").unwrap();
    assert!(client.delete_service("kafka-k8s-0-ssl-ssl").unwrap());
    assert!(
        !client.delete_service("kafka-k8s-0-ssl-ssl").unwrap(),
        "404 is not an error"
    );
    assert!(kube.service_names(NS).is_empty());
}

#[test]
fn refusals_of_service_calls_carry_the_status_and_never_the_token() {
    let kube = server();
    let client = kube.client(NS);
    match client.get_pod("kafka-k8s-7") {
        Err(KubeError::Api {
            code: 404,
            reason,
            message,
            ..
        }) => {
            assert_eq!(reason, "NotFound");
            assert_eq!(message, "pods \"kafka-k8s-7\" not found");
        }
        other => panic!("{other:?}"),
    }
    kube.forbid(true);
    let e = client.get_node("worker-1").unwrap_err();
    assert!(
        matches!(&e, KubeError::Forbidden(m) if m.contains("cannot get resource \"nodes\"")),
        "{e}"
    );
    assert_eq!(e.code(), Some(403));
    let e = client
        .apply_service(&services::bootstrap_service(NS, "kafka-k8s", &[]), "kafka-k8s")
        .unwrap_err();
    assert!(matches!(e, KubeError::Forbidden(_)), "{e}");
    for text in [format!("{e}"), format!("{e:?}"), format!("{client:?}")] {
        assert!(!text.contains(TOKEN), "{text}");
    }
}
