//! `Hook`: one unit running one hook, with one method per hook tool.
//!
//! A session is opened from a [`HookContext`] with [`Hook::begin`] and ended with
//! [`Hook::commit`] (the process exited 0) or [`Hook::discard`] (it did not). The session
//! does not borrow the model: every tool takes the [`Model`] as an argument — `&Model` for
//! reads and buffered writes, `&mut Model` for the effects Juju applies at once (status,
//! workload version, logs, action results, secret pins, allocated secret ids). That way a
//! process-level driver can keep several sessions open against one model, as Juju runs
//! hooks of different units at the same time.
//!
//! Buffered writes are [`Op`]s; a tool that reads the unit's own data sees them
//! (juju-contract.md §1.4). The tools are grouped by subject in the sibling modules.

mod actions;
mod relations;
mod secrets;
mod unit;

use std::collections::{BTreeMap, BTreeSet};

use juju_model::tools::{LogLevel, Port};
use juju_model::{Databag, RelationId, Status, UnitName};

use crate::access;
use crate::context::HookContext;
use crate::error::{RuleError, RuleResult};
use crate::model::{ActionRecord, ActionStatus, Model};
use crate::pending::{apply, CommitReport, Op};
use crate::secret::Secret;

pub use secrets::{SecretArgs, SecretRead};

/// What a hook did that Juju applies at once, kept whether or not the hook succeeds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Every unit status set, in order.
    pub unit_statuses: Vec<Status>,
    /// Every application status set, in order.
    pub app_statuses: Vec<Status>,
    /// The last `application-version-set`.
    pub workload_version: Option<String>,
    /// `juju-log` lines as the charm sent them (without Juju's relation prefix).
    pub logs: Vec<(LogLevel, String)>,
    /// The action record as it stood when the hook ended.
    pub action: Option<ActionRecord>,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// The immediate effects.
    pub effects: Effects,
    /// What the commit changed; `None` when discarded or when the commit failed.
    pub committed: Option<CommitReport>,
    /// Why the commit failed (a relation or secret vanished meanwhile), if it did.
    pub commit_error: Option<RuleError>,
}

/// One unit running one hook: the hook tools, with Juju's rules and transaction.
///
/// ```
/// use juju_model::CharmMeta;
/// use juju_rules::{Hook, HookContext, Model, RelationEnd};
///
/// let mut model = Model::default();
/// let meta = CharmMeta::from_charmcraft_yaml("name: zk\nprovides: {zookeeper: {interface: zookeeper}}")?;
/// let zk = model.deploy("zk", meta, 2)?;
/// let kafka = model.deploy("kafka", CharmMeta::default(), 1)?;
/// let rel = model.relate(RelationEnd::new(zk.clone(), "zookeeper"), RelationEnd::new(kafka, "zookeeper"))?;
///
/// // A non-leader may not write the application bag; Juju's text, and a hint for people.
/// let mut hook = Hook::begin(&mut model, HookContext::hook(zk.unit(1), "update-status"))?;
/// let data = [("endpoints".to_owned(), "zk-0:2181".to_owned())].into();
/// let err = hook.relation_set(&model, Some(rel), true, &data).unwrap_err();
/// assert_eq!(err.to_string(), "cannot write relation settings");
/// assert!(err.explain().contains("only the leader may write app data on `zookeeper`"));
///
/// // Its own unit bag is fine, visible to itself at once, and to others after commit.
/// hook.relation_set(&model, Some(rel), false, &data)?;
/// assert_eq!(hook.relation_get(&model, Some(rel), Some("zk/1"), false)?["endpoints"], "zk-0:2181");
/// assert!(!model.relations[&rel].unit_data[&zk.unit(1)].contains_key("endpoints"));
/// let finished = hook.commit(&mut model);
/// assert_eq!(model.relations[&rel].unit_data[&zk.unit(1)]["endpoints"], "zk-0:2181");
/// assert_eq!(finished.committed.map(|r| r.bags_changed.len()), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    ctx: HookContext,
    ops: Vec<Op>,
    effects: Effects,
}

impl Hook {
    /// Opens a session: the unit must exist and, for a relation hook, be in the relation.
    /// For an action, schema defaults are filled into the parameters and a running action
    /// record is stored in the model.
    pub fn begin(model: &mut Model, mut ctx: HookContext) -> RuleResult<Hook> {
        model.unit(&ctx.unit)?;
        if let Some(id) = ctx.relation {
            access::relation_for(model, &ctx.unit, id)?;
        }
        if let Some(action) = &mut ctx.action {
            if let Some(meta) = model.app(ctx.unit.app())?.meta.actions.get(&action.name) {
                action.params = meta.with_defaults(&action.params);
            }
            let record = ActionRecord {
                id: action.id.clone(),
                unit: ctx.unit.clone(),
                name: action.name.clone(),
                params: action.params.clone(),
                results: BTreeMap::new(),
                failed: None,
                logs: Vec::new(),
                status: ActionStatus::Running,
            };
            model.next_action_id = model.next_action_id.max(action.id.parse::<u64>().map_or(0, |n| n + 1));
            model.actions.insert(action.id.clone(), record);
        }
        Ok(Hook {
            ctx,
            ops: Vec::new(),
            effects: Effects::default(),
        })
    }

    /// The context the session was opened with.
    pub fn context(&self) -> &HookContext {
        &self.ctx
    }

    /// The unit running the hook.
    pub fn unit(&self) -> &UnitName {
        &self.ctx.unit
    }

    /// The writes buffered so far.
    pub fn pending(&self) -> &[Op] {
        &self.ops
    }

    /// The immediate effects so far.
    pub fn effects(&self) -> &Effects {
        &self.effects
    }

    /// The hook exited 0: applies every buffered write at once. If one no longer applies
    /// (its relation or secret vanished meanwhile) nothing is applied and the error is
    /// reported, as Juju's failed commit fails the hook.
    pub fn commit(mut self, model: &mut Model) -> Finished {
        let mut next = model.clone();
        let mut report = CommitReport {
            unit: Some(self.ctx.unit.clone()),
            ..CommitReport::default()
        };
        let mut error = None;
        for op in &self.ops {
            if let Err(err) = apply(&mut next, &self.ctx.unit, op, &mut report) {
                error = Some(err);
                break;
            }
        }
        let ok = error.is_none();
        if ok {
            *model = next;
        }
        self.finish_action(model, ok);
        Finished {
            effects: self.effects,
            committed: ok.then_some(report),
            commit_error: error,
        }
    }

    /// The hook failed: drops every buffered write. Immediate effects stay.
    pub fn discard(mut self, model: &mut Model) -> Finished {
        self.finish_action(model, false);
        Finished {
            effects: self.effects,
            committed: None,
            commit_error: None,
        }
    }

    fn finish_action(&mut self, model: &mut Model, success: bool) {
        let Some(action) = &self.ctx.action else { return };
        if let Some(record) = model.actions.get_mut(&action.id) {
            record.status = if success && record.failed.is_none() {
                ActionStatus::Completed
            } else {
                ActionStatus::Failed
            };
            self.effects.action = Some(record.clone());
        }
    }

    /// This unit's bag (or its application's) in `relation` as the hook sees it: the
    /// stored bag with this hook's pending relation-set merges applied.
    fn own_bag_view(&self, model: &Model, relation: RelationId, app: bool) -> Databag {
        let stored = model.relations.get(&relation).and_then(|r| {
            if app {
                r.app_data.get(self.ctx.unit.app())
            } else {
                r.unit_data.get(&self.ctx.unit)
            }
        });
        let mut bag = stored.cloned().unwrap_or_default();
        for op in &self.ops {
            if let Op::RelationSet {
                relation: r,
                app: a,
                data,
            } = op
            {
                if *r == relation && *a == app {
                    crate::pending::merge(&mut bag, data);
                }
            }
        }
        bag
    }

    /// Unit state with pending state-set/-delete applied.
    fn state_view(&self, model: &Model) -> RuleResult<BTreeMap<String, String>> {
        let mut state = model.unit(&self.ctx.unit)?.state.clone();
        for op in &self.ops {
            match op {
                Op::StateSet(values) => state.extend(values.clone()),
                Op::StateDelete(key) => {
                    state.remove(key);
                }
                _ => {}
            }
        }
        Ok(state)
    }

    /// Opened ports with pending open/close applied.
    fn ports_view(&self, model: &Model) -> RuleResult<BTreeMap<String, BTreeSet<Port>>> {
        let mut ports = model.unit(&self.ctx.unit)?.ports.clone();
        for op in &self.ops {
            match op {
                Op::OpenPort { endpoint, port } => {
                    ports.entry(endpoint.clone()).or_default().insert(*port);
                }
                Op::ClosePort { endpoint, port } => {
                    if let Some(set) = ports.get_mut(endpoint) {
                        set.remove(port);
                    }
                }
                _ => {}
            }
        }
        ports.retain(|_, set| !set.is_empty());
        Ok(ports)
    }

    /// Secrets with this hook's pending secret changes applied.
    fn secrets_view(&self, model: &Model) -> BTreeMap<String, Secret> {
        let mut scratch = Model::new(model.name.clone(), model.uuid.clone());
        scratch.now = model.now;
        scratch.secrets = model.secrets.clone();
        let mut ignored = CommitReport::default();
        for op in &self.ops {
            if matches!(
                op,
                Op::SecretCreate(_)
                    | Op::SecretUpdate { .. }
                    | Op::SecretRemove { .. }
                    | Op::SecretGrant { .. }
                    | Op::SecretRevoke { .. }
            ) {
                // A pending op on a secret removed meanwhile just does not show.
                let _ = apply(&mut scratch, &self.ctx.unit, op, &mut ignored);
            }
        }
        scratch.secrets
    }

    /// The relation a tool addresses: `-r` if given, else the hook's own relation.
    fn resolve_relation(&self, relation: Option<RelationId>) -> RuleResult<RelationId> {
        relation.or(self.ctx.relation).ok_or_else(|| {
            RuleError::no_relation_id().with_explain(format!(
                "hook {} is not a relation hook, so the relation id must be given explicitly",
                self.ctx.name
            ))
        })
    }
}

#[cfg(test)]
mod tests;
