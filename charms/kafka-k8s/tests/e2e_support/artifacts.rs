//! The binaries and charms the end-to-end tests need, built once per test binary.
//!
//! The tests drive the `local-model` CLI and pack charms with `charm-pack`, both other packages
//! of the workspace, as are the zookeeper-k8s charm and the data-integrator stand-in: one
//! `cargo build` builds them at first use. The kafka-k8s binary is the one cargo built for
//! this test run (`CARGO_BIN_EXE_kafka-k8s`), so the charm under test always matches the test.
//! Charms are debug builds packed with `--no-build`: a release build with LTO would cost
//! minutes on two cores and test nothing more.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The data-integrator stand-in: the client of both charms.
pub const DATA_INTEGRATOR: &str = "data-integrator";

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

/// Builds (debug) local-model, charm-pack, zookeeper-k8s and the data-integrator, once.
pub fn build() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace())
            .args(["build", "--quiet"])
            .args(["-p", "local-model", "-p", "charm-pack", "-p", "zookeeper-k8s"])
            .args(["-p", DATA_INTEGRATOR])
            .status()
            .expect("running cargo");
        assert!(status.success(), "building the end-to-end binaries failed");
    });
}

/// The local-model binary.
pub fn local_model() -> PathBuf {
    build();
    debug_bin("local-model")
}

/// Packs the charm crate at `crate_dir` with the charm binary `binary` into `out_dir`;
/// returns the `.charm` path.
pub fn pack(crate_dir: &Path, binary: &Path, out_dir: &Path) -> PathBuf {
    build();
    let out = Command::new(debug_bin("charm-pack"))
        .arg(crate_dir)
        .arg("--output-dir")
        .arg(out_dir)
        .arg("--no-build")
        .arg("--binary")
        .arg(binary)
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

/// Packs kafka-k8s (the binary of this test run) into `out_dir`.
pub fn pack_kafka(out_dir: &Path) -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_kafka-k8s"));
    pack(Path::new(env!("CARGO_MANIFEST_DIR")), &binary, out_dir)
}

/// Packs zookeeper-k8s into `out_dir`.
pub fn pack_zookeeper(out_dir: &Path) -> PathBuf {
    pack(
        &workspace().join("charms/zookeeper-k8s"),
        &debug_bin("zookeeper-k8s"),
        out_dir,
    )
}

/// Packs the data-integrator stand-in into `out_dir`.
pub fn pack_data_integrator(out_dir: &Path) -> PathBuf {
    let dir = workspace().join("charms/stand-ins").join(DATA_INTEGRATOR);
    pack(&dir, &debug_bin(DATA_INTEGRATOR), out_dir)
}
