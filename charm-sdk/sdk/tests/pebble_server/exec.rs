//! `/v1/exec` of the test Pebble: really spawns the command, and pumps stdin/stdout/stderr
//! through the task's websockets (BINARY frames, TEXT `{"command":"end"}`), like
//! cmdstate/handlers.go. The exit code goes into the change's task data.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Message, WebSocket};

use super::http::{accept_websocket, Request, Response};
use super::{ChangeRec, State};

const END: &str = r#"{"command":"end"}"#;

pub(crate) struct ExecRec {
    change_id: String,
    command: Vec<String>,
    split_stderr: bool,
    timeout: Option<Duration>,
    stdio: Option<UnixStream>,
    stderr: Option<UnixStream>,
    control: Option<UnixStream>,
    started: bool,
}

fn find_executable(name: &str) -> bool {
    if name.contains('/') {
        return std::path::Path::new(name).exists();
    }
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .any(|dir| std::path::Path::new(dir).join(name).exists())
}

pub(crate) fn post(request: &Request, state: &mut State) -> Response {
    let body = request.json();
    let command: Vec<String> = serde_json::from_value(body["command"].clone()).unwrap_or_default();
    if command.is_empty() {
        return Response::bad_request("must specify command");
    }
    if !find_executable(&command[0]) {
        return Response::bad_request(format!("cannot find executable {:?}", command[0]));
    }
    let timeout = match body["timeout"].as_str() {
        Some(t) => match juju_model::pebble::GoDuration::parse(t) {
            Ok(d) => d.to_std(),
            Err(e) => return Response::bad_request(format!("invalid timeout: {e}")),
        },
        None => None,
    };
    let change_id = state.new_id();
    let task_id = format!("T{change_id}");
    let pending = json!({"id": change_id, "kind": "exec", "status": "Doing", "ready": false, "tasks": []});
    state.changes.insert(
        change_id.clone(),
        ChangeRec {
            ready_at: None,
            value: pending,
        },
    );
    state.execs.insert(
        task_id.clone(),
        ExecRec {
            change_id: change_id.clone(),
            command,
            split_stderr: body["split-stderr"] == true,
            timeout,
            stdio: None,
            stderr: None,
            control: None,
            started: false,
        },
    );
    Response::accepted(
        &change_id,
        json!({"task-id": task_id, "environment": {}, "working-dir": "/"}),
    )
}

pub(crate) fn websocket(stream: UnixStream, request: &Request, state: Arc<Mutex<State>>) {
    // /v1/tasks/<task>/websocket/<name>
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let (task_id, name) = match segments.as_slice() {
        ["v1", "tasks", task, "websocket", name] => (task.to_string(), name.to_string()),
        _ => return,
    };
    if !accept_websocket(&stream, request) {
        return;
    }
    let mut st = state.lock().unwrap();
    st.log.push(format!("WS {task_id} {name}"));
    let Some(rec) = st.execs.get_mut(&task_id) else { return };
    match name.as_str() {
        "stdio" => rec.stdio = Some(stream),
        "stderr" => rec.stderr = Some(stream),
        "control" => rec.control = Some(stream),
        _ => return,
    }
    let ready = rec.stdio.is_some() && (!rec.split_stderr || rec.stderr.is_some());
    if ready && !rec.started {
        rec.started = true;
        let stdio = rec.stdio.as_ref().and_then(|s| s.try_clone().ok());
        let stderr = rec.stderr.as_ref().and_then(|s| s.try_clone().ok());
        let (command, timeout, change_id) = (rec.command.clone(), rec.timeout, rec.change_id.clone());
        let state = state.clone();
        drop(st);
        thread::spawn(move || run(state, change_id, command, timeout, stdio, stderr));
    }
}

fn server_ws(stream: &UnixStream) -> WebSocket<UnixStream> {
    WebSocket::from_raw_socket(stream.try_clone().unwrap(), Role::Server, None)
}

/// Child output → websocket BINARY frames, then the end frame.
fn pump_out(mut from: impl Read, stream: UnixStream) {
    let mut ws = server_ws(&stream);
    let mut buf = vec![0; 128 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if ws.send(Message::binary(buf[..n].to_vec())).is_err() {
                    return;
                }
            }
        }
    }
    let _ = ws.send(Message::text(END));
}

/// Websocket BINARY frames → child stdin, until the end frame.
fn pump_in(mut to: impl Write, stream: UnixStream) {
    let mut ws = server_ws(&stream);
    loop {
        match ws.read() {
            Ok(Message::Binary(bytes)) => {
                if to.write_all(&bytes).is_err() {
                    return;
                }
            }
            Ok(Message::Text(text)) if text.as_str() == END => return,
            Ok(Message::Close(_)) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn run(
    state: Arc<Mutex<State>>,
    change_id: String,
    command: Vec<String>,
    timeout: Option<Duration>,
    stdio: Option<UnixStream>,
    stderr_ws: Option<UnixStream>,
) {
    let Some(stdio) = stdio else { return };
    // Merged output: let a shell point stderr at stdout, as Pebble does with one pipe.
    let mut cmd = match &stderr_ws {
        Some(_) => Command::new(&command[0]),
        None => Command::new("sh"),
    };
    match &stderr_ws {
        Some(_) => cmd.args(&command[1..]).stderr(Stdio::piped()),
        None => cmd.args(["-c", "exec \"$0\" \"$@\" 2>&1"]).args(&command),
    };
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdio_in = stdio.try_clone().unwrap();
    let input = thread::spawn(move || pump_in(stdin, stdio_in));
    let mut outputs = Vec::new();
    let out = child.stdout.take().unwrap();
    let s = stdio.try_clone().unwrap();
    outputs.push(thread::spawn(move || pump_out(out, s)));
    if let (Some(err), Some(s)) = (child.stderr.take(), stderr_ws) {
        outputs.push(thread::spawn(move || pump_out(err, s)));
    }
    let started = Instant::now();
    let (exit_code, err) = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break (status.code().unwrap_or(-1), None);
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) {
            let _ = child.kill();
            let _ = child.wait();
            let t = timeout.unwrap();
            let err = format!(
                "cannot perform the following tasks:\n- Execute command {:?} (timed out after {}: context deadline exceeded)",
                command[0],
                juju_model::pebble::GoDuration::from_std(t)
            );
            break (-1, Some(err));
        }
        thread::sleep(Duration::from_millis(5));
    };
    for handle in outputs {
        let _ = handle.join();
    }
    drop(input);
    let status = if err.is_some() { "Error" } else { "Done" };
    let mut value = json!({
        "id": change_id, "kind": "exec", "summary": format!("Execute command {:?}", command[0]),
        "status": status, "ready": true,
        "tasks": [{"id": "t1", "kind": "exec", "status": status, "data": {"exit-code": exit_code}}],
    });
    if let Some(err) = err {
        value["err"] = Value::String(err);
    }
    let mut st = state.lock().unwrap();
    st.changes.insert(
        change_id,
        ChangeRec {
            ready_at: Some(Instant::now()),
            value,
        },
    );
}
