//! The StatefulSet partition (`spec.updateStrategy.rollingUpdate.partition`) the Python
//! charms patch with lightkube on Kubernetes, behind a trait the charm implements with its
//! Kubernetes client (`charm-kube`), so that this crate stays free of an HTTP stack.
//!
//! Kubernetes replaces only the pods whose ordinal is at or above the partition when the
//! StatefulSet's template changes (which `juju refresh` does), so the partition is held at the
//! highest ordinal before the refresh and lowered one unit at a time. The same partition is
//! kept in the peer relation ([`super::wire::KEY_PARTITION`]), which gates the units' turns;
//! the leader sends the patch whenever it changes that key (see [`super::UpgradeRun`]).

use std::fmt;

/// The summary of the library's `KubernetesClientError` ("Kubernetes StatefulSet patch failed").
pub const PATCH_FAILED: &str = "Kubernetes StatefulSet patch failed";
/// The library's cause for an HTTP 403.
pub const TRUST_NEEDED: &str = "`juju trust` needed";

/// Where the partition is sent: the application's StatefulSet, named after the application in
/// the namespace named after the model.
pub trait PartitionTarget: fmt::Debug {
    /// Sets the partition of StatefulSet `app` in `namespace`. `Ok(false)`: there is no
    /// Kubernetes API to send it to (the charm does not run in a pod, as in the local model),
    /// the partition then lives in the peer relation only.
    fn set_partition(&self, namespace: &str, app: &str, partition: u32) -> Result<bool, PartitionError>;
}

/// Why the partition could not be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionError {
    /// HTTP 403: the application is not trusted (the API's message).
    Forbidden(String),
    /// Anything else (the cause, for the operator).
    Failed(String),
}

impl PartitionError {
    /// The operator-facing message, for application `app`: the library's
    /// "Kubernetes StatefulSet patch failed" and cause, with the command that fixes a 403.
    pub fn message(&self, app: &str) -> String {
        match self {
            PartitionError::Forbidden(_) => {
                format!("{PATCH_FAILED}: {TRUST_NEEDED}; run `juju trust {app} --scope=cluster`")
            }
            PartitionError::Failed(cause) => format!("{PATCH_FAILED}: {cause}"),
        }
    }
}

/// The partition target of a charm running in its pod: `connect` opens the Kubernetes API for
/// a namespace (the charm's connector, which tests point at an in-test API server); not being
/// in a pod ([`charm_kube::KubeError::NotInCluster`]) sends nothing.
#[cfg(feature = "kube")]
#[derive(Debug, Clone, Copy)]
pub struct KubePartition {
    /// Opens the API for a namespace.
    pub connect: fn(&str) -> Result<charm_kube::KubeClient, charm_kube::KubeError>,
}

#[cfg(feature = "kube")]
impl PartitionTarget for KubePartition {
    fn set_partition(&self, namespace: &str, app: &str, partition: u32) -> Result<bool, PartitionError> {
        use charm_kube::KubeError;
        let client = match (self.connect)(namespace) {
            Ok(client) => client,
            Err(KubeError::NotInCluster(_)) => return Ok(false),
            Err(e) => return Err(PartitionError::Failed(e.to_string())),
        };
        match client.set_statefulset_partition(app, partition) {
            Ok(_) => Ok(true),
            Err(KubeError::Forbidden(message)) => Err(PartitionError::Forbidden(message)),
            Err(e) => Err(PartitionError::Failed(e.to_string())),
        }
    }
}

/// The StatefulSet value of a relation partition: no partition is 0 (every pod updates).
pub fn effective(partition: Option<u32>) -> u32 {
    partition.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_fix() {
        assert_eq!(
            PartitionError::Forbidden("nope".into()).message("zookeeper-k8s"),
            "Kubernetes StatefulSet patch failed: `juju trust` needed; run `juju trust zookeeper-k8s --scope=cluster`"
        );
        assert_eq!(
            PartitionError::Failed("HTTP 500".into()).message("kafka-k8s"),
            "Kubernetes StatefulSet patch failed: HTTP 500"
        );
        assert_eq!(effective(None), 0);
        assert_eq!(effective(Some(2)), 2);
    }
}
