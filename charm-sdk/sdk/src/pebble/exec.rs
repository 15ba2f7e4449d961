//! `exec`: run a command in the workload container through Pebble's websockets.
//!
//! Pebble's protocol (`internals/daemon/api_exec.go`, `internals/wsutil`): `POST /v1/exec`
//! answers with a change and a task id; the client then opens the `control`, `stdio` and
//! (when stderr is split) `stderr` websockets of that task within 5 s. Stdin goes up
//! `stdio` as BINARY frames ended by the TEXT frame `{"command":"end"}`; output comes down
//! the same way. The exit code is in the change's task data (`exit-code`).
//!
//! Writing stdin and reading output run concurrently on the client's runtime: a command
//! like `cat` stops reading stdin while its stdout is not drained, so sending all input
//! before reading would deadlock on outputs larger than the socket buffers.

use std::time::Duration;

use futures_util::{SinkExt, Stream, StreamExt};
use serde_json::{json, Map, Value};
use tokio::net::UnixStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use super::client::Client;
use super::error::PebbleError;
use super::http::{go_seconds, percent_encode};
use super::types::{ExecOutput, ExecRequest};

type Socket = WebSocketStream<UnixStream>;

/// The frame that ends a stream in either direction.
const END: &str = r#"{"command":"end"}"#;
/// Stdin is sent in frames of this size.
const CHUNK: usize = 64 * 1024;

fn exec_body(request: &ExecRequest) -> Value {
    let mut body = Map::new();
    body.insert("command".into(), json!(request.command));
    body.insert("environment".into(), json!(request.environment));
    body.insert("split-stderr".into(), json!(request.split_stderr));
    let optional = [
        ("service-context", request.service_context.as_ref().map(|s| json!(s))),
        ("working-dir", request.working_dir.as_ref().map(|s| json!(s))),
        ("timeout", request.timeout.map(|t| json!(go_seconds(t)))),
        ("user-id", request.user_id.map(|u| json!(u))),
        ("user", request.user.as_ref().map(|s| json!(s))),
        ("group-id", request.group_id.map(|g| json!(g))),
        ("group", request.group.as_ref().map(|s| json!(s))),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            body.insert(key.into(), value);
        }
    }
    Value::Object(body)
}

fn ws_error(e: WsError) -> PebbleError {
    PebbleError::protocol(format!("exec websocket: {e}"))
}

fn is_end(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("command").and_then(Value::as_str).map(str::to_owned))
        == Some("end".to_owned())
}

/// Reads BINARY frames until the `end` command (or the socket closes).
async fn read_output<S>(mut stream: S) -> Result<Vec<u8>, PebbleError>
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
{
    let mut out = Vec::new();
    while let Some(message) = stream.next().await {
        match message {
            Ok(Message::Binary(bytes)) => out.extend_from_slice(&bytes),
            Ok(Message::Text(text)) if is_end(&text) => break,
            Ok(Message::Close(_)) => break,
            Ok(_) => {}
            // Pebble may drop the connection right after the last frame.
            Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => break,
            Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)) => break,
            Err(e) => return Err(ws_error(e)),
        }
    }
    Ok(out)
}

impl Client {
    async fn connect_ws(&self, task_id: &str, name: &str) -> Result<Socket, PebbleError> {
        let stream = self.transport.connect().await?;
        let url = format!("ws://localhost/v1/tasks/{}/websocket/{name}", percent_encode(task_id));
        let connect = tokio_tungstenite::client_async(url, stream);
        match tokio::time::timeout(self.transport.timeout(), connect).await {
            Ok(Ok((socket, _))) => Ok(socket),
            Ok(Err(e)) => Err(ws_error(e)),
            Err(_) => Err(PebbleError::Timeout(format!("connecting the exec {name} websocket"))),
        }
    }

    /// Connects the websockets and exchanges stdin/stdout/stderr until both outputs end.
    /// Returns the outputs and the control socket, which the caller closes gracefully once
    /// the change is done: dropping it without a close frame counts as an abnormal close,
    /// and Pebble kills a command whose control socket closes abnormally.
    async fn exec_io(&self, task_id: &str, request: &ExecRequest) -> Result<(Vec<u8>, Vec<u8>, Socket), PebbleError> {
        let control = self.connect_ws(task_id, "control").await?;
        let stdio = self.connect_ws(task_id, "stdio").await?;
        let stderr = match request.split_stderr {
            true => Some(self.connect_ws(task_id, "stderr").await?),
            false => None,
        };
        let (mut sink, stdout_stream) = stdio.split();
        let stdin = request.stdin.as_deref().unwrap_or_default();
        let writer = async move {
            for chunk in stdin.chunks(CHUNK) {
                sink.send(Message::binary(chunk.to_vec())).await.map_err(ws_error)?;
            }
            sink.send(Message::text(END)).await.map_err(ws_error)?;
            Ok::<_, PebbleError>(sink)
        };
        let readers = async move {
            let stderr_reader = async move {
                match stderr {
                    Some(socket) => read_output(socket).await,
                    None => Ok(Vec::new()),
                }
            };
            let (out, err) = tokio::join!(read_output(stdout_stream), stderr_reader);
            Ok::<_, PebbleError>((out?, err?))
        };
        let mut writer = std::pin::pin!(writer);
        let mut readers = std::pin::pin!(readers);
        let mut writer_done = false;
        // Held so the stdio socket is not torn down before the outputs end.
        let mut _sink_kept = None;
        loop {
            tokio::select! {
                result = &mut writer, if !writer_done => {
                    // A command that exits without reading stdin may stop Pebble from reading
                    // it too; the output still ends normally, so a write failure is not fatal.
                    _sink_kept = result.ok();
                    writer_done = true;
                }
                outputs = &mut readers => return outputs.map(|(out, err)| (out, err, control)),
            }
        }
    }

    /// Runs `request` (see [`crate::pebble::Pebble::exec`]).
    pub(crate) fn run_exec(&self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
        if request.command.is_empty() {
            return Err(PebbleError::Api {
                status_code: 400,
                kind: String::new(),
                message: "must specify command".into(),
            });
        }
        let (change_id, result) = self.post_async("/v1/exec", &exec_body(request))?;
        let task_id = result
            .get("task-id")
            .and_then(Value::as_str)
            .ok_or_else(|| PebbleError::protocol("no task-id in exec answer"))?
            .to_owned();
        // Past the command's own timeout Pebble kills it and ends the outputs; give it slack.
        let io_limit = request
            .timeout
            .map(|t| t + Duration::from_secs(5) + self.transport.timeout());
        let io = self.transport.block_on(async {
            match io_limit {
                Some(limit) => tokio::time::timeout(limit, self.exec_io(&task_id, request))
                    .await
                    .unwrap_or_else(|_| {
                        Err(PebbleError::Timeout(format!(
                            "exec {:?} output did not end",
                            request.command
                        )))
                    }),
                None => self.exec_io(&task_id, request).await,
            }
        });
        // ops waits the command's timeout + 1 s for the change; no timeout: no limit.
        let wait_limit = match &io {
            Ok(_) => request.timeout.map(|t| t + Duration::from_secs(1)),
            // The websockets failed (the change probably finished early with an error):
            // pick up the change's error, briefly.
            Err(_) => Some(self.transport.timeout()),
        };
        let change = match self.wait_change(&change_id, wait_limit) {
            Ok(change) => change,
            Err(wait_error) => return Err(io.err().unwrap_or(wait_error)),
        };
        if let Some(err) = change.err.filter(|e| !e.is_empty()) {
            if request.timeout.is_some() && err.contains("timed out after") {
                return Err(PebbleError::Timeout(err));
            }
            return Err(PebbleError::Change { id: change.id, err });
        }
        let (stdout, stderr, mut control) = io?;
        // The command is done: a normal close of the control socket is safe now.
        self.transport.block_on(async move {
            let _ = control.close(None).await;
        });
        let exit_code = change
            .tasks
            .first()
            .and_then(|t| t.data.get("exit-code"))
            .and_then(Value::as_i64)
            .and_then(|c| i32::try_from(c).ok())
            .unwrap_or(-1);
        Ok(ExecOutput {
            exit_code,
            stdout,
            stderr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_matches_ops() {
        let request = ExecRequest::new(["ls", "-l"])
            .timeout(Duration::from_secs(2))
            .user("kafka")
            .combine_stderr();
        let body = exec_body(&request);
        assert_eq!(body["command"], json!(["ls", "-l"]));
        assert_eq!(body["timeout"], json!("2.000s"));
        assert_eq!(body["user"], json!("kafka"));
        assert_eq!(body["split-stderr"], json!(false));
        assert!(body.get("group").is_none());
        assert!(is_end(END) && is_end(r#"{ "command" : "end" }"#) && !is_end("end"));
    }
}
