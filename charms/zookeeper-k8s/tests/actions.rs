//! The actions' names, parameters and result keys (the Python charm's), and password
//! rotation rolled out without losing the quorum.

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use charm_testing::{assert_action_results, TestEvent};
use support::sim::{restarts, Sim};

fn secret(sim: &Sim) -> std::collections::BTreeMap<String, String> {
    sim.app_secrets
        .iter()
        .find(|s| s.label.as_deref() == Some("cluster.zookeeper-k8s.app"))
        .expect("credentials secret")
        .newest_content()
        .clone()
}

#[test]
fn get_password_actions_return_the_python_charms_keys() {
    let mut sim = Sim::new(2, 0);
    sim.settle(6);
    let creds = secret(&sim);
    let out = sim.run(1, TestEvent::action("get-super-password"));
    assert_action_results(&out, [("super-password", creds["super-password"].as_str())]);
    let out = sim.run(0, TestEvent::action("get-sync-password"));
    assert_action_results(&out, [("sync-password", creds["sync-password"].as_str())]);
    let haystack = format!("{:?}{:?}", out.logs, out.calls);
    assert!(!haystack.contains(&creds["sync-password"]), "password in logs or calls");
}

#[test]
fn get_password_before_the_leader_ran_fails_clearly() {
    let mut sim = Sim::new(2, 0);
    let out = sim.run(1, TestEvent::action("get-super-password"));
    let failed = out.action.and_then(|a| a.failed).expect("failed");
    assert!(failed.contains("not created yet"), "{failed}");
}

#[test]
fn set_password_is_for_the_leader_and_internal_users_only() {
    let mut sim = Sim::new(2, 0);
    sim.settle(6);
    let out = sim.run(
        1,
        TestEvent::action("set-password").param("password", "another-password"),
    );
    assert_eq!(
        out.action.and_then(|a| a.failed).as_deref(),
        Some("Password rotation must be called on leader unit")
    );
    let out = sim.run(
        0,
        TestEvent::action("set-password")
            .param("username", "sync")
            .param("password", "bad\"quote"),
    );
    assert!(out.action.and_then(|a| a.failed).expect("failed").contains("JAAS"));
}

#[test]
fn set_password_for_super_rolls_out_one_unit_at_a_time() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    let version = sim.app_bag["credentials-version"].clone();
    let out = sim.run(
        0,
        TestEvent::action("set-password").param("password", "brand-new-super-pw"),
    );
    assert_action_results(&out, [("super-password", "brand-new-super-pw")]);
    assert_eq!(secret(&sim)["super-password"], "brand-new-super-pw");
    assert_ne!(sim.app_bag["credentials-version"], version);

    let before: Vec<usize> = (0..3).map(|n| restarts(&sim, n)).collect();
    for _ in 0..8 {
        for n in [0, 1, 2] {
            let already: Vec<usize> = (0..3).map(|m| restarts(&sim, m)).collect();
            sim.run(n, TestEvent::update_status());
            let now: Vec<usize> = (0..3).map(|m| restarts(&sim, m)).collect();
            assert!(now.iter().zip(&already).filter(|(a, b)| a > b).count() <= 1);
        }
    }
    for n in 0..3 {
        assert_eq!(restarts(&sim, n), before[n as usize] + 1, "unit {n} restarted once");
        let jaas = sim.file(n, "/etc/zookeeper/zookeeper-jaas.cfg").expect("jaas");
        assert!(jaas.contains("user_super=\"brand-new-super-pw\""));
        let client = sim.file(n, "/etc/zookeeper/client-jaas.cfg").expect("client jaas");
        assert!(client.contains("password=\"brand-new-super-pw\""));
    }

    // The same password again changes nothing.
    let out = sim.run(
        0,
        TestEvent::action("set-password")
            .param("username", "super")
            .param("password", "brand-new-super-pw"),
    );
    assert_action_results(&out, [("super-password", "brand-new-super-pw")]);
    assert_eq!(
        out.action.expect("action").logs,
        ["The old and new passwords are equal."]
    );
}

#[test]
fn set_password_for_sync_alternates_the_quorum_user_in_three_steps() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    let old = secret(&sim)["sync-password"].clone();
    let out = sim.run(0, TestEvent::action("set-password").param("username", "sync"));
    let new = out.action.as_ref().expect("action").results["sync-password"].clone();
    assert_eq!(new.len(), 32);
    assert_eq!(sim.app_bag["sync-rotation"], "accept");
    assert_eq!(
        secret(&sim)["sync-password"],
        old,
        "the current password stays until the switch"
    );

    // A second rotation is refused while one runs.
    let out = sim.run(0, TestEvent::action("set-password").param("username", "sync"));
    assert!(out
        .action
        .and_then(|a| a.failed)
        .expect("failed")
        .contains("already in progress"));

    // Every hook: any two servers share a quorum user they both know.
    let mut phases = vec![sim.app_bag.get("sync-rotation").cloned()];
    for _ in 0..12 {
        for n in [0, 1, 2] {
            sim.run(n, TestEvent::update_status());
            let phase = sim.app_bag.get("sync-rotation").cloned();
            if phases.last() != Some(&phase) {
                phases.push(phase);
            }
            for a in 0..3 {
                for b in 0..3 {
                    let learner = learner_of(&sim, a);
                    let accepted = quorum_users_of(&sim, b);
                    assert!(
                        accepted.contains(&learner),
                        "unit {a} logs in as {learner:?}, unit {b} accepts {accepted:?}"
                    );
                }
            }
        }
    }
    assert_eq!(phases, [Some("accept".to_owned()), Some("switch".to_owned()), None]);
    assert_eq!(sim.app_bag["sync-user"], "sync-alt");
    assert_eq!(secret(&sim)["sync-password"], new);
    assert!(!secret(&sim).contains_key("sync-password-next"));
    for n in 0..3 {
        let jaas = sim.file(n, "/etc/zookeeper/zookeeper-jaas.cfg").expect("jaas");
        assert!(jaas.contains(&format!("user_sync-alt=\"{new}\";")), "{jaas}");
        assert!(!jaas.contains(&old));
    }
    let out = sim.run(1, TestEvent::action("get-sync-password"));
    assert_action_results(&out, [("sync-password", new.as_str())]);
}

/// `(user, password)` a unit's running JAAS logs in with.
fn learner_of(sim: &Sim, n: u32) -> (String, String) {
    let jaas = sim.file(n, "/etc/zookeeper/zookeeper-jaas.cfg").expect("jaas");
    let section = jaas.split("QuorumLearner {").nth(1).expect("learner section");
    let value = |key: &str| {
        section
            .split(&format!("{key}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default()
            .to_owned()
    };
    (value("username"), value("password"))
}

/// `(user, password)` pairs a unit's running JAAS accepts from quorum peers.
fn quorum_users_of(sim: &Sim, n: u32) -> Vec<(String, String)> {
    let jaas = sim.file(n, "/etc/zookeeper/zookeeper-jaas.cfg").expect("jaas");
    let section = jaas
        .split("QuorumServer {")
        .nth(1)
        .and_then(|s| s.split("};").next())
        .expect("server section");
    section
        .lines()
        .filter_map(|l| l.trim().strip_prefix("user_"))
        .filter_map(|l| l.split_once("=\""))
        .map(|(u, rest)| {
            (
                u.to_owned(),
                rest.trim_end_matches(';').trim_end_matches('"').to_owned(),
            )
        })
        .collect()
}
