//! The `upgrade` peer relation's bags, as data-platform-libs' `upgrade.py` (LIBAPI 0,
//! LIBPATCH 19) writes them, byte for byte.
//!
//! - Application bag (leader): `upgrade-stack`, `json.dumps` of a list of unit numbers in
//!   LIFO order (the last element upgrades first), e.g. `[0, 1, 2]`; `dependencies`,
//!   `json.dumps(model.dict())` of the charm's dependency model, e.g.
//!   `{"service": {"dependencies": {}, "name": "zookeeper", "upgrade_supported": "^3.6", "version": "3.9.2"}}`.
//! - Unit bags: `state`, one of `recovery`, `failed`, `idle`, `ready`, `upgrading`,
//!   `completed` (the library's `STATES`, in that order: the cluster's state is the lowest
//!   of its units').
//!
//! One key is ours: `upgrade-partition` in the application bag mirrors the StatefulSet
//! partition (see [`super::k8s`]); the Python library ignores keys it does not know.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

use crate::pyjson;

/// Unit bag key of a unit's upgrade state.
pub const KEY_STATE: &str = "state";
/// Application bag key of the upgrade stack.
pub const KEY_STACK: &str = "upgrade-stack";
/// Application bag key of the dependencies of the charm that last finished an upgrade.
pub const KEY_DEPENDENCIES: &str = "dependencies";
/// Application bag key of the partition below which units wait (this crate's own key).
pub const KEY_PARTITION: &str = "upgrade-partition";

/// A unit's upgrade state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitState {
    /// The leader is rolling back a failed upgrade (re-ran `pre-upgrade-check`).
    Recovery,
    /// The unit's upgrade failed.
    Failed,
    /// No upgrade running.
    Idle,
    /// The unit runs the new charm and waits for its turn.
    Ready,
    /// The unit is upgrading its workload.
    Upgrading,
    /// The unit finished its upgrade.
    Completed,
}

impl UnitState {
    /// Every state, in the library's `STATES` order (lowest first).
    pub const ALL: [UnitState; 6] = [
        UnitState::Recovery,
        UnitState::Failed,
        UnitState::Idle,
        UnitState::Ready,
        UnitState::Upgrading,
        UnitState::Completed,
    ];

    /// The value in the bag.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitState::Recovery => "recovery",
            UnitState::Failed => "failed",
            UnitState::Idle => "idle",
            UnitState::Ready => "ready",
            UnitState::Upgrading => "upgrading",
            UnitState::Completed => "completed",
        }
    }

    /// Parses a bag value; `None` for anything else (the library then has no cluster state).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for UnitState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The upgrade stack: unit numbers, LIFO (the last element upgrades first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradeStack(pub Vec<u32>);

impl UpgradeStack {
    /// As the library writes it (`json.dumps(list)`: `[2, 0, 1]`).
    pub fn encode(&self) -> String {
        let items: Vec<String> = self.0.iter().map(u32::to_string).collect();
        format!("[{}]", items.join(", "))
    }

    /// Parses the bag value. Absent or `[]` is an empty stack (the library's `None`).
    pub fn decode(text: Option<&str>) -> Result<Self, String> {
        let text = text.map(str::trim).filter(|t| !t.is_empty()).unwrap_or("[]");
        let items: Vec<u32> =
            serde_json::from_str(text).map_err(|e| format!("upgrade-stack is not a list of unit numbers ({e})"))?;
        Ok(UpgradeStack(items))
    }

    /// The unit that upgrades next.
    pub fn top(&self) -> Option<u32> {
        self.0.last().copied()
    }

    /// Whether nothing is left to upgrade.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many units are left.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl std::fmt::Display for UpgradeStack {
    /// Python's `str(list)` of ints, as the charms put it in messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.encode())
    }
}

/// One dependency entry (`DependencyModel`): field order as the pydantic model declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// Related applications and the version constraints this charm supports,
    /// in the order the charm declares them.
    #[serde(with = "ordered_map")]
    pub dependencies: Vec<(String, String)>,
    /// The workload's name.
    pub name: String,
    /// Poetry constraint on the version an in-place upgrade can start from.
    pub upgrade_supported: String,
    /// The version this charm ships.
    pub version: String,
}

/// The charm's dependency model: top-level labels (`service`, `kafka_service`) to entries,
/// in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dependencies(pub Vec<(String, Dependency)>);

impl Dependencies {
    /// `json.dumps(model.dict())`.
    pub fn encode(&self) -> String {
        let ordered = pyjson::Ordered(self.0.clone());
        // Strings and maps of strings only: serialisation cannot fail.
        pyjson::dumps(&ordered).unwrap_or_default()
    }

    /// Parses the bag value (any JSON spelling; key order kept).
    pub fn decode(text: &str) -> Result<Self, String> {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| format!("dependencies is not a JSON object ({e})"))?;
        // serde_json's map is sorted here; Python keeps insertion order, which only matters
        // for re-encoding, and the leader re-encodes its own model, never a decoded one.
        map.into_iter()
            .map(|(k, v)| {
                let dep: Dependency =
                    serde_json::from_value(v).map_err(|e| format!("dependencies[{k:?}] is malformed ({e})"))?;
                Ok((k, dep))
            })
            .collect::<Result<Vec<_>, String>>()
            .map(Dependencies)
    }

    /// The entry with this label.
    pub fn get(&self, label: &str) -> Option<&Dependency> {
        self.0.iter().find(|(k, _)| k == label).map(|(_, d)| d)
    }
}

mod ordered_map {
    use super::*;

    pub(super) fn serialize<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
        Ok(map.into_iter().collect())
    }
}
