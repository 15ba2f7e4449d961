//! Rolling restarts: a change that needs a restart is applied one server at a time, under a
//! lock the leader keeps in peer data, and only while the other servers serve.

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use charm_sdk::Status;
use charm_testing::TestEvent;
use support::fake_zk::{with_zk, FakeServer};
use support::sim::{restarts, zk_address, Sim};

fn lock(sim: &Sim) -> Option<String> {
    sim.app_bag.get("restart-lock").cloned()
}

#[test]
fn a_config_change_restarts_one_unit_at_a_time() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    let before: Vec<usize> = (0..3).map(|n| restarts(&sim, n)).collect();
    sim.set_config("tick-time", 3000);

    // Non-leaders ask for the lock and wait.
    for n in [1, 2] {
        let out = sim.run(n, TestEvent::config_changed());
        assert_eq!(sim.units[&n].bag["restart"], "requested");
        assert_eq!(
            out.unit_status(),
            &Status::waiting("waiting for the rolling-restart lock to load new configuration")
        );
        assert_eq!(
            restarts(&sim, n),
            before[n as usize],
            "unit {n} restarted without the lock"
        );
        assert!(sim
            .file(n, "/etc/zookeeper/zoo.cfg")
            .expect("zoo.cfg")
            .contains("tickTime=2000\n"));
    }

    // The leader asks too and grants itself the lock (lowest requester).
    sim.run(0, TestEvent::config_changed());
    assert_eq!(lock(&sim).as_deref(), Some("zookeeper-k8s/0"));
    assert_eq!(restarts(&sim, 0), before[0]);

    // A non-holder does nothing.
    sim.run(1, TestEvent::update_status());
    assert_eq!(restarts(&sim, 1), before[1]);

    // The holder restarts, is healthy at once, releases; the leader passes the lock on.
    let mut order = Vec::new();
    for _ in 0..6 {
        for n in [0, 1, 2] {
            let already: Vec<usize> = (0..3).map(|m| restarts(&sim, m)).collect();
            sim.run(n, TestEvent::update_status());
            let now: Vec<usize> = (0..3).map(|m| restarts(&sim, m)).collect();
            let restarted: Vec<u32> = (0..3).filter(|m| now[*m as usize] > already[*m as usize]).collect();
            assert!(restarted.len() <= 1, "two servers restarted in one hook: {restarted:?}");
            order.extend(restarted);
        }
    }
    assert_eq!(order, [0, 1, 2], "each server restarted once, in order");
    assert_eq!(lock(&sim), None, "the lock is released at the end");
    for n in 0..3 {
        assert!(sim
            .file(n, "/etc/zookeeper/zoo.cfg")
            .expect("zoo.cfg")
            .contains("tickTime=3000\n"));
        assert!(!sim.units[&n].bag.contains_key("restart"));
    }
}

#[test]
fn the_lock_is_not_granted_while_another_server_is_down() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    sim.set_config("init-limit", 10);
    sim.run(1, TestEvent::config_changed());
    with_zk(|zk| {
        zk.overrides.insert(zk_address(2), FakeServer::Down);
    });
    // The leader also wants a restart, but unit 2 is down: nobody may restart.
    sim.run(0, TestEvent::config_changed());
    assert_eq!(lock(&sim), None);
    with_zk(|zk| zk.overrides.clear());
    sim.run(0, TestEvent::update_status());
    assert_eq!(lock(&sim).as_deref(), Some("zookeeper-k8s/0"));
}

#[test]
fn a_holder_that_does_not_rejoin_keeps_the_lock() {
    let mut sim = Sim::new(2, 0);
    sim.settle(6);
    sim.set_config("sync-limit", 4);
    sim.run(1, TestEvent::config_changed());
    sim.run(0, TestEvent::config_changed()); // grants itself
                                             // Unit 0 will restart but not come back as a member.
    with_zk(|zk| {
        zk.overrides.insert(zk_address(0), FakeServer::NotServing);
    });
    let out = sim.run(0, TestEvent::update_status());
    assert_eq!(sim.units[&0].bag["restart"], "restarted");
    assert_eq!(lock(&sim).as_deref(), Some("zookeeper-k8s/0"));
    assert_eq!(
        out.unit_status(),
        &Status::maintenance("restarted; waiting to rejoin the quorum (not serving requests)")
    );
    let restarts_of_1 = restarts(&sim, 1);
    sim.run(1, TestEvent::update_status());
    assert_eq!(
        restarts(&sim, 1),
        restarts_of_1,
        "unit 1 must not restart while unit 0 is out"
    );

    with_zk(|zk| zk.overrides.clear());
    sim.run(0, TestEvent::update_status());
    assert!(!sim.units[&0].bag.contains_key("restart"));
    assert_eq!(lock(&sim).as_deref(), Some("zookeeper-k8s/1"));
}

#[test]
fn a_joiner_restarts_only_once_promoted() {
    // Unit 1 started as an observer and serves, but the leader cannot promote it yet (no
    // session). ZooKeeper has rewritten the joiner's dynamic file from the leader's
    // membership, which does not list it: a restart now would fail with "My id 2 not in the
    // peer list" (seen in the e2e tests). So it may not take the restart lock until promoted.
    let mut sim = Sim::new(2, 0);
    with_zk(|zk| zk.refuse_connections = Some("no sessions in this test".to_owned()));
    sim.settle(10);
    assert!(sim.running(1));
    assert_eq!(sim.app_bag.get("1"), None, "unit 1 is not a member yet");
    let (before0, before1) = (restarts(&sim, 0), restarts(&sim, 1));
    sim.set_config("tick-time", 3000);
    sim.settle(10);
    assert!(restarts(&sim, 0) > before0, "the member restarted");
    assert_eq!(restarts(&sim, 1), before1, "the joiner restarted before its promotion");
    assert_ne!(lock(&sim).as_deref(), Some("zookeeper-k8s/1"));

    // Once promoted it restarts with the new configuration.
    with_zk(|zk| zk.refuse_connections = None);
    sim.settle(10);
    assert_eq!(sim.app_bag.get("1").map(String::as_str), Some("added"));
    assert!(restarts(&sim, 1) > before1);
    assert!(sim
        .file(1, "/etc/zookeeper/zoo.cfg")
        .expect("zoo.cfg")
        .contains("tickTime=3000\n"));
}

#[test]
fn log_level_changes_apply_without_a_restart() {
    let mut sim = Sim::new(1, 0);
    sim.settle(4);
    let before = restarts(&sim, 0);
    sim.set_config("log-level", "WARNING");
    sim.run(0, TestEvent::config_changed());
    assert!(sim
        .file(0, "/etc/zookeeper/logback.xml")
        .expect("logback")
        .contains("<root level=\"WARN\">"));
    assert_eq!(restarts(&sim, 0), before);
    assert!(!sim.units[&0].bag.contains_key("restart"));
}
