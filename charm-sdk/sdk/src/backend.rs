//! The `Backend` trait: one method per hook tool, with Juju's own inputs and outputs.
//!
//! This is the seam between the charm API and Juju, like ops' `hookcmds` layer: everything
//! above it is the same in production and in tests. [`crate::ProcessBackend`] runs the real
//! tools; the `charm-testing` crate answers from an in-memory model that enforces the same
//! rules. The trait is object safe and does no decoding beyond Juju's JSON: typed config,
//! typed relation data and status collection live above it.
//!
//! Errors are [`HookToolError`]s whose [`ToolErrorKind`] is derived from Juju's error text
//! the way ops classifies it, so both backends report "relation not found" alike.

use std::collections::BTreeMap;
use std::path::PathBuf;

use juju_model::tools::{
    AppStatusInfo, BagOwner, GoalState, LogLevel, Network, Port, RotatePolicy, SecretInfo, SecretOwner, StatusInfo,
    StorageInfo,
};
use juju_model::{AppName, Databag, RelationId, SecretUri, Status, UnitName};
use serde_json::Value;

/// How a hook tool failed, classified from its stderr as ops does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolErrorKind {
    /// `relation not found` (relation-*, network-get).
    RelationNotFound,
    /// `not found` from a secret tool.
    SecretNotFound,
    /// `this unit is not the leader`, or `cannot write relation settings`.
    NotLeader,
    /// `permission denied` / `access denied`.
    PermissionDenied,
    /// The tool refused its arguments (exit code 2, or an invalid value).
    InvalidArgument,
    /// The tool is missing from PATH or could not be started.
    Unavailable,
    /// The tool's output was not what Juju prints.
    BadOutput,
    /// Anything else.
    Other,
}

/// A failed hook tool call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{tool} failed: {message}")]
pub struct HookToolError {
    /// The tool (`relation-get`).
    pub tool: String,
    /// What kind of failure.
    pub kind: ToolErrorKind,
    /// Juju's message, with the `ERROR ` prefix removed. Never contains secret values:
    /// callers pass secret content through files or stdin, not argv.
    pub message: String,
    /// The exit code, when the tool ran.
    pub code: Option<i32>,
}

impl HookToolError {
    /// Classifies a failure from the tool's stderr, as ops' `_wrap_hookcmd` does.
    pub fn classify(tool: &str, stderr: &str, code: Option<i32>) -> Self {
        let message = stderr.trim().trim_start_matches("ERROR ").trim().to_owned();
        let lower = message.to_ascii_lowercase();
        let kind = if lower.contains("relation not found") {
            ToolErrorKind::RelationNotFound
        } else if tool.starts_with("secret-") && lower.contains("not found") {
            ToolErrorKind::SecretNotFound
        } else if lower.contains("not the leader") || lower.contains("cannot write relation settings") {
            ToolErrorKind::NotLeader
        } else if lower.contains("permission denied") || lower.contains("access denied") {
            ToolErrorKind::PermissionDenied
        } else if code == Some(2) || lower.starts_with("invalid ") || lower.contains("flag provided but not defined") {
            ToolErrorKind::InvalidArgument
        } else {
            ToolErrorKind::Other
        };
        Self {
            tool: tool.to_owned(),
            kind,
            message,
            code,
        }
    }
}

/// Shorthand for hook tool results.
pub type ToolResult<T> = Result<T, HookToolError>;

/// Where a `status-set` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusTarget {
    /// The unit's status.
    Unit,
    /// The application's status (`--application`, leader only).
    Application,
}

/// How `secret-get` picks the revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretRead {
    /// The pinned revision (pins the latest on the first read).
    #[default]
    Pinned,
    /// Latest, without moving the pin (`--peek`).
    Peek,
    /// Latest, and move the pin to it (`--refresh`).
    Refresh,
}

/// Names a secret by URI, label, or both (a consumer setting its own label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The URI.
    pub uri: Option<SecretUri>,
    /// The label.
    pub label: Option<String>,
}

impl SecretRef {
    /// By URI.
    pub fn uri(uri: SecretUri) -> Self {
        Self {
            uri: Some(uri),
            label: None,
        }
    }
    /// By label.
    pub fn label(label: impl Into<String>) -> Self {
        Self {
            uri: None,
            label: Some(label.into()),
        }
    }
}

/// Metadata for `secret-add` / `secret-set`. Content is passed separately so it can
/// travel through files, never argv.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretMeta {
    /// `--label`.
    pub label: Option<String>,
    /// `--description`.
    pub description: Option<String>,
    /// `--expire` (RFC 3339 time or a Go duration such as `24h`).
    pub expire: Option<String>,
    /// `--rotate`.
    pub rotate: Option<RotatePolicy>,
    /// `--owner` (add only).
    pub owner: Option<SecretOwner>,
}

/// One method per hook tool (juju-contract.md §2.2).
pub trait Backend {
    /// `config-get --format=json --all`: every option, unset ones as `null`.
    fn config_get(&mut self) -> ToolResult<serde_json::Map<String, Value>>;

    /// `is-leader --format=json`.
    fn is_leader(&mut self) -> ToolResult<bool>;

    /// `relation-ids <endpoint> --format=json`.
    fn relation_ids(&mut self, endpoint: &str) -> ToolResult<Vec<RelationId>>;
    /// `relation-list -r <id> --format=json`: remote units in the relation.
    fn relation_list(&mut self, relation: RelationId) -> ToolResult<Vec<UnitName>>;
    /// `relation-list -r <id> --app --format=json`: the remote application.
    fn relation_remote_app(&mut self, relation: RelationId) -> ToolResult<Option<AppName>>;
    /// `relation-get -r <id> [--app] - <owner> --format=json`: a whole bag.
    fn relation_get(&mut self, relation: RelationId, owner: &BagOwner) -> ToolResult<Databag>;
    /// `relation-set -r <id> [--app] --file -`: merges `data` (empty value deletes).
    fn relation_set(&mut self, relation: RelationId, app: bool, data: &Databag) -> ToolResult<()>;
    /// `relation-model-get -r <id> --format=json`: the remote model's uuid.
    fn relation_model_get(&mut self, relation: RelationId) -> ToolResult<String>;

    /// `status-set [--application] <status> -- <message>`.
    fn status_set(&mut self, target: StatusTarget, status: &Status) -> ToolResult<()>;
    /// `status-get --include-data --format=json --application=false`.
    fn status_get(&mut self) -> ToolResult<StatusInfo>;
    /// `status-get --include-data --format=json --application=true` (leader only).
    fn app_status_get(&mut self) -> ToolResult<AppStatusInfo>;
    /// `application-version-set -- <version>`.
    fn application_version_set(&mut self, version: &str) -> ToolResult<()>;

    /// `action-get --format=json`: all parameters.
    fn action_get(&mut self) -> ToolResult<serde_json::Map<String, Value>>;
    /// `action-set k=v …` with already-flattened dotted keys.
    fn action_set(&mut self, results: &BTreeMap<String, String>) -> ToolResult<()>;
    /// `action-fail -- <message>`.
    fn action_fail(&mut self, message: &str) -> ToolResult<()>;
    /// `action-log -- <message>`.
    fn action_log(&mut self, message: &str) -> ToolResult<()>;

    /// `juju-log --log-level <level> -- <message>`.
    fn juju_log(&mut self, level: LogLevel, message: &str) -> ToolResult<()>;

    /// `open-port [--endpoints a,b] <port>`.
    fn open_port(&mut self, port: Port, endpoints: &[String]) -> ToolResult<()>;
    /// `close-port [--endpoints a,b] <port>`.
    fn close_port(&mut self, port: Port, endpoints: &[String]) -> ToolResult<()>;
    /// `opened-ports --format=json`.
    fn opened_ports(&mut self) -> ToolResult<Vec<Port>>;

    /// `network-get <binding> [-r <id>] --format=json`.
    fn network_get(&mut self, binding: &str, relation: Option<RelationId>) -> ToolResult<Network>;

    /// `state-get --format=json`: all unit state.
    fn state_get(&mut self) -> ToolResult<BTreeMap<String, String>>;
    /// `state-set --file -`: sets keys.
    fn state_set(&mut self, values: &BTreeMap<String, String>) -> ToolResult<()>;
    /// `state-delete <key>`.
    fn state_delete(&mut self, key: &str) -> ToolResult<()>;

    /// `secret-add [meta] --owner O key#file=…` → the new URI (printed as text; secret-add has no `--format`).
    fn secret_add(&mut self, content: &BTreeMap<String, String>, meta: &SecretMeta) -> ToolResult<SecretUri>;
    /// `secret-get <ref> [--peek|--refresh] --format=json` → the content.
    fn secret_get(&mut self, secret: &SecretRef, read: SecretRead) -> ToolResult<BTreeMap<String, String>>;
    /// `secret-set <uri> [meta] [key#file=…]`: new content (if any) and metadata.
    fn secret_set(
        &mut self,
        uri: &SecretUri,
        content: Option<&BTreeMap<String, String>>,
        meta: &SecretMeta,
    ) -> ToolResult<()>;
    /// `secret-remove <uri> [--revision N]`.
    fn secret_remove(&mut self, uri: &SecretUri, revision: Option<u64>) -> ToolResult<()>;
    /// `secret-grant <uri> -r <id> [--unit U]`.
    fn secret_grant(&mut self, uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolResult<()>;
    /// `secret-revoke <uri> -r <id> [--unit U]`.
    fn secret_revoke(&mut self, uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolResult<()>;
    /// `secret-ids --format=json`.
    fn secret_ids(&mut self) -> ToolResult<Vec<SecretUri>>;
    /// `secret-info-get (<uri> | --label L) --format=json`.
    fn secret_info_get(&mut self, secret: &SecretRef) -> ToolResult<SecretInfo>;

    /// `storage-get -s <id> --format=json` (the hook's storage when `None`).
    fn storage_get(&mut self, id: Option<&str>) -> ToolResult<StorageInfo>;
    /// `storage-list [name] --format=json`.
    fn storage_list(&mut self, name: Option<&str>) -> ToolResult<Vec<String>>;
    /// `storage-add <name>=<count>`.
    fn storage_add(&mut self, name: &str, count: u32) -> ToolResult<()>;

    /// `resource-get <name>` → the downloaded file's path.
    fn resource_get(&mut self, name: &str) -> ToolResult<PathBuf>;
    /// `credential-get --format=json` (needs `juju trust`).
    fn credential_get(&mut self) -> ToolResult<Value>;
    /// `goal-state --format=json`.
    fn goal_state(&mut self) -> ToolResult<GoalState>;
}
