//! The hook tools, server side: Juju's command-line syntax on top of `juju-rules`.
//!
//! A charm runs `relation-get`, `secret-add`... as real processes; each is the local-model
//! binary under the tool's name ([`crate::toolclient`]), which sends its argv, stdin and
//! the files named by `key#file=` / `--file` to the controller. Here the argv is parsed
//! with Juju's syntax ([`flags`]), applied to the hook's [`juju_rules::Hook`] session, and
//! turned into what Juju prints: the result in the requested [`format`], or
//! `ERROR <text>` on stderr with exit code 1 (2 for usage errors).

mod action;
pub(crate) mod flags;
pub(crate) mod format;
mod relation;
mod secret;
mod unit;

use std::collections::BTreeMap;

use juju_rules::{Hook, Model, RuleError};
use serde_json::Value;

use crate::proto::{FileContent, ToolResponse};
use flags::{Flag, Parsed};
use format::Format;

/// Every tool name the local model answers, for the multi-call binary's symlinks.
pub const TOOL_NAMES: &[&str] = &[
    "action-fail",
    "action-get",
    "action-log",
    "action-set",
    "application-version-set",
    "close-port",
    "config-get",
    "credential-get",
    "goal-state",
    "is-leader",
    "juju-log",
    "juju-reboot",
    "leader-get",
    "leader-set",
    "network-get",
    "open-port",
    "opened-ports",
    "relation-get",
    "relation-ids",
    "relation-list",
    "relation-model-get",
    "relation-set",
    "resource-get",
    "secret-add",
    "secret-get",
    "secret-grant",
    "secret-ids",
    "secret-info-get",
    "secret-remove",
    "secret-revoke",
    "secret-set",
    "state-delete",
    "state-get",
    "state-set",
    "status-get",
    "status-set",
    "storage-add",
    "storage-get",
    "storage-list",
    "unit-get",
];

/// Whether `name` is one of the hook tools.
pub fn is_tool(name: &str) -> bool {
    TOOL_NAMES.contains(&name)
}

/// A tool failure: Juju's text and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolError {
    pub(crate) text: String,
    pub(crate) code: i32,
}

impl ToolError {
    /// A usage error (exit 2), as gnuflag and `Init` report them.
    pub(crate) fn usage(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            code: 2,
        }
    }

    /// A run-time error (exit 1).
    pub(crate) fn run(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            code: 1,
        }
    }
}

impl From<RuleError> for ToolError {
    fn from(err: RuleError) -> Self {
        Self {
            text: err.to_string(),
            code: err.exit_code(),
        }
    }
}

/// What a tool returns on success: a value to format (or nothing), or raw text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Out {
    /// Nothing printed.
    Nothing,
    /// A result printed in the requested format.
    Value(Option<Value>),
    /// Text printed as is (tools without `--format`).
    Text(String),
}

/// Leadership settings (`leader-get`/`leader-set`), which juju-rules does not model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LeaderSettings {
    /// The application's committed settings.
    pub(crate) committed: BTreeMap<String, String>,
    /// This hook's pending `leader-set` writes (an empty value deletes).
    pub(crate) pending: BTreeMap<String, String>,
}

/// Everything one tool call works on.
pub(crate) struct Call<'a> {
    /// The model.
    pub(crate) model: &'a mut Model,
    /// The hook session.
    pub(crate) hook: &'a mut Hook,
    /// The tool's stdin, when it was read (`--file -`).
    pub(crate) stdin: Option<&'a str>,
    /// Files named on the command line, read by the client.
    pub(crate) files: &'a BTreeMap<String, FileContent>,
    /// Leadership settings of the unit's application.
    pub(crate) leader: &'a mut LeaderSettings,
}

impl Call<'_> {
    /// The content of a file named on the command line (`-` is stdin).
    pub(crate) fn file(&self, path: &str) -> Result<String, ToolError> {
        if path == "-" {
            return Ok(self.stdin.unwrap_or_default().to_owned());
        }
        match self.files.get(path) {
            Some(FileContent::Text(text)) => Ok(text.clone()),
            Some(FileContent::Error(err)) => Err(ToolError::run(err.clone())),
            None => Err(ToolError::run(format!("open {path}: no such file or directory"))),
        }
    }
}

/// Runs tool `name` with `args` and returns what the process prints and its exit code.
pub(crate) fn run(name: &str, args: &[String], call: &mut Call<'_>) -> ToolResponse {
    match dispatch(name, args, call) {
        Ok((format, out)) => ToolResponse {
            stdout: match out {
                Out::Nothing => String::new(),
                Out::Value(value) => format.render(value.as_ref()),
                Out::Text(text) if text.is_empty() || text.ends_with('\n') => text,
                Out::Text(text) => text + "\n",
            },
            stderr: String::new(),
            code: 0,
        },
        Err(err) => ToolResponse {
            stdout: String::new(),
            stderr: format!("ERROR {}\n", err.text),
            code: err.code,
        },
    }
}

type Handler = fn(&Parsed, &mut Call<'_>) -> Result<Out, ToolError>;

/// The flags every formatting tool accepts.
const FORMAT: Flag = flags::value(&["format"]);
/// `-r` / `--relation`.
const RELATION: Flag = flags::value(&["r", "relation"]);

fn table(name: &str) -> Option<(Vec<Flag>, Handler)> {
    Some(match name {
        "config-get" => (vec![FORMAT, flags::boolean(&["all", "a"])], unit::config_get),
        "is-leader" => (vec![FORMAT], unit::is_leader),
        "status-set" => (vec![flags::boolean(&["application"])], unit::status_set),
        "status-get" => (
            vec![
                FORMAT,
                flags::boolean(&["include-data"]),
                flags::boolean(&["application"]),
            ],
            unit::status_get,
        ),
        "application-version-set" => (vec![], unit::application_version_set),
        "juju-log" => (
            vec![FORMAT, flags::value(&["l", "log-level"]), flags::boolean(&["debug"])],
            unit::juju_log,
        ),
        "state-get" => (vec![FORMAT, flags::boolean(&["strict"])], unit::state_get),
        "state-set" => (vec![flags::value(&["file"])], unit::state_set),
        "state-delete" => (vec![], unit::state_delete),
        "open-port" => (vec![FORMAT, flags::value(&["endpoints"])], unit::open_port),
        "close-port" => (vec![FORMAT, flags::value(&["endpoints"])], unit::close_port),
        "opened-ports" => (vec![FORMAT, flags::boolean(&["endpoints"])], unit::opened_ports),
        "network-get" => (
            vec![
                FORMAT,
                RELATION,
                flags::boolean(&["bind-address"]),
                flags::boolean(&["ingress-address"]),
                flags::boolean(&["egress-subnets"]),
                flags::boolean(&["primary-address"]),
            ],
            unit::network_get,
        ),
        "unit-get" => (vec![FORMAT], unit::unit_get),
        "storage-get" => (vec![FORMAT, flags::value(&["s"])], unit::storage_get),
        "storage-list" => (vec![FORMAT], unit::storage_list),
        "storage-add" => (vec![], unit::storage_add),
        "goal-state" => (vec![FORMAT], unit::goal_state),
        "resource-get" => (vec![], unit::resource_get),
        "credential-get" => (vec![FORMAT], unit::credential_get),
        "juju-reboot" => (vec![flags::boolean(&["now"])], unit::juju_reboot),
        "leader-get" => (vec![FORMAT], unit::leader_get),
        "leader-set" => (vec![flags::value(&["file"])], unit::leader_set),
        "relation-ids" => (vec![FORMAT], relation::relation_ids),
        "relation-list" => (
            vec![FORMAT, RELATION, flags::boolean(&["app"])],
            relation::relation_list,
        ),
        "relation-get" => (vec![FORMAT, RELATION, flags::boolean(&["app"])], relation::relation_get),
        "relation-set" => (
            vec![FORMAT, RELATION, flags::boolean(&["app"]), flags::value(&["file"])],
            relation::relation_set,
        ),
        "relation-model-get" => (vec![FORMAT, RELATION], relation::relation_model_get),
        "action-get" => (vec![FORMAT], action::action_get),
        "action-set" => (vec![], action::action_set),
        "action-fail" => (vec![], action::action_fail),
        "action-log" => (vec![], action::action_log),
        "secret-add" => (secret::ADD_FLAGS.to_vec(), secret::secret_add),
        "secret-set" => (secret::ADD_FLAGS.to_vec(), secret::secret_set),
        "secret-get" => (
            vec![
                FORMAT,
                flags::value(&["label"]),
                flags::boolean(&["peek"]),
                flags::boolean(&["refresh"]),
            ],
            secret::secret_get,
        ),
        "secret-remove" => (vec![flags::value(&["revision"])], secret::secret_remove),
        "secret-grant" => (vec![RELATION, flags::value(&["unit"])], secret::secret_grant),
        "secret-revoke" => (
            vec![RELATION, flags::value(&["unit"]), flags::value(&["app", "application"])],
            secret::secret_revoke,
        ),
        "secret-ids" => (vec![FORMAT], secret::secret_ids),
        "secret-info-get" => (vec![FORMAT, flags::value(&["label"])], secret::secret_info_get),
        _ => return None,
    })
}

fn dispatch(name: &str, args: &[String], call: &mut Call<'_>) -> Result<(Format, Out), ToolError> {
    let (spec, handler) = table(name).ok_or_else(|| ToolError::run(format!("unknown command {name:?}")))?;
    let parsed = flags::parse(args, &spec)?;
    let format = Format::parse(parsed.value("format"))?;
    handler(&parsed, call).map(|out| (format, out))
}

/// Refuses extra positional arguments past `max`, with juju/cmd's `CheckEmpty` text.
pub(crate) fn at_most(parsed: &Parsed, max: usize) -> Result<(), ToolError> {
    if parsed.positional.len() > max {
        let rest: Vec<String> = parsed.positional[max..].iter().map(|a| format!("{a:?}")).collect();
        return Err(ToolError::usage(format!("unrecognized args: [{}]", rest.join(" "))));
    }
    Ok(())
}

/// Parses `key=value` arguments (values may contain `=`).
pub(crate) fn key_values(args: &[String]) -> Result<BTreeMap<String, String>, ToolError> {
    let mut out = BTreeMap::new();
    for arg in args {
        let (key, value) = arg
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| ToolError::usage(format!("expected \"key=value\", got {arg:?}")))?;
        out.insert(key.to_owned(), value.to_owned());
    }
    Ok(out)
}

/// Reads a YAML (or JSON) map of settings, as `--file` takes it: scalars become strings,
/// null becomes the empty string (which deletes).
pub(crate) fn settings_file(text: &str) -> Result<BTreeMap<String, String>, ToolError> {
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| ToolError::run(format!("cannot parse settings: {e}")))?;
    let map = match value {
        serde_yaml_ng::Value::Null => return Ok(BTreeMap::new()),
        serde_yaml_ng::Value::Mapping(map) => map,
        _ => return Err(ToolError::run("expected a YAML map of settings")),
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let key = scalar_text(&k).ok_or_else(|| ToolError::run("settings keys must be strings"))?;
        let value = scalar_text(&v).ok_or_else(|| ToolError::run(format!("value of {key:?} must be a string")))?;
        out.insert(key, value);
    }
    Ok(out)
}

fn scalar_text(value: &serde_yaml_ng::Value) -> Option<String> {
    match value {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        serde_yaml_ng::Value::Null => Some(String::new()),
        _ => None,
    }
}

/// Parses a `-r` value the way Juju does: the integer after the last colon, which must
/// name a relation this unit's application is in (gnuflag reports both as usage errors).
pub(crate) fn relation_flag(parsed: &Parsed, call: &Call<'_>) -> Result<Option<juju_model::RelationId>, ToolError> {
    let Some(text) = parsed.value("r") else {
        return Ok(None);
    };
    let id = juju_model::RelationId::parse(text)
        .map_err(|_| ToolError::usage(format!("invalid value {text:?} for flag -r: invalid relation id")))?;
    if juju_rules::access::relation_for(call.model, call.hook.unit(), id).is_err() {
        return Err(ToolError::usage(format!(
            "invalid value {text:?} for flag -r: relation not found"
        )));
    }
    Ok(Some(id))
}

#[cfg(test)]
mod tests;
