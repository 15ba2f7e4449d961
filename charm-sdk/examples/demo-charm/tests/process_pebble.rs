//! The demo charm binary under fake hook tools and a test Pebble: the Pebble hooks, and the
//! charm's behaviour when Pebble is not there.

mod support;

use support::assert::{assert_calls, assert_exit, assert_status};
use support::juju::Event;
use support::pebble::ws::accept_key;
use support::scenario::{follower, pebble, run_charm, steady_leader, warm_pebble, STEADY_LEADER, STEADY_PEBBLE};

#[test]
fn pebble_ready_on_a_fresh_container_writes_page_and_layer_once() {
    let fake = steady_leader();
    let pebble = pebble(&fake);
    let run = run_charm(&fake, &Event::pebble("web", "ready"));
    assert_exit(&run, 0);
    let mut expected = STEADY_LEADER.to_vec();
    let at = expected.iter().position(|c| c.starts_with("opened-ports")).unwrap_or(0);
    expected.splice(
        at..at,
        [
            "state-get --format=json",
            "state-set --file -",
            "juju-log --log-level INFO -- \"web service (re)started on port 8080\"",
        ],
    );
    assert_calls(&run, &expected);
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
    assert_eq!(
        pebble.state().write_parts,
        [[
            ("request".to_owned(), None),
            ("files".to_owned(), Some("/srv/www/index.html".to_owned()))
        ]]
    );

    // Ready again (pod churn keeps nothing, but here the container kept its state): no writes.
    let again = support::scenario::run_charm(&fake, &Event::pebble("web", "ready"));
    assert_calls(&again, &STEADY_LEADER);
    assert_eq!(pebble.take_log(), STEADY_PEBBLE);
}

#[test]
fn custom_notice_and_check_hooks_reconcile() {
    let notice = Event::pebble("web", "custom-notice")
        .with("JUJU_NOTICE_ID", "7")
        .with("JUJU_NOTICE_TYPE", "custom")
        .with("JUJU_NOTICE_KEY", "example.com/demo/reload");
    let failed = Event::pebble("web", "check-failed").with("JUJU_PEBBLE_CHECK_NAME", "web-up");
    let recovered = Event::pebble("web", "check-recovered").with("JUJU_PEBBLE_CHECK_NAME", "web-up");
    for event in [notice, failed, recovered] {
        let fake = steady_leader();
        let pebble = warm_pebble(&fake);
        let run = run_charm(&fake, &event);
        assert_exit(&run, 0);
        assert_calls(&run, &STEADY_LEADER);
        assert_eq!(pebble.take_log(), STEADY_PEBBLE);
    }
}

#[test]
fn a_check_hook_without_its_check_name_fails_and_logs_why() {
    let run = run_charm(&steady_leader(), &Event::pebble("web", "check-failed"));
    assert_exit(&run, 1);
    assert_calls(
        &run,
        &["juju-log --log-level ERROR -- \"cannot read the event from the environment: environment variable JUJU_PEBBLE_CHECK_NAME is missing or empty; is this running under Juju?\""],
    );
}

#[test]
fn without_pebble_the_leader_waits_after_doing_the_juju_side() {
    let run = run_charm(&steady_leader(), &Event::hook("update-status"));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "config-get --format=json --all",
            "is-leader --format=json",
            "relation-ids cluster --format=json",
            "relation-get --format=json -r 1 --app - demo",
            "relation-ids backend --format=json",
            "status-set --application=false waiting -- \"waiting for Pebble in container web\"",
        ],
    );
}

#[test]
fn without_pebble_a_follower_waits_too() {
    let run = run_charm(&follower(), &Event::pebble("web", "ready"));
    assert_exit(&run, 0);
    assert_status(&run, "waiting", "waiting for Pebble in container web");
}

#[test]
fn the_test_pebble_answers_websocket_handshakes_per_rfc_6455() {
    assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
