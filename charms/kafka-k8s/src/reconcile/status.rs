//! The unit status once the broker converged: one line per [`Outcome`].

use charm_sdk::prelude::*;

use crate::converge::Outcome;

/// The unit status for the broker's state.
pub(super) fn report(outcome: &Outcome) -> Status {
    match outcome {
        Outcome::Running => Status::active(""),
        Outcome::RestartRequested => Status::waiting("waiting for the rolling-restart lock to apply new configuration"),
        Outcome::Restarting(why) => Status::maintenance(format!("restarting kafka: {why}")),
        Outcome::NotStarted(why) => Status::waiting(why.clone()),
        Outcome::Unavailable(why) => Status::blocked(format!("kafka workload not available: {why}")),
    }
}
