//! `POST /v1/exec` and the task websockets, as `internals/overlord/cmdstate` does them.
//!
//! The POST validates (`cannot find executable "x"`), merges the service context, resolves
//! the user, and answers with an `exec` change and a task id. The client then opens the
//! task's `control`, `stdio` and (with `split-stderr`) `stderr` websockets; the command
//! starts once the I/O sockets are connected (5 s at most, else the task fails with
//! `timeout waiting for websocket connections`). Stdin arrives as BINARY frames ended by the
//! TEXT frame `{"command":"end"}`; output leaves the same way. The control socket carries
//! signals, and closing it abnormally kills the command. The exit code goes into the task's
//! data (`exit-code`); a timeout kills the command and fails the task with
//! `timed out after <d>`.
//!
//! The command runs in the sandbox, in its own session, tracked by PID.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use juju_model::pebble::GoDuration;
use nix::fcntl::OFlag;
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::{pipe2, Pid};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::changes::Status;
use super::response::{accepted, bad_request, server_error, HttpResponse};
use super::services::exit_code;
use super::state::{ProcessGuard, ProcessKind, Shared};
use crate::sandbox::{users, RunOptions};

/// A server-side websocket of an exec task.
pub(crate) type Ws = WebSocketStream<TokioIo<Upgraded>>;

/// How long Pebble waits for the I/O websockets.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The frame that ends a stream.
const END: &str = r#"{"command":"end"}"#;
/// Output is sent in frames of at most this size.
const CHUNK: usize = 32 * 1024;

/// A pending or running exec: where its websockets are delivered.
pub(crate) struct ExecSlot {
    pub(crate) split_stderr: bool,
    pub(crate) sockets: mpsc::UnboundedSender<(String, Ws)>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct Payload {
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    service_context: String,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    working_dir: String,
    #[serde(default)]
    timeout: String,
    #[serde(default)]
    user_id: Option<u32>,
    #[serde(default)]
    user: String,
    #[serde(default)]
    group_id: Option<u32>,
    #[serde(default)]
    group: String,
    #[serde(default)]
    terminal: bool,
    #[serde(default)]
    interactive: bool,
    #[serde(default)]
    split_stderr: bool,
}

/// Everything needed to run the command once the sockets are there.
struct Setup {
    command: Vec<String>,
    environment: BTreeMap<String, String>,
    working_dir: String,
    timeout: Option<Duration>,
    uid: Option<u32>,
    gid: Option<u32>,
    split_stderr: bool,
}

fn is_end(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("command").and_then(Value::as_str).map(str::to_owned))
        .as_deref()
        == Some("end")
}

/// `POST /v1/exec`.
pub(crate) fn post(shared: &Arc<Shared>, body: &[u8]) -> HttpResponse {
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("cannot decode request body: {e}")),
    };
    if payload.command.is_empty() {
        return bad_request("must specify command");
    }
    if payload.terminal || payload.interactive {
        return bad_request("terminal and interactive exec are not supported by the local model");
    }
    let timeout = if payload.timeout.is_empty() {
        None
    } else {
        match GoDuration::parse(&payload.timeout) {
            Ok(d) => d.to_std().filter(|d| !d.is_zero()),
            Err(e) => return bad_request(format!("invalid timeout: {e}")),
        }
    };
    let mut environment = shared.base_env();
    let (mut user, mut user_id, mut group, mut group_id, mut working_dir) = (None, None, None, None, None);
    if !payload.service_context.is_empty() {
        let st = shared.lock();
        let Some(service) = st.plan.services.get(&payload.service_context) else {
            return bad_request(format!("context service {:?} not found", payload.service_context));
        };
        environment.extend(service.environment.clone());
        user.clone_from(&service.user);
        user_id = service.user_id;
        group.clone_from(&service.group);
        group_id = service.group_id;
        working_dir.clone_from(&service.working_dir);
    }
    environment.extend(payload.environment.clone());
    if payload.user_id.is_some() || !payload.user.is_empty() {
        user_id = payload.user_id;
        user = Some(payload.user.clone()).filter(|u| !u.is_empty());
    }
    if payload.group_id.is_some() || !payload.group.is_empty() {
        group_id = payload.group_id;
        group = Some(payload.group.clone()).filter(|g| !g.is_empty());
    }
    if !payload.working_dir.is_empty() {
        working_dir = Some(payload.working_dir.clone());
    }
    let (uid, gid) = match users::normalize(
        &shared.sandbox.users,
        user_id,
        group_id,
        user.as_deref(),
        group.as_deref(),
    ) {
        Ok(ids) => ids,
        Err(e) => return bad_request(e),
    };
    let current_uid = nix::unistd::getuid().as_raw();
    let current_gid = nix::unistd::getgid().as_raw();
    let switch_user = matches!((uid, gid), (Some(u), Some(g)) if (u, g) != (current_uid, current_gid));
    if uid.is_some_and(|u| u != current_uid) {
        environment.remove("HOME");
        environment.remove("USER");
        environment.extend(payload.environment.clone());
    }
    if environment.get("HOME").is_none_or(String::is_empty) || environment.get("USER").is_none_or(String::is_empty) {
        if let Some((name, home)) = users::name_and_home(uid.unwrap_or(current_uid)) {
            environment.entry("HOME".into()).or_insert(home);
            environment.entry("USER".into()).or_insert(name);
        }
    }
    environment.entry("LANG".into()).or_insert_with(|| "C.UTF-8".into());
    let (dir, what) = match working_dir.filter(|d| !d.is_empty()) {
        Some(dir) => (dir, "working directory"),
        None => match environment.get("HOME").filter(|h| !h.is_empty()) {
            Some(home) => (home.clone(), "home directory"),
            None => ("/".to_owned(), "working directory"),
        },
    };
    let host_dir = shared.sandbox.visible_host_path(&dir);
    match std::fs::metadata(&host_dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return server_error(format!("cannot call exec: {what} {dir:?} not a directory")),
        Err(_) => return server_error(format!("cannot call exec: {what} {dir:?} does not exist")),
    }
    let program = &payload.command[0];
    if shared
        .sandbox
        .find_executable(program, environment.get("PATH").map(String::as_str))
        .is_none()
    {
        return bad_request(format!("cannot find executable {program:?}"));
    }
    let setup = Setup {
        command: payload.command.clone(),
        environment: environment.clone(),
        working_dir: dir.clone(),
        timeout,
        uid: uid.filter(|_| switch_user),
        gid: gid.filter(|_| switch_user),
        split_stderr: payload.split_stderr,
    };
    let summary = format!("Execute command {program:?}");
    let (sender, receiver) = mpsc::unbounded_channel();
    let (change_id, task_id) = {
        let mut st = shared.lock();
        if st.stopping {
            return server_error("cannot call exec: Pebble is shutting down");
        }
        let (change_id, tasks) = st.new_change("exec", summary.clone(), &[("exec".into(), summary)], Vec::new());
        let Some(task_id) = tasks.into_iter().next() else {
            return server_error("cannot call exec: no task");
        };
        st.execs.insert(
            task_id.clone(),
            ExecSlot {
                split_stderr: payload.split_stderr,
                sockets: sender,
            },
        );
        (change_id, task_id)
    };
    shared.bump();
    tokio::spawn(run(shared.clone(), change_id.clone(), task_id.clone(), setup, receiver));
    accepted(
        &change_id,
        json!({"task-id": task_id, "environment": environment, "working-dir": dir}),
    )
}

/// Finishes the task: data, status, and wakes waiters.
fn finish(shared: &Arc<Shared>, change_id: &str, task_id: &str, exit: i32, error: Option<String>) {
    let mut st = shared.lock();
    st.execs.remove(task_id);
    let data = Some(json!({"exit-code": exit}));
    match error {
        Some(e) => st.update_task(change_id, task_id, Status::Error, Some(("ERROR", &e)), data),
        None => st.update_task(change_id, task_id, Status::Done, None, data),
    }
    drop(st);
    shared.bump();
}

async fn run(
    shared: Arc<Shared>,
    change_id: String,
    task_id: String,
    setup: Setup,
    mut sockets: mpsc::UnboundedReceiver<(String, Ws)>,
) {
    shared
        .lock()
        .update_task(&change_id, &task_id, Status::Doing, None, None);
    let (mut control, mut stdio, mut stderr) = (None, None, None);
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    while stdio.is_none() || (setup.split_stderr && stderr.is_none()) {
        match tokio::time::timeout_at(deadline, sockets.recv()).await {
            Ok(Some((name, ws))) => match name.as_str() {
                "control" => control = Some(ws),
                "stdio" => stdio = Some(ws),
                "stderr" => stderr = Some(ws),
                _ => {}
            },
            _ => {
                let message =
                    format!("exec {task_id}: timeout waiting for websocket connections: context deadline exceeded");
                finish(&shared, &change_id, &task_id, -1, Some(message));
                return;
            }
        }
    }
    let Some(stdio) = stdio else {
        return;
    };
    let (exit, error) = execute(&shared, &setup, control, stdio, stderr, sockets).await;
    finish(&shared, &change_id, &task_id, exit, error);
}

fn pipe() -> Result<(OwnedFd, OwnedFd), String> {
    pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("cannot create pipe: {e}"))
}

/// Forwards a pipe to a websocket as BINARY frames, then the end frame.
async fn send_output<S>(fd: OwnedFd, mut sink: S, done: Arc<AtomicUsize>) -> S
where
    S: futures_util::Sink<Message> + Unpin,
{
    if let Ok(mut pipe) = tokio::net::unix::pipe::Receiver::from_owned_fd(fd) {
        let mut buffer = vec![0u8; CHUNK];
        loop {
            match pipe.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if sink.send(Message::binary(buffer[..n].to_vec())).await.is_err() {
                        // The client went away: keep draining so the command does not block.
                        while matches!(pipe.read(&mut buffer).await, Ok(n) if n > 0) {}
                        done.fetch_add(1, Ordering::SeqCst);
                        return sink;
                    }
                }
            }
        }
    }
    done.fetch_add(1, Ordering::SeqCst);
    let _ = sink.send(Message::text(END)).await;
    sink
}

/// Runs the command with the websockets; returns the exit code and the task error.
async fn execute(
    shared: &Arc<Shared>,
    setup: &Setup,
    control: Option<Ws>,
    stdio: Ws,
    stderr_ws: Option<Ws>,
    mut sockets: mpsc::UnboundedReceiver<(String, Ws)>,
) -> (i32, Option<String>) {
    let (out_read, out_write) = match pipe() {
        Ok(p) => p,
        Err(e) => return (-1, Some(e)),
    };
    let err_pipe = if setup.split_stderr {
        match pipe() {
            Ok(p) => Some(p),
            Err(e) => return (-1, Some(e)),
        }
    } else {
        None
    };
    let (err_read, err_write) = match err_pipe {
        Some((r, w)) => (Some(r), w),
        None => match out_write.try_clone() {
            Ok(w) => (None, w),
            Err(e) => return (-1, Some(format!("cannot create pipe: {e}"))),
        },
    };
    let options = RunOptions {
        working_dir: Some(setup.working_dir.clone()),
        uid: setup.uid,
        gid: setup.gid,
        new_session: true,
    };
    let mut command = shared.sandbox.command_with(&setup.command, &options);
    command
        .env_clear()
        .envs(&setup.environment)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(out_write))
        .stderr(Stdio::from(err_write));
    let spawned = {
        let mut command = tokio::process::Command::from(command);
        command.spawn()
    };
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            let (mut sink, _) = stdio.split();
            let _ = sink.send(Message::text(END)).await;
            return (-1, Some(format!("cannot start command: {e}")));
        }
    };
    let pid = child.id();
    let mut guard = ProcessGuard::new(shared, pid, ProcessKind::Exec);
    let raw_pid = pid.and_then(|p| i32::try_from(p).ok()).map(Pid::from_raw);

    let (stdio_sink, mut stdio_stream) = stdio.split();
    let outputs_done = Arc::new(AtomicUsize::new(0));
    let outputs = if err_read.is_some() { 2 } else { 1 };
    let stdout_task = tokio::spawn(send_output(out_read, stdio_sink, outputs_done.clone()));
    let stderr_task = match (err_read, stderr_ws) {
        (Some(fd), Some(ws)) => Some(tokio::spawn(send_output(fd, ws, outputs_done.clone()))),
        _ => None,
    };
    let mut stdin = child.stdin.take();
    let stdin_task = tokio::spawn(async move {
        while let Some(message) = stdio_stream.next().await {
            match message {
                Ok(Message::Binary(bytes)) => {
                    if let Some(pipe) = stdin.as_mut() {
                        if pipe.write_all(&bytes).await.is_err() {
                            stdin = None;
                        }
                    }
                }
                Ok(Message::Text(text)) if is_end(&text) => break,
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        drop(stdin);
        stdio_stream
    });
    let control_task = tokio::spawn(async move {
        let mut control = control;
        loop {
            let Some(ws) = control.as_mut() else {
                // Wait for a late control socket.
                match sockets.recv().await {
                    Some((name, ws)) if name == "control" => control = Some(ws),
                    Some(_) => {}
                    None => std::future::pending::<()>().await,
                }
                continue;
            };
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if value["command"] == "signal" {
                        let name = value["signal"]["name"].as_str().unwrap_or_default();
                        if let (Ok(signal), Some(pid)) = (name.parse::<Signal>(), raw_pid) {
                            let _ = kill(pid, signal);
                        }
                    }
                }
                Some(Ok(Message::Close(_))) => std::future::pending::<()>().await,
                Some(Ok(_)) => {}
                // Closed without a close frame: Pebble kills the command. Not once all its
                // output was sent, though: the command is exiting then (coreutils close
                // stdout in an atexit handler), and a client that hangs up after reading
                // everything must not turn a clean exit into SIGKILL.
                Some(Err(_)) | None => {
                    let finished = outputs_done.load(Ordering::SeqCst) >= outputs;
                    if let (false, Some(pid)) = (finished, raw_pid) {
                        let _ = kill(pid, Signal::SIGKILL);
                    }
                    std::future::pending::<()>().await;
                }
            }
        }
    });

    let mut timed_out = false;
    let status = match setup.timeout {
        Some(limit) => match tokio::time::timeout(limit, child.wait()).await {
            Ok(status) => status,
            Err(_) => {
                timed_out = true;
                if let Some(pid) = raw_pid {
                    let _ = killpg(pid, Signal::SIGKILL);
                }
                child.wait().await
            }
        },
        None => child.wait().await,
    };
    guard.exited();
    drop(guard);
    control_task.abort();
    let mut stdout_sink = stdout_task.await.ok();
    let mut stderr_ws = match stderr_task {
        Some(task) => task.await.ok(),
        None => None,
    };
    stdin_task.abort();
    if let Some(sink) = stdout_sink.as_mut() {
        let _ = sink.close().await;
    }
    if let Some(ws) = stderr_ws.as_mut() {
        let _ = ws.close(None).await;
    }
    let code = match status {
        Ok(status) => exit_code(status),
        Err(e) => return (-1, Some(format!("cannot wait for command: {e}"))),
    };
    if timed_out {
        let limit = setup.timeout.map(GoDuration::from_std).unwrap_or_default();
        return (-1, Some(format!("timed out after {limit}: context deadline exceeded")));
    }
    (code, None)
}
