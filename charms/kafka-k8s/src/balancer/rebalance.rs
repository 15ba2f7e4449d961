//! The `rebalance` action: asks Cruise Control for a proposal (`dryrun=true`, the default)
//! or to execute it, for the whole cluster (`mode=full`: `POST rebalance`), to move replicas
//! onto a new broker (`add`: `POST add_broker?brokerid=N`) or off a broker about to be removed
//! (`remove`: `POST remove_broker?brokerid=N`).
//!
//! As in the Python charm (`src/events/balancer.py`): only the leader of an application with
//! the balancer role may run it; Cruise Control must be monitoring, idle and have enough
//! metrics; the broker id must be one Cruise Control knows (the capacity file's). Then the
//! request is sent, and while Cruise Control is still computing (`202 Accepted`) the same
//! request is repeated with its `User-Task-ID` until the proposal is there; an execution is
//! followed on `user_tasks` until the task completed and the executor is idle. The results
//! are Cruise Control's answer, cleaned ([`super::response::clean`]).
//!
//! The action waits at most [`WAIT_CAP`] (30 minutes) in all — a hook holds the unit's agent,
//! and an execution of a big cluster can take hours (the Python charm waits indefinitely). Past
//! the cap the task goes on inside Cruise Control; the action ends with its `User-Task-ID` and
//! how to follow it ([`Outcome::StillRunning`]).

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use super::client::{CruiseControlClient, HttpResponse};
use super::response::{self, CruiseControlState};
use crate::error::Error;

/// What to rebalance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The whole cluster.
    Full,
    /// Move replicas onto a new broker.
    Add,
    /// Move replicas off a broker.
    Remove,
}

impl Mode {
    /// Cruise Control's endpoint for the mode.
    pub fn endpoint(self) -> &'static str {
        match self {
            Mode::Full => "rebalance",
            Mode::Add => "add_broker",
            Mode::Remove => "remove_broker",
        }
    }

    /// The parameter's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Add => "add",
            Mode::Remove => "remove",
        }
    }
}

/// The action's parameters, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// What to rebalance.
    pub mode: Mode,
    /// Only compute the proposal.
    pub dryrun: bool,
    /// The broker for `add` and `remove`.
    pub broker_id: Option<u32>,
}

/// Checks the parameters against each other and against the brokers Cruise Control knows.
pub fn validate(mode: Mode, dryrun: bool, broker_id: Option<i64>, known: &[u32]) -> Result<Request, String> {
    let broker_id = match (mode, broker_id) {
        (Mode::Full, Some(_)) => {
            return Err("'brokerid' is only for the 'add' and 'remove' modes; a full rebalance takes no broker".into())
        }
        (Mode::Full, None) => None,
        (_, None) => {
            return Err(format!(
                "the '{}' mode needs the 'brokerid' parameter (one of {})",
                mode.as_str(),
                list(known)
            ))
        }
        (_, Some(id)) => {
            let id = u32::try_from(id).map_err(|_| format!("invalid brokerid {id}"))?;
            if !known.contains(&id) {
                return Err(format!("invalid brokerid {id}: the brokers are {}", list(known)));
            }
            Some(id)
        }
    };
    Ok(Request {
        mode,
        dryrun,
        broker_id,
    })
}

fn list(ids: &[u32]) -> String {
    if ids.is_empty() {
        return "none yet".to_owned();
    }
    ids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// The longest the action waits for Cruise Control, computing and executing together.
pub const WAIT_CAP: Duration = Duration::from_secs(30 * 60);

/// How long and how often to wait.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    /// Pause between two polls (Cruise Control refuses too many requests in a short time).
    pub interval: Duration,
    /// Stop waiting after this long (the task goes on in Cruise Control).
    pub limit: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            interval: Duration::from_secs(10),
            limit: WAIT_CAP,
        }
    }
}

/// How a rebalance ended for the action.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Cruise Control's answer (not yet cleaned): the proposal, or the executed one.
    Done(Value),
    /// The wait cap passed while Cruise Control still worked on the task.
    StillRunning {
        /// Cruise Control's `User-Task-ID`.
        task: String,
        /// Whether the proposal is being executed (else it is still being computed).
        executing: bool,
        /// How long the action waited.
        waited: Duration,
    },
}

impl Outcome {
    /// The answer, when Cruise Control finished.
    pub fn done(self) -> Option<Value> {
        match self {
            Outcome::Done(value) => Some(value),
            Outcome::StillRunning { .. } => None,
        }
    }

    /// For a task still running: what the operator reads — the task id and how to follow it.
    pub fn follow_message(&self) -> Option<String> {
        let Outcome::StillRunning {
            task,
            executing,
            waited,
        } = self
        else {
            return None;
        };
        let doing = if *executing {
            "still executing the rebalance"
        } else {
            "still computing the proposal"
        };
        Some(format!(
            "Cruise Control is {doing} (task {task}) after {} s; the action waits no longer but the task goes on. \
             Follow it on this unit: curl -u balancer:<balancer-password> \
             'http://localhost:{}{}/user_tasks?user_task_ids={task}&json=true' (the password is the \
             balancer-password key of the cluster.<app>.app secret); it is over when its Status is \
             Completed (or CompletedWithError). Until then the rebalance action is refused while Cruise \
             Control executes.",
            waited.as_secs(),
            super::render::CC_WEBSERVER_PORT,
            super::client::API_PREFIX,
        ))
    }
}

fn broken(e: impl std::fmt::Display) -> Error {
    Error::Broken(e.to_string())
}

fn json(response: &HttpResponse) -> Result<Value, Error> {
    response::parse(&response.body).map_err(Error::Broken)
}

/// Cruise Control's readiness (`GET state?verbose=true`).
pub fn state(client: &CruiseControlClient) -> Result<CruiseControlState, Error> {
    let answer = client.get("state", &[("verbose", "true".to_owned())])?;
    let value = json(&answer)?;
    if answer.status != 200 {
        return Err(Error::NotReady(format!(
            "Cruise Control's state is unavailable ({}): {}",
            answer.status,
            response::error_message(&value).unwrap_or_default()
        )));
    }
    Ok(CruiseControlState::from_json(&value))
}

/// Runs the rebalance and returns Cruise Control's answer (not yet cleaned), or the task
/// still running when `polling.limit` passed.
pub fn run(client: &CruiseControlClient, request: Request, polling: Polling) -> Result<Outcome, Error> {
    let current = state(client)?;
    if !current.monitoring() {
        return Err(Error::NotReady(format!(
            "Cruise Control is not monitoring the cluster yet (load monitor {})",
            current.monitor
        )));
    }
    if current.executing() {
        return Err(Error::NotReady(format!(
            "Cruise Control is executing a task ({}); try again later",
            current.executor
        )));
    }
    if !current.ready() {
        return Err(Error::NotReady(
            "Cruise Control has not collected enough metrics for a proposal yet".to_owned(),
        ));
    }
    let mut params = vec![("dryrun", request.dryrun.to_string())];
    if let Some(id) = request.broker_id {
        params.push(("brokerid", id.to_string()));
    }
    let endpoint = request.mode.endpoint();
    let started = Instant::now();
    let mut answer = client.post(endpoint, &params, None)?;
    let task = answer.header("User-Task-ID").unwrap_or_default().to_owned();
    // 202: still computing; the same request with the task id fetches progress or result.
    while answer.status == 202 {
        if task.is_empty() {
            return Err(broken("Cruise Control accepted the request without a User-Task-ID"));
        }
        if !wait(&polling, started) {
            return Ok(still_running(task, false, started));
        }
        answer = client.post(endpoint, &params, Some(&task))?;
    }
    let value = json(&answer)?;
    if answer.status != 200 || value.get("errorMessage").is_some() {
        return Err(Error::Refused {
            mode: request.mode.as_str(),
            status: answer.status,
            message: response::error_message(&value).unwrap_or_default(),
        });
    }
    if !request.dryrun {
        if task.is_empty() {
            return Err(broken("Cruise Control started the execution without a User-Task-ID"));
        }
        if !follow(client, &task, polling, started)? {
            return Ok(still_running(task, true, started));
        }
    }
    Ok(Outcome::Done(value))
}

fn still_running(task: String, executing: bool, started: Instant) -> Outcome {
    Outcome::StillRunning {
        task,
        executing,
        waited: started.elapsed(),
    }
}

/// Sleeps one interval; `false` (without sleeping) when that would pass the limit.
fn wait(polling: &Polling, started: Instant) -> bool {
    if started.elapsed() + polling.interval > polling.limit {
        return false;
    }
    std::thread::sleep(polling.interval);
    true
}

/// Waits until task `task` completed and the executor is idle; `false` when the limit passed
/// first.
fn follow(client: &CruiseControlClient, task: &str, polling: Polling, started: Instant) -> Result<bool, Error> {
    loop {
        let answer = client.get("user_tasks", &[])?;
        let status = response::task_status(&json(&answer)?, task).unwrap_or_default();
        match status.as_str() {
            "CompletedWithError" => {
                return Err(Error::Refused {
                    mode: "execution",
                    status: answer.status,
                    message: format!("task {task} completed with an error (see Cruise Control's log)"),
                })
            }
            "Completed" if !state(client)?.executing() => return Ok(true),
            _ => {
                if !wait(&polling, started) {
                    return Ok(false);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_id_rules() {
        let known = [0, 1, 2];
        assert!(validate(Mode::Full, true, None, &known).is_ok());
        assert!(validate(Mode::Full, true, Some(1), &known)
            .unwrap_err()
            .contains("only for"));
        assert!(validate(Mode::Add, true, None, &known)
            .unwrap_err()
            .contains("needs the 'brokerid'"));
        assert!(validate(Mode::Remove, false, Some(7), &known)
            .unwrap_err()
            .contains("invalid brokerid 7"));
        assert!(validate(Mode::Remove, false, Some(-1), &known).is_err());
        assert_eq!(
            validate(Mode::Add, false, Some(2), &known).unwrap(),
            Request {
                mode: Mode::Add,
                dryrun: false,
                broker_id: Some(2)
            }
        );
    }
}
