//! Health checks on their period and threshold, as `internals/overlord/checkstate` runs them.
//!
//! A running check is a `perform-check` change whose task runs the check every `period`;
//! failures in a row up to `threshold` are logged, the failure that reaches it errors the
//! change (Juju's `<container>-pebble-check-failed`; here [`PebbleEvent::CheckFailed`]), runs
//! the services' `on-check-failure` actions and starts a `recover-check` change that keeps
//! checking until one success ends it (`pebble-check-recovered`,
//! [`PebbleEvent::CheckRecovered`]) and a new `perform-check` begins. Plan changes restart
//! checks whose configuration changed and start new `startup: enabled` ones; stopped
//! checks are `inactive`.

use std::sync::Arc;
use std::time::Duration;

use juju_model::pebble::{Check, Startup};
use serde_json::{json, Value};

use super::changes::Status;
use super::state::{Shared, State};
use super::{probe, services, PebbleEvent};

const DEFAULT_PERIOD: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
const DEFAULT_THRESHOLD: u32 = 3;

/// What the check manager knows about one check.
pub(crate) struct CheckData {
    pub(crate) config: Check,
    pub(crate) successes: u64,
    pub(crate) failures: u64,
    pub(crate) change_id: Option<String>,
    task_id: Option<String>,
    pub(crate) prev_change_id: Option<String>,
    recovering: bool,
    generation: u64,
    handle: Option<tokio::task::AbortHandle>,
}

impl CheckData {
    fn new(config: Check) -> Self {
        Self {
            config,
            successes: 0,
            failures: 0,
            change_id: None,
            task_id: None,
            prev_change_id: None,
            recovering: false,
            generation: 0,
            handle: None,
        }
    }

    fn threshold(&self) -> u32 {
        self.config.threshold.filter(|t| *t > 0).unwrap_or(DEFAULT_THRESHOLD)
    }

    /// `up`, `down` or `inactive`.
    pub(crate) fn status(&self) -> &'static str {
        if self.change_id.is_none() {
            "inactive"
        } else if self.failures >= u64::from(self.threshold()) {
            "down"
        } else {
            "up"
        }
    }

    /// The `/v1/checks` JSON.
    pub(crate) fn info(&self, name: &str) -> Value {
        let startup = match self.config.startup {
            Some(Startup::Disabled) => "disabled",
            _ => "enabled",
        };
        let mut info = json!({
            "name": name, "startup": startup, "status": self.status(), "successes": self.successes,
            "threshold": self.threshold(),
        });
        if let Some(level) = &self.config.level {
            info["level"] = json!(level.as_str());
        }
        if self.failures > 0 {
            info["failures"] = json!(self.failures);
        }
        if let Some(id) = &self.change_id {
            info["change-id"] = json!(id);
        }
        if let Some(id) = &self.prev_change_id {
            info["prev-change-id"] = json!(id);
        }
        info
    }
}

fn kind_label(check: &Check) -> &'static str {
    if check.http.is_some() {
        "HTTP"
    } else if check.tcp.is_some() {
        "TCP"
    } else {
        "exec"
    }
}

fn enabled(check: &Check) -> bool {
    check.startup != Some(Startup::Disabled)
}

/// Starts a `perform-check` (or `recover-check`) change and its runner for `name`.
fn begin(shared: &Arc<Shared>, st: &mut State, name: &str, recovering: bool) {
    let Some(config) = st.checks.get(name).map(|d| d.config.clone()) else {
        return;
    };
    let kind = if recovering { "recover-check" } else { "perform-check" };
    let verb = if recovering { "Recover" } else { "Perform" };
    let summary = format!("{verb} {} check {name:?}", kind_label(&config));
    let (change_id, task_ids) = st.new_change(kind, summary.clone(), &[(kind.to_owned(), summary)], Vec::new());
    let task_id = task_ids.first().cloned();
    if let Some(task) = &task_id {
        st.update_task(&change_id, task, Status::Doing, None, None);
    }
    let Some(data) = st.checks.get_mut(name) else {
        return;
    };
    data.generation += 1;
    data.change_id = Some(change_id);
    data.task_id = task_id;
    data.recovering = recovering;
    if !recovering {
        data.failures = 0;
    }
    let generation = data.generation;
    let shared2 = shared.clone();
    let name2 = name.to_owned();
    let period = config.period.and_then(|p| p.to_std()).unwrap_or(DEFAULT_PERIOD);
    let handle = tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let result = run_once(&shared2, &config).await;
            if !apply(&shared2, &name2, generation, result) {
                return;
            }
        }
    });
    data.handle = Some(handle.abort_handle());
    shared.bump();
}

async fn run_once(shared: &Arc<Shared>, config: &Check) -> Result<(), String> {
    let period = config.period.and_then(|p| p.to_std()).unwrap_or(DEFAULT_PERIOD);
    let timeout = config
        .timeout
        .and_then(|t| t.to_std())
        .unwrap_or(DEFAULT_TIMEOUT)
        .min(period);
    probe::run(shared, config, timeout).await
}

/// Applies one result; returns false when the runner is stale and must end.
fn apply(shared: &Arc<Shared>, name: &str, generation: u64, result: Result<(), String>) -> bool {
    let mut events = Vec::new();
    let mut failed_threshold = false;
    let keep_going = {
        let mut st = shared.lock();
        let Some(data) = st.checks.get_mut(name) else {
            return false;
        };
        if data.generation != generation {
            return false;
        }
        let (Some(change_id), Some(task_id)) = (data.change_id.clone(), data.task_id.clone()) else {
            return false;
        };
        let threshold = u64::from(data.threshold());
        let recovering = data.recovering;
        let sandbox = shared.sandbox.name.clone();
        match result {
            Err(error) => {
                data.failures += 1;
                let failures = data.failures;
                if !recovering && failures >= threshold {
                    st.update_task(&change_id, &task_id, Status::Error, Some(("ERROR", &error)), None);
                    if let Some(data) = st.checks.get_mut(name) {
                        data.prev_change_id = Some(change_id);
                    }
                    begin(shared, &mut st, name, true);
                    if let Some(data) = st.checks.get_mut(name) {
                        data.failures = failures;
                    }
                    failed_threshold = true;
                    events.push(PebbleEvent::CheckFailed {
                        sandbox,
                        check: name.to_owned(),
                    });
                    false
                } else {
                    st.log_task(&change_id, &task_id, "ERROR", &error);
                    true
                }
            }
            Ok(()) => {
                if recovering {
                    st.update_task(&change_id, &task_id, Status::Done, None, None);
                    if let Some(data) = st.checks.get_mut(name) {
                        data.prev_change_id = Some(change_id);
                    }
                    begin(shared, &mut st, name, false);
                    if let Some(data) = st.checks.get_mut(name) {
                        data.successes = 1;
                        data.failures = 0;
                    }
                    events.push(PebbleEvent::CheckRecovered {
                        sandbox,
                        check: name.to_owned(),
                    });
                    false
                } else {
                    data.successes += 1;
                    if data.failures > 0 {
                        let old = data.failures;
                        data.failures = 0;
                        let plural = if old == 1 { "failure" } else { "failures" };
                        st.log_task(&change_id, &task_id, "INFO", &format!("succeeded after {old} {plural}"));
                    }
                    true
                }
            }
        }
    };
    shared.bump();
    if failed_threshold {
        services::check_failed(shared, name);
    }
    for event in events {
        shared.emit(event);
    }
    keep_going
}

/// Stops a running check; returns whether it was running.
pub(crate) fn stop(st: &mut State, name: &str) -> bool {
    let Some(data) = st.checks.get_mut(name) else {
        return false;
    };
    let Some(change_id) = data.change_id.take() else {
        return false;
    };
    if let Some(handle) = data.handle.take() {
        handle.abort();
    }
    data.generation += 1;
    let task_id = data.task_id.take();
    if let Some(task_id) = task_id {
        st.update_task(
            &change_id,
            &task_id,
            Status::Hold,
            Some(("INFO", "check stopped")),
            None,
        );
    }
    true
}

/// Starts a stopped check; returns whether it was stopped.
pub(crate) fn start(shared: &Arc<Shared>, st: &mut State, name: &str) -> bool {
    match st.checks.get(name) {
        Some(data) if data.change_id.is_none() => {
            if let Some(data) = st.checks.get_mut(name) {
                data.successes = 0;
                data.failures = 0;
                data.prev_change_id = None;
            }
            begin(shared, st, name, false);
            true
        }
        _ => false,
    }
}

/// Stops every check (shutdown, container restart).
pub(crate) fn stop_all(st: &mut State) {
    let names: Vec<String> = st.checks.keys().cloned().collect();
    for name in names {
        stop(st, &name);
    }
    st.checks.clear();
}

/// The plan changed (Pebble's `CheckManager.PlanChanged`): checks that left the plan stop,
/// changed ones restart, new enabled ones start.
pub(crate) fn plan_changed(shared: &Arc<Shared>, st: &mut State) {
    let plan_checks = st.plan.checks.clone();
    let names: Vec<String> = st.checks.keys().cloned().collect();
    for name in names {
        let Some(new) = plan_checks.get(&name) else {
            stop(st, &name);
            st.checks.remove(&name);
            continue;
        };
        let Some(data) = st.checks.get(&name) else {
            continue;
        };
        if data.config == *new {
            continue;
        }
        let running = data.change_id.is_some();
        let keep_running = running && !enabled(new) && enabled(&data.config);
        if running {
            stop(st, &name);
        }
        if let Some(data) = st.checks.get_mut(&name) {
            data.config = new.clone();
            data.successes = 0;
            data.failures = 0;
        }
        if running && (enabled(new) || keep_running) {
            begin(shared, st, &name, false);
        }
    }
    for (name, config) in &plan_checks {
        if st.checks.contains_key(name) {
            continue;
        }
        st.checks.insert(name.clone(), CheckData::new(config.clone()));
        if enabled(config) {
            begin(shared, st, name, false);
        }
    }
}

/// Pebble's `CheckManager.Replan`: start enabled checks that are not running.
pub(crate) fn replan(shared: &Arc<Shared>, st: &mut State) {
    let names: Vec<String> = st
        .checks
        .iter()
        .filter(|(_, d)| d.change_id.is_none() && enabled(&d.config))
        .map(|(n, _)| n.clone())
        .collect();
    for name in names {
        begin(shared, st, &name, false);
    }
}

/// `POST /v1/checks/refresh`: runs the check now; returns its info and error text.
pub(crate) async fn refresh(shared: &Arc<Shared>, name: &str) -> Option<(Value, String)> {
    let (config, generation, running) = {
        let st = shared.lock();
        let data = st.checks.get(name)?;
        (data.config.clone(), data.generation, data.change_id.is_some())
    };
    let result = run_once(shared, &config).await;
    let error = result.clone().err().unwrap_or_default();
    if running {
        apply(shared, name, generation, result);
    }
    let st = shared.lock();
    let info = st.checks.get(name).map(|d| d.info(name)).unwrap_or(Value::Null);
    Some((info, error))
}
