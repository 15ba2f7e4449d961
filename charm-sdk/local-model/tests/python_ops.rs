//! An unmodified Python `ops` charm (ops from PyPI in a venv inside the charm directory,
//! no metadata.yaml: the model generates it from charmcraft.yaml) related to our Rust
//! probe charm: relation data flows both ways, the Rust charm's secret is read by the
//! Python one, and the Python charm's own secret (with an expiry) is granted back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{probe_charm, results, target_dir, Model};

/// A venv with `ops`, cached under the target directory; `None` when PyPI is unreachable.
fn ops_venv() -> Option<PathBuf> {
    let dir = target_dir().join("tmp/local-model-ops-venv");
    let python = dir.join("bin/python3");
    let has_ops = |python: &Path| {
        Command::new(python)
            .args(["-c", "import ops"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_ops(&python) {
        return Some(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let system = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let made = Command::new(system).args(["-m", "venv"]).arg(&dir).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: cannot create a Python venv");
        return None;
    }
    let installed = Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "ops"])
        .status();
    if !installed.is_ok_and(|s| s.success()) || !has_ops(&python) {
        eprintln!("SKIPPED: pip cannot install ops from PyPI");
        let _ = std::fs::remove_dir_all(&dir);
        return None;
    }
    Some(dir)
}

#[test]
fn python_ops_charm_and_rust_charm_share_data_and_secrets() {
    let Some(venv) = ops_venv() else { return };
    let probe = probe_charm();
    let model = Model::up("1h");
    let source = tempfile::tempdir().unwrap();
    let charm_dir = source.path().join("pyprobe");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charms/pyprobe");
    local_model::charm::copy_tree(&fixture, &charm_dir).unwrap();
    local_model::charm::copy_tree(&venv, &charm_dir.join("venv")).unwrap();
    assert!(!charm_dir.join("metadata.yaml").exists());

    model.ok(&["deploy", charm_dir.to_str().unwrap(), "-n", "2"]);
    model.ok(&["deploy", probe.to_str().unwrap(), "server"]);
    // Endpoints found by interface, as Juju does.
    model.ok(&["integrate", "pyprobe", "server"]);
    model.ok(&["wait-for-idle", "--timeout", "300"]);

    let status = model.status();
    for unit in ["pyprobe/0", "pyprobe/1"] {
        assert_eq!(
            status["applications"]["pyprobe"]["units"][unit]["workload-status"]["message"], "python ok",
            "{status}"
        );
    }
    assert!(model.path().join("units/pyprobe-0/charm/metadata.yaml").exists());

    // Python -> Rust: unit and app bags, and the Rust secret's content seen by Python.
    let shown: serde_yaml_ng::Value = serde_yaml_ng::from_str(&model.ok(&["show-unit", "server/0"])).unwrap();
    let infos = shown["server/0"]["relation-info"].as_sequence().unwrap();
    let rel = infos.iter().find(|r| r["endpoint"] == "server").unwrap();
    let py0 = &rel["related-units"]["pyprobe/0"]["data"];
    assert_eq!(py0["py-unit"], "pyprobe/0");
    assert_eq!(py0["py-saw-password"], "first-password", "{rel:?}");
    assert_eq!(
        rel["related-units"]["pyprobe/1"]["data"]["py-saw-password"],
        "first-password"
    );
    assert_eq!(rel["application-data"]["py-app"], "hi-from-python");
    let py_secret = rel["application-data"]["py-secret"].as_str().unwrap().to_owned();

    // Rust -> Python: what the ops charm reads from the Rust charm's bags.
    let seen = results(&model.ok(&["run", "pyprobe/0", "show"]));
    assert_eq!(seen["remote-app"], "server");
    assert_eq!(seen["remote-app-name"], "server");
    assert_eq!(seen["remote-greeting"], "hello");
    assert_eq!(seen["leader"], "True");

    // The Python charm's own secret, with an expiry ops parsed back from secret-info-get.
    let secrets: serde_json::Value = serde_json::from_str(&model.ok(&["secrets", "--format", "json"])).unwrap();
    let own = secrets
        .as_object()
        .unwrap()
        .values()
        .find(|s| s["label"] == "py-own")
        .unwrap_or_else(|| panic!("{secrets}"));
    assert_eq!(own["owner"], "pyprobe");
    assert!(py_secret.ends_with(own["uri"].as_str().unwrap().trim_start_matches("secret:")));
    assert_eq!(own["access"][0]["target"], "application-server");
    assert!(model.log().contains("py-own expires"), "ops read the expiry back");

    // Config changes reach the Python charm and flow to the Rust side.
    model.ok(&["config", "pyprobe", "message=bonjour"]);
    model.ok(&["wait-for-idle", "--timeout", "120"]);
    let shown: serde_yaml_ng::Value = serde_yaml_ng::from_str(&model.ok(&["show-unit", "server/0"])).unwrap();
    let infos = shown["server/0"]["relation-info"].as_sequence().unwrap();
    let rel = infos.iter().find(|r| r["endpoint"] == "server").unwrap();
    assert_eq!(rel["application-data"]["py-app"], "bonjour");
}
