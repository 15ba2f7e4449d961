//! A small blocking Kubernetes API client for charms running in their pod.
//!
//! - [`KubeClient::in_cluster`]: the pod's own access (`KUBERNETES_SERVICE_HOST`/`_PORT`, the
//!   mounted service-account token and cluster CA); [`in_pod`] tells whether there is one.
//! - Primitives: [`KubeClient::get`], [`KubeClient::patch`], [`KubeClient::apply`] (server-side
//!   apply), [`KubeClient::delete`]; typed helpers for Pods, Nodes and Services.
//! - [`statefulset`]: the `spec.updateStrategy.rollingUpdate.partition` of a StatefulSet, read
//!   and patched as the data-platform charms do with lightkube.
//! - `testing` (feature `testing`): an in-test HTTPS API server with the API's response
//!   shapes, for this crate's tests and the charms'.
//!
//! Juju grants the service account the rights these calls need only after
//! `juju trust <app> --scope=cluster`; a refusal is [`KubeError::Forbidden`], so callers can
//! say so. No Kubernetes API server was available where this was written: everything is
//! tested against the in-test server, never against a real cluster. The token appears in no
//! `Debug` output, error or log.

mod client;
mod error;
pub mod statefulset;
#[cfg(feature = "testing")]
pub mod testing;
mod token;

pub use client::{in_pod, KubeClient, KubeEndpoint, MAX_RESPONSE_BYTES, REQUEST_TIMEOUT, SERVICE_ACCOUNT_DIR};
pub use error::KubeError;
pub use token::Token;
