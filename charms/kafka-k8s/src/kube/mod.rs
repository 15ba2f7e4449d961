//! The Kubernetes API, for `expose-external=nodeport`: the per-broker and bootstrap NodePort
//! Services ([`services`], pure), sent with the workspace's in-cluster client
//! ([`charm_kube`], re-exported here), which also patches the StatefulSet partition of
//! in-place upgrades ([`crate::upgrade`]).
//!
//! The charm talks to the API with the pod's service account, which Juju only grants the
//! needed rights after `juju trust <app> --scope=cluster` (reading Nodes is cluster-wide).
//! A refusal (HTTP 403) is therefore reported as Blocked with that command, not as a hook
//! error. No Kubernetes API server was available where this was written: the client is
//! tested against an in-test HTTPS server that answers with the API's response shapes
//! (`charm_kube::testing`, `tests/kube_client.rs`), never against a real cluster.

pub mod services;

pub use charm_kube::{KubeClient, KubeEndpoint, KubeError};

/// The `User-Agent` of the charm's API requests.
pub const USER_AGENT: &str = "kafka-k8s-charm";
