//! Checks charm-pack against the real charmcraft 4.5.0, when a venv with it exists at
//! `$CHARMCRAFT_VENV` (create one with `charm-sdk/pack/scripts/charmcraft-venv.sh DIR`);
//! skipped with a message otherwise. `charmcraft pack` cannot run on Debian, but
//! `charmcraft expand-extensions` validates charmcraft.yaml through charmcraft's own model,
//! and its Python API derives metadata.yaml and the archive name, which are compared here
//! with what charm-pack writes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use charm_pack::{check, pack, Binary, Options};
use common::*;
use serde_json::Value as Json;

fn venv() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("CHARMCRAFT_VENV")?);
    if dir.join("bin/charmcraft").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: $CHARMCRAFT_VENV has no bin/charmcraft");
        None
    }
}

fn skip() {
    eprintln!(
        "skipping: set CHARMCRAFT_VENV to a venv with charmcraft==4.5.0 (charm-sdk/pack/scripts/charmcraft-venv.sh)"
    );
}

fn charmcraft(venv: &Path, project: &Path, args: &[&str]) -> std::process::Output {
    let runtime = tempfile::tempdir().unwrap();
    Command::new(venv.join("bin/charmcraft"))
        .args(args)
        .current_dir(project)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .unwrap()
}

#[test]
fn charmcraft_expand_extensions_accepts_the_demo_charm() {
    let Some(venv) = venv() else { return skip() };
    let out = charmcraft(&venv, &demo_dir(), &["expand-extensions"]);
    assert!(
        out.status.success(),
        "charmcraft refused the demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn both_refuse_an_unknown_key() {
    let Some(venv) = venv() else { return skip() };
    let krate = fixture_crate(|y| format!("{y}colour: blue\n"), "", &[]);
    let out = charmcraft(&venv, krate.path(), &["expand-extensions"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Extra inputs are not permitted"));
    let Err(charm_pack::Error::Invalid(p)) = check(krate.path(), None) else {
        panic!("charm-pack accepted it")
    };
    assert!(p.mentions("colour: unknown key"), "{p}");
}

/// charmcraft's own derivation of metadata.yaml, config, actions and the archive name, and
/// what PyYAML (a YAML 1.1 reader, like Juju's yaml.v2) reads back from charm-pack's files.
const DERIVE: &str = r#"
import json, sys, yaml, zipfile, craft_platforms
from charmcraft.models.project import CharmcraftProject
from charmcraft.models.metadata import CharmMetadata
from charmcraft.models.manifest import Manifest
d = yaml.safe_load(open(sys.argv[1]))
p = CharmcraftProject.unmarshal(d)
plan = craft_platforms.charm.get_platforms_charm_build_plan(base=p.base, platforms=d["platforms"], build_base=None)
m = p.marshal()
want = {"metadata.yaml": CharmMetadata.from_charm(p).marshal(), "config.yaml": m.get("config"),
        "actions.yaml": m.get("actions"), "name": f"{p.name}_{plan[0].platform.replace(':', '-')}.charm"}
z = zipfile.ZipFile(sys.argv[2])
got = {n: yaml.safe_load(z.read(n)) for n in ("metadata.yaml", "config.yaml", "actions.yaml")}
manifest = Manifest.model_validate(yaml.safe_load(z.read("manifest.yaml")))
got["manifest"] = manifest.model_dump(mode="json", by_alias=True, exclude_none=True)
print(json.dumps({"want": want, "got": got}))
"#;

/// Values a YAML 1.1 reader would mistype if written plain.
const TRICKY: &str = "    tricky-flag:\n      type: string\n      default: \"on\"\n      description: \"yes\"\n    \
                      when:\n      type: string\n      default: \"2001-12-14\"\n    ratio:\n      type: float\n      default: 1.0e+20\n";

#[test]
fn metadata_config_actions_and_name_match_charmcraft() {
    let Some(venv) = venv() else { return skip() };
    let links =
        "links:\n  contact: Demo Team <demo@example.invalid>\n  documentation: https://example.invalid/docs\n  \
                 source: https://example.invalid/src\n";
    let krate = fixture_crate(
        |y| format!("{y}{links}").replace("config:\n  options:\n", &format!("config:\n  options:\n{TRICKY}")),
        "",
        &[],
    );
    let dest = tempfile::tempdir().unwrap();
    let path = pack(&Options {
        crate_dir: krate.path().to_path_buf(),
        out_dir: dest.path().to_path_buf(),
        binary: Binary::Prebuilt(fake_binary(dest.path())),
        platform: None,
        started_at: 0,
    })
    .unwrap();

    let yaml = krate.path().join("charmcraft.yaml");
    let out = Command::new(venv.join("bin/python"))
        .arg("-c")
        .arg(DERIVE)
        .arg(&yaml)
        .arg(&path)
        .env("XDG_RUNTIME_DIR", "/tmp")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let both: Json = serde_json::from_slice(&out.stdout).unwrap();
    let (want, got) = (&both["want"], &both["got"]);
    assert_eq!(
        path.file_name().unwrap().to_string_lossy(),
        want["name"].as_str().unwrap()
    );
    for file in ["metadata.yaml", "config.yaml", "actions.yaml"] {
        assert_eq!(got[file], want[file], "{file} as PyYAML reads it");
    }
    assert_eq!(got["config.yaml"]["options"]["tricky-flag"]["default"], "on");
    assert_eq!(got["manifest"]["charmcraft-started-at"], "1970-01-01T00:00:00Z");
    assert_eq!(got["manifest"]["bases"][0]["channel"], "22.04");
}
