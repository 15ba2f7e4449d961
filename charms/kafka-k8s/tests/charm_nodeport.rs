//! `expose-external=nodeport` in-process: the charm applies its NodePort Services through
//! the Kubernetes API (the in-test API server of `kube_support`, never a real one) and
//! renders EXTERNAL listeners advertising the node address and allocated node ports; an
//! untrusted application is Blocked with the `juju trust` command; going back to `false`
//! deletes the Services and the listeners.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;
mod kube_support;

use charm_sdk::model::tools::Port;
use charm_sdk::model::{Status, StatusKind};
use charm_support::kube::{install_kube, run_kube};
use charm_support::*;
use charm_testing::{RunOutput, State, TestEvent};
use kube_support::{api_with_unit_pod, FakeKube, TOKEN};

const NS: &str = "kafka-model";
const LISTENER_SERVICE: &str = "kafka-k8s-0-sasl-plaintext-scram";
const BOOTSTRAP_SERVICE: &str = "kafka-k8s-bootstrap";

/// A fresh API server with this unit's pod on a node, installed for this thread.
fn cluster_api() -> FakeKube {
    reset();
    install_kube(api_with_unit_pod(NS))
}

/// Leader, ZooKeeper answered, one SCRAM client, `expose-external=nodeport`.
fn exposed_world() -> State {
    with_zookeeper(base(true, 0))
        .model(NS, "6b1a3c0e-0000-4000-8000-000000000001")
        .relation(client(7, "orders", "producer"))
        .config([("expose-external", "nodeport")])
}

/// The endpoints published to the client relation (id 7).
fn published_endpoints(out: &RunOutput) -> String {
    let relation = out.state.relations.iter().find(|r| r.id.0 == 7).unwrap();
    relation.local_app_data.get("endpoints").cloned().unwrap_or_default()
}

fn node_port(kube: &FakeKube, service: &str) -> u64 {
    kube.service(NS, service).unwrap()["spec"]["ports"][0]["nodePort"]
        .as_u64()
        .unwrap()
}

#[track_caller]
fn property(props: &str, key: &str) -> String {
    props
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} missing:\n{props}"))
        .to_owned()
}

#[test]
fn nodeport_applies_services_and_renders_external_listeners() {
    let kube = cluster_api();
    let out = run_kube(TestEvent::config_changed(), exposed_world());
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    let mut names = kube.service_names(NS);
    names.sort();
    assert_eq!(names, vec![LISTENER_SERVICE.to_owned(), BOOTSTRAP_SERVICE.to_owned()]);
    let svc = kube.service(NS, LISTENER_SERVICE).unwrap();
    assert_eq!(svc["metadata"]["ownerReferences"][0]["uid"], "pod-uid-kafka-k8s-0");
    assert_eq!(
        svc["spec"]["selector"]["statefulset.kubernetes.io/pod-name"],
        "kafka-k8s-0"
    );
    let boot = kube.service(NS, BOOTSTRAP_SERVICE).unwrap();
    assert_eq!(boot["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");

    let port = node_port(&kube, LISTENER_SERVICE);
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        property(&props, "advertised.listeners")
            .contains(&format!("EXTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://10.0.0.5:{port}")),
        "{props}"
    );
    assert!(property(&props, "listeners").contains("EXTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:29092"));
    assert!(property(&props, "listener.security.protocol.map")
        .contains("EXTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512:SASL_PLAINTEXT"));
    assert!(props.contains("listener.name.external_sasl_plaintext_scram_sha_512.scram-sha-512.sasl.jaas.config="));
    assert!(out.state.opened_ports.contains(&Port::Tcp(29092)));
    // Clients are told to bootstrap from the node through the bootstrap Service.
    let bootstrap_port = boot["spec"]["ports"][0]["nodePort"].as_u64().unwrap();
    assert_eq!(boot["spec"]["ports"][0]["name"], "sasl-plaintext-scram-bootstrap-port");
    assert_eq!(published_endpoints(&out), format!("10.0.0.5:{bootstrap_port}"));
    assert_eq!(
        peer_unit(&out)["external-bootstrap"],
        format!("10.0.0.5:{bootstrap_port}")
    );
    assert!(kube.seen().iter().all(|s| s.authorized));
    assert!(!observable(&out).contains(TOKEN));

    // The next run re-applies and keeps the allocation: the configuration does not change.
    // It costs four requests: pod, node, the bootstrap Service and this unit's one Service.
    let before = kube.seen().len();
    let again = run_kube(TestEvent::update_status(), out.state.clone());
    let during: Vec<String> = kube.seen()[before..]
        .iter()
        .map(|s| format!("{} {}", s.method, s.path.rsplit('/').next().unwrap_or_default()))
        .collect();
    assert_eq!(
        during,
        vec![
            "GET kafka-k8s-0".to_owned(),
            "GET worker-1".to_owned(),
            format!("PATCH {BOOTSTRAP_SERVICE}"),
            format!("PATCH {LISTENER_SERVICE}"),
        ]
    );
    assert_eq!(node_port(&kube, LISTENER_SERVICE), port);
    assert_eq!(file(&again, "/etc/kafka/server.properties").unwrap(), props);
}

#[test]
fn untrusted_application_is_blocked_with_the_trust_command() {
    let kube = cluster_api();
    kube.forbid(true);
    let out = run_kube(TestEvent::config_changed(), exposed_world());
    assert_eq!(
        out.unit_status(),
        &Status::blocked("expose-external=nodeport needs `juju trust kafka-k8s --scope=cluster`")
    );
    // The broker is configured without the EXTERNAL listeners meanwhile.
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(!props.contains("EXTERNAL_"), "{props}");
    assert!(props.contains("CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://"), "{props}");
    assert!(!observable(&out).contains(TOKEN));

    // Once trusted, the next run exposes the broker.
    kube.forbid(false);
    let out = run_kube(TestEvent::config_changed(), out.state.clone());
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    assert!(file(&out, "/etc/kafka/server.properties")
        .unwrap()
        .contains("EXTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://10.0.0.5:"));
}

#[test]
fn back_to_false_deletes_the_services_and_the_listeners() {
    let kube = cluster_api();
    let out = run_kube(TestEvent::config_changed(), exposed_world());
    assert_eq!(kube.service_names(NS).len(), 2);
    let off = out.state.clone().config([("expose-external", "false")]);
    let out = run_kube(TestEvent::config_changed(), off);
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    assert!(kube.service_names(NS).is_empty(), "{:?}", kube.service_names(NS));
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(!props.contains("EXTERNAL_"), "{props}");
    assert!(!out.state.opened_ports.contains(&Port::Tcp(29092)));
    assert_eq!(published_endpoints(&out), "kafka-k8s-0.kafka-k8s-endpoints:9092");
    // Nothing is left to delete: later runs do not call the API at all.
    let calls = kube.seen().len();
    run_kube(TestEvent::update_status(), out.state.clone());
    assert_eq!(kube.seen().len(), calls);
}

#[test]
fn an_api_failure_waits_and_keeps_the_last_allocation() {
    let kube = cluster_api();
    let out = run_kube(TestEvent::config_changed(), exposed_world());
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    kube.fail(true);
    let out = run_kube(TestEvent::update_status(), out.state.clone());
    let status = out.unit_status();
    assert_eq!(status.kind, StatusKind::Waiting, "{status}");
    assert!(
        status
            .message
            .starts_with("expose-external=nodeport: HTTP 500 InternalError"),
        "{status}"
    );
    assert_eq!(
        file(&out, "/etc/kafka/server.properties").unwrap(),
        props,
        "no configuration change, so no rolling restart, for a passing API failure"
    );
}

#[test]
fn stop_deletes_this_units_services_but_not_the_bootstrap() {
    let kube = cluster_api();
    let out = run_kube(TestEvent::config_changed(), exposed_world());
    run_kube(TestEvent::stop(), out.state.clone());
    assert_eq!(kube.service_names(NS), vec![BOOTSTRAP_SERVICE.to_owned()]);
}

#[test]
fn outside_a_pod_nodeport_is_blocked() {
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        return; // this test process runs in a pod: the production client would find the API
    }
    reset();
    let out = run(TestEvent::config_changed(), exposed_world());
    let status = out.unit_status();
    assert_eq!(status.kind, StatusKind::Blocked, "{status}");
    assert!(
        status
            .message
            .starts_with("expose-external=nodeport: not running in a Kubernetes pod"),
        "{status}"
    );
    assert!(
        file(&out, "/etc/kafka/server.properties").is_some(),
        "the broker is still configured"
    );
}

#[test]
fn an_auth_map_no_longer_used_loses_its_service() {
    let kube = cluster_api();
    let out = run_kube(TestEvent::config_changed(), exposed_world());
    let relation = out.state.relations.iter().find(|r| r.id.0 == 7).unwrap().clone();
    let out = run_kube(TestEvent::relation_broken(&relation), out.state.clone());
    assert_eq!(kube.service_names(NS), vec![BOOTSTRAP_SERVICE.to_owned()]);
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(!props.contains("EXTERNAL_"), "{props}");
}
