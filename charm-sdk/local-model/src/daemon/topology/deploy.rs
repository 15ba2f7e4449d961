//! `deploy` and `add-unit`: new applications and units, with their addresses,
//! directories, charm copies and workloads, and the hooks Juju runs for them.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use juju_model::tools::LogLevel;
use juju_model::UnitName;
use juju_rules::{default_unit_bag, order};
use serde_json::{json, Value};

use super::{app_name, typed_config};
use crate::charm;
use crate::daemon::hooks::enqueue;
use crate::daemon::state::{AppRuntime, Controller, UnitRuntime};
use crate::daemon::{network, workload, Shared};
use crate::error::{Error, Result};
use crate::proto::DeployRequest;

/// `deploy`.
pub(crate) fn deploy(shared: &Arc<Shared>, ctl: &mut Controller, req: DeployRequest) -> Result<Value> {
    let staging = ctl.layout.charms().join(format!(".staging-{}", ctl.next_context));
    ctl.next_context += 1;
    let installed = charm::install(&req.charm, &staging)?;
    let name = req.app.clone().unwrap_or_else(|| installed.meta.name.clone());
    let app = app_name(&name)?;
    if ctl.model.apps.contains_key(&app) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::refused(format!(
            "cannot add application {name:?}: application already exists"
        )));
    }
    let config = typed_config(&installed.meta, &req.config)?;
    for resource in req.resources.keys() {
        if !installed.meta.resources.contains_key(resource) {
            return Err(Error::refused(format!(
                "charm {:?} has no resource {resource:?}",
                installed.meta.name
            )));
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
pub(super) fn create_unit(shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName) -> Result<()> {
    let (address, claim) = network::allocate(ctl);
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
    let mut runtime = UnitRuntime::new(address);
    runtime.address_claim = claim;
    ctl.units.insert(unit.clone(), runtime);
    network::write_hosts(ctl);
    workload::start_unit(shared, ctl, unit);
    Ok(())
}

/// Sets a unit's address in the model and in the bags Juju wrote for it.
pub(super) fn set_address(ctl: &mut Controller, unit: &UnitName, address: Ipv4Addr) -> Result<()> {
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
        return Err(Error::refused(format!(
            "application {:?} is being removed",
            app.as_str()
        )));
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
