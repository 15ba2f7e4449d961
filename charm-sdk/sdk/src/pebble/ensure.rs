//! Idempotent helpers for `reconcile`: write only what differs, restart only what changed.
//!
//! A reconciling charm runs the same code for every event, so every write to the workload
//! must be a no-op when the workload is already as wanted — otherwise each
//! `update-status` would rewrite configuration and bounce services. These helpers compare
//! first (`list_files`/`pull`, `get_plan`) and report whether they changed anything, so the
//! charm can restart exactly the services whose inputs changed:
//!
//! ```no_run
//! use charm_sdk::pebble::{Pebble, PebbleExt, PushOptions};
//! use charm_sdk::model::pebble::{Layer, Service};
//!
//! fn configure(pebble: &dyn Pebble, properties: &str) -> Result<(), charm_sdk::pebble::PebbleError> {
//!     let config_changed = pebble.ensure_file("/etc/kafka/server.properties", properties.as_bytes(),
//!         &PushOptions::default().permissions(0o640).owner("kafka", "kafka"))?;
//!     let layer = Layer::default().with_service("kafka", Service::replace("/opt/kafka/bin/start").enabled());
//!     let plan_changed = pebble.ensure_layer("kafka", &layer)?; // replans when it changed
//!     pebble.restart_if_changed(config_changed && !plan_changed, &["kafka"])?;
//!     Ok(())
//! }
//! ```

use juju_model::pebble::{Layer, Startup};

use super::error::PebbleError;
use super::types::{FileInfo, FileType, PushOptions, ServiceStatus};
use super::Pebble;

/// Pebble's mode for files pushed without `permissions`.
const DEFAULT_FILE_MODE: u32 = 0o644;

/// Whether the file's metadata is what `push(options)` would leave.
fn metadata_matches(info: &FileInfo, options: &PushOptions) -> bool {
    let mode_ok = info.permissions & 0o7777 == options.permissions.unwrap_or(DEFAULT_FILE_MODE);
    let user_ok = options.user.as_ref().is_none_or(|u| info.user.as_ref() == Some(u))
        && options.user_id.is_none_or(|id| info.user_id == Some(id));
    let group_ok = options.group.as_ref().is_none_or(|g| info.group.as_ref() == Some(g))
        && options.group_id.is_none_or(|id| info.group_id == Some(id));
    mode_ok && user_ok && group_ok
}

/// Pushes `content` to `path` unless the file already has this content, the permissions
/// `options` ask for (0o644 when unset, as Pebble writes) and the owner/group it names.
/// Returns whether it wrote.
pub fn ensure_file<P: Pebble + ?Sized>(
    pebble: &P,
    path: &str,
    content: &[u8],
    options: &PushOptions,
) -> Result<bool, PebbleError> {
    let current = match pebble.list_files(path, None, true) {
        Ok(mut entries) => entries.pop(),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e),
    };
    if let Some(info) = current {
        let same_size = info.size.is_none_or(|size| size == content.len() as u64);
        if info.file_type == FileType::File
            && same_size
            && metadata_matches(&info, options)
            && pebble.pull(path)? == content
        {
            return Ok(false);
        }
    }
    pebble.push(path, content, options)?;
    Ok(true)
}

/// Adds `layer` under `label` (combining) and replans, unless the plan would stay the same.
/// Returns whether it changed the plan.
///
/// The would-be plan is computed locally from the current plan with the layer combined on
/// top, which is exact when `label` is new or is the last layer (the usual single charm
/// layer). If the local combination fails, the layer is sent anyway so that Pebble's own
/// error is reported.
pub fn ensure_layer<P: Pebble + ?Sized>(pebble: &P, label: &str, layer: &Layer) -> Result<bool, PebbleError> {
    let before = pebble.get_plan()?;
    if let Ok(after) = before.with_layer(label, layer) {
        if after == before {
            return Ok(false);
        }
    }
    pebble.add_layer(label, layer, true)?;
    pebble.replan_services()?;
    Ok(true)
}

/// Replans when a service with `startup: enabled` is not running (for instance after a
/// previous hook added the layer but the service failed to start). Returns whether it
/// replanned.
pub fn ensure_started<P: Pebble + ?Sized>(pebble: &P) -> Result<bool, PebbleError> {
    let needs_replan = pebble
        .get_services(&[])?
        .iter()
        .any(|s| s.startup == Startup::Enabled && s.current != ServiceStatus::Active);
    if needs_replan {
        pebble.replan_services()?;
    }
    Ok(needs_replan)
}

/// Restarts those of `services` that are running, when `changed` (typically: a
/// configuration file they read was rewritten). Services that are not running are left for
/// `replan`/`start`. Returns whether it restarted anything.
pub fn restart_if_changed<P: Pebble + ?Sized>(
    pebble: &P,
    changed: bool,
    services: &[&str],
) -> Result<bool, PebbleError> {
    if !changed || services.is_empty() {
        return Ok(false);
    }
    let running: Vec<String> = pebble
        .get_services(services)?
        .into_iter()
        .filter(|s| s.current == ServiceStatus::Active)
        .map(|s| s.name)
        .collect();
    if running.is_empty() {
        return Ok(false);
    }
    let names: Vec<&str> = running.iter().map(String::as_str).collect();
    pebble.restart_services(&names)?;
    Ok(true)
}

/// The helpers above as methods on any [`Pebble`] (including `dyn Pebble`).
pub trait PebbleExt: Pebble {
    /// See [`ensure_file`].
    fn ensure_file(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<bool, PebbleError> {
        ensure_file(self, path, content, options)
    }

    /// See [`ensure_layer`].
    fn ensure_layer(&self, label: &str, layer: &Layer) -> Result<bool, PebbleError> {
        ensure_layer(self, label, layer)
    }

    /// See [`ensure_started`].
    fn ensure_started(&self) -> Result<bool, PebbleError> {
        ensure_started(self)
    }

    /// See [`restart_if_changed`].
    fn restart_if_changed(&self, changed: bool, services: &[&str]) -> Result<bool, PebbleError> {
        restart_if_changed(self, changed, services)
    }
}

impl<P: Pebble + ?Sized> PebbleExt for P {}
