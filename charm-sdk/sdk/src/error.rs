//! The SDK's one error type.
//!
//! Every failure a charm can meet below its own logic is a variant here, with the layer
//! that failed in its name (hook tool, Pebble, config, relation data, access rule). Charms
//! add context with [`ResultExt::context`], as with anyhow, without losing the variant.

use crate::backend::HookToolError;
use crate::pebble::PebbleError;

/// What went wrong in a charm run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A hook tool failed.
    #[error(transparent)]
    HookTool(#[from] HookToolError),
    /// A Pebble call failed.
    #[error(transparent)]
    Pebble(#[from] PebbleError),
    /// The environment or a name Juju gave does not parse.
    #[error(transparent)]
    Model(#[from] juju_model::Error),
    /// A config option is invalid; the run shows Blocked naming it.
    #[error("invalid config option {option:?}: {message}")]
    Config {
        /// The option's name.
        option: String,
        /// What is wrong with it.
        message: String,
    },
    /// Relation or secret data does not decode into the expected type.
    #[error("cannot decode {what}: {message}")]
    Decode {
        /// What was being decoded (`relation zookeeper:4 app data from kafka`).
        what: String,
        /// The decoder's message.
        message: String,
    },
    /// An access rule of Juju's refused the operation before any tool ran.
    #[error("{0}")]
    Access(String),
    /// A charm's own error.
    #[error("{0}")]
    Charm(String),
    /// An error with context added by the charm.
    #[error("{context}: {source}")]
    Context {
        /// What the charm was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// A charm's own error from a message.
    pub fn msg(message: impl Into<String>) -> Self {
        Error::Charm(message.into())
    }

    /// The innermost error, past any context layers.
    pub fn root(&self) -> &Error {
        match self {
            Error::Context { source, .. } => source.root(),
            other => other,
        }
    }
}

/// Adds context to any SDK result, as anyhow's `Context` does.
pub trait ResultExt<T> {
    /// Wraps the error with what the charm was doing.
    fn context(self, context: impl Into<String>) -> Result<T, Error>;
}

impl<T, E: Into<Error>> ResultExt<T> for Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T, Error> {
        self.map_err(|e| Error::Context {
            context: context.into(),
            source: Box::new(e.into()),
        })
    }
}
