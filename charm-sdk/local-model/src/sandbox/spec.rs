//! What the sandbox helper process needs to build the namespace, as one JSON argument.
//!
//! It travels on the helper's command line (not in a file) so that nothing has to be
//! cleaned up and `ps` shows exactly what a process was started with.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Bind, RunOptions, Sandbox};

/// The namespace and credentials for one command (`__sandbox-exec --spec <json>`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SandboxSpec {
    /// The sandbox name (for error messages).
    #[serde(default)]
    pub name: String,
    /// Bind mounts, applied parents first.
    #[serde(default)]
    pub binds: Vec<Bind>,
    /// Bound over `/etc/hosts`.
    #[serde(default)]
    pub hosts_file: Option<PathBuf>,
    /// Set in a new UTS namespace.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Working directory inside the namespace (default `/`).
    #[serde(default)]
    pub working_dir: Option<String>,
    /// Switch to this UID.
    #[serde(default)]
    pub uid: Option<u32>,
    /// Switch to this GID.
    #[serde(default)]
    pub gid: Option<u32>,
    /// Call `setsid` before exec.
    #[serde(default)]
    pub new_session: bool,
}

impl SandboxSpec {
    /// The spec for running a command of `sandbox` with `options`.
    pub fn new(sandbox: &Sandbox, options: &RunOptions) -> Self {
        Self {
            name: sandbox.name.clone(),
            binds: sandbox.binds.clone(),
            hosts_file: sandbox.hosts_file.clone(),
            hostname: sandbox.hostname.clone(),
            working_dir: options.working_dir.clone(),
            uid: options.uid,
            gid: options.gid,
            new_session: options.new_session,
        }
    }

    /// The JSON form passed to the helper.
    pub fn to_json(&self) -> String {
        // Plain strings, paths and numbers: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
