//! The demo charm binary under fake hook tools: the lifecycle hooks (install, start,
//! config-changed, update-status, upgrade-charm, leadership, storage, stop, remove,
//! collect-metrics, unknown hooks).
//!
//! Each test runs the real executable as Juju would (tools on PATH, `JUJU_*` environment,
//! Pebble on a unix socket) and checks the exit code, every hook tool call in order, and the
//! one status it sets. This is the layer the in-process tests cannot see: argv, stdin,
//! output parsing and the `main` glue.

mod support;

use serde_json::json;
use support::assert::{
    assert_calls, assert_count, assert_exit, assert_logged, assert_no_repeated_queries, assert_status, stdin_json,
};
use support::juju::{Answer, Event};
use support::scenario::{
    follower, leader, pebble, run_charm, steady_leader, warm_pebble, ADMIN_URI, STEADY_LEADER, STEADY_PEBBLE,
};

/// Runs `hook` on a steady leader with a configured workload: the calls of a reconcile
/// that has nothing to change, and only reads on Pebble.
#[track_caller]
fn assert_steady(hook: &Event) {
    let fake = steady_leader();
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, hook);
    assert_exit(&run, 0);
    assert_calls(&run, &STEADY_LEADER);
    assert_no_repeated_queries(&run);
    assert_eq!(
        pebble.take_log(),
        STEADY_PEBBLE,
        "{} must not write to the workload",
        run.event
    );
}

#[test]
fn install_on_a_leader_configures_everything_once() {
    let fake = leader();
    let pebble = pebble(&fake);
    let run = run_charm(&fake, &Event::hook("install"));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "is-leader --format=json",
            "relation-ids cluster --format=json",
            "relation-get --format=json -r 1 --app - demo",
            "relation-ids backend --format=json",
            "state-get --format=json",
            "state-set --file -",
            "juju-log --log-level INFO -- \"web service (re)started on port 8080\"",
            "opened-ports --format=json",
            "open-port 8080/tcp",
            "network-get --format=json website",
            "relation-ids website --format=json",
            "relation-get --format=json -r 3 - demo/0",
            "relation-set -r 3 --file -",
            "relation-get --format=json -r 3 --app - demo",
            "relation-set -r 3 --app --file -",
            "secret-grant --relation 3 secret:d1e2m3o4s5e6c7r8e9t0",
            "status-set --application=false active -- \"serving on :8080\"",
        ],
    );
    assert_count(&run, "config-get", 1);
    assert_count(&run, "is-leader", 1);
    assert_no_repeated_queries(&run);
    assert_status(&run, "active", "serving on :8080");
    assert_eq!(stdin_json(&run, "state-set --file -"), json!({"restarts": "1"}));
    assert_eq!(
        stdin_json(&run, "relation-set -r 3 --file -"),
        json!({"hostname": "10.1.2.3", "port": "8080"})
    );
    assert_eq!(
        stdin_json(&run, "relation-set -r 3 --app --file -"),
        json!({"url": "http://demo-endpoints:8080/", "secret-user": ADMIN_URI})
    );

    assert_eq!(
        pebble.take_log(),
        [
            "GET /v1/files list",
            "POST /v1/files write",
            "GET /v1/plan",
            "POST /v1/layers add",
            "POST /v1/services replan",
            "GET /v1/changes/1/wait",
        ]
    );
    let state = pebble.state();
    let page = state.file_text("/srv/www/index.html").unwrap_or_default();
    assert!(
        page.contains("<h1>Hello from Rust</h1>") && page.contains("served by demo/0"),
        "{page}"
    );
    assert_eq!(state.services.get("web").map(String::as_str), Some("active"));
    let plan = state.plan().to_yaml();
    assert!(
        plan.contains("python3 -m http.server 8080 --directory /srv/www"),
        "{plan}"
    );
}

#[test]
fn start_changes_nothing_when_all_is_in_place() {
    assert_steady(&Event::hook("start"));
}

#[test]
fn update_status_changes_nothing_when_all_is_in_place() {
    assert_steady(&Event::hook("update-status"));
}

#[test]
fn upgrade_charm_reconciles() {
    assert_steady(&Event::hook("upgrade-charm"));
}

#[test]
fn leader_elected_reconciles() {
    assert_steady(&Event::hook("leader-elected"));
}

#[test]
fn storage_attached_reconciles() {
    assert_steady(&Event::storage("content", "attached", 0, "/srv/www"));
}

#[test]
fn leader_settings_changed_on_a_follower_reads_the_peer_bag_and_writes_only_its_unit_bag() {
    let fake = follower();
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, &Event::hook("leader-settings-changed"));
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
    assert_no_repeated_queries(&run);
    assert_eq!(pebble.take_log(), STEADY_PEBBLE);
}

#[test]
fn config_changed_with_a_new_port_moves_layer_ports_and_client_data() {
    let fake = steady_leader();
    let pebble = warm_pebble(&fake);
    let fake = fake
        .config(json!({"port": 9000, "greeting": "Hello from Rust", "log-level": "INFO"}))
        .answer("state-get", &[], Answer::json(json!({"restarts": "1"})));
    let run = run_charm(&fake, &Event::hook("config-changed"));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "is-leader --format=json",
            "relation-ids cluster --format=json",
            "relation-get --format=json -r 1 --app - demo",
            "relation-ids backend --format=json",
            "state-get --format=json",
            "state-set --file -",
            "juju-log --log-level INFO -- \"web service (re)started on port 9000\"",
            "opened-ports --format=json",
            "open-port 9000/tcp",
            "close-port 8080/tcp",
            "network-get --format=json website",
            "relation-ids website --format=json",
            "relation-get --format=json -r 3 - demo/0",
            "relation-set -r 3 --file -",
            "relation-get --format=json -r 3 --app - demo",
            "relation-set -r 3 --app --file -",
            "secret-grant --relation 3 secret:d1e2m3o4s5e6c7r8e9t0",
            "status-set --application=false active -- \"serving on :9000\"",
        ],
    );
    assert_no_repeated_queries(&run);
    assert_eq!(stdin_json(&run, "state-set --file -"), json!({"restarts": "2"}));
    assert_eq!(stdin_json(&run, "relation-set -r 3 --file -"), json!({"port": "9000"}));
    assert_eq!(
        stdin_json(&run, "relation-set -r 3 --app --file -"),
        json!({"url": "http://demo-endpoints:9000/"})
    );
    assert_eq!(
        pebble.take_log(),
        [
            "GET /v1/files list",
            "GET /v1/files read",
            "GET /v1/plan",
            "POST /v1/layers add",
            "POST /v1/services replan",
            "GET /v1/changes/2/wait"
        ]
    );
    assert!(pebble.state().plan().to_yaml().contains("python3 -m http.server 9000"));
}

#[test]
fn config_changed_restarts_the_service_when_the_layer_changes() {
    let fake = steady_leader();
    let pebble = warm_pebble(&fake);
    let fake = fake
        .config(json!({"port": 8080, "greeting": "Hello from Rust", "log-level": "DEBUG"}))
        .answer("state-get", &[], Answer::json(json!({"restarts": "1"})));
    let run = run_charm(&fake, &Event::hook("config-changed"));
    assert_exit(&run, 0);
    assert_eq!(stdin_json(&run, "state-set --file -"), json!({"restarts": "2"}));
    assert_logged(&run, "web service (re)started on port 8080");
    assert_no_repeated_queries(&run);
    assert_status(&run, "active", "serving on :8080");
    assert_eq!(
        pebble.take_log(),
        [
            "GET /v1/files list",
            "GET /v1/files read",
            "GET /v1/plan",
            "POST /v1/layers add",
            "POST /v1/services replan",
            "GET /v1/changes/2/wait"
        ]
    );
    assert!(pebble.state().plan().to_yaml().contains("LOG_LEVEL: DEBUG"));
}

#[test]
fn config_changed_with_a_privileged_port_blocks_naming_the_option() {
    let fake = leader().config(json!({"port": 80, "greeting": "hi", "log-level": "INFO"}));
    let run = run_charm(&fake, &Event::hook("config-changed"));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "status-set --application=false blocked -- \"invalid config option 'port': 80 is a privileged port; use 1024-65535\"",
        ],
    );
}

#[test]
fn config_changed_with_a_wrong_type_or_value_blocks_naming_the_option() {
    let fake = leader().config(json!({"port": "abc", "greeting": "hi", "log-level": "INFO"}));
    let run = run_charm(&fake, &Event::hook("config-changed"));
    assert_exit(&run, 0);
    assert_status(
        &run,
        "blocked",
        "invalid config option 'port': invalid type: string \"abc\", expected u16",
    );
    assert_count(&run, "is-leader", 0);

    let fake = leader().config(json!({"port": 8080, "greeting": "hi", "log-level": "LOUD"}));
    let run = run_charm(&fake, &Event::hook("config-changed"));
    assert_exit(&run, 0);
    assert_status(
        &run,
        "blocked",
        "invalid config option 'log-level': \"LOUD\" is not one of DEBUG, INFO, WARNING, ERROR",
    );

    let fake = leader().config(json!({"port": 8080, "greeting": "  ", "log-level": "INFO"}));
    let run = run_charm(&fake, &Event::hook("config-changed"));
    assert_status(&run, "blocked", "invalid config option 'greeting': must not be empty");
}

#[test]
fn a_failing_hook_tool_fails_the_hook_with_its_message_logged() {
    let fake = leader().answer("relation-ids", &["cluster"], Answer::error(1, "permission denied"));
    let run = run_charm(&fake, &Event::hook("update-status"));
    assert_exit(&run, 1);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "is-leader --format=json",
            "relation-ids cluster --format=json",
            "juju-log --log-level ERROR -- \"relation-ids failed: permission denied\"",
        ],
    );
}

#[test]
fn stop_stops_the_service_and_sets_no_status() {
    let fake = steady_leader();
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, &Event::hook("stop"));
    assert_exit(&run, 0);
    assert_calls(&run, &[]);
    assert_eq!(
        pebble.take_log(),
        ["GET /v1/plan", "POST /v1/services stop", "GET /v1/changes/2/wait"]
    );
    assert_eq!(pebble.state().services.get("web").map(String::as_str), Some("inactive"));
}

#[test]
fn stop_without_pebble_does_nothing() {
    let run = run_charm(&leader(), &Event::hook("stop"));
    assert_exit(&run, 0);
    assert_calls(&run, &[]);
}

/// A unit whose config was invalid from the start never added its layer; Pebble refuses to
/// stop a service it does not know, so the demo's stop hook errors and removal would wait
/// for `juju resolve`. Kept as a record of the demo charm's bug (reported), not of wanted
/// behaviour: flip the assertion when the demo ignores unknown services on stop.
#[test]
fn stop_before_the_layer_exists_succeeds_without_stopping_anything() {
    let fake = leader();
    let pebble = pebble(&fake);
    let run = run_charm(&fake, &Event::hook("stop"));
    assert_exit(&run, 0);
    assert_calls(&run, &[]);
    assert_eq!(pebble.take_log(), ["GET /v1/plan"]);
}

#[test]
fn remove_makes_no_call() {
    let fake = steady_leader();
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, &Event::hook("remove"));
    assert_exit(&run, 0);
    assert_calls(&run, &[]);
    assert!(pebble.take_log().is_empty());
}

#[test]
fn storage_detaching_makes_no_call() {
    let run = run_charm(&steady_leader(), &Event::storage("content", "detaching", 0, "/srv/www"));
    assert_exit(&run, 0);
    assert_calls(&run, &[]);
}

#[test]
fn collect_metrics_makes_no_call() {
    let run = run_charm(&steady_leader(), &Event::hook("collect-metrics"));
    assert_exit(&run, 0);
    assert_calls(&run, &[]);
}

#[test]
fn an_unknown_hook_is_logged_and_succeeds() {
    let run = run_charm(&steady_leader(), &Event::hook("pre-series-upgrade"));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &["juju-log --log-level DEBUG -- \"ignoring event \\\"pre-series-upgrade\\\": this charm does not know it\""],
    );
}

#[test]
fn a_broken_environment_fails_before_any_call() {
    let event = Event::hook("update-status").with("JUJU_UNIT_NAME", "not a unit");
    let run = run_charm(&steady_leader(), &event);
    assert_exit(&run, 1);
    assert_calls(&run, &[]);
    assert!(run.stderr.contains("ERROR invalid unit name"), "{}", run.stderr);
}
