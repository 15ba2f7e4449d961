//! HTTP/1.1 over Pebble's unix socket, and Pebble's JSON envelope.
//!
//! The public API is blocking (charms are short-lived processes with no runtime), but
//! hyper and tokio-tungstenite are async; so every client owns one small current-thread
//! tokio runtime, created once, and blocks on it per call. Each request uses a fresh
//! connection: Pebble is local, connections are cheap, and nothing can be left half-read.
//! This module knows nothing about endpoints; it turns a request into status + body, and a
//! body into a result value or a [`PebbleError`] with Pebble's `kind` and `message`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::Value;
use tokio::net::UnixStream;
use tokio::runtime::Runtime;

use super::error::PebbleError;

/// A raw HTTP answer.
pub(crate) struct RawResponse {
    /// The HTTP status code.
    pub(crate) status: u16,
    /// The `Content-Type` header (empty when absent).
    pub(crate) content_type: String,
    /// The whole body.
    pub(crate) body: Bytes,
}

/// Pebble's response envelope (`internals/daemon/response.go`).
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    /// `sync`, `async` or `error`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// The HTTP status repeated in the body.
    #[serde(rename = "status-code", default)]
    pub(crate) status_code: Option<u16>,
    /// The result value (`null` when absent).
    #[serde(default)]
    pub(crate) result: Value,
    /// The change id of an async response.
    #[serde(default)]
    pub(crate) change: Option<String>,
}

/// The socket, the runtime and the per-request timeout.
pub(crate) struct Transport {
    socket: PathBuf,
    runtime: Runtime,
    timeout: Duration,
}

impl Transport {
    /// Builds the runtime; does not connect.
    pub(crate) fn new(socket: PathBuf, timeout: Duration) -> Result<Self, PebbleError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| PebbleError::Connection {
                socket: socket.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(Self {
            socket,
            runtime,
            timeout,
        })
    }

    /// The socket path.
    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }

    /// The default time allowed for one request.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs a future to completion on this client's runtime.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Opens a new connection to the socket.
    pub(crate) async fn connect(&self) -> Result<UnixStream, PebbleError> {
        UnixStream::connect(&self.socket)
            .await
            .map_err(|e| self.connection_error(e))
    }

    pub(crate) fn connection_error(&self, error: impl std::fmt::Display) -> PebbleError {
        PebbleError::Connection {
            socket: self.socket.display().to_string(),
            message: error.to_string(),
        }
    }

    /// Sends one request and reads the whole answer, within `timeout`.
    pub(crate) async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<RawResponse, PebbleError> {
        let what = format!("{method} {path_and_query}");
        match tokio::time::timeout(timeout, self.send_inner(method, path_and_query, headers, body)).await {
            Ok(result) => result,
            Err(_) => Err(PebbleError::Timeout(format!(
                "no answer from Pebble to {what} within {timeout:?}"
            ))),
        }
    }

    async fn send_inner(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<RawResponse, PebbleError> {
        let stream = self.connect().await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.connection_error(e))?;
        // Drives the connection while we wait for the answer; ends when `sender` is dropped.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let mut request = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header("Host", "localhost");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| PebbleError::protocol(format!("bad request: {e}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| self.connection_error(e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.connection_error(e))?
            .to_bytes();
        Ok(RawResponse {
            status,
            content_type,
            body,
        })
    }

    /// Sends a request with an optional JSON body and decodes the envelope; error envelopes
    /// (and non-JSON error answers) become [`PebbleError::Api`].
    pub(crate) async fn json(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Envelope, PebbleError> {
        let (headers, bytes): (&[(&str, &str)], Vec<u8>) = match body {
            Some(value) => (
                &[("Content-Type", "application/json"), ("Accept", "application/json")],
                serde_json::to_vec(value).map_err(|e| PebbleError::protocol(e.to_string()))?,
            ),
            None => (&[("Accept", "application/json")], Vec::new()),
        };
        let response = self.send(method, path_and_query, headers, bytes, timeout).await?;
        decode_envelope(&response)
    }
}

/// Decodes a JSON envelope, mapping error envelopes to [`PebbleError::Api`].
pub(crate) fn decode_envelope(response: &RawResponse) -> Result<Envelope, PebbleError> {
    let envelope: Envelope = match serde_json::from_slice(&response.body) {
        Ok(envelope) => envelope,
        Err(_) if response.status >= 400 => {
            return Err(PebbleError::Api {
                status_code: response.status,
                kind: String::new(),
                message: String::from_utf8_lossy(&response.body).trim().to_owned(),
            });
        }
        Err(e) => return Err(PebbleError::protocol(format!("cannot decode response: {e}"))),
    };
    if envelope.kind == "error" || response.status >= 400 {
        let text = |key: &str| {
            envelope
                .result
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        return Err(PebbleError::Api {
            status_code: envelope.status_code.unwrap_or(response.status),
            kind: text("kind"),
            message: text("message"),
        });
    }
    Ok(envelope)
}

/// Builds `path?k=v&...`, percent-encoding values (slashes kept for readability).
pub(crate) fn with_query(path: &str, query: &[(&str, &str)]) -> String {
    let mut out = path.to_owned();
    for (i, (key, value)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&percent_encode(key));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/`.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Go duration text for a query parameter (`4.000s`), as ops formats it.
pub(crate) fn go_seconds(duration: Duration) -> String {
    format!("{:.3}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding() {
        assert_eq!(
            with_query(
                "/v1/files",
                &[("action", "list"), ("path", "/a b/c&d"), ("pattern", "*.yaml")]
            ),
            "/v1/files?action=list&path=/a%20b/c%26d&pattern=%2A.yaml"
        );
        assert_eq!(go_seconds(Duration::from_millis(1500)), "1.500s");
    }

    #[test]
    fn error_envelopes_become_api_errors() {
        let response = RawResponse {
            status: 404,
            content_type: "application/json".into(),
            body: Bytes::from_static(
                br#"{"type":"error","status-code":404,"status":"Not Found","result":{"message":"stat /x: no such file or directory","kind":"not-found"}}"#,
            ),
        };
        let err = decode_envelope(&response).unwrap_err();
        assert!(err.is_not_found());
        assert_eq!(err.to_string(), "stat /x: no such file or directory");
        let plain = RawResponse {
            status: 502,
            content_type: String::new(),
            body: Bytes::from_static(b"bad gateway\n"),
        };
        assert!(matches!(
            decode_envelope(&plain),
            Err(PebbleError::Api { status_code: 502, .. })
        ));
    }
}
