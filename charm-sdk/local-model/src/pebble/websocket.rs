//! `GET /v1/tasks/{task}/websocket/{name}`: the server side of the websocket handshake.
//!
//! hyper answers `101 Switching Protocols` with the RFC 6455 accept key; once the connection
//! is upgraded it becomes a tungstenite server stream and is handed to the exec task that
//! waits for it (control, stdio, stderr).

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use super::response::{bad_request, not_found, raw, HttpResponse};
use super::state::Shared;

/// Accepts the websocket `name` of exec task `task`.
pub(crate) fn upgrade(shared: &Arc<Shared>, mut request: Request<Incoming>, task: &str, name: &str) -> HttpResponse {
    let sockets = {
        let st = shared.lock();
        match st.execs.get(task) {
            Some(slot) if matches!(name, "control" | "stdio") || (name == "stderr" && slot.split_stderr) => {
                slot.sockets.clone()
            }
            Some(_) => return not_found(format!("cannot find websocket {name:?} for task {task:?}")),
            None => return not_found(format!("cannot find task with id {task:?}")),
        }
    };
    let is_websocket = request
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let Some(key) = request.headers().get(SEC_WEBSOCKET_KEY).map(|k| k.as_bytes().to_vec()) else {
        return bad_request("websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing");
    };
    if !is_websocket {
        return bad_request("websocket: the client is not using the websocket protocol");
    }
    let on_upgrade = hyper::upgrade::on(&mut request);
    let name = name.to_owned();
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            let _ = sockets.send((name, ws));
        }
    });
    let mut response = raw(101, "", Vec::new());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.remove(hyper::header::CONTENT_TYPE);
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(&key)) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
    }
    response
}
