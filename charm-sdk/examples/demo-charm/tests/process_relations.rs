//! The demo charm binary under fake hook tools: every relation hook on the provided
//! `website`, the optional required `backend` and the peer `cluster` relation.
//!
//! The charm reconciles on all of them, so what differs per hook is what the environment
//! tells it (`JUJU_REMOTE_APP` spares a `relation-list --app`; a broken relation is left out
//! of the world) and what it then has to change.

mod support;

use serde_json::json;
use support::assert::{
    assert_calls, assert_exit, assert_no_repeated_queries, assert_secret_kept_off_argv, assert_status, stdin_json,
};
use support::juju::{Answer, Event, FakeJuju, APP};
use support::scenario::{
    follower, run_charm, steady_leader, warm_pebble, ADMIN_URI, BACKEND, PEER, STEADY_LEADER, STEADY_PEBBLE, WEBSITE,
};

/// [`STEADY_LEADER`] with `extra` inserted after the `relation-ids backend` call.
fn steady_with_backend(extra: &[&'static str]) -> Vec<&'static str> {
    let at = STEADY_LEADER
        .iter()
        .position(|c| c.starts_with("relation-ids backend"))
        .unwrap_or(0)
        + 1;
    let mut calls = STEADY_LEADER.to_vec();
    calls.splice(at..at, extra.iter().copied());
    calls
}

/// A steady leader with `upstream` on `backend:5` publishing its URL.
fn with_backend() -> FakeJuju {
    steady_leader()
        .relation("backend", BACKEND, "upstream", &["upstream/0"])
        .bag(BACKEND, "upstream", true, json!({"url": "http://upstream:9000/"}))
}

#[track_caller]
fn assert_steady_on(event: &Event) {
    let fake = steady_leader();
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, event);
    assert_exit(&run, 0);
    assert_calls(&run, &STEADY_LEADER);
    assert_no_repeated_queries(&run);
    assert_eq!(pebble.take_log(), STEADY_PEBBLE);
}

#[test]
fn website_created_joined_changed_departed_change_nothing_in_a_steady_world() {
    assert_steady_on(&Event::relation("website", WEBSITE, "created", "client"));
    assert_steady_on(&Event::relation("website", WEBSITE, "joined", "client").remote_unit("client/0"));
    assert_steady_on(&Event::relation("website", WEBSITE, "changed", "client").remote_unit("client/0"));
    assert_steady_on(&Event::relation("website", WEBSITE, "changed", "client"));
    assert_steady_on(
        &Event::relation("website", WEBSITE, "departed", "client")
            .remote_unit("client/0")
            .departing("client/0"),
    );
}

#[test]
fn website_broken_leaves_the_relation_alone() {
    let fake = steady_leader();
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, &Event::relation("website", WEBSITE, "broken", "client"));
    assert_exit(&run, 0);
    let expected: Vec<&str> = STEADY_LEADER
        .iter()
        .copied()
        .filter(|c| !c.contains("-r 3") && !c.contains("--relation 3"))
        .collect();
    assert_eq!(expected.len(), STEADY_LEADER.len() - 2);
    assert_calls(&run, &expected);
    assert_eq!(pebble.take_log(), STEADY_PEBBLE);
}

#[test]
fn a_new_client_gets_both_bags_and_the_grant_and_the_old_one_nothing() {
    let fake = steady_leader().relation("website", 4, "other", &[]);
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, &Event::relation("website", 4, "created", "other"));
    assert_exit(&run, 0);
    let mut expected = STEADY_LEADER.to_vec();
    let status = expected.pop().unwrap_or_default();
    expected.extend([
        "relation-get --format=json -r 4 - demo/0",
        "relation-set -r 4 --file -",
        "relation-get --format=json -r 4 --app - demo",
        "relation-set -r 4 --app --file -",
        "secret-grant --relation 4 secret:d1e2m3o4s5e6c7r8e9t0",
        status,
    ]);
    assert_calls(&run, &expected);
    assert_eq!(
        stdin_json(&run, "relation-set -r 4 --file -"),
        json!({"hostname": "10.1.2.3", "port": "8080"})
    );
    assert_eq!(
        stdin_json(&run, "relation-set -r 4 --app --file -"),
        json!({"url": "http://demo-endpoints:8080/", "secret-user": ADMIN_URI})
    );
    assert_eq!(pebble.take_log(), STEADY_PEBBLE);
}

#[test]
fn backend_hooks_read_the_upstream_app_bag_without_asking_for_the_app() {
    for (kind, unit) in [
        ("created", None),
        ("joined", Some("upstream/0")),
        ("changed", Some("upstream/0")),
    ] {
        let fake = with_backend();
        let pebble = warm_pebble(&fake);
        let mut event = Event::relation("backend", BACKEND, kind, "upstream");
        if let Some(unit) = unit {
            event = event.remote_unit(unit);
        }
        let run = run_charm(&fake, &event);
        assert_exit(&run, 0);
        assert_calls(
            &run,
            &steady_with_backend(&["relation-get --format=json -r 5 --app - upstream"]),
        );
        assert_eq!(pebble.take_log(), STEADY_PEBBLE, "backend-relation-{kind}");
        let page = pebble.state().file_text("/srv/www/index.html").unwrap_or_default();
        assert!(page.contains("upstream: <a href=\"http://upstream:9000/\">"), "{page}");
    }
}

#[test]
fn backend_departed_still_reads_the_upstream() {
    let fake = with_backend();
    let _pebble = warm_pebble(&fake);
    let event = Event::relation("backend", BACKEND, "departed", "upstream")
        .remote_unit("upstream/0")
        .departing("upstream/0");
    let run = run_charm(&fake, &event);
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &steady_with_backend(&["relation-get --format=json -r 5 --app - upstream"]),
    );
}

#[test]
fn other_hooks_ask_juju_for_the_backend_app_once() {
    let fake = with_backend();
    let _pebble = warm_pebble(&fake);
    let run = run_charm(&fake, &Event::hook("update-status"));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &steady_with_backend(&[
            "relation-list --format=json --app -r 5",
            "relation-get --format=json -r 5 --app - upstream",
        ]),
    );
    assert_no_repeated_queries(&run);
}

#[test]
fn backend_broken_drops_the_upstream_from_the_page() {
    let fake = with_backend();
    let pebble = warm_pebble(&fake);
    assert!(pebble
        .state()
        .file_text("/srv/www/index.html")
        .unwrap_or_default()
        .contains("upstream"));
    let run = run_charm(&fake, &Event::relation("backend", BACKEND, "broken", "upstream"));
    assert_exit(&run, 0);
    assert_calls(&run, &STEADY_LEADER);
    // The page's size changed, so it is rewritten without being read back first.
    assert_eq!(
        pebble.take_log(),
        ["GET /v1/files list", "POST /v1/files write", "GET /v1/plan"]
    );
    assert!(!pebble
        .state()
        .file_text("/srv/www/index.html")
        .unwrap_or_default()
        .contains("upstream"));
}

#[test]
fn backend_without_data_yet_serves_without_upstream() {
    let fake = steady_leader().relation("backend", BACKEND, "upstream", &["upstream/0"]);
    let pebble = warm_pebble(&fake);
    let run = run_charm(
        &fake,
        &Event::relation("backend", BACKEND, "joined", "upstream").remote_unit("upstream/0"),
    );
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &steady_with_backend(&["relation-get --format=json -r 5 --app - upstream"]),
    );
    assert!(!pebble
        .state()
        .file_text("/srv/www/index.html")
        .unwrap_or_default()
        .contains("upstream"));
}

#[test]
fn cluster_created_on_a_fresh_leader_creates_and_publishes_the_admin_secret() {
    let fake = FakeJuju::new().unwrap().leader(true).peer("cluster", PEER, &[]);
    let run = run_charm(&fake, &Event::relation("cluster", PEER, "created", APP));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "is-leader --format=json",
            "relation-ids cluster --format=json",
            "relation-get --format=json -r 1 --app - demo",
            "secret-info-get --format=json --label admin-password",
            "secret-add --label admin-password --description \"admin password of the demo web service\" --rotate monthly --owner application password#file=…",
            "relation-set -r 1 --app --file -",
            "relation-ids backend --format=json",
            "status-set --application=false waiting -- \"waiting for Pebble in container web\"",
        ],
    );
    assert_eq!(
        stdin_json(&run, "relation-set -r 1 --app --file -"),
        json!({"admin-secret": ADMIN_URI})
    );
    let add = run
        .calls
        .iter()
        .find(|c| c.tool == "secret-add")
        .map(|c| c.files.clone())
        .unwrap_or_default();
    let [(key, password)] = add.as_slice() else {
        panic!("secret-add sent {add:?}")
    };
    assert_eq!(key, "password");
    assert!(
        password.len() == 32 && password.chars().all(|c| c.is_ascii_alphanumeric()),
        "{password:?}"
    );
    assert_secret_kept_off_argv(&run, password);
}

#[test]
fn cluster_joined_and_departed_change_nothing_in_a_steady_world() {
    assert_steady_on(&Event::relation("cluster", PEER, "joined", APP).remote_unit("demo/1"));
    assert_steady_on(&Event::relation("cluster", PEER, "changed", APP).remote_unit("demo/1"));
    assert_steady_on(
        &Event::relation("cluster", PEER, "departed", APP)
            .remote_unit("demo/1")
            .departing("demo/1"),
    );
}

#[test]
fn cluster_changed_on_a_follower_finds_the_secret_uri_in_the_peer_bag() {
    let fake = follower();
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, &Event::relation("cluster", PEER, "changed", APP));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "is-leader --format=json",
            "relation-ids cluster --format=json",
            "relation-get --format=json -r 1 --app - demo",
            "relation-ids backend --format=json",
            "opened-ports --format=json",
            "open-port 8080/tcp",
            "network-get --format=json website",
            "relation-ids website --format=json",
            "relation-get --format=json -r 3 - demo/0",
            "relation-set -r 3 --file -",
            "status-set --application=false active -- \"serving on :8080\"",
        ],
    );
    assert_eq!(pebble.take_log(), STEADY_PEBBLE);
}

#[test]
fn a_follower_waits_for_the_leader_to_publish_the_secret() {
    let fake = follower().bag(PEER, APP, true, json!({}));
    let run = run_charm(
        &fake,
        &Event::relation("cluster", PEER, "changed", APP).remote_unit("demo/1"),
    );
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "is-leader --format=json",
            "relation-ids cluster --format=json",
            "relation-get --format=json -r 1 --app - demo",
            "status-set --application=false waiting -- \"waiting for the leader to create the admin password\"",
        ],
    );
}

#[test]
fn cluster_broken_waits_for_the_peer_relation() {
    let run = run_charm(&steady_leader(), &Event::relation("cluster", PEER, "broken", APP));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "is-leader --format=json",
            "relation-ids cluster --format=json",
            "status-set --application=false waiting -- \"waiting for the peer relation\"",
        ],
    );
    assert_status(&run, "waiting", "waiting for the peer relation");
}

#[test]
fn a_relation_hook_without_its_relation_id_fails_and_logs_why() {
    let event = Event::relation("website", WEBSITE, "changed", "client").with("JUJU_RELATION_ID", "");
    let fake = steady_leader().answer("juju-log", &[], Answer::default());
    let run = run_charm(&fake, &event);
    assert_exit(&run, 1);
    assert_calls(
        &run,
        &["juju-log --log-level ERROR -- \"cannot read the event from the environment: environment variable JUJU_RELATION_ID is missing or empty; is this running under Juju?\""],
    );
}
