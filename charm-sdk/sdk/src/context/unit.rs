//! Facts about this unit: its state across hooks, opened ports, network addresses,
//! storage, and how many units the application should have.
//!
//! Unit state lives in Juju (`state-get`/`state-set`), not in a local file, so it survives
//! pod churn (ops' StoredState file does not). Values are JSON text; Juju's quotas (key
//! 256 bytes, value 64 KiB) are checked before the call.

use std::collections::BTreeMap;

use juju_model::tools::{GoalState, Network, Port, StorageInfo};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Context;
use crate::charm::Charm;
use crate::error::Error;

/// Juju's unit-state key quota.
pub const MAX_STATE_KEY: usize = 256;
/// Juju's unit-state value quota.
pub const MAX_STATE_VALUE: usize = 64 * 1024;

impl<C: Charm> Context<'_, C> {
    fn unit_state_map(&mut self) -> Result<&BTreeMap<String, String>, Error> {
        if self.cache.unit_state.is_none() {
            self.cache.unit_state = Some(self.backend.state_get()?);
        }
        Ok(self.cache.unit_state.get_or_insert_with(Default::default))
    }

    /// A value this unit stored earlier under `key`.
    pub fn unit_state<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, Error> {
        let Some(text) = self.unit_state_map()?.get(key).cloned() else {
            return Ok(None);
        };
        serde_json::from_str(&text).map(Some).map_err(|e| Error::Decode {
            what: format!("unit state {key:?}"),
            message: e.to_string(),
        })
    }

    /// Stores `value` under `key` (kept only if the hook succeeds). No call when the
    /// stored value is already the same.
    pub fn set_unit_state<T: Serialize>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let text = serde_json::to_string(value).map_err(|e| Error::msg(format!("unit state {key:?}: {e}")))?;
        if key.is_empty() || key.len() > MAX_STATE_KEY {
            return Err(Error::msg(format!(
                "unit state key {key:?} must be 1 to {MAX_STATE_KEY} bytes"
            )));
        }
        if text.len() > MAX_STATE_VALUE {
            return Err(Error::msg(format!(
                "unit state value for {key:?} is {} bytes; Juju allows {MAX_STATE_VALUE}",
                text.len()
            )));
        }
        if self.unit_state_map()?.get(key) == Some(&text) {
            return Ok(());
        }
        let mut one = BTreeMap::new();
        one.insert(key.to_owned(), text.clone());
        self.backend.state_set(&one)?;
        self.cache
            .unit_state
            .get_or_insert_with(Default::default)
            .insert(key.to_owned(), text);
        Ok(())
    }

    /// Forgets `key` (no call when it is not set).
    pub fn delete_unit_state(&mut self, key: &str) -> Result<(), Error> {
        if !self.unit_state_map()?.contains_key(key) {
            return Ok(());
        }
        self.backend.state_delete(key)?;
        if let Some(map) = self.cache.unit_state.as_mut() {
            map.remove(key);
        }
        Ok(())
    }

    /// Makes exactly `wanted` open: opens what is missing, closes the rest. One
    /// `opened-ports` call, then only the calls for real changes.
    pub fn open_ports(&mut self, wanted: &[Port]) -> Result<(), Error> {
        let current = match &self.cache.opened_ports {
            Some(ports) => ports.clone(),
            None => self.backend.opened_ports()?,
        };
        for port in wanted {
            if !current.contains(port) {
                self.backend.open_port(*port, &[])?;
            }
        }
        for port in &current {
            if !wanted.contains(port) {
                self.backend.close_port(*port, &[])?;
            }
        }
        self.cache.opened_ports = Some(wanted.to_vec());
        Ok(())
    }

    /// The network of a binding (an endpoint or extra binding), cached per run.
    pub fn network(&mut self, binding: &str) -> Result<Network, Error> {
        if let Some(n) = self.cache.networks.get(binding) {
            return Ok(n.clone());
        }
        let network = self.backend.network_get(binding, None)?;
        self.cache.networks.insert(binding.to_owned(), network.clone());
        Ok(network)
    }

    /// The address other units should use to reach this one on `binding`.
    pub fn ingress_address(&mut self, binding: &str) -> Result<Option<String>, Error> {
        Ok(self.network(binding)?.ingress_address().map(str::to_owned))
    }

    /// Where a storage instance is (`storage-get`).
    pub fn storage(&mut self, id: &str) -> Result<StorageInfo, Error> {
        Ok(self.backend.storage_get(Some(id))?)
    }

    /// Storage instances attached to this unit, optionally of one name.
    pub fn storage_ids(&mut self, name: Option<&str>) -> Result<Vec<String>, Error> {
        Ok(self.backend.storage_list(name)?)
    }

    /// `goal-state`: how many units the application should have (not dying) and which
    /// relations are coming.
    pub fn goal_state(&mut self) -> Result<GoalState, Error> {
        Ok(self.backend.goal_state()?)
    }

    /// The local path of a file resource (`resource-get`).
    pub fn resource(&mut self, name: &str) -> Result<std::path::PathBuf, Error> {
        Ok(self.backend.resource_get(name)?)
    }
}
