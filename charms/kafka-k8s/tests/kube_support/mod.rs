//! The in-test Kubernetes API server, shared with the other charms: `charm_kube::testing`
//! (an HTTPS server answering with the API's response shapes; never a real API server).
#![allow(dead_code, unused_imports, unreachable_pub)]

pub use charm_kube::testing::{ApiState, FakeKube, Seen, TOKEN};

/// A fresh API server where the pod `kafka-k8s-0` of namespace `ns` runs on the node
/// `worker-1` (InternalIP 10.0.0.5).
pub fn api_with_unit_pod(ns: &str) -> FakeKube {
    let kube = FakeKube::start();
    kube.add_pod_on_node(
        ns,
        "kafka-k8s-0",
        "worker-1",
        &[("InternalIP", "10.0.0.5"), ("Hostname", "worker-1")],
    );
    kube
}
