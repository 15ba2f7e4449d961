//! A local model for the benchmark: the CLI, status polling, and teardown on drop.
//!
//! The benchmark's own small driver (Result-based, no panics) rather than the e2e tests'
//! support module, which asserts. It takes the same machine-wide lock as the tests (a listener
//! on 127.0.0.1:47231), so figures are never taken next to an e2e model's JVMs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

const LOCK_PORT: u16 = 47231;

/// One unit as `status` shows it.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    /// `app/N`.
    pub(crate) name: String,
    /// Its loopback address.
    pub(crate) address: String,
    /// Workload status.
    pub(crate) workload: String,
    /// Agent status.
    pub(crate) agent: String,
    /// Application leader.
    pub(crate) leader: bool,
}

/// A running model, destroyed on drop.
pub(crate) struct Model {
    bin: PathBuf,
    dir: PathBuf,
    _lock: TcpListener,
}

fn lock() -> Result<TcpListener, String> {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        match TcpListener::bind(("127.0.0.1", LOCK_PORT)) {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(format!("cannot take the local-model lock (127.0.0.1:{LOCK_PORT}): {e}")),
        }
    }
}

impl Model {
    /// `local-model up` in a fresh directory, with a private copy of the binary (a rebuild of
    /// the shared target directory must not pull it from under the running controller).
    pub(crate) fn up(local_model: &Path, name: &str, update_status: &str) -> Result<Model, String> {
        let lock = lock()?;
        let dir = std::env::temp_dir().join(format!("zk-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = dir.with_extension("local-model");
        std::fs::copy(local_model, &bin).map_err(|e| format!("copying {}: {e}", local_model.display()))?;
        let model = Model { bin, dir, _lock: lock };
        let dir = model.dir.to_string_lossy().into_owned();
        let out = Command::new(&model.bin)
            .args([
                "up",
                &dir,
                "--update-status-interval",
                update_status,
                "--retry-delay",
                "1s",
            ])
            .output()
            .map_err(|e| format!("local-model up: {e}"))?;
        if !out.status.success() {
            return Err(format!("local-model up: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(model)
    }

    /// The model directory.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// Runs a CLI command; stdout, or why it failed.
    pub(crate) fn ok(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.bin)
            .arg("-m")
            .arg(&self.dir)
            .args(args)
            .output()
            .map_err(|e| format!("local-model {args:?}: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "local-model {args:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// The units of `app`.
    pub(crate) fn units(&self, app: &str) -> Result<Vec<Unit>, String> {
        let status: Value =
            serde_json::from_str(&self.ok(&["status", "--format", "json"])?).map_err(|e| format!("status: {e}"))?;
        let units = status["applications"][app]["units"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let mut out: Vec<Unit> = units
            .iter()
            .map(|(name, u)| Unit {
                name: name.clone(),
                address: text(&u["address"]),
                workload: text(&u["workload-status"]["current"]),
                agent: text(&u["juju-status"]["current"]),
                leader: u["leader"].as_bool().unwrap_or(false),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Polls until `app` has `count` units, all active and idle; returns them.
    pub(crate) fn wait_active(&self, app: &str, count: usize, timeout: Duration) -> Result<Vec<Unit>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let units = self.units(app)?;
            if let Some(bad) = units.iter().find(|u| u.workload == "error") {
                return Err(format!("{} is in error", bad.name));
            }
            if units.len() == count && units.iter().all(|u| u.workload == "active" && u.agent == "idle") {
                return Ok(units);
            }
            if Instant::now() > deadline {
                return Err(format!("{app} not active after {timeout:?}: {units:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        let _ = Command::new(&self.bin).arg("destroy").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(&self.bin);
    }
}
