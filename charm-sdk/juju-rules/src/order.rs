//! Which hooks Juju runs, on which units, in which order (juju-contract.md §3).
//!
//! Each function is pure: it reads the model and returns the hooks as [`HookContext`]s in
//! Juju's order, grouped per unit where Juju guarantees an order only per unit. None of
//! them changes the model; the caller applies the topology change with the matching
//! [`Model`] method — *before* calling the helper for additions (deploy, relate, scale up)
//! and *after* for removals (unrelate, scale down, remove), so the helper sees who is
//! involved.
//!
//! Choices where Juju's documentation is loose: Kubernetes `storage-attached` is placed
//! after `start`; `<c>-pebble-ready` after `start` (Juju gives no order between them); on
//! unit removal the order is departed → broken → storage-detaching → stop → remove; peer
//! `relation-broken` never fires.

use juju_model::{AppName, RelationHook, RelationId, UnitName};

use crate::context::{HookContext, SecretEvent};
use crate::error::{RuleError, RuleResult};
use crate::model::Model;
use crate::pending::CommitReport;
use crate::secret::SecretOwnerRef;
use juju_model::tools::BagOwner;

/// Hooks for deploying `app` (already added with [`Model::deploy`]): per unit install →
/// peer relation-created → leader-elected | leader-settings-changed → config-changed →
/// start → storage-attached → pebble-ready per container; then, with more than one unit,
/// peer relation-joined + relation-changed for every other peer.
pub fn deploy(model: &Model, app: &AppName) -> RuleResult<Vec<HookContext>> {
    let mut out = Vec::new();
    for unit in units_of(model, app)? {
        out.extend(unit_start(model, &unit, false)?);
    }
    for unit in units_of(model, app)? {
        for peer in peer_relations(model, app) {
            out.extend(joined_changed(model, &unit, peer)?);
        }
    }
    Ok(out)
}

/// Hooks for a new relation `id` (already added with [`Model::relate`]):
/// relation-created on every unit of both sides, then on each unit relation-joined
/// immediately followed by relation-changed for every remote unit.
pub fn relate(model: &Model, id: RelationId) -> RuleResult<Vec<HookContext>> {
    let rel = model.relations.get(&id).ok_or_else(RuleError::relation_not_found)?;
    let mut out = Vec::new();
    for unit in &rel.members {
        out.push(HookContext::relation(
            model,
            unit.clone(),
            RelationHook::Created,
            id,
            None,
        )?);
    }
    for unit in &rel.members {
        out.extend(joined_changed(model, unit, id)?);
    }
    Ok(out)
}

/// Hooks for removing relation `id` (call before [`Model::unrelate`]): on each unit
/// relation-departed for every remote unit, then relation-broken.
pub fn unrelate(model: &Model, id: RelationId) -> RuleResult<Vec<HookContext>> {
    let rel = model.relations.get(&id).ok_or_else(RuleError::relation_not_found)?;
    let mut out = Vec::new();
    for unit in &rel.members {
        for remote in rel.remote_members(unit) {
            out.push(departed(model, unit, id, &remote, &remote)?);
        }
    }
    for unit in &rel.members {
        if !rel.is_peer() {
            out.push(HookContext::relation(
                model,
                unit.clone(),
                RelationHook::Broken,
                id,
                None,
            )?);
        }
    }
    Ok(out)
}

/// Hooks for a unit added with [`Model::add_unit`]: the new unit starts (install →
/// relation-created for every relation → leader hook → config-changed → start →
/// storage-attached → pebble-ready), then joins every relation (joined + changed per
/// remote unit), and every remote unit gets joined + changed for the new unit.
pub fn scale_up(model: &Model, new_unit: &UnitName) -> RuleResult<Vec<HookContext>> {
    let mut out = unit_start(model, new_unit, true)?;
    let ids: Vec<RelationId> = model.relations_of(new_unit.app()).map(|r| r.id).collect();
    for &id in &ids {
        out.extend(joined_changed(model, new_unit, id)?);
    }
    for &id in &ids {
        let rel = model.relations.get(&id).ok_or_else(RuleError::relation_not_found)?;
        for remote in rel.remote_members(new_unit) {
            out.push(HookContext::relation(
                model,
                remote.clone(),
                RelationHook::Joined,
                id,
                Some(new_unit.clone()),
            )?);
            out.push(HookContext::relation(
                model,
                remote,
                RelationHook::Changed,
                id,
                Some(new_unit.clone()),
            )?);
        }
    }
    Ok(out)
}

/// Hooks for removing `unit` (call before [`Model::remove_unit`]): every remote unit gets
/// relation-departed for it; the leaving unit gets relation-departed per remaining
/// counterpart, relation-broken per non-peer relation, storage-detaching per storage,
/// stop and remove; if it led, the next unit gets leader-elected and the others
/// leader-settings-changed.
pub fn scale_down(model: &Model, unit: &UnitName) -> RuleResult<Vec<HookContext>> {
    let mut out = Vec::new();
    let relations: Vec<_> = model
        .relations_of(unit.app())
        .filter(|r| r.members.contains(unit))
        .collect();
    for rel in &relations {
        for remote in rel.remote_members(unit) {
            out.push(departed(model, &remote, rel.id, unit, unit)?);
        }
    }
    for rel in &relations {
        for remote in rel.remote_members(unit) {
            out.push(departed(model, unit, rel.id, &remote, unit)?);
        }
    }
    for rel in relations.iter().filter(|r| !r.is_peer()) {
        out.push(HookContext::relation(
            model,
            unit.clone(),
            RelationHook::Broken,
            rel.id,
            None,
        )?);
    }
    out.extend(unit_teardown(model, unit)?);
    if model.is_leader(unit) {
        let next = units_of(model, unit.app())?.into_iter().find(|u| u != unit);
        if let Some(next) = next {
            out.extend(leader_change(model, &next)?.into_iter().filter(|h| h.unit != *unit));
        }
    }
    Ok(out)
}

/// Hooks for removing application `app` (call before [`Model::remove_app`]): every
/// related unit gets relation-departed per unit of `app` and then relation-broken; each
/// unit of `app` gets the same for its counterparts (peers included, without peer
/// broken), then storage-detaching, stop and remove.
pub fn remove_app(model: &Model, app: &AppName) -> RuleResult<Vec<HookContext>> {
    let mut out = Vec::new();
    let units = units_of(model, app)?;
    for rel in model.relations_of(app) {
        for member in &rel.members {
            for remote in rel.remote_members(member) {
                out.push(departed(model, member, rel.id, &remote, &remote)?);
            }
        }
        if !rel.is_peer() {
            for member in &rel.members {
                out.push(HookContext::relation(
                    model,
                    member.clone(),
                    RelationHook::Broken,
                    rel.id,
                    None,
                )?);
            }
        }
    }
    for unit in &units {
        out.extend(unit_teardown(model, unit)?);
    }
    Ok(out)
}

/// `config-changed` on every unit of `app`.
pub fn config_changed(model: &Model, app: &AppName) -> RuleResult<Vec<HookContext>> {
    Ok(units_of(model, app)?
        .into_iter()
        .map(|u| HookContext::hook(u, "config-changed"))
        .collect())
}

/// Hooks for `juju refresh` (or attach-resource) on Kubernetes, per unit: stop →
/// upgrade-charm → config-changed → leader-settings-changed (non-leaders) → start →
/// pebble-ready per container. No relation hooks.
pub fn upgrade(model: &Model, app: &AppName) -> RuleResult<Vec<HookContext>> {
    let containers: Vec<String> = model.app(app)?.meta.containers.keys().cloned().collect();
    let mut out = Vec::new();
    for unit in units_of(model, app)? {
        out.push(HookContext::hook(unit.clone(), "stop"));
        out.push(HookContext::hook(unit.clone(), "upgrade-charm"));
        out.push(HookContext::hook(unit.clone(), "config-changed"));
        if !model.is_leader(&unit) {
            out.push(HookContext::hook(unit.clone(), "leader-settings-changed"));
        }
        out.push(HookContext::hook(unit.clone(), "start"));
        for container in &containers {
            out.push(HookContext::pebble(unit.clone(), container, "pebble-ready"));
        }
    }
    Ok(out)
}

/// A new leader: leader-elected on it, leader-settings-changed on the other units.
pub fn leader_change(model: &Model, new_leader: &UnitName) -> RuleResult<Vec<HookContext>> {
    let mut out = vec![HookContext::hook(new_leader.clone(), "leader-elected")];
    for unit in units_of(model, new_leader.app())? {
        if unit != *new_leader {
            out.push(HookContext::hook(unit, "leader-settings-changed"));
        }
    }
    Ok(out)
}

/// What a committed hook triggers on other units: relation-changed for every bag it
/// changed — a unit bag to the units related to the writer (not the writer itself), an
/// application bag to the remote application's units (for a peer relation, to the other
/// peers), with no remote unit — and secret-changed to every consumer pinned to an older
/// revision of a secret that got a new one (owners are not told).
pub fn after_commit(model: &Model, report: &CommitReport) -> RuleResult<Vec<HookContext>> {
    let mut out = Vec::new();
    for (id, owner) in &report.bags_changed {
        let Some(rel) = model.relations.get(id) else { continue };
        match owner {
            BagOwner::Unit(writer) => {
                for member in &rel.members {
                    if member != writer && rel.other_app(member.app()) == Some(writer.app()) {
                        out.push(HookContext::relation(
                            model,
                            member.clone(),
                            RelationHook::Changed,
                            *id,
                            Some(writer.clone()),
                        )?);
                    }
                }
            }
            BagOwner::App(app) => {
                for member in &rel.members {
                    let receives = if rel.is_peer() {
                        Some(member) != report.unit.as_ref()
                    } else {
                        member.app() != app
                    };
                    if receives {
                        let mut hook = HookContext::relation(model, member.clone(), RelationHook::Changed, *id, None)?;
                        hook.remote_app = Some(app.clone());
                        out.push(hook);
                    }
                }
            }
        }
    }
    for (id, revision) in &report.secret_revisions {
        let Some(secret) = model.secrets.get(id) else { continue };
        for (unit, consumer) in &secret.consumers {
            if consumer.revision < *revision && !crate::access::owns(unit, secret) {
                let mut hook = HookContext::hook(unit.clone(), "secret-changed");
                hook.secret = Some(SecretEvent {
                    uri: secret.uri.clone(),
                    label: secret.label_for(unit).map(str::to_owned),
                    revision: None,
                });
                out.push(hook);
            }
        }
    }
    Ok(out)
}

/// `secret-rotate` to the owner (the leader for application secrets) of every secret whose
/// rotation time has come.
pub fn secret_rotations(model: &Model) -> RuleResult<Vec<HookContext>> {
    let mut out = Vec::new();
    for secret in model.secrets.values() {
        if secret.next_rotation.is_some_and(|t| t <= model.now) {
            if let Some(owner) = managing_unit(model, &secret.owner) {
                let mut hook = HookContext::hook(owner.clone(), "secret-rotate");
                hook.secret = Some(SecretEvent {
                    uri: secret.uri.clone(),
                    label: secret.label_for(&owner).map(str::to_owned),
                    revision: None,
                });
                out.push(hook);
            }
        }
    }
    Ok(out)
}

/// `secret-expired` to the owner for every stored revision whose expiry has passed.
pub fn secret_expiries(model: &Model) -> RuleResult<Vec<HookContext>> {
    let mut out = Vec::new();
    for secret in model.secrets.values() {
        for (revision, rev) in &secret.revisions {
            if rev.expire.is_some_and(|t| t <= model.now) {
                if let Some(owner) = managing_unit(model, &secret.owner) {
                    let mut hook = HookContext::hook(owner.clone(), "secret-expired");
                    hook.secret = Some(SecretEvent {
                        uri: secret.uri.clone(),
                        label: secret.label_for(&owner).map(str::to_owned),
                        revision: Some(*revision),
                    });
                    out.push(hook);
                }
            }
        }
    }
    Ok(out)
}

/// `secret-remove` to the owner for every revision older than the latest that no unit
/// is pinned to any more.
pub fn secret_unused_revisions(model: &Model) -> RuleResult<Vec<HookContext>> {
    let mut out = Vec::new();
    for secret in model.secrets.values() {
        let latest = secret.latest().unwrap_or(0);
        for revision in secret.revisions.keys().filter(|r| **r < latest) {
            let tracked = secret.consumers.values().any(|c| c.revision == *revision);
            if !tracked {
                if let Some(owner) = managing_unit(model, &secret.owner) {
                    let mut hook = HookContext::hook(owner.clone(), "secret-remove");
                    hook.secret = Some(SecretEvent {
                        uri: secret.uri.clone(),
                        label: secret.label_for(&owner).map(str::to_owned),
                        revision: Some(*revision),
                    });
                    out.push(hook);
                }
            }
        }
    }
    Ok(out)
}

fn managing_unit(model: &Model, owner: &SecretOwnerRef) -> Option<UnitName> {
    match owner {
        SecretOwnerRef::App(app) => model.apps.get(app).and_then(|a| a.leader.clone()),
        SecretOwnerRef::Unit(unit) => Some(unit.clone()),
        SecretOwnerRef::Model => None,
    }
}

/// install … pebble-ready for one unit; `all_relations` adds relation-created for the
/// application's non-peer relations too (a unit added to an existing application).
fn unit_start(model: &Model, unit: &UnitName, all_relations: bool) -> RuleResult<Vec<HookContext>> {
    let app = model.app(unit.app())?;
    let mut out = vec![HookContext::hook(unit.clone(), "install")];
    let created: Vec<RelationId> = model
        .relations_of(unit.app())
        .filter(|r| (all_relations || r.is_peer()) && r.members.contains(unit))
        .map(|r| r.id)
        .collect();
    for id in created {
        out.push(HookContext::relation(
            model,
            unit.clone(),
            RelationHook::Created,
            id,
            None,
        )?);
    }
    let leader_hook = if model.is_leader(unit) {
        "leader-elected"
    } else {
        "leader-settings-changed"
    };
    out.push(HookContext::hook(unit.clone(), leader_hook));
    out.push(HookContext::hook(unit.clone(), "config-changed"));
    out.push(HookContext::hook(unit.clone(), "start"));
    for storage in model.unit(unit)?.storage.values() {
        let mut hook = HookContext::hook(unit.clone(), format!("{}-storage-attached", storage.name()));
        hook.storage = Some(storage.id.clone());
        out.push(hook);
    }
    for container in app.meta.containers.keys() {
        out.push(HookContext::pebble(unit.clone(), container, "pebble-ready"));
    }
    Ok(out)
}

fn unit_teardown(model: &Model, unit: &UnitName) -> RuleResult<Vec<HookContext>> {
    let mut out = Vec::new();
    for storage in model.unit(unit)?.storage.values() {
        let mut hook = HookContext::hook(unit.clone(), format!("{}-storage-detaching", storage.name()));
        hook.storage = Some(storage.id.clone());
        out.push(hook);
    }
    out.push(HookContext::hook(unit.clone(), "stop"));
    out.push(HookContext::hook(unit.clone(), "remove"));
    Ok(out)
}

fn joined_changed(model: &Model, unit: &UnitName, id: RelationId) -> RuleResult<Vec<HookContext>> {
    let rel = model.relations.get(&id).ok_or_else(RuleError::relation_not_found)?;
    let mut out = Vec::new();
    for remote in rel.remote_members(unit) {
        out.push(HookContext::relation(
            model,
            unit.clone(),
            RelationHook::Joined,
            id,
            Some(remote.clone()),
        )?);
        out.push(HookContext::relation(
            model,
            unit.clone(),
            RelationHook::Changed,
            id,
            Some(remote),
        )?);
    }
    Ok(out)
}

fn departed(
    model: &Model,
    unit: &UnitName,
    id: RelationId,
    remote: &UnitName,
    departing: &UnitName,
) -> RuleResult<HookContext> {
    Ok(
        HookContext::relation(model, unit.clone(), RelationHook::Departed, id, Some(remote.clone()))?
            .with_departing(departing.clone()),
    )
}

fn units_of(model: &Model, app: &AppName) -> RuleResult<Vec<UnitName>> {
    Ok(model.app(app)?.units.values().map(|u| u.name.clone()).collect())
}

fn peer_relations<'a>(model: &'a Model, app: &'a AppName) -> impl Iterator<Item = RelationId> + 'a {
    model.relations_of(app).filter(|r| r.is_peer()).map(|r| r.id)
}

#[cfg(test)]
mod tests;
