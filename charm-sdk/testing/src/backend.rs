//! `MemoryBackend`: the SDK's [`Backend`] answered by a `juju-rules` hook session.
//!
//! Every hook tool call goes to [`juju_rules::Hook`], so the charm meets Juju's rules and
//! Juju's exact error texts (classified by the SDK's own
//! [`HookToolError::classify`], as production does), and writes are buffered until the
//! run ends. Every call is recorded as `tool args` (secret values never, only their keys)
//! so tests can count hook tool calls; every refusal is kept with its longer explanation.

use std::collections::BTreeMap;
use std::path::PathBuf;

use charm_sdk::backend::StatusTarget;
use charm_sdk::{Backend, HookToolError, SecretMeta, SecretRead, SecretRef, ToolResult};
use juju_model::tools::{
    AppStatusInfo, BagOwner, GoalState, LogLevel, Network, Port, SecretInfo, StatusInfo, StorageInfo,
};
use juju_model::{AppName, Databag, RelationId, SecretUri, Status, UnitName};
use juju_rules::{Finished, Hook, HookContext, Model, RuleError, RuleResult, SecretArgs};
use serde_json::Value;

/// A [`Backend`] over an in-memory model.
///
/// ```
/// use charm_sdk::Backend;
/// use charm_testing::MemoryBackend;
/// use juju_model::CharmMeta;
/// use juju_rules::{HookContext, Model};
///
/// let mut model = Model::default();
/// let app = model.deploy("demo", CharmMeta::default(), 2)?;
/// let mut backend = MemoryBackend::new(model, HookContext::hook(app.unit(1), "start"))?;
/// assert!(!backend.is_leader()?);
/// let err = backend.status_set(charm_sdk::backend::StatusTarget::Application, &juju_model::Status::active("")).unwrap_err();
/// assert_eq!(err.message, "this unit is not the leader");
/// assert_eq!(backend.calls(), ["is-leader", "status-set --application active"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MemoryBackend {
    model: Model,
    hook: Hook,
    calls: Vec<String>,
    refusals: Vec<(String, RuleError)>,
}

/// What a finished [`MemoryBackend`] hands back.
#[derive(Debug)]
pub struct Finish {
    /// The model after commit (or after discard).
    pub model: Model,
    /// The session's end: effects, commit report or commit error.
    pub finished: Finished,
    /// Every hook tool call, `tool args`.
    pub calls: Vec<String>,
    /// Every refused call: the tool and the rule's error.
    pub refusals: Vec<(String, RuleError)>,
}

impl MemoryBackend {
    /// Opens a hook session for `ctx` on `model`.
    pub fn new(mut model: Model, ctx: HookContext) -> RuleResult<Self> {
        let hook = Hook::begin(&mut model, ctx)?;
        Ok(Self {
            model,
            hook,
            calls: Vec::new(),
            refusals: Vec::new(),
        })
    }

    /// The model as it stands (buffered writes not applied).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The hook session.
    pub fn hook(&self) -> &Hook {
        &self.hook
    }

    /// Every call so far, `tool args`.
    pub fn calls(&self) -> &[String] {
        &self.calls
    }

    /// Every refusal so far.
    pub fn refusals(&self) -> &[(String, RuleError)] {
        &self.refusals
    }

    /// Ends the session: commits when the hook `succeeded`, discards otherwise.
    pub fn finish(self, succeeded: bool) -> Finish {
        let mut model = self.model;
        let finished = if succeeded {
            self.hook.commit(&mut model)
        } else {
            self.hook.discard(&mut model)
        };
        Finish {
            model,
            finished,
            calls: self.calls,
            refusals: self.refusals,
        }
    }

    /// Records the call, and on refusal the rule, converting Juju's text into the error
    /// the SDK sees from a real tool.
    fn call<T>(
        &mut self,
        tool: &str,
        args: String,
        run: impl FnOnce(&mut Hook, &mut Model) -> RuleResult<T>,
    ) -> ToolResult<T> {
        self.calls.push(if args.is_empty() {
            tool.to_owned()
        } else {
            format!("{tool} {args}")
        });
        run(&mut self.hook, &mut self.model).map_err(|err| {
            let error = HookToolError::classify(tool, &format!("ERROR {err}"), Some(err.exit_code()));
            self.refusals.push((tool.to_owned(), err));
            error
        })
    }
}

fn owner_text(owner: &BagOwner) -> String {
    match owner {
        BagOwner::Unit(unit) => unit.to_string(),
        BagOwner::App(app) => format!("--app {app}"),
    }
}

fn keys<V>(map: &BTreeMap<String, V>) -> String {
    map.keys().map(String::as_str).collect::<Vec<_>>().join(",")
}

fn secret_args(meta: &SecretMeta) -> SecretArgs {
    SecretArgs {
        label: meta.label.clone(),
        description: meta.description.clone(),
        expire: meta.expire.clone(),
        rotate: meta.rotate,
        owner: meta.owner,
    }
}

fn read_mode(read: SecretRead) -> juju_rules::SecretRead {
    match read {
        SecretRead::Pinned => juju_rules::SecretRead::Pinned,
        SecretRead::Peek => juju_rules::SecretRead::Peek,
        SecretRead::Refresh => juju_rules::SecretRead::Refresh,
    }
}

fn secret_ref_text(secret: &SecretRef) -> String {
    let mut out = Vec::new();
    if let Some(uri) = &secret.uri {
        out.push(uri.to_string());
    }
    if let Some(label) = &secret.label {
        out.push(format!("--label {label}"));
    }
    out.join(" ")
}

impl Backend for MemoryBackend {
    fn config_get(&mut self) -> ToolResult<serde_json::Map<String, Value>> {
        self.call("config-get", String::new(), |h, m| h.config_get(m))
    }

    fn is_leader(&mut self) -> ToolResult<bool> {
        self.call("is-leader", String::new(), |h, m| Ok(h.is_leader(m)))
    }

    fn relation_ids(&mut self, endpoint: &str) -> ToolResult<Vec<RelationId>> {
        self.call("relation-ids", endpoint.to_owned(), |h, m| h.relation_ids(m, endpoint))
    }

    fn relation_list(&mut self, relation: RelationId) -> ToolResult<Vec<UnitName>> {
        self.call("relation-list", format!("-r {relation}"), |h, m| {
            h.relation_list(m, Some(relation))
        })
    }

    fn relation_remote_app(&mut self, relation: RelationId) -> ToolResult<Option<AppName>> {
        self.call("relation-list", format!("-r {relation} --app"), |h, m| {
            h.relation_list_app(m, Some(relation))
        })
    }

    fn relation_get(&mut self, relation: RelationId, owner: &BagOwner) -> ToolResult<Databag> {
        self.call(
            "relation-get",
            format!("-r {relation} - {}", owner_text(owner)),
            |h, m| h.relation_get_bag(m, relation, owner),
        )
    }

    fn relation_set(&mut self, relation: RelationId, app: bool, data: &Databag) -> ToolResult<()> {
        let app_flag = if app { " --app" } else { "" };
        self.call(
            "relation-set",
            format!("-r {relation}{app_flag} {}", keys(data)),
            |h, m| h.relation_set(m, Some(relation), app, data),
        )
    }

    fn relation_model_get(&mut self, relation: RelationId) -> ToolResult<String> {
        self.call("relation-model-get", format!("-r {relation}"), |h, m| {
            h.relation_model_get(m, Some(relation))
        })
    }

    fn status_set(&mut self, target: StatusTarget, status: &Status) -> ToolResult<()> {
        let application = target == StatusTarget::Application;
        let flag = if application { "--application " } else { "" };
        self.call("status-set", format!("{flag}{}", status.kind.as_str()), |h, m| {
            h.status_set(m, application, status.kind.as_str(), &status.message)
        })
    }

    fn status_get(&mut self) -> ToolResult<StatusInfo> {
        self.call("status-get", String::new(), |h, m| h.status_get(m))
    }

    fn app_status_get(&mut self) -> ToolResult<AppStatusInfo> {
        self.call("status-get", "--application".to_owned(), |h, m| h.app_status_get(m))
    }

    fn application_version_set(&mut self, version: &str) -> ToolResult<()> {
        self.call("application-version-set", version.to_owned(), |h, m| {
            h.application_version_set(m, version)
        })
    }

    fn action_get(&mut self) -> ToolResult<serde_json::Map<String, Value>> {
        self.call("action-get", String::new(), |h, m| h.action_get(m))
    }

    fn action_set(&mut self, results: &BTreeMap<String, String>) -> ToolResult<()> {
        self.call("action-set", keys(results), |h, m| h.action_set(m, results))
    }

    fn action_fail(&mut self, message: &str) -> ToolResult<()> {
        self.call("action-fail", String::new(), |h, m| h.action_fail(m, message))
    }

    fn action_log(&mut self, message: &str) -> ToolResult<()> {
        self.call("action-log", String::new(), |h, m| h.action_log(m, message))
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> ToolResult<()> {
        self.call("juju-log", level.as_str().to_owned(), |h, m| {
            h.juju_log(m, level, message)
        })
    }

    fn open_port(&mut self, port: Port, endpoints: &[String]) -> ToolResult<()> {
        self.call("open-port", port.to_string(), |h, _| h.open_port(port, endpoints))
    }

    fn close_port(&mut self, port: Port, endpoints: &[String]) -> ToolResult<()> {
        self.call("close-port", port.to_string(), |h, _| h.close_port(port, endpoints))
    }

    fn opened_ports(&mut self) -> ToolResult<Vec<Port>> {
        self.call("opened-ports", String::new(), |h, m| h.opened_ports(m))
    }

    fn network_get(&mut self, binding: &str, relation: Option<RelationId>) -> ToolResult<Network> {
        let args = match relation {
            Some(id) => format!("{binding} -r {id}"),
            None => binding.to_owned(),
        };
        self.call("network-get", args, |h, m| h.network_get(m, binding, relation))
    }

    fn state_get(&mut self) -> ToolResult<BTreeMap<String, String>> {
        self.call("state-get", String::new(), |h, m| h.state_get(m))
    }

    fn state_set(&mut self, values: &BTreeMap<String, String>) -> ToolResult<()> {
        self.call("state-set", keys(values), |h, _| h.state_set(values))
    }

    fn state_delete(&mut self, key: &str) -> ToolResult<()> {
        self.call("state-delete", key.to_owned(), |h, _| h.state_delete(key))
    }

    fn secret_add(&mut self, content: &BTreeMap<String, String>, meta: &SecretMeta) -> ToolResult<SecretUri> {
        let owner = meta
            .owner
            .map(|o| format!("--owner {} ", o.as_str()))
            .unwrap_or_default();
        self.call("secret-add", format!("{owner}{}", keys(content)), |h, m| {
            h.secret_add(m, content, &secret_args(meta))
        })
    }

    fn secret_get(&mut self, secret: &SecretRef, read: SecretRead) -> ToolResult<BTreeMap<String, String>> {
        let flag = match read {
            SecretRead::Pinned => "",
            SecretRead::Peek => " --peek",
            SecretRead::Refresh => " --refresh",
        };
        self.call("secret-get", format!("{}{flag}", secret_ref_text(secret)), |h, m| {
            h.secret_get(m, secret.uri.as_ref(), secret.label.as_deref(), read_mode(read))
        })
    }

    fn secret_set(
        &mut self,
        uri: &SecretUri,
        content: Option<&BTreeMap<String, String>>,
        meta: &SecretMeta,
    ) -> ToolResult<()> {
        let content_keys = content.map(keys).unwrap_or_default();
        self.call(
            "secret-set",
            format!("{uri} {content_keys}").trim_end().to_owned(),
            |h, m| h.secret_set(m, uri, content, &secret_args(meta)),
        )
    }

    fn secret_remove(&mut self, uri: &SecretUri, revision: Option<u64>) -> ToolResult<()> {
        let rev = revision.map(|r| format!(" --revision {r}")).unwrap_or_default();
        self.call("secret-remove", format!("{uri}{rev}"), |h, m| {
            h.secret_remove(m, uri, revision)
        })
    }

    fn secret_grant(&mut self, uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolResult<()> {
        let unit_flag = unit.map(|u| format!(" --unit {u}")).unwrap_or_default();
        self.call("secret-grant", format!("{uri} -r {relation}{unit_flag}"), |h, m| {
            h.secret_grant(m, uri, relation, unit)
        })
    }

    fn secret_revoke(&mut self, uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolResult<()> {
        let unit_flag = unit.map(|u| format!(" --unit {u}")).unwrap_or_default();
        self.call("secret-revoke", format!("{uri} -r {relation}{unit_flag}"), |h, m| {
            h.secret_revoke(m, uri, Some(relation), unit)
        })
    }

    fn secret_ids(&mut self) -> ToolResult<Vec<SecretUri>> {
        self.call("secret-ids", String::new(), |h, m| Ok(h.secret_ids(m)))
    }

    fn secret_info_get(&mut self, secret: &SecretRef) -> ToolResult<SecretInfo> {
        self.call("secret-info-get", secret_ref_text(secret), |h, m| {
            h.secret_info_get(m, secret.uri.as_ref(), secret.label.as_deref())
        })
    }

    fn storage_get(&mut self, id: Option<&str>) -> ToolResult<StorageInfo> {
        let args = id.map(|i| format!("-s {i}")).unwrap_or_default();
        self.call("storage-get", args, |h, m| h.storage_get(m, id))
    }

    fn storage_list(&mut self, name: Option<&str>) -> ToolResult<Vec<String>> {
        self.call("storage-list", name.unwrap_or_default().to_owned(), |h, m| {
            h.storage_list(m, name)
        })
    }

    fn storage_add(&mut self, name: &str, count: u32) -> ToolResult<()> {
        self.call("storage-add", format!("{name}={count}"), |h, m| {
            h.storage_add(m, name, count)
        })
    }

    fn resource_get(&mut self, name: &str) -> ToolResult<PathBuf> {
        self.call("resource-get", name.to_owned(), |h, m| {
            h.resource_get(m, name).map(PathBuf::from)
        })
    }

    fn credential_get(&mut self) -> ToolResult<Value> {
        self.call("credential-get", String::new(), |h, _| h.credential_get())
    }

    fn goal_state(&mut self) -> ToolResult<GoalState> {
        self.call("goal-state", String::new(), |h, m| h.goal_state(m))
    }
}
