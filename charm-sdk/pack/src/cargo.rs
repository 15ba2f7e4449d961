//! The charm crate as cargo sees it, and building its binary.
//!
//! Cargo.toml is read through `cargo metadata` rather than a TOML parser: it is the
//! authority on workspace inheritance and on which `bin` targets exist (`[[bin]]`,
//! `src/main.rs`, `src/bin/*`), and it adds no dependency. The built executable's path is
//! taken from `cargo build --message-format=json` for the same reason: it is right whatever
//! the target dir, profile settings or workspace layout.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::error::{Error, Problems};

/// What charm-pack needs from a charm crate's Cargo.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharmCrate {
    /// The crate directory (canonical).
    pub dir: PathBuf,
    /// The package name (`cargo build -p`).
    pub package: String,
    /// The bin target shipped as `bin/<binary>`.
    pub binary: String,
    /// `[package.metadata.charm] files`: extra files to ship, glob patterns.
    pub files: Vec<String>,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

impl CharmCrate {
    /// Reads the crate in `dir` with `cargo metadata --no-deps`.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let manifest = dir.join("Cargo.toml");
        let manifest = manifest.canonicalize().map_err(|e| Error::io(&manifest, e))?;
        let out = cargo()
            .args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"])
            .arg(&manifest)
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| Error::Cargo(format!("cannot run cargo metadata: {e}")))?;
        if !out.status.success() {
            return Err(Error::Cargo(format!(
                "cargo metadata failed for {}:\n{}",
                manifest.display(),
                String::from_utf8_lossy(&out.stderr).trim_end()
            )));
        }
        let meta: Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| Error::Cargo(format!("cargo metadata printed invalid JSON: {e}")))?;
        let package = meta["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path()))
            .ok_or_else(|| Error::Cargo(format!("no package with manifest {}", manifest.display())))?;
        let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_package(dir, package).map_err(Error::Invalid)
    }

    /// Builds the description from one package of `cargo metadata` output.
    pub fn from_package(dir: PathBuf, package: &Value) -> Result<Self, Problems> {
        let mut problems = Problems::default();
        let name = package["name"].as_str().unwrap_or_default().to_owned();
        let bins: Vec<&str> = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bin")))
            .filter_map(|t| t["name"].as_str())
            .collect();
        let charm = &package["metadata"]["charm"];
        let at = "Cargo.toml [package.metadata.charm]";
        let binary = match (&charm["binary"], bins.as_slice()) {
            (Value::String(b), _) if bins.contains(&b.as_str()) => b.clone(),
            (Value::String(b), _) => {
                problems.push(
                    format!("{at} binary"),
                    format!("{b:?} is not a bin target of {name} (have {bins:?})"),
                );
                String::new()
            }
            (Value::Null, [one]) => (*one).to_owned(),
            (Value::Null, []) => {
                problems.push(
                    "Cargo.toml",
                    format!("package {name} has no bin target (add src/main.rs)"),
                );
                String::new()
            }
            (Value::Null, _) => {
                problems.push(
                    format!("{at} binary"),
                    format!("several bin targets {bins:?}: name the charm's"),
                );
                String::new()
            }
            (_, _) => {
                problems.push(format!("{at} binary"), "must be a string");
                String::new()
            }
        };
        let files = match &charm["files"] {
            Value::Null => Vec::new(),
            Value::Array(items) if items.iter().all(Value::is_string) => {
                items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
            }
            _ => {
                problems.push(format!("{at} files"), "must be a list of glob patterns (strings)");
                Vec::new()
            }
        };
        problems.into_result()?;
        Ok(Self {
            dir,
            package: name,
            binary,
            files,
        })
    }
}

/// Runs `cargo build --release` for the charm's binary and returns the executable's path.
/// Cargo's progress and diagnostics go to this process's stderr.
pub fn build(krate: &CharmCrate, target_dir: Option<&Path>) -> Result<PathBuf, Error> {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
        "--manifest-path",
    ])
    .arg(krate.dir.join("Cargo.toml"))
    .args(["-p", &krate.package, "--bin", &krate.binary])
    .stdout(Stdio::piped());
    if let Some(dir) = target_dir {
        cmd.arg("--target-dir").arg(dir);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Cargo(format!("cannot run cargo build: {e}")))?;
    let mut executable = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| Error::Cargo(format!("reading cargo build output: {e}")))?;
            let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let is_our_bin = msg["reason"] == "compiler-artifact"
                && msg["target"]["name"] == krate.binary.as_str()
                && msg["target"]["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "bin"));
            if let (true, Some(exe)) = (is_our_bin, msg["executable"].as_str()) {
                executable = Some(PathBuf::from(exe));
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::Cargo(format!("waiting for cargo build: {e}")))?;
    if !status.success() {
        return Err(Error::Cargo(format!(
            "cargo build --release -p {} failed ({status})",
            krate.package
        )));
    }
    executable.ok_or_else(|| Error::Cargo(format!("cargo build reported no executable for bin {}", krate.binary)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_bin_and_files() {
        let p = json!({"name": "x", "targets": [{"kind": ["lib"], "name": "x"}, {"kind": ["bin"], "name": "x"}],
                       "metadata": {"charm": {"files": ["templates/**"]}}});
        let c = CharmCrate::from_package("/d".into(), &p).unwrap();
        assert_eq!(
            (c.binary.as_str(), c.files.as_slice()),
            ("x", ["templates/**".to_owned()].as_slice())
        );
    }

    #[test]
    fn ambiguous_or_missing_bins_are_problems() {
        let p = json!({"name": "x", "targets": [{"kind": ["bin"], "name": "a"}, {"kind": ["bin"], "name": "b"}], "metadata": null});
        assert!(CharmCrate::from_package("/d".into(), &p)
            .unwrap_err()
            .mentions("several bin targets"));
        let p = json!({"name": "x", "targets": [{"kind": ["bin"], "name": "a"}, {"kind": ["bin"], "name": "b"}],
                       "metadata": {"charm": {"binary": "b", "files": "templates"}}});
        let err = CharmCrate::from_package("/d".into(), &p).unwrap_err();
        assert!(err.mentions("files: must be a list"), "{err}");
        let p = json!({"name": "x", "targets": [], "metadata": {"charm": {"binary": "b"}}});
        assert!(CharmCrate::from_package("/d".into(), &p)
            .unwrap_err()
            .mentions("not a bin target"));
    }
}
