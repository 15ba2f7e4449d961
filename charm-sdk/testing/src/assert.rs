//! Assertion helpers that point at the test line and print expected and got in full.
//!
//! Each is `#[track_caller]`, so a failure is reported where the test called it (as
//! cargo-test-support's helpers are), and prints both sides pretty, not a one-line diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use juju_model::tools::Port;
use juju_model::{Databag, Status};

use crate::relation::RelationLike;
use crate::run::{RunError, RunOutput};

/// The Juju-populated keys every unit bag has; unit-bag assertions ignore them.
pub const JUJU_UNIT_KEYS: [&str; 3] = ["egress-subnets", "ingress-address", "private-address"];

#[track_caller]
fn check<T: PartialEq + Debug>(what: &str, expected: &T, got: &T) {
    if expected != got {
        panic!("assertion failed: {what}\n  expected: {expected:#?}\n       got: {got:#?}");
    }
}

fn bag<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Databag {
    pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}

/// The unit status after the run is `expected`.
#[track_caller]
pub fn assert_status(out: &RunOutput, expected: Status) {
    check("unit status", &expected, &out.state.unit_status);
}

/// The application status after the run is `expected`.
#[track_caller]
pub fn assert_app_status(out: &RunOutput, expected: Status) {
    check("application status", &expected, &out.state.app_status);
}

/// This application's bag in `relation` (regular or peer) is exactly `expected`.
#[track_caller]
pub fn assert_relation_app_data<K: Into<String>, V: Into<String>>(
    out: &RunOutput,
    relation: &impl RelationLike,
    expected: impl IntoIterator<Item = (K, V)>,
) {
    let got = local_bags(out, relation).0;
    check(
        &format!(
            "application data on `{}` ({})",
            relation.endpoint(),
            relation.relation_id()
        ),
        &bag(expected),
        &got,
    );
}

/// This unit's bag in `relation` is exactly `expected`, ignoring Juju's address keys.
#[track_caller]
pub fn assert_relation_unit_data<K: Into<String>, V: Into<String>>(
    out: &RunOutput,
    relation: &impl RelationLike,
    expected: impl IntoIterator<Item = (K, V)>,
) {
    let mut got = local_bags(out, relation).1;
    got.retain(|k, _| !JUJU_UNIT_KEYS.contains(&k.as_str()));
    check(
        &format!("unit data on `{}` ({})", relation.endpoint(), relation.relation_id()),
        &bag(expected),
        &got,
    );
}

#[track_caller]
fn local_bags(out: &RunOutput, relation: &impl RelationLike) -> (Databag, Databag) {
    let id = relation.relation_id();
    if let Some(rel) = out.state.relations.iter().find(|r| r.id == id) {
        return (rel.local_app_data.clone(), rel.local_unit_data.clone());
    }
    if let Some(peer) = out.state.peers.iter().find(|p| p.id == id) {
        return (peer.local_app_data.clone(), peer.local_unit_data.clone());
    }
    panic!("relation {id} (`{}`) is not in the output state", relation.endpoint());
}

/// Unit state after the run is exactly `expected`.
#[track_caller]
pub fn assert_unit_state<K: Into<String>, V: Into<String>>(
    out: &RunOutput,
    expected: impl IntoIterator<Item = (K, V)>,
) {
    check("unit state", &bag(expected), &out.state.unit_state);
}

/// The opened ports after the run are exactly `expected`.
#[track_caller]
pub fn assert_opened_ports(out: &RunOutput, expected: impl IntoIterator<Item = Port>) {
    let expected: BTreeSet<Port> = expected.into_iter().collect();
    check("opened ports", &expected, &out.state.opened_ports);
}

/// The action's results are exactly `expected` (and the run was an action).
#[track_caller]
pub fn assert_action_results<K: Into<String>, V: Into<String>>(
    out: &RunOutput,
    expected: impl IntoIterator<Item = (K, V)>,
) {
    let got: Option<BTreeMap<String, String>> = out.action.as_ref().map(|a| a.results.clone());
    check("action results", &Some(bag(expected)), &got);
}

/// The charm called `tool` exactly `count` times.
#[track_caller]
pub fn assert_calls(out: &RunOutput, tool: &str, count: usize) {
    let got = out.calls_to(tool);
    if got != count {
        panic!(
            "assertion failed: calls to {tool}\n  expected: {count}\n       got: {got}\n  all calls: {:#?}",
            out.calls
        );
    }
}

/// Some `juju-log` line contains `needle`.
#[track_caller]
pub fn assert_log_contains(out: &RunOutput, needle: &str) {
    if !out.logs.iter().any(|(_, line)| line.contains(needle)) {
        panic!(
            "assertion failed: a log line containing {needle:?}\n  logs: {:#?}",
            out.logs
        );
    }
}

/// The run was refused as inconsistent, with a problem containing `needle`.
#[track_caller]
pub fn assert_inconsistent(result: &Result<RunOutput, RunError>, needle: &str) {
    match result {
        Err(RunError::Inconsistent(problems)) if problems.iter().any(|p| p.contains(needle)) => {}
        Err(RunError::Inconsistent(problems)) => {
            panic!("assertion failed: an inconsistency containing {needle:?}\n  problems: {problems:#?}")
        }
        Err(other) => panic!("assertion failed: expected an inconsistency containing {needle:?}, got:\n{other}"),
        Ok(out) => panic!(
            "assertion failed: expected an inconsistency containing {needle:?}, but the hook ran; status {:?}",
            out.state.unit_status
        ),
    }
}

/// The hook failed with a message containing `needle`; returns its output.
#[track_caller]
pub fn assert_hook_failed(result: Result<RunOutput, RunError>, needle: &str) -> RunOutput {
    match result {
        Err(RunError::HookFailed { message, output }) if message.contains(needle) => *output,
        Err(other) => panic!("assertion failed: a hook failure containing {needle:?}, got:\n{other}"),
        Ok(out) => panic!(
            "assertion failed: expected the hook to fail with {needle:?}, but it succeeded; status {:?}, logs {:#?}",
            out.state.unit_status, out.logs
        ),
    }
}
