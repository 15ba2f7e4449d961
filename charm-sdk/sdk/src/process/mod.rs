//! [`ProcessBackend`]: the production [`Backend`], running Juju's hook tools as processes.
//!
//! Each trait method is three steps kept in separate modules so each can be tested alone:
//! build the exact argv (`argv`, pure), run it (`exec`: secret files, stdin, exit
//! status), parse stdout (`parse`: Juju's JSON shapes). The syntax is what Python ops
//! sends (`ops/hookcmds`), which is what Juju and any Juju emulator must accept.
//!
//! Inside a hook Juju puts the tools on PATH; [`ProcessBackend::with_tool_dir`] runs them
//! from a directory instead (tests with fake tools, a local model).

mod argv;
mod exec;
mod parse;

use std::collections::BTreeMap;
use std::path::PathBuf;

use juju_model::tools::{
    AppStatusInfo, BagOwner, GoalState, LogLevel, Network, Port, SecretInfo, StatusInfo, StorageInfo,
};
use juju_model::{AppName, Databag, RelationId, SecretUri, Status, UnitName};
use serde_json::Value;

use self::argv::ToolCall;
use crate::backend::{Backend, SecretMeta, SecretRead, SecretRef, StatusTarget, ToolResult};

/// Runs the real hook tools, one process per call.
///
/// ```no_run
/// use charm_sdk::{Backend, ProcessBackend};
///
/// let mut backend = ProcessBackend::new();
/// if backend.is_leader()? {
///     // …
/// }
/// assert_eq!(backend.calls(), ["is-leader"]);
/// # Ok::<(), charm_sdk::HookToolError>(())
/// ```
#[derive(Debug, Default)]
pub struct ProcessBackend {
    tool_dir: Option<PathBuf>,
    calls: Vec<String>,
}

impl ProcessBackend {
    /// A backend that finds the tools on PATH, as Juju sets it for hooks and actions.
    pub fn new() -> Self {
        Self::default()
    }

    /// A backend that runs `<dir>/<tool>` instead of looking tools up on PATH.
    pub fn with_tool_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            tool_dir: Some(dir.into()),
            calls: Vec::new(),
        }
    }

    /// The tools run so far, in order, one entry per process started (a long `juju-log`
    /// message split in chunks counts once per chunk).
    pub fn calls(&self) -> &[String] {
        &self.calls
    }

    fn run(&mut self, call: &ToolCall) -> ToolResult<Vec<u8>> {
        self.calls.push(call.tool.to_owned());
        exec::run(&exec::program(self.tool_dir.as_deref(), call.tool), call)
    }

    fn run_unit(&mut self, call: &ToolCall) -> ToolResult<()> {
        self.run(call).map(drop)
    }

    fn run_json<T: serde::de::DeserializeOwned + Default>(&mut self, call: &ToolCall) -> ToolResult<T> {
        let stdout = self.run(call)?;
        parse::json_or_default(call.tool, &stdout, call.sensitive_output)
    }

    fn run_strict<T: serde::de::DeserializeOwned>(&mut self, call: &ToolCall) -> ToolResult<T> {
        let stdout = self.run(call)?;
        parse::json(call.tool, &stdout, call.sensitive_output)
    }
}

impl Backend for ProcessBackend {
    fn config_get(&mut self) -> ToolResult<serde_json::Map<String, Value>> {
        self.run_json(&argv::config_get())
    }

    fn is_leader(&mut self) -> ToolResult<bool> {
        self.run_strict(&argv::is_leader())
    }

    fn relation_ids(&mut self, endpoint: &str) -> ToolResult<Vec<RelationId>> {
        let stdout = self.run(&argv::relation_ids(endpoint))?;
        parse::relation_ids(&stdout)
    }

    fn relation_list(&mut self, relation: RelationId) -> ToolResult<Vec<UnitName>> {
        let stdout = self.run(&argv::relation_list(relation))?;
        parse::units(&stdout)
    }

    fn relation_remote_app(&mut self, relation: RelationId) -> ToolResult<Option<AppName>> {
        let stdout = self.run(&argv::relation_remote_app(relation))?;
        parse::remote_app(&stdout)
    }

    fn relation_get(&mut self, relation: RelationId, owner: &BagOwner) -> ToolResult<Databag> {
        self.run_json(&argv::relation_get(relation, owner))
    }

    fn relation_set(&mut self, relation: RelationId, app: bool, data: &Databag) -> ToolResult<()> {
        self.run_unit(&argv::relation_set(relation, app, data))
    }

    fn relation_model_get(&mut self, relation: RelationId) -> ToolResult<String> {
        let stdout = self.run(&argv::relation_model_get(relation))?;
        parse::model_uuid(&stdout)
    }

    fn status_set(&mut self, target: StatusTarget, status: &Status) -> ToolResult<()> {
        self.run_unit(&argv::status_set(target, status))
    }

    fn status_get(&mut self) -> ToolResult<StatusInfo> {
        self.run_strict(&argv::status_get(false))
    }

    fn app_status_get(&mut self) -> ToolResult<AppStatusInfo> {
        self.run_strict(&argv::status_get(true))
    }

    fn application_version_set(&mut self, version: &str) -> ToolResult<()> {
        self.run_unit(&argv::application_version_set(version))
    }

    fn action_get(&mut self) -> ToolResult<serde_json::Map<String, Value>> {
        self.run_json(&argv::action_get())
    }

    fn action_set(&mut self, results: &BTreeMap<String, String>) -> ToolResult<()> {
        match argv::action_set(results) {
            Some(call) => self.run_unit(&call),
            None => Ok(()),
        }
    }

    fn action_fail(&mut self, message: &str) -> ToolResult<()> {
        self.run_unit(&argv::action_fail(message))
    }

    fn action_log(&mut self, message: &str) -> ToolResult<()> {
        self.run_unit(&argv::action_log(message))
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> ToolResult<()> {
        for line in argv::log_lines(message) {
            self.run_unit(&argv::juju_log(level, line))?;
        }
        Ok(())
    }

    fn open_port(&mut self, port: Port, endpoints: &[String]) -> ToolResult<()> {
        self.run_unit(&argv::open_port(port, endpoints))
    }

    fn close_port(&mut self, port: Port, endpoints: &[String]) -> ToolResult<()> {
        self.run_unit(&argv::close_port(port, endpoints))
    }

    fn opened_ports(&mut self) -> ToolResult<Vec<Port>> {
        let stdout = self.run(&argv::opened_ports())?;
        parse::ports(&stdout)
    }

    fn network_get(&mut self, binding: &str, relation: Option<RelationId>) -> ToolResult<Network> {
        self.run_strict(&argv::network_get(binding, relation))
    }

    fn state_get(&mut self) -> ToolResult<BTreeMap<String, String>> {
        self.run_json(&argv::state_get())
    }

    fn state_set(&mut self, values: &BTreeMap<String, String>) -> ToolResult<()> {
        match argv::state_set(values) {
            Some(call) => self.run_unit(&call),
            None => Ok(()),
        }
    }

    fn state_delete(&mut self, key: &str) -> ToolResult<()> {
        self.run_unit(&argv::state_delete(key))
    }

    fn secret_add(&mut self, content: &BTreeMap<String, String>, meta: &SecretMeta) -> ToolResult<SecretUri> {
        let stdout = self.run(&argv::secret_add(content, meta))?;
        parse::secret_uri_line(&stdout)
    }

    fn secret_get(&mut self, secret: &SecretRef, read: SecretRead) -> ToolResult<BTreeMap<String, String>> {
        self.run_json(&argv::secret_get(secret, read)?)
    }

    fn secret_set(
        &mut self,
        uri: &SecretUri,
        content: Option<&BTreeMap<String, String>>,
        meta: &SecretMeta,
    ) -> ToolResult<()> {
        self.run_unit(&argv::secret_set(uri, content, meta))
    }

    fn secret_remove(&mut self, uri: &SecretUri, revision: Option<u64>) -> ToolResult<()> {
        self.run_unit(&argv::secret_remove(uri, revision))
    }

    fn secret_grant(&mut self, uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolResult<()> {
        self.run_unit(&argv::secret_grant(uri, relation, unit))
    }

    fn secret_revoke(&mut self, uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolResult<()> {
        self.run_unit(&argv::secret_revoke(uri, relation, unit))
    }

    fn secret_ids(&mut self) -> ToolResult<Vec<SecretUri>> {
        let stdout = self.run(&argv::secret_ids())?;
        parse::secret_uris(&stdout)
    }

    fn secret_info_get(&mut self, secret: &SecretRef) -> ToolResult<SecretInfo> {
        let stdout = self.run(&argv::secret_info_get(secret)?)?;
        parse::secret_info(&stdout)
    }

    fn storage_get(&mut self, id: Option<&str>) -> ToolResult<StorageInfo> {
        self.run_strict(&argv::storage_get(id))
    }

    fn storage_list(&mut self, name: Option<&str>) -> ToolResult<Vec<String>> {
        self.run_json(&argv::storage_list(name))
    }

    fn storage_add(&mut self, name: &str, count: u32) -> ToolResult<()> {
        self.run_unit(&argv::storage_add(name, count))
    }

    fn resource_get(&mut self, name: &str) -> ToolResult<PathBuf> {
        let stdout = self.run(&argv::resource_get(name))?;
        parse::path_line("resource-get", &stdout)
    }

    fn credential_get(&mut self) -> ToolResult<Value> {
        self.run_strict(&argv::credential_get())
    }

    fn goal_state(&mut self) -> ToolResult<GoalState> {
        self.run_strict(&argv::goal_state())
    }
}

#[cfg(test)]
mod tests;
