//! The values [`crate::pebble::Pebble`] operations take and return, named after ops'
//! `pebble` module (`ServiceInfo`, `FileInfo`, `CheckInfo`, `Notice`, ...).
//!
//! They are plain data (Clone, PartialEq) so the in-memory fake in `charm-testing` can store
//! and compare them; the results that come off the wire deserialize from Pebble's JSON
//! directly.

use std::collections::BTreeMap;
use std::time::Duration;

use juju_model::pebble::{CheckLevel, Startup};
use serde::{Deserialize, Deserializer};

/// `GET /v1/system-info`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemInfo {
    /// Pebble's version (`v1.19.0`).
    #[serde(default)]
    pub version: String,
    /// Changes when the machine (pod) reboots.
    #[serde(default)]
    pub boot_id: Option<String>,
    /// The HTTP address, when Pebble listens on TCP too.
    #[serde(default)]
    pub http_address: Option<String>,
    /// The HTTPS address, when Pebble listens on TCP too.
    #[serde(default)]
    pub https_address: Option<String>,
}

/// What a service is doing (`current` in `GET /v1/services`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    /// Running (or starting).
    Active,
    /// Stopped or never started.
    Inactive,
    /// Exited and waiting to be restarted.
    Backoff,
    /// Exited and not restarted.
    Error,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// One entry of `GET /v1/services`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ServiceInfo {
    /// The service name.
    pub name: String,
    /// `enabled` or `disabled` (from the plan).
    pub startup: Startup,
    /// What it is doing.
    pub current: ServiceStatus,
    /// Since when (RFC 3339), when Pebble knows.
    #[serde(default)]
    pub current_since: Option<String>,
}

impl ServiceInfo {
    /// Whether the service is running.
    pub fn is_running(&self) -> bool {
        self.current == ServiceStatus::Active
    }
}

/// The type of a directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileType {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A unix socket.
    Socket,
    /// A FIFO.
    NamedPipe,
    /// A device node.
    Device,
    /// Anything else.
    #[serde(other)]
    Unknown,
}

/// One entry of `GET /v1/files?action=list`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileInfo {
    /// The absolute path.
    pub path: String,
    /// The base name.
    pub name: String,
    /// What kind of entry.
    #[serde(rename = "type")]
    pub file_type: FileType,
    /// Size in bytes (regular files only).
    #[serde(default)]
    pub size: Option<u64>,
    /// Permission bits (`0o644`); Pebble sends them as an octal string.
    #[serde(deserialize_with = "octal")]
    pub permissions: u32,
    /// Modification time (RFC 3339).
    #[serde(default)]
    pub last_modified: String,
    /// Owner UID.
    #[serde(default)]
    pub user_id: Option<u32>,
    /// Owner name (empty/None when it has no name).
    #[serde(default, deserialize_with = "non_empty")]
    pub user: Option<String>,
    /// Group GID.
    #[serde(default)]
    pub group_id: Option<u32>,
    /// Group name.
    #[serde(default, deserialize_with = "non_empty")]
    pub group: Option<String>,
}

fn octal<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let text = String::deserialize(d)?;
    u32::from_str_radix(&text, 8).map_err(|_| serde::de::Error::custom(format!("invalid permissions {text:?}")))
}

fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// Options for [`crate::pebble::Pebble::push`] (ops' `push` keyword arguments).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushOptions {
    /// Permission bits; Pebble's default is `0o644`.
    pub permissions: Option<u32>,
    /// Owner name.
    pub user: Option<String>,
    /// Owner UID.
    pub user_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
    /// Group GID.
    pub group_id: Option<u32>,
    /// Create missing parent directories (mode 0755).
    pub make_dirs: bool,
}

impl PushOptions {
    /// Sets the permission bits.
    pub fn permissions(mut self, mode: u32) -> Self {
        self.permissions = Some(mode);
        self
    }

    /// Sets owner and group by name.
    pub fn owner(mut self, user: impl Into<String>, group: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self.group = Some(group.into());
        self
    }

    /// Creates missing parent directories.
    pub fn make_dirs(mut self) -> Self {
        self.make_dirs = true;
        self
    }
}

/// Options for [`crate::pebble::Pebble::make_dir`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MakeDirOptions {
    /// Create missing parents too, and succeed if the directory exists.
    pub make_parents: bool,
    /// Permission bits; Pebble's default is `0o755`.
    pub permissions: Option<u32>,
    /// Owner name.
    pub user: Option<String>,
    /// Owner UID.
    pub user_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
    /// Group GID.
    pub group_id: Option<u32>,
}

/// A command to run in the container (ops' `Client.exec` arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    /// The command and its arguments (not run through a shell).
    pub command: Vec<String>,
    /// Environment variables (Pebble adds `HOME`, `USER`, `PATH` defaults).
    pub environment: BTreeMap<String, String>,
    /// Working directory (default: the user's home).
    pub working_dir: Option<String>,
    /// Kill the command after this long; the call then fails with
    /// [`crate::pebble::PebbleError::Timeout`].
    pub timeout: Option<Duration>,
    /// Run as this user.
    pub user: Option<String>,
    /// Run as this UID.
    pub user_id: Option<u32>,
    /// Run with this group.
    pub group: Option<String>,
    /// Run with this GID.
    pub group_id: Option<u32>,
    /// Inherit environment, user, group and working directory from this service.
    pub service_context: Option<String>,
    /// Bytes fed to the command's stdin; `None` closes stdin at once.
    pub stdin: Option<Vec<u8>>,
    /// Keep stderr separate (default); when false it is merged into stdout.
    pub split_stderr: bool,
}

impl Default for ExecRequest {
    fn default() -> Self {
        Self {
            command: Vec::new(),
            environment: BTreeMap::new(),
            working_dir: None,
            timeout: None,
            user: None,
            user_id: None,
            group: None,
            group_id: None,
            service_context: None,
            stdin: None,
            split_stderr: true,
        }
    }
}

impl ExecRequest {
    /// A request to run `command` with defaults (stderr split, no stdin, no timeout).
    pub fn new<I, S>(command: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            command: command.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Feeds `bytes` to stdin.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the working directory.
    pub fn working_dir(mut self, dir: impl Into<String>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Runs as `user` (and its primary group unless [`Self::group`] is set).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Runs with `group`.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// Merges stderr into stdout.
    pub fn combine_stderr(mut self) -> Self {
        self.split_stderr = false;
        self
    }
}

/// What a finished command produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecOutput {
    /// The exit code (`-1` when Pebble could not tell).
    pub exit_code: i32,
    /// Standard output (with stderr merged in when not split).
    pub stdout: Vec<u8>,
    /// Standard error (empty when merged into stdout).
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    /// A successful run that printed `stdout` (handy in fakes).
    pub fn ok(stdout: impl Into<Vec<u8>>) -> Self {
        Self {
            exit_code: 0,
            stdout: stdout.into(),
            stderr: Vec::new(),
        }
    }

    /// A failed run with `exit_code` that printed `stderr` (handy in fakes).
    pub fn failed(exit_code: i32, stderr: impl Into<Vec<u8>>) -> Self {
        Self {
            exit_code,
            stdout: Vec::new(),
            stderr: stderr.into(),
        }
    }

    /// Whether the command exited 0.
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }

    /// Stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// A check's state (`status` in `GET /v1/checks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Passing (fewer failures in a row than the threshold).
    Up,
    /// Failing.
    Down,
    /// Stopped.
    Inactive,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// One entry of `GET /v1/checks`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CheckInfo {
    /// The check name.
    pub name: String,
    /// Its level, when set.
    #[serde(default)]
    pub level: Option<CheckLevel>,
    /// `enabled` or `disabled`.
    #[serde(default = "enabled")]
    pub startup: Startup,
    /// Up, down or inactive.
    pub status: CheckStatus,
    /// Successful runs.
    #[serde(default)]
    pub successes: u64,
    /// Failures in a row.
    #[serde(default)]
    pub failures: u64,
    /// Failures in a row that make it down.
    #[serde(default)]
    pub threshold: u32,
    /// The change running the check.
    #[serde(default)]
    pub change_id: Option<String>,
}

fn enabled() -> Startup {
    Startup::Enabled
}

/// A notice (`GET /v1/notices`): a deduplicated record that something happened.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Notice {
    /// Unique id.
    pub id: String,
    /// The user it is visible to (`None`: everyone).
    #[serde(default)]
    pub user_id: Option<u32>,
    /// `custom`, `change-update`, `warning`, ...
    #[serde(rename = "type")]
    pub notice_type: String,
    /// The key (`example.com/db-ready` for custom notices).
    pub key: String,
    /// First occurrence (RFC 3339).
    #[serde(default)]
    pub first_occurred: String,
    /// Last occurrence (RFC 3339).
    #[serde(default)]
    pub last_occurred: String,
    /// Last time it repeated (RFC 3339).
    #[serde(default)]
    pub last_repeated: String,
    /// How many times it occurred.
    #[serde(default)]
    pub occurrences: u64,
    /// Data of the last occurrence.
    #[serde(default)]
    pub last_data: BTreeMap<String, String>,
    /// Minimum time between repeats (Go duration text).
    #[serde(default)]
    pub repeat_after: Option<String>,
    /// Expiry after the last occurrence (Go duration text).
    #[serde(default)]
    pub expire_after: Option<String>,
}

/// Which notices [`crate::pebble::Pebble::get_notices`] returns (all when empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticeFilter {
    /// Only these types (`custom`, ...).
    pub types: Vec<String>,
    /// Only these keys.
    pub keys: Vec<String>,
    /// Only notices repeated after this time (RFC 3339).
    pub after: Option<String>,
    /// Only notices for this UID.
    pub user_id: Option<u32>,
    /// Notices of all users (`users=all`; needs admin rights).
    pub all_users: bool,
}
