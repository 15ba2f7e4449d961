//! Shared helpers of the end-to-end tests: a model directory that is destroyed when the
//! test ends (even on panic), the CLI, and the fixture charms packed once per run.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The local-model binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_local-model"))
}

/// The workspace's target directory.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// A model: `up` on creation, `destroy` on drop.
pub struct Model {
    pub dir: tempfile::TempDir,
}

impl Model {
    /// Starts a model with a short retry delay and the given update-status interval.
    pub fn up(update_status: &str) -> Model {
        let dir = tempfile::Builder::new().prefix("lm").tempdir().unwrap();
        let model = Model { dir };
        let out = Command::new(bin())
            .args(["up"])
            .arg(model.path())
            .args(["--update-status-interval", update_status, "--retry-delay", "300ms"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "up failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        model
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `local-model -m DIR <args>`.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .arg("-m")
            .arg(self.path())
            .args(args)
            .output()
            .unwrap()
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
            self.log_tail()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits for idle (failing on hook errors).
    pub fn idle(&self) {
        self.ok(&["wait-for-idle", "--timeout", "120"]);
    }

    /// The last lines of the debug log.
    pub fn log_tail(&self) -> String {
        let out = Command::new(bin())
            .arg("-m")
            .arg(self.path())
            .args(["debug-log", "--no-tail", "-n", "60"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The whole debug log.
    pub fn log(&self) -> String {
        self.ok(&["debug-log", "--replay", "--no-tail"])
    }

    /// `probe-event` paths logged by `unit`, in order.
    pub fn events(&self, unit: &str) -> Vec<String> {
        let tag = format!("unit-{}:", unit.replace('/', "-"));
        self.log()
            .lines()
            .filter(|l| l.starts_with(&tag))
            .filter_map(|l| l.split_once("probe-event ").map(|(_, p)| p.trim().to_owned()))
            .map(|p| p.trim_start_matches("hooks/").to_owned())
            .collect()
    }

    /// `status --format json`.
    pub fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["status", "--format", "json"])).unwrap()
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        let _ = Command::new(bin()).arg("destroy").arg(self.path()).output();
    }
}

fn build_and_pack(package: &str, binary: &str, crate_dir: &Path) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", package])
        .status()
        .unwrap();
    assert!(status.success(), "building {package} failed");
    let out_dir = target_dir().join("tmp/local-model-charms");
    charm_pack::pack(&charm_pack::Options {
        crate_dir: crate_dir.to_path_buf(),
        out_dir,
        binary: charm_pack::Binary::Prebuilt(target_dir().join("debug").join(binary)),
        platform: None,
        started_at: 0,
    })
    .unwrap()
}

/// The probe fixture charm, built (debug) and packed once per test binary.
pub fn probe_charm() -> PathBuf {
    static CHARM: OnceLock<PathBuf> = OnceLock::new();
    CHARM
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charms/probe");
            build_and_pack("local-model-probe", "lm-probe", &dir)
        })
        .clone()
}

/// Parses `key: value` lines of `juju run` plain output (nested keys flattened with dots).
pub fn results(text: &str) -> std::collections::BTreeMap<String, String> {
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).unwrap_or(serde_yaml_ng::Value::Null);
    let mut out = std::collections::BTreeMap::new();
    fn walk(prefix: &str, v: &serde_yaml_ng::Value, out: &mut std::collections::BTreeMap<String, String>) {
        match v {
            serde_yaml_ng::Value::Mapping(m) => {
                for (k, v) in m {
                    let key = k.as_str().unwrap_or_default();
                    let full = if prefix.is_empty() {
                        key.to_owned()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&full, v, out);
                }
            }
            serde_yaml_ng::Value::String(s) => {
                out.insert(prefix.to_owned(), s.clone());
            }
            other => {
                out.insert(
                    prefix.to_owned(),
                    serde_yaml_ng::to_string(other).unwrap_or_default().trim().to_owned(),
                );
            }
        }
    }
    walk("", &value, &mut out);
    out
}

/// The web fixture charm (a Pebble workload), built and packed once per test binary.
pub fn web_charm() -> PathBuf {
    static CHARM: OnceLock<PathBuf> = OnceLock::new();
    CHARM
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charms/web");
            build_and_pack("local-model-web", "lm-web", &dir)
        })
        .clone()
}

/// Polls `check` every 100 ms until it holds, for at most `seconds`.
pub fn eventually(seconds: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("timed out after {seconds}s waiting for {what}");
}

/// `GET path` over HTTP/1.0; the body, or `None` when nothing answers.
pub fn http_get(address: &str, port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect((address, port)).ok()?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).ok()?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned())
}

/// The zk fixture charm (ZooKeeper through Pebble), built and packed once per test binary.
pub fn zk_charm() -> PathBuf {
    static CHARM: OnceLock<PathBuf> = OnceLock::new();
    CHARM
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charms/zk");
            build_and_pack("local-model-zk", "lm-zk", &dir)
        })
        .clone()
}

/// Sends a ZooKeeper four-letter word and returns the answer.
pub fn four_letter(address: &str, port: u16, word: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect((address, port)).ok()?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).ok()?;
    stream.write_all(word.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}
