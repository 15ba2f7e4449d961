//! A small Pebble-like server on a unix socket, written from the API reference (not from
//! the SDK's code): error envelope, async changes with `/wait` (504 on timeout), layers,
//! services, multipart files, exec over websockets with real processes, checks, notices.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

mod exec;
mod files;
pub(crate) mod http;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use charm_sdk::pebble::{Client, Layer, Plan};
use juju_model::pebble::Startup;
use serde_json::{json, Value};

use self::http::{read_request, write_response, Request, Response};

pub(crate) struct ChangeRec {
    pub(crate) ready_at: Option<Instant>,
    pub(crate) value: Value,
}

pub(crate) struct FileRec {
    pub(crate) content: Vec<u8>,
    pub(crate) permissions: u32,
    pub(crate) user: Option<String>,
    pub(crate) group: Option<String>,
}

#[derive(Default)]
pub(crate) struct State {
    /// "METHOD path [action]" for every request.
    pub(crate) log: Vec<String>,
    /// Part names and filenames of every multipart write, in order.
    pub(crate) write_parts: Vec<Vec<(String, Option<String>)>>,
    pub(crate) layers: Vec<(String, Layer)>,
    pub(crate) services: BTreeMap<String, String>,
    pub(crate) changes: BTreeMap<String, ChangeRec>,
    pub(crate) next_id: u64,
    pub(crate) files: BTreeMap<String, FileRec>,
    pub(crate) dirs: BTreeSet<String>,
    pub(crate) execs: BTreeMap<String, exec::ExecRec>,
    pub(crate) notices: Vec<Value>,
    pub(crate) stopped_checks: BTreeSet<String>,
    pub(crate) signals: Vec<(String, Vec<String>)>,
}

impl State {
    pub(crate) fn new_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    fn plan(&self) -> Plan {
        Plan::from_layers(self.layers.iter().map(|(l, layer)| (l.as_str(), layer))).unwrap_or_default()
    }

    /// Records a change that is ready at `ready_at` (None: pending until completed).
    pub(crate) fn add_change(&mut self, kind: &str, err: Option<String>, data: Value, delay: Duration) -> String {
        let id = self.new_id();
        let status = if err.is_some() { "Error" } else { "Done" };
        let mut value = json!({
            "id": id, "kind": kind, "summary": kind, "status": status, "ready": true,
            "spawn-time": "2026-01-01T00:00:00Z",
            "tasks": [{"id": format!("t{id}"), "kind": kind, "summary": kind, "status": status,
                       "progress": {"label": "", "done": 1, "total": 1}, "data": data}],
        });
        if let Some(err) = err {
            value["err"] = json!(err);
        }
        self.changes.insert(
            id.clone(),
            ChangeRec {
                ready_at: Some(Instant::now() + delay),
                value,
            },
        );
        id
    }
}

pub(crate) struct TestPebble {
    _dir: tempfile::TempDir,
    pub(crate) containers_dir: PathBuf,
    pub(crate) socket: PathBuf,
    pub(crate) state: Arc<Mutex<State>>,
}

impl TestPebble {
    pub(crate) fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let containers_dir = dir.path().join("containers");
        let socket = containers_dir.join("workload").join("pebble.socket");
        std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
        let listener = UnixListener::bind(&socket).unwrap();
        let mut initial = State::default();
        for d in ["/", "/etc", "/tmp", "/var"] {
            initial.dirs.insert(d.to_owned());
        }
        let state = Arc::new(Mutex::new(initial));
        let shared = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                thread::spawn(move || handle(stream, state));
            }
        });
        Self {
            _dir: dir,
            containers_dir,
            socket,
            state,
        }
    }

    pub(crate) fn client(&self) -> Client {
        Client::new(&self.socket).unwrap()
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Log lines matching `prefix`.
    pub(crate) fn count(&self, prefix: &str) -> usize {
        self.state().log.iter().filter(|l| l.starts_with(prefix)).count()
    }
}

fn handle(stream: UnixStream, state: Arc<Mutex<State>>) {
    let Some(request) = read_request(&stream) else { return };
    if request
        .header("Upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
    {
        exec::websocket(stream, &request, state);
        return;
    }
    let action = request
        .query("action")
        .map(str::to_owned)
        .or_else(|| request.json().get("action").and_then(Value::as_str).map(str::to_owned));
    state.lock().unwrap().log.push(format!(
        "{} {} {}",
        request.method,
        request.path,
        action.unwrap_or_else(
            || if request.header("Content-Type").unwrap_or("").starts_with("multipart") {
                "write".into()
            } else {
                String::new()
            }
        )
    ));
    let response = route(&request, &state);
    write_response(&stream, &response);
}

fn route(request: &Request, state: &Arc<Mutex<State>>) -> Response {
    let method = request.method.as_str();
    let path = request.path.as_str();
    match (method, path) {
        ("GET", "/v1/system-info") => Response::sync(json!({"boot-id": "b00t", "version": "v1.19.0-test"})),
        ("POST", "/v1/layers") => add_layer(request, &mut state.lock().unwrap()),
        ("GET", "/v1/plan") => {
            if request.query("format") != Some("yaml") {
                return Response::bad_request(format!("invalid format {:?}", request.query("format").unwrap_or("")));
            }
            Response::sync(json!(state.lock().unwrap().plan().to_yaml()))
        }
        ("GET", "/v1/services") => get_services(request, &state.lock().unwrap()),
        ("POST", "/v1/services") => post_services(request, &mut state.lock().unwrap()),
        ("GET", "/v1/files") => files::get(request, &state.lock().unwrap()),
        ("POST", "/v1/files") => files::post(request, &mut state.lock().unwrap()),
        ("POST", "/v1/exec") => exec::post(request, &mut state.lock().unwrap()),
        ("GET", "/v1/checks") => get_checks(request, &state.lock().unwrap()),
        ("POST", "/v1/checks") => post_checks(request, &mut state.lock().unwrap()),
        ("GET", "/v1/notices") => get_notices(request, &state.lock().unwrap()),
        ("POST", "/v1/notices") => post_notice(request, &mut state.lock().unwrap()),
        ("POST", "/v1/signals") => post_signal(request, &mut state.lock().unwrap()),
        ("GET", p) if p.starts_with("/v1/changes/") && p.ends_with("/wait") => {
            let id = p
                .trim_start_matches("/v1/changes/")
                .trim_end_matches("/wait")
                .to_owned();
            wait_change(&id, request, state)
        }
        _ => Response::error(404, "not-found", &format!("cannot find {path}")),
    }
}

fn add_layer(request: &Request, state: &mut State) -> Response {
    let body = request.json();
    let label = body["label"].as_str().unwrap_or_default().to_owned();
    if body["action"] != "add" {
        return Response::bad_request(format!("invalid action {:?}", body["action"]));
    }
    if label.is_empty() {
        return Response::bad_request("label must be set");
    }
    let layer = match Layer::from_yaml(body["layer"].as_str().unwrap_or_default()) {
        Ok(layer) => layer,
        Err(e) => return Response::bad_request(e.to_string()),
    };
    if let Err(e) = layer.validate(&label) {
        return Response::bad_request(format!("cannot parse layer YAML: {e}"));
    }
    let mut layers = state.layers.clone();
    match layers.iter().position(|(l, _)| *l == label) {
        Some(_) if body["combine"] != true => return Response::bad_request(format!("layer {label:?} already exists")),
        Some(i) => {
            match juju_model::pebble::combine_layers([(label.as_str(), &layers[i].1), (label.as_str(), &layer)]) {
                Ok(combined) => layers[i].1 = combined,
                Err(e) => return Response::bad_request(e.to_string()),
            }
        }
        None => layers.push((label, layer)),
    }
    if let Err(e) = Plan::from_layers(layers.iter().map(|(l, layer)| (l.as_str(), layer))) {
        return Response::bad_request(e.to_string());
    }
    state.layers = layers;
    Response::sync(json!(true))
}

fn get_services(request: &Request, state: &State) -> Response {
    let names = request.query_all("names");
    let plan = state.plan();
    let infos: Vec<Value> = plan
        .services
        .iter()
        .filter(|(name, _)| names.is_empty() || names.contains(name))
        .map(|(name, svc)| {
            let startup = if svc.startup == Some(Startup::Enabled) {
                "enabled"
            } else {
                "disabled"
            };
            let current = state.services.get(name).map(String::as_str).unwrap_or("inactive");
            json!({"name": name, "startup": startup, "current": current})
        })
        .collect();
    Response::sync(json!(infos))
}

fn post_services(request: &Request, state: &mut State) -> Response {
    let body = request.json();
    let action = body["action"].as_str().unwrap_or_default().to_owned();
    let mut names: Vec<String> = serde_json::from_value(body["services"].clone()).unwrap_or_default();
    let plan = state.plan();
    match action.as_str() {
        "replan" | "autostart" if !names.is_empty() => {
            return Response::bad_request(format!("{action} accepts no service names"));
        }
        "replan" => {
            names = plan
                .services
                .iter()
                .filter(|(_, s)| s.startup == Some(Startup::Enabled))
                .map(|(n, _)| n.clone())
                .collect()
        }
        "start" | "stop" | "restart" if names.is_empty() => {
            return Response::bad_request(format!("must specify services for {action} action"));
        }
        "start" | "stop" | "restart" => {}
        other => return Response::bad_request(format!("invalid action {other:?}")),
    }
    if let Some(missing) = names.iter().find(|n| !plan.services.contains_key(*n)) {
        return Response::bad_request(format!("cannot {action} services: service {missing:?} does not exist"));
    }
    let mut err = None;
    let mut delay = Duration::ZERO;
    for name in &names {
        if name == "broken" && action != "stop" {
            err = Some(format!(
                "cannot perform the following tasks:\n- Start service \"{name}\" (cannot start service: exited quickly with code 1)"
            ));
            state.services.insert(name.clone(), "error".into());
            continue;
        }
        if name == "slow" {
            delay = Duration::from_millis(1500);
        }
        let current = if action == "stop" { "inactive" } else { "active" };
        state.services.insert(name.clone(), current.into());
    }
    let id = state.add_change(&action, err, json!({}), delay);
    Response::accepted(&id, Value::Null)
}

fn wait_change(id: &str, request: &Request, state: &Arc<Mutex<State>>) -> Response {
    let timeout = request
        .query("timeout")
        .and_then(|t| juju_model::pebble::GoDuration::parse(t).ok())
        .and_then(|d| d.to_std())
        .unwrap_or(Duration::from_secs(3600));
    let deadline = Instant::now() + timeout;
    loop {
        {
            let st = state.lock().unwrap();
            let Some(change) = st.changes.get(id) else {
                return Response::error(404, "", &format!("cannot find change with id {id:?}"));
            };
            if change.ready_at.is_some_and(|at| at <= Instant::now()) {
                return Response::sync(change.value.clone());
            }
        }
        if Instant::now() >= deadline {
            return Response::error(504, "", &format!("timed out waiting for change after {timeout:?}"));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn get_checks(request: &Request, state: &State) -> Response {
    let names = request.query_all("names");
    let level = request.query("level");
    let checks: Vec<Value> = state
        .plan()
        .checks
        .iter()
        .filter(|(n, _)| names.is_empty() || names.contains(n))
        .filter(|(_, c)| level.is_none() || c.level.as_ref().map(|l| l.as_str()) == level)
        .map(|(n, c)| {
            let status = if state.stopped_checks.contains(n) { "inactive" } else { "up" };
            let mut v = json!({"name": n, "startup": "enabled", "status": status, "successes": 2, "threshold": c.threshold, "change-id": "9"});
            if let Some(level) = &c.level {
                v["level"] = json!(level.as_str());
            }
            v
        })
        .collect();
    Response::sync(json!(checks))
}

fn post_checks(request: &Request, state: &mut State) -> Response {
    let body = request.json();
    let names: Vec<String> = serde_json::from_value(body["checks"].clone()).unwrap_or_default();
    let plan = state.plan();
    let missing: Vec<&str> = names
        .iter()
        .filter(|n| !plan.checks.contains_key(*n))
        .map(String::as_str)
        .collect();
    let action = body["action"].as_str().unwrap_or_default();
    if !missing.is_empty() {
        return Response::bad_request(format!(
            "cannot {action} checks: cannot find checks in plan: {}",
            missing.join(", ")
        ));
    }
    let mut changed = Vec::new();
    for name in names {
        let was_stopped = state.stopped_checks.contains(&name);
        match action {
            "start" if was_stopped => {
                state.stopped_checks.remove(&name);
                changed.push(name);
            }
            "stop" if !was_stopped => {
                state.stopped_checks.insert(name.clone());
                changed.push(name);
            }
            _ => {}
        }
    }
    let changed = if changed.is_empty() {
        Value::Null
    } else {
        json!(changed)
    };
    Response::sync(json!({"changed": changed}))
}

fn get_notices(request: &Request, state: &State) -> Response {
    let keys = request.query_all("keys");
    let types = request.query_all("types");
    let notices: Vec<Value> = state
        .notices
        .iter()
        .filter(|n| keys.is_empty() || keys.iter().any(|k| n["key"] == *k))
        .filter(|n| types.is_empty() || types.iter().any(|t| n["type"] == *t))
        .cloned()
        .collect();
    Response::sync(json!(notices))
}

fn post_notice(request: &Request, state: &mut State) -> Response {
    let body = request.json();
    let key = body["key"].as_str().unwrap_or_default().to_owned();
    if body["type"] != "custom" {
        return Response::bad_request(format!(
            "invalid type {:?} (can only add \"custom\" notices)",
            body["type"]
        ));
    }
    if !key.contains('.') || !key.contains('/') {
        return Response::bad_request(format!("invalid key {key:?} (must be in \"example.com/path\" format)"));
    }
    let id = state.new_id();
    state.notices.push(json!({
        "id": id, "user-id": null, "type": "custom", "key": key,
        "first-occurred": "2026-01-01T00:00:00Z", "last-occurred": "2026-01-01T00:00:00Z",
        "last-repeated": "2026-01-01T00:00:00Z", "occurrences": 1, "last-data": body["data"].clone(),
        "expire-after": "168h0m0s",
    }));
    Response::sync(json!({"id": id}))
}

fn post_signal(request: &Request, state: &mut State) -> Response {
    let body = request.json();
    let services: Vec<String> = serde_json::from_value(body["services"].clone()).unwrap_or_default();
    if services.is_empty() {
        return Response::bad_request("must specify one or more services");
    }
    let errors: Vec<String> = services
        .iter()
        .filter(|s| state.services.get(*s).map(String::as_str) != Some("active"))
        .map(|s| format!("cannot send signal to {s:?}: service is not running"))
        .collect();
    if !errors.is_empty() {
        return Response::error(500, "", &errors.join("; "));
    }
    state
        .signals
        .push((body["signal"].as_str().unwrap_or_default().to_owned(), services));
    Response::sync(json!(true))
}
