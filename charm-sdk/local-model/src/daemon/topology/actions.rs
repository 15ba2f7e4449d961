//! `run`: queue an action after checking it against the charm's declaration.

use juju_rules::HookContext;
use serde_json::{json, Value};

use super::unit_name;
use crate::daemon::hooks::enqueue_action;
use crate::daemon::state::Controller;
use crate::error::{Error, Result};

/// `run UNIT ACTION`: queues the action and returns its task id.
pub(crate) fn run_action(
    ctl: &mut Controller,
    unit: &str,
    action: &str,
    params: serde_json::Map<String, Value>,
) -> Result<Value> {
    let unit = unit_name(unit)?;
    ctl.model.unit(&unit)?;
    let meta = &ctl.model.app(unit.app())?.meta;
    let Some(spec) = meta.actions.get(action) else {
        return Err(Error::refused(format!(
            "action {action:?} not defined on unit {:?}",
            unit.to_string()
        )));
    };
    let full = spec.with_defaults(&params);
    spec.check_params(&full)
        .map_err(|e| Error::refused(format!("validation failed: {e}")))?;
    let operation = ctl.model.next_action_id;
    let task = operation + 1;
    ctl.model.next_action_id = task + 1;
    let id = task.to_string();
    enqueue_action(ctl, HookContext::action(unit.clone(), action, id.clone(), params));
    Ok(json!({ "operation": operation.to_string(), "task": id, "unit": unit.to_string() }))
}
