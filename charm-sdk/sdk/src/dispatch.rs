//! `dispatch`: from the environment to one of the charm's entry points, then one status.
//!
//! It is a plain function of the environment, a [`Backend`] and a [`PebbleConnector`], so
//! the in-process tests call exactly what production calls. The order of a run is fixed:
//! parse the metadata and the event, route it, let the charm work, set the status once,
//! and report whether the hook succeeded (Juju commits the hook's writes only then).

use std::process::ExitCode;

use juju_model::tools::LogLevel;
use juju_model::{CharmMeta, Event, JujuEnv, SecretHook};
use serde_json::Value;

use crate::action::ActionError;
use crate::backend::Backend;
use crate::charm::{Charm, SecretLifecycle, Teardown};
use crate::context::Context;
use crate::error::Error;
use crate::pebble::PebbleConnector;
use crate::stop::Stop;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: Juju commits the hook's writes.
    Success,
    /// Exit 1: Juju discards the hook's writes and retries; the message was logged.
    Failed(String),
}

impl Outcome {
    /// The process exit code for this outcome.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Failed(_) => 1,
        }
    }
}

/// Runs charm `C` for the event described by `env`.
pub fn dispatch<C: Charm>(env: &JujuEnv, backend: &mut dyn Backend, pebble: &dyn PebbleConnector) -> Outcome {
    let meta = match CharmMeta::from_charmcraft_yaml(C::CHARMCRAFT) {
        Ok(meta) => meta,
        Err(e) => {
            return fail(
                backend,
                &format!("the charm's embedded charmcraft.yaml is invalid: {e}"),
            )
        }
    };
    let event = match Event::from_env(env) {
        Ok(event) => event,
        Err(e) => return fail(backend, &format!("cannot read the event from the environment: {e}")),
    };
    let charm = C::new();
    let mut ctx = Context::<C>::new(env, &event, &meta, backend, pebble);
    match &event {
        Event::Unknown(name) => {
            ctx.debug(&format!("ignoring event {name:?}: this charm does not know it"));
            Outcome::Success
        }
        Event::CollectMetrics => Outcome::Success,
        Event::Action { name, .. } => run_action(&charm, &mut ctx, name),
        Event::Stop => {
            let result = charm.teardown(&mut ctx, Teardown::Stop);
            finish(&mut ctx, result)
        }
        Event::Remove => {
            let result = charm.teardown(&mut ctx, Teardown::Remove);
            finish(&mut ctx, result)
        }
        Event::StorageDetaching { id, .. } => {
            let result = charm.teardown(&mut ctx, Teardown::StorageDetaching { id: id.clone() });
            finish(&mut ctx, result)
        }
        Event::Secret {
            hook,
            uri,
            label,
            revision,
        } if *hook != SecretHook::Changed => {
            let (uri, label) = (uri.clone(), label.clone());
            let lifecycle = match (hook, revision) {
                (SecretHook::Rotate, _) => SecretLifecycle::Rotate { uri, label },
                (SecretHook::Expired, Some(revision)) => SecretLifecycle::Expired {
                    uri,
                    label,
                    revision: *revision,
                },
                (SecretHook::Remove, Some(revision)) => SecretLifecycle::Remove {
                    uri,
                    label,
                    revision: *revision,
                },
                _ => return fail(ctx.backend, "secret-expired/secret-remove without JUJU_SECRET_REVISION"),
            };
            let result = charm.secret_lifecycle(&mut ctx, lifecycle);
            finish(&mut ctx, result)
        }
        _ => {
            let result = charm.reconcile(&mut ctx);
            let status = match result {
                Ok(()) => None,
                Err(Stop::Unready(status)) => Some(status),
                Err(Stop::Failed(error)) => return fail(ctx.backend, &error.to_string()),
            };
            match ctx.set_final_status(status) {
                Ok(()) => Outcome::Success,
                Err(e) => fail(ctx.backend, &format!("cannot set status: {e}")),
            }
        }
    }
}

fn run_action<C: Charm>(charm: &C, ctx: &mut Context<'_, C>, name: &str) -> Outcome {
    let params = match ctx.backend.action_get() {
        Ok(params) => params,
        Err(e) => return fail(ctx.backend, &format!("cannot read the action's parameters: {e}")),
    };
    let no_params = params.is_empty();
    let tagged = serde_json::json!({ "name": name, "params": Value::Object(params) });
    let mut decoded = serde_path_to_error::deserialize::<_, C::Action>(tagged);
    if decoded.is_err() && no_params {
        // Unit variants (`GetPassword`) take no content at all.
        if let Ok(action) = serde_json::from_value(serde_json::json!({ "name": name })) {
            decoded = Ok(action);
        }
    }
    let action: C::Action = match decoded {
        Ok(action) => action,
        Err(e) => {
            let message = if e.path().to_string() == "." || e.path().to_string() == "name" {
                format!("this charm has no action {name:?}")
            } else {
                format!("invalid parameters for action {name:?}: {}: {}", e.path(), e.inner())
            };
            return action_fail(ctx, &message);
        }
    };
    let outcome = match charm.run_action(ctx, action) {
        Ok(results) if results.is_empty() => Outcome::Success,
        Ok(results) => match ctx.backend.action_set(results.pairs()) {
            Ok(()) => Outcome::Success,
            Err(e) => fail(ctx.backend, &format!("cannot set the action's results: {e}")),
        },
        Err(ActionError::Failed(message)) => action_fail(ctx, &message),
        Err(ActionError::Error(error)) => fail(ctx.backend, &error.to_string()),
    };
    // An action does not recompute the whole status; it sets one only if it reported one.
    if outcome == Outcome::Success && !ctx.statuses.is_empty() {
        if let Err(e) = ctx.set_final_status(None) {
            return fail(ctx.backend, &format!("cannot set status: {e}"));
        }
    }
    outcome
}

fn action_fail<C: Charm>(ctx: &mut Context<'_, C>, message: &str) -> Outcome {
    match ctx.backend.action_fail(message) {
        Ok(()) => Outcome::Success,
        Err(e) => fail(ctx.backend, &format!("action-fail failed: {e}")),
    }
}

fn finish<C: Charm>(ctx: &mut Context<'_, C>, result: Result<(), Error>) -> Outcome {
    match result {
        Ok(()) => Outcome::Success,
        Err(e) => fail(ctx.backend, &e.to_string()),
    }
}

fn fail(backend: &mut dyn Backend, message: &str) -> Outcome {
    if backend.juju_log(LogLevel::Error, message).is_err() {
        eprintln!("ERROR {message}");
    }
    Outcome::Failed(message.to_owned())
}

/// The whole of a charm's `main`: read the process environment, run the real hook tools
/// and Pebble sockets, and exit with the outcome.
///
/// The Pebble sockets are `/charm/containers/<container>/pebble.socket`. When the
/// environment variable `CHARM_SDK_PEBBLE_DIR` is set and not empty, its directory replaces
/// `/charm/containers`: Juju never sets it; process tests and benchmarks of a charm binary
/// set it to reach a test Pebble.
///
/// ```no_run
/// # struct MyCharm;
/// # impl charm_sdk::Charm for MyCharm {
/// #     const CHARMCRAFT: &'static str = "name: my-charm";
/// #     type Config = serde_json::Value;
/// #     type Action = charm_sdk::NoActions;
/// #     fn new() -> Self { MyCharm }
/// #     fn reconcile(&self, _: &mut charm_sdk::Context<'_, Self>) -> Result<(), charm_sdk::Stop> { Ok(()) }
/// # }
/// fn main() -> std::process::ExitCode {
///     charm_sdk::main::<MyCharm>()
/// }
/// ```
pub fn main<C: Charm>() -> ExitCode {
    let env = match JujuEnv::from_process() {
        Ok(env) => env,
        Err(e) => {
            eprintln!("ERROR {e}");
            return ExitCode::from(1);
        }
    };
    let mut backend = crate::process::ProcessBackend::new();
    let pebble = match std::env::var_os("CHARM_SDK_PEBBLE_DIR") {
        Some(dir) if !dir.is_empty() => crate::pebble::SocketConnector::with_containers_dir(dir),
        _ => crate::pebble::SocketConnector::default(),
    };
    ExitCode::from(dispatch::<C>(&env, &mut backend, &pebble).exit_code())
}
