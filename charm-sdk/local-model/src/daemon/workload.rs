//! Where charm code and workloads run: the unit's sandboxes and Pebble servers.
//!
//! A hook runs in the unit's charm sandbox: a private mount namespace ([`crate::sandbox`])
//! where `/charm/containers` is the unit's containers directory, so
//! `/charm/containers/<c>/pebble.socket` is where ops and our SDK look, and `/etc/hosts`
//! is the model's hosts file. Each container gets a [`PebbleServer`] on that socket,
//! whose services run in the container's own sandbox: the binds of the host profile of
//! the container's resource ([`crate::profiles`]), its storage mounts (per-unit
//! directories) and the hosts file. Pebble's events come back on a channel and become
//! hooks (`<c>-pebble-ready`, custom notices, check failed/recovered).

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::sync::Arc;

use juju_model::tools::LogLevel;
use juju_model::UnitName;
use juju_rules::{HookContext, Notice};

use super::hooks::{enqueue, schedule};
use super::state::{Container, Controller};
use super::Shared;
use crate::pebble::{PebbleEvent, PebbleOptions, PebbleServer};
use crate::sandbox::{Bind, RunOptions, Sandbox};

/// The sandbox a unit's hooks run in.
fn charm_sandbox(ctl: &Controller, unit: &UnitName) -> Sandbox {
    let address = ctl
        .units
        .get(unit)
        .map(|u| u.address)
        .unwrap_or(std::net::Ipv4Addr::LOCALHOST);
    let mut sandbox = Sandbox::new(
        format!("{}/charm", unit.pod_name()),
        ctl.layout.container_root(unit, "charm"),
        address,
    );
    sandbox
        .binds
        .push(Bind::new(ctl.layout.unit_containers(unit), "/charm/containers"));
    sandbox.hosts_file = Some(ctl.layout.hosts(unit));
    sandbox.hostname = Some(unit.pod_name());
    sandbox
}

/// The command that runs hook `program` of `unit` with `charm_dir` as working directory.
pub(crate) fn hook_command(ctl: &Controller, unit: &UnitName, program: &Path, charm_dir: &Path) -> Command {
    let sandbox = charm_sandbox(ctl, unit);
    let options = RunOptions {
        working_dir: Some(charm_dir.to_string_lossy().into_owned()),
        ..RunOptions::default()
    };
    sandbox.command_with(&[program.to_string_lossy().into_owned()], &options)
}

/// The sandbox of container `name` of `unit`, and the rock's own Pebble layers.
fn container_sandbox(
    ctl: &mut Controller,
    unit: &UnitName,
    name: &str,
) -> Result<(Sandbox, Vec<(String, juju_model::pebble::Layer)>), String> {
    let app = ctl.model.app(unit.app()).map_err(|e| e.to_string())?;
    let container = app.meta.containers.get(name).cloned().unwrap_or_default();
    let address = ctl.units.get(unit).map(|u| u.address).ok_or("unit gone")?;
    let root = ctl.layout.container_root(unit, name);
    std::fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
    let sandbox_name = format!("{}/{name}", unit.pod_name());
    // The profile: what the operator passed for the resource, else the resource's name,
    // else its upstream image.
    let mut candidates = Vec::new();
    if let Some(resource) = &container.resource {
        if let Some(given) = ctl.apps.get(unit.app()).and_then(|a| a.resources.get(resource)) {
            candidates.push(given.clone());
        }
        candidates.push(resource.clone());
        if let Some(upstream) = app.meta.resources.get(resource).and_then(|r| r.upstream_source.clone()) {
            candidates.push(upstream);
        }
    }
    let profile = candidates.iter().find_map(|c| crate::profiles::profile_for(c));
    let (mut sandbox, layers) = match profile {
        Some(profile) => {
            for missing in profile.missing() {
                ctl.unit_log(
                    unit,
                    LogLevel::Warning,
                    "local-model.workload",
                    format!("{name}: {missing}"),
                );
            }
            let layers = profile.pebble_layers().map_err(|e| e.to_string())?;
            let sandbox = profile
                .sandbox(sandbox_name, &root, address, Some(unit.pod_name()))
                .map_err(|e| e.to_string())?;
            (sandbox, layers)
        }
        None => {
            let mut sandbox = Sandbox::new(sandbox_name, &root, address);
            sandbox.hostname = Some(unit.pod_name());
            (sandbox, Vec::new())
        }
    };
    let storage = ctl.model.unit(unit).map_err(|e| e.to_string())?.storage.clone();
    for mount in &container.mounts {
        if let Some(instance) = storage.values().find(|s| s.name() == mount.storage) {
            sandbox.binds.push(Bind::new(
                ctl.layout.storage(unit, &instance.id),
                mount.location.clone(),
            ));
        }
    }
    sandbox.hosts_file = Some(ctl.layout.hosts(unit));
    Ok((sandbox, layers))
}

/// Creates the unit's container directories and starts their Pebble servers.
pub(crate) fn start_unit(shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName) {
    let containers: Vec<String> = ctl
        .model
        .app(unit.app())
        .map(|a| a.meta.containers.keys().cloned().collect())
        .unwrap_or_default();
    for name in containers {
        let socket = ctl.layout.unit_containers(unit).join(&name).join("pebble.socket");
        let started = container_sandbox(ctl, unit, &name).and_then(|(sandbox, layers)| {
            let options = PebbleOptions {
                layers,
                log_file: Some(ctl.layout.unit(unit).join(format!("{name}.log"))),
                ..PebbleOptions::default()
            };
            PebbleServer::start_with(&socket, sandbox, options, shared.events()).map_err(|e| e.to_string())
        });
        let server = match started {
            Ok(server) => Some(server),
            Err(err) => {
                ctl.unit_log(
                    unit,
                    LogLevel::Error,
                    "local-model.workload",
                    format!("cannot start Pebble for container {name}: {err}"),
                );
                None
            }
        };
        if let Some(rt) = ctl.units.get_mut(unit) {
            let container = rt.containers.entry(name).or_default();
            container.ready = false;
            container.server = server;
        }
    }
}

/// Takes the unit's Pebble servers out (marking the containers not ready); the caller
/// shuts them down, off the controller lock.
pub(crate) fn take_servers(ctl: &mut Controller, unit: &UnitName) -> Vec<PebbleServer> {
    let Some(rt) = ctl.units.get_mut(unit) else {
        return Vec::new();
    };
    rt.containers
        .values_mut()
        .filter_map(|c: &mut Container| {
            c.ready = false;
            c.server.take()
        })
        .collect()
}

/// Shutdowns running in the background, joined before the controller exits so no
/// workload outlives it.
static BACKGROUND: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> = std::sync::Mutex::new(Vec::new());

/// Shuts servers down in the background, then runs `then`.
pub(crate) fn shutdown_then(servers: Vec<PebbleServer>, then: impl FnOnce() + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name("pebble shutdown".to_owned())
        .spawn(move || {
            shutdown_all(servers);
            then();
        });
    if let Ok(handle) = spawned {
        let mut list = BACKGROUND.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        list.retain(|h| !h.is_finished());
        list.push(handle);
    }
}

/// Waits for the background shutdowns.
pub(crate) fn join_background() {
    let handles: Vec<_> = std::mem::take(&mut *BACKGROUND.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    for handle in handles {
        let _ = handle.join();
    }
}

/// Shuts servers down in parallel and waits for all of them.
pub(crate) fn shutdown_all(servers: Vec<PebbleServer>) {
    let handles: Vec<_> = servers
        .into_iter()
        .map(|server| std::thread::spawn(move || server.shutdown()))
        .collect();
    for handle in handles {
        let _ = handle.join();
    }
}

/// Stops the unit's Pebble servers (and their services) in the background.
pub(crate) fn stop_unit(ctl: &mut Controller, unit: &UnitName) {
    let servers = take_servers(ctl, unit);
    if !servers.is_empty() {
        shutdown_then(servers, || {});
    }
}

/// `<pod>/<container>` back to the unit and container.
fn parse_sandbox(name: &str) -> Option<(UnitName, String)> {
    let (pod, container) = name.split_once('/')?;
    let (app, number) = pod.rsplit_once('-')?;
    let unit = UnitName::new(&format!("{app}/{number}")).ok()?;
    Some((unit, container.to_owned()))
}

fn on_event(ctl: &mut Controller, event: PebbleEvent) {
    let sandbox = match &event {
        PebbleEvent::Ready { sandbox }
        | PebbleEvent::CustomNotice { sandbox, .. }
        | PebbleEvent::CheckFailed { sandbox, .. }
        | PebbleEvent::CheckRecovered { sandbox, .. } => sandbox.clone(),
    };
    let Some((unit, container)) = parse_sandbox(&sandbox) else {
        return;
    };
    let Some(rt) = ctl.units.get_mut(&unit) else { return };
    if rt.dying {
        return;
    }
    let hook = match event {
        PebbleEvent::Ready { .. } => {
            let Some(c) = rt.containers.get_mut(&container) else {
                return;
            };
            c.ready = true;
            if !(c.awaiting_ready || rt.installed) {
                return;
            }
            c.awaiting_ready = false;
            HookContext::pebble(unit, &container, "pebble-ready")
        }
        PebbleEvent::CustomNotice { id, key, .. } => {
            let mut hook = HookContext::pebble(unit, &container, "pebble-custom-notice");
            hook.notice = Some(Notice {
                id,
                kind: "custom".to_owned(),
                key,
            });
            hook
        }
        PebbleEvent::CheckFailed { check, .. } => {
            let mut hook = HookContext::pebble(unit, &container, "pebble-check-failed");
            hook.check = Some(check);
            hook
        }
        PebbleEvent::CheckRecovered { check, .. } => {
            let mut hook = HookContext::pebble(unit, &container, "pebble-check-recovered");
            hook.check = Some(check);
            hook
        }
    };
    enqueue(ctl, hook);
}

/// Starts the thread that turns Pebble events into hooks; returns the events' sender.
pub(crate) fn start_events(shared: &Arc<Shared>) -> mpsc::Sender<PebbleEvent> {
    let (sender, receiver) = mpsc::channel::<PebbleEvent>();
    let shared = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name("pebble events".to_owned())
        .spawn(move || {
            for event in receiver {
                let mut ctl = shared.lock();
                if ctl.shutting_down {
                    continue;
                }
                on_event(&mut ctl, event);
                schedule(&shared, &mut ctl);
            }
        });
    drop(spawned);
    sender
}
