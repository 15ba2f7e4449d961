//! Answering requests: the CLI's operations and the hook tools' calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::hooks::schedule;
use super::state::{now_timestamp, Controller};
use super::{topology, view, Shared};
use crate::error::Error;
use crate::proto::{Request, Response, ToolRequest, ToolResponse};
use crate::tools;

fn reply(result: Result<Value, Error>) -> Response {
    match result {
        Ok(value) => Response::Ok(value),
        Err(err) => Response::Error(err.to_string()),
    }
}

/// Answers one request.
pub(crate) fn handle(shared: &Arc<Shared>, request: Request) -> Response {
    match request {
        Request::Tool(call) => {
            let mut ctl = shared.lock();
            let response = tool(&mut ctl, call);
            Response::Ok(serde_json::to_value(response).unwrap_or(Value::Null))
        }
        Request::WaitIdle {
            timeout_ms,
            tolerate_errors,
        } => reply(wait_idle(shared, Duration::from_millis(timeout_ms), tolerate_errors)),
        Request::Ping => Response::Ok(json!({"pid": std::process::id()})),
        Request::Shutdown => {
            let mut ctl = shared.lock();
            ctl.shutting_down = true;
            shared.changed.notify_all();
            Response::Ok(json!({"pid": std::process::id()}))
        }
        other => {
            let mut ctl = shared.lock();
            let result = operate(shared, &mut ctl, other);
            schedule(shared, &mut ctl);
            reply(result)
        }
    }
}

fn operate(shared: &Arc<Shared>, ctl: &mut Controller, request: Request) -> Result<Value, Error> {
    ctl.model.now = now_timestamp();
    match request {
        Request::Deploy(req) => topology::deploy(shared, ctl, req),
        Request::Integrate { a, b } => topology::integrate(ctl, &a, &b),
        Request::RemoveRelation { a, b } => topology::remove_relation(ctl, &a, &b),
        Request::Config { app, set, reset } => topology::config(ctl, &app, &set, &reset),
        Request::AddUnit { app, count } => topology::add_unit(shared, ctl, &app, count),
        Request::RemoveUnit { units } => {
            let mut done = Vec::new();
            for unit in units {
                done.push(topology::remove_unit(ctl, &unit)?);
            }
            Ok(Value::Array(done))
        }
        Request::Refresh {
            app,
            charm,
            keep_workloads,
        } => topology::refresh(ctl, &app, &charm, keep_workloads),
        Request::RemoveApplication { app } => topology::remove_application(ctl, &app),
        Request::Run { unit, action, params } => topology::run_action(ctl, &unit, &action, params),
        Request::Task { id } => view::task(ctl, &id),
        Request::Status => serde_json::to_value(view::status(ctl)).map_err(|e| Error::Protocol(e.to_string())),
        Request::DebugLog { after, include } => Ok(view::debug_log(ctl, after, &include)),
        Request::Secrets => Ok(view::secrets(ctl)),
        Request::ShowUnit { unit } => view::show_unit(ctl, &unit),
        Request::Resolve { unit, no_retry } => resolve(ctl, &unit, no_retry),
        Request::Stats => Ok(json!({ "hooks": ctl.hooks_done, "units": ctl.units.len() })),
        Request::Tool(_) | Request::WaitIdle { .. } | Request::Ping | Request::Shutdown => {
            Err(Error::Protocol("request handled elsewhere".to_owned()))
        }
    }
}

fn resolve(ctl: &mut Controller, unit: &str, no_retry: bool) -> Result<Value, Error> {
    let name = juju_model::UnitName::new(unit).map_err(|e| Error::refused(e.to_string()))?;
    let rt = ctl
        .units
        .get_mut(&name)
        .ok_or_else(|| Error::refused(format!("unit {unit:?} not found")))?;
    if rt.failure.is_none() {
        return Err(Error::refused(format!("unit {unit:?} is not in an error state")));
    }
    if no_retry {
        rt.failure = None;
    } else if let Some(failure) = rt.failure.as_mut() {
        failure.retry_at = Instant::now();
    }
    Ok(json!({ "unit": unit }))
}

/// One hook tool call in its hook's session.
fn tool(ctl: &mut Controller, call: ToolRequest) -> ToolResponse {
    let Some(mut session) = ctl.sessions.remove(&call.context_id) else {
        return ToolResponse {
            stdout: String::new(),
            stderr: format!("ERROR bad request: unknown context id {:?}\n", call.context_id),
            code: 1,
        };
    };
    ctl.model.now = now_timestamp();
    if let Some(app) = ctl.apps.get(session.unit.app()) {
        session.leader.committed = app.leader_settings.clone();
    }
    let response = {
        let mut tool_call = tools::Call {
            model: &mut ctl.model,
            hook: &mut session.hook,
            stdin: call.stdin.as_deref(),
            files: &call.files,
            leader: &mut session.leader,
        };
        tools::run(&call.tool, &call.args, &mut tool_call)
    };
    ctl.sessions.insert(call.context_id, session);
    ctl.drain_model_log();
    response
}

fn wait_idle(shared: &Arc<Shared>, timeout: Duration, tolerate_errors: bool) -> Result<Value, Error> {
    let deadline = Instant::now() + timeout;
    let mut ctl = shared.lock();
    loop {
        let failures = ctl.failures();
        if !failures.is_empty() && !tolerate_errors {
            let list: Vec<String> = failures
                .iter()
                .map(|(u, h)| format!("{u} (hook failed: {h:?})"))
                .collect();
            return Err(Error::refused(format!("units in error: {}", list.join(", "))));
        }
        if ctl.idle() {
            return Ok(json!({ "idle": true, "hooks": ctl.hooks_done }));
        }
        let now = Instant::now();
        if now >= deadline {
            let busy: Vec<String> = ctl
                .units
                .iter()
                .filter(|(_, rt)| !rt.idle())
                .map(|(u, rt)| match (&rt.running, &rt.failure) {
                    (Some(r), _) => format!("{u} (running {})", r.name),
                    (None, Some(f)) => format!("{u} (hook failed: {:?})", f.hook.name),
                    _ => format!("{u} ({} queued)", rt.queue.len()),
                })
                .collect();
            return Err(Error::refused(format!(
                "timed out after {:.1}s waiting for the model to be idle; busy: {}",
                timeout.as_secs_f64(),
                busy.join(", ")
            )));
        }
        let wait = (deadline - now).min(Duration::from_millis(200));
        ctl = shared
            .changed
            .wait_timeout(ctl, wait)
            .map(|(guard, _)| guard)
            .unwrap_or_else(|poisoned| poisoned.into_inner().0);
    }
}
