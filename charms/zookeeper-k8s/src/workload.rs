//! Pebble I/O for the `zookeeper` container: read what is there, write what differs.
//!
//! Every write goes through `ensure_file`/`ensure_layer`, so a reconcile that changes nothing
//! makes no writes and no restarts. Files holding passwords or keys are 0600 and owned by the
//! rock's `zookeeper` user; the rest 0644.

use charm_sdk::model::pebble::Layer;
use charm_sdk::pebble::{MakeDirOptions, Pebble, PebbleError, PebbleExt, PushOptions, ServiceStatus};

use crate::literals::{DATA_DIR, DATA_LOG_DIR, SERVICE, WORKLOAD_GROUP, WORKLOAD_USER};

/// The container, seen by the charm.
pub struct Workload<'a> {
    pebble: &'a dyn Pebble,
}

impl<'a> Workload<'a> {
    /// Wraps a Pebble client.
    pub fn new(pebble: &'a dyn Pebble) -> Self {
        Self { pebble }
    }

    /// The Pebble client.
    pub fn pebble(&self) -> &'a dyn Pebble {
        self.pebble
    }

    /// A file's text; `None` when missing.
    pub fn read(&self, path: &str) -> Result<Option<String>, PebbleError> {
        match self.pebble.pull(path) {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether `path` exists.
    pub fn exists(&self, path: &str) -> Result<bool, PebbleError> {
        match self.pebble.list_files(path, None, true) {
            Ok(entries) => Ok(!entries.is_empty()),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Writes a file holding secrets (0600, workload user) if it differs. Returns whether it wrote.
    pub fn write_private(&self, path: &str, content: &[u8]) -> Result<bool, PebbleError> {
        self.pebble.ensure_file(path, content, &options(0o600))
    }

    /// Writes a public file (0644, workload user) if it differs. Returns whether it wrote.
    pub fn write_public(&self, path: &str, content: &[u8]) -> Result<bool, PebbleError> {
        self.pebble.ensure_file(path, content, &options(0o644))
    }

    /// Removes a file if it exists. Returns whether it did.
    pub fn remove(&self, path: &str) -> Result<bool, PebbleError> {
        match self.pebble.remove_path(path, false) {
            Ok(()) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Creates the data directories on the storage mount.
    pub fn ensure_data_dirs(&self) -> Result<(), PebbleError> {
        for dir in [DATA_DIR, DATA_LOG_DIR] {
            if !self.exists(dir)? {
                self.pebble.make_dir(
                    dir,
                    &MakeDirOptions {
                        make_parents: true,
                        permissions: Some(0o750),
                        user: Some(WORKLOAD_USER.to_owned()),
                        group: Some(WORKLOAD_GROUP.to_owned()),
                        ..MakeDirOptions::default()
                    },
                )?;
            }
        }
        Ok(())
    }

    /// Whether the service is in the plan and running.
    pub fn running(&self) -> Result<bool, PebbleError> {
        Ok(self
            .pebble
            .get_services(&[SERVICE])?
            .iter()
            .any(|s| s.current == ServiceStatus::Active))
    }

    /// Adds the layer (replanning, which starts or restarts the service, when the plan
    /// changes) and makes sure the service runs. Returns whether the layer changed.
    pub fn apply_layer(&self, layer: &Layer) -> Result<bool, PebbleError> {
        let changed = self.pebble.ensure_layer(SERVICE, layer)?;
        self.pebble.ensure_started()?;
        Ok(changed)
    }

    /// Restarts the service.
    pub fn restart(&self) -> Result<(), PebbleError> {
        self.pebble.restart_services(&[SERVICE])
    }

    /// Stops the service.
    pub fn stop(&self) -> Result<(), PebbleError> {
        if self.running()? {
            self.pebble.stop_services(&[SERVICE])?;
        }
        Ok(())
    }

    /// Whether the image ships `path` (optional tools such as the JMX exporter).
    pub fn ships(&self, path: &str) -> bool {
        self.exists(path).unwrap_or(false)
    }
}

fn options(mode: u32) -> PushOptions {
    PushOptions::default()
        .permissions(mode)
        .owner(WORKLOAD_USER, WORKLOAD_GROUP)
        .make_dirs()
}
