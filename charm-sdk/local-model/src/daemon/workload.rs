//! Where charm code and workloads run: the unit's sandboxes and Pebble servers.
//!
//! A hook runs in the unit's charm sandbox: a private mount namespace (the other
//! engineer's [`crate::sandbox`]) where `/charm/containers` is the unit's containers
//! directory, so `/charm/containers/<c>/pebble.socket` is where ops and our SDK look, and
//! `/etc/hosts` is the model's hosts file. Each container gets a Pebble server on that
//! socket, whose services run in the container's own sandbox with the binds of the
//! container's host profile and its storage mounts.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use juju_model::UnitName;

use super::state::{Container, Controller};
use super::Shared;
use crate::sandbox::{Bind, RunOptions, Sandbox};

/// A running Pebble server of one container.
#[derive(Debug)]
pub(crate) struct Server {
    /// The sandbox name (`<pod>/<container>`), as Pebble events carry it.
    pub(crate) name: String,
}

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

/// Creates the unit's container directories and starts their Pebble servers.
pub(crate) fn start_unit(_shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName) {
    let containers: Vec<String> = ctl
        .model
        .app(unit.app())
        .map(|a| a.meta.containers.keys().cloned().collect())
        .unwrap_or_default();
    for name in containers {
        let dir = ctl.layout.unit_containers(unit).join(&name);
        let _ = std::fs::create_dir_all(&dir);
        let container = Container {
            ready: true,
            awaiting_ready: false,
            server: Some(Server {
                name: format!("{}/{name}", unit.pod_name()),
            }),
        };
        if let Some(rt) = ctl.units.get_mut(unit) {
            rt.containers.insert(name, container);
        }
    }
}

/// Stops the unit's Pebble servers (and with them their services).
pub(crate) fn stop_unit(ctl: &mut Controller, unit: &UnitName) {
    if let Some(rt) = ctl.units.get_mut(unit) {
        for container in rt.containers.values_mut() {
            container.server = None;
            container.ready = false;
        }
    }
}

/// Starts the thread that turns Pebble events into hooks.
pub(crate) fn start_events(_shared: &Arc<Shared>) {}
