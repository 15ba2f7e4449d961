//! Removals, in two phases as in Juju: units and relations are dying while their
//! departed/broken/stop/remove hooks run, and leave the model after the last one.

use juju_model::tools::LogLevel;
use juju_model::{AppName, RelationId, UnitName};
use juju_rules::order;
use serde_json::{json, Value};

use super::relations::unrelate;
use super::{app_name, unit_name};
use crate::daemon::hooks::enqueue;
use crate::daemon::state::{Controller, Item};
use crate::daemon::{network, workload};
use crate::error::Result;

/// `remove-unit`.
pub(crate) fn remove_unit(ctl: &mut Controller, unit: &str) -> Result<Value> {
    let unit = unit_name(unit)?;
    ctl.model.unit(&unit)?;
    if ctl.units.get(&unit).is_some_and(|u| u.dying) {
        return Ok(json!({ "unit": unit.to_string() }));
    }
    start_unit_removal(ctl, &unit)?;
    Ok(json!({ "unit": unit.to_string() }))
}

pub(super) fn start_unit_removal(ctl: &mut Controller, unit: &UnitName) -> Result<()> {
    let hooks = order::scale_down(&ctl.model, unit)?;
    let was_leader = ctl.model.is_leader(unit);
    for relation in ctl.model.relations.values_mut() {
        relation.leave_scope(unit);
    }
    if was_leader {
        let next = ctl
            .model
            .app(unit.app())?
            .units
            .values()
            .map(|u| u.name.clone())
            .find(|u| u != unit && !ctl.units.get(u).is_some_and(|r| r.dying));
        if let Some(next) = next {
            ctl.model.set_leader(&next)?;
        }
    }
    for hook in hooks {
        enqueue(ctl, hook);
    }
    if let Some(rt) = ctl.units.get_mut(unit) {
        rt.dying = true;
        rt.queue.push_back(Item::RemoveUnit);
    }
    Ok(())
}

/// The last teardown hook of `unit` is done: out of the model, workloads stopped.
pub(crate) fn finalize_unit(ctl: &mut Controller, unit: &UnitName) {
    workload::stop_unit(ctl, unit);
    ctl.units.remove(unit);
    if let Err(err) = ctl.model.remove_unit(unit) {
        ctl.log(
            "controller",
            LogLevel::Warning,
            "local-model",
            format!("removing {unit}: {err}"),
        );
    }
    network::write_hosts(ctl);
    ctl.log(
        "controller",
        LogLevel::Info,
        "local-model",
        format!("unit {unit} removed"),
    );
    try_finalize_app(ctl, unit.app());
}

pub(super) fn try_finalize_app(ctl: &mut Controller, app: &AppName) {
    let dying = ctl.apps.get(app).is_some_and(|a| a.dying);
    let units_left = ctl.model.apps.get(app).is_some_and(|a| !a.units.is_empty());
    let relations_left = ctl
        .dying_relations
        .keys()
        .any(|id| ctl.model.relations.get(id).is_some_and(|r| r.end_of(app).is_some()));
    if !dying || units_left || relations_left {
        return;
    }
    if let Err(err) = ctl.model.remove_app(app) {
        ctl.log(
            "controller",
            LogLevel::Warning,
            "local-model",
            format!("removing {app}: {err}"),
        );
    }
    ctl.apps.remove(app);
    ctl.log(
        "controller",
        LogLevel::Info,
        "local-model",
        format!("application {app} removed"),
    );
}

/// A member of a dying relation is done with it; the last one removes it.
pub(crate) fn leave_relation(ctl: &mut Controller, id: RelationId) {
    let Some(left) = ctl.dying_relations.get_mut(&id) else {
        return;
    };
    *left = left.saturating_sub(1);
    if *left > 0 {
        return;
    }
    ctl.dying_relations.remove(&id);
    let apps: Vec<AppName> = ctl
        .model
        .relations
        .get(&id)
        .map(|r| r.ends.iter().map(|e| e.app.clone()).collect())
        .unwrap_or_default();
    let _ = ctl.model.unrelate(id);
    for app in apps {
        try_finalize_app(ctl, &app);
    }
}

/// `remove-application`.
pub(crate) fn remove_application(ctl: &mut Controller, app: &str) -> Result<Value> {
    let app = app_name(app)?;
    ctl.model.app(&app)?;
    if ctl.apps.get(&app).is_some_and(|a| a.dying) {
        return Ok(json!({ "application": app.to_string() }));
    }
    if let Some(rt) = ctl.apps.get_mut(&app) {
        rt.dying = true;
    }
    let relations: Vec<RelationId> = ctl
        .model
        .relations_of(&app)
        .filter(|r| !r.is_peer() && !ctl.dying_relations.contains_key(&r.id))
        .map(|r| r.id)
        .collect();
    for id in relations {
        unrelate(ctl, id)?;
    }
    let units: Vec<UnitName> = ctl.model.app(&app)?.units.values().map(|u| u.name.clone()).collect();
    for unit in &units {
        if !ctl.units.get(unit).is_some_and(|r| r.dying) {
            start_unit_removal(ctl, unit)?;
        }
    }
    try_finalize_app(ctl, &app);
    Ok(json!({ "application": app.to_string() }))
}
