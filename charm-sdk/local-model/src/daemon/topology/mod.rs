//! What the operator changes: deploy, integrate, remove-relation, scale, config, refresh,
//! remove-application, actions; and the finishing steps that removal needs.
//!
//! Each change is made to the juju-rules model and the hooks Juju would run are queued
//! from `juju_rules::order`. Removals are two-phase, as in Juju: the relation or unit is
//! "dying" while its departed/broken/stop/remove hooks run (so they can still read the
//! relation), and it leaves the model when its last hook is done ([`super::state::Item::LeaveRelation`],
//! [`super::state::Item::RemoveUnit`]).

mod actions;
mod config;
mod deploy;
mod refresh;
mod relations;
mod removal;

use std::collections::BTreeMap;

use juju_model::{AppName, CharmMeta, UnitName};
use serde_json::Value;

use crate::error::{Error, Result};

pub(crate) use actions::run_action;
pub(crate) use config::config;
pub(crate) use deploy::{add_unit, deploy};
pub(crate) use refresh::{refresh, swap_charm, upgrade_unit};
pub(crate) use relations::{integrate, remove_relation};
pub(crate) use removal::{finalize_unit, leave_relation, remove_application, remove_unit};

pub(super) fn app_name(name: &str) -> Result<AppName> {
    AppName::new(name).map_err(|e| Error::refused(e.to_string()))
}

pub(super) fn unit_name(name: &str) -> Result<UnitName> {
    UnitName::new(name).map_err(|e| Error::refused(e.to_string()))
}

/// Converts `k=v` texts to typed config values with the charm's option types.
pub(super) fn typed_config(
    meta: &CharmMeta,
    values: &BTreeMap<String, String>,
) -> Result<serde_json::Map<String, Value>> {
    let mut out = serde_json::Map::new();
    for (key, text) in values {
        let option = meta
            .config
            .options
            .get(key)
            .ok_or_else(|| Error::refused(format!("unknown option {key:?}")))?;
        let value = option
            .parse_value(text)
            .map_err(|e| Error::refused(format!("option {key:?}: {e}")))?;
        out.insert(key.clone(), value);
    }
    Ok(out)
}
