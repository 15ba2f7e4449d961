//! Helpers shared by the integration tests: fixture crates, a fake charm binary, and two
//! independent readers of the archive (the `zip` crate and Python's `zipfile`).

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;

/// The demo charm's directory in this repository.
pub fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo-charm")
}

/// A standalone crate (its own `[workspace]`, outside this workspace) named `demo-charm`
/// with the demo charm's charmcraft.yaml (edited by `edit`) and the given extra files.
/// Standalone so the tests do not depend on whether the demo is a workspace member yet.
pub fn fixture_crate(
    edit: impl Fn(String) -> String,
    files_meta: &str,
    extra: &[(&str, &str, bool)],
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let yaml = fs::read_to_string(demo_dir().join("charmcraft.yaml")).unwrap();
    fs::write(dir.path().join("charmcraft.yaml"), edit(yaml)).unwrap();
    fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"demo-charm\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [package.metadata.charm]\n{files_meta}\n\n[workspace]\n"
        ),
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    for (rel, text, exec) in extra {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        let mode = if *exec { 0o775 } else { 0o664 };
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }
    dir
}

/// A small executable standing in for the charm binary.
pub fn fake_binary(dir: &Path) -> PathBuf {
    let p = dir.join("fake-charm");
    fs::write(&p, "#!/bin/sh\necho \"fake charm: $JUJU_DISPATCH_PATH\"\n").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o700)).unwrap();
    p
}

/// One archive member as the `zip` crate reads it.
#[derive(Debug, Clone)]
pub struct Member {
    pub mode: u32,
    pub deflated: bool,
    pub data: Vec<u8>,
}

/// Reads every member, in archive order.
pub fn read_zip(path: &Path) -> Vec<(String, Member)> {
    let mut archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            let m = Member {
                mode: f.unix_mode().unwrap(),
                deflated: f.compression() == zip::CompressionMethod::Deflated,
                data,
            };
            (f.name().to_owned(), m)
        })
        .collect()
}

/// A member parsed as YAML.
pub fn yaml_of(members: &[(String, Member)], name: &str) -> Value {
    let (_, m) = members
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} missing"));
    serde_yaml_ng::from_slice(&m.data).unwrap()
}

/// What Python's `zipfile` sees: name -> (full st_mode, compress_type, date_time), after
/// `testzip()` checked every CRC. Panics if python3 is missing or disagrees.
pub fn python_view(path: &Path) -> BTreeMap<String, (u32, u32, String)> {
    let script = r#"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
assert bad is None, "bad CRC in " + bad
print(json.dumps([[i.filename, i.external_attr >> 16, i.compress_type, "%04d-%02d-%02d %02d:%02d:%02d" % i.date_time, i.create_system] for i in z.infolist()]))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python zipfile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<(String, u32, u32, String, u32)> = serde_json::from_slice(&out.stdout).unwrap();
    rows.into_iter()
        .map(|(name, mode, ct, dt, system)| {
            assert_eq!(system, 3, "{name}: made on unix");
            (name, (mode, ct, dt))
        })
        .collect()
}

/// The mapping keys of a YAML value, in order.
pub fn keys(v: &Value) -> Vec<String> {
    v.as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

/// A top-level section of the demo's charmcraft.yaml.
pub fn demo_section(key: &str) -> Value {
    let text = fs::read_to_string(demo_dir().join("charmcraft.yaml")).unwrap();
    let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
    doc[key].clone()
}
