//! Running hooks: one at a time per unit, as real processes, committed on exit 0.
//!
//! [`schedule`] looks at every unit that is not running a hook and starts the next step of
//! its queue (or the retry of a failed hook once its backoff has passed). A hook is a
//! process of the unit's `dispatch` (else `hooks/<name>` / `actions/<name>`; a missing
//! hook is skipped as Juju does) with the exact `JUJU_*` environment; a thread waits for it
//! and calls [`finish`], which commits or discards the hook's session, queues the hooks the
//! commit triggers on other units (`order::after_commit`), and schedules again.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use juju_model::tools::LogLevel;
use juju_model::UnitName;
use juju_rules::{order, Hook, HookContext};

use super::state::{ActionOutput, Controller, Failure, Item, Running, Session};
use super::{topology, workload, Shared};
use crate::tools::LeaderSettings;

/// Starts whatever can start now on every unit.
pub(crate) fn schedule(shared: &Arc<Shared>, ctl: &mut Controller) {
    if ctl.shutting_down {
        return;
    }
    let names: Vec<UnitName> = ctl.units.keys().cloned().collect();
    for unit in names {
        run_next(shared, ctl, &unit);
    }
    shared.changed.notify_all();
}

fn run_next(shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName) {
    loop {
        let Some(rt) = ctl.units.get_mut(unit) else { return };
        if rt.running.is_some() {
            return;
        }
        if let Some(failure) = &rt.failure {
            let action_first = matches!(rt.queue.front(), Some(Item::Hook(h)) if h.action.is_some());
            if !action_first {
                if Instant::now() < failure.retry_at {
                    return;
                }
                let (hook, attempts) = (failure.hook.clone(), failure.attempts);
                if start(shared, ctl, unit, hook, attempts) {
                    return;
                }
                if let Some(rt) = ctl.units.get_mut(unit) {
                    rt.failure = None;
                }
                continue;
            }
        }
        let Some(item) = rt.queue.pop_front() else { return };
        match item {
            Item::Hook(ctx) => {
                if let Some(container) = ctx.name.strip_suffix("-pebble-ready").map(str::to_owned) {
                    if let Some(c) = rt.containers.get_mut(&container) {
                        if !c.ready {
                            c.awaiting_ready = true;
                            continue;
                        }
                    }
                }
                if start(shared, ctl, unit, ctx, 0) {
                    return;
                }
            }
            Item::Upgrade => topology::upgrade_unit(shared, ctl, unit),
            Item::RemoveUnit => {
                topology::finalize_unit(ctl, unit);
                return;
            }
            Item::LeaveRelation(id) => topology::leave_relation(ctl, id),
        }
    }
}

/// The program Juju would run for `ctx` in `charm_dir`, if any.
fn handler(charm_dir: &Path, ctx: &HookContext) -> Option<PathBuf> {
    let dispatch = charm_dir.join("dispatch");
    if dispatch.is_file() {
        return Some(dispatch);
    }
    let legacy = match &ctx.action {
        Some(action) => charm_dir.join("actions").join(&action.name),
        None => charm_dir.join("hooks").join(&ctx.name),
    };
    legacy.is_file().then_some(legacy)
}

/// The environment of the hook process.
fn hook_env(ctl: &Controller, ctx: &HookContext, context_id: &str) -> juju_rules::RuleResult<Vec<(String, String)>> {
    let env = ctx.to_env(&ctl.model)?;
    let charm_dir = ctl.layout.unit_charm(&ctx.unit);
    let mut vars: Vec<(String, String)> = env
        .to_vars()
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "JUJU_CHARM_DIR" | "JUJU_CONTEXT_ID"))
        .collect();
    let charm = charm_dir.to_string_lossy().into_owned();
    let path = format!(
        "{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ctl.layout.tools().display()
    );
    let mut always = vec![
        ("JUJU_CHARM_DIR", charm.clone()),
        ("CHARM_DIR", charm),
        ("JUJU_CONTEXT_ID", context_id.to_owned()),
        ("JUJU_AGENT_SOCKET_ADDRESS", ctl.layout.agent_socket()),
        ("JUJU_AGENT_SOCKET_NETWORK", "unix".to_owned()),
        ("JUJU_API_ADDRESSES", String::new()),
        ("JUJU_MACHINE_ID", String::new()),
        ("JUJU_PRINCIPAL_UNIT", String::new()),
        ("JUJU_AVAILABILITY_ZONE", String::new()),
        ("CLOUD_API_VERSION", String::new()),
        ("PATH", path),
        ("LANG", "C.UTF-8".to_owned()),
        ("HOME", ctl.layout.unit(&ctx.unit).to_string_lossy().into_owned()),
    ];
    // Exported even when empty (juju-contract.md §1.3): JUJU_REMOTE_UNIT on created,
    // broken and app-only changes; JUJU_SECRET_LABEL on secret hooks.
    if ctx.relation.is_some() && ctx.remote_unit.is_none() {
        always.push(("JUJU_REMOTE_UNIT", String::new()));
    }
    if ctx.secret.as_ref().is_some_and(|s| s.label.is_none()) {
        always.push(("JUJU_SECRET_LABEL", String::new()));
    }
    vars.extend(always.into_iter().map(|(k, v)| (k.to_owned(), v)));
    Ok(vars)
}

/// Starts `ctx` on `unit`. Returns false when there is no process to wait for: the hook
/// does not apply any more (unit or relation gone) or the charm has no handler for it.
fn start(shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName, ctx: HookContext, attempts: u32) -> bool {
    ctl.model.now = super::state::now_timestamp();
    let name = ctx.name.clone();
    let is_action = ctx.action.is_some();
    let mut hook = match Hook::begin(&mut ctl.model, ctx.clone()) {
        Ok(hook) => hook,
        Err(err) => {
            ctl.unit_log(unit, LogLevel::Debug, "juju.worker.uniter", format!("skipped {name:?}: {err}"));
            return false;
        }
    };
    let charm_dir = ctl.layout.unit_charm(unit);
    let Some(program) = handler(&charm_dir, &ctx) else {
        ctl.unit_log(unit, LogLevel::Debug, "juju.worker.uniter", format!("skipped {name:?}: no handler"));
        let _ = hook.action_fail(&mut ctl.model, "action not implemented on unit");
        let finished = if is_action { hook.discard(&mut ctl.model) } else { hook.commit(&mut ctl.model) };
        drop(finished);
        ctl.hooks_done += 1;
        return false;
    };
    let context_id = format!("{unit}-{name}-{}", ctl.next_context);
    ctl.next_context += 1;
    let env = match hook_env(ctl, &ctx, &context_id) {
        Ok(env) => env,
        Err(err) => {
            ctl.unit_log(unit, LogLevel::Debug, "juju.worker.uniter", format!("skipped {name:?}: {err}"));
            hook.discard(&mut ctl.model);
            return false;
        }
    };
    let mut command = workload::hook_command(ctl, unit, &program, &charm_dir);
    command
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = match spawn_retrying(&mut command) {
        Ok(child) => child,
        Err(err) => {
            ctl.unit_log(
                unit,
                LogLevel::Error,
                "juju.worker.uniter",
                format!("cannot start hook {name:?}: {err}"),
            );
            hook.discard(&mut ctl.model);
            fail(ctl, unit, ctx, attempts, is_action);
            return false;
        }
    };
    let pid = child.id();
    let leader = LeaderSettings {
        committed: ctl
            .apps
            .get(unit.app())
            .map(|a| a.leader_settings.clone())
            .unwrap_or_default(),
        pending: Default::default(),
    };
    ctl.sessions.insert(
        context_id.clone(),
        Session {
            hook,
            unit: unit.clone(),
            leader,
            attempts,
        },
    );
    if let Some(rt) = ctl.units.get_mut(unit) {
        rt.running = Some(Running {
            context_id: context_id.clone(),
            name: name.clone(),
            pid,
        });
        rt.since = SystemTime::now();
    }
    let waiter = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name(format!("hook {context_id}"))
        .spawn(move || wait_hook(&waiter, child, context_id, is_action));
    if spawned.is_err() {
        crate::process::stop_group(pid, Duration::from_secs(1));
    }
    true
}

/// Spawns, retrying briefly on `ETXTBSY` (a charm file written moments ago).
fn spawn_retrying(command: &mut std::process::Command) -> std::io::Result<Child> {
    let mut attempts = 0;
    loop {
        match command.spawn() {
            Err(err) if err.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Forwards one output stream to the debug log, keeping a copy for actions.
fn pump(
    shared: Arc<Shared>,
    stream: impl Read + Send + 'static,
    unit: UnitName,
    level: LogLevel,
    copy: Arc<Mutex<String>>,
    done: mpsc::Sender<()>,
) {
    let _ = std::thread::Builder::new().name("hook output".to_owned()).spawn(move || {
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

fn wait_hook(shared: &Arc<Shared>, mut child: Child, context_id: String, is_action: bool) {
    let unit = shared.lock().sessions.get(&context_id).map(|s| s.unit.clone());
    let stdout = Arc::new(Mutex::new(String::new()));
    let stderr = Arc::new(Mutex::new(String::new()));
    let (done_tx, done_rx) = mpsc::channel();
    let mut pumps = 0;
    if let Some(unit) = unit {
        if let Some(out) = child.stdout.take() {
            pump(Arc::clone(shared), out, unit.clone(), LogLevel::Debug, Arc::clone(&stdout), done_tx.clone());
            pumps += 1;
        }
        if let Some(err) = child.stderr.take() {
            pump(Arc::clone(shared), err, unit, LogLevel::Warning, Arc::clone(&stderr), done_tx.clone());
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
    let Some(session) = ctl.sessions.remove(context_id) else { return };
    let Session {
        hook,
        unit,
        leader,
        attempts,
    } = session;
    ctl.model.now = super::state::now_timestamp();
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
            ctl.unit_log(&unit, LogLevel::Info, "juju.worker.uniter", format!("ran {:?} hook ({via})", ctx.name));
            if let Some(rt) = ctl.units.get_mut(&unit) {
                if !is_action {
                    rt.failure = None;
                }
                if ctx.name == "install" {
                    rt.installed = true;
                }
            }
            commit_leader_settings(ctl, &unit, leader);
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
                ctl.unit_log(&unit, LogLevel::Info, "juju.worker.uniter", format!("action {:?} failed: {why}", ctx.name));
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

/// Puts `unit` in error for `ctx`, with a backoff before the retry.
fn fail(ctl: &mut Controller, unit: &UnitName, ctx: HookContext, attempts: u32, is_action: bool) {
    if is_action {
        return;
    }
    let attempts = attempts + 1;
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(16));
    let delay = ctl.options.retry_delay.saturating_mul(factor).min(ctl.options.retry_max);
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
    let Some(app) = ctl.apps.get_mut(unit.app()) else { return };
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
pub(crate) fn secret_unused(ctl: &mut Controller) {
    let Ok(hooks) = order::secret_unused_revisions(&ctl.model) else { return };
    for hook in hooks {
        let Some(secret) = &hook.secret else { continue };
        let key = (secret.uri.id().to_owned(), secret.revision.unwrap_or(0));
        if ctl.unused_told.insert(key) {
            enqueue(ctl, hook);
        }
    }
}

/// Hooks that coalesce with an identical one still queued, as Juju's uniter does.
fn coalesces(name: &str) -> bool {
    name.ends_with("-relation-changed")
        || name.ends_with("-pebble-ready")
        || matches!(
            name,
            "config-changed" | "update-status" | "leader-settings-changed" | "secret-changed" | "upgrade-charm"
        )
}

/// Queues `ctx` on its unit (dropped when the unit is gone, or is dying and the hook is
/// not part of its teardown).
pub(crate) fn enqueue(ctl: &mut Controller, ctx: HookContext) {
    let Some(rt) = ctl.units.get_mut(&ctx.unit) else { return };
    if rt.dying && ctx.relation.is_none() && !matches!(ctx.name.as_str(), "stop" | "remove")
        && !ctx.name.ends_with("-storage-detaching")
    {
        return;
    }
    if coalesces(&ctx.name) && rt.queue.iter().any(|i| matches!(i, Item::Hook(q) if *q == ctx)) {
        return;
    }
    rt.queue.push_back(Item::Hook(ctx));
}

/// Queues an action ahead of hooks (after other queued actions), as Juju runs pending
/// actions before new hooks.
pub(crate) fn enqueue_action(ctl: &mut Controller, ctx: HookContext) {
    let Some(rt) = ctl.units.get_mut(&ctx.unit) else { return };
    let at = rt
        .queue
        .iter()
        .position(|i| !matches!(i, Item::Hook(h) if h.action.is_some()))
        .unwrap_or(rt.queue.len());
    rt.queue.insert(at, Item::Hook(ctx));
}
