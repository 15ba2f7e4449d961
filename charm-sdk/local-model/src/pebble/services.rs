//! Services as real supervised processes, with Pebble's state machine.
//!
//! A port of `internals/overlord/servstate/handlers.go`: a service is `starting` for one
//! second after spawn (exiting in that time fails the start with `exited quickly with code
//! N, will <action>`), then `running`; when it exits, `on-success`/`on-failure` decide
//! between restart with backoff (`backoff-delay` times `backoff-factor` per retry, capped at
//! `backoff-limit`, reset after running `backoff-limit` long), `ignore`, or shutting Pebble
//! down — which here emulates Kubernetes restarting the container (services stopped, plan
//! back to the rock's layers, [`super::PebbleEvent::Ready`] again). Stop sends SIGTERM to the
//! process group, SIGKILL after `kill-delay`, and gives up 5 s later.
//!
//! Every timer is a task that re-checks the state *and the process generation* under the
//! lock when it fires, so a timer from an earlier process never acts on a later one.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use juju_model::pebble::{Service, ServiceAction};
use nix::fcntl::OFlag;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::{pipe2, Pid};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::oneshot;

use super::command::service_argv;
use super::logs::{Entry, LogBuffer};
use super::state::{ProcessKind, Shared, State};
use crate::sandbox::users;
use crate::sandbox::RunOptions;

/// Time a service must survive to count as started.
pub(crate) const OKAY_DELAY: Duration = Duration::from_secs(1);
/// Time allowed after SIGKILL before a stop is declared failed.
pub(crate) const FAIL_DELAY: Duration = Duration::from_secs(5);
const DEFAULT_KILL_DELAY: Duration = Duration::from_secs(5);
const DEFAULT_BACKOFF_DELAY: Duration = Duration::from_millis(500);
const DEFAULT_BACKOFF_FACTOR: f64 = 2.0;
const DEFAULT_BACKOFF_LIMIT: Duration = Duration::from_secs(30);
/// Lines of output added to a failed start's task log.
const LAST_LOG_LINES: usize = 20;

/// Pebble's service states (`stateToStatus` maps them to the API's four).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SvcState {
    Initial,
    Starting,
    Running,
    Terminating,
    Killing,
    Stopped,
    Backoff,
    Exited,
}

impl SvcState {
    /// `active`, `inactive`, `backoff` or `error`.
    pub(crate) fn status(self) -> &'static str {
        match self {
            SvcState::Starting | SvcState::Running => "active",
            SvcState::Terminating | SvcState::Killing | SvcState::Stopped => "inactive",
            SvcState::Backoff => "backoff",
            SvcState::Initial | SvcState::Exited => "error",
        }
    }

    fn name(self) -> &'static str {
        match self {
            SvcState::Initial => "initial",
            SvcState::Starting => "starting",
            SvcState::Running => "running",
            SvcState::Terminating => "terminating",
            SvcState::Killing => "killing",
            SvcState::Stopped => "stopped",
            SvcState::Backoff => "backoff",
            SvcState::Exited => "exited",
        }
    }

    /// Whether a process of the service may be alive.
    pub(crate) fn has_process(self) -> bool {
        matches!(
            self,
            SvcState::Starting | SvcState::Running | SvcState::Terminating | SvcState::Killing
        )
    }
}

/// One service under supervision.
pub(crate) struct ServiceData {
    pub(crate) state: SvcState,
    pub(crate) config: Service,
    pub(crate) pid: Option<u32>,
    /// Incremented for every process spawned.
    pub(crate) generation: u64,
    backoff_num: u32,
    backoff_time: Duration,
    /// Terminating because of a check failure: restart on exit.
    restarting: bool,
    pub(crate) current_since: SystemTime,
    started_tx: Option<oneshot::Sender<Result<(), String>>>,
    stopped_tx: Vec<oneshot::Sender<Result<(), String>>>,
    pub(crate) logs: LogBuffer,
}

impl ServiceData {
    fn new(config: Service) -> Self {
        Self {
            state: SvcState::Initial,
            config,
            pid: None,
            generation: 0,
            backoff_num: 0,
            backoff_time: Duration::ZERO,
            restarting: false,
            current_since: SystemTime::now(),
            started_tx: None,
            stopped_tx: Vec::new(),
            logs: LogBuffer::default(),
        }
    }

    fn transition(&mut self, state: SvcState) {
        if self.state.status() != state.status() {
            self.current_since = SystemTime::now();
        }
        self.state = state;
        self.restarting = false;
    }

    fn kill_delay(&self) -> Duration {
        self.config
            .kill_delay
            .and_then(|d| d.to_std())
            .unwrap_or(DEFAULT_KILL_DELAY)
    }

    fn backoff_limit(&self) -> Duration {
        self.config
            .backoff_limit
            .and_then(|d| d.to_std())
            .unwrap_or(DEFAULT_BACKOFF_LIMIT)
    }

    fn next_backoff(&self) -> Duration {
        let delay = self
            .config
            .backoff_delay
            .and_then(|d| d.to_std())
            .unwrap_or(DEFAULT_BACKOFF_DELAY);
        let limit = self.backoff_limit();
        if self.backoff_time.is_zero() {
            return delay;
        }
        if self.backoff_time >= limit {
            return limit;
        }
        let factor = self.config.backoff_factor.unwrap_or(DEFAULT_BACKOFF_FACTOR);
        self.backoff_time.mul_f64(factor.max(1.0)).min(limit)
    }

    /// Sends `signal` to the service's process group.
    fn signal_group(&self, signal: Signal) {
        if let Some(pid) = self.pid.and_then(|p| i32::try_from(p).ok()) {
            let _ = killpg(Pid::from_raw(pid), signal);
        }
    }
}

/// What a start or stop task did: an error, and lines for the task log.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) error: Option<String>,
    pub(crate) info: Vec<String>,
}

impl Outcome {
    fn info(message: String) -> Self {
        Self {
            error: None,
            info: vec![message],
        }
    }

    fn error(message: String) -> Self {
        Self {
            error: Some(message),
            info: Vec::new(),
        }
    }
}

/// Pebble's exit code of a finished process: its code, or 128 + the signal.
pub(crate) fn exit_code(status: std::process::ExitStatus) -> i32 {
    status.code().or_else(|| status.signal().map(|s| 128 + s)).unwrap_or(-1)
}

fn jitter(duration: Duration) -> Duration {
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    duration.mul_f64(f64::from(seed % 1000) / 10_000.0)
}

/// Starts a service (the `start` task): spawns it and waits out the okay delay.
pub(crate) async fn start(shared: &Arc<Shared>, name: &str) -> Outcome {
    let started = {
        let mut st = shared.lock();
        if st.stopping {
            return Outcome::error("cannot start service: Pebble is shutting down".into());
        }
        if st.restarting {
            return Outcome::error("cannot start service: the container is restarting".into());
        }
        let Some(config) = st.plan.services.get(name).cloned() else {
            return Outcome::error(format!("cannot find service {name:?} in plan"));
        };
        let service = st
            .services
            .entry(name.to_owned())
            .or_insert_with(|| ServiceData::new(config.clone()));
        service.config = config;
        match service.state {
            SvcState::Starting | SvcState::Running => {
                return Outcome::info(format!("Service {name:?} already started."));
            }
            SvcState::Backoff | SvcState::Stopped | SvcState::Exited => {
                service.backoff_num = 0;
                service.backoff_time = Duration::ZERO;
                service.transition(SvcState::Initial);
            }
            SvcState::Initial => {}
            other @ (SvcState::Terminating | SvcState::Killing) => {
                return Outcome::error(format!("cannot start service while {}", other.name()));
            }
        }
        let (tx, rx) = oneshot::channel();
        if let Err(e) = spawn(shared, &mut st, name) {
            if let Some(service) = st.services.get_mut(name) {
                service.transition(SvcState::Stopped);
            }
            return Outcome::error(e);
        }
        let Some(service) = st.services.get_mut(name) else {
            return Outcome::error(format!("cannot find service {name:?}"));
        };
        service.started_tx = Some(tx);
        service.transition(SvcState::Starting);
        let generation = service.generation;
        let shared2 = shared.clone();
        let name2 = name.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(OKAY_DELAY).await;
            okay_elapsed(&shared2, &name2, generation);
        });
        rx
    };
    match started.await {
        Ok(Ok(())) => Outcome::default(),
        Ok(Err(e)) => {
            let logs = shared
                .lock()
                .services
                .get(name)
                .map(|s| s.logs.tail_text(LAST_LOG_LINES))
                .unwrap_or_default();
            let mut outcome = Outcome::error(format!("service start attempt: {e}"));
            if !logs.is_empty() {
                outcome.info.push(format!("Most recent service output:\n{logs}"));
            }
            outcome
        }
        Err(_) => Outcome::error("service start attempt: abandoned".into()),
    }
}

fn okay_elapsed(shared: &Arc<Shared>, name: &str, generation: u64) {
    let mut st = shared.lock();
    let Some(service) = st.services.get_mut(name) else {
        return;
    };
    if service.generation != generation || service.state != SvcState::Starting {
        return;
    }
    if let Some(tx) = service.started_tx.take() {
        let _ = tx.send(Ok(()));
    }
    service.transition(SvcState::Running);
}

/// Spawns the service's process (Pebble's `startInternal`); the caller sets the state.
fn spawn(shared: &Arc<Shared>, st: &mut State, name: &str) -> Result<(), String> {
    let Some(service) = st.services.get_mut(name) else {
        return Err(format!("cannot find service {name:?}"));
    };
    let config = service.config.clone();
    let argv = service_argv(config.command.as_deref().unwrap_or_default())?;
    let mut env = shared.base_env();
    env.extend(config.environment.clone());
    let (uid, gid) = users::normalize(
        &shared.sandbox.users,
        config.user_id,
        config.group_id,
        config.user.as_deref(),
        config.group.as_deref(),
    )?;
    if let Some(uid) = uid {
        if let Some((user, home)) = users::name_and_home(uid) {
            env.entry("HOME".into()).or_insert(home);
            env.entry("USER".into()).or_insert(user);
        }
    }
    if shared
        .sandbox
        .find_executable(&argv[0], env.get("PATH").map(String::as_str))
        .is_none()
    {
        return Err(if argv[0].contains('/') {
            format!("cannot start service: fork/exec {}: no such file or directory", argv[0])
        } else {
            format!(
                "cannot start service: exec: {:?}: executable file not found in $PATH",
                argv[0]
            )
        });
    }
    let current = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
    let (uid, gid) = match (uid, gid) {
        (Some(u), Some(g)) if (u, g) != current => (Some(u), Some(g)),
        _ => (None, None),
    };
    let options = RunOptions {
        working_dir: config.working_dir.clone().filter(|d| !d.is_empty()),
        uid,
        gid,
        new_session: false,
    };
    let (reader, writer) = pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("cannot start service: pipe: {e}"))?;
    let writer2 = writer
        .try_clone()
        .map_err(|e| format!("cannot start service: pipe: {e}"))?;
    let mut command = shared.sandbox.command_with(&argv, &options);
    command
        .envs(&env)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer))
        .stderr(Stdio::from(writer2));
    let mut child = {
        let mut command = tokio::process::Command::from(command);
        command.spawn().map_err(|e| format!("cannot start service: {e}"))?
    };
    let pid = child.id().ok_or_else(|| "cannot start service: no PID".to_owned())?;
    service.generation += 1;
    service.pid = Some(pid);
    let generation = service.generation;
    let reset_after = service.backoff_limit();
    st.processes.insert(pid, ProcessKind::Service);

    let name = name.to_owned();
    tokio::spawn(pump_logs(shared.clone(), name.clone(), reader));
    let shared2 = shared.clone();
    let name2 = name.clone();
    tokio::spawn(async move {
        let code = match child.wait().await {
            Ok(status) => exit_code(status),
            Err(_) => -1,
        };
        exited(&shared2, &name2, generation, pid, code);
    });
    let shared3 = shared.clone();
    tokio::spawn(async move {
        tokio::time::sleep(reset_after).await;
        let mut st = shared3.lock();
        if let Some(service) = st.services.get_mut(&name) {
            if service.generation == generation && service.state == SvcState::Running {
                service.backoff_num = 0;
                service.backoff_time = Duration::ZERO;
            }
        }
    });
    Ok(())
}

/// Copies the service's output into its ring buffer (and the log file), line by line.
async fn pump_logs(shared: Arc<Shared>, name: String, reader: OwnedFd) {
    let Ok(pipe) = tokio::net::unix::pipe::Receiver::from_owned_fd(reader) else {
        return;
    };
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut message = String::from_utf8_lossy(&line).into_owned();
        if !message.ends_with('\n') {
            message.push('\n');
        }
        let entry = Entry {
            time: SystemTime::now(),
            service: name.clone(),
            message,
        };
        shared.write_log(&entry);
        let mut st = shared.lock();
        if let Some(service) = st.services.get_mut(&name) {
            service.logs.push(entry);
        }
    }
}

/// The action for an exit, from the plan (default `restart`).
fn action_for(config: &Service, success: bool) -> (ServiceAction, &'static str) {
    let (action, on) = if success {
        (config.on_success.clone(), "on-success")
    } else {
        (config.on_failure.clone(), "on-failure")
    };
    (action.unwrap_or(ServiceAction::Restart), on)
}

/// The process of a service exited (Pebble's `exited`).
fn exited(shared: &Arc<Shared>, name: &str, generation: u64, pid: u32, code: i32) {
    let mut restart_container = false;
    {
        let mut st = shared.lock();
        st.processes.remove(&pid);
        let stopping = st.stopping;
        let Some(service) = st.services.get_mut(name) else {
            return;
        };
        if service.generation != generation {
            return;
        }
        service.pid = None;
        match service.state {
            SvcState::Starting | SvcState::Running => {
                let (action, _) = action_for(&service.config, code == 0);
                if service.state == SvcState::Starting {
                    if let Some(tx) = service.started_tx.take() {
                        let _ = tx.send(Err(format!("exited quickly with code {code}, will {action}")));
                    }
                }
                match action {
                    ServiceAction::Ignore => {
                        service.transition(if code == 0 { SvcState::Stopped } else { SvcState::Exited });
                    }
                    ServiceAction::Shutdown | ServiceAction::SuccessShutdown | ServiceAction::FailureShutdown => {
                        service.transition(SvcState::Exited);
                        restart_container = true;
                    }
                    _ if stopping => service.transition(SvcState::Stopped),
                    _ => backoff(shared, service, name),
                }
            }
            SvcState::Terminating | SvcState::Killing => {
                if service.restarting && !stopping {
                    backoff(shared, service, name);
                } else {
                    for tx in service.stopped_tx.drain(..) {
                        let _ = tx.send(Ok(()));
                    }
                    service.transition(SvcState::Stopped);
                }
            }
            _ => {}
        }
    }
    if restart_container {
        super::restart::trigger(shared, format!("service {name:?} exited with code {code}"));
    }
}

/// Waits before restarting (Pebble's `doBackoff`).
fn backoff(shared: &Arc<Shared>, service: &mut ServiceData, name: &str) {
    service.backoff_num += 1;
    service.backoff_time = service.next_backoff();
    service.transition(SvcState::Backoff);
    let delay = service.backoff_time + jitter(service.backoff_time);
    let generation = service.generation;
    let shared = shared.clone();
    let name = name.to_owned();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        backoff_elapsed(&shared, &name, generation);
    });
}

fn backoff_elapsed(shared: &Arc<Shared>, name: &str, generation: u64) {
    let mut st = shared.lock();
    if st.stopping || st.restarting {
        return;
    }
    match st.services.get(name) {
        Some(service) if service.generation == generation && service.state == SvcState::Backoff => {}
        _ => return,
    }
    if let Some(config) = st.plan.services.get(name).cloned() {
        if let Some(service) = st.services.get_mut(name) {
            service.config = config;
        }
    }
    let result = spawn(shared, &mut st, name);
    if let Some(service) = st.services.get_mut(name) {
        match result {
            Ok(()) => service.transition(SvcState::Running),
            Err(e) => {
                service.logs.push(Entry {
                    time: SystemTime::now(),
                    service: name.to_owned(),
                    message: format!("local-model: cannot restart service: {e}\n"),
                });
                service.transition(SvcState::Exited);
            }
        }
    }
}

/// Stops a service (the `stop` task): SIGTERM, SIGKILL after the kill delay.
pub(crate) async fn stop(shared: &Arc<Shared>, name: &str) -> Outcome {
    let stopped = {
        let mut st = shared.lock();
        let Some(service) = st.services.get_mut(name) else {
            return Outcome::info(format!("Service {name:?} has never been started."));
        };
        match service.state {
            SvcState::Terminating | SvcState::Killing => {
                return Outcome::info(format!("Service {name:?} already stopping."));
            }
            SvcState::Stopped => return Outcome::info(format!("Service {name:?} already stopped.")),
            SvcState::Exited => {
                service.transition(SvcState::Stopped);
                return Outcome::info(format!("Service {name:?} had already exited."));
            }
            SvcState::Backoff => {
                service.transition(SvcState::Stopped);
                return Outcome::default();
            }
            SvcState::Initial => return Outcome::error("cannot stop service while initial".into()),
            SvcState::Starting | SvcState::Running => {
                if let Some(tx) = service.started_tx.take() {
                    let _ = tx.send(Err(format!("stopped before the {} okay delay", "1s")));
                }
                let (tx, rx) = oneshot::channel();
                service.stopped_tx.push(tx);
                terminate(shared, service, name, false);
                rx
            }
        }
    };
    match stopped.await {
        Ok(Ok(())) => Outcome::default(),
        Ok(Err(e)) => Outcome::error(format!("cannot stop service: {e}")),
        Err(_) => Outcome::error("cannot stop service: abandoned".into()),
    }
}

/// SIGTERM to the group, then the kill-delay timer.
fn terminate(shared: &Arc<Shared>, service: &mut ServiceData, name: &str, restarting: bool) {
    service.signal_group(Signal::SIGTERM);
    service.transition(SvcState::Terminating);
    service.restarting = restarting;
    let generation = service.generation;
    let delay = service.kill_delay();
    let shared = shared.clone();
    let name = name.to_owned();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        terminate_elapsed(&shared, &name, generation);
    });
}

fn terminate_elapsed(shared: &Arc<Shared>, name: &str, generation: u64) {
    let mut st = shared.lock();
    let Some(service) = st.services.get_mut(name) else {
        return;
    };
    if service.generation != generation || service.state != SvcState::Terminating {
        return;
    }
    service.signal_group(Signal::SIGKILL);
    let restarting = service.restarting;
    service.transition(SvcState::Killing);
    service.restarting = restarting;
    let shared = shared.clone();
    let name = name.to_owned();
    tokio::spawn(async move {
        tokio::time::sleep(FAIL_DELAY).await;
        let mut st = shared.lock();
        let Some(service) = st.services.get_mut(&name) else {
            return;
        };
        if service.generation != generation || service.state != SvcState::Killing {
            return;
        }
        for tx in service.stopped_tx.drain(..) {
            let _ = tx.send(Err("process still running after SIGTERM and SIGKILL".into()));
        }
        service.transition(SvcState::Stopped);
    });
}

/// A check named `check` reached its failure threshold: apply `on-check-failure`.
pub(crate) fn check_failed(shared: &Arc<Shared>, check: &str) {
    let mut restart_container = None;
    {
        let mut st = shared.lock();
        let names: Vec<String> = st.services.keys().cloned().collect();
        for name in names {
            let Some(service) = st.services.get_mut(&name) else {
                continue;
            };
            let Some(action) = service.config.on_check_failure.get(check).cloned() else {
                continue;
            };
            if !matches!(service.state, SvcState::Running | SvcState::Backoff | SvcState::Exited) {
                continue;
            }
            match action {
                ServiceAction::Restart => match service.state {
                    SvcState::Running => terminate(shared, service, &name, true),
                    SvcState::Exited => backoff(shared, service, &name),
                    _ => {}
                },
                ServiceAction::Shutdown | ServiceAction::SuccessShutdown => {
                    restart_container = Some(format!("check {check:?} failed (service {name:?})"));
                }
                _ => {}
            }
        }
    }
    if let Some(reason) = restart_container {
        super::restart::trigger(shared, reason);
    }
}

/// Sends a signal to running services (`POST /v1/signals`); Pebble's error texts.
pub(crate) fn send_signal(st: &State, names: &[String], signal: Signal) -> Result<(), String> {
    let mut errors = Vec::new();
    for name in names {
        match st.services.get(name) {
            Some(service) if matches!(service.state, SvcState::Starting | SvcState::Running) => {
                if let Some(pid) = service.pid.and_then(|p| i32::try_from(p).ok()) {
                    if let Err(e) = nix::sys::signal::kill(Pid::from_raw(pid), signal) {
                        errors.push(format!("cannot send signal to {name:?}: {e}"));
                    }
                }
            }
            _ => errors.push(format!("cannot send signal to {name:?}: service is not running")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// `GET /v1/services` entries.
pub(crate) fn infos(st: &State, names: &[String]) -> Vec<serde_json::Value> {
    st.plan
        .services
        .iter()
        .filter(|(name, _)| names.is_empty() || names.contains(name))
        .map(|(name, config)| {
            let startup = match config.startup {
                Some(juju_model::pebble::Startup::Enabled) => "enabled",
                _ => "disabled",
            };
            let mut info = serde_json::json!({"name": name, "startup": startup, "current": "inactive"});
            if let Some(service) = st.services.get(name) {
                info["current"] = serde_json::json!(service.state.status());
                info["current-since"] = serde_json::json!(super::timefmt::rfc3339_nano(service.current_since));
            }
            info
        })
        .collect()
}

/// Replan's work (Pebble's `ServiceManager.Replan`): services whose configuration changed
/// since they were started are stopped and started again; `startup: enabled` ones are
/// started. Returns (stop, start) names.
pub(crate) fn replan_sets(st: &mut State) -> (Vec<String>, Vec<String>) {
    let plan = st.plan.clone();
    let mut needs_restart = BTreeMap::new();
    for (name, service) in st.services.iter_mut() {
        if let Some(config) = plan.services.get(name) {
            if *config == service.config {
                continue;
            }
            service.config = config.clone();
        }
        needs_restart.insert(name.clone(), ());
    }
    let stop: Vec<String> = needs_restart.keys().cloned().collect();
    let start: Vec<String> = plan
        .services
        .iter()
        .filter(|(name, config)| {
            needs_restart.contains_key(*name) || config.startup == Some(juju_model::pebble::Startup::Enabled)
        })
        .map(|(name, _)| name.clone())
        .collect();
    (stop, start)
}

/// Stops every service for shutdown or a container restart; waits for all of them.
pub(crate) async fn stop_all(shared: &Arc<Shared>) -> Vec<String> {
    let names: Vec<String> = {
        let st = shared.lock();
        st.services
            .iter()
            .filter(|(_, s)| matches!(s.state, SvcState::Starting | SvcState::Running | SvcState::Backoff))
            .map(|(n, _)| n.clone())
            .collect()
    };
    let mut errors = Vec::new();
    let stops = names.iter().map(|name| async move { (name, stop(shared, name).await) });
    for (name, outcome) in futures_util::future::join_all(stops).await {
        if let Some(e) = outcome.error {
            errors.push(format!("{name}: {e}"));
        }
    }
    // Services already stopping: wait until they are gone.
    let deadline = tokio::time::Instant::now() + DEFAULT_KILL_DELAY + FAIL_DELAY;
    loop {
        let busy = shared
            .lock()
            .services
            .values()
            .any(|s| matches!(s.state, SvcState::Terminating | SvcState::Killing));
        if !busy || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    errors
}
