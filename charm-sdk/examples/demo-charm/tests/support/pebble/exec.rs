//! `/v1/exec` of the test Pebble, over the in-memory files.
//!
//! The workload container does not exist on the test host (its `/srv/www` is the server's
//! in-memory tree), so commands are emulated rather than spawned: `head -n N <path>`,
//! `cat <path>…` and `true`; anything else is refused as Pebble refuses a missing
//! executable. The protocol is Pebble's (cmdstate/handlers.go): the answer carries a
//! task id, the client opens the `control` and `stdio` (and, split, `stderr`) websockets,
//! stdin arrives as BINARY frames ended by the TEXT frame `{"command":"end"}`, output goes
//! back the same way, and the exit code is in the change's task data.

use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::json;

use super::http::{accept_websocket, Request, Response};
use super::ws::{read_frame, write_frame, Frame};
use super::{lock, State};

const END: &str = r#"{"command":"end"}"#;
const COMMANDS: [&str; 3] = ["head", "cat", "true"];

/// One exec task waiting for (or running over) its websockets.
#[derive(Debug)]
pub(crate) struct ExecRec {
    change_id: String,
    command: Vec<String>,
    split_stderr: bool,
    stdio: Option<UnixStream>,
    stderr: Option<UnixStream>,
    control: Option<UnixStream>,
    started: bool,
}

pub(crate) fn post(request: &Request, state: &mut State) -> Response {
    let body = request.json();
    let command: Vec<String> = serde_json::from_value(body["command"].clone()).unwrap_or_default();
    let Some(program) = command.first() else {
        return Response::bad_request("must specify command");
    };
    if !COMMANDS.contains(&program.as_str()) {
        return Response::bad_request(format!("cannot find executable {program:?}"));
    }
    let change_id = state.new_id();
    let task_id = format!("T{change_id}");
    let pending = json!({"id": change_id, "kind": "exec", "status": "Doing", "ready": false, "tasks": []});
    state.changes.insert(change_id.clone(), pending);
    state.exec_commands.push(command.clone());
    let rec = ExecRec {
        change_id: change_id.clone(),
        command,
        split_stderr: body["split-stderr"] == true,
        stdio: None,
        stderr: None,
        control: None,
        started: false,
    };
    state.execs.insert(task_id.clone(), rec);
    Response::accepted(
        &change_id,
        json!({"task-id": task_id, "environment": {}, "working-dir": "/"}),
    )
}

/// `/v1/tasks/<task>/websocket/<name>`: keeps the stream; starts the command once the
/// output streams are all connected.
pub(crate) fn websocket(stream: UnixStream, request: &Request, state: &Arc<Mutex<State>>) {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let (task_id, name) = match segments.as_slice() {
        ["v1", "tasks", task, "websocket", name] => ((*task).to_owned(), (*name).to_owned()),
        _ => return,
    };
    if !accept_websocket(&stream, request) {
        return;
    }
    let mut st = lock(state);
    st.log.push(format!("WS {task_id} {name}"));
    let Some(rec) = st.execs.get_mut(&task_id) else { return };
    match name.as_str() {
        "stdio" => rec.stdio = Some(stream),
        "stderr" => rec.stderr = Some(stream),
        "control" => rec.control = Some(stream),
        _ => return,
    }
    if rec.started || rec.stdio.is_none() || (rec.split_stderr && rec.stderr.is_none()) {
        return;
    }
    rec.started = true;
    let stdio = rec.stdio.as_ref().and_then(|s| s.try_clone().ok());
    let stderr = rec.stderr.as_ref().and_then(|s| s.try_clone().ok());
    let (command, change_id) = (rec.command.clone(), rec.change_id.clone());
    let state = state.clone();
    drop(st);
    thread::spawn(move || run(&state, &change_id, &command, stdio, stderr));
}

/// What the emulated command prints: (exit code, stdout, stderr).
fn emulate(state: &State, command: &[String]) -> (i64, Vec<u8>, Vec<u8>) {
    let read = |path: &str| state.files.get(path).map(|f| f.content.clone());
    let missing =
        |tool: &str, path: &str| format!("{tool}: cannot open '{path}' for reading: No such file or directory\n");
    match command.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["true"] => (0, Vec::new(), Vec::new()),
        ["head", "-n", n, path] => match (n.parse::<usize>(), read(path)) {
            (Ok(n), Some(content)) => (
                0,
                content
                    .split_inclusive(|b| *b == b'\n')
                    .take(n)
                    .flatten()
                    .copied()
                    .collect(),
                Vec::new(),
            ),
            (Err(_), _) => (
                1,
                Vec::new(),
                format!("head: invalid number of lines: '{n}'\n").into_bytes(),
            ),
            (_, None) => (1, Vec::new(), missing("head", path).into_bytes()),
        },
        ["cat", paths @ ..] => {
            let (mut out, mut err, mut code) = (Vec::new(), Vec::new(), 0);
            for path in paths {
                match read(path) {
                    Some(content) => out.extend(content),
                    None => {
                        err.extend(missing("cat", path).into_bytes());
                        code = 1;
                    }
                }
            }
            (code, out, err)
        }
        _ => (2, Vec::new(), b"usage: head -n N PATH | cat PATH... | true\n".to_vec()),
    }
}

fn run(
    state: &Mutex<State>,
    change_id: &str,
    command: &[String],
    stdio: Option<UnixStream>,
    stderr: Option<UnixStream>,
) {
    let Some(stdio) = stdio else { return };
    // Drain stdin up to its end frame, so closing our side never resets unread data.
    loop {
        match read_frame(&stdio) {
            Ok(Frame::Text(text)) if text == END => break,
            Ok(Frame::Close) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let (code, mut out, err) = emulate(&lock(state), command);
    let change = json!({
        "id": change_id, "kind": "exec", "summary": format!("Execute command {:?}", command.first().map(String::as_str).unwrap_or_default()),
        "status": "Done", "ready": true,
        "tasks": [{"id": "t1", "kind": "exec", "status": "Done", "data": {"exit-code": code}}],
    });
    lock(state).changes.insert(change_id.to_owned(), change);
    if stderr.is_none() {
        out.extend(err.iter());
    }
    send(&stdio, &out);
    if let Some(stderr) = &stderr {
        send(stderr, &err);
    }
}

fn send(stream: &UnixStream, payload: &[u8]) {
    if !payload.is_empty() {
        let _ = write_frame(stream, false, payload);
    }
    let _ = write_frame(stream, true, END.as_bytes());
}
