//! The hook transaction: buffered writes, applied together when the hook exits 0.
//!
//! Juju keeps relation settings, unit state, port changes, storage-add and every secret
//! change in the hook context and sends them in one `CommitHookChanges` call when the
//! process exits 0; on failure they are dropped (juju-contract.md §1.4). Here each buffered
//! write is an [`Op`]. The same `apply` code serves the commit and the hook's own reads
//! (a charm reading back its own writes sees them), so the two cannot disagree.

use std::collections::BTreeMap;

use juju_model::tools::{BagOwner, Port, RotatePolicy};
use juju_model::{Databag, RelationId, UnitName};

use crate::error::{RuleError, RuleResult};
use crate::model::Model;
use crate::secret::{Grant, GrantTarget, Secret};
use crate::time::Timestamp;

/// Metadata changes of a `secret-set`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretMetaChange {
    /// New owner label.
    pub label: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New expiry for the latest revision.
    pub expire: Option<Timestamp>,
    /// New rotation policy.
    pub rotate: Option<RotatePolicy>,
}

/// One buffered write.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// relation-set: merge into the unit's bag or (app) its application's bag; an empty
    /// value deletes the key.
    RelationSet {
        /// The relation.
        relation: RelationId,
        /// Application bag instead of unit bag.
        app: bool,
        /// Keys to merge.
        data: Databag,
    },
    /// state-set.
    StateSet(BTreeMap<String, String>),
    /// state-delete.
    StateDelete(String),
    /// open-port (endpoint `""` means all endpoints).
    OpenPort {
        /// The endpoint.
        endpoint: String,
        /// The port.
        port: Port,
    },
    /// close-port.
    ClosePort {
        /// The endpoint.
        endpoint: String,
        /// The port.
        port: Port,
    },
    /// storage-add.
    StorageAdd {
        /// The declared storage name.
        name: String,
        /// How many instances.
        count: u32,
    },
    /// secret-add: the complete secret, id already allocated.
    SecretCreate(Box<Secret>),
    /// secret-set.
    SecretUpdate {
        /// The secret id.
        id: String,
        /// New content, if any.
        content: Option<BTreeMap<String, String>>,
        /// Metadata changes.
        meta: SecretMetaChange,
    },
    /// secret-remove (all revisions when `None`).
    SecretRemove {
        /// The secret id.
        id: String,
        /// The revision.
        revision: Option<u64>,
    },
    /// secret-grant.
    SecretGrant {
        /// The secret id.
        id: String,
        /// The grant.
        grant: Grant,
    },
    /// secret-revoke: grants on `relation` (all when `None`) for `target` (all when `None`).
    SecretRevoke {
        /// The secret id.
        id: String,
        /// The relation.
        relation: Option<RelationId>,
        /// The target.
        target: Option<GrantTarget>,
    },
}

/// What one committed hook changed: the input for "who gets relation-changed /
/// secret-changed next" ([`crate::order::after_commit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReport {
    /// The unit whose hook committed.
    pub unit: Option<UnitName>,
    /// Bags whose content actually changed.
    pub bags_changed: Vec<(RelationId, BagOwner)>,
    /// Secrets that got a new revision: (id, revision).
    pub secret_revisions: Vec<(String, u64)>,
    /// Secrets created: ids.
    pub secrets_created: Vec<String>,
    /// Secrets or revisions removed: (id, revision or all).
    pub secrets_removed: Vec<(String, Option<u64>)>,
    /// Whether unit state changed.
    pub state_changed: bool,
    /// Whether opened ports changed.
    pub ports_changed: bool,
    /// Storage instances added.
    pub storage_added: Vec<String>,
}

/// Applies one op of `unit`'s hook to `model`, recording real changes in `report`.
pub(crate) fn apply(model: &mut Model, unit: &UnitName, op: &Op, report: &mut CommitReport) -> RuleResult<()> {
    match op {
        Op::RelationSet { relation, app, data } => {
            let rel = model
                .relations
                .get_mut(relation)
                .ok_or_else(RuleError::relation_not_found)?;
            let (bag, owner) = if *app {
                (
                    rel.app_data.entry(unit.app().clone()).or_default(),
                    BagOwner::App(unit.app().clone()),
                )
            } else {
                (
                    rel.unit_data.entry(unit.clone()).or_default(),
                    BagOwner::Unit(unit.clone()),
                )
            };
            if merge(bag, data) && !report.bags_changed.iter().any(|(r, o)| r == relation && *o == owner) {
                report.bags_changed.push((*relation, owner));
            }
        }
        Op::StateSet(values) => {
            let state = &mut model.unit_mut(unit)?.state;
            for (k, v) in values {
                report.state_changed |= state.insert(k.clone(), v.clone()).as_ref() != Some(v);
            }
        }
        Op::StateDelete(key) => {
            report.state_changed |= model.unit_mut(unit)?.state.remove(key).is_some();
        }
        Op::OpenPort { endpoint, port } => {
            report.ports_changed |= model
                .unit_mut(unit)?
                .ports
                .entry(endpoint.clone())
                .or_default()
                .insert(*port);
        }
        Op::ClosePort { endpoint, port } => {
            let ports = &mut model.unit_mut(unit)?.ports;
            if let Some(set) = ports.get_mut(endpoint) {
                report.ports_changed |= set.remove(port);
                if set.is_empty() {
                    ports.remove(endpoint);
                }
            }
        }
        Op::StorageAdd { name, count } => {
            let declared = model.app(unit.app())?.meta.storage.get(name).cloned();
            let declared = declared.ok_or_else(|| RuleError::not_found(format!("charm storage {name:?} not found")))?;
            for _ in 0..*count {
                let instance = model.new_storage(name, &declared.kind, declared.location.as_deref());
                report.storage_added.push(instance.id.clone());
                model.unit_mut(unit)?.storage.insert(instance.id.clone(), instance);
            }
        }
        Op::SecretCreate(secret) => {
            report.secrets_created.push(secret.id().to_owned());
            model.secrets.insert(secret.id().to_owned(), (**secret).clone());
        }
        Op::SecretUpdate { id, content, meta } => {
            let now = model.now;
            let secret = model
                .secrets
                .get_mut(id)
                .ok_or_else(|| RuleError::secret_not_found(id))?;
            if let Some(content) = content {
                if let Some(rev) = secret.add_revision(content.clone(), now) {
                    report.secret_revisions.push((id.clone(), rev));
                }
            }
            apply_secret_meta(secret, meta, now);
        }
        Op::SecretRemove { id, revision } => {
            let secret = model
                .secrets
                .get_mut(id)
                .ok_or_else(|| RuleError::secret_not_found(id))?;
            match revision {
                Some(rev) => {
                    secret.revisions.remove(rev);
                    if secret.revisions.is_empty() {
                        model.secrets.remove(id);
                    }
                }
                None => {
                    model.secrets.remove(id);
                }
            }
            report.secrets_removed.push((id.clone(), *revision));
        }
        Op::SecretGrant { id, grant } => {
            let secret = model
                .secrets
                .get_mut(id)
                .ok_or_else(|| RuleError::secret_not_found(id))?;
            secret.grants.insert(grant.clone());
        }
        Op::SecretRevoke { id, relation, target } => {
            let secret = model
                .secrets
                .get_mut(id)
                .ok_or_else(|| RuleError::secret_not_found(id))?;
            secret.grants.retain(|g| {
                let relation_matches = relation.is_none_or(|r| g.relation == Some(r));
                let target_matches = target.as_ref().is_none_or(|t| &g.target == t);
                !(relation_matches && target_matches)
            });
        }
    }
    Ok(())
}

/// Applies secret metadata changes.
pub(crate) fn apply_secret_meta(secret: &mut Secret, meta: &SecretMetaChange, now: Timestamp) {
    if let Some(label) = &meta.label {
        secret.label = Some(label.clone());
    }
    if let Some(description) = &meta.description {
        secret.description = Some(description.clone());
    }
    if let Some(expire) = meta.expire {
        if let Some(latest) = secret.revisions.values_mut().next_back() {
            latest.expire = Some(expire);
        }
    }
    if let Some(rotate) = meta.rotate {
        secret.set_rotate(rotate, now);
    }
}

/// Merges `data` into `bag` (empty value deletes); true if anything changed.
pub(crate) fn merge(bag: &mut Databag, data: &Databag) -> bool {
    let mut changed = false;
    for (k, v) in data {
        if v.is_empty() {
            changed |= bag.remove(k).is_some();
        } else {
            changed |= bag.insert(k.clone(), v.clone()).as_ref() != Some(v);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_deletes_on_empty_and_reports_change() {
        let mut bag: Databag = [("a".to_owned(), "1".to_owned())].into();
        assert!(!merge(&mut bag, &[("a".to_owned(), "1".to_owned())].into()));
        assert!(merge(
            &mut bag,
            &[("a".to_owned(), String::new()), ("b".to_owned(), "2".to_owned())].into()
        ));
        assert_eq!(bag, [("b".to_owned(), "2".to_owned())].into());
        assert!(!merge(&mut bag, &[("zzz".to_owned(), String::new())].into()));
    }
}
