//! A small Pebble on a unix socket, for running the demo charm *binary* against a workload.
//!
//! The charm process talks to it through the SDK's real client (hyper, multipart files,
//! tungstenite websockets), so the process tests cover the whole Pebble path of a hook. It
//! is a trimmed copy of the SDK's `tests/pebble_server` (a colleague's server written from
//! Pebble's API reference), without its tokio/tungstenite dependencies: layers and plan,
//! services (all changes finish at once), in-memory files, and exec of `head`/`cat`/`true`
//! over the in-memory files (see [`exec`]). Every request is logged as
//! `METHOD path [action]` so tests can assert what the charm did to its workload.

mod exec;
mod files;
mod http;
pub(crate) mod ws;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use juju_model::pebble::{Layer, Plan, Startup};
use serde_json::{json, Value};

use self::http::{read_request, write_response, Request, Response};

/// One file of the in-memory tree.
#[derive(Debug, Clone)]
pub(crate) struct FileRec {
    pub(crate) content: Vec<u8>,
    pub(crate) permissions: u32,
    pub(crate) user: Option<String>,
    pub(crate) group: Option<String>,
}

/// Everything the server knows; tests read it after a run.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// `METHOD path [action]` for every request, `WS <task> <name>` for websockets.
    pub(crate) log: Vec<String>,
    /// Part names and filenames of every multipart write, in order.
    pub(crate) write_parts: Vec<Vec<(String, Option<String>)>>,
    /// Layers in order, by label.
    pub(crate) layers: Vec<(String, Layer)>,
    /// Service name → `active` / `inactive`.
    pub(crate) services: BTreeMap<String, String>,
    /// Change id → the change (ready unless an exec is still running).
    pub(crate) changes: BTreeMap<String, Value>,
    pub(crate) next_id: u64,
    /// Path → file.
    pub(crate) files: BTreeMap<String, FileRec>,
    /// Existing directories.
    pub(crate) dirs: BTreeSet<String>,
    /// Exec task id → its streams.
    pub(crate) execs: BTreeMap<String, exec::ExecRec>,
    /// Every exec'd command line.
    pub(crate) exec_commands: Vec<Vec<String>>,
}

impl State {
    pub(crate) fn new_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// The combined plan (empty when the layers do not combine).
    pub(crate) fn plan(&self) -> Plan {
        Plan::from_layers(self.layers.iter().map(|(l, layer)| (l.as_str(), layer))).unwrap_or_default()
    }

    /// A finished change of `kind`.
    fn done_change(&mut self, kind: &str) -> String {
        let id = self.new_id();
        let change = json!({
            "id": id, "kind": kind, "summary": kind, "status": "Done", "ready": true,
            "spawn-time": "2026-01-01T00:00:00Z",
            "tasks": [{"id": format!("t{id}"), "kind": kind, "summary": kind, "status": "Done",
                       "progress": {"label": "", "done": 1, "total": 1}, "data": {}}],
        });
        self.changes.insert(id.clone(), change);
        id
    }

    /// Requests whose log line starts with `prefix`.
    pub(crate) fn count(&self, prefix: &str) -> usize {
        self.log.iter().filter(|l| l.starts_with(prefix)).count()
    }

    /// A file's content as text.
    pub(crate) fn file_text(&self, path: &str) -> Option<String> {
        self.files
            .get(path)
            .map(|f| String::from_utf8_lossy(&f.content).into_owned())
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The server of one container, listening on `<containers dir>/<container>/pebble.socket`.
#[derive(Debug)]
pub(crate) struct TestPebble {
    socket: PathBuf,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl TestPebble {
    /// Starts serving `container` under `containers_dir` (the charm's `CHARM_SDK_PEBBLE_DIR`).
    pub(crate) fn start(containers_dir: &Path, container: &str) -> io::Result<Self> {
        let socket = containers_dir.join(container).join("pebble.socket");
        std::fs::create_dir_all(containers_dir.join(container))?;
        let listener = UnixListener::bind(&socket)?;
        let state = Arc::new(Mutex::new(State {
            dirs: ["/".to_owned()].into(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (state.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let state = shared.clone();
                thread::spawn(move || handle(stream, state));
            }
        });
        Ok(Self { socket, state, stop })
    }

    /// The server's state.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Takes the request log, leaving it empty.
    pub(crate) fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut self.state().log)
    }
}

impl Drop for TestPebble {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = UnixStream::connect(&self.socket);
        let _ = std::fs::remove_file(&self.socket);
    }
}

fn handle(stream: UnixStream, state: Arc<Mutex<State>>) {
    let Some(request) = read_request(&stream) else { return };
    if request
        .header("Upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
    {
        exec::websocket(stream, &request, &state);
        return;
    }
    let action = request
        .query("action")
        .map(str::to_owned)
        .or_else(|| request.json().get("action").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| {
            let multipart = request.header("Content-Type").unwrap_or("").starts_with("multipart");
            if multipart {
                "write".into()
            } else {
                String::new()
            }
        });
    lock(&state).log.push(
        format!("{} {} {action}", request.method, request.path)
            .trim_end()
            .to_owned(),
    );
    let response = route(&request, &state);
    write_response(&stream, &response);
}

fn route(request: &Request, state: &Arc<Mutex<State>>) -> Response {
    let path = request.path.as_str();
    match (request.method.as_str(), path) {
        ("GET", "/v1/system-info") => Response::sync(json!({"boot-id": "b00t", "version": "v1.19.0-test"})),
        ("POST", "/v1/layers") => add_layer(request, &mut lock(state)),
        ("GET", "/v1/plan") => Response::sync(json!(lock(state).plan().to_yaml())),
        ("GET", "/v1/services") => get_services(request, &lock(state)),
        ("POST", "/v1/services") => post_services(request, &mut lock(state)),
        ("GET", "/v1/files") => files::get(request, &lock(state)),
        ("POST", "/v1/files") => files::post(request, &mut lock(state)),
        ("POST", "/v1/exec") => exec::post(request, &mut lock(state)),
        ("GET", "/v1/checks" | "/v1/notices") => Response::sync(json!([])),
        ("GET", p) if p.starts_with("/v1/changes/") => {
            let id = p
                .trim_start_matches("/v1/changes/")
                .trim_end_matches("/wait")
                .to_owned();
            wait_change(&id, state)
        }
        _ => Response::error(404, "not-found", &format!("cannot find {path}")),
    }
}

fn add_layer(request: &Request, state: &mut State) -> Response {
    let body = request.json();
    let label = body["label"].as_str().unwrap_or_default().to_owned();
    if body["action"] != "add" || label.is_empty() {
        return Response::bad_request("need action add and a label");
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
        Some(i) => match juju_model::pebble::combine_layers([(label.as_str(), &layers[i].1), (label.as_str(), &layer)])
        {
            Ok(combined) => layers[i].1 = combined,
            Err(e) => return Response::bad_request(e.to_string()),
        },
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
    let infos: Vec<Value> = state
        .plan()
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
        "replan" if !names.is_empty() => return Response::bad_request("replan accepts no service names"),
        "replan" => {
            names = plan
                .services
                .iter()
                .filter(|(_, s)| s.startup == Some(Startup::Enabled))
                .map(|(n, _)| n.clone())
                .collect()
        }
        "start" | "stop" | "restart" if names.is_empty() => {
            return Response::bad_request(format!("must specify services for {action} action"))
        }
        "start" | "stop" | "restart" => {}
        other => return Response::bad_request(format!("invalid action {other:?}")),
    }
    if let Some(missing) = names.iter().find(|n| !plan.services.contains_key(*n)) {
        return Response::bad_request(format!("cannot {action} services: service {missing:?} does not exist"));
    }
    for name in names {
        let current = if action == "stop" { "inactive" } else { "active" };
        state.services.insert(name, current.into());
    }
    let id = state.done_change(&action);
    Response::accepted(&id, Value::Null)
}

fn wait_change(id: &str, state: &Mutex<State>) -> Response {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match lock(state).changes.get(id) {
            None => return Response::error(404, "", &format!("cannot find change with id {id:?}")),
            Some(change) if change["ready"] == true => return Response::sync(change.clone()),
            Some(_) => {}
        }
        if Instant::now() >= deadline {
            return Response::error(504, "", "timed out waiting for change after 10s");
        }
        thread::sleep(Duration::from_millis(2));
    }
}
