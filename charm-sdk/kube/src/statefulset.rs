//! A StatefulSet's rolling-update partition (`spec.updateStrategy.rollingUpdate.partition`).
//!
//! When a StatefulSet's pod template changes (`juju refresh` does that), Kubernetes replaces
//! only the pods whose ordinal is at or above the partition. The data-platform charms hold the
//! partition at the highest ordinal before a refresh and lower it as units finish upgrading.
//! They patch it with lightkube's `Client.patch(StatefulSet, name, namespace=..., obj=...)`
//! and a partial object, whose default patch type is a strategic merge patch: this module
//! sends the same request, `PATCH /apis/apps/v1/namespaces/<ns>/statefulsets/<name>` with
//! `Content-Type: application/strategic-merge-patch+json` and the body
//! `{"spec":{"updateStrategy":{"rollingUpdate":{"partition":N}}}}` (for these nested maps
//! a strategic merge patch and a JSON merge patch mean the same).

use serde_json::{json, Value};

use crate::{KubeClient, KubeError};

/// The content type of the partition patch (lightkube's default `PatchType.STRATEGIC`).
pub const PARTITION_PATCH_CONTENT_TYPE: &str = "application/strategic-merge-patch+json";

/// The body of the partition patch.
pub fn partition_patch_body(partition: u32) -> Value {
    json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": partition}}}})
}

/// The partition in a StatefulSet object; `None` when unset (Kubernetes' default is 0).
pub fn partition_of(statefulset: &Value) -> Option<u32> {
    statefulset
        .pointer("/spec/updateStrategy/rollingUpdate/partition")
        .and_then(Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
}

impl KubeClient {
    /// The path of the StatefulSet `name` in the client's namespace.
    pub fn statefulset_path(&self, name: &str) -> Result<String, KubeError> {
        self.namespaced_path("apis/apps/v1", "statefulsets", name)
    }

    /// `GET` the StatefulSet `name`.
    pub fn get_statefulset(&self, name: &str) -> Result<Value, KubeError> {
        self.get(&self.statefulset_path(name)?)
    }

    /// The partition of the StatefulSet `name` (`None`: unset, that is 0).
    pub fn statefulset_partition(&self, name: &str) -> Result<Option<u32>, KubeError> {
        Ok(partition_of(&self.get_statefulset(name)?))
    }

    /// Sets the partition of the StatefulSet `name` (see the module doc for the request);
    /// returns the partition the API server stored.
    pub fn set_statefulset_partition(&self, name: &str, partition: u32) -> Result<u32, KubeError> {
        let stored = self.patch(
            &self.statefulset_path(name)?,
            PARTITION_PATCH_CONTENT_TYPE,
            &partition_patch_body(partition),
        )?;
        partition_of(&stored).ok_or_else(|| {
            KubeError::Protocol(format!(
                "the patched StatefulSet {name} has no spec.updateStrategy.rollingUpdate.partition"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_lightkube_sends() {
        assert_eq!(
            partition_patch_body(2).to_string(),
            r#"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}"#
        );
        assert_eq!(partition_of(&partition_patch_body(7)), Some(7));
        assert_eq!(
            partition_of(&json!({"spec": {"updateStrategy": {"type": "RollingUpdate"}}})),
            None
        );
    }
}
