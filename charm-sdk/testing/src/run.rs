//! `Context::<C>::run`: State in, one event through the charm's real dispatch, State out.
//!
//! The order of a run: parse the charm's charmcraft.yaml; refuse impossible states (the
//! consistency checker, all problems at once); build the `juju-rules` model and the exact
//! `JUJU_*` environment of the event; call `charm_sdk::dispatch` — the function
//! production calls — with a [`MemoryBackend`] and the fake Pebble; commit the hook's
//! writes if it succeeded, discard them if not (status, logs, action results and Pebble
//! changes stay, as in Juju); read the output state back.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use charm_sdk::{Charm, Outcome};
use juju_model::tools::LogLevel;
use juju_model::{CharmMeta, JujuEnv, Status};
use juju_rules::HookContext;

use crate::backend::MemoryBackend;
use crate::consistency::check_consistency;
use crate::event::TestEvent;
use crate::from_model::harvest;
use crate::pebble::FakeConnector;
use crate::state::State;
use crate::to_model::build;

/// What an action reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionOutcome {
    /// `action-set` results, flattened dotted keys.
    pub results: BTreeMap<String, String>,
    /// The `action-fail` message, if the action failed.
    pub failed: Option<String>,
    /// `action-log` messages.
    pub logs: Vec<String>,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// The state after the commit (after a failed hook: the input state plus what Juju
    /// applies at once — statuses, workload version — and the Pebble changes).
    pub state: State,
    /// Every unit status the charm set, in order.
    pub unit_status_history: Vec<Status>,
    /// Every application status the charm set, in order.
    pub app_status_history: Vec<Status>,
    /// The workload version set in this run, if any.
    pub workload_version: Option<String>,
    /// `juju-log` lines.
    pub logs: Vec<(LogLevel, String)>,
    /// The action's results, for action events.
    pub action: Option<ActionOutcome>,
    /// Every hook tool call, `tool args` (secret values never appear).
    pub calls: Vec<String>,
    /// Hook tool calls Juju's rules refused: the tool and the rule's explanation.
    pub refusals: Vec<String>,
    /// The environment the charm ran with.
    pub env: JujuEnv,
    /// Hooks this run's commit triggers on other units (relation-changed for changed bags,
    /// secret-changed for new revisions), in Juju's terms.
    pub triggered: Vec<HookContext>,
}

impl RunOutput {
    /// How many times the charm called `tool` (`relation-set`, `secret-get`, …).
    pub fn calls_to(&self, tool: &str) -> usize {
        self.calls.iter().filter(|c| c.split(' ').next() == Some(tool)).count()
    }

    /// The unit status after the run.
    pub fn unit_status(&self) -> &Status {
        &self.state.unit_status
    }
}

/// Why a run produced no [`RunOutput`] of a successful hook.
#[derive(Clone, PartialEq)]
pub enum RunError {
    /// The state or event is impossible in Juju; every problem found.
    Inconsistent(Vec<String>),
    /// The charm exited non-zero: Juju discarded its writes.
    HookFailed {
        /// What the charm reported.
        message: String,
        /// The run's output, with the writes discarded.
        output: Box<RunOutput>,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Inconsistent(problems) => {
                writeln!(f, "the test state is inconsistent with charmcraft.yaml or Juju:")?;
                for problem in problems {
                    writeln!(f, "  - {problem}")?;
                }
                Ok(())
            }
            RunError::HookFailed { message, output } => {
                writeln!(
                    f,
                    "hook {} failed (Juju discards its writes): {message}",
                    output.env.dispatch_path
                )?;
                for refusal in &output.refusals {
                    writeln!(f, "  refused: {refusal}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for RunError {
    /// Same as `Display`, so `.unwrap()` in a test prints the problems readably.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for RunError {}

/// Runs events against charm `C`, whose `CHARMCRAFT` gives its metadata.
///
/// See the crate documentation for a worked example.
pub struct Context<C: Charm> {
    meta: Result<CharmMeta, String>,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> fmt::Debug for Context<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("meta", &self.meta.as_ref().map(|m| &m.name))
            .finish()
    }
}

impl<C: Charm> Default for Context<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Charm> Context<C> {
    /// A context for `C`. A charmcraft.yaml that does not parse is reported by `run`.
    pub fn new() -> Self {
        let meta =
            CharmMeta::from_charmcraft_yaml(C::CHARMCRAFT).map_err(|e| format!("the charm's charmcraft.yaml: {e}"));
        Self {
            meta,
            _charm: PhantomData,
        }
    }

    /// The charm's metadata.
    pub fn meta(&self) -> Result<&CharmMeta, &str> {
        self.meta.as_ref().map_err(String::as_str)
    }

    /// Runs `event` in `state`.
    pub fn run(&self, event: TestEvent, state: State) -> Result<RunOutput, RunError> {
        let meta = self
            .meta
            .as_ref()
            .map_err(|e| RunError::Inconsistent(vec![e.clone()]))?;
        check_consistency(meta, &state, &event).map_err(RunError::Inconsistent)?;
        let built = build(meta, &state, &event).map_err(RunError::Inconsistent)?;
        let env = built
            .hook
            .to_env(&built.model)
            .map_err(|e| RunError::Inconsistent(vec![e.explain().to_owned()]))?;
        let unit = built.unit.clone();
        let mut backend = MemoryBackend::new(built.model, built.hook)
            .map_err(|e| RunError::Inconsistent(vec![e.explain().to_owned()]))?;
        let connector = FakeConnector::new(state.containers.iter().map(|c| (c.name.clone(), c.state.clone())));

        let outcome = charm_sdk::dispatch::<C>(&env, &mut backend, &connector);

        let finish = backend.finish(outcome == Outcome::Success);
        let mut out_state = harvest(&state, &finish.model, &unit);
        let mut pebbles = connector.into_states();
        for container in &mut out_state.containers {
            if let Some(after) = pebbles.remove(&container.name) {
                container.state = after;
            }
        }
        let triggered = match &finish.finished.committed {
            Some(report) => juju_rules::order::after_commit(&finish.model, report).unwrap_or_default(),
            None => Vec::new(),
        };
        let effects = finish.finished.effects;
        let output = RunOutput {
            state: out_state,
            unit_status_history: effects.unit_statuses,
            app_status_history: effects.app_statuses,
            workload_version: effects.workload_version,
            logs: effects.logs,
            action: effects.action.map(|a| ActionOutcome {
                results: a.results,
                failed: a.failed,
                logs: a.logs,
            }),
            calls: finish.calls,
            refusals: finish
                .refusals
                .iter()
                .map(|(tool, err)| format!("{tool}: {}", err.explain()))
                .collect(),
            env,
            triggered,
        };
        match (outcome, finish.finished.commit_error) {
            (Outcome::Failed(message), _) => Err(RunError::HookFailed {
                message,
                output: Box::new(output),
            }),
            (Outcome::Success, Some(err)) => Err(RunError::HookFailed {
                message: format!("the hook's changes could not be committed: {}", err.explain()),
                output: Box::new(output),
            }),
            (Outcome::Success, None) => Ok(output),
        }
    }
}

/// Another name for [`Context`], for modules that also glob-import `charm_sdk::prelude`
/// (whose `Context` is the charm's run context).
pub type TestContext<C> = Context<C>;
