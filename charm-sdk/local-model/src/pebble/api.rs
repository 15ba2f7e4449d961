//! The HTTP routes of `/v1/*` (`internals/daemon/api.go`) and the small endpoints.
//!
//! Routing and query handling live here, with the endpoints that are a few lines each
//! (system info, health, changes and their long-poll, plan, layers, signals, checks,
//! notices and their long-poll, logs); services, files and exec have their own files.
//! Query values may be repeated or comma-separated, as Pebble's
//! `strutil.MultiCommaSeparatedList` allows.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request};
use juju_model::pebble::{CheckLevel, GoDuration, Layer};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::notices::{valid_custom_key, NoticeFilter, MAX_DATA_SIZE, MAX_KEY_LENGTH};
use super::response::{bad_request, error, not_found, raw, server_error, sync, sync_status, HttpResponse};
use super::state::Shared;
use super::{api_services, checks, exec, files, layers, services, websocket, PebbleEvent};

/// The version `GET /v1/system-info` reports.
pub(crate) const VERSION: &str = "v1.26.0-local-model";

/// Decoded query parameters.
struct Query(Vec<(String, String)>);

fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'+' && plus_is_space {
            out.push(b' ');
            i += 1;
            continue;
        }
        if byte == b'%' {
            let decoded = bytes
                .get(i + 1..i + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            if let Some(value) = decoded {
                out.push(value);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Query {
    fn parse(query: Option<&str>) -> Self {
        Self(
            query
                .unwrap_or_default()
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| match pair.split_once('=') {
                    Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
                    None => (percent_decode(pair, true), String::new()),
                })
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Repeated and comma-separated values, empty ones dropped.
    fn list(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

fn parse_duration(text: Option<&str>) -> Result<Option<Duration>, String> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => GoDuration::parse(t)
            .map(|d| d.to_std().filter(|d| !d.is_zero()))
            .map_err(|e| e.to_string()),
    }
}

/// Handles one request (websocket upgrades included).
pub(crate) async fn handle(shared: Arc<Shared>, request: Request<Incoming>, uid: Option<u32>) -> HttpResponse {
    let path = request.uri().path().to_owned();
    let query = Query::parse(request.uri().query());
    let method = request.method().clone();
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(|s| percent_decode(s, false))
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if let ["v1", "tasks", task, "websocket", name] = segments.as_slice() {
        return websocket::upgrade(&shared, request, task, name);
    }
    let headers = request.headers().clone();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return bad_request(format!("cannot read request body: {e}")),
    };
    match (method, segments.as_slice()) {
        (Method::GET, ["v1", "system-info"]) => sync(json!({"boot-id": shared.boot_id, "version": VERSION})),
        (Method::GET, ["v1", "health"]) => health(&shared, &query),
        (Method::GET, ["v1", "changes"]) => changes(&shared, &query),
        (Method::GET, ["v1", "changes", id]) => match shared.lock().change(id) {
            Some(change) => sync(change.to_json()),
            None => not_found(format!("cannot find change with id {id:?}")),
        },
        (Method::POST, ["v1", "changes", id]) => abort_change(&shared, id, &body),
        (Method::GET, ["v1", "changes", id, "wait"]) => match parse_duration(query.get("timeout")) {
            Ok(timeout) => wait_change(&shared, id, timeout).await,
            Err(e) => bad_request(format!("invalid timeout: {e}")),
        },
        (Method::GET, ["v1", "services"]) => sync(Value::Array(services::infos(&shared.lock(), &query.list("names")))),
        (Method::POST, ["v1", "services"]) => api_services::post(&shared, &body),
        (Method::GET, ["v1", "plan"]) => match query.get("format") {
            Some("yaml") => sync(json!(shared.lock().plan.to_yaml())),
            other => bad_request(format!("invalid format {:?}", other.unwrap_or_default())),
        },
        (Method::POST, ["v1", "layers"]) => add_layer(&shared, &body),
        (Method::GET, ["v1", "files"]) => get_files(&shared, &query, &header("Accept")).await,
        (Method::POST, ["v1", "files"]) => post_files(&shared, &header("Content-Type"), body.to_vec()).await,
        (Method::POST, ["v1", "exec"]) => exec::post(&shared, &body),
        (Method::POST, ["v1", "signals"]) => signals(&shared, &body),
        (Method::GET, ["v1", "checks"]) => get_checks(&shared, &query),
        (Method::POST, ["v1", "checks"]) => post_checks(&shared, &body),
        (Method::POST, ["v1", "checks", "refresh"]) => refresh_check(&shared, &body).await,
        (Method::GET, ["v1", "notices"]) => get_notices(&shared, &query, uid).await,
        (Method::POST, ["v1", "notices"]) => post_notice(&shared, &body, uid),
        (Method::GET, ["v1", "notices", id]) => match shared.lock().notices.get(id) {
            Some(notice) => sync(notice.to_json()),
            None => not_found(format!("cannot find notice with ID {id:?}")),
        },
        (Method::GET, ["v1", "logs"]) => logs(&shared, &query),
        (Method::GET, ["v1", "warnings"]) => sync(json!([])),
        (Method::POST, ["v1", "warnings"]) => sync(json!(0)),
        (method, _) if known_path(&segments) => error(405, "", format!("method {method:?} not allowed")),
        _ => not_found("not found"),
    }
}

fn known_path(segments: &[&str]) -> bool {
    matches!(
        segments,
        [
            "v1",
            "system-info"
                | "health"
                | "changes"
                | "services"
                | "plan"
                | "layers"
                | "files"
                | "exec"
                | "signals"
                | "checks"
                | "notices"
                | "logs"
                | "warnings"
        ] | ["v1", "changes" | "notices", _]
            | ["v1", "changes", _, "wait"]
            | ["v1", "checks", "refresh"]
    )
}

fn health(shared: &Shared, query: &Query) -> HttpResponse {
    let level = query.get("level").unwrap_or_default();
    if !matches!(level, "" | "alive" | "ready") {
        return bad_request(r#"level must be "alive" or "ready""#);
    }
    let names = query.list("names");
    let st = shared.lock();
    let healthy = st.checks.iter().all(|(name, data)| {
        let check_level = data.config.level.as_ref().map(CheckLevel::as_str).unwrap_or_default();
        let level_match = level.is_empty() || level == check_level || (level == "ready" && check_level == "alive");
        let name_match = names.is_empty() || names.contains(name);
        !(level_match && name_match && data.status() == "down")
    });
    sync_status(if healthy { 200 } else { 502 }, json!({"healthy": healthy}))
}

fn changes(shared: &Shared, query: &Query) -> HttpResponse {
    let select = query.get("select").filter(|s| !s.is_empty()).unwrap_or("in-progress");
    if !matches!(select, "all" | "in-progress" | "ready") {
        return bad_request("select should be one of: all,in-progress,ready");
    }
    let wanted = query.get("for").filter(|f| !f.is_empty());
    let st = shared.lock();
    let list: Vec<Value> = st
        .changes
        .values()
        .filter(|c| match select {
            "in-progress" => !c.is_ready(),
            "ready" => c.is_ready(),
            _ => true,
        })
        .filter(|c| wanted.is_none_or(|w| c.service_names.iter().any(|n| n == w)))
        .map(|c| c.to_json())
        .collect();
    sync(Value::Array(list))
}

fn abort_change(shared: &Shared, id: &str, body: &[u8]) -> HttpResponse {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(default)]
        action: String,
    }
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("cannot decode data from request body: {e}")),
    };
    let st = shared.lock();
    let Some(change) = st.change(id) else {
        return not_found(format!("cannot find change with id {id:?}"));
    };
    if payload.action != "abort" {
        return bad_request(format!("invalid action {:?}", payload.action));
    }
    if change.is_ready() {
        return bad_request(format!("cannot abort change {id} with nothing pending"));
    }
    bad_request(format!(
        "cannot abort change {id}: aborting is not supported by the local model"
    ))
}

/// `GET /v1/changes/{id}/wait`: the change once ready; 504 after `timeout`.
async fn wait_change(shared: &Shared, id: &str, timeout: Option<Duration>) -> HttpResponse {
    let mut version = shared.subscribe();
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    loop {
        version.borrow_and_update();
        {
            let st = shared.lock();
            match st.change(id) {
                None => return not_found(format!("cannot find change with id {id:?}")),
                Some(change) if change.is_ready() => return sync(change.to_json()),
                Some(_) => {}
            }
        }
        match deadline {
            Some(deadline) => {
                if tokio::time::timeout_at(deadline, version.changed()).await.is_err() {
                    let waited = GoDuration::from_std(timeout.unwrap_or_default());
                    return error(504, "", format!("timed out waiting for change after {waited}"));
                }
            }
            None => {
                if version.changed().await.is_err() {
                    return server_error("request cancelled");
                }
            }
        }
    }
}

fn add_layer(shared: &Arc<Shared>, body: &[u8]) -> HttpResponse {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(default)]
        action: String,
        #[serde(default)]
        combine: bool,
        #[serde(default)]
        label: String,
        #[serde(default)]
        format: String,
        #[serde(default)]
        layer: String,
    }
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("cannot decode request body: {e}")),
    };
    if payload.action != "add" {
        return bad_request(format!("invalid action {:?}", payload.action));
    }
    if payload.label.is_empty() {
        return bad_request("label must be set");
    }
    if payload.format != "yaml" {
        return bad_request(format!("invalid format {:?}", payload.format));
    }
    let layer = match Layer::from_yaml(&payload.layer) {
        Ok(layer) => layer,
        Err(e) => return bad_request(e.to_string()),
    };
    if let Err(e) = layer.validate(&payload.label) {
        return bad_request(format!("cannot parse layer YAML: {e}"));
    }
    let mut st = shared.lock();
    match layers::add_layer(&st.layers, &payload.label, &layer, payload.combine) {
        Ok((new_layers, plan)) => {
            st.layers = new_layers;
            st.plan = plan;
            checks::plan_changed(shared, &mut st);
            sync(json!(true))
        }
        Err(e) => bad_request(e),
    }
}

async fn get_files(shared: &Arc<Shared>, query: &Query, accept: &str) -> HttpResponse {
    let shared = shared.clone();
    match query.get("action").unwrap_or_default() {
        "read" => {
            let paths = query.all("path");
            if paths.is_empty() {
                return bad_request("must specify one or more paths");
            }
            if accept != "multipart/form-data" {
                return bad_request("must accept multipart/form-data");
            }
            blocking(move || files::read(&shared.sandbox, &paths)).await
        }
        "list" => {
            let path = query.get("path").unwrap_or_default().to_owned();
            if path.is_empty() {
                return bad_request("must specify path");
            }
            let pattern = query.get("pattern").unwrap_or_default().to_owned();
            let itself = match query.get("itself").unwrap_or_default() {
                "true" => true,
                "false" | "" => false,
                _ => return bad_request(r#"itself parameter must be "true" or "false""#),
            };
            blocking(move || files::list(&shared.sandbox, &path, &pattern, itself)).await
        }
        other => bad_request(format!("invalid action {other:?}")),
    }
}

async fn post_files(shared: &Arc<Shared>, content_type: &str, body: Vec<u8>) -> HttpResponse {
    let shared = shared.clone();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let content_type = content_type.to_owned();
    match media.as_str() {
        "multipart/form-data" => blocking(move || files::write(&shared.sandbox, &content_type, &body)).await,
        "application/json" => blocking(move || files::post_json(&shared.sandbox, &body)).await,
        _ => bad_request(format!("invalid media type {media:?}")),
    }
}

async fn blocking(work: impl FnOnce() -> HttpResponse + Send + 'static) -> HttpResponse {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| server_error(format!("internal error: {e}")))
}

fn signals(shared: &Shared, body: &[u8]) -> HttpResponse {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(default)]
        signal: String,
        #[serde(default)]
        services: Vec<String>,
    }
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("cannot decode request body: {e}")),
    };
    let Ok(signal) = payload.signal.parse::<nix::sys::signal::Signal>() else {
        return bad_request(format!("invalid signal name {:?}", payload.signal));
    };
    if payload.services.is_empty() {
        return bad_request("must specify one or more services");
    }
    match services::send_signal(&shared.lock(), &payload.services, signal) {
        Ok(()) => sync(json!(true)),
        Err(e) => server_error(e),
    }
}

fn get_checks(shared: &Shared, query: &Query) -> HttpResponse {
    let level = query.get("level").unwrap_or_default();
    if !matches!(level, "" | "alive" | "ready") {
        return bad_request(r#"level must be "alive" or "ready""#);
    }
    let names = query.list("names");
    let st = shared.lock();
    let infos: Vec<Value> = st
        .checks
        .iter()
        .filter(|(name, data)| {
            (level.is_empty() || data.config.level.as_ref().map(CheckLevel::as_str) == Some(level))
                && (names.is_empty() || names.contains(name))
        })
        .map(|(name, data)| data.info(name))
        .collect();
    sync(Value::Array(infos))
}

fn post_checks(shared: &Arc<Shared>, body: &[u8]) -> HttpResponse {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(default)]
        action: String,
        #[serde(default)]
        checks: Vec<String>,
    }
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("cannot decode data from request body: {e}")),
    };
    if payload.checks.is_empty() {
        return bad_request(format!("must specify checks for {} action", payload.action));
    }
    if !matches!(payload.action.as_str(), "start" | "stop") {
        return bad_request(format!("invalid action {:?}", payload.action));
    }
    let mut st = shared.lock();
    let missing: Vec<&str> = payload
        .checks
        .iter()
        .filter(|c| !st.plan.checks.contains_key(*c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return bad_request(format!(
            "cannot {} checks: cannot find checks in plan: {}",
            payload.action,
            missing.join(", ")
        ));
    }
    let mut changed: Vec<String> = payload
        .checks
        .iter()
        .filter(|name| match payload.action.as_str() {
            "start" => checks::start(shared, &mut st, name),
            _ => checks::stop(&mut st, name),
        })
        .cloned()
        .collect();
    drop(st);
    shared.bump();
    changed.sort();
    sync(json!({"changed": changed}))
}

async fn refresh_check(shared: &Arc<Shared>, body: &[u8]) -> HttpResponse {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(default)]
        name: String,
    }
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("cannot decode data from request body: {e}")),
    };
    if payload.name.is_empty() {
        return bad_request("must specify check name");
    }
    match checks::refresh(shared, &payload.name).await {
        Some((info, error)) if error.is_empty() => sync(json!({"info": info})),
        Some((info, error)) => sync(json!({"info": info, "error": error})),
        None => not_found(format!("cannot find check with name {:?}", payload.name)),
    }
}

fn notice_filter(query: &Query, uid: Option<u32>) -> Result<NoticeFilter, String> {
    let mut filter = NoticeFilter {
        user_id: uid,
        ..NoticeFilter::default()
    };
    let user_ids = query.list("user-id");
    if !query.all("users").is_empty() {
        if !user_ids.is_empty() {
            return Err(r#"cannot use both "users" and "user-id" parameters"#.into());
        }
        if query.get("users") != Some("all") {
            return Err(r#"invalid "users" filter: must be "all""#.into());
        }
        filter.user_id = None;
    } else if !user_ids.is_empty() {
        match user_ids.as_slice() {
            [one] => match one.parse::<u32>() {
                Ok(id) => filter.user_id = Some(id),
                Err(e) => return Err(format!(r#"invalid "user-id" filter: {e}"#)),
            },
            _ => return Err(r#"invalid "user-id" filter: must only include one "user-id""#.into()),
        }
    }
    let types = query.list("types");
    filter.types = types
        .iter()
        .filter(|t| matches!(t.as_str(), "change-update" | "custom" | "warning"))
        .cloned()
        .collect();
    if filter.types.is_empty() && !types.is_empty() {
        // All requested types are invalid: Pebble answers with no notices.
        filter.types = vec![String::new()];
    }
    filter.keys = query.list("keys");
    if let Some(after) = query.get("after").filter(|a| !a.is_empty()) {
        match super::timefmt::parse_rfc3339(after) {
            Some(time) => filter.after = Some(time),
            None => {
                return Err(format!(
                    r#"invalid "after" timestamp: cannot parse {after:?} as RFC 3339"#
                ))
            }
        }
    }
    Ok(filter)
}

/// `GET /v1/notices`, long-polling with `timeout` until something matches.
async fn get_notices(shared: &Shared, query: &Query, uid: Option<u32>) -> HttpResponse {
    let filter = match notice_filter(query, uid) {
        Ok(filter) => filter,
        Err(message) => return bad_request(message),
    };
    let timeout = match parse_duration(query.get("timeout")) {
        Ok(t) => t,
        Err(e) => return bad_request(format!("invalid timeout: {e}")),
    };
    let mut version = shared.subscribe();
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    loop {
        version.borrow_and_update();
        let found: Vec<Value> = shared
            .lock()
            .notices
            .query(&filter)
            .into_iter()
            .map(|n| n.to_json())
            .collect();
        let Some(deadline) = deadline.filter(|_| found.is_empty()) else {
            return sync(Value::Array(found));
        };
        if tokio::time::timeout_at(deadline, version.changed()).await.is_err() {
            return sync(json!([]));
        }
    }
}

fn post_notice(shared: &Shared, body: &[u8], uid: Option<u32>) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct Payload {
        #[serde(default)]
        action: String,
        #[serde(default, rename = "type")]
        notice_type: String,
        #[serde(default)]
        key: String,
        #[serde(default)]
        repeat_after: String,
        #[serde(default)]
        data: Option<Value>,
    }
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("cannot decode request body: {e}")),
    };
    if payload.action != "add" {
        return bad_request(format!("invalid action {:?}", payload.action));
    }
    if payload.notice_type != "custom" {
        return bad_request(format!(
            r#"invalid type {:?} (can only add "custom" notices)"#,
            payload.notice_type
        ));
    }
    if !valid_custom_key(&payload.key) {
        return bad_request(format!(
            r#"invalid key {:?} (must be in "example.com/path" format)"#,
            payload.key
        ));
    }
    if payload.key.len() > MAX_KEY_LENGTH {
        return bad_request(format!("key must be {MAX_KEY_LENGTH} bytes or less"));
    }
    let repeat_after = match parse_duration(Some(&payload.repeat_after)) {
        Ok(d) => d,
        Err(e) => return bad_request(format!("invalid repeat-after: {e}")),
    };
    let mut data = Map::new();
    if let Some(raw_data) = payload.data.filter(|d| !d.is_null()) {
        if raw_data.to_string().len() > MAX_DATA_SIZE {
            return bad_request(format!("total size of data must be {MAX_DATA_SIZE} bytes or less"));
        }
        match serde_json::from_value::<BTreeMap<String, String>>(raw_data) {
            Ok(values) => {
                for (k, v) in values {
                    data.insert(k, Value::String(v));
                }
            }
            Err(e) => return bad_request(format!("cannot decode notice data: {e}")),
        }
    }
    let added = shared
        .lock()
        .notices
        .add(uid, "custom", &payload.key, data, repeat_after);
    shared.bump();
    if added.repeated {
        shared.emit(PebbleEvent::CustomNotice {
            sandbox: shared.sandbox.name.clone(),
            id: added.id.clone(),
            key: payload.key.clone(),
        });
    }
    sync(json!({"id": added.id}))
}

/// `GET /v1/logs` (no follow): the last `n` lines (default 30, `-1` all) as NDJSON.
fn logs(shared: &Shared, query: &Query) -> HttpResponse {
    if query.get("follow") == Some("true") {
        return bad_request("follow is not supported by the local model's Pebble");
    }
    let n = match query.get("n").filter(|n| !n.is_empty()) {
        None => Some(30),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            Err(_) => return bad_request(format!(r#"n must be -1, 0, or a positive integer, not {text:?}"#)),
        },
    };
    let wanted = query.list("services");
    let st = shared.lock();
    let mut entries = Vec::new();
    for (name, service) in &st.services {
        if wanted.is_empty() || wanted.contains(name) {
            entries.extend(service.logs.last(n));
        }
    }
    entries.sort_by_key(|e| e.time);
    if let Some(n) = n {
        let skip = entries.len().saturating_sub(n);
        entries.drain(..skip);
    }
    let body: String = entries.iter().map(|e| e.to_json_line()).collect();
    raw(200, "application/x-ndjson", body.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries() {
        let q = Query::parse(Some("names=a,b&names=c&path=/a%20b&x=%zz&p=a+b"));
        assert_eq!(q.list("names"), ["a", "b", "c"]);
        assert_eq!(q.get("path"), Some("/a b"));
        assert_eq!(q.get("x"), Some("%zz"));
        assert_eq!(q.get("p"), Some("a b"));
    }
}
