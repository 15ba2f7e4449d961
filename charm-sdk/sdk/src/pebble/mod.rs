//! Talking to Pebble, the service manager in each workload container.
//!
//! A sidecar charm manages its workload only through Pebble's HTTP API on
//! `/charm/containers/<container>/pebble.socket`: layers and services, files, exec, health
//! checks, notices. This module is that API, blocking, behind one object-safe trait so
//! that charm code runs unchanged against the real socket ([`Client`], via
//! [`SocketConnector`]) and against the in-memory fake of `charm-testing`:
//!
//! - [`Pebble`]: one method per operation of ops' `pebble.Client`, same semantics (service
//!   actions and exec wait for their change and fail with its error; file operations fail
//!   with a per-path [`PebbleError::Path`]).
//! - [`PebbleConnector`]: how a charm run gets a `Pebble` for a container name.
//! - [`PebbleError`]: one error type; [`PebbleError::Connection`] means "not up yet".
//! - [`PebbleExt`] / [`ensure`]: idempotent helpers for reconcile (`ensure_file`,
//!   `ensure_layer`, `restart_if_changed`).
//!
//! The layer and plan types are shared with Pebble emulators and live in
//! [`juju_model::pebble`] (re-exported here).
//!
//! ```no_run
//! use charm_sdk::pebble::{ExecRequest, Pebble, PebbleConnector, SocketConnector};
//!
//! let connector = SocketConnector::default();
//! let pebble = connector.connect("kafka")?;
//! let out = pebble.exec_checked(&ExecRequest::new(["kafka-topics.sh", "--list"]))?;
//! println!("{}", out.stdout_text());
//! # Ok::<(), charm_sdk::pebble::PebbleError>(())
//! ```

mod client;
pub mod ensure;
mod error;
mod exec;
mod files;
mod http;
mod types;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub use client::{Client, DEFAULT_CHANGE_TIMEOUT, DEFAULT_TIMEOUT};
pub use ensure::PebbleExt;
pub use error::PebbleError;
pub use juju_model::pebble::{
    Check, CheckLevel, ExecCheck, GoDuration, HttpCheck, Layer, LogTarget, LogTargetType, Override, Plan, PlanError,
    Service, ServiceAction, Startup, TcpCheck,
};
pub use types::{
    CheckInfo, CheckStatus, ExecOutput, ExecRequest, FileInfo, FileType, MakeDirOptions, Notice, NoticeFilter,
    PushOptions, ServiceInfo, ServiceStatus, SystemInfo,
};

/// A Pebble API, blocking. Object safe: charms receive `Box<dyn Pebble>`.
///
/// Service names and check names are passed as `&[&str]`; an empty list means "all" for
/// queries. Every method is one Pebble API call (plus change waits).
pub trait Pebble {
    /// `GET /v1/system-info`; also a cheap "is Pebble up" probe.
    fn system_info(&self) -> Result<SystemInfo, PebbleError>;

    /// Adds a layer under `label`. With `combine`, a layer with the same label is combined
    /// with this one (else this one is appended); without, an existing label is an error
    /// (`layer "x" already exists`).
    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError>;

    /// The combined plan.
    fn get_plan(&self) -> Result<Plan, PebbleError>;

    /// Service statuses, sorted by name; all services of the plan when `names` is empty.
    /// Unknown names are ignored, as Pebble does.
    fn get_services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError>;

    /// Starts services (and what they require) and waits for the change.
    fn start_services(&self, services: &[&str]) -> Result<(), PebbleError>;

    /// Stops services (and what requires them) and waits for the change.
    fn stop_services(&self, services: &[&str]) -> Result<(), PebbleError>;

    /// Restarts services (starts those not running) and waits for the change.
    fn restart_services(&self, services: &[&str]) -> Result<(), PebbleError>;

    /// Restarts services whose plan changed and starts `startup: enabled` ones that are not
    /// running, then waits for the change.
    fn replan_services(&self) -> Result<(), PebbleError>;

    /// Writes a file atomically.
    fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<(), PebbleError>;

    /// Reads a regular file.
    fn pull(&self, path: &str) -> Result<Vec<u8>, PebbleError>;

    /// Lists a directory (entries matching the glob `pattern` on the base name), or
    /// describes `path` itself when `itself` is set or it is not a directory.
    fn list_files(&self, path: &str, pattern: Option<&str>, itself: bool) -> Result<Vec<FileInfo>, PebbleError>;

    /// Creates a directory.
    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError>;

    /// Removes a file or (empty, unless `recursive`) directory.
    fn remove_path(&self, path: &str, recursive: bool) -> Result<(), PebbleError>;

    /// Runs a command to completion and returns its exit code and output; a non-zero exit
    /// is not an error here (see [`Pebble::exec_checked`]).
    fn exec(&self, request: &ExecRequest) -> Result<ExecOutput, PebbleError>;

    /// Like [`Pebble::exec`], but a non-zero exit code is [`PebbleError::Exec`].
    fn exec_checked(&self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
        let output = self.exec(request)?;
        if output.exit_code != 0 {
            return Err(PebbleError::Exec {
                command: request.command.clone(),
                exit_code: output.exit_code,
                stdout: output.stdout,
                stderr: output.stderr,
            });
        }
        Ok(output)
    }

    /// Health check statuses, optionally filtered by level and names.
    fn get_checks(&self, level: Option<CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>, PebbleError>;

    /// Starts checks; returns those that were not running.
    fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>, PebbleError>;

    /// Stops checks; returns those that were running.
    fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>, PebbleError>;

    /// Notices matching `filter`.
    fn get_notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, PebbleError>;

    /// Records a custom notice (`key` like `example.com/path`); returns its id. Juju turns
    /// it into a `<container>-pebble-custom-notice` event.
    fn notify(&self, key: &str, data: &BTreeMap<String, String>) -> Result<String, PebbleError>;

    /// Sends a signal (`SIGHUP`) to running services.
    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<(), PebbleError>;
}

/// Forwards every method, so `&P` and `Box<P>` are Pebbles too.
macro_rules! forward_pebble {
    ($($ty:ty),+) => {$(
        impl<P: Pebble + ?Sized> Pebble for $ty {
            fn system_info(&self) -> Result<SystemInfo, PebbleError> { (**self).system_info() }
            fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
                (**self).add_layer(label, layer, combine)
            }
            fn get_plan(&self) -> Result<Plan, PebbleError> { (**self).get_plan() }
            fn get_services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError> {
                (**self).get_services(names)
            }
            fn start_services(&self, services: &[&str]) -> Result<(), PebbleError> { (**self).start_services(services) }
            fn stop_services(&self, services: &[&str]) -> Result<(), PebbleError> { (**self).stop_services(services) }
            fn restart_services(&self, services: &[&str]) -> Result<(), PebbleError> {
                (**self).restart_services(services)
            }
            fn replan_services(&self) -> Result<(), PebbleError> { (**self).replan_services() }
            fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<(), PebbleError> {
                (**self).push(path, content, options)
            }
            fn pull(&self, path: &str) -> Result<Vec<u8>, PebbleError> { (**self).pull(path) }
            fn list_files(&self, path: &str, pattern: Option<&str>, itself: bool) -> Result<Vec<FileInfo>, PebbleError> {
                (**self).list_files(path, pattern, itself)
            }
            fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError> {
                (**self).make_dir(path, options)
            }
            fn remove_path(&self, path: &str, recursive: bool) -> Result<(), PebbleError> {
                (**self).remove_path(path, recursive)
            }
            fn exec(&self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> { (**self).exec(request) }
            fn exec_checked(&self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
                (**self).exec_checked(request)
            }
            fn get_checks(&self, level: Option<CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>, PebbleError> {
                (**self).get_checks(level, names)
            }
            fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>, PebbleError> { (**self).start_checks(checks) }
            fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>, PebbleError> { (**self).stop_checks(checks) }
            fn get_notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, PebbleError> {
                (**self).get_notices(filter)
            }
            fn notify(&self, key: &str, data: &BTreeMap<String, String>) -> Result<String, PebbleError> {
                (**self).notify(key, data)
            }
            fn send_signal(&self, signal: &str, services: &[&str]) -> Result<(), PebbleError> {
                (**self).send_signal(signal, services)
            }
        }
    )+};
}
forward_pebble!(&P, Box<P>);

/// Gives a charm run a [`Pebble`] per container name.
pub trait PebbleConnector {
    /// Connects to `container`'s Pebble. [`PebbleError::Connection`] when it is not up.
    fn connect(&self, container: &str) -> Result<Box<dyn Pebble + '_>, PebbleError>;
}

/// The production connector: `<containers dir>/<container>/pebble.socket`, where the
/// containers directory is `/charm/containers` in a Kubernetes charm container.
#[derive(Debug, Clone)]
pub struct SocketConnector {
    containers_dir: PathBuf,
    timeout: Duration,
    change_timeout: Duration,
}

impl Default for SocketConnector {
    fn default() -> Self {
        Self::with_containers_dir("/charm/containers")
    }
}

impl SocketConnector {
    /// Sockets under `dir` instead of `/charm/containers` (the local model, tests):
    /// `<dir>/<container>/pebble.socket`.
    pub fn with_containers_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            containers_dir: dir.into(),
            timeout: DEFAULT_TIMEOUT,
            change_timeout: DEFAULT_CHANGE_TIMEOUT,
        }
    }

    /// Sets the per-request timeout (default 5 s) and the service-change timeout (30 s).
    pub fn timeouts(mut self, request: Duration, change: Duration) -> Self {
        self.timeout = request;
        self.change_timeout = change;
        self
    }

    /// The socket path for `container`.
    pub fn socket_path(&self, container: &str) -> PathBuf {
        self.containers_dir.join(container).join("pebble.socket")
    }
}

impl PebbleConnector for SocketConnector {
    fn connect(&self, container: &str) -> Result<Box<dyn Pebble + '_>, PebbleError> {
        Ok(Box::new(Client::with_timeouts(
            self.socket_path(container),
            self.timeout,
            self.change_timeout,
        )?))
    }
}
