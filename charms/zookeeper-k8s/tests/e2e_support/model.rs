//! A local model for one test file: `up` on creation, `destroy` on drop (also on panic).
//!
//! The local model claims each unit address machine-wide, so models can run side by side;
//! the test files still take a machine-wide lock (a listening socket on a fixed loopback port,
//! released by the kernel however the process ends) so that a parallel runner, or the
//! benchmark, never runs two of these three-to-five-JVM models at once on a small machine.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{artifacts, eventually};

/// The port whose listener is the lock (nothing else in the project uses it).
const LOCK_PORT: u16 = 47231;

/// One unit as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// `app/N`.
    pub name: String,
    /// Its loopback address.
    pub address: String,
    /// Workload status (`active`, `waiting`…).
    pub workload: String,
    /// Workload status message.
    pub message: String,
    /// Agent status (`idle`, `executing`…).
    pub agent: String,
    /// Whether it is the application's leader.
    pub leader: bool,
}

/// A model directory with its controller running.
pub struct Model {
    dir: PathBuf,
    bin: PathBuf,
    _lock: TcpListener,
}

/// A private copy of the local-model binary for one model. The controller re-executes its own
/// binary for every hook and sandbox, so a `cargo build` replacing `target/debug/local-model`
/// while the model runs (another developer on a shared target directory) would make every
/// later hook fail to start.
fn private_binary(dir: &Path) -> PathBuf {
    let copy = dir.with_extension("local-model");
    std::fs::copy(artifacts::local_model(), &copy).expect("copying the local-model binary");
    copy
}

fn take_lock() -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        match TcpListener::bind(("127.0.0.1", LOCK_PORT)) {
            Ok(listener) => return listener,
            Err(e) if Instant::now() < deadline => {
                if e.kind() != std::io::ErrorKind::AddrInUse {
                    panic!("cannot take the model lock on 127.0.0.1:{LOCK_PORT}: {e}");
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("another local model held the lock for 15 minutes: {e}"),
        }
    }
}

impl Model {
    /// Starts a model named `zk-e2e-<name>` in the system's temporary directory (short paths:
    /// Pebble's unix sockets live under it). Hooks are retried after 1 s and update-status runs
    /// every `update_status` (the charm advances multi-step work on it).
    pub fn up(name: &str, update_status: &str) -> Model {
        let lock = take_lock();
        let dir = std::env::temp_dir().join(format!("zk-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = private_binary(&dir);
        let model = Model { dir, bin, _lock: lock };
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
        let out = self.run(&["debug-log", "--replay", "--no-tail", "-n", &lines.to_string()]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The whole debug log.
    pub fn log(&self) -> String {
        self.ok(&["debug-log", "--replay", "--no-tail"])
    }

    /// `status --format json`.
    pub fn status(&self) -> Value {
        serde_json::from_str(&self.ok(&["status", "--format", "json"])).expect("status JSON")
    }

    /// The units of `app`, sorted by number.
    pub fn units(&self, app: &str) -> Vec<Unit> {
        units_of(&self.status(), app)
    }

    /// Deploys the packed charm `charm` as [`APP`](super::APP) with `units` units and the
    /// workload image resource.
    pub fn deploy_zookeeper(&self, charm: &Path, units: usize) {
        self.ok(&[
            "deploy",
            charm.to_str().unwrap(),
            super::APP,
            "-n",
            &units.to_string(),
            "--resource",
            "zookeeper-image=charmed-zookeeper",
        ]);
    }

    /// Waits until `app` has exactly `count` units, all active and idle, and no hook is in
    /// error anywhere; returns them.
    pub fn wait_active(&self, app: &str, count: usize, seconds: u64) -> Vec<Unit> {
        eventually(seconds, &format!("{count} active idle units of {app}"), || {
            let status = self.status();
            if let Some(err) = first_error(&status) {
                panic!("{err}\nlog:\n{}", self.log_tail(80));
            }
            let units = units_of(&status, app);
            let ready = units.len() == count && units.iter().all(|u| u.workload == "active" && u.agent == "idle");
            if ready {
                Ok(units)
            } else {
                Err(format!("{units:?}"))
            }
        })
    }

    /// Waits for the model to be idle (no hook queued or running), failing on hook errors.
    pub fn wait_idle(&self, seconds: u64) {
        self.ok(&["wait-for-idle", "--timeout", &seconds.to_string()]);
    }

    /// Runs an action and returns its results (`--format json`); panics when it fails.
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

    /// The leader unit of `app`.
    pub fn leader(&self, app: &str) -> Unit {
        self.units(app)
            .into_iter()
            .find(|u| u.leader)
            .unwrap_or_else(|| panic!("{app} has no leader"))
    }

    /// A string result of an action.
    pub fn action_value(&self, unit: &str, name: &str, params: &[&str], key: &str) -> String {
        let results = self.action(unit, name, params);
        results
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{name} gave no {key}: {results:?}"))
            .to_owned()
    }

    /// The `super` password (get-super-password on any unit).
    pub fn super_password(&self, unit: &str) -> String {
        self.action_value(unit, "get-super-password", &[], "super-password")
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
        if std::thread::panicking() || std::env::var_os("ZK_E2E_KEEP").is_some() {
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
