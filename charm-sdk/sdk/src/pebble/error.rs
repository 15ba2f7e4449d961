//! [`PebbleError`]: one error type for every Pebble operation, real or fake.
//!
//! Charms branch on *what kind* of failure happened, not on where: the socket is not there
//! yet (wait), the API refused (bug or bad input), a file is missing (push it), a change
//! failed (the service would not start), a command exited non-zero. The variants carry
//! Pebble's own `kind` and `message` so a fake can produce exactly what the server would.

/// A failed Pebble call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PebbleError {
    /// The socket is missing or refuses connections: Pebble is not up (yet). Charms usually
    /// turn this into Waiting.
    #[error("cannot connect to Pebble at {socket}: {message}")]
    Connection {
        /// The socket path (or container name for a fake).
        socket: String,
        /// What the OS said.
        message: String,
    },
    /// Pebble answered with an error envelope (`{"type":"error",...}`).
    #[error("{message}")]
    Api {
        /// The HTTP status code (400, 404, 500, ...).
        status_code: u16,
        /// The envelope's `result.kind`: `not-found`, `permission-denied`,
        /// `generic-file-error`, `login-required`, `no-default-services`, ... or empty.
        kind: String,
        /// The envelope's `result.message`.
        message: String,
    },
    /// A file operation failed for one path, reported inside a 200 response (push, pull,
    /// make-dir, remove) — ops' `PathError`.
    #[error("{kind}: {message}")]
    Path {
        /// `not-found`, `permission-denied` or `generic-file-error`.
        kind: String,
        /// The path concerned.
        path: String,
        /// Pebble's message (`stat /x: no such file or directory`).
        message: String,
    },
    /// An asynchronous change (start, stop, replan, exec) finished with an error — ops'
    /// `ChangeError`.
    #[error("change {id} failed: {err}")]
    Change {
        /// The change id.
        id: String,
        /// The change's `err` text (`cannot perform the following tasks: ...`).
        err: String,
    },
    /// A command run with [`crate::pebble::Pebble::exec_checked`] exited non-zero — ops'
    /// `ExecError`.
    #[error("command {:?} exited with code {exit_code}{}", command.first().map(String::as_str).unwrap_or(""), stderr_tail(stderr))]
    Exec {
        /// The command line.
        command: Vec<String>,
        /// The exit code.
        exit_code: i32,
        /// What the command wrote to stdout.
        stdout: Vec<u8>,
        /// What the command wrote to stderr (empty when not split).
        stderr: Vec<u8>,
    },
    /// A wait ran out of time: a change did not finish in time, a request got no answer, or
    /// an exec exceeded its `timeout` (Pebble killed it).
    #[error("timed out: {0}")]
    Timeout(String),
    /// Pebble's answer does not have the documented shape.
    #[error("unexpected answer from Pebble: {0}")]
    Protocol(String),
}

impl PebbleError {
    /// The error kind Pebble reported (`not-found`, ...), for API and path errors.
    pub fn kind(&self) -> Option<&str> {
        match self {
            PebbleError::Api { kind, .. } | PebbleError::Path { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// Whether Pebble said the path (or object) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind() == Some("not-found")
    }

    /// Whether Pebble said permission was denied.
    pub fn is_permission_denied(&self) -> bool {
        self.kind() == Some("permission-denied")
    }

    /// Whether the socket could not be reached (Pebble not ready).
    pub fn is_connection(&self) -> bool {
        matches!(self, PebbleError::Connection { .. })
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        PebbleError::Protocol(message.into())
    }
}

/// The last line of a command's stderr, shortened, for error messages. Only the program
/// name is shown, never its arguments, which may carry credentials.
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    match text.lines().rev().find(|l| !l.trim().is_empty()) {
        Some(line) => {
            let line: String = line.trim().chars().take(200).collect();
            format!(": {line}")
        }
        None => String::new(),
    }
}
