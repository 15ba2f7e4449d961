//! [`Client`]: the production [`Pebble`] over a container's unix socket.
//!
//! One method per endpoint of `docs/specs/openapi.yaml`, each a thin mapping from Rust
//! arguments to Pebble's JSON and back, following ops' `pebble.Client`: service actions
//! and exec wait for their change with `/v1/changes/{id}/wait` (re-asking after each 504),
//! failed changes surface their `err`, file operations check the per-path results.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hyper::Method;
use juju_model::pebble::{CheckLevel, Layer, Plan};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::error::PebbleError;
use super::files::{check_path_result, decode_read, encode_write};
use super::http::{decode_envelope, go_seconds, with_query, Transport};
use super::types::{
    CheckInfo, ExecOutput, ExecRequest, FileInfo, MakeDirOptions, Notice, NoticeFilter, PushOptions, ServiceInfo,
    SystemInfo,
};
use super::Pebble;

/// Time allowed for one request (ops' default client timeout).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a service change (start/stop/restart/replan) to finish (ops' default).
pub const DEFAULT_CHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// A change as `/v1/changes/{id}` returns it (the fields the client needs).
#[derive(Debug, Deserialize)]
pub(crate) struct Change {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) ready: bool,
    #[serde(default)]
    pub(crate) err: Option<String>,
    #[serde(default)]
    pub(crate) tasks: Vec<Task>,
}

/// A task of a change.
#[derive(Debug, Deserialize)]
pub(crate) struct Task {
    #[serde(default)]
    pub(crate) data: BTreeMap<String, Value>,
}

/// A blocking Pebble client for one socket. Cheap to create; owns a small runtime.
pub struct Client {
    pub(crate) transport: Transport,
    change_timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("socket", &self.transport.socket())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `socket`. Fails with [`PebbleError::Connection`] when the socket does
    /// not exist (Pebble not started yet); does not otherwise connect.
    pub fn new(socket: impl Into<PathBuf>) -> Result<Self, PebbleError> {
        Self::with_timeouts(socket, DEFAULT_TIMEOUT, DEFAULT_CHANGE_TIMEOUT)
    }

    /// A client with a per-request timeout and a timeout for service changes.
    pub fn with_timeouts(
        socket: impl Into<PathBuf>,
        timeout: Duration,
        change_timeout: Duration,
    ) -> Result<Self, PebbleError> {
        let socket = socket.into();
        if !socket.exists() {
            return Err(PebbleError::Connection {
                socket: socket.display().to_string(),
                message: "socket does not exist".into(),
            });
        }
        Ok(Self {
            transport: Transport::new(socket, timeout)?,
            change_timeout,
        })
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, PebbleError> {
        let uri = with_query(path, query);
        let envelope = self
            .transport
            .block_on(self.transport.json(method, &uri, body, self.transport.timeout()))?;
        Ok(envelope.result)
    }

    fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<T, PebbleError> {
        decode(self.request(Method::GET, path, query, None)?)
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value, PebbleError> {
        self.request(Method::POST, path, &[], Some(body))
    }

    /// POSTs and returns the change id of the async answer, with its result.
    pub(crate) fn post_async(&self, path: &str, body: &Value) -> Result<(String, Value), PebbleError> {
        let envelope =
            self.transport.block_on(
                self.transport
                    .json(Method::POST, path, Some(body), self.transport.timeout()),
            )?;
        let change = envelope
            .change
            .ok_or_else(|| PebbleError::protocol(format!("no change id in answer to {path}")))?;
        Ok((change, envelope.result))
    }

    /// Waits until the change is ready, asking `/wait` in slices of at most 4 s (re-asking
    /// after each 504), up to `timeout` (`None`: no limit).
    pub(crate) fn wait_change(&self, id: &str, timeout: Option<Duration>) -> Result<Change, PebbleError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let slice = self
            .transport
            .timeout()
            .saturating_sub(Duration::from_secs(1))
            .max(Duration::from_secs(1));
        loop {
            let this_wait = match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        let limit = timeout.unwrap_or_default();
                        return Err(PebbleError::Timeout(format!(
                            "timed out waiting for change {id} ({limit:?})"
                        )));
                    }
                    left.min(slice)
                }
                None => slice,
            };
            let uri = with_query(
                &format!("/v1/changes/{id}/wait"),
                &[("timeout", &go_seconds(this_wait))],
            );
            let answer = self.transport.block_on(async {
                let raw = self
                    .transport
                    .send(Method::GET, &uri, &[], Vec::new(), this_wait + self.transport.timeout())
                    .await?;
                decode_envelope(&raw)
            });
            match answer {
                Ok(envelope) => {
                    let change: Change = decode(envelope.result)?;
                    if change.ready {
                        return Ok(change);
                    }
                }
                Err(PebbleError::Api { status_code: 504, .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn services_action(&self, action: &str, services: &[&str]) -> Result<(), PebbleError> {
        let (id, _) = self.post_async("/v1/services", &json!({"action": action, "services": services}))?;
        let change = self.wait_change(&id, Some(self.change_timeout))?;
        match change.err {
            Some(err) if !err.is_empty() => Err(PebbleError::Change { id: change.id, err }),
            _ => Ok(()),
        }
    }

    fn files_action(&self, body: &Value, path: &str) -> Result<(), PebbleError> {
        let result = self.post("/v1/files", body)?;
        check_path_result(&result, path)
    }

    fn checks_action(&self, action: &str, checks: &[&str]) -> Result<Vec<String>, PebbleError> {
        let result = self.post("/v1/checks", &json!({"action": action, "checks": checks}))?;
        // Pebble sends `"changed": null` when nothing changed.
        Ok(result
            .get("changed")
            .cloned()
            .map(decode::<Option<Vec<String>>>)
            .transpose()?
            .flatten()
            .unwrap_or_default())
    }
}

pub(crate) fn decode<T: DeserializeOwned>(value: Value) -> Result<T, PebbleError> {
    serde_json::from_value(value).map_err(|e| PebbleError::protocol(format!("cannot decode result: {e}")))
}

/// Adds the owner/permission keys Pebble's file items share (ops' `_make_auth_dict`).
fn auth_fields(
    item: &mut Map<String, Value>,
    permissions: Option<u32>,
    user: Option<&String>,
    user_id: Option<u32>,
    group: Option<&String>,
    group_id: Option<u32>,
) {
    if let Some(mode) = permissions {
        item.insert("permissions".into(), json!(format!("{mode:03o}")));
    }
    if let Some(id) = user_id {
        item.insert("user-id".into(), json!(id));
    }
    if let Some(name) = user {
        item.insert("user".into(), json!(name));
    }
    if let Some(id) = group_id {
        item.insert("group-id".into(), json!(id));
    }
    if let Some(name) = group {
        item.insert("group".into(), json!(name));
    }
}

/// File-kind API errors of `list_files` are about the path: report them as such.
fn as_path_error(error: PebbleError, path: &str) -> PebbleError {
    match error {
        PebbleError::Api { kind, message, .. }
            if matches!(kind.as_str(), "not-found" | "permission-denied" | "generic-file-error") =>
        {
            PebbleError::Path {
                kind,
                path: path.to_owned(),
                message,
            }
        }
        other => other,
    }
}

impl Pebble for Client {
    fn system_info(&self) -> Result<SystemInfo, PebbleError> {
        self.get("/v1/system-info", &[])
    }

    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
        let body = json!({
            "action": "add", "combine": combine, "label": label, "format": "yaml", "layer": layer.to_yaml(),
        });
        self.post("/v1/layers", &body).map(drop)
    }

    fn get_plan(&self) -> Result<Plan, PebbleError> {
        let yaml: String = self.get("/v1/plan", &[("format", "yaml")])?;
        Plan::from_yaml(&yaml).map_err(|e| PebbleError::protocol(e.to_string()))
    }

    fn get_services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError> {
        let joined = names.join(",");
        let query: &[(&str, &str)] = if names.is_empty() { &[] } else { &[("names", &joined)] };
        Ok(self
            .get::<Option<Vec<ServiceInfo>>>("/v1/services", query)?
            .unwrap_or_default())
    }

    fn start_services(&self, services: &[&str]) -> Result<(), PebbleError> {
        self.services_action("start", services)
    }

    fn stop_services(&self, services: &[&str]) -> Result<(), PebbleError> {
        self.services_action("stop", services)
    }

    fn restart_services(&self, services: &[&str]) -> Result<(), PebbleError> {
        self.services_action("restart", services)
    }

    fn replan_services(&self) -> Result<(), PebbleError> {
        self.services_action("replan", &[])
    }

    fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<(), PebbleError> {
        let mut item = Map::new();
        item.insert("path".into(), json!(path));
        if options.make_dirs {
            item.insert("make-dirs".into(), json!(true));
        }
        let o = options;
        auth_fields(
            &mut item,
            o.permissions,
            o.user.as_ref(),
            o.user_id,
            o.group.as_ref(),
            o.group_id,
        );
        let metadata = json!({"action": "write", "files": [item]});
        let multipart = encode_write(&metadata, path, content)?;
        let headers = [
            ("Content-Type", multipart.content_type.as_str()),
            ("Accept", "application/json"),
        ];
        let raw = self.transport.block_on(self.transport.send(
            Method::POST,
            "/v1/files",
            &headers,
            multipart.body,
            self.transport.timeout(),
        ))?;
        check_path_result(&decode_envelope(&raw)?.result, path)
    }

    fn pull(&self, path: &str) -> Result<Vec<u8>, PebbleError> {
        let uri = with_query("/v1/files", &[("action", "read"), ("path", path)]);
        let raw = self.transport.block_on(self.transport.send(
            Method::GET,
            &uri,
            &[("Accept", "multipart/form-data")],
            Vec::new(),
            self.transport.timeout(),
        ))?;
        if !raw.content_type.starts_with("multipart/") {
            // An error envelope (bad request), or a protocol violation.
            decode_envelope(&raw)?;
            return Err(PebbleError::protocol(format!(
                "expected multipart/form-data, got {:?}",
                raw.content_type
            )));
        }
        decode_read(&raw.body, &raw.content_type, path)
    }

    fn list_files(&self, path: &str, pattern: Option<&str>, itself: bool) -> Result<Vec<FileInfo>, PebbleError> {
        let mut query = vec![("action", "list"), ("path", path)];
        if let Some(pattern) = pattern {
            query.push(("pattern", pattern));
        }
        if itself {
            query.push(("itself", "true"));
        }
        self.get::<Option<Vec<FileInfo>>>("/v1/files", &query)
            .map(Option::unwrap_or_default)
            .map_err(|e| as_path_error(e, path))
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError> {
        let mut item = Map::new();
        item.insert("path".into(), json!(path));
        if options.make_parents {
            item.insert("make-parents".into(), json!(true));
        }
        let o = options;
        auth_fields(
            &mut item,
            o.permissions,
            o.user.as_ref(),
            o.user_id,
            o.group.as_ref(),
            o.group_id,
        );
        self.files_action(&json!({"action": "make-dirs", "dirs": [item]}), path)
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<(), PebbleError> {
        let item = if recursive {
            json!({"path": path, "recursive": true})
        } else {
            json!({"path": path})
        };
        self.files_action(&json!({"action": "remove", "paths": [item]}), path)
    }

    fn exec(&self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
        self.run_exec(request)
    }

    fn get_checks(&self, level: Option<CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>, PebbleError> {
        let joined = names.join(",");
        let mut query = Vec::new();
        if let Some(level) = &level {
            query.push(("level", level.as_str()));
        }
        if !names.is_empty() {
            query.push(("names", joined.as_str()));
        }
        Ok(self
            .get::<Option<Vec<CheckInfo>>>("/v1/checks", &query)?
            .unwrap_or_default())
    }

    fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.checks_action("start", checks)
    }

    fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.checks_action("stop", checks)
    }

    fn get_notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, PebbleError> {
        let (types, keys) = (filter.types.join(","), filter.keys.join(","));
        let user_id = filter.user_id.map(|u| u.to_string()).unwrap_or_default();
        let mut query = Vec::new();
        if !types.is_empty() {
            query.push(("types", types.as_str()));
        }
        if !keys.is_empty() {
            query.push(("keys", keys.as_str()));
        }
        if let Some(after) = &filter.after {
            query.push(("after", after.as_str()));
        }
        if filter.all_users {
            query.push(("users", "all"));
        } else if filter.user_id.is_some() {
            query.push(("user-id", user_id.as_str()));
        }
        Ok(self
            .get::<Option<Vec<Notice>>>("/v1/notices", &query)?
            .unwrap_or_default())
    }

    fn notify(&self, key: &str, data: &BTreeMap<String, String>) -> Result<String, PebbleError> {
        let mut body = json!({"action": "add", "type": "custom", "key": key});
        if !data.is_empty() {
            body["data"] = json!(data);
        }
        let result = self.post("/v1/notices", &body)?;
        result
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| PebbleError::protocol("no notice id"))
    }

    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<(), PebbleError> {
        self.post("/v1/signals", &json!({"signal": signal, "services": services}))
            .map(drop)
    }
}
