//! The controller's state: the Juju model plus what only a running model has (unit
//! queues, running hooks, addresses, charms on disk, the debug log).
//!
//! All of it sits behind one mutex ([`super::Shared`]); hook tools, CLI requests, timers
//! and hook completions each take it briefly, so Juju's rules see one consistent model.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use juju_model::tools::LogLevel;
use juju_model::{AppName, RelationId, UnitName};
use juju_rules::{Hook, HookContext, Model, Timestamp};
use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::tools::LeaderSettings;

/// How the controller behaves (set by `up`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The model name (`JUJU_MODEL_NAME`).
    pub model_name: String,
    /// Interval of update-status (Juju's `update-status-hook-interval`, default 5m).
    pub update_status_interval: Duration,
    /// First delay before a failed hook is retried; doubles per failure.
    pub retry_delay: Duration,
    /// Longest delay between retries.
    pub retry_max: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            model_name: "local".to_owned(),
            update_status_interval: Duration::from_secs(300),
            retry_delay: Duration::from_secs(5),
            retry_max: Duration::from_secs(300),
        }
    }
}

/// One step in a unit's queue.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// Run a hook or action.
    Hook(Box<HookContext>),
    /// Replace the unit's charm with its application's current one and restart its
    /// workloads (a pod replaced by `refresh`).
    Upgrade,
    /// Replace the unit's charm with its application's current one, workloads untouched
    /// (`refresh --keep-workloads`).
    SwapCharm,
    /// The unit's teardown hooks are done: remove it from the model.
    RemoveUnit,
    /// The unit is done with a relation that is being removed.
    LeaveRelation(RelationId),
}

/// A hook that failed and waits to be retried.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    /// The hook.
    pub(crate) hook: HookContext,
    /// Failures so far.
    pub(crate) attempts: u32,
    /// When to retry.
    pub(crate) retry_at: Instant,
    /// Since when the unit is in error.
    pub(crate) since: SystemTime,
}

/// The hook a unit is running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Running {
    /// `JUJU_CONTEXT_ID`.
    pub(crate) context_id: String,
    /// The hook or action name.
    pub(crate) name: String,
    /// The process id (leader of its process group).
    pub(crate) pid: u32,
}

/// A container's Pebble, as the controller tracks it.
#[derive(Debug, Default)]
pub(crate) struct Container {
    /// Pebble reported ready (or there is no Pebble server to wait for).
    pub(crate) ready: bool,
    /// A `<c>-pebble-ready` hook was due while Pebble was not ready yet.
    pub(crate) awaiting_ready: bool,
    /// The Pebble server, while it runs.
    pub(crate) server: Option<crate::pebble::PebbleServer>,
}

/// A unit as the controller runs it.
#[derive(Debug)]
pub(crate) struct UnitRuntime {
    /// Its loopback address.
    pub(crate) address: Ipv4Addr,
    /// The machine-wide claim on it (`network::allocate`), released with the unit.
    pub(crate) address_claim: Option<super::network::AddressClaim>,
    /// Queued steps, in order.
    pub(crate) queue: VecDeque<Item>,
    /// The running hook.
    pub(crate) running: Option<Running>,
    /// The failed hook blocking the queue.
    pub(crate) failure: Option<Failure>,
    /// `install` has succeeded.
    pub(crate) installed: bool,
    /// When update-status was last queued.
    pub(crate) last_update_status: Instant,
    /// Containers by name.
    pub(crate) containers: BTreeMap<String, Container>,
    /// Being removed: no new hooks but its teardown.
    pub(crate) dying: bool,
    /// Agent status since.
    pub(crate) since: SystemTime,
}

impl UnitRuntime {
    pub(crate) fn new(address: Ipv4Addr) -> Self {
        Self {
            address,
            address_claim: None,
            queue: VecDeque::new(),
            running: None,
            failure: None,
            installed: false,
            last_update_status: Instant::now(),
            containers: BTreeMap::new(),
            dying: false,
            since: SystemTime::now(),
        }
    }

    /// Nothing queued, running or failed.
    pub(crate) fn idle(&self) -> bool {
        self.queue.is_empty() && self.running.is_none() && self.failure.is_none()
    }
}

/// An application's charm and operator-side settings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppRuntime {
    /// The unpacked charm the units copy.
    pub(crate) charm_dir: PathBuf,
    /// The charm's name.
    pub(crate) charm_name: String,
    /// Bumped by `refresh`.
    pub(crate) revision: u32,
    /// Resources given at deploy: name to path or rock.
    pub(crate) resources: BTreeMap<String, String>,
    /// Committed leadership settings.
    pub(crate) leader_settings: BTreeMap<String, String>,
    /// `remove-application` was asked.
    pub(crate) dying: bool,
}

/// An open hook session.
#[derive(Debug)]
pub(crate) struct Session {
    /// juju-rules' session.
    pub(crate) hook: Hook,
    /// The unit.
    pub(crate) unit: UnitName,
    /// Pending leader settings.
    pub(crate) leader: LeaderSettings,
    /// Failures before this run (for retries).
    pub(crate) attempts: u32,
}

/// How an action's process ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutput {
    /// Exit code (-1 when killed).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// One debug-log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// RFC 3339 time.
    pub time: String,
    /// `unit-demo-0` or `controller`.
    pub entity: String,
    /// Level.
    pub level: String,
    /// Module (`juju.worker.uniter`, `unit.demo/0.juju-log`).
    pub module: String,
    /// The message.
    pub message: String,
}

/// The controller.
#[derive(Debug)]
pub(crate) struct Controller {
    pub(crate) layout: Layout,
    pub(crate) options: Options,
    pub(crate) model: Model,
    pub(crate) apps: BTreeMap<AppName, AppRuntime>,
    pub(crate) units: BTreeMap<UnitName, UnitRuntime>,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) log: Vec<LogLine>,
    /// Relations being removed: how many member units still have to leave.
    pub(crate) dying_relations: BTreeMap<RelationId, usize>,
    pub(crate) action_outputs: BTreeMap<String, ActionOutput>,
    /// Secret revisions whose owner was told (secret-remove) they are unused.
    pub(crate) unused_told: BTreeSet<(String, u64)>,
    /// Rotation/expiry hooks sent: key to when.
    pub(crate) timed_told: BTreeMap<String, Instant>,
    pub(crate) next_context: u64,
    pub(crate) next_address: u32,
    /// Hooks (and actions) finished since start, for the benchmark.
    pub(crate) hooks_done: u64,
    pub(crate) shutting_down: bool,
    /// `debug.log`, opened on first use.
    pub(crate) log_file: Option<std::fs::File>,
}

/// The wall clock as the model's timestamp.
pub(crate) fn now_timestamp() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// RFC 3339 UTC with milliseconds.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = Timestamp(i64::try_from(since.as_secs()).unwrap_or(i64::MAX)).to_rfc3339();
    format!("{}.{:03}Z", secs.trim_end_matches('Z'), since.subsec_millis())
}

impl Controller {
    pub(crate) fn new(layout: Layout, options: Options) -> Self {
        let uuid = model_uuid(&layout);
        let mut model = Model::new(options.model_name.clone(), uuid);
        model.now = now_timestamp();
        Self {
            layout,
            options,
            model,
            apps: BTreeMap::new(),
            units: BTreeMap::new(),
            sessions: HashMap::new(),
            log: Vec::new(),
            dying_relations: BTreeMap::new(),
            action_outputs: BTreeMap::new(),
            unused_told: BTreeSet::new(),
            timed_told: BTreeMap::new(),
            next_context: 1,
            next_address: 0,
            hooks_done: 0,
            shutting_down: false,
            log_file: None,
        }
    }

    /// Appends a debug-log line (and to the model's debug.log file).
    pub(crate) fn log(&mut self, entity: &str, level: LogLevel, module: &str, message: impl Into<String>) {
        let line = LogLine {
            time: rfc3339(SystemTime::now()),
            entity: entity.to_owned(),
            level: level.as_str().to_owned(),
            module: module.to_owned(),
            message: message.into(),
        };
        use std::io::Write;
        if self.log_file.is_none() {
            self.log_file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.layout.debug_log())
                .ok();
        }
        if let Some(file) = self.log_file.as_mut() {
            let _ = writeln!(
                file,
                "{}: {} {} {} {}",
                line.entity, line.time, line.level, line.module, line.message
            );
        }
        self.log.push(line);
    }

    /// Logs for a unit (`unit-demo-0`).
    pub(crate) fn unit_log(&mut self, unit: &UnitName, level: LogLevel, module: &str, message: impl Into<String>) {
        let entity = format!("unit-{}-{}", unit.app(), unit.number());
        self.log(&entity, level, module, message);
    }

    /// Moves `juju-log` lines from the model into the debug log.
    pub(crate) fn drain_model_log(&mut self) {
        let entries: Vec<_> = self.model.log.drain(..).collect();
        for entry in entries {
            let module = format!("unit.{}.juju-log", entry.unit);
            self.unit_log(&entry.unit, entry.level, &module, entry.message);
        }
    }

    /// No hook queued, running or failed anywhere.
    pub(crate) fn idle(&self) -> bool {
        self.units.values().all(UnitRuntime::idle)
    }

    /// Units whose hooks failed, with the hook names.
    pub(crate) fn failures(&self) -> Vec<(UnitName, String)> {
        self.units
            .iter()
            .filter_map(|(name, rt)| rt.failure.as_ref().map(|f| (name.clone(), f.hook.name.clone())))
            .collect()
    }
}

/// A stable uuid for the model directory (the same after a controller restart).
fn model_uuid(layout: &Layout) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for byte in layout.dir.as_os_str().as_encoded_bytes() {
        a = (a ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ u64::from(*byte))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(7);
    }
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}
