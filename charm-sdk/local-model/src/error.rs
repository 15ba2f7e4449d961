//! The crate's one error type.
//!
//! Every failure a person sees (a CLI command refused, a charm that does not unpack, a
//! daemon that cannot start, a container's Pebble server that cannot listen, a host profile
//! that does not parse, a container path the sandbox cannot map) is an [`Error`] whose text
//! says what was being done and why it failed. Refusals of hook tools are not errors of this
//! kind: they are Juju's texts ([`juju_rules::RuleError`]) returned to the charm as a tool's
//! stderr; neither are the error objects the Pebble API answers with, which
//! [`crate::pebble`] builds from an [`Error`] where one is the cause.

use std::path::{Path, PathBuf};

/// What went wrong, with enough context to act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file system or process operation failed.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done (`reading`, `creating`, `starting`...).
        what: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Talking to the model's controller failed.
    #[error("controller at {}: {message}", socket.display())]
    Controller {
        /// The controller socket.
        socket: PathBuf,
        /// What happened.
        message: String,
    },
    /// The operator asked for something the model refuses (unknown application, bad
    /// endpoint, config of the wrong type...).
    #[error("{0}")]
    Refused(String),
    /// A charm archive or directory is not usable.
    #[error("charm {}: {message}", path.display())]
    Charm {
        /// The charm file or directory.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A bundle is not usable.
    #[error("bundle {}: {message}", path.display())]
    Bundle {
        /// The bundle file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A message on the wire did not parse.
    #[error("protocol: {0}")]
    Protocol(String),
    /// One of Juju's rules refused an operation done for the operator.
    #[error(transparent)]
    Rule(#[from] juju_rules::RuleError),
    /// A name did not parse.
    #[error(transparent)]
    Name(#[from] juju_model::Error),
    /// A container's Pebble server could not create its socket.
    #[error("pebble {sandbox}: cannot listen on {}: {source}", socket.display())]
    PebbleListen {
        /// The sandbox (container) name.
        sandbox: String,
        /// The socket path.
        socket: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A container's Pebble server could not create its async runtime.
    #[error("pebble {sandbox}: cannot start the runtime: {source}")]
    PebbleRuntime {
        /// The sandbox (container) name.
        sandbox: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A container's initial (rock) Pebble layers are invalid.
    #[error("pebble {sandbox}: invalid initial layers: {message}")]
    PebbleLayers {
        /// The sandbox (container) name.
        sandbox: String,
        /// Pebble's message.
        message: String,
    },
    /// A container's Pebble server could not stop some of its processes.
    #[error("pebble {sandbox}: {message}")]
    PebbleShutdown {
        /// The sandbox (container) name.
        sandbox: String,
        /// What is still running.
        message: String,
    },
    /// A host profile does not parse.
    #[error("host profile {}: {message}", path.display())]
    Profile {
        /// The profile file (empty for text).
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A rock layer of a host profile is not a valid Pebble layer.
    #[error("host profile {rock}: layer {label:?}: {message}")]
    ProfileLayer {
        /// The rock.
        rock: String,
        /// The layer label.
        label: String,
        /// Pebble's message.
        message: String,
    },
    /// A container path is not absolute, so the sandbox cannot map it (Pebble's text).
    #[error("paths must be absolute, got {0:?}")]
    PathNotAbsolute(String),
    /// A container path is outside every bind of its sandbox: refused like a permission
    /// error, so the Pebble API cannot reach the host's own files.
    #[error("open {0}: permission denied (the local model only reaches the container's bind mounts)")]
    PathOutsideBinds(String),
}

impl Error {
    /// An I/O error with what was being done and the path.
    pub fn io(what: &'static str, path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            what,
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// A refusal with a message for the operator.
    pub fn refused(message: impl Into<String>) -> Self {
        Error::Refused(message.into())
    }

    /// A problem with the charm at `path`.
    pub fn charm(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::Charm {
            path: path.as_ref().to_path_buf(),
            message: message.into(),
        }
    }
}

/// Shorthand for this crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
