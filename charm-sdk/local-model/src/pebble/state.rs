//! Everything one Pebble knows, behind one lock, and the plumbing around it.
//!
//! [`Shared`] is what every request handler and background task holds: the sandbox, the
//! [`State`] mutex (layers and plan, changes, notices, services, checks, exec sessions, the
//! PIDs of every process started), a version counter that long-polls (`/wait`, notices with
//! `timeout`) watch, and the channel for [`PebbleEvent`]s. The lock is a `std` mutex and is
//! never held across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Write;
use std::sync::mpsc::Sender;
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use juju_model::pebble::{Layer, Plan};
use serde_json::{Map, Value};
use tokio::sync::watch;

use super::changes::{log_line, Change, Status, Task};
use super::checks::CheckData;
use super::exec::ExecSlot;
use super::logs::Entry;
use super::notices::Notices;
use super::services::ServiceData;
use super::{PebbleEvent, PebbleOptions};
use crate::sandbox::Sandbox;

/// What a tracked process is, for shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProcessKind {
    /// A service (own process group).
    Service,
    /// An exec command (own session).
    Exec,
    /// An exec health check (own process group).
    Check,
}

/// The mutable state of one Pebble.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) layers: Vec<(String, Layer)>,
    pub(crate) plan: Plan,
    pub(crate) changes: BTreeMap<u64, Change>,
    pub(crate) next_change: u64,
    pub(crate) next_task: u64,
    pub(crate) notices: Notices,
    pub(crate) services: BTreeMap<String, ServiceData>,
    pub(crate) checks: BTreeMap<String, CheckData>,
    pub(crate) execs: HashMap<String, ExecSlot>,
    /// Every live process started, by PID (each leads its own group or session).
    pub(crate) processes: BTreeMap<u32, ProcessKind>,
    /// `shutdown()` is running: start nothing new.
    pub(crate) stopping: bool,
    /// A container restart (Pebble "shutdown" action) is in progress.
    pub(crate) restarting: bool,
    /// Container restarts so far.
    pub(crate) restarts: u32,
}

impl State {
    /// Creates a change with one task per `(kind, summary)`; returns its id and the task ids.
    pub(crate) fn new_change(
        &mut self,
        kind: &str,
        summary: String,
        tasks: &[(String, String)],
        service_names: Vec<String>,
    ) -> (String, Vec<String>) {
        self.next_change += 1;
        let change_number = self.next_change;
        let now = SystemTime::now();
        let mut task_ids = Vec::new();
        let tasks: Vec<Task> = tasks
            .iter()
            .map(|(task_kind, task_summary)| {
                self.next_task += 1;
                let id = self.next_task.to_string();
                task_ids.push(id.clone());
                Task {
                    id,
                    kind: task_kind.clone(),
                    summary: task_summary.clone(),
                    status: Status::Do,
                    log: Vec::new(),
                    spawn_time: now,
                    ready_time: None,
                    data: None,
                }
            })
            .collect();
        let id = change_number.to_string();
        let fixed_status = tasks.is_empty().then_some(Status::Done);
        let change = Change {
            id: id.clone(),
            kind: kind.to_owned(),
            summary,
            tasks,
            spawn_time: now,
            ready_time: fixed_status.map(|_| now),
            fixed_status,
            service_names,
            notified: None,
        };
        self.changes.insert(change_number, change);
        self.note_change_status(&id);
        (id, task_ids)
    }

    pub(crate) fn change(&self, id: &str) -> Option<&Change> {
        id.parse::<u64>().ok().and_then(|n| self.changes.get(&n))
    }

    fn change_mut(&mut self, id: &str) -> Option<&mut Change> {
        id.parse::<u64>().ok().and_then(|n| self.changes.get_mut(&n))
    }

    /// Updates a task: status, an optional log line (`INFO`/`ERROR`), optional data.
    pub(crate) fn update_task(
        &mut self,
        change_id: &str,
        task_id: &str,
        status: Status,
        log: Option<(&str, &str)>,
        data: Option<Value>,
    ) {
        let Some(change) = self.change_mut(change_id) else {
            return;
        };
        let Some(task) = change.task_mut(task_id) else {
            return;
        };
        task.status = status;
        if let Some((level, message)) = log {
            task.log.push(log_line(level, message));
        }
        if data.is_some() {
            task.data = data;
        }
        if status.is_ready() && task.ready_time.is_none() {
            task.ready_time = Some(SystemTime::now());
        }
        self.note_change_status(change_id);
    }

    /// Adds a log line to a task without changing its status.
    pub(crate) fn log_task(&mut self, change_id: &str, task_id: &str, level: &str, message: &str) {
        if let Some(task) = self.change_mut(change_id).and_then(|c| c.task_mut(task_id)) {
            task.log.push(log_line(level, message));
        }
    }

    /// Records a change-update notice when the change's status changed, and its ready time.
    fn note_change_status(&mut self, change_id: &str) {
        let Some(change) = self.change_mut(change_id) else {
            return;
        };
        let status = change.status();
        if status.is_ready() && change.ready_time.is_none() {
            change.ready_time = Some(SystemTime::now());
        }
        if change.notified == Some(status) {
            return;
        }
        change.notified = Some(status);
        let mut data = Map::new();
        data.insert("kind".into(), Value::String(change.kind.clone()));
        self.notices.add(None, "change-update", change_id, data, None);
    }
}

/// What every handler and background task of one Pebble shares.
pub(crate) struct Shared {
    pub(crate) sandbox: Sandbox,
    pub(crate) options: PebbleOptions,
    pub(crate) boot_id: String,
    state: Mutex<State>,
    events: Mutex<Sender<PebbleEvent>>,
    version: watch::Sender<u64>,
    log_file: Option<Mutex<File>>,
}

impl Shared {
    pub(crate) fn new(sandbox: Sandbox, options: PebbleOptions, events: Sender<PebbleEvent>, state: State) -> Self {
        let log_file = options.log_file.as_ref().and_then(|path| {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
                .map(Mutex::new)
        });
        let boot_id = format!(
            "{:032x}",
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        Self {
            sandbox,
            options,
            boot_id,
            state: Mutex::new(state),
            events: Mutex::new(events),
            version: watch::channel(0).0,
            log_file,
        }
    }

    /// The state, even if a panicking thread poisoned the lock (the data stays usable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wakes long-polls: a change became ready or a notice was recorded.
    pub(crate) fn bump(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A receiver that sees every later [`Shared::bump`].
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Sends an event to the model (ignored once nobody listens).
    pub(crate) fn emit(&self, event: PebbleEvent) {
        let sender = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = sender.send(event);
    }

    /// Appends a service output line to the log file, when one is configured.
    pub(crate) fn write_log(&self, entry: &Entry) {
        if let Some(file) = &self.log_file {
            let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let _ = write!(
                file,
                "{} [{}] {}",
                super::timefmt::rfc3339_nano(entry.time),
                entry.service,
                entry.message
            );
        }
    }

    /// The environment Pebble itself has, which services and exec inherit: the sandbox's,
    /// with Pebble's default `PATH` when it has none.
    pub(crate) fn base_env(&self) -> BTreeMap<String, String> {
        let mut env = self.sandbox.env.clone();
        env.entry("PATH".into())
            .or_insert_with(|| crate::sandbox::DEFAULT_PATH.to_owned());
        env
    }
}

/// Registers a process group (or session) leader while it runs; on drop, SIGKILLs the group
/// unless [`ProcessGuard::exited`] was called, and forgets the PID.
pub(crate) struct ProcessGuard {
    shared: std::sync::Arc<Shared>,
    pid: Option<u32>,
    alive: bool,
}

impl ProcessGuard {
    /// Tracks `pid` (nothing when `None`: the process already exited).
    pub(crate) fn new(shared: &std::sync::Arc<Shared>, pid: Option<u32>, kind: ProcessKind) -> Self {
        if let Some(pid) = pid {
            shared.lock().processes.insert(pid, kind);
        }
        Self {
            shared: shared.clone(),
            pid,
            alive: pid.is_some(),
        }
    }

    /// The process was reaped: nothing to kill.
    pub(crate) fn exited(&mut self) {
        self.alive = false;
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        let Some(pid) = self.pid else {
            return;
        };
        if self.alive {
            if let Ok(raw) = i32::try_from(pid) {
                let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(raw), nix::sys::signal::Signal::SIGKILL);
            }
        }
        self.shared.lock().processes.remove(&pid);
    }
}

impl Shared {
    /// [`State::update_task`], then wakes waiters.
    pub(crate) fn task(
        &self,
        change_id: &str,
        task_id: &str,
        status: super::changes::Status,
        log: Option<(&str, &str)>,
    ) {
        self.lock().update_task(change_id, task_id, status, log, None);
        self.bump();
    }
}
