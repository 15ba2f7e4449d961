//! Exec over the task websockets, driven by the SDK's client: stdin/stdout/stderr, exit
//! codes, more than 1 MiB each way, merged stderr, environment, working directory, user,
//! timeouts, unknown executables, and that commands see the sandbox's binds.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pebble_common;

use std::time::{Duration, Instant};

use charm_sdk::pebble::{ExecRequest, Pebble, PebbleError};
use pebble_common::{need_root, Harness};

fn sh(script: &str) -> ExecRequest {
    ExecRequest::new(["sh", "-c", script])
}

#[test]
fn stdin_stdout_stderr_and_exit_codes() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    let client = harness.client();
    let out = client
        .exec(&sh("cat; echo to-stderr >&2; exit 7").stdin(b"hello from stdin\n".to_vec()))
        .unwrap();
    assert_eq!(out.exit_code, 7);
    assert_eq!(out.stdout, b"hello from stdin\n");
    assert_eq!(out.stderr, b"to-stderr\n");

    let merged = client.exec(&sh("echo out; echo err >&2").combine_stderr()).unwrap();
    assert_eq!(merged.exit_code, 0);
    assert_eq!(merged.stdout_text().lines().count(), 2);
    assert!(merged.stderr.is_empty());

    let checked = client.exec_checked(&sh("exit 3")).unwrap_err();
    assert!(matches!(checked, PebbleError::Exec { exit_code: 3, .. }), "{checked:?}");

    let signalled = client.exec(&sh("kill -9 $$")).unwrap();
    assert_eq!(signalled.exit_code, 137);

    let missing = client.exec(&ExecRequest::new(["no-such-command-here"])).unwrap_err();
    assert_eq!(missing.to_string(), r#"cannot find executable "no-such-command-here""#);
    harness.shutdown();
}

#[test]
fn large_output_and_input() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    let client = harness.client();
    let input: Vec<u8> = (0..(3 << 20)).map(|i: u32| (i % 253) as u8).collect();
    let out = client.exec(&ExecRequest::new(["cat"]).stdin(input.clone())).unwrap();
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout.len(), input.len());
    assert!(out.stdout == input, "stdout differs from stdin");

    let generated = client
        .exec(&sh("head -c 2000000 /dev/zero; head -c 1500000 /dev/zero >&2"))
        .unwrap();
    assert_eq!(generated.stdout.len(), 2_000_000);
    assert_eq!(generated.stderr.len(), 1_500_000);
    harness.shutdown();
}

#[test]
fn environment_working_dir_user_and_binds() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    std::fs::create_dir_all(harness.data().join("work")).unwrap();
    std::fs::write(harness.data().join("work/marker"), "inside the bind\n").unwrap();
    let client = harness.client();
    let out = client
        .exec(
            &sh("pwd; cat marker; echo $GREETING; echo $HOME; echo $LANG")
                .working_dir("/data/work")
                .env("GREETING", "hi"),
        )
        .unwrap();
    assert_eq!(out.stdout_text(), "/data/work\ninside the bind\nhi\n/root\nC.UTF-8\n");

    // nobody's home (/nonexistent) does not exist: like Pebble, that needs a working dir.
    let homeless = client
        .exec(&ExecRequest::new(["id", "-un"]).user("nobody"))
        .unwrap_err();
    assert!(
        homeless
            .to_string()
            .contains(r#"home directory "/nonexistent" does not exist"#),
        "{homeless}"
    );
    let who = client
        .exec(&ExecRequest::new(["id", "-un"]).user("nobody").working_dir("/"))
        .unwrap();
    assert_eq!(who.stdout_text().trim(), "nobody");
    let unknown = client
        .exec(&ExecRequest::new(["id"]).user("no-such-user-xyz"))
        .unwrap_err();
    assert!(unknown.to_string().contains("unknown user"), "{unknown}");

    let bad_dir = client
        .exec(&ExecRequest::new(["pwd"]).working_dir("/data/missing"))
        .unwrap_err();
    assert!(
        bad_dir
            .to_string()
            .contains(r#"working directory "/data/missing" does not exist"#),
        "{bad_dir}"
    );

    // The command writes through the bind; the host sees it.
    client.exec_checked(&sh("echo written > /data/from-exec")).unwrap();
    assert_eq!(
        std::fs::read_to_string(harness.data().join("from-exec")).unwrap(),
        "written\n"
    );
    harness.shutdown();
}

#[test]
fn timeout_kills_the_command() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    let client = harness.client();
    let started = Instant::now();
    let err = client
        .exec(&sh("sleep 30").timeout(Duration::from_millis(500)))
        .unwrap_err();
    assert!(matches!(err, PebbleError::Timeout(_)), "{err:?}");
    assert!(err.to_string().contains("timed out after 500ms"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let pids = harness.shutdown();
    assert!(pids.is_empty(), "the timed-out command is gone: {pids:?}");
}
