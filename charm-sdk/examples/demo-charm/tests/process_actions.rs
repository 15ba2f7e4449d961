//! The demo charm binary under fake hook tools: its three actions, failures included.
//!
//! An action run reads its parameters once (`action-get`), answers with `action-set` or
//! `action-fail` (exit 0 either way: a failed action is not a failed hook) and sets no
//! status. Note: `action-set` takes results only as `key=value` arguments, so a password an
//! action must show is on that one call's argv; secrets go through files everywhere else.

mod support;

use serde_json::json;
use support::assert::{assert_calls, assert_exit, assert_no_status, assert_secret_kept_off_argv};
use support::juju::{Answer, Event, FakeJuju};
use support::scenario::{follower, pebble, run_charm, steady_leader, warm_pebble, ADMIN_URI};

const PASSWORD: &str = "correct-horse-battery-staple";

fn with_params(fake: FakeJuju, params: serde_json::Value) -> FakeJuju {
    fake.answer("action-get", &[], Answer::json(params))
}

#[test]
fn get_admin_password_peeks_the_secret_by_label() {
    let fake = steady_leader().answer(
        "secret-get",
        &["--label", "admin-password", "--peek"],
        Answer::json(json!({"password": PASSWORD})),
    );
    let run = run_charm(&fake, &Event::action("get-admin-password", 7));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "secret-get --format=json --label admin-password --peek",
            "action-set password=correct-horse-battery-staple username=admin",
        ],
    );
    assert_no_status(&run);
}

#[test]
fn get_admin_password_before_the_secret_exists_fails_the_action_not_the_hook() {
    let run = run_charm(&steady_leader(), &Event::action("get-admin-password", 7));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "secret-get --format=json --label admin-password --peek",
            "action-fail -- \"the admin password does not exist yet\"",
        ],
    );
}

#[test]
fn rotate_admin_password_with_a_bad_password_fails_the_action() {
    let fake = with_params(steady_leader(), json!({"password": "short"}));
    let run = run_charm(&fake, &Event::action("rotate-admin-password", 8));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "is-leader --format=json",
            "secret-info-get --format=json --label admin-password",
            "action-fail -- \"the password must be at least 8 characters\"",
        ],
    );
    assert_no_status(&run);
}

#[test]
fn rotate_admin_password_sets_the_given_password_through_a_file() {
    let fake = with_params(steady_leader(), json!({"password": PASSWORD})).answer(
        "secret-get",
        &[ADMIN_URI, "--peek"],
        Answer::json(json!({"password": "old-password-123"})),
    );
    let run = run_charm(&fake, &Event::action("rotate-admin-password", 8));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "is-leader --format=json",
            "secret-info-get --format=json --label admin-password",
            "secret-get --format=json secret:d1e2m3o4s5e6c7r8e9t0 --peek",
            "secret-set secret:d1e2m3o4s5e6c7r8e9t0 password#file=…",
            "action-set changed=true",
        ],
    );
    assert_eq!(run.calls[4].files, [("password".to_owned(), PASSWORD.to_owned())]);
    assert_secret_kept_off_argv(&run, PASSWORD);
}

#[test]
fn rotate_admin_password_to_the_same_value_adds_no_revision() {
    let fake = with_params(steady_leader(), json!({"password": PASSWORD})).answer(
        "secret-get",
        &[ADMIN_URI, "--peek"],
        Answer::json(json!({"password": PASSWORD})),
    );
    let run = run_charm(&fake, &Event::action("rotate-admin-password", 8));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "is-leader --format=json",
            "secret-info-get --format=json --label admin-password",
            "secret-get --format=json secret:d1e2m3o4s5e6c7r8e9t0 --peek",
            "action-set changed=false",
        ],
    );
}

#[test]
fn rotate_admin_password_on_a_follower_fails_the_action() {
    let run = run_charm(&follower(), &Event::action("rotate-admin-password", 8));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "is-leader --format=json",
            "action-fail -- \"only the leader can rotate the password; run it on the leader unit\"",
        ],
    );
}

#[test]
fn show_page_reads_the_page_through_pebble_exec() {
    let fake = with_params(steady_leader(), json!({"lines": 2}));
    let pebble = warm_pebble(&fake);
    let run = run_charm(&fake, &Event::action("show-page", 9));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "action-set \"page=<!doctype html>\\n<title>demo</title>\\n\"",
        ],
    );
    assert_eq!(
        pebble.state().exec_commands,
        [["head", "-n", "2", "/srv/www/index.html"]]
    );
    let log = pebble.take_log();
    assert!(
        log.starts_with(&["POST /v1/exec".to_owned()]) && log.iter().any(|l| l.ends_with("stdio")),
        "{log:?}"
    );
}

/// A missing page fails the action (not the hook), and the message carries the command's
/// stderr so the operator sees why.
#[test]
fn show_page_before_the_page_exists_fails_the_action_with_the_command_error() {
    let fake = with_params(steady_leader(), json!({"lines": 2}));
    let _pebble = pebble(&fake);
    let run = run_charm(&fake, &Event::action("show-page", 9));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "action-fail -- \"cannot read the page: command \\\"head\\\" exited with code 1: head: cannot open '/srv/www/index.html' for reading: No such file or directory\"",
        ],
    );
}

#[test]
fn show_page_without_pebble_fails_the_action() {
    let run = run_charm(
        &with_params(steady_leader(), json!({"lines": 2})),
        &Event::action("show-page", 9),
    );
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "action-fail -- \"the web container is not reachable\"",
        ],
    );
}

#[test]
fn a_parameter_of_the_wrong_type_fails_the_action_naming_it() {
    let run = run_charm(
        &with_params(steady_leader(), json!({"lines": "ten"})),
        &Event::action("show-page", 9),
    );
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "action-fail -- \"invalid parameters for action \\\"show-page\\\": params.lines: invalid type: string \\\"ten\\\", expected u32\"",
        ],
    );
}

/// Juju validates parameters against the action's schema before queuing it
/// (`additionalProperties: false` refuses unknown ones), so the SDK does not reject them
/// again: an unknown parameter next to known ones is ignored.
#[test]
fn an_unknown_parameter_is_ignored() {
    let fake = with_params(steady_leader(), json!({"password": PASSWORD, "bogus": 1})).answer(
        "secret-get",
        &[ADMIN_URI, "--peek"],
        Answer::json(json!({"password": PASSWORD})),
    );
    let run = run_charm(&fake, &Event::action("rotate-admin-password", 8));
    assert_exit(&run, 0);
    assert_eq!(
        run.calls.last().map(ToString::to_string).as_deref(),
        Some("action-set changed=false")
    );
}

#[test]
fn an_unknown_parameter_on_an_action_without_parameters_fails_the_action() {
    let run = run_charm(
        &with_params(steady_leader(), json!({"verbose": true})),
        &Event::action("get-admin-password", 7),
    );
    assert_exit(&run, 0);
    assert_eq!(run.calls.len(), 2, "{:?}", run.calls);
    assert_eq!(run.calls[1].tool, "action-fail");
    assert!(
        run.calls[1].args[1].starts_with("invalid parameters for action \"get-admin-password\""),
        "{}",
        run.calls[1]
    );
}

#[test]
fn an_unknown_action_fails_the_action() {
    let run = run_charm(&steady_leader(), &Event::action("reboot", 10));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "action-get --format=json",
            "action-fail -- \"this charm has no action \\\"reboot\\\"\"",
        ],
    );
}
