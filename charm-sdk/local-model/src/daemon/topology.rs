//! What the operator changes: deploy, integrate, remove-relation, scale, config, refresh,
//! remove-application, actions; and the finishing steps that removal needs.
//!
//! Each change is made to the juju-rules model and the hooks Juju would run are queued
//! from `juju_rules::order`. Removals are two-phase, as in Juju: the relation or unit is
//! "dying" while its departed/broken/stop/remove hooks run (so they can still read the
//! relation), and it leaves the model when its last hook is done ([`Item::LeaveRelation`],
//! [`Item::RemoveUnit`]).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use juju_model::meta::EndpointRole;
use juju_model::tools::LogLevel;
use juju_model::{AppName, CharmMeta, RelationId, UnitName};
use juju_rules::{default_unit_bag, order, HookContext, RelationEnd};
use serde_json::{json, Value};

use super::hooks::{enqueue, enqueue_action};
use super::state::{AppRuntime, Controller, Item, UnitRuntime};
use super::{network, workload, Shared};
use crate::charm;
use crate::error::{Error, Result};
use crate::proto::DeployRequest;

fn app_name(name: &str) -> Result<AppName> {
    AppName::new(name).map_err(|e| Error::refused(e.to_string()))
}

fn unit_name(name: &str) -> Result<UnitName> {
    UnitName::new(name).map_err(|e| Error::refused(e.to_string()))
}

/// Converts `k=v` texts to typed config values with the charm's option types.
fn typed_config(meta: &CharmMeta, values: &BTreeMap<String, String>) -> Result<serde_json::Map<String, Value>> {
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

/// `deploy`.
pub(crate) fn deploy(shared: &Arc<Shared>, ctl: &mut Controller, req: DeployRequest) -> Result<Value> {
    let staging = ctl.layout.charms().join(format!(".staging-{}", ctl.next_context));
    ctl.next_context += 1;
    let installed = charm::install(&req.charm, &staging)?;
    let name = req.app.clone().unwrap_or_else(|| installed.meta.name.clone());
    let app = app_name(&name)?;
    if ctl.model.apps.contains_key(&app) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::refused(format!("cannot add application {name:?}: application already exists")));
    }
    let config = typed_config(&installed.meta, &req.config)?;
    for resource in req.resources.keys() {
        if !installed.meta.resources.contains_key(resource) {
            return Err(Error::refused(format!("charm {:?} has no resource {resource:?}", installed.meta.name)));
        }
    }
    let dir = ctl.layout.charms().join(format!("{name}-1"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io("removing", &dir, e))?;
    }
    std::fs::rename(&staging, &dir).map_err(|e| Error::io("moving", &staging, e))?;
    let meta = installed.meta;
    let charm_name = meta.name.clone();
    let file_resources: BTreeMap<String, String> = req
        .resources
        .iter()
        .filter(|(k, _)| meta.resources.get(*k).is_some_and(|r| r.kind == "file"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    ctl.model.deploy(&name, meta, req.units)?;
    let model_app = ctl.model.app_mut(&app)?;
    model_app.config = config;
    model_app.resources = file_resources;
    ctl.apps.insert(
        app.clone(),
        AppRuntime {
            charm_dir: dir,
            charm_name: charm_name.clone(),
            revision: 1,
            resources: req.resources.clone(),
            leader_settings: BTreeMap::new(),
            dying: false,
        },
    );
    let units: Vec<UnitName> = ctl.model.app(&app)?.units.values().map(|u| u.name.clone()).collect();
    for unit in &units {
        create_unit(shared, ctl, unit)?;
    }
    network::write_hosts(ctl);
    for hook in order::deploy(&ctl.model, &app)? {
        enqueue(ctl, hook);
    }
    ctl.log(
        "controller",
        LogLevel::Info,
        "local-model",
        format!("deployed {name} ({charm_name}) with {} unit(s)", units.len()),
    );
    Ok(json!({"application": name, "units": units.iter().map(ToString::to_string).collect::<Vec<_>>()}))
}

/// Gives a unit its address, directories, charm copy and workloads.
fn create_unit(shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName) -> Result<()> {
    let address = network::allocate(ctl);
    set_address(ctl, unit, address)?;
    let charm_dir = ctl.layout.unit_charm(unit);
    let source = ctl
        .apps
        .get(unit.app())
        .map(|a| a.charm_dir.clone())
        .ok_or_else(|| Error::refused(format!("application {:?} not found", unit.app().as_str())))?;
    if charm_dir.exists() {
        std::fs::remove_dir_all(&charm_dir).map_err(|e| Error::io("removing", &charm_dir, e))?;
    }
    charm::copy_tree(&source, &charm_dir)?;
    let storage: Vec<String> = ctl.model.unit(unit)?.storage.keys().cloned().collect();
    for id in storage {
        let dir = ctl.layout.storage(unit, &id);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
    }
    ctl.units.insert(unit.clone(), UnitRuntime::new(address));
    network::write_hosts(ctl);
    workload::start_unit(shared, ctl, unit);
    Ok(())
}

/// Sets a unit's address in the model and in the bags Juju wrote for it.
fn set_address(ctl: &mut Controller, unit: &UnitName, address: Ipv4Addr) -> Result<()> {
    let text = address.to_string();
    let model_unit = ctl.model.unit_mut(unit)?;
    let old = std::mem::replace(&mut model_unit.address, text.clone());
    for relation in ctl.model.relations.values_mut() {
        if let Some(bag) = relation.unit_data.get_mut(unit) {
            if bag.get("ingress-address") == Some(&old) {
                bag.extend(default_unit_bag(&text));
            }
        }
    }
    Ok(())
}

/// `add-unit`.
pub(crate) fn add_unit(shared: &Arc<Shared>, ctl: &mut Controller, app: &str, count: u32) -> Result<Value> {
    let app = app_name(app)?;
    ctl.model.app(&app)?;
    if ctl.apps.get(&app).is_some_and(|a| a.dying) {
        return Err(Error::refused(format!("application {:?} is being removed", app.as_str())));
    }
    let mut added = Vec::new();
    for _ in 0..count {
        let unit = ctl.model.add_unit(&app)?;
        create_unit(shared, ctl, &unit)?;
        network::write_hosts(ctl);
        for hook in order::scale_up(&ctl.model, &unit)? {
            enqueue(ctl, hook);
        }
        added.push(unit.to_string());
    }
    Ok(json!({ "units": added }))
}

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

fn start_unit_removal(ctl: &mut Controller, unit: &UnitName) -> Result<()> {
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
        ctl.log("controller", LogLevel::Warning, "local-model", format!("removing {unit}: {err}"));
    }
    network::write_hosts(ctl);
    ctl.log("controller", LogLevel::Info, "local-model", format!("unit {unit} removed"));
    try_finalize_app(ctl, unit.app());
}

fn try_finalize_app(ctl: &mut Controller, app: &AppName) {
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
        ctl.log("controller", LogLevel::Warning, "local-model", format!("removing {app}: {err}"));
    }
    ctl.apps.remove(app);
    ctl.log("controller", LogLevel::Info, "local-model", format!("application {app} removed"));
}

/// A member of a dying relation is done with it; the last one removes it.
pub(crate) fn leave_relation(ctl: &mut Controller, id: RelationId) {
    let Some(left) = ctl.dying_relations.get_mut(&id) else { return };
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

/// Parses `app[:endpoint]`.
fn end_spec(text: &str) -> Result<(AppName, Option<String>)> {
    match text.split_once(':') {
        Some((app, ep)) => Ok((app_name(app)?, Some(ep.to_owned()))),
        None => Ok((app_name(text)?, None)),
    }
}

/// The endpoint pairs two specs can mean, as Juju matches them: provides to requires
/// with the same interface.
fn candidates(ctl: &Controller, a: &str, b: &str) -> Result<Vec<(RelationEnd, RelationEnd, String)>> {
    let (app_a, ep_a) = end_spec(a)?;
    let (app_b, ep_b) = end_spec(b)?;
    let meta_a = &ctl.model.app(&app_a)?.meta;
    let meta_b = &ctl.model.app(&app_b)?.meta;
    let endpoints = |meta: &CharmMeta, wanted: &Option<String>| -> Vec<(String, EndpointRole, String)> {
        let mut out = Vec::new();
        for (role, map) in [(EndpointRole::Provides, &meta.provides), (EndpointRole::Requires, &meta.requires)] {
            for (name, ep) in map {
                if wanted.as_ref().is_none_or(|w| w == name) {
                    out.push((name.clone(), role, ep.interface.clone()));
                }
            }
        }
        out
    };
    let mut out = Vec::new();
    for (name_a, role_a, iface_a) in endpoints(meta_a, &ep_a) {
        for (name_b, role_b, iface_b) in endpoints(meta_b, &ep_b) {
            if iface_a == iface_b && role_a != role_b {
                out.push((
                    RelationEnd::new(app_a.clone(), name_a.clone()),
                    RelationEnd::new(app_b.clone(), name_b),
                    iface_a.clone(),
                ));
            }
        }
    }
    Ok(out)
}

fn key_of(a: &RelationEnd, b: &RelationEnd) -> String {
    let mut ends = [format!("{}:{}", a.app, a.endpoint), format!("{}:{}", b.app, b.endpoint)];
    ends.sort();
    ends.join(" ")
}

/// `integrate` (`relate`).
pub(crate) fn integrate(ctl: &mut Controller, a: &str, b: &str) -> Result<Value> {
    let found = candidates(ctl, a, b)?;
    let (end_a, end_b, _) = match found.len() {
        0 => return Err(Error::refused(format!("no relations found between {a:?} and {b:?}"))),
        1 => found.into_iter().next().ok_or_else(|| Error::refused("no relations found"))?,
        _ => {
            let options: Vec<String> = found.iter().map(|(x, y, _)| format!("{:?}", key_of(x, y))).collect();
            return Err(Error::refused(format!(
                "ambiguous relation: \"{a} {b}\" could refer to {}",
                options.join("; ")
            )));
        }
    };
    let key = key_of(&end_a, &end_b);
    if ctl.model.relations.values().any(|r| r.key() == key && !ctl.dying_relations.contains_key(&r.id)) {
        return Err(Error::refused(format!("cannot add relation \"{key}\": relation {key} already exists")));
    }
    for end in [&end_a, &end_b] {
        if ctl.apps.get(&end.app).is_some_and(|a| a.dying) {
            return Err(Error::refused(format!("application {:?} is being removed", end.app.as_str())));
        }
    }
    let id = ctl.model.relate(end_a, end_b)?;
    // Units on their way out do not join.
    let dying: Vec<UnitName> = ctl.units.iter().filter(|(_, r)| r.dying).map(|(u, _)| u.clone()).collect();
    if let Some(rel) = ctl.model.relations.get_mut(&id) {
        for unit in &dying {
            rel.leave_scope(unit);
        }
    }
    for hook in order::relate(&ctl.model, id)? {
        enqueue(ctl, hook);
    }
    Ok(json!({ "relation": key, "id": id.0 }))
}

/// `remove-relation`.
pub(crate) fn remove_relation(ctl: &mut Controller, a: &str, b: &str) -> Result<Value> {
    let (app_a, ep_a) = end_spec(a)?;
    let (app_b, ep_b) = end_spec(b)?;
    let matches = |end: &RelationEnd, app: &AppName, ep: &Option<String>| {
        end.app == *app && ep.as_ref().is_none_or(|e| *e == end.endpoint)
    };
    let found: Vec<RelationId> = ctl
        .model
        .relations
        .values()
        .filter(|r| !r.is_peer() && !ctl.dying_relations.contains_key(&r.id))
        .filter(|r| {
            let [x, y] = [&r.ends[0], &r.ends[r.ends.len() - 1]];
            (matches(x, &app_a, &ep_a) && matches(y, &app_b, &ep_b)) || (matches(y, &app_a, &ep_a) && matches(x, &app_b, &ep_b))
        })
        .map(|r| r.id)
        .collect();
    let id = match found.as_slice() {
        [id] => *id,
        [] => return Err(Error::refused(format!("relation \"{a} {b}\" not found"))),
        _ => return Err(Error::refused(format!("ambiguous relation \"{a} {b}\": name the endpoints"))),
    };
    unrelate(ctl, id)?;
    Ok(json!({ "id": id.0 }))
}

/// Starts removing relation `id`: departed and broken hooks, then it leaves the model.
fn unrelate(ctl: &mut Controller, id: RelationId) -> Result<()> {
    let hooks = order::unrelate(&ctl.model, id)?;
    let members: Vec<UnitName> = ctl
        .model
        .relations
        .get(&id)
        .map(|r| r.members.iter().cloned().collect())
        .unwrap_or_default();
    if let Some(rel) = ctl.model.relations.get_mut(&id) {
        rel.members.clear();
    }
    for hook in hooks {
        enqueue(ctl, hook);
    }
    let mut left = 0;
    for unit in &members {
        if let Some(rt) = ctl.units.get_mut(unit) {
            rt.queue.push_back(Item::LeaveRelation(id));
            left += 1;
        }
    }
    if left == 0 {
        let _ = ctl.model.unrelate(id);
    } else {
        ctl.dying_relations.insert(id, left);
    }
    Ok(())
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

/// `config APP [k=v...] [--reset k]`.
pub(crate) fn config(ctl: &mut Controller, app: &str, set: &BTreeMap<String, String>, reset: &[String]) -> Result<Value> {
    let app = app_name(app)?;
    let meta = ctl.model.app(&app)?.meta.clone();
    if set.is_empty() && reset.is_empty() {
        let current = ctl.model.app(&app)?;
        let mut settings = serde_json::Map::new();
        for (key, option) in &meta.config.options {
            let value = current.config.get(key).cloned();
            let source = if value.is_some() { "user" } else { "default" };
            let mut entry = json!({
                "type": option.kind,
                "source": source,
                "description": option.description.clone().unwrap_or_default(),
            });
            if let Some(v) = value.or_else(|| option.default.clone()) {
                entry["value"] = v;
            }
            settings.insert(key.clone(), entry);
        }
        return Ok(json!({ "application": app.to_string(), "charm": meta.name, "settings": settings }));
    }
    let typed = typed_config(&meta, set)?;
    for key in reset {
        if !meta.config.options.contains_key(key) {
            return Err(Error::refused(format!("unknown option {key:?}")));
        }
    }
    let model_app = ctl.model.app_mut(&app)?;
    let before = model_app.config.clone();
    for key in reset {
        model_app.config.remove(key);
    }
    model_app.config.extend(typed);
    if model_app.config != before {
        for hook in order::config_changed(&ctl.model, &app)? {
            enqueue(ctl, hook);
        }
    }
    Ok(json!({ "application": app.to_string() }))
}

/// `refresh APP --path CHARM`.
pub(crate) fn refresh(ctl: &mut Controller, app: &str, charm_path: &std::path::Path) -> Result<Value> {
    let app = app_name(app)?;
    ctl.model.app(&app)?;
    let revision = ctl.apps.get(&app).map(|a| a.revision + 1).unwrap_or(1);
    let dir = ctl.layout.charms().join(format!("{app}-{revision}"));
    let installed = charm::install(charm_path, &dir)?;
    if let Some(rt) = ctl.apps.get_mut(&app) {
        rt.charm_dir = dir;
        rt.revision = revision;
        rt.charm_name = installed.meta.name.clone();
    }
    ctl.model.app_mut(&app)?.meta = installed.meta;
    for hook in order::upgrade(&ctl.model, &app)? {
        if hook.name == "upgrade-charm" {
            if let Some(rt) = ctl.units.get_mut(&hook.unit) {
                rt.queue.push_back(Item::Upgrade);
            }
        }
        enqueue(ctl, hook);
    }
    Ok(json!({ "application": app.to_string(), "revision": revision }))
}

/// The pod of `unit` is replaced by the new charm: fresh charm directory (the old one's
/// local files go, as on Kubernetes), workloads restarted.
pub(crate) fn upgrade_unit(shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName) {
    let Some(source) = ctl.apps.get(unit.app()).map(|a| a.charm_dir.clone()) else { return };
    let charm_dir = ctl.layout.unit_charm(unit);
    workload::stop_unit(ctl, unit);
    let result = charm::clear_dir(&charm_dir, &["containers"]).and_then(|()| copy_into(&source, &charm_dir));
    if let Err(err) = result {
        ctl.unit_log(unit, LogLevel::Error, "juju.worker.uniter", format!("cannot install the new charm: {err}"));
    }
    workload::start_unit(shared, ctl, unit);
}

fn copy_into(source: &std::path::Path, dest: &std::path::Path) -> Result<()> {
    let entries = std::fs::read_dir(source).map_err(|e| Error::io("listing", source, e))?;
    for entry in entries.flatten() {
        let target = dest.join(entry.file_name());
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => charm::copy_tree(&path, &target)?,
            Ok(t) if t.is_symlink() => {
                let link = std::fs::read_link(&path).map_err(|e| Error::io("reading", &path, e))?;
                std::os::unix::fs::symlink(link, &target).map_err(|e| Error::io("linking", &target, e))?;
            }
            _ => {
                std::fs::copy(&path, &target).map_err(|e| Error::io("copying", &path, e))?;
            }
        }
    }
    Ok(())
}

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
        return Err(Error::refused(format!("action {action:?} not defined on unit {:?}", unit.to_string())));
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
