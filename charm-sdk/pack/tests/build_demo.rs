//! Really builds the demo charm in release and packs it (a release build; CI builds the
//! charms in release anyway, so this mostly reuses that work).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use charm_pack::{pack, started_at_from_env, Binary, Options};
use common::*;

#[test]
fn builds_and_packs_the_demo_charm() {
    let out = tempfile::tempdir().unwrap();
    let path = pack(&Options {
        crate_dir: demo_dir(),
        out_dir: out.path().to_path_buf(),
        binary: Binary::Build { target_dir: None },
        platform: None,
        started_at: started_at_from_env(),
    })
    .unwrap();
    let members = read_zip(&path);
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.starts_with(&["actions.yaml", "bin/demo-charm", "config.yaml", "dispatch"]),
        "{names:?}"
    );
    let bin = &members.iter().find(|(n, _)| n == "bin/demo-charm").unwrap().1;
    assert_eq!(&bin.data[..4], b"\x7fELF");
    assert_eq!(bin.mode & 0o777, 0o755);
    let py = python_view(&path);
    assert_eq!(py["bin/demo-charm"].0, 0o100755);
}

/// The build path (cargo build --release, --target-dir, finding the executable from cargo's
/// JSON messages) on a dependency-free crate with the demo's charmcraft.yaml: fast.
#[test]
fn builds_a_small_crate_with_cargo_and_packs_it() {
    let krate = fixture_crate(|y| y, "", &[]);
    let target = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = pack(&Options {
        crate_dir: krate.path().to_path_buf(),
        out_dir: out.path().to_path_buf(),
        binary: Binary::Build {
            target_dir: Some(target.path().to_path_buf()),
        },
        platform: None,
        started_at: 0,
    })
    .unwrap();
    assert!(target.path().join("release/demo-charm").is_file());
    let members = read_zip(&path);
    let bin = &members.iter().find(|(n, _)| n == "bin/demo-charm").unwrap().1;
    assert_eq!(&bin.data[..4], b"\x7fELF");
    assert_eq!(
        bin.data,
        std::fs::read(target.path().join("release/demo-charm")).unwrap()
    );
}

#[test]
fn a_failing_build_is_reported() {
    let krate = fixture_crate(|y| y, "", &[]);
    std::fs::write(krate.path().join("src/main.rs"), "fn main() { oops }\n").unwrap();
    let target = tempfile::tempdir().unwrap();
    let err = pack(&Options {
        crate_dir: krate.path().to_path_buf(),
        out_dir: target.path().join("out"),
        binary: Binary::Build {
            target_dir: Some(target.path().to_path_buf()),
        },
        platform: None,
        started_at: 0,
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("cargo build --release -p demo-charm failed"),
        "{err}"
    );
    assert!(!target.path().join("out").exists(), "nothing written");
}
