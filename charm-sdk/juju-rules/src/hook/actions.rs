//! Action hook tools: action-get, action-set, action-fail, action-log.
//!
//! Outside an action each fails with `not running an action`. Results, the failure
//! message and progress logs go to the action record at once: Juju reports them whether
//! or not the process succeeds.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Hook;
use crate::error::{RuleError, RuleResult};
use crate::limits::check_action_key;
use crate::model::{ActionRecord, Model};

impl Hook {
    /// `action-get`: all parameters, with schema defaults filled in.
    pub fn action_get(&self, model: &Model) -> RuleResult<serde_json::Map<String, Value>> {
        self.action_record(model).map(|r| r.params.clone())
    }

    /// `action-set k=v…` with dotted keys; each segment is checked against Juju's rule.
    pub fn action_set(&mut self, model: &mut Model, results: &BTreeMap<String, String>) -> RuleResult<()> {
        self.action_record(model)?;
        for key in results.keys() {
            check_action_key(key)?;
        }
        let record = self.action_record_mut(model)?;
        record
            .results
            .extend(results.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    /// `action-fail [message]`: marks the action failed; the hook itself may still exit 0.
    pub fn action_fail(&mut self, model: &mut Model, message: &str) -> RuleResult<()> {
        let record = self.action_record_mut(model)?;
        record.failed = Some(if message.is_empty() {
            "action failed".to_owned()
        } else {
            message.to_owned()
        });
        Ok(())
    }

    /// `action-log <message>`.
    pub fn action_log(&mut self, model: &mut Model, message: &str) -> RuleResult<()> {
        self.action_record_mut(model)?.logs.push(message.to_owned());
        Ok(())
    }

    fn action_record<'m>(&self, model: &'m Model) -> RuleResult<&'m ActionRecord> {
        let action = self.ctx.action.as_ref().ok_or_else(|| self.not_in_action())?;
        model.actions.get(&action.id).ok_or_else(|| self.not_in_action())
    }

    fn action_record_mut<'m>(&self, model: &'m mut Model) -> RuleResult<&'m mut ActionRecord> {
        let action = self.ctx.action.as_ref().ok_or_else(|| self.not_in_action())?;
        model.actions.get_mut(&action.id).ok_or_else(|| self.not_in_action())
    }

    fn not_in_action(&self) -> RuleError {
        RuleError::not_running_action().with_explain(format!(
            "hook {} is not an action; action tools work only in actions",
            self.ctx.name
        ))
    }
}
