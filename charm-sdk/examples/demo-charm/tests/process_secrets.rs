//! The demo charm binary under fake hook tools: the secret hooks, from both sides.
//!
//! Secret values must never be on a hook tool's command line (any local user can read
//! `/proc/<pid>/cmdline`): the SDK passes them as `key#file=<path>` with a 0600 file that
//! is gone when the call returns. The fake tools record the files' content separately from
//! argv, so the tests can check both that the value went through a file and that it did
//! not go anywhere else.

mod support;

use serde_json::json;
use support::assert::{assert_calls, assert_exit, assert_no_status, assert_secret_kept_off_argv};
use support::juju::{Answer, Event};
use support::scenario::{follower, run_charm, steady_leader, warm_pebble, ADMIN_URI, STEADY_LEADER, STEADY_PEBBLE};

const OLD_PASSWORD: &str = "old-password-0123456789";

#[test]
fn secret_changed_reconciles() {
    let fake = steady_leader();
    let pebble = warm_pebble(&fake);
    let run = run_charm(
        &fake,
        &Event::secret("changed", "secret:c0ns0m3dsecret0000000", "", None),
    );
    assert_exit(&run, 0);
    assert_calls(&run, &STEADY_LEADER);
    assert_eq!(pebble.take_log(), STEADY_PEBBLE);
}

#[test]
fn secret_rotate_on_the_leader_writes_a_new_password_through_a_file() {
    let fake = steady_leader().answer(
        "secret-get",
        &[ADMIN_URI, "--peek"],
        Answer::json(json!({"password": OLD_PASSWORD})),
    );
    let run = run_charm(&fake, &Event::secret("rotate", ADMIN_URI, "admin-password", None));
    assert_exit(&run, 0);
    assert_calls(
        &run,
        &[
            "is-leader --format=json",
            "secret-get --format=json secret:d1e2m3o4s5e6c7r8e9t0 --peek",
            "secret-set secret:d1e2m3o4s5e6c7r8e9t0 password#file=…",
        ],
    );
    assert_no_status(&run);
    let set = run
        .calls
        .iter()
        .find(|c| c.tool == "secret-set")
        .map(|c| c.files.clone())
        .unwrap_or_default();
    let [(key, password)] = set.as_slice() else {
        panic!("secret-set sent {set:?}")
    };
    assert_eq!(key, "password");
    assert!(password.len() == 32 && password != OLD_PASSWORD, "{password:?}");
    assert_secret_kept_off_argv(&run, password);
    assert_secret_kept_off_argv(&run, OLD_PASSWORD);
}

#[test]
fn secret_rotate_on_a_follower_only_checks_leadership() {
    let run = run_charm(&follower(), &Event::secret("rotate", ADMIN_URI, "admin-password", None));
    assert_exit(&run, 0);
    assert_calls(&run, &["is-leader --format=json"]);
}

#[test]
fn secret_rotate_of_another_secret_makes_no_call() {
    let run = run_charm(
        &steady_leader(),
        &Event::secret("rotate", "secret:0therse3cret00000000", "other", None),
    );
    assert_exit(&run, 0);
    assert_calls(&run, &[]);
}

#[test]
fn secret_expired_and_remove_with_a_revision_make_no_call() {
    for kind in ["expired", "remove"] {
        let run = run_charm(
            &steady_leader(),
            &Event::secret(kind, ADMIN_URI, "admin-password", Some(2)),
        );
        assert_exit(&run, 0);
        assert_calls(&run, &[]);
    }
}

#[test]
fn secret_expired_without_a_revision_fails_and_says_why() {
    let run = run_charm(
        &steady_leader(),
        &Event::secret("expired", ADMIN_URI, "admin-password", None),
    );
    assert_exit(&run, 1);
    assert_calls(
        &run,
        &["juju-log --log-level ERROR -- \"secret-expired/secret-remove without JUJU_SECRET_REVISION\""],
    );
}

#[test]
fn a_secret_hook_with_a_malformed_uri_fails_before_any_call() {
    let run = run_charm(&steady_leader(), &Event::secret("changed", "not a secret!", "", None));
    assert_exit(&run, 1);
    assert_calls(&run, &[]);
    assert!(run.stderr.contains("ERROR invalid secret URI"), "{}", run.stderr);
}

#[test]
fn a_failing_secret_tool_does_not_echo_the_value() {
    let fake = steady_leader()
        .answer(
            "secret-get",
            &[ADMIN_URI, "--peek"],
            Answer::json(json!({"password": OLD_PASSWORD})),
        )
        .default_answer("secret-set", Answer::error(1, "quota exceeded"));
    let run = run_charm(&fake, &Event::secret("rotate", ADMIN_URI, "admin-password", None));
    assert_exit(&run, 1);
    assert_calls(
        &run,
        &[
            "is-leader --format=json",
            "secret-get --format=json secret:d1e2m3o4s5e6c7r8e9t0 --peek",
            "secret-set secret:d1e2m3o4s5e6c7r8e9t0 password#file=…",
            "juju-log --log-level ERROR -- \"secret-set failed: quota exceeded\"",
        ],
    );
    let written = run.calls[2].files[0].1.clone();
    assert_secret_kept_off_argv(&run, &written);
}
