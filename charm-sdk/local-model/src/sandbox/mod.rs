//! A container's private view of the filesystem, without containers.
//!
//! The local model runs a rock's workload from the host's installation of it (Debian's
//! ZooKeeper, an extracted Spark), but charms and their workloads use the rock's paths
//! (`/opt/zookeeper`, `/etc/zookeeper`, `/var/lib/zookeeper`) and two units of one application
//! must not share them. So every process of a container runs in a **private mount
//! namespace** where those paths are bind mounts of per-unit directories or of the host's
//! installation, and `/etc/hosts` is the model's hosts file (Kubernetes-style names to the
//! units' 127.0.1.N addresses). Nothing else is isolated: the network, PIDs and users are the
//! host's, which keeps processes visible and killable by PID.
//!
//! Setting up a namespace needs `unshare(2)` and `mount(2)` between `fork` and `exec`, which
//! safe Rust cannot do in a `pre_exec` hook (`unsafe` is forbidden here). So
//! [`Sandbox::command`] re-executes the `local-model` binary with the hidden subcommand
//! [`SANDBOX_EXEC_SUBCOMMAND`]; that process (single-threaded, fresh) builds the namespace
//! from a JSON [`spec`](SandboxSpec) and then `execvp`s the workload, so the workload keeps
//! the PID the caller saw at spawn. `main` must dispatch that subcommand to
//! [`sandbox_exec_main`] before doing anything else.
//!
//! Paths seen by the container are mapped back to host paths with [`Sandbox::host_path`]
//! (the Pebble files API writes through the binds instead of entering the namespace).

mod exec_main;
mod paths;
mod spec;
pub(crate) mod users;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

pub use exec_main::sandbox_exec_main;
pub use paths::DEFAULT_PATH;
pub use spec::SandboxSpec;

/// The hidden subcommand of the `local-model` binary that enters a sandbox and runs a
/// command: `local-model __sandbox-exec --spec <json> -- <argv...>`.
pub const SANDBOX_EXEC_SUBCOMMAND: &str = "__sandbox-exec";

/// Environment variable naming the `local-model` binary to re-execute (tests set it, or
/// [`Sandbox::helper`]); otherwise the current executable is used.
pub const HELPER_ENV: &str = "LOCAL_MODEL_BIN";

/// One bind mount: `host` appears at `target` inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bind {
    /// The directory or file on the host (created as a directory when missing).
    pub host: PathBuf,
    /// The absolute path inside the sandbox (created when missing: a directory, or an empty
    /// file when `host` is a file).
    pub target: PathBuf,
    /// Mount read-only.
    #[serde(default)]
    pub read_only: bool,
}

impl Bind {
    /// A read-write bind.
    pub fn new(host: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        Self {
            host: host.into(),
            target: target.into(),
            read_only: false,
        }
    }

    /// A read-only bind.
    pub fn read_only(host: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        Self {
            read_only: true,
            ..Self::new(host, target)
        }
    }
}

/// A container's private view of the filesystem and network identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    /// A name for messages and events, e.g. `zookeeper-k8s-0/zookeeper`.
    pub name: String,
    /// The per-container state directory on the host.
    pub root: PathBuf,
    /// Host paths mounted at paths inside the sandbox (applied parents first).
    pub binds: Vec<Bind>,
    /// Bound over `/etc/hosts` inside the sandbox.
    pub hosts_file: Option<PathBuf>,
    /// The unit's own loopback address (127.0.1.N).
    pub address: Ipv4Addr,
    /// The environment every process of the container starts with (Pebble's own
    /// environment, which services and exec inherit).
    pub env: BTreeMap<String, String>,
    /// The hostname inside the sandbox (own UTS namespace), like a pod's name; `None` keeps
    /// the host's.
    pub hostname: Option<String>,
    /// Rock user and group names mapped to host ones (`_daemon_` -> `root`): a rock's users
    /// rarely exist on the host. Names not listed are looked up on the host as they are.
    pub users: BTreeMap<String, String>,
    /// The `local-model` binary that implements [`SANDBOX_EXEC_SUBCOMMAND`]; `None`: the
    /// `LOCAL_MODEL_BIN` environment variable, else the current executable.
    pub helper: Option<PathBuf>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self {
            name: String::new(),
            root: PathBuf::new(),
            binds: Vec::new(),
            hosts_file: None,
            address: Ipv4Addr::LOCALHOST,
            env: BTreeMap::new(),
            hostname: None,
            users: BTreeMap::new(),
            helper: None,
        }
    }
}

/// How to run one command in a sandbox, beyond its argv.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunOptions {
    /// The working directory inside the sandbox (default `/`).
    pub working_dir: Option<String>,
    /// Switch to this UID after entering the namespace.
    pub uid: Option<u32>,
    /// Switch to this GID (and only this group) after entering the namespace.
    pub gid: Option<u32>,
    /// Start a new session (`setsid`), as Pebble does for exec; services use a process group
    /// set by the caller instead.
    pub new_session: bool,
}

impl Sandbox {
    /// A sandbox with no binds.
    pub fn new(name: impl Into<String>, root: impl Into<PathBuf>, address: Ipv4Addr) -> Self {
        Self {
            name: name.into(),
            root: root.into(),
            address,
            ..Self::default()
        }
    }

    /// A `Command` that runs `argv` inside a private mount namespace with the binds applied,
    /// starting in `/` with the sandbox's environment only (plus Pebble's default `PATH`
    /// when it has none). More environment can be added
    /// to the returned command; its working directory must not be changed (it is applied
    /// inside the namespace: use [`Sandbox::command_with`]).
    pub fn command(&self, argv: &[String]) -> Command {
        self.command_with(argv, &RunOptions::default())
    }

    /// Like [`Sandbox::command`], with a working directory, credentials and session.
    pub fn command_with(&self, argv: &[String], options: &RunOptions) -> Command {
        let spec = SandboxSpec::new(self, options);
        let mut command = Command::new(self.helper_path());
        command
            .arg(SANDBOX_EXEC_SUBCOMMAND)
            .arg("--spec")
            .arg(spec.to_json())
            .arg("--")
            .args(argv)
            .env_clear()
            .envs(&self.env)
            .current_dir("/");
        if !self.env.contains_key("PATH") {
            command.env("PATH", DEFAULT_PATH);
        }
        command
    }

    /// The binary implementing the sandbox subcommand.
    pub fn helper_path(&self) -> PathBuf {
        if let Some(helper) = &self.helper {
            return helper.clone();
        }
        if let Some(path) = std::env::var_os(HELPER_ENV).filter(|p| !p.is_empty()) {
            return PathBuf::from(path);
        }
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("local-model"))
    }

    /// The host path behind `inside` (an absolute path as the container sees it), for
    /// reading and writing on the container's behalf. Only paths under a bind are
    /// reachable; anything else is refused with a permission error, so the API cannot write
    /// the host's own files. `..` components are resolved lexically and may not escape.
    ///
    /// The last component is not followed when it is a symbolic link (writes replace it);
    /// see [`Sandbox::host_path_followed`] for reads.
    pub fn host_path(&self, inside: &str) -> Result<HostPath, crate::Error> {
        paths::map_bound(&self.binds, self.hosts_file.as_deref(), inside, false)
    }

    /// Like [`Sandbox::host_path`], following a symbolic link in the last component too.
    pub fn host_path_followed(&self, inside: &str) -> Result<HostPath, crate::Error> {
        paths::map_bound(&self.binds, self.hosts_file.as_deref(), inside, true)
    }

    /// Where a path visible inside the sandbox lives on the host: through a bind when one
    /// covers it, else the same path (the rest of the host filesystem is visible as is).
    /// For looking things up (executables, working directories), never for writing.
    pub fn visible_host_path(&self, inside: &str) -> PathBuf {
        paths::map_visible(&self.binds, self.hosts_file.as_deref(), inside)
    }

    /// Finds `name` as `execvp` inside the sandbox would, with `path_var` as `$PATH`;
    /// returns the path inside the sandbox.
    pub fn find_executable(&self, name: &str, path_var: Option<&str>) -> Option<String> {
        paths::find_executable(self, name, path_var)
    }
}

/// A path inside the sandbox resolved to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPath {
    /// The normalised path inside the sandbox.
    pub inside: String,
    /// The host path.
    pub host: PathBuf,
    /// Whether the bind is read-only.
    pub read_only: bool,
}

impl HostPath {
    /// The host path.
    pub fn as_path(&self) -> &Path {
        &self.host
    }
}
