//! Starting a hook: the program Juju would run, its exact environment, the process in
//! the unit's sandbox, and the thread that waits for it.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use juju_model::tools::LogLevel;
use juju_model::UnitName;
use juju_rules::{Hook, HookContext};

use super::finish::{fail, wait_hook};
use crate::daemon::state::{Controller, Running, Session};
use crate::daemon::{workload, Shared};
use crate::tools::LeaderSettings;

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
pub(super) fn start(
    shared: &Arc<Shared>,
    ctl: &mut Controller,
    unit: &UnitName,
    ctx: HookContext,
    attempts: u32,
) -> bool {
    ctl.model.now = crate::daemon::state::now_timestamp();
    let name = ctx.name.clone();
    let is_action = ctx.action.is_some();
    let mut hook = match Hook::begin(&mut ctl.model, ctx.clone()) {
        Ok(hook) => hook,
        Err(err) => {
            ctl.unit_log(
                unit,
                LogLevel::Debug,
                "juju.worker.uniter",
                format!("skipped {name:?}: {err}"),
            );
            return false;
        }
    };
    let charm_dir = ctl.layout.unit_charm(unit);
    let Some(program) = handler(&charm_dir, &ctx) else {
        ctl.unit_log(
            unit,
            LogLevel::Debug,
            "juju.worker.uniter",
            format!("skipped {name:?}: no handler"),
        );
        let _ = hook.action_fail(&mut ctl.model, "action not implemented on unit");
        let finished = if is_action {
            hook.discard(&mut ctl.model)
        } else {
            hook.commit(&mut ctl.model)
        };
        drop(finished);
        ctl.hooks_done += 1;
        return false;
    };
    let context_id = format!("{unit}-{name}-{}", ctl.next_context);
    ctl.next_context += 1;
    let env = match hook_env(ctl, &ctx, &context_id) {
        Ok(env) => env,
        Err(err) => {
            ctl.unit_log(
                unit,
                LogLevel::Debug,
                "juju.worker.uniter",
                format!("skipped {name:?}: {err}"),
            );
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
