//! `Stop`: how reconcile ends early, as a value the runtime interprets.
//!
//! Like kube's `Action`, the outcome of a run is data: `Unready(status)` ends the run
//! successfully with that status (blocked, waiting or maintenance), `Failed(error)` ends it
//! with exit code 1 so Juju discards the hook's writes and retries. The `OrStop` helpers
//! make "not yet" a one-liner: `ctx.container("zk").or_waiting("waiting for Pebble")?`.

use juju_model::Status;

use crate::backend::HookToolError;
use crate::error::Error;
use crate::pebble::PebbleError;

/// Why reconcile stopped before the end.
#[derive(Debug)]
pub enum Stop {
    /// The charm cannot go on yet; the status says why. The hook still succeeds.
    Unready(Status),
    /// Something failed; the hook exits 1 and Juju retries it.
    Failed(Error),
}

impl Stop {
    /// `Unready(Blocked(message))`.
    pub fn blocked(message: impl Into<String>) -> Self {
        Stop::Unready(Status::blocked(message))
    }
    /// `Unready(Waiting(message))`.
    pub fn waiting(message: impl Into<String>) -> Self {
        Stop::Unready(Status::waiting(message))
    }
    /// `Unready(Maintenance(message))`.
    pub fn maintenance(message: impl Into<String>) -> Self {
        Stop::Unready(Status::maintenance(message))
    }
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        match error {
            // An invalid option is the operator's to fix: Blocked naming it, not a retry.
            Error::Config { option, message } => Stop::blocked(format!("invalid config option '{option}': {message}")),
            // Pebble not up yet (pod starting, container restarting): wait, do not fail.
            Error::Pebble(e) if e.is_connection() => Stop::waiting("waiting for Pebble"),
            other => Stop::Failed(other),
        }
    }
}

macro_rules! stop_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Stop {
            fn from(error: $t) -> Self {
                Stop::from(Error::from(error))
            }
        }
    )*};
}
stop_from!(HookToolError, PebbleError, juju_model::Error);

/// Turns a missing value or a failure into a status.
pub trait OrStop<T> {
    /// `None`/`Err` becomes Blocked with `message`.
    fn or_blocked(self, message: impl Into<String>) -> Result<T, Stop>;
    /// `None`/`Err` becomes Waiting with `message`.
    fn or_waiting(self, message: impl Into<String>) -> Result<T, Stop>;
    /// `None`/`Err` becomes Maintenance with `message`.
    fn or_maintenance(self, message: impl Into<String>) -> Result<T, Stop>;
}

impl<T> OrStop<T> for Option<T> {
    fn or_blocked(self, message: impl Into<String>) -> Result<T, Stop> {
        self.ok_or_else(|| Stop::blocked(message))
    }
    fn or_waiting(self, message: impl Into<String>) -> Result<T, Stop> {
        self.ok_or_else(|| Stop::waiting(message))
    }
    fn or_maintenance(self, message: impl Into<String>) -> Result<T, Stop> {
        self.ok_or_else(|| Stop::maintenance(message))
    }
}

/// Errors that may be turned into a status: the error's text is not shown (it may be
/// long or internal); the caller's message is.
pub trait Unready {}
impl Unready for Error {}
impl Unready for PebbleError {}
impl Unready for HookToolError {}

impl<T, E: Unready> OrStop<T> for Result<T, E> {
    fn or_blocked(self, message: impl Into<String>) -> Result<T, Stop> {
        self.map_err(|_| Stop::blocked(message))
    }
    fn or_waiting(self, message: impl Into<String>) -> Result<T, Stop> {
        self.map_err(|_| Stop::waiting(message))
    }
    fn or_maintenance(self, message: impl Into<String>) -> Result<T, Stop> {
        self.map_err(|_| Stop::maintenance(message))
    }
}
