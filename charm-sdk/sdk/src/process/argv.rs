//! The exact command line of every hook tool call, built without running anything.
//!
//! Keeping argv construction pure means every flag, its order and the stdin payload can be
//! asserted in plain unit tests, and the same builders serve the real backend and any
//! recording double. The order of flags follows what Python ops sends
//! (`ops/hookcmds/*.py`), so a tool implementation that accepts ops' calls accepts ours.
//!
//! Two kinds of data never go on argv: relation and state maps travel as JSON (valid YAML)
//! on stdin (`--file -`), and secret values are written to private files at run time and
//! passed as `key#file=<path>` (see the `exec` module). A [`ToolCall`] therefore holds the
//! secret content separately, and its `Debug` output shows only the keys.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use juju_model::tools::{BagOwner, LogLevel, Port, SecretOwner};
use juju_model::{RelationId, SecretUri, Status, UnitName};
use serde_json::Value;

use crate::backend::{HookToolError, SecretMeta, SecretRead, SecretRef, StatusTarget, ToolErrorKind, ToolResult};

/// Longest message passed to one `juju-log` call, in bytes (ops' `MAX_LOG_LINE_LEN`; the
/// kernel refuses a single argument of 128 KiB or more).
pub(crate) const MAX_LOG_LINE_LEN: usize = 131_071;

/// One hook tool invocation, before it runs.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ToolCall {
    /// The tool's name (`relation-get`).
    pub(crate) tool: &'static str,
    /// The arguments, without the `key#file=` ones for secret content.
    pub(crate) args: Vec<String>,
    /// Bytes to write on the tool's stdin, if it reads any.
    pub(crate) stdin: Option<Vec<u8>>,
    /// Secret content (key, value), written to 0600 files and appended as `key#file=<path>`.
    pub(crate) secret_content: Vec<(String, String)>,
    /// Whether stdout may hold secret values, so errors must not quote it.
    pub(crate) sensitive_output: bool,
}

impl fmt::Debug for ToolCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.secret_content.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("ToolCall")
            .field("tool", &self.tool)
            .field("args", &self.args)
            .field("stdin_len", &self.stdin.as_ref().map(Vec::len))
            .field("secret_keys", &keys)
            .finish()
    }
}

impl ToolCall {
    fn new<I, S>(tool: &'static str, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            tool,
            args: args.into_iter().map(Into::into).collect(),
            stdin: None,
            secret_content: Vec::new(),
            sensitive_output: false,
        }
    }

    fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    fn flag_if(self, cond: bool, flag: &str) -> Self {
        if cond {
            self.arg(flag)
        } else {
            self
        }
    }

    fn opt(self, flag: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.arg(flag).arg(v),
            None => self,
        }
    }

    fn stdin_map(mut self, map: &BTreeMap<String, String>) -> Self {
        self.stdin = Some(json_map(map).into_bytes());
        self
    }

    fn sensitive(mut self) -> Self {
        self.sensitive_output = true;
        self
    }

    /// The full argv after the tool name: `args`, then one `key#file=<path>` per secret
    /// value, pairing `secret_content[i]` with `files[i]`.
    pub(crate) fn argv(&self, files: &[PathBuf]) -> Vec<OsString> {
        let mut argv: Vec<OsString> = self.args.iter().map(OsString::from).collect();
        for ((key, _), path) in self.secret_content.iter().zip(files) {
            let mut arg = OsString::from(format!("{key}#file="));
            arg.push(path);
            argv.push(arg);
        }
        argv
    }
}

/// A string map as a JSON object (also valid YAML, which `--file -` expects).
fn json_map(map: &BTreeMap<String, String>) -> String {
    let object: serde_json::Map<String, Value> =
        map.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    Value::Object(object).to_string()
}

fn rel(relation: RelationId) -> String {
    relation.to_string()
}

fn missing_ref(tool: &str) -> HookToolError {
    HookToolError {
        tool: tool.to_owned(),
        kind: ToolErrorKind::InvalidArgument,
        message: "require either a secret URI or label".to_owned(),
        code: None,
    }
}

/// `config-get --format=json --all`.
pub(crate) fn config_get() -> ToolCall {
    ToolCall::new("config-get", ["--format=json", "--all"])
}

/// `is-leader --format=json`.
pub(crate) fn is_leader() -> ToolCall {
    ToolCall::new("is-leader", ["--format=json"])
}

/// `relation-ids <endpoint> --format=json`.
pub(crate) fn relation_ids(endpoint: &str) -> ToolCall {
    ToolCall::new("relation-ids", [endpoint, "--format=json"])
}

/// `relation-list --format=json -r <id>`.
pub(crate) fn relation_list(relation: RelationId) -> ToolCall {
    ToolCall::new(
        "relation-list",
        ["--format=json".to_owned(), "-r".to_owned(), rel(relation)],
    )
}

/// `relation-list --format=json --app -r <id>`.
pub(crate) fn relation_remote_app(relation: RelationId) -> ToolCall {
    ToolCall::new(
        "relation-list",
        [
            "--format=json".to_owned(),
            "--app".to_owned(),
            "-r".to_owned(),
            rel(relation),
        ],
    )
}

/// `relation-get --format=json -r <id> [--app] - <unit-or-app>`.
pub(crate) fn relation_get(relation: RelationId, owner: &BagOwner) -> ToolCall {
    let call = ToolCall::new(
        "relation-get",
        ["--format=json".to_owned(), "-r".to_owned(), rel(relation)],
    );
    match owner {
        BagOwner::Unit(unit) => call.arg("-").arg(unit.to_string()),
        BagOwner::App(app) => call.arg("--app").arg("-").arg(app.as_str()),
    }
}

/// `relation-set -r <id> [--app] --file -` with the bag as JSON on stdin.
pub(crate) fn relation_set(relation: RelationId, app: bool, data: &BTreeMap<String, String>) -> ToolCall {
    ToolCall::new("relation-set", ["-r".to_owned(), rel(relation)])
        .flag_if(app, "--app")
        .arg("--file")
        .arg("-")
        .stdin_map(data)
}

/// `relation-model-get --format=json -r <id>`.
pub(crate) fn relation_model_get(relation: RelationId) -> ToolCall {
    ToolCall::new(
        "relation-model-get",
        ["--format=json".to_owned(), "-r".to_owned(), rel(relation)],
    )
}

/// `status-set --application=<bool> <status> -- <message>`.
pub(crate) fn status_set(target: StatusTarget, status: &Status) -> ToolCall {
    let app = matches!(target, StatusTarget::Application);
    ToolCall::new("status-set", [format!("--application={app}")])
        .arg(status.kind.as_str())
        .arg("--")
        .arg(status.message.as_str())
}

/// `status-get --include-data --format=json --application=<bool>`.
pub(crate) fn status_get(app: bool) -> ToolCall {
    ToolCall::new(
        "status-get",
        [
            "--include-data".to_owned(),
            "--format=json".to_owned(),
            format!("--application={app}"),
        ],
    )
}

/// `application-version-set -- <version>`.
pub(crate) fn application_version_set(version: &str) -> ToolCall {
    ToolCall::new("application-version-set", ["--", version])
}

/// `action-get --format=json` (parameters may be credentials: output is sensitive).
pub(crate) fn action_get() -> ToolCall {
    ToolCall::new("action-get", ["--format=json"]).sensitive()
}

/// `action-set k=v …`, or `None` when there is nothing to set (Juju refuses no arguments).
pub(crate) fn action_set(results: &BTreeMap<String, String>) -> Option<ToolCall> {
    if results.is_empty() {
        return None;
    }
    Some(ToolCall::new(
        "action-set",
        results.iter().map(|(k, v)| format!("{k}={v}")),
    ))
}

/// `action-fail -- <message>`; an empty message is left out so Juju's default applies.
pub(crate) fn action_fail(message: &str) -> ToolCall {
    let call = ToolCall::new("action-fail", Vec::<String>::new());
    if message.is_empty() {
        call
    } else {
        call.arg("--").arg(message)
    }
}

/// `action-log -- <message>`.
pub(crate) fn action_log(message: &str) -> ToolCall {
    ToolCall::new("action-log", ["--", message])
}

/// `juju-log --log-level <LEVEL> -- <line>`.
pub(crate) fn juju_log(level: LogLevel, line: &str) -> ToolCall {
    ToolCall::new("juju-log", ["--log-level", level.as_str(), "--", line])
}

/// Splits a log message the way ops' `log_split` does: unchanged when it fits, else a
/// notice line followed by chunks of at most [`MAX_LOG_LINE_LEN`] bytes, cut on character
/// boundaries. An empty message yields nothing (ops logs nothing either).
pub(crate) fn log_lines(message: &str) -> Vec<&str> {
    const NOTICE: &str = "Log string greater than 131071. Splitting into multiple chunks: ";
    let mut lines = Vec::new();
    if message.len() > MAX_LOG_LINE_LEN {
        lines.push(NOTICE);
    }
    let mut rest = message;
    while !rest.is_empty() {
        let mut cut = rest.len().min(MAX_LOG_LINE_LEN);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (line, tail) = rest.split_at(cut);
        lines.push(line);
        rest = tail;
    }
    lines
}

fn port_call(tool: &'static str, port: Port, endpoints: &[String]) -> ToolCall {
    let call = ToolCall::new(tool, Vec::<String>::new());
    let call = if endpoints.is_empty() {
        call
    } else {
        call.arg("--endpoints").arg(endpoints.join(","))
    };
    call.arg(port.to_string())
}

/// `open-port [--endpoints a,b] <port>`.
pub(crate) fn open_port(port: Port, endpoints: &[String]) -> ToolCall {
    port_call("open-port", port, endpoints)
}

/// `close-port [--endpoints a,b] <port>`.
pub(crate) fn close_port(port: Port, endpoints: &[String]) -> ToolCall {
    port_call("close-port", port, endpoints)
}

/// `opened-ports --format=json`.
pub(crate) fn opened_ports() -> ToolCall {
    ToolCall::new("opened-ports", ["--format=json"])
}

/// `network-get --format=json [-r <id>] <binding>`.
pub(crate) fn network_get(binding: &str, relation: Option<RelationId>) -> ToolCall {
    ToolCall::new("network-get", ["--format=json"])
        .opt("-r", relation.map(rel))
        .arg(binding)
}

/// `state-get --format=json`.
pub(crate) fn state_get() -> ToolCall {
    ToolCall::new("state-get", ["--format=json"])
}

/// `state-set --file -` with the map as JSON on stdin, or `None` when there is nothing to set.
pub(crate) fn state_set(values: &BTreeMap<String, String>) -> Option<ToolCall> {
    if values.is_empty() {
        return None;
    }
    Some(ToolCall::new("state-set", ["--file", "-"]).stdin_map(values))
}

/// `state-delete <key>`.
pub(crate) fn state_delete(key: &str) -> ToolCall {
    ToolCall::new("state-delete", [key])
}

fn secret_meta(call: ToolCall, meta: &SecretMeta) -> ToolCall {
    call.opt("--label", meta.label.as_deref())
        .opt("--description", meta.description.as_deref())
        .opt("--expire", meta.expire.as_deref())
        .opt("--rotate", meta.rotate.map(|r| r.as_str()))
}

fn with_content(mut call: ToolCall, content: &BTreeMap<String, String>) -> ToolCall {
    call.secret_content = content.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    call
}

/// `secret-add [--label L] [--description D] [--expire E] [--rotate R] --owner <owner>
/// key#file=<path> …`. The owner is always explicit, as ops sends it (Juju's default is
/// `application`). `secret-add` has no `--format` flag: it prints the URI.
pub(crate) fn secret_add(content: &BTreeMap<String, String>, meta: &SecretMeta) -> ToolCall {
    let owner = meta.owner.unwrap_or(SecretOwner::Application);
    let call = secret_meta(ToolCall::new("secret-add", Vec::<String>::new()), meta)
        .arg("--owner")
        .arg(owner.as_str());
    with_content(call, content)
}

/// `secret-get --format=json [<uri>] [--label L] [--refresh|--peek]` (output is sensitive).
pub(crate) fn secret_get(secret: &SecretRef, read: SecretRead) -> ToolResult<ToolCall> {
    if secret.uri.is_none() && secret.label.is_none() {
        return Err(missing_ref("secret-get"));
    }
    let call = ToolCall::new("secret-get", ["--format=json"]);
    let call = match &secret.uri {
        Some(uri) => call.arg(uri.as_str()),
        None => call,
    };
    let call = call.opt("--label", secret.label.as_deref());
    let call = match read {
        SecretRead::Pinned => call,
        SecretRead::Refresh => call.arg("--refresh"),
        SecretRead::Peek => call.arg("--peek"),
    };
    Ok(call.sensitive())
}

/// `secret-set [--label L] [--description D] [--expire E] [--rotate R] [--owner O] <uri>
/// [key#file=<path> …]`. `--owner` only when given: Juju ignores it on update.
pub(crate) fn secret_set(uri: &SecretUri, content: Option<&BTreeMap<String, String>>, meta: &SecretMeta) -> ToolCall {
    let call = secret_meta(ToolCall::new("secret-set", Vec::<String>::new()), meta)
        .opt("--owner", meta.owner.map(SecretOwner::as_str))
        .arg(uri.as_str());
    match content {
        Some(content) => with_content(call, content),
        None => call,
    }
}

/// `secret-remove <uri> [--revision N]`.
pub(crate) fn secret_remove(uri: &SecretUri, revision: Option<u64>) -> ToolCall {
    ToolCall::new("secret-remove", [uri.as_str()]).opt("--revision", revision.map(|r| r.to_string()))
}

fn grant_call(tool: &'static str, uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolCall {
    ToolCall::new(tool, ["--relation".to_owned(), rel(relation)])
        .opt("--unit", unit.map(UnitName::to_string))
        .arg(uri.as_str())
}

/// `secret-grant --relation <id> [--unit U] <uri>`.
pub(crate) fn secret_grant(uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolCall {
    grant_call("secret-grant", uri, relation, unit)
}

/// `secret-revoke --relation <id> [--unit U] <uri>`.
pub(crate) fn secret_revoke(uri: &SecretUri, relation: RelationId, unit: Option<&UnitName>) -> ToolCall {
    grant_call("secret-revoke", uri, relation, unit)
}

/// `secret-ids --format=json`.
pub(crate) fn secret_ids() -> ToolCall {
    ToolCall::new("secret-ids", ["--format=json"])
}

/// `secret-info-get --format=json <uri>`, or `--label L` when there is no URI (Juju refuses
/// both at once, so the URI wins, as in ops).
pub(crate) fn secret_info_get(secret: &SecretRef) -> ToolResult<ToolCall> {
    let call = ToolCall::new("secret-info-get", ["--format=json"]);
    match (&secret.uri, &secret.label) {
        (Some(uri), _) => Ok(call.arg(uri.as_str())),
        (None, Some(label)) => Ok(call.arg("--label").arg(label.as_str())),
        (None, None) => Err(missing_ref("secret-info-get")),
    }
}

/// `storage-get --format=json [-s <name>/<n>]`.
pub(crate) fn storage_get(id: Option<&str>) -> ToolCall {
    ToolCall::new("storage-get", ["--format=json"]).opt("-s", id)
}

/// `storage-list --format=json [name]`.
pub(crate) fn storage_list(name: Option<&str>) -> ToolCall {
    let call = ToolCall::new("storage-list", ["--format=json"]);
    match name {
        Some(name) => call.arg(name),
        None => call,
    }
}

/// `storage-add <name>=<count>`.
pub(crate) fn storage_add(name: &str, count: u32) -> ToolCall {
    ToolCall::new("storage-add", [format!("{name}={count}")])
}

/// `resource-get <name>` (prints a path; there is no JSON format).
pub(crate) fn resource_get(name: &str) -> ToolCall {
    ToolCall::new("resource-get", [name])
}

/// `credential-get --format=json` (output holds cloud credentials: sensitive).
pub(crate) fn credential_get() -> ToolCall {
    ToolCall::new("credential-get", ["--format=json"]).sensitive()
}

/// `goal-state --format=json`.
pub(crate) fn goal_state() -> ToolCall {
    ToolCall::new("goal-state", ["--format=json"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use juju_model::tools::RotatePolicy;
    use juju_model::AppName;

    fn args(call: &ToolCall) -> Vec<String> {
        let files: Vec<PathBuf> = (0..call.secret_content.len())
            .map(|i| PathBuf::from(format!("/tmp/s/value-{i}")))
            .collect();
        call.argv(&files)
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[track_caller]
    fn check(call: &ToolCall, tool: &str, expected: &[&str]) {
        assert_eq!(call.tool, tool);
        assert_eq!(args(call), expected, "argv of {tool}");
    }

    fn stdin_json(call: &ToolCall) -> Value {
        serde_json::from_slice(call.stdin.as_deref().unwrap()).unwrap()
    }

    fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn uri() -> SecretUri {
        SecretUri::new("secret:cq5l0hvmp25c7d3sbjug").unwrap()
    }

    #[test]
    fn config_and_leadership() {
        check(&config_get(), "config-get", &["--format=json", "--all"]);
        check(&is_leader(), "is-leader", &["--format=json"]);
    }

    #[test]
    fn relation_reads() {
        check(&relation_ids("db"), "relation-ids", &["db", "--format=json"]);
        check(
            &relation_list(RelationId(3)),
            "relation-list",
            &["--format=json", "-r", "3"],
        );
        check(
            &relation_remote_app(RelationId(3)),
            "relation-list",
            &["--format=json", "--app", "-r", "3"],
        );
        check(
            &relation_model_get(RelationId(3)),
            "relation-model-get",
            &["--format=json", "-r", "3"],
        );
        let app = BagOwner::App(AppName::new("mysql").unwrap());
        check(
            &relation_get(RelationId(3), &app),
            "relation-get",
            &["--format=json", "-r", "3", "--app", "-", "mysql"],
        );
        let unit = BagOwner::Unit(UnitName::new("mysql/1").unwrap());
        check(
            &relation_get(RelationId(3), &unit),
            "relation-get",
            &["--format=json", "-r", "3", "-", "mysql/1"],
        );
        assert!(relation_get(RelationId(3), &unit).stdin.is_none());
    }

    #[test]
    fn relation_set_sends_the_bag_on_stdin() {
        let data = bag(&[("host", "10.0.0.1"), ("gone", ""), ("quote", "a \"b\"\nc: d")]);
        let call = relation_set(RelationId(3), true, &data);
        check(&call, "relation-set", &["-r", "3", "--app", "--file", "-"]);
        assert_eq!(
            stdin_json(&call),
            serde_json::json!({"host": "10.0.0.1", "gone": "", "quote": "a \"b\"\nc: d"})
        );
        // The JSON must read back identically as YAML, which is what Juju parses.
        let yaml: BTreeMap<String, String> = serde_yaml_ng::from_slice(call.stdin.as_deref().unwrap()).unwrap();
        assert_eq!(yaml, data);
        let unit = relation_set(RelationId(7), false, &bag(&[("a", "1")]));
        check(&unit, "relation-set", &["-r", "7", "--file", "-"]);
        assert_eq!(unit.stdin.as_deref(), Some(&b"{\"a\":\"1\"}"[..]));
    }

    #[test]
    fn status_calls() {
        check(
            &status_set(StatusTarget::Application, &Status::blocked("need a relation")),
            "status-set",
            &["--application=true", "blocked", "--", "need a relation"],
        );
        check(
            &status_set(StatusTarget::Unit, &Status::active("")),
            "status-set",
            &["--application=false", "active", "--", ""],
        );
        // A message starting with a dash stays a message thanks to `--`.
        check(
            &status_set(StatusTarget::Unit, &Status::waiting("-r is odd")),
            "status-set",
            &["--application=false", "waiting", "--", "-r is odd"],
        );
        check(
            &status_get(false),
            "status-get",
            &["--include-data", "--format=json", "--application=false"],
        );
        check(
            &status_get(true),
            "status-get",
            &["--include-data", "--format=json", "--application=true"],
        );
        check(
            &application_version_set("3.9.2"),
            "application-version-set",
            &["--", "3.9.2"],
        );
    }

    #[test]
    fn action_calls() {
        let get = action_get();
        check(&get, "action-get", &["--format=json"]);
        assert!(get.sensitive_output);
        let results = bag(&[("result.user", "admin"), ("count", "2"), ("note", "a=b c")]);
        check(
            &action_set(&results).unwrap(),
            "action-set",
            &["count=2", "note=a=b c", "result.user=admin"],
        );
        assert!(action_set(&BTreeMap::new()).is_none());
        check(&action_fail("no leader"), "action-fail", &["--", "no leader"]);
        check(&action_fail(""), "action-fail", &[]);
        check(&action_log("step 1/3"), "action-log", &["--", "step 1/3"]);
    }

    #[test]
    fn juju_log_call() {
        check(
            &juju_log(LogLevel::Warning, "msg"),
            "juju-log",
            &["--log-level", "WARNING", "--", "msg"],
        );
        check(
            &juju_log(LogLevel::Debug, "--x"),
            "juju-log",
            &["--log-level", "DEBUG", "--", "--x"],
        );
    }

    #[test]
    fn long_log_messages_are_split_like_ops() {
        assert_eq!(log_lines("short"), ["short"]);
        assert!(log_lines("").is_empty());
        let exact = "x".repeat(MAX_LOG_LINE_LEN);
        assert_eq!(log_lines(&exact), [exact.as_str()]);
        let long = "y".repeat(2 * MAX_LOG_LINE_LEN + 5);
        let lines = log_lines(&long);
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            "Log string greater than 131071. Splitting into multiple chunks: "
        );
        assert_eq!(lines[1].len(), MAX_LOG_LINE_LEN);
        assert_eq!(lines[2].len(), MAX_LOG_LINE_LEN);
        assert_eq!(lines[3], "yyyyy");
        // Multi-byte characters are never cut, and every chunk fits one argv string.
        let wide = "é".repeat(MAX_LOG_LINE_LEN);
        let lines = log_lines(&wide);
        assert!(lines[1..].iter().all(|l| l.len() <= MAX_LOG_LINE_LEN));
        assert_eq!(lines[1..].concat(), wide);
    }

    #[test]
    fn port_calls() {
        check(&open_port(Port::Tcp(80), &[]), "open-port", &["80/tcp"]);
        let eps = ["a".to_owned(), "b".to_owned()];
        check(
            &open_port(Port::Tcp(80), &eps),
            "open-port",
            &["--endpoints", "a,b", "80/tcp"],
        );
        check(
            &open_port(Port::UdpRange(8000, 8100), &[]),
            "open-port",
            &["8000-8100/udp"],
        );
        check(
            &close_port(Port::Icmp, &eps[..1]),
            "close-port",
            &["--endpoints", "a", "icmp"],
        );
        check(&opened_ports(), "opened-ports", &["--format=json"]);
    }

    #[test]
    fn network_call() {
        check(
            &network_get("db", Some(RelationId(3))),
            "network-get",
            &["--format=json", "-r", "3", "db"],
        );
        check(
            &network_get("metrics", None),
            "network-get",
            &["--format=json", "metrics"],
        );
    }

    #[test]
    fn state_calls() {
        check(&state_get(), "state-get", &["--format=json"]);
        let call = state_set(&bag(&[("restart-pending", "true")])).unwrap();
        check(&call, "state-set", &["--file", "-"]);
        assert_eq!(stdin_json(&call), serde_json::json!({"restart-pending": "true"}));
        assert!(state_set(&BTreeMap::new()).is_none());
        check(&state_delete("restart-pending"), "state-delete", &["restart-pending"]);
    }

    #[test]
    fn secret_add_keeps_values_off_argv() {
        let content = bag(&[("password", "hunter2"), ("username", "admin")]);
        let meta = SecretMeta {
            label: Some("x".into()),
            owner: Some(SecretOwner::Unit),
            ..SecretMeta::default()
        };
        let call = secret_add(&content, &meta);
        check(
            &call,
            "secret-add",
            &[
                "--label",
                "x",
                "--owner",
                "unit",
                "password#file=/tmp/s/value-0",
                "username#file=/tmp/s/value-1",
            ],
        );
        assert!(!call.args.iter().any(|a| a.contains("hunter2")));
        assert!(!format!("{call:?}").contains("hunter2"));
        assert!(call.stdin.is_none());

        let full = SecretMeta {
            label: Some("db".into()),
            description: Some("db password".into()),
            expire: Some("24h".into()),
            rotate: Some(RotatePolicy::Monthly),
            owner: None,
        };
        check(
            &secret_add(&bag(&[("token", "t")]), &full),
            "secret-add",
            &[
                "--label",
                "db",
                "--description",
                "db password",
                "--expire",
                "24h",
                "--rotate",
                "monthly",
                "--owner",
                "application",
                "token#file=/tmp/s/value-0",
            ],
        );
    }

    #[test]
    fn secret_get_forms() {
        let by_uri = secret_get(&SecretRef::uri(uri()), SecretRead::Pinned).unwrap();
        check(&by_uri, "secret-get", &["--format=json", "secret:cq5l0hvmp25c7d3sbjug"]);
        assert!(by_uri.sensitive_output);
        let both = SecretRef {
            uri: Some(uri()),
            label: Some("L".into()),
        };
        check(
            &secret_get(&both, SecretRead::Refresh).unwrap(),
            "secret-get",
            &[
                "--format=json",
                "secret:cq5l0hvmp25c7d3sbjug",
                "--label",
                "L",
                "--refresh",
            ],
        );
        check(
            &secret_get(&SecretRef::label("L"), SecretRead::Peek).unwrap(),
            "secret-get",
            &["--format=json", "--label", "L", "--peek"],
        );
        let none = SecretRef { uri: None, label: None };
        assert_eq!(
            secret_get(&none, SecretRead::Pinned).unwrap_err().kind,
            ToolErrorKind::InvalidArgument
        );
    }

    #[test]
    fn secret_set_forms() {
        check(
            &secret_set(&uri(), None, &SecretMeta::default()),
            "secret-set",
            &["secret:cq5l0hvmp25c7d3sbjug"],
        );
        let meta = SecretMeta {
            label: Some("L".into()),
            rotate: Some(RotatePolicy::Daily),
            ..SecretMeta::default()
        };
        let call = secret_set(&uri(), Some(&bag(&[("password", "s3cret")])), &meta);
        check(
            &call,
            "secret-set",
            &[
                "--label",
                "L",
                "--rotate",
                "daily",
                "secret:cq5l0hvmp25c7d3sbjug",
                "password#file=/tmp/s/value-0",
            ],
        );
        assert!(!call.args.iter().any(|a| a.contains("s3cret")));
        let owned = SecretMeta {
            owner: Some(SecretOwner::Unit),
            ..SecretMeta::default()
        };
        check(
            &secret_set(&uri(), None, &owned),
            "secret-set",
            &["--owner", "unit", "secret:cq5l0hvmp25c7d3sbjug"],
        );
    }

    #[test]
    fn secret_management_calls() {
        let id = "secret:cq5l0hvmp25c7d3sbjug";
        check(&secret_remove(&uri(), None), "secret-remove", &[id]);
        check(
            &secret_remove(&uri(), Some(2)),
            "secret-remove",
            &[id, "--revision", "2"],
        );
        let unit = UnitName::new("app/1").unwrap();
        check(
            &secret_grant(&uri(), RelationId(4), None),
            "secret-grant",
            &["--relation", "4", id],
        );
        check(
            &secret_grant(&uri(), RelationId(4), Some(&unit)),
            "secret-grant",
            &["--relation", "4", "--unit", "app/1", id],
        );
        check(
            &secret_revoke(&uri(), RelationId(4), None),
            "secret-revoke",
            &["--relation", "4", id],
        );
        check(
            &secret_revoke(&uri(), RelationId(4), Some(&unit)),
            "secret-revoke",
            &["--relation", "4", "--unit", "app/1", id],
        );
        check(&secret_ids(), "secret-ids", &["--format=json"]);
        check(
            &secret_info_get(&SecretRef::uri(uri())).unwrap(),
            "secret-info-get",
            &["--format=json", id],
        );
        check(
            &secret_info_get(&SecretRef::label("L")).unwrap(),
            "secret-info-get",
            &["--format=json", "--label", "L"],
        );
        let both = SecretRef {
            uri: Some(uri()),
            label: Some("L".into()),
        };
        check(
            &secret_info_get(&both).unwrap(),
            "secret-info-get",
            &["--format=json", id],
        );
        let none = SecretRef { uri: None, label: None };
        assert_eq!(secret_info_get(&none).unwrap_err().kind, ToolErrorKind::InvalidArgument);
    }

    #[test]
    fn storage_and_other_calls() {
        check(
            &storage_get(Some("data/0")),
            "storage-get",
            &["--format=json", "-s", "data/0"],
        );
        check(&storage_get(None), "storage-get", &["--format=json"]);
        check(&storage_list(Some("data")), "storage-list", &["--format=json", "data"]);
        check(&storage_list(None), "storage-list", &["--format=json"]);
        check(&storage_add("data", 2), "storage-add", &["data=2"]);
        check(&resource_get("jar"), "resource-get", &["jar"]);
        let cred = credential_get();
        check(&cred, "credential-get", &["--format=json"]);
        assert!(cred.sensitive_output);
        check(&goal_state(), "goal-state", &["--format=json"]);
    }
}
