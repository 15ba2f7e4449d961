//! Assertions on a [`Run`] of the charm binary that print, on failure, what was expected,
//! what happened (every hook tool call, numbered) and the charm's stderr, so a failing test
//! explains itself without a rerun.

use super::juju::{Call, Run};

fn listing(calls: &[Call]) -> String {
    calls
        .iter()
        .enumerate()
        .map(|(i, c)| format!("  {:>2}. {c}\n", i + 1))
        .collect()
}

fn context(run: &Run) -> String {
    format!(
        "event: {}\nexit code: {:?}\ncalls ({}):\n{}stderr:\n{}\nstdout:\n{}",
        run.event,
        run.code,
        run.calls.len(),
        listing(&run.calls),
        run.stderr,
        run.stdout
    )
}

/// The charm exited with `code`.
#[track_caller]
pub(crate) fn assert_exit(run: &Run, code: i32) {
    assert_eq!(run.code, Some(code), "expected exit code {code}\n{}", context(run));
}

/// The calls, each shown as `tool arg …` (secret file paths as `key#file=…`), are exactly
/// `expected`, in order.
#[track_caller]
pub(crate) fn assert_calls(run: &Run, expected: &[&str]) {
    let got: Vec<String> = run.calls.iter().map(ToString::to_string).collect();
    if got != expected {
        let want: String = expected
            .iter()
            .enumerate()
            .map(|(i, c)| format!("  {:>2}. {c}\n", i + 1))
            .collect();
        let first = got
            .iter()
            .zip(expected)
            .position(|(g, e)| g != e)
            .unwrap_or(got.len().min(expected.len()));
        panic!(
            "hook tool calls differ (first difference at call {}):\nexpected ({}):\n{want}got: {}",
            first + 1,
            expected.len(),
            context(run)
        );
    }
}

/// `tool` was called exactly `count` times.
#[track_caller]
pub(crate) fn assert_count(run: &Run, tool: &str, count: usize) {
    let got = run.calls.iter().filter(|c| c.tool == tool).count();
    assert_eq!(
        got,
        count,
        "expected {count} call(s) to {tool}, got {got}\n{}",
        context(run)
    );
}

/// No two calls read the same fact: every query tool (everything that is not a write or a
/// log line) is called at most once per argv.
#[track_caller]
pub(crate) fn assert_no_repeated_queries(run: &Run) {
    const WRITES: [&str; 14] = [
        "status-set",
        "juju-log",
        "relation-set",
        "state-set",
        "state-delete",
        "open-port",
        "close-port",
        "secret-add",
        "secret-set",
        "secret-grant",
        "secret-revoke",
        "secret-remove",
        "action-set",
        "action-fail",
    ];
    let queries: Vec<String> = run
        .calls
        .iter()
        .filter(|c| !WRITES.contains(&c.tool.as_str()))
        .map(ToString::to_string)
        .collect();
    for (i, q) in queries.iter().enumerate() {
        assert!(
            !queries[..i].contains(q),
            "the fact `{q}` was read twice in one run\n{}",
            context(run)
        );
    }
}

/// Exactly one unit `status-set`, of `kind` and `message`.
#[track_caller]
pub(crate) fn assert_status(run: &Run, kind: &str, message: &str) {
    let sets: Vec<&Call> = run.calls.iter().filter(|c| c.tool == "status-set").collect();
    let expected = ["--application=false", kind, "--", message];
    assert!(
        sets.len() == 1 && sets[0].args == expected,
        "expected one `status-set {}`\n{}",
        expected.join(" "),
        context(run)
    );
}

/// No `status-set` at all.
#[track_caller]
pub(crate) fn assert_no_status(run: &Run) {
    assert_count(run, "status-set", 0);
}

/// `needle` (a secret value) is in no argument and no stdin of any call, and the charm's
/// TMPDIR is empty after the run (secret value files were removed).
#[track_caller]
pub(crate) fn assert_secret_kept_off_argv(run: &Run, needle: &str) {
    for call in &run.calls {
        assert!(
            !call.args.iter().any(|a| a.contains(needle)) && !call.stdin.contains(needle),
            "secret value {needle:?} appears in `{call}` (argv or stdin)\n{}",
            context(run)
        );
    }
    assert!(
        run.leftovers.is_empty(),
        "files left in TMPDIR: {:?}\n{}",
        run.leftovers,
        context(run)
    );
}

/// The log lines (`juju-log` messages) of the run, `LEVEL message`.
pub(crate) fn logs(run: &Run) -> Vec<String> {
    run.calls
        .iter()
        .filter(|c| c.tool == "juju-log")
        .map(|c| match c.args.as_slice() {
            [flag, level, dashes, message] if flag == "--log-level" && dashes == "--" => format!("{level} {message}"),
            other => other.join(" "),
        })
        .collect()
}

/// Some `juju-log` line contains `needle`.
#[track_caller]
pub(crate) fn assert_logged(run: &Run, needle: &str) {
    assert!(
        logs(run).iter().any(|l| l.contains(needle)),
        "expected a juju-log line containing {needle:?}\n{}",
        context(run)
    );
}

/// The one call to `tool`; its stdin parsed as JSON.
#[track_caller]
pub(crate) fn stdin_json(run: &Run, call: &str) -> serde_json::Value {
    let found: Vec<&Call> = run.calls.iter().filter(|c| c.to_string() == call).collect();
    assert_eq!(found.len(), 1, "expected exactly one `{call}`\n{}", context(run));
    serde_json::from_str(&found[0].stdin)
        .unwrap_or_else(|e| panic!("stdin of `{call}` is not JSON ({e}): {:?}", found[0].stdin))
}
