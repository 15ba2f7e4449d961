//! The local-model driver of the end-to-end tests: [`Model`] runs `local-model up` on
//! creation and `destroy` on drop (also on panic), and wraps the CLI — `status` parsed into
//! [`Unit`]s, waits, actions, secrets, relations, the debug log.
//!
//! The local model keeps the loopback addresses of concurrent models apart (it claims each
//! 127.0.1.N machine-wide and skips addresses something listens on), but two models of several
//! JVMs each would still fight for two cores and make every timeout a lottery, so [`Model::up`]
//! first takes the machine-wide lock both charms' end-to-end tests and benchmarks take — a
//! listening socket on a fixed loopback port ([`LOCK_PORT`]), released by the kernel however
//! the process ends.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::eventually;

/// The port whose listener is the lock (shared by every charm's end-to-end tests and benchmark).
pub const LOCK_PORT: u16 = 47231;

/// One unit as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// `app/N`.
    pub name: String,
    /// Its loopback address.
    pub address: String,
    /// Workload status (`active`, `blocked`, `waiting`…).
    pub workload: String,
    /// Workload status message.
    pub message: String,
    /// Agent status (`idle`, `executing`…).
    pub agent: String,
    /// Whether it is the application's leader.
    pub leader: bool,
}

/// A model directory with its controller running.
#[derive(Debug)]
pub struct Model {
    dir: PathBuf,
    bin: PathBuf,
    /// The environment variable that keeps the model directory after a passing run.
    keep_var: String,
    _lock: TcpListener,
}

/// A private copy of the local-model binary for one model. The controller re-executes its own
/// binary for every hook and sandbox, so a `cargo build` replacing `target/debug/local-model`
/// while the model runs (a colleague on the shared target directory) would break later hooks.
fn private_binary(dir: &Path, local_model: &Path) -> PathBuf {
    let copy = dir.with_extension("local-model");
    std::fs::copy(local_model, &copy).expect("copying the local-model binary");
    copy
}

/// Takes the machine-wide model lock, waiting up to 15 minutes for another model to finish.
pub fn take_lock() -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        match TcpListener::bind(("127.0.0.1", LOCK_PORT)) {
            Ok(listener) => return listener,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("cannot take the model lock on 127.0.0.1:{LOCK_PORT}: {e}"),
        }
    }
}

impl Model {
    /// Starts a model named `<prefix>-<name>` (e.g. `kafka-e2e-acls`) in the system's temporary
    /// directory (short paths: Pebble's unix sockets live under it), run by a private copy of
    /// the binary `local_model` returns (called once the lock is held: it may build it). Hooks
    /// are retried after 1 s and update-status runs every `update_status` (charms advance
    /// multi-step work on it). Setting `<PREFIX>_KEEP` (e.g. `KAFKA_E2E_KEEP`) keeps the
    /// model directory after a passing run; a failing one always keeps it.
    #[track_caller]
    pub fn up(prefix: &str, name: &str, update_status: &str, local_model: impl FnOnce() -> PathBuf) -> Model {
        let lock = take_lock();
        let dir = std::env::temp_dir().join(format!("{prefix}-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = private_binary(&dir, &local_model());
        let keep_var = format!("{}_KEEP", prefix.to_uppercase().replace('-', "_"));
        let model = Model {
            dir,
            bin,
            keep_var,
            _lock: lock,
        };
        let out = Command::new(&model.bin)
            .arg("up")
            .arg(&model.dir)
            .args(["--update-status-interval", update_status, "--retry-delay", "1s"])
            .output()
            .expect("running local-model up");
        assert!(
            out.status.success(),
            "up failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        model
    }

    /// The model directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Runs `local-model -m DIR <args>`.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("-m")
            .arg(&self.dir)
            .args(args)
            .output()
            .expect("running local-model")
    }

    /// Runs and asserts success; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "local-model {args:?} failed ({}):\nstdout: {}\nstderr: {}\nlog:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log_tail(80)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The last `lines` lines of the debug log.
    pub fn log_tail(&self, lines: usize) -> String {
        let out = self.run(&["debug-log", "--no-tail", "-n", &lines.to_string()]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The whole debug log (`--replay`).
    #[track_caller]
    pub fn log(&self) -> String {
        self.ok(&["debug-log", "--replay", "--no-tail"])
    }

    /// `status --format json`.
    #[track_caller]
    pub fn status(&self) -> Value {
        serde_json::from_str(&self.ok(&["status", "--format", "json"])).expect("status JSON")
    }

    /// The units of `app`, sorted by number.
    #[track_caller]
    pub fn units(&self, app: &str) -> Vec<Unit> {
        units_of(&self.status(), app)
    }

    /// Waits until `app` has exactly `count` units, all idle and accepted by `ready`, and no
    /// unit anywhere is in error; returns them.
    #[track_caller]
    pub fn wait_units(&self, app: &str, count: usize, seconds: u64, ready: impl Fn(&Unit) -> bool) -> Vec<Unit> {
        eventually(seconds, &format!("{count} settled units of {app}"), || {
            let status = self.status();
            if let Some(err) = first_error(&status) {
                panic!("{err}\nlog:\n{}", self.log_tail(80));
            }
            let units = units_of(&status, app);
            if units.len() == count && units.iter().all(|u| u.agent == "idle" && ready(u)) {
                Ok(units)
            } else {
                Err(format!("{units:?}"))
            }
        })
    }

    /// Waits until `app` has `count` active idle units.
    #[track_caller]
    pub fn wait_active(&self, app: &str, count: usize, seconds: u64) -> Vec<Unit> {
        self.wait_units(app, count, seconds, |u| u.workload == "active")
    }

    /// Waits for the model to be idle (no hook queued or running), failing on hook errors.
    #[track_caller]
    pub fn wait_idle(&self, seconds: u64) {
        self.ok(&["wait-for-idle", "--timeout", &seconds.to_string()]);
    }

    /// Runs an action and returns its results (`--format json`); panics when it fails.
    #[track_caller]
    pub fn action(&self, unit: &str, name: &str, params: &[&str]) -> BTreeMap<String, Value> {
        self.try_action(unit, name, params)
            .unwrap_or_else(|why| panic!("action {name} on {unit}: {why}"))
    }

    /// Runs an action; its results, or why it failed.
    pub fn try_action(&self, unit: &str, name: &str, params: &[&str]) -> Result<BTreeMap<String, Value>, String> {
        let mut args = vec!["run", unit, name];
        args.extend_from_slice(params);
        args.extend_from_slice(&["--format", "json"]);
        let out = self.run(&args);
        let text = String::from_utf8_lossy(&out.stdout);
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| format!("output {text:?} ({e}); stderr {}", String::from_utf8_lossy(&out.stderr)))?;
        let task = &value[unit];
        if task["status"] != "completed" {
            return Err(task.to_string());
        }
        Ok(task["results"]
            .as_object()
            .map(|m| m.clone().into_iter().collect())
            .unwrap_or_default())
    }

    /// A string result of an action.
    #[track_caller]
    pub fn action_value(&self, unit: &str, name: &str, params: &[&str], key: &str) -> String {
        let results = self.action(unit, name, params);
        results
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{name} gave no {key}: {results:?}"))
            .to_owned()
    }

    /// The leader unit of `app`.
    #[track_caller]
    pub fn leader(&self, app: &str) -> Unit {
        self.units(app)
            .into_iter()
            .find(|u| u.leader)
            .unwrap_or_else(|| panic!("{app} has no leader"))
    }

    /// Every secret the controller knows, by id (`secrets --format json`: owner, label,
    /// revision, consumers; never content).
    #[track_caller]
    pub fn secrets(&self) -> BTreeMap<String, Value> {
        let value: Value = serde_json::from_str(&self.ok(&["secrets", "--format", "json"])).expect("secrets JSON");
        value
            .as_object()
            .map(|m| m.clone().into_iter().collect())
            .unwrap_or_default()
    }

    /// The latest revision of the secret labelled `label` by its owner, if it exists.
    pub fn secret_revision(&self, label: &str) -> Option<u64> {
        self.secrets()
            .values()
            .find(|s| s["label"] == label)
            .and_then(|s| s["revision"].as_u64())
    }

    /// What `show-unit` says about `unit`'s relation on `endpoint` (`relation-id`,
    /// `application-data` of the remote application, …), if related.
    #[track_caller]
    pub fn relation(&self, unit: &str, endpoint: &str) -> Option<Value> {
        let value: Value =
            serde_json::from_str(&self.ok(&["show-unit", unit, "--format", "json"])).expect("show-unit JSON");
        let info = value.get(unit)?.get("relation-info")?.as_array()?;
        info.iter().find(|r| r["endpoint"] == endpoint).cloned()
    }

    /// The id of `unit`'s relation on `endpoint`, if related.
    pub fn relation_id(&self, unit: &str, endpoint: &str) -> Option<u32> {
        self.relation(unit, endpoint)?["relation-id"]
            .as_u64()
            .and_then(|id| u32::try_from(id).ok())
    }

    /// The Pebble socket of `unit`'s `container`.
    pub fn pebble_socket(&self, unit: &str, container: &str) -> PathBuf {
        self.dir
            .join("units")
            .join(unit.replace('/', "-"))
            .join("charm/containers")
            .join(container)
            .join("pebble.socket")
    }

    /// The controller's PID (every workload process is its child).
    #[track_caller]
    pub fn controller_pid(&self) -> u32 {
        std::fs::read_to_string(self.dir.join("controller.pid"))
            .expect("controller.pid")
            .trim()
            .parse()
            .expect("a PID")
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        let _ = Command::new(&self.bin).arg("destroy").arg(&self.dir).output();
        if std::thread::panicking() || std::env::var_os(&self.keep_var).is_some() {
            eprintln!("model directory kept for inspection: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        let _ = std::fs::remove_file(&self.bin);
    }
}

/// The units of `app` in a `status` document.
pub fn units_of(status: &Value, app: &str) -> Vec<Unit> {
    let Some(units) = status["applications"][app]["units"].as_object() else {
        return Vec::new();
    };
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut out: Vec<Unit> = units
        .iter()
        .map(|(name, u)| Unit {
            name: name.clone(),
            address: text(&u["address"]),
            workload: text(&u["workload-status"]["current"]),
            message: text(&u["workload-status"]["message"]),
            agent: text(&u["juju-status"]["current"]),
            leader: u["leader"].as_bool().unwrap_or(false),
        })
        .collect();
    out.sort_by_key(|u| unit_number(&u.name));
    out
}

/// `N` of `app/N`.
pub fn unit_number(unit: &str) -> u32 {
    unit.rsplit('/').next().and_then(|n| n.parse().ok()).unwrap_or(u32::MAX)
}

/// The first unit whose workload is in error, with its message.
fn first_error(status: &Value) -> Option<String> {
    let apps = status["applications"].as_object()?;
    apps.iter().find_map(|(app, a)| {
        units_of(status, app)
            .into_iter()
            .find(|u| u.workload == "error")
            .map(|u| format!("{app}: {} is in error: {}", u.name, u.message))
            .filter(|_| a.is_object())
    })
}

/// The units' addresses, in the order given.
pub fn addresses(units: &[Unit]) -> Vec<String> {
    units.iter().map(|u| u.address.clone()).collect()
}
