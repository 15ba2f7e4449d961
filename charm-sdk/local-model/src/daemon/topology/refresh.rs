//! `refresh`: a new charm revision; each unit's "pod" is replaced (fresh charm
//! directory, workloads restarted) between the old charm's stop and upgrade-charm.
//!
//! `refresh --keep-workloads` swaps the charm directory in place instead and runs only
//! upgrade-charm → config-changed → leader-settings-changed (non-leaders): the workloads keep
//! running and the charm restarts them when it sees fit. Kubernetes never does that (a new
//! charm is a new pod); it stands in for the StatefulSet partition the data-platform charms
//! set so that pods are replaced one at a time, which this model does not emulate.

use std::sync::Arc;

use juju_model::tools::LogLevel;
use juju_model::UnitName;
use juju_rules::order;
use serde_json::{json, Value};

use super::app_name;
use crate::charm;
use crate::daemon::hooks::enqueue;
use crate::daemon::state::{Controller, Item};
use crate::daemon::{workload, Shared};
use crate::error::{Error, Result};

/// `refresh APP --path CHARM`.
pub(crate) fn refresh(
    ctl: &mut Controller,
    app: &str,
    charm_path: &std::path::Path,
    keep_workloads: bool,
) -> Result<Value> {
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
        let pod_lifecycle = matches!(hook.name.as_str(), "stop" | "start") || hook.name.ends_with("-pebble-ready");
        if keep_workloads && pod_lifecycle {
            continue;
        }
        if hook.name == "upgrade-charm" {
            if let Some(rt) = ctl.units.get_mut(&hook.unit) {
                rt.queue
                    .push_back(if keep_workloads { Item::SwapCharm } else { Item::Upgrade });
            }
        }
        enqueue(ctl, hook);
    }
    Ok(json!({ "application": app.to_string(), "revision": revision }))
}

/// The pod of `unit` is replaced by the new charm: fresh charm directory (the old one's
/// local files go, as on Kubernetes), workloads restarted.
pub(crate) fn upgrade_unit(shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName) {
    let Some(source) = ctl.apps.get(unit.app()).map(|a| a.charm_dir.clone()) else {
        return;
    };
    let charm_dir = ctl.layout.unit_charm(unit);
    let servers = workload::take_servers(ctl, unit);
    let result = charm::clear_dir(&charm_dir, &["containers"]).and_then(|()| copy_into(&source, &charm_dir));
    if let Err(err) = result {
        ctl.unit_log(
            unit,
            LogLevel::Error,
            "juju.worker.uniter",
            format!("cannot install the new charm: {err}"),
        );
    }
    // The new "pod" starts when the old one's processes are gone (same ports, same socket).
    let shared = Arc::clone(shared);
    let unit = unit.clone();
    workload::shutdown_then(servers, move || {
        let mut ctl = shared.lock();
        if ctl.units.contains_key(&unit) && !ctl.shutting_down {
            workload::start_unit(&shared, &mut ctl, &unit);
        }
    });
}

/// The unit's charm directory gets the application's current charm; its workloads (and
/// their Pebble servers) are left alone.
pub(crate) fn swap_charm(ctl: &mut Controller, unit: &UnitName) {
    let Some(source) = ctl.apps.get(unit.app()).map(|a| a.charm_dir.clone()) else {
        return;
    };
    let charm_dir = ctl.layout.unit_charm(unit);
    let result = charm::clear_dir(&charm_dir, &["containers"]).and_then(|()| copy_into(&source, &charm_dir));
    if let Err(err) = result {
        ctl.unit_log(
            unit,
            LogLevel::Error,
            "juju.worker.uniter",
            format!("cannot install the new charm: {err}"),
        );
    }
}

pub(super) fn copy_into(source: &std::path::Path, dest: &std::path::Path) -> Result<()> {
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
