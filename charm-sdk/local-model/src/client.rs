//! The client side of the controller protocol: connect, send one request, read the
//! response.
//!
//! Addresses are a socket path or, with Juju's `@` prefix, an abstract socket name.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use crate::error::{Error, Result};
use crate::proto::{Request, Response};

/// Connects to `address`: `@name` is an abstract socket, anything else a path.
pub fn connect(address: &str) -> std::io::Result<UnixStream> {
    match address.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            UnixStream::connect_addr(&addr)
        }
        None => UnixStream::connect(address),
    }
}

/// Sends `request` to the controller at `address` and returns its response.
pub fn call(address: &str, request: &Request) -> Result<Response> {
    let fail = |message: String| Error::Controller {
        socket: Path::new(address).to_path_buf(),
        message,
    };
    let mut stream = connect(address).map_err(|e| fail(format!("cannot connect ({e}); is the model up?")))?;
    let mut line = serde_json::to_vec(request).map_err(|e| Error::Protocol(e.to_string()))?;
    line.push(b'\n');
    stream
        .write_all(&line)
        .map_err(|e| fail(format!("cannot send the request: {e}")))?;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut reply = Vec::new();
    stream
        .read_to_end(&mut reply)
        .map_err(|e| fail(format!("cannot read the response: {e}")))?;
    if reply.is_empty() {
        return Err(fail(
            "the controller closed the connection without answering".to_owned(),
        ));
    }
    serde_json::from_slice(&reply).map_err(|e| Error::Protocol(format!("bad response: {e}")))
}

/// Sends `request` and returns the result value, turning an error response into
/// [`Error::Refused`].
pub fn call_ok(address: &str, request: &Request) -> Result<serde_json::Value> {
    match call(address, request)? {
        Response::Ok(value) => Ok(value),
        Response::Error(message) => Err(Error::Refused(message)),
    }
}
