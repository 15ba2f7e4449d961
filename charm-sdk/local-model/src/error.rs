//! The crate's one error type.
//!
//! Every failure a person sees (a CLI command refused, a charm that does not unpack, a
//! daemon that cannot start) is an [`Error`] whose text says what was being done and why it
//! failed. Refusals of hook tools are not errors of this kind: they are Juju's texts
//! ([`juju_rules::RuleError`]) returned to the charm as a tool's stderr.

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
