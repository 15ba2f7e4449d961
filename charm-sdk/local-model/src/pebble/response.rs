//! Pebble's JSON envelope (`internals/daemon/response.go`) as hyper responses.
//!
//! Every answer is `{"type":"sync"|"async"|"error","status-code":N,"status":"<reason>",
//! "result":...}` (async answers add `"change"`; errors carry `{"message","kind"?,
//! "value"?}`), with `Content-Type: application/json`.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

/// A response the server sends.
pub(crate) type HttpResponse = Response<Full<Bytes>>;

fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

/// A response with `body` and `content_type`.
pub(crate) fn raw(status: u16, content_type: &str, body: Vec<u8>) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = hyper::header::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

fn envelope(status: u16, value: &Value) -> HttpResponse {
    raw(
        status,
        "application/json",
        serde_json::to_vec(value).unwrap_or_default(),
    )
}

/// The `sync` envelope text for `result` with `status` (also used inside multipart reads).
pub(crate) fn sync_value(status: u16, result: Value) -> Value {
    json!({"type": "sync", "status-code": status, "status": reason(status), "result": result})
}

/// A 200 `sync` answer.
pub(crate) fn sync(result: Value) -> HttpResponse {
    sync_status(200, result)
}

/// A `sync` answer with another status (`/v1/health` answers 502 when unhealthy).
pub(crate) fn sync_status(status: u16, result: Value) -> HttpResponse {
    envelope(status, &sync_value(status, result))
}

/// A 202 `async` answer for change `change`.
pub(crate) fn accepted(change: &str, result: Value) -> HttpResponse {
    envelope(
        202,
        &json!({"type": "async", "status-code": 202, "status": reason(202), "change": change, "result": result}),
    )
}

/// An `error` answer; `kind` is omitted when empty.
pub(crate) fn error(status: u16, kind: &str, message: impl Into<String>) -> HttpResponse {
    envelope(
        status,
        &json!({"type": "error", "status-code": status, "status": reason(status), "result": error_result(kind, &message.into())}),
    )
}

/// Pebble's `errorResult` object.
pub(crate) fn error_result(kind: &str, message: &str) -> Value {
    if kind.is_empty() {
        json!({"message": message})
    } else {
        json!({"message": message, "kind": kind})
    }
}

/// 400 with Pebble's message.
pub(crate) fn bad_request(message: impl Into<String>) -> HttpResponse {
    error(400, "", message)
}

/// 404 with Pebble's message.
pub(crate) fn not_found(message: impl Into<String>) -> HttpResponse {
    error(404, "", message)
}

/// 500 with Pebble's message.
pub(crate) fn server_error(message: impl Into<String>) -> HttpResponse {
    error(500, "", message)
}
