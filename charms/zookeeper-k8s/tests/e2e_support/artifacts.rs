//! The binaries and charms the end-to-end tests need, built once per test binary.
//!
//! The tests drive the `local-model` CLI and pack charms with `charm-pack`, both other
//! packages of the workspace, so (as the local model's own tests do for their fixtures) they
//! run one `cargo build` for everything at first use. Charms are debug builds packed with
//! `--no-build`: a release build with LTO would cost minutes on two cores and test nothing more.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The stand-in charms (charms/stand-ins) the client scenarios relate to.
pub const STAND_INS: [&str; 2] = ["data-integrator", "self-signed-certificates"];

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The target directory (`CARGO_TARGET_DIR` when set).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// A debug binary of the workspace.
pub fn debug_bin(name: &str) -> PathBuf {
    target_dir().join("debug").join(name)
}

/// Builds (debug) local-model, charm-pack, this charm and the stand-ins that exist, once.
pub fn build() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command.current_dir(workspace()).args([
            "build",
            "--quiet",
            "-p",
            "local-model",
            "-p",
            "charm-pack",
            "-p",
            "zookeeper-k8s",
        ]);
        for name in STAND_INS {
            if stand_in_dir(name).join("charmcraft.yaml").exists() {
                command.args(["-p", name]);
            }
        }
        let status = command.status().expect("running cargo");
        assert!(status.success(), "building the end-to-end binaries failed");
    });
}

/// The local-model binary.
pub fn local_model() -> PathBuf {
    build();
    debug_bin("local-model")
}

/// A stand-in charm's crate directory.
pub fn stand_in_dir(name: &str) -> PathBuf {
    workspace().join("charms/stand-ins").join(name)
}

/// Packs the charm crate at `crate_dir` (binary `binary`, debug) into `out_dir`; returns the
/// `.charm` path.
pub fn pack(crate_dir: &Path, binary: &str, out_dir: &Path) -> PathBuf {
    build();
    let out = Command::new(debug_bin("charm-pack"))
        .arg(crate_dir)
        .arg("--output-dir")
        .arg(out_dir)
        .arg("--no-build")
        .arg("--binary")
        .arg(debug_bin(binary))
        .output()
        .expect("running charm-pack");
    assert!(
        out.status.success(),
        "packing {} failed: {}",
        crate_dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Packs this charm into `out_dir`.
pub fn pack_zookeeper(out_dir: &Path) -> PathBuf {
    pack(Path::new(env!("CARGO_MANIFEST_DIR")), "zookeeper-k8s", out_dir)
}

/// Packs a stand-in charm into `out_dir`; panics when the stand-in is not there.
pub fn pack_stand_in(name: &str, out_dir: &Path) -> PathBuf {
    let dir = stand_in_dir(name);
    assert!(dir.join("charmcraft.yaml").exists(), "the {name} stand-in is missing");
    pack(&dir, name, out_dir)
}
