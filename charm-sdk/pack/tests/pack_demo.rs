//! Packs the demo charm's charmcraft.yaml with a fake binary (no compile) and reads the
//! archive back with the `zip` crate and with Python's `zipfile`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use charm_pack::metadata::METADATA_KEYS;
use charm_pack::{pack, Binary, Options};
use common::*;
use serde_yaml_ng::Value;

const T0: u64 = 1_700_000_000;

fn pack_fixture(dir: &std::path::Path, out: &std::path::Path) -> std::path::PathBuf {
    let binary = fake_binary(out);
    pack(&Options {
        crate_dir: dir.to_path_buf(),
        out_dir: out.to_path_buf(),
        binary: Binary::Prebuilt(binary),
        platform: None,
        started_at: T0,
    })
    .unwrap()
}

#[test]
fn demo_charm_archive_layout_modes_and_yaml() {
    let krate = fixture_crate(|y| y, "", &[]);
    let out = tempfile::tempdir().unwrap();
    let path = pack_fixture(krate.path(), out.path());
    assert_eq!(path.file_name().unwrap(), "demo-charm_amd64.charm");

    let members = read_zip(&path);
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "actions.yaml",
            "bin/demo-charm",
            "config.yaml",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml"
        ]
    );
    for (name, m) in &members {
        let want = if name == "dispatch" || name.starts_with("bin/") {
            0o100755
        } else {
            0o100644
        };
        assert_eq!(m.mode, want, "{name}");
        assert!(m.deflated, "{name}");
    }
    let dispatch = &members.iter().find(|(n, _)| n == "dispatch").unwrap().1.data;
    assert_eq!(String::from_utf8_lossy(dispatch), "#!/bin/sh\nexec ./bin/demo-charm\n");

    let md = yaml_of(&members, "metadata.yaml");
    let md_keys = keys(&md);
    assert_eq!(
        md_keys,
        [
            "assumes",
            "containers",
            "description",
            "display-name",
            "name",
            "peers",
            "provides",
            "requires",
            "resources",
            "storage",
            "summary"
        ]
    );
    assert!(md_keys.iter().all(|k| METADATA_KEYS.contains(&k.as_str())));
    assert_eq!(md["display-name"], demo_section("title"));
    for key in [
        "name",
        "summary",
        "description",
        "assumes",
        "containers",
        "resources",
        "storage",
        "peers",
        "provides",
        "requires",
    ] {
        assert_eq!(md[key], demo_section(key), "metadata.yaml {key}");
    }
    assert_eq!(yaml_of(&members, "config.yaml"), demo_section("config"));
    assert_eq!(yaml_of(&members, "actions.yaml"), demo_section("actions"));

    let manifest = yaml_of(&members, "manifest.yaml");
    assert_eq!(
        keys(&manifest),
        ["charmcraft-version", "charmcraft-started-at", "bases", "analysis"]
    );
    assert_eq!(manifest["charmcraft-version"], "4.5.0");
    assert_eq!(manifest["charmcraft-started-at"], "2023-11-14T22:13:20Z");
    let bases: Value = serde_yaml_ng::from_str("[{name: ubuntu, channel: '22.04', architectures: [amd64]}]").unwrap();
    assert_eq!(manifest["bases"], bases);
    let attrs: Value =
        serde_yaml_ng::from_str("[{name: language, result: unknown}, {name: framework, result: unknown}]").unwrap();
    assert_eq!(manifest["analysis"]["attributes"], attrs);

    // Python's zipfile agrees on names, order, modes, compression and timestamps.
    let py = python_view(&path);
    assert_eq!(py.keys().map(String::as_str).collect::<Vec<_>>(), names);
    for (name, (mode, compress, date)) in &py {
        let want = if name == "dispatch" || name.starts_with("bin/") {
            0o100755
        } else {
            0o100644
        };
        assert_eq!(
            (*mode, *compress, date.as_str()),
            (want, 8, "1980-01-01 00:00:00"),
            "{name}"
        );
    }
}

#[test]
fn unpacked_dispatch_execs_the_binary_with_the_dispatch_path() {
    let krate = fixture_crate(|y| y, "", &[]);
    let out = tempfile::tempdir().unwrap();
    let path = pack_fixture(krate.path(), out.path());
    let unit = tempfile::tempdir().unwrap();
    for (name, m) in read_zip(&path) {
        let dest = unit.path().join(&name);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::write(&dest, &m.data).unwrap();
        fs::set_permissions(&dest, fs::Permissions::from_mode(m.mode & 0o777)).unwrap();
    }
    let run = Command::new("./dispatch")
        .current_dir(unit.path())
        .env("JUJU_DISPATCH_PATH", "hooks/config-changed")
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "fake charm: hooks/config-changed\n"
    );
}

#[test]
fn same_inputs_same_bytes() {
    let krate = fixture_crate(|y| y, "", &[]);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = fs::read(pack_fixture(krate.path(), a.path())).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = fs::read(pack_fixture(krate.path(), b.path())).unwrap();
    assert!(first == second, "archives differ");
}

#[test]
fn extra_files_are_globbed_and_keep_their_executable_bit() {
    let files = r#"files = ["templates/**", "src/grafana_dashboards/*.json", "src/prometheus_alert_rules/*.rules"]"#;
    let prime =
        "prime: [dispatch, bin/demo-charm, templates, src/grafana_dashboards/*.json, src/prometheus_alert_rules]";
    let krate = fixture_crate(
        |y| y.replace("prime: [dispatch, bin/demo-charm]", prime),
        files,
        &[
            ("templates/page.html", "<p>{{greeting}}</p>", false),
            ("templates/bin/helper.sh", "#!/bin/sh\n", true),
            ("src/grafana_dashboards/web.json", "{}", false),
            ("src/grafana_dashboards/README.md", "not shipped", false),
            ("src/prometheus_alert_rules/web.rules", "groups: []", false),
        ],
    );
    let out = tempfile::tempdir().unwrap();
    let members = read_zip(&pack_fixture(krate.path(), out.path()));
    let extra: Vec<(&str, u32)> = members
        .iter()
        .filter(|(n, _)| n.starts_with("templates/") || n.starts_with("src/"))
        .map(|(n, m)| (n.as_str(), m.mode & 0o777))
        .collect();
    assert_eq!(
        extra,
        [
            ("src/grafana_dashboards/web.json", 0o644),
            ("src/prometheus_alert_rules/web.rules", 0o644),
            ("templates/bin/helper.sh", 0o755),
            ("templates/page.html", 0o644),
        ]
    );
}

#[test]
fn cli_packs_and_checks() {
    let krate = fixture_crate(|y| y, "", &[]);
    let out = tempfile::tempdir().unwrap();
    let fake = fake_binary(out.path());
    let exe = env!("CARGO_BIN_EXE_charm-pack");
    let run = Command::new(exe)
        .arg(krate.path())
        .args(["--no-build", "--binary"])
        .arg(&fake)
        .arg("-o")
        .arg(out.path().join("charms"))
        .env("SOURCE_DATE_EPOCH", "0")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let printed = String::from_utf8_lossy(&run.stdout).trim().to_owned();
    assert!(printed.ends_with("charms/demo-charm_amd64.charm"), "{printed}");
    let manifest = yaml_of(&read_zip(printed.as_ref()), "manifest.yaml");
    assert_eq!(manifest["charmcraft-started-at"], "1970-01-01T00:00:00Z");

    let check = Command::new(exe).arg(krate.path()).arg("--check").output().unwrap();
    assert!(check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("demo-charm_amd64.charm"));

    let no_binary = Command::new(exe).arg(krate.path()).arg("--no-build").output().unwrap();
    assert!(
        !no_binary.status.success(),
        "--no-build without --binary must be refused"
    );
}
