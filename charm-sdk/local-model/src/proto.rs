//! What travels on the controller's sockets: one JSON request per connection, one JSON
//! response.
//!
//! Both the CLI and the hook tools talk to the controller this way. A line of JSON each
//! way keeps the client small (the hook-tool client is on every tool call's critical path)
//! and needs no HTTP stack; the connection is closed after the response.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A file named on a hook tool's command line, as the client read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileContent {
    /// The file's text.
    Text(String),
    /// Why it could not be read (Go's `open <path>: ...` text).
    Error(String),
}

/// One hook tool invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolRequest {
    /// `JUJU_CONTEXT_ID` of the hook the tool runs in.
    pub context_id: String,
    /// The tool's name (argv\[0\]'s basename).
    pub tool: String,
    /// The arguments after the name.
    pub args: Vec<String>,
    /// Standard input, when the command line asked for it (`--file -`).
    #[serde(default)]
    pub stdin: Option<String>,
    /// Files named by `key#file=<path>` and `--file <path>`, keyed by the path as given.
    #[serde(default)]
    pub files: BTreeMap<String, FileContent>,
}

/// What the tool process prints and how it exits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolResponse {
    /// Standard output.
    pub stdout: String,
    /// Standard error (`ERROR <text>` on failure).
    pub stderr: String,
    /// Exit code: 0, 1, or 2 for usage errors.
    pub code: i32,
}

/// `deploy`: one application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployRequest {
    /// The `.charm` file or unpacked charm directory (absolute).
    pub charm: PathBuf,
    /// The application name (default: the charm's name).
    #[serde(default)]
    pub app: Option<String>,
    /// Number of units.
    pub units: u32,
    /// Config values as typed on the command line (`k=v`), converted by option type.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Resources: name to a file path or rock/image name.
    #[serde(default)]
    pub resources: BTreeMap<String, String>,
}

/// A request to the controller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "kebab-case")]
pub enum Request {
    /// A hook tool call.
    Tool(ToolRequest),
    /// Is the controller up?
    Ping,
    /// Deploy an application.
    Deploy(DeployRequest),
    /// Relate two endpoints (`app[:endpoint]`).
    Integrate {
        /// One side.
        a: String,
        /// The other side.
        b: String,
    },
    /// Remove a relation between two endpoints.
    RemoveRelation {
        /// One side.
        a: String,
        /// The other side.
        b: String,
    },
    /// Show (no changes) or change an application's config.
    Config {
        /// The application.
        app: String,
        /// Values to set (`k=v`).
        set: BTreeMap<String, String>,
        /// Options to reset to their defaults.
        reset: Vec<String>,
    },
    /// Add units.
    AddUnit {
        /// The application.
        app: String,
        /// How many.
        count: u32,
    },
    /// Remove units.
    RemoveUnit {
        /// The units.
        units: Vec<String>,
    },
    /// Replace an application's charm.
    Refresh {
        /// The application.
        app: String,
        /// The new `.charm` or charm directory (absolute).
        charm: PathBuf,
        /// Swap the charm without replacing the units' pods (workloads keep running).
        #[serde(default)]
        keep_workloads: bool,
    },
    /// Remove an application.
    RemoveApplication {
        /// The application.
        app: String,
    },
    /// Queue an action; the result is the task id.
    Run {
        /// The unit.
        unit: String,
        /// The action.
        action: String,
        /// Parameters.
        params: serde_json::Map<String, Value>,
    },
    /// An action task's state.
    Task {
        /// The task id.
        id: String,
    },
    /// The model status.
    Status,
    /// Debug log lines after an index.
    DebugLog {
        /// Lines before this index are skipped.
        after: usize,
        /// Only these units (or applications), if any.
        include: Vec<String>,
    },
    /// Wait until no hook is queued or running, a unit is in error, or the timeout passes.
    WaitIdle {
        /// Milliseconds.
        timeout_ms: u64,
        /// Keep waiting through hook errors (retries may fix them).
        tolerate_errors: bool,
    },
    /// Secrets in the model.
    Secrets,
    /// One unit's relation data.
    ShowUnit {
        /// The unit.
        unit: String,
    },
    /// Retry (or skip) a unit's failed hook now.
    Resolve {
        /// The unit.
        unit: String,
        /// Skip the hook instead of retrying it.
        no_retry: bool,
    },
    /// Counters: hooks run so far.
    Stats,
    /// Stop everything and exit.
    Shutdown,
}

/// The controller's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Response {
    /// Success with a result.
    Ok(Value),
    /// A refusal or failure, with its message.
    Error(String),
}
