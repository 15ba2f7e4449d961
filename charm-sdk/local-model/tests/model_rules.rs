//! Juju's rules through real processes: refusals with Juju's texts from the real hook-tool
//! executables, a failed hook's writes discarded and the hook retried, secrets shared
//! through a relation (owner, consumer pin, refresh, secret-changed), actions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{probe_charm, results, Model};

#[test]
fn refusals_carry_juju_texts_and_exit_codes() {
    let charm = probe_charm();
    let model = Model::up("1h");
    model.ok(&["deploy", charm.to_str().unwrap(), "a", "-n", "2"]);
    model.idle();
    // a/1 is not the leader.
    let out = results(&model.ok(&["run", "a/1", "probe"]));
    let expect = |name: &str, code: &str, text: &str| {
        assert_eq!(out[&format!("{name}.code")], code, "{name}: {out:?}");
        assert_eq!(out[&format!("{name}.err")], text, "{name}: {out:?}");
    };
    expect("app-write", "1", "ERROR cannot write relation settings");
    expect("app-status", "1", "ERROR this unit is not the leader");
    expect(
        "bad-relation",
        "2",
        "ERROR invalid value \"99\" for flag -r: relation not found",
    );
    expect(
        "bad-status",
        "2",
        "ERROR invalid status \"bogus\", expected one of [maintenance blocked waiting active]",
    );
    expect("no-secret", "1", "ERROR secret \"d0000000000000000000\" not found");
    expect("app-secret", "1", "ERROR this unit is not the leader");
    expect("bad-key", "1", "ERROR key \"x\" not valid");
    expect("bad-flag", "2", "ERROR flag provided but not defined: --nope");
    expect("big-state", "1", "ERROR max allowed key length (256) exceeded");
}

#[test]
fn a_failed_hook_is_discarded_and_retried() {
    let charm = probe_charm();
    let model = Model::up("1h");
    model.ok(&[
        "deploy",
        charm.to_str().unwrap(),
        "f",
        "-n",
        "2",
        "--config",
        "fail-hook=config-changed",
    ]);
    // Without tolerance, waiting reports the unit in error.
    let first = model.run(&["wait-for-idle", "--timeout", "60"]);
    assert!(!first.status.success());
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("hook failed: \"config-changed\""),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    model.ok(&["wait-for-idle", "--timeout", "60", "--tolerate-errors"]);
    for unit in ["f/0", "f/1"] {
        let events = model.events(unit);
        assert_eq!(
            events.iter().filter(|e| *e == "config-changed").count(),
            2,
            "failed once, retried once: {events:?}"
        );
        let state = results(&model.ok(&["run", unit, "state"]));
        assert_eq!(state["doomed"], "no", "the failed hook's state-set was discarded");
        let shown = model.ok(&["show-unit", unit]);
        assert!(
            !shown.contains("doomed"),
            "the failed hook's relation-set was discarded:\n{shown}"
        );
        assert!(
            shown.contains("greeting: hello"),
            "the retry's writes are there:\n{shown}"
        );
    }
    let log = model.log();
    assert!(log.contains("hook \"config-changed\" (via hook dispatching script: dispatch) failed: exit status 1"));
    let status = model.status();
    assert_eq!(
        status["applications"]["f"]["units"]["f/0"]["workload-status"]["current"],
        "active"
    );
}

#[test]
fn secrets_shared_through_a_relation() {
    let charm = probe_charm();
    let model = Model::up("1h");
    let charm = charm.to_str().unwrap();
    model.ok(&["deploy", charm, "server", "-n", "2"]);
    model.ok(&["deploy", charm, "client"]);
    model.ok(&["integrate", "server:server", "client:client"]);
    model.idle();

    // The consumer reads the granted secret and is pinned to revision 1.
    assert_eq!(
        results(&model.ok(&["run", "client/0", "get-secret"]))["password"],
        "first-password"
    );
    // A non-leader of the owner application may not rotate it (ensure_app_secret -> info).
    let refused = model.run(&["run", "server/1", "rotate"]);
    assert!(!refused.status.success());
    // The leader makes revision 2; the consumer gets secret-changed, still reads its pin
    // until it refreshes.
    assert_eq!(results(&model.ok(&["run", "server/0", "rotate"]))["changed"], "true");
    model.idle();
    assert!(model.events("client/0").iter().any(|e| e == "secret-changed"));
    assert_eq!(
        results(&model.ok(&["run", "client/0", "get-secret"]))["password"],
        "first-password"
    );
    assert_eq!(
        results(&model.ok(&["run", "client/0", "get-secret", "refresh=true"]))["password"],
        "second-password"
    );
    let secrets: serde_json::Value = serde_json::from_str(&model.ok(&["secrets", "--format", "json"])).unwrap();
    let (_, secret) = secrets.as_object().unwrap().iter().next().unwrap();
    assert_eq!(secret["owner"], "server");
    assert_eq!(secret["label"], "shared");
    assert_eq!(secret["revision"], 2);
    assert_eq!(secret["access"][0]["target"], "application-client");
    assert_eq!(secret["consumers"]["client/0"]["revision"], 2);

    // Removing the relation revokes the grant: the client can no longer read it.
    model.ok(&["remove-relation", "server", "client"]);
    model.idle();
    let secrets: serde_json::Value = serde_json::from_str(&model.ok(&["secrets", "--format", "json"])).unwrap();
    let (_, secret) = secrets.as_object().unwrap().iter().next().unwrap();
    assert!(secret["access"].as_array().unwrap().is_empty(), "{secret}");
}

#[test]
fn actions_print_like_juju_run() {
    let charm = probe_charm();
    let model = Model::up("1h");
    model.ok(&["deploy", charm.to_str().unwrap(), "a"]);
    model.idle();
    let out = model.run(&["run", "a/0", "state"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "doomed: no\nlast-hook: start\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Running operation 1 with 1 task\n  - task 2 on unit-a-0\n"),
        "{stderr}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&model.ok(&["run", "a/0", "state", "--format", "json"])).unwrap();
    assert_eq!(json["a/0"]["status"], "completed");
    assert_eq!(json["a/0"]["results"]["last-hook"], "start");
    assert_eq!(json["a/0"]["results"]["return-code"], 0);

    let failed = model.run(&["run", "a/0", "fail"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("failed: asked to fail"));

    let unknown = model.run(&["run", "a/0", "nope"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("action \"nope\" not defined on unit \"a/0\""));
    let bad = model.run(&["run", "a/0", "get-secret", "refresh=maybe"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("validation failed"),
        "{bad:?}"
    );
}
