//! Any charm runs, not only SDK ones: a charm whose `dispatch` is a shell script sees
//! Juju's exact environment (variables exported even when empty, unique context ids, the
//! hook tools first on PATH); bundles with overlays deploy and relate it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use support::Model;

const METADATA: &str = "name: shell\npeers:\n  cluster: {interface: shell-peers}\nprovides:\n  db: {interface: shell-db}\nrequires:\n  backend: {interface: shell-db}\n";
const CONFIG: &str = "options:\n  greeting: {type: string, default: hello}\n";
const ACTIONS: &str = "dump:\n  description: Dumps the environment.\n";
const DISPATCH: &str = r#"#!/bin/sh
set -e
name="${JUJU_HOOK_NAME:-action-$JUJU_ACTION_NAME}"
env | grep -E '^(JUJU_|CHARM_DIR=|PATH=)' | sort > "$JUJU_CHARM_DIR/env-$name"
command -v relation-get >> "$JUJU_CHARM_DIR/env-$name"
if [ "$JUJU_HOOK_NAME" = start ]; then status-set active "$(config-get greeting)"; fi
"#;

fn shell_charm(root: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = root.join("shell");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("metadata.yaml"), METADATA).unwrap();
    std::fs::write(dir.join("config.yaml"), CONFIG).unwrap();
    std::fs::write(dir.join("actions.yaml"), ACTIONS).unwrap();
    std::fs::write(dir.join("dispatch"), DISPATCH).unwrap();
    std::fs::set_permissions(dir.join("dispatch"), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// The variables a unit's hook saw: name to value (present even when empty).
fn env_of(model: &Model, unit: &str, hook: &str) -> (BTreeMap<String, String>, String) {
    let path = model
        .path()
        .join("units")
        .join(unit.replace('/', "-"))
        .join("charm")
        .join(format!("env-{hook}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut vars = BTreeMap::new();
    let mut tool = String::new();
    for line in text.lines() {
        match line.split_once('=') {
            Some((k, v)) if k.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                vars.insert(k.to_owned(), v.to_owned());
            }
            _ => tool = line.to_owned(),
        }
    }
    (vars, tool)
}

#[test]
fn a_shell_charm_sees_jujus_environment() {
    let source = tempfile::tempdir().unwrap();
    let charm = shell_charm(source.path());
    let model = Model::up("1h");
    model.ok(&["deploy", charm.to_str().unwrap(), "one"]);
    model.ok(&["deploy", charm.to_str().unwrap(), "two"]);
    // Both ends provide and require the interface: Juju refuses to guess.
    let ambiguous = model.run(&["integrate", "one", "two"]);
    assert!(String::from_utf8_lossy(&ambiguous.stderr)
        .contains("ambiguous relation: \"one two\" could refer to \"one:db two:backend\"; \"one:backend two:db\""));
    model.ok(&["integrate", "one:db", "two"]);
    model.idle();

    let (install, tool) = env_of(&model, "one/0", "install");
    assert_eq!(install["JUJU_DISPATCH_PATH"], "hooks/install");
    assert_eq!(install["JUJU_HOOK_NAME"], "install");
    assert_eq!(install["JUJU_UNIT_NAME"], "one/0");
    assert_eq!(install["JUJU_VERSION"], "3.6.4");
    assert_eq!(
        install["JUJU_MODEL_NAME"],
        model.status()["model"]["name"].as_str().unwrap()
    );
    assert_eq!(install["JUJU_MODEL_UUID"].len(), 36);
    assert_eq!(
        install["JUJU_CHARM_DIR"],
        model.path().join("units/one-0/charm").to_str().unwrap()
    );
    assert_eq!(install["CHARM_DIR"], install["JUJU_CHARM_DIR"]);
    assert!(install["JUJU_AGENT_SOCKET_ADDRESS"].starts_with('@'));
    assert_eq!(install["JUJU_AGENT_SOCKET_NETWORK"], "unix");
    for empty in [
        "JUJU_MACHINE_ID",
        "JUJU_AVAILABILITY_ZONE",
        "JUJU_PRINCIPAL_UNIT",
        "JUJU_API_ADDRESSES",
    ] {
        assert_eq!(install[empty], "", "{empty} is exported, empty");
    }
    assert!(!install.contains_key("JUJU_RELATION"));
    assert!(install["PATH"].starts_with(model.path().join("tools").to_str().unwrap()));
    assert_eq!(tool, model.path().join("tools/relation-get").to_str().unwrap());
    let (start, _) = env_of(&model, "one/0", "start");
    assert_ne!(
        start["JUJU_CONTEXT_ID"], install["JUJU_CONTEXT_ID"],
        "context ids are unique per hook"
    );

    // relation-created: JUJU_REMOTE_UNIT exported but empty; joined names the remote unit.
    let (created, _) = env_of(&model, "one/0", "db-relation-created");
    assert_eq!(created["JUJU_RELATION"], "db");
    assert!(created["JUJU_RELATION_ID"].starts_with("db:"), "{created:?}");
    assert_eq!(created["JUJU_REMOTE_APP"], "two");
    assert_eq!(created["JUJU_REMOTE_UNIT"], "");
    let (joined, _) = env_of(&model, "two/0", "backend-relation-joined");
    assert_eq!(joined["JUJU_REMOTE_UNIT"], "one/0");
    assert_eq!(joined["JUJU_RELATION"], "backend");

    // Actions: no hook name, the action's name, id and tag.
    model.ok(&["run", "one/0", "dump"]);
    let (action, _) = env_of(&model, "one/0", "action-dump");
    assert_eq!(action["JUJU_DISPATCH_PATH"], "actions/dump");
    assert_eq!(action["JUJU_HOOK_NAME"], "");
    assert_eq!(action["JUJU_ACTION_NAME"], "dump");
    assert_eq!(
        action["JUJU_ACTION_TAG"],
        format!("action-{}", action["JUJU_ACTION_UUID"])
    );

    // remove-relation: departed names the departing unit, broken has no remote unit.
    model.ok(&["remove-relation", "one:db", "two:backend"]);
    model.idle();
    let (departed, _) = env_of(&model, "one/0", "db-relation-departed");
    assert_eq!(departed["JUJU_DEPARTING_UNIT"], "two/0");
    let (broken, _) = env_of(&model, "one/0", "db-relation-broken");
    assert_eq!(broken["JUJU_REMOTE_UNIT"], "");
}

#[test]
fn bundles_with_overlays_deploy_and_relate() {
    let source = tempfile::tempdir().unwrap();
    shell_charm(source.path());
    std::fs::write(
        source.path().join("bundle.yaml"),
        "applications:\n  one:\n    charm: ./shell\n    scale: 2\n    options: {greeting: hey}\n  two:\n    charm: ./shell\n    num_units: 1\nrelations:\n  - [one:db, two:backend]\n",
    )
    .unwrap();
    std::fs::write(
        source.path().join("overlay.yaml"),
        "applications:\n  two:\n    options:\n      greeting: overlaid\n",
    )
    .unwrap();
    let model = Model::up("1h");
    let bundle = source.path().join("bundle.yaml");
    let overlay = source.path().join("overlay.yaml");
    model.ok(&[
        "deploy",
        bundle.to_str().unwrap(),
        "--overlay",
        overlay.to_str().unwrap(),
    ]);
    model.idle();
    let status = model.status();
    assert_eq!(status["applications"]["one"]["scale"], 2);
    assert_eq!(
        status["applications"]["one"]["units"]["one/1"]["workload-status"]["message"],
        "hey"
    );
    assert_eq!(
        status["applications"]["two"]["units"]["two/0"]["workload-status"]["message"],
        "overlaid"
    );
    let relations = status["relations"].as_array().unwrap();
    assert!(
        relations
            .iter()
            .any(|r| r["provider"] == "one:db" && r["requirer"] == "two:backend"),
        "{relations:?}"
    );
    let table = model.ok(&["status"]);
    assert!(table.contains("one:db") && table.contains("one/0*"), "{table}");
}

#[test]
fn timers_fire_update_status_and_secret_expiry() {
    use std::os::unix::fs::PermissionsExt;
    let source = tempfile::tempdir().unwrap();
    let dir = source.path().join("timed");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("metadata.yaml"), "name: timed\n").unwrap();
    std::fs::write(
        dir.join("dispatch"),
        "#!/bin/sh\nset -e\necho \"$JUJU_HOOK_NAME $JUJU_SECRET_REVISION\" >> hooks.log\n\
         if [ \"$JUJU_HOOK_NAME\" = install ]; then secret-add --owner unit --expire 1s --label t token=abc >/dev/null; fi\n\
         if [ \"$JUJU_HOOK_NAME\" = secret-expired ]; then secret-remove \"$JUJU_SECRET_ID\" --revision \"$JUJU_SECRET_REVISION\"; fi\n",
    )
    .unwrap();
    std::fs::set_permissions(dir.join("dispatch"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let model = Model::up("300ms");
    model.ok(&["deploy", dir.to_str().unwrap()]);
    let log = model.path().join("units/timed-0/charm/hooks.log");
    support::eventually(20, "update-status and secret-expired", || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.lines().filter(|l| l.starts_with("update-status")).count() >= 3 && text.contains("secret-expired 1")
    });
    // The owner removed the expired revision, so the secret is gone from the model.
    support::eventually(10, "the expired secret to be removed", || {
        model.ok(&["secrets", "--format", "json"]).trim() == "{}"
    });
}
