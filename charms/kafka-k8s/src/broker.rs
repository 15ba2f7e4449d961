//! The broker's files and service in the `kafka` container, through Pebble.
//!
//! The renderers ([`crate::workload`]) say what the files and the Pebble layer should be; this
//! module writes them and (re)starts the service. Kafka reads its files only at start-up, so
//! the running broker's configuration is identified by a fingerprint of everything rendered
//! (files and layer), kept in unit state: a running broker whose fingerprint differs from the
//! wanted one needs a restart, which the rolling-restart lock sequences (`crate::restart`).
//!
//! No Kafka distribution is reachable from the machines this charm is developed on, so in the
//! local model the container has no `/opt/kafka`: the charm checks for the start script
//! before starting and reports "kafka workload not available" instead of pretending.

use charm_sdk::model::pebble::Layer;
use charm_sdk::pebble::{ExecRequest, Pebble, PebbleError, PebbleExt, PushOptions, ServiceStatus};
use charm_sdk::prelude::*;

use crate::literals::{CONTAINER, SERVICE};
use crate::workload::env::WORKLOAD_USER;
use crate::workload::paths::{JMX_EXPORTER_AGENT, SERVER_START};
use crate::workload::{FormatCommand, RenderedFiles};

/// What is rendered for the unit: files and the layer.
#[derive(Debug, Clone)]
pub struct Desired {
    /// Path → content.
    pub files: RenderedFiles,
    /// The service layer.
    pub layer: Layer,
    /// Extra inputs of the fingerprint (a trust reload that failed, forcing a restart).
    pub salt: String,
}

impl Desired {
    /// The fingerprint of everything the broker reads at start-up.
    pub fn fingerprint(&self) -> String {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for (path, content) in &self.files.files {
            ctx.update(path.as_bytes());
            ctx.update(&[0]);
            ctx.update(content.as_bytes());
            ctx.update(&[0]);
        }
        ctx.update(self.layer.to_yaml().as_bytes());
        ctx.update(self.salt.as_bytes());
        ctx.finish()
            .as_ref()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Why the workload cannot run here.
pub fn unavailable(pebble: &dyn Pebble) -> Result<Option<String>, Error> {
    match pebble.list_files(SERVER_START, None, true) {
        Ok(entries) if !entries.is_empty() => Ok(None),
        Ok(_) => Ok(Some(format!(
            "{SERVER_START} is missing from the {CONTAINER} container"
        ))),
        Err(e) if e.is_not_found() => Ok(Some(format!(
            "{SERVER_START} is missing from the {CONTAINER} container"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Whether the image ships the JMX exporter agent.
pub fn has_jmx_exporter(pebble: &dyn Pebble) -> Result<bool, Error> {
    match pebble.list_files(JMX_EXPORTER_AGENT, None, true) {
        Ok(entries) => Ok(!entries.is_empty()),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether the broker service is running.
pub fn running(pebble: &dyn Pebble) -> Result<bool, Error> {
    Ok(pebble
        .get_services(&[SERVICE])?
        .iter()
        .any(|s| s.name == SERVICE && s.current == ServiceStatus::Active))
}

/// Whether the plan has the broker service (it was started at least once in this pod).
pub fn planned(pebble: &dyn Pebble) -> Result<bool, Error> {
    Ok(pebble.get_plan()?.services.contains_key(SERVICE))
}

/// Writes every rendered file that differs (credential files 0600). Returns whether any did.
pub fn write_files(pebble: &dyn Pebble, desired: &Desired) -> Result<bool, Error> {
    let secret = RenderedFiles::secret_paths();
    let mut changed = false;
    for (path, content) in &desired.files.files {
        let mode = if secret.contains(&path.as_str()) { 0o600 } else { 0o644 };
        let options = PushOptions::default()
            .permissions(mode)
            .owner(WORKLOAD_USER, WORKLOAD_USER)
            .make_dirs();
        changed |= pebble.ensure_file(path, content.as_bytes(), &options)?;
    }
    Ok(changed)
}

/// How a start or restart went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// The service runs.
    Running,
    /// Pebble could not start it; the first line of its error.
    Failed(String),
}

fn first_line(e: &PebbleError) -> String {
    let text = e.to_string();
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error");
    line.chars().take(160).collect()
}

/// Writes the files, adds the layer and makes sure the service runs; restarts it when it was
/// running with other files (`restart`).
pub fn apply(pebble: &dyn Pebble, desired: &Desired, restart: bool) -> Result<Started, Error> {
    write_files(pebble, desired)?;
    let result = (|| -> Result<(), PebbleError> {
        let replanned = pebble.ensure_layer(CONTAINER, &desired.layer)?;
        if restart && !replanned {
            pebble.restart_services(&[SERVICE])?;
        } else {
            pebble.ensure_started()?;
        }
        Ok(())
    })();
    match result {
        Ok(()) if running(pebble)? => Ok(Started::Running),
        Ok(()) => Ok(Started::Failed(
            "the service is not active after starting it".to_owned(),
        )),
        Err(e) if e.is_connection() => Err(e.into()),
        Err(e) => Ok(Started::Failed(first_line(&e))),
    }
}

/// Runs `kafka-storage.sh format` (KRaft). The argv holds salted passwords: never logged.
pub fn format_storage(pebble: &dyn Pebble, command: &FormatCommand) -> Result<Result<(), String>, Error> {
    let request = ExecRequest::new(command.argv().to_vec())
        .user(WORKLOAD_USER)
        .timeout(std::time::Duration::from_secs(120));
    match pebble.exec(&request) {
        Ok(output) if output.exit_code == 0 => Ok(Ok(())),
        Ok(output) => {
            let text = format!("{}\n{}", output.stderr_text(), output.stdout_text());
            let line = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("no output");
            Ok(Err(format!(
                "kafka-storage.sh format exited with {}: {line}",
                output.exit_code
            )))
        }
        Err(e) if e.is_connection() => Err(e.into()),
        Err(e) => Ok(Err(format!("kafka-storage.sh format: {}", first_line(&e)))),
    }
}

/// Stops the service (teardown).
pub fn stop(pebble: &dyn Pebble) -> Result<(), Error> {
    if running(pebble)? {
        pebble.stop_services(&[SERVICE])?;
    }
    Ok(())
}
