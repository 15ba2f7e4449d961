//! A local model for the end-to-end test, driven through the `local-model` CLI: a model
//! directory destroyed when the test ends (even on panic), and charms built in debug and
//! packed once per run. Trimmed from charm-sdk/local-model/tests/support.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace's target directory.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace().join("target"),
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// Builds (debug) the local-model CLI and the charms of the test, once per test binary.
fn build() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace())
            .args([
                "build",
                "--quiet",
                "-p",
                "local-model",
                "-p",
                "self-signed-certificates",
            ])
            .args(["-p", "stand-in-tls-requirer"])
            .status()
            .unwrap();
        assert!(status.success(), "building the local model and the charms failed");
    });
}

/// The local-model binary.
pub fn bin() -> PathBuf {
    build();
    target_dir().join("debug/local-model")
}

/// Packs the charm crate at `crate_dir` (relative to the workspace) around its debug binary.
pub fn charm(crate_dir: &str, binary: &str) -> PathBuf {
    build();
    charm_pack::pack(&charm_pack::Options {
        crate_dir: workspace().join(crate_dir),
        out_dir: target_dir().join("tmp/stand-in-charms"),
        binary: charm_pack::Binary::Prebuilt(target_dir().join("debug").join(binary)),
        platform: None,
        started_at: 0,
    })
    .unwrap()
}

/// A model: `up` on creation, `destroy` on drop.
pub struct Model {
    pub dir: tempfile::TempDir,
}

impl Model {
    /// Starts a model with a short hook retry delay.
    pub fn up() -> Model {
        let dir = tempfile::Builder::new().prefix("lm").tempdir().unwrap();
        let model = Model { dir };
        let out = Command::new(bin())
            .arg("up")
            .arg(model.path())
            .args(["--update-status-interval", "1h", "--retry-delay", "300ms"])
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

    /// The last lines of the debug log.
    pub fn log_tail(&self) -> String {
        let out = self.run(&["debug-log", "--no-tail", "-n", "60"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The whole debug log.
    pub fn log(&self) -> String {
        self.ok(&["debug-log", "--replay", "--no-tail"])
    }

    /// `status --format json`.
    pub fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["status", "--format", "json"])).unwrap()
    }

    /// `run UNIT ACTION`: the results, nested keys joined with dots.
    pub fn action(&self, unit: &str, action: &str) -> BTreeMap<String, String> {
        results(&self.ok(&["run", unit, action]))
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        let _ = Command::new(bin()).arg("destroy").arg(self.path()).output();
    }
}

/// Parses `key: value` lines of `juju run` plain output (nested keys flattened with dots).
pub fn results(text: &str) -> BTreeMap<String, String> {
    fn walk(prefix: &str, v: &serde_yaml_ng::Value, out: &mut BTreeMap<String, String>) {
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
                let text = serde_yaml_ng::to_string(other).unwrap_or_default();
                out.insert(prefix.to_owned(), text.trim().to_owned());
            }
        }
    }
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).unwrap_or(serde_yaml_ng::Value::Null);
    let mut out = BTreeMap::new();
    walk("", &value, &mut out);
    out
}
