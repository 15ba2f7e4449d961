//! Finishing a hook: collect its output, commit or discard its session, put the unit in
//! error (with a retry backoff) when it failed, and queue what the commit triggers.

use std::io::{BufRead, BufReader, Read};
use std::process::Child;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use juju_model::tools::LogLevel;
use juju_model::UnitName;
use juju_rules::{order, HookContext};

use super::queue::enqueue;
use super::schedule;
use crate::daemon::state::{ActionOutput, Controller, Failure, Session};
use crate::daemon::Shared;
use crate::tools::LeaderSettings;

/// Forwards one output stream to the debug log, keeping a copy for actions.
fn pump(
    shared: Arc<Shared>,
    stream: impl Read + Send + 'static,
    unit: UnitName,
    level: LogLevel,
    copy: Arc<Mutex<String>>,
    done: mpsc::Sender<()>,
) {
    let _ = std::thread::Builder::new()
        .name("hook output".to_owned())
        .spawn(move || {
            let reader = BufReader::new(stream);
            for line in reader.split(b'\n').map_while(Result::ok) {
                let text = String::from_utf8_lossy(&line).into_owned();
                if let Ok(mut copy) = copy.lock() {
                    copy.push_str(&text);
                    copy.push('\n');
                }
                let module = format!("unit.{unit}.hook");
                shared.lock().unit_log(&unit, level, &module, text);
            }
            let _ = done.send(());
        });
}

pub(super) fn wait_hook(shared: &Arc<Shared>, mut child: Child, context_id: String, is_action: bool) {
    let unit = shared.lock().sessions.get(&context_id).map(|s| s.unit.clone());
    let stdout = Arc::new(Mutex::new(String::new()));
    let stderr = Arc::new(Mutex::new(String::new()));
    let (done_tx, done_rx) = mpsc::channel();
    let mut pumps = 0;
    if let Some(unit) = unit {
        if let Some(out) = child.stdout.take() {
            pump(
                Arc::clone(shared),
                out,
                unit.clone(),
                LogLevel::Debug,
                Arc::clone(&stdout),
                done_tx.clone(),
            );
            pumps += 1;
        }
        if let Some(err) = child.stderr.take() {
            pump(
                Arc::clone(shared),
                err,
                unit,
                LogLevel::Warning,
                Arc::clone(&stderr),
                done_tx.clone(),
            );
            pumps += 1;
        }
    }
    drop(done_tx);
    let code = match child.wait() {
        Ok(status) => status.code().unwrap_or(-1),
        Err(_) => -1,
    };
    // Output pipes close when the hook exits, unless it left a child holding them: wait a
    // little for the rest of the output, not for that child.
    for _ in 0..pumps {
        if done_rx.recv_timeout(Duration::from_secs(2)).is_err() {
            break;
        }
    }
    let take = |s: &Arc<Mutex<String>>| s.lock().map(|s| s.clone()).unwrap_or_default();
    let output = is_action.then(|| ActionOutput {
        code,
        stdout: take(&stdout),
        stderr: take(&stderr),
    });
    let mut ctl = shared.lock();
    finish(shared, &mut ctl, &context_id, code, output);
}

/// A hook process ended with `code`: commit or discard, queue what follows, schedule.
pub(crate) fn finish(
    shared: &Arc<Shared>,
    ctl: &mut Controller,
    context_id: &str,
    code: i32,
    output: Option<ActionOutput>,
) {
    let Some(session) = ctl.sessions.remove(context_id) else {
        return;
    };
    let Session {
        hook,
        unit,
        leader,
        attempts,
    } = session;
    ctl.model.now = crate::daemon::state::now_timestamp();
    let ctx = hook.context().clone();
    let is_action = ctx.action.is_some();
    if let Some(rt) = ctl.units.get_mut(&unit) {
        rt.running = None;
        rt.since = SystemTime::now();
    }
    ctl.hooks_done += 1;
    let finished = if code == 0 {
        hook.commit(&mut ctl.model)
    } else {
        hook.discard(&mut ctl.model)
    };
    ctl.drain_model_log();
    if let (Some(action), Some(output)) = (&ctx.action, output) {
        ctl.action_outputs.insert(action.id.clone(), output);
    }
    let via = "via hook dispatching script: dispatch";
    match finished.committed {
        Some(report) => {
            ctl.unit_log(
                &unit,
                LogLevel::Info,
                "juju.worker.uniter",
                format!("ran {:?} hook ({via})", ctx.name),
            );
            if let Some(rt) = ctl.units.get_mut(&unit) {
                if !is_action {
                    rt.failure = None;
                }
                if ctx.name == "install" {
                    rt.installed = true;
                }
            }
            commit_leader_settings(ctl, &unit, leader);
            update_status_if_due(ctl, &unit);
            match order::after_commit(&ctl.model, &report) {
                Ok(hooks) => hooks.into_iter().for_each(|h| enqueue(ctl, h)),
                Err(err) => ctl.unit_log(&unit, LogLevel::Error, "juju.worker.uniter", err.to_string()),
            }
            secret_unused(ctl);
        }
        None => {
            let why = match &finished.commit_error {
                Some(err) => format!("commit failed: {err}"),
                None => format!("exit status {code}"),
            };
            if is_action {
                ctl.unit_log(
                    &unit,
                    LogLevel::Info,
                    "juju.worker.uniter",
                    format!("action {:?} failed: {why}", ctx.name),
                );
            } else {
                ctl.unit_log(
                    &unit,
                    LogLevel::Error,
                    "juju.worker.uniter",
                    format!("hook {:?} ({via}) failed: {why}", ctx.name),
                );
                fail(ctl, &unit, ctx, attempts, false);
            }
        }
    }
    schedule(shared, ctl);
}

/// Queues update-status on a unit that just went idle when its interval has passed
/// (the timer would do it at its next tick; this keeps short intervals exact).
fn update_status_if_due(ctl: &mut Controller, unit: &UnitName) {
    let interval = ctl.options.update_status_interval;
    let Some(rt) = ctl.units.get_mut(unit) else { return };
    if rt.installed
        && !rt.dying
        && rt.queue.is_empty()
        && rt.failure.is_none()
        && rt.last_update_status.elapsed() >= interval
    {
        rt.last_update_status = Instant::now();
        enqueue(ctl, HookContext::hook(unit.clone(), "update-status"));
    }
}

/// Puts `unit` in error for `ctx`, with a backoff before the retry.
pub(super) fn fail(ctl: &mut Controller, unit: &UnitName, ctx: HookContext, attempts: u32, is_action: bool) {
    if is_action {
        return;
    }
    let attempts = attempts + 1;
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(16));
    let delay = ctl
        .options
        .retry_delay
        .saturating_mul(factor)
        .min(ctl.options.retry_max);
    if let Some(rt) = ctl.units.get_mut(unit) {
        let since = rt.failure.as_ref().map(|f| f.since).unwrap_or_else(SystemTime::now);
        rt.failure = Some(Failure {
            hook: ctx,
            attempts,
            retry_at: Instant::now() + delay,
            since,
        });
    }
}

fn commit_leader_settings(ctl: &mut Controller, unit: &UnitName, leader: LeaderSettings) {
    if leader.pending.is_empty() || !ctl.model.is_leader(unit) {
        return;
    }
    let Some(app) = ctl.apps.get_mut(unit.app()) else {
        return;
    };
    let before = app.leader_settings.clone();
    for (k, v) in leader.pending {
        if v.is_empty() {
            app.leader_settings.remove(&k);
        } else {
            app.leader_settings.insert(k, v);
        }
    }
    if app.leader_settings != before {
        let others: Vec<UnitName> = ctl
            .units
            .keys()
            .filter(|u| u.app() == unit.app() && *u != unit)
            .cloned()
            .collect();
        for other in others {
            enqueue(ctl, HookContext::hook(other, "leader-settings-changed"));
        }
    }
}

/// Tells owners about secret revisions no unit tracks any more (once per revision).
fn secret_unused(ctl: &mut Controller) {
    let Ok(hooks) = order::secret_unused_revisions(&ctl.model) else {
        return;
    };
    for hook in hooks {
        let Some(secret) = &hook.secret else { continue };
        let key = (secret.uri.id().to_owned(), secret.revision.unwrap_or(0));
        if ctl.unused_told.insert(key) {
            enqueue(ctl, hook);
        }
    }
}
