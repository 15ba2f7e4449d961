//! The client against the in-test HTTPS API server (`charm_kube::testing`): paths, content
//! types, authentication, how refusals (Status objects) come back, the StatefulSet partition
//! patch. Never run against a real API server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use charm_kube::statefulset::PARTITION_PATCH_CONTENT_TYPE;
use charm_kube::testing::{FakeKube, TOKEN};
use charm_kube::{KubeClient, KubeError, MAX_RESPONSE_BYTES};
use serde_json::json;

const NS: &str = "kafka-model";

fn server() -> FakeKube {
    let kube = FakeKube::start();
    kube.add_pod_on_node(NS, "zookeeper-k8s-0", "worker-1", &[("InternalIP", "10.0.0.5")]);
    kube.add_statefulset(NS, "zookeeper-k8s", 3);
    kube
}

#[test]
fn the_partition_patch_is_lightkubes_strategic_merge_patch() {
    let kube = server();
    let client = kube.client(NS);
    assert_eq!(client.statefulset_partition("zookeeper-k8s").unwrap(), None);
    assert_eq!(client.set_statefulset_partition("zookeeper-k8s", 2).unwrap(), 2);
    assert_eq!(client.statefulset_partition("zookeeper-k8s").unwrap(), Some(2));
    assert_eq!(kube.partition(NS, "zookeeper-k8s"), Some(2));
    let patches = kube.patches();
    assert_eq!(patches.len(), 1);
    let patch = &patches[0];
    assert_eq!(
        patch.path,
        "/apis/apps/v1/namespaces/kafka-model/statefulsets/zookeeper-k8s"
    );
    assert_eq!(patch.query, "");
    assert_eq!(patch.content_type, PARTITION_PATCH_CONTENT_TYPE);
    assert_eq!(patch.content_type, "application/strategic-merge-patch+json");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&patch.body).unwrap(),
        json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 2}}}})
    );
    assert!(patch.authorized);
    // The rest of the object is untouched by the patch.
    let sts = client.get_statefulset("zookeeper-k8s").unwrap();
    assert_eq!(sts["spec"]["replicas"], 3);
    assert_eq!(sts["spec"]["updateStrategy"]["type"], "RollingUpdate");
    client.set_statefulset_partition("zookeeper-k8s", 0).unwrap();
    assert_eq!(kube.partition(NS, "zookeeper-k8s"), Some(0));
}

#[test]
fn a_missing_statefulset_is_a_404_with_its_request() {
    let kube = server();
    let e = kube.client(NS).set_statefulset_partition("kafka-k8s", 1).unwrap_err();
    match &e {
        KubeError::Api {
            request,
            code: 404,
            reason,
            message,
        } => {
            assert_eq!(
                request,
                "PATCH /apis/apps/v1/namespaces/kafka-model/statefulsets/kafka-k8s"
            );
            assert_eq!(reason, "NotFound");
            assert_eq!(message, "statefulsets \"kafka-k8s\" not found");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "HTTP 404 NotFound: statefulsets \"kafka-k8s\" not found \
         (PATCH /apis/apps/v1/namespaces/kafka-model/statefulsets/kafka-k8s)"
    );
}

#[test]
fn generic_primitives_get_patch_delete() {
    let kube = server();
    let client = kube.client(NS);
    let path = client.namespaced_path("api/v1", "pods", "zookeeper-k8s-0").unwrap();
    assert_eq!(path, "/api/v1/namespaces/kafka-model/pods/zookeeper-k8s-0");
    assert_eq!(client.get(&path).unwrap()["spec"]["nodeName"], "worker-1");
    assert_eq!(
        client.get_optional(&client.statefulset_path("nope").unwrap()).unwrap(),
        None
    );
    let merged = client
        .patch(
            &client.statefulset_path("zookeeper-k8s").unwrap(),
            "application/merge-patch+json",
            &json!({"spec": {"replicas": 5}}),
        )
        .unwrap();
    assert_eq!(merged["spec"]["replicas"], 5);
    let e = client
        .patch(
            &client.statefulset_path("zookeeper-k8s").unwrap(),
            "text/plain",
            &json!({}),
        )
        .unwrap_err();
    assert_eq!(e.code(), Some(415), "{e}");
    assert!(client.namespaced_path("api/v1", "pods", "../secrets").is_err());
}

#[test]
fn answers_larger_than_the_limit_are_refused() {
    let kube = server();
    let client = kube.client(NS);
    kube.oversize(Some(MAX_RESPONSE_BYTES + 1));
    let e = client.get_node("worker-1").unwrap_err();
    assert!(
        matches!(&e, KubeError::Protocol(m) if m.contains("GET /api/v1/nodes/worker-1 is larger than 8 MiB")),
        "{e}"
    );
    // At the limit the body is read (and then refused only for not being JSON).
    kube.oversize(Some(MAX_RESPONSE_BYTES));
    let e = client.get_node("worker-1").unwrap_err();
    assert!(matches!(&e, KubeError::Protocol(m) if m.contains("not JSON")), "{e}");
    kube.oversize(None);
}

#[test]
fn refusals_carry_the_status_and_never_the_token() {
    let kube = server();
    let client = kube.client(NS);
    kube.forbid(true);
    let e = client.set_statefulset_partition("zookeeper-k8s", 2).unwrap_err();
    assert!(
        matches!(&e, KubeError::Forbidden(m) if m.starts_with("PATCH /apis/apps/v1/namespaces/kafka-model/statefulsets/zookeeper-k8s: ")
            && m.contains("cannot patch resource \"statefulsets\" in API group \"apps\"")),
        "{e}"
    );
    assert_eq!(e.code(), Some(403));
    kube.forbid(false);
    kube.fail(true);
    let e = client.get_node("worker-1").unwrap_err();
    assert!(matches!(&e, KubeError::Api { code: 500, .. }), "{e}");
    kube.fail(false);
    let wrong = kube.client_with_token(NS, "not-the-token");
    let e = wrong.get_statefulset("zookeeper-k8s").unwrap_err();
    assert!(matches!(&e, KubeError::Api { code: 401, .. }), "{e}");
    let endpoint = kube.endpoint(NS, TOKEN);
    for text in [
        format!("{e}"),
        format!("{e:?}"),
        format!("{client:?}"),
        format!("{wrong:?}"),
        format!("{endpoint:?}"),
    ] {
        assert!(!text.contains(TOKEN) && !text.contains("not-the-token"), "{text}");
    }
    assert_eq!(kube.partition(NS, "zookeeper-k8s"), None, "nothing was patched");
}

#[test]
fn an_untrusted_server_certificate_is_refused_before_anything_is_sent() {
    let kube = server();
    let other = FakeKube::start();
    let mut endpoint = kube.endpoint(NS, TOKEN);
    endpoint.ca_pem = other.ca_pem.clone();
    let client = KubeClient::new(endpoint).unwrap();
    let e = client.set_statefulset_partition("zookeeper-k8s", 2).unwrap_err();
    assert!(matches!(&e, KubeError::Connection(m) if m.contains("TLS")), "{e}");
    assert!(kube.seen().is_empty(), "nothing was sent, the token included");
}

#[test]
fn an_unreachable_server_is_a_connection_error() {
    let kube = server();
    let mut endpoint = kube.endpoint(NS, TOKEN);
    // A port nothing listens on: bind one and drop it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    endpoint.port = port;
    let e = KubeClient::new(endpoint)
        .unwrap()
        .get_pod("zookeeper-k8s-0")
        .unwrap_err();
    assert!(matches!(e, KubeError::Connection(_)), "{e}");
}

#[test]
fn outside_a_pod_in_cluster_says_so() {
    if charm_kube::in_pod() {
        return; // Running inside Kubernetes: nothing to check here.
    }
    let e = KubeClient::in_cluster(NS, "test").unwrap_err();
    assert!(matches!(e, KubeError::NotInCluster(_)), "{e}");
}
