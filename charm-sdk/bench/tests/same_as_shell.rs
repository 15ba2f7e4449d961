//! The compiled `fake-hook-tool` (benchmark) and the `/bin/sh` fake (process tests) must be
//! the same fake: same calls log, same answers, same exit codes, for the same fixtures.
//! Otherwise the benchmark would measure a different charm run than the tests check.

// Test helpers: a failed setup step should stop the test right there.
#![allow(clippy::unwrap_used)]

#[path = "../../examples/demo-charm/tests/support/juju/mod.rs"]
#[allow(dead_code)]
mod juju;
#[path = "../../examples/demo-charm/tests/support/tmp.rs"]
mod tmp;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use juju::{Answer, Event, FakeJuju, Tools};
use serde_json::json;

/// (stdout, stderr, exit code) of one call.
type Outcome = (String, String, Option<i32>);

fn fake(tools: Tools) -> FakeJuju {
    FakeJuju::with_tools(tools)
        .unwrap()
        .leader(true)
        .relation("website", 3, "client", &["client/0"])
        .bag(3, "client/0", false, json!({"hostname": "10.0.0.9"}))
        .answer(
            "secret-info-get",
            &["--label", "bad"],
            Answer::error(2, "secret \"bad\" not found"),
        )
}

fn call(fake: &FakeJuju, tool: &str, args: &[&str], stdin: &str) -> Outcome {
    let program = fake.root().join("bin").join(tool);
    let mut command: Command = fake.command(&program, &Event::hook("update-status"));
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
        out.status.code(),
    )
}

fn script(fake: &FakeJuju, secret: &Path) -> Vec<Outcome> {
    fake.install().unwrap();
    let secret_arg = format!("password#file={}", secret.display());
    vec![
        call(fake, "is-leader", &["--format=json"], ""),
        call(fake, "config-get", &["--format=json", "--all"], ""),
        call(fake, "relation-ids", &["website", "--format=json"], ""),
        call(fake, "relation-get", &["--format=json", "-r", "3", "-", "client/0"], ""),
        call(fake, "relation-get", &["--format=json", "-r", "3", "-", "nobody/7"], ""),
        call(
            fake,
            "relation-set",
            &["-r", "3", "--file", "-"],
            "{\"port\":\"8080\"}\n\n",
        ),
        call(
            fake,
            "secret-add",
            &["--label", "admin", "--owner", "application", &secret_arg],
            "",
        ),
        call(fake, "secret-info-get", &["--format=json", "--label", "bad"], ""),
        call(
            fake,
            "juju-log",
            &["--log-level", "INFO", "--", "two\nlines\twith \"quotes\""],
            "",
        ),
        call(fake, "status-set", &["--application=false", "active", "--", ""], ""),
    ]
}

#[test]
fn the_compiled_fake_records_and_answers_like_the_shell_fake() {
    let secrets = tmp::TempDir::new("fakesecret").unwrap();
    let secret: PathBuf = secrets.path().join("value-0");
    std::fs::write(&secret, "s3cret-value\n").unwrap();

    let shell = fake(Tools::Shell);
    let binary = fake(Tools::Binary(PathBuf::from(env!("CARGO_BIN_EXE_fake-hook-tool"))));
    let (from_shell, from_binary) = (script(&shell, &secret), script(&binary, &secret));
    assert_eq!(from_binary, from_shell);
    let (calls_shell, calls_binary) = (shell.calls().unwrap(), binary.calls().unwrap());
    assert_eq!(calls_binary, calls_shell);

    assert_eq!(from_shell[0], ("true\n".into(), String::new(), Some(0)));
    assert_eq!(
        from_shell[4].2,
        Some(1),
        "a bag without fixture fails like an unknown relation"
    );
    assert_eq!(
        from_shell[7],
        (String::new(), "ERROR secret \"bad\" not found\n".into(), Some(2))
    );
    assert_eq!(calls_shell[5].stdin, "{\"port\":\"8080\"}");
    assert_eq!(
        calls_shell[6].files,
        [("password".to_owned(), "s3cret-value".to_owned())]
    );
    assert_eq!(calls_shell[8].args[3], "two\nlines\twith \"quotes\"");
    assert_eq!(calls_shell.len(), 10);
}
