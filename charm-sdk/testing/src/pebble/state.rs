//! [`ContainerState`]: everything a fake Pebble knows about one workload container, as plain
//! data a test writes before the run and inspects after it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use charm_sdk::pebble::{CheckInfo, ExecOutput, ExecRequest, Notice, PebbleError, ServiceStatus};
use juju_model::pebble::{combine_layers, Layer, Plan, PlanError, Service};

/// Who owns a file or directory (what `push`/`make_dir` were told; no user database).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    /// Owner name.
    pub user: Option<String>,
    /// Owner UID.
    pub user_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
    /// Group GID.
    pub group_id: Option<u32>,
}

/// A regular file in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// The content.
    pub content: Vec<u8>,
    /// Permission bits (Pebble's default for pushed files is 0o644).
    pub permissions: u32,
    /// Ownership.
    pub owner: Owner,
}

impl FileEntry {
    /// A 0o644 file with no recorded owner.
    pub fn new(content: impl Into<Vec<u8>>) -> Self {
        Self {
            content: content.into(),
            permissions: 0o644,
            owner: Owner::default(),
        }
    }
}

/// A directory in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// Permission bits (default 0o755).
    pub permissions: u32,
    /// Ownership.
    pub owner: Owner,
}

impl Default for DirEntry {
    fn default() -> Self {
        Self {
            permissions: 0o755,
            owner: Owner::default(),
        }
    }
}

/// A closure answering an exec.
pub type ExecFn = Arc<dyn Fn(&ExecRequest) -> ExecOutput + Send + Sync>;

/// How the fake answers a command.
#[derive(Clone)]
pub enum ExecResponse {
    /// Always this output.
    Output(ExecOutput),
    /// Computed from the request (stdin, environment, ...).
    Handler(ExecFn),
    /// The call fails (for instance [`PebbleError::Timeout`] or a change error).
    Error(PebbleError),
}

impl fmt::Debug for ExecResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecResponse::Output(o) => f.debug_tuple("Output").field(o).finish(),
            ExecResponse::Handler(_) => f.write_str("Handler(<closure>)"),
            ExecResponse::Error(e) => f.debug_tuple("Error").field(e).finish(),
        }
    }
}

impl PartialEq for ExecResponse {
    /// Closures compare by identity.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ExecResponse::Output(a), ExecResponse::Output(b)) => a == b,
            (ExecResponse::Handler(a), ExecResponse::Handler(b)) => Arc::ptr_eq(a, b),
            (ExecResponse::Error(a), ExecResponse::Error(b)) => a == b,
            _ => false,
        }
    }
}

/// Answers commands starting with `prefix` (the longest matching prefix wins).
#[derive(Debug, Clone, PartialEq)]
pub struct ExecHandler {
    /// The leading words of the command (`["kafka-topics.sh", "--list"]`); empty matches all.
    pub prefix: Vec<String>,
    /// The answer.
    pub response: ExecResponse,
}

/// Something that happened to a service, in order (to assert restarts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceEvent {
    /// The service was started.
    Started(String),
    /// The service was stopped.
    Stopped(String),
}

/// One container as the fake Pebble sees it. `Default` is an unreachable container with no
/// files, like ops' `testing.Container`; [`ContainerState::connectable`] is the usual start.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerState {
    /// Whether Pebble answers (false: every call is [`PebbleError::Connection`]).
    pub can_connect: bool,
    /// Layers by label, in order.
    pub layers: Vec<(String, Layer)>,
    /// Service statuses (absent: inactive).
    pub services: BTreeMap<String, ServiceStatus>,
    /// The plan entry each service was last started with; `replan` restarts services whose
    /// entry changed since (services started by the test author may be left out).
    pub running_config: BTreeMap<String, Service>,
    /// Services whose start fails (change error, status `error`).
    pub failing_services: BTreeSet<String>,
    /// What was started and stopped, in order.
    pub service_log: Vec<ServiceEvent>,
    /// Regular files by absolute path.
    pub files: BTreeMap<String, FileEntry>,
    /// Directories by absolute path; `/` always exists, and so does every parent of a listed
    /// file or directory.
    pub directories: BTreeMap<String, DirEntry>,
    /// How commands are answered.
    pub exec_handlers: Vec<ExecHandler>,
    /// Every exec request, in order.
    pub exec_calls: Vec<ExecRequest>,
    /// Notices (custom ones are added by `notify`).
    pub notices: Vec<Notice>,
    /// Check statuses by name; plan checks not listed here are `up` (or `inactive` when
    /// `startup: disabled`) with no failures.
    pub checks: BTreeMap<String, CheckInfo>,
    /// Signals sent: (signal, services).
    pub signals: Vec<(String, Vec<String>)>,
}

impl ContainerState {
    /// A reachable container with nothing in it.
    pub fn connectable() -> Self {
        Self {
            can_connect: true,
            ..Self::default()
        }
    }

    /// Adds a layer (builder style).
    pub fn with_layer(mut self, label: impl Into<String>, layer: Layer) -> Self {
        self.layers.push((label.into(), layer));
        self
    }

    /// Adds a 0o644 file (builder style).
    pub fn with_file(mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), FileEntry::new(content));
        self
    }

    /// Adds a directory, as the image would have it (builder style).
    pub fn with_dir(mut self, path: impl Into<String>) -> Self {
        self.directories.insert(path.into(), DirEntry::default());
        self
    }

    /// Sets a service status (builder style).
    pub fn with_service(mut self, name: impl Into<String>, status: ServiceStatus) -> Self {
        self.services.insert(name.into(), status);
        self
    }

    /// Answers commands starting with `prefix` with `output` (builder style).
    pub fn on_exec<I, S>(mut self, prefix: I, output: ExecOutput) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let prefix = prefix.into_iter().map(Into::into).collect();
        self.exec_handlers.push(ExecHandler {
            prefix,
            response: ExecResponse::Output(output),
        });
        self
    }

    /// Answers commands starting with `prefix` with a closure (builder style).
    pub fn on_exec_fn<I, S, F>(mut self, prefix: I, handler: F) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        F: Fn(&ExecRequest) -> ExecOutput + Send + Sync + 'static,
    {
        let prefix = prefix.into_iter().map(Into::into).collect();
        self.exec_handlers.push(ExecHandler {
            prefix,
            response: ExecResponse::Handler(Arc::new(handler)),
        });
        self
    }

    /// The combined plan of the layers (not validated: it is what the test wrote).
    pub fn plan(&self) -> Result<Plan, PlanError> {
        combine_layers(self.layers.iter().map(|(label, layer)| (label.as_str(), layer))).map(Plan::from)
    }

    /// A service's status (inactive when never started).
    pub fn service_status(&self, name: &str) -> ServiceStatus {
        self.services.get(name).copied().unwrap_or(ServiceStatus::Inactive)
    }

    /// A file's content as text, if it exists.
    pub fn file_text(&self, path: &str) -> Option<String> {
        self.files
            .get(path)
            .map(|f| String::from_utf8_lossy(&f.content).into_owned())
    }

    /// Whether `path` is a directory: listed, `/`, or a parent of something listed.
    pub fn is_dir(&self, path: &str) -> bool {
        if path == "/" || self.directories.contains_key(path) {
            return true;
        }
        let prefix = format!("{}/", path.trim_end_matches('/'));
        self.directories
            .keys()
            .chain(self.files.keys())
            .any(|p| p.starts_with(&prefix))
    }
}
