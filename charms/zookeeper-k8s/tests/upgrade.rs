//! In-place upgrades in process: `pre-upgrade-check` and `resume-upgrade` (names, refusals,
//! results), the stack walked one unit at a time under the rolling-restart lock, the
//! post-upgrade check, and `set-password` refused mid-upgrade — with the fake ensemble; the
//! StatefulSet partition patches sent to the in-test Kubernetes API server
//! (`charm_kube::testing`, never a real one) and its refusals. Without a server (the other
//! tests) the charm is "not in a pod" and the partition stays in the peer relation only.

#![allow(clippy::expect_used)]

mod support;

use charm_interfaces::upgrade::decide::{NOTHING_TO_RESUME, NOT_LEADER, PRE_CHECK_FAILED, RESUME_ONCE};
use charm_kube::testing::FakeKube;
use charm_sdk::prelude::*;
use charm_testing::TestEvent;
use support::fake_zk::{with_zk, FakeServer};
use support::sim::{restarts, zk_address, Sim, APP};

/// The model's name in the simulated units (charm-testing's default).
const NS: &str = "test-model";
/// Where the charm patches its StatefulSet.
const STATEFULSET_PATH: &str = "/apis/apps/v1/namespaces/test-model/statefulsets/zookeeper-k8s";
const TRUST_HINT: &str =
    "Kubernetes StatefulSet patch failed: `juju trust` needed; run `juju trust zookeeper-k8s --scope=cluster`";

fn state_of(sim: &Sim, n: u32) -> String {
    sim.units[&n].upgrade_bag.get("state").cloned().unwrap_or_default()
}

fn stack(sim: &Sim) -> String {
    sim.upgrade_app
        .as_ref()
        .and_then(|a| a.get("upgrade-stack").cloned())
        .unwrap_or_default()
}

fn failed(out: &charm_testing::RunOutput) -> Option<String> {
    out.action.as_ref().and_then(|a| a.failed.clone())
}

/// Three settled units with an `upgrade` relation.
fn three() -> Sim {
    let mut sim = Sim::new(3, 0);
    sim.upgrade_app = Some(Databag::new());
    sim.settle(10);
    sim
}

/// update-status everywhere, leader first, `rounds` times.
fn rounds(sim: &mut Sim, rounds: usize) {
    for _ in 0..rounds {
        for n in [0, 1, 2] {
            sim.run(n, TestEvent::update_status());
        }
    }
}

#[test]
fn units_start_idle_and_the_leader_records_the_dependencies() {
    let sim = three();
    assert!((0..3).all(|n| state_of(&sim, n) == "idle"));
    assert_eq!(
        sim.upgrade_app.as_ref().expect("relation")["dependencies"],
        r#"{"service": {"dependencies": {}, "name": "zookeeper", "upgrade_supported": "^3.6", "version": "3.9.2"}}"#
    );
}

#[test]
fn pre_upgrade_check_is_for_the_leader_and_a_healthy_ensemble() {
    let mut sim = three();
    let out = sim.run(1, TestEvent::action("pre-upgrade-check"));
    assert_eq!(failed(&out).as_deref(), Some(NOT_LEADER));

    with_zk(|zk| zk.overrides.insert(zk_address(2), FakeServer::NotServing));
    let out = sim.run(0, TestEvent::action("pre-upgrade-check"));
    let why = failed(&out).expect("refused");
    assert!(
        why.starts_with(PRE_CHECK_FAILED) && why.contains("zookeeper-k8s/2"),
        "{why}"
    );
    assert_eq!(stack(&sim), "");
    with_zk(|zk| {
        zk.overrides.insert(
            zk_address(1),
            FakeServer::Serving {
                role: "follower".into(),
                synced: false,
            },
        )
    });
    let out = sim.run(0, TestEvent::action("pre-upgrade-check"));
    assert!(failed(&out).expect("refused").contains("still syncing"));
    with_zk(|zk| zk.overrides.clear());

    let out = sim.run(0, TestEvent::action("pre-upgrade-check"));
    assert_eq!(failed(&out), None);
    let results = &out.action.as_ref().expect("action").results;
    assert_eq!(results["upgrade-stack"], "[0, 1, 2]");
    assert_eq!(stack(&sim), "[0, 1, 2]");
    assert_eq!(sim.upgrade_app.as_ref().expect("relation")["upgrade-partition"], "2");
}

#[test]
fn resume_upgrade_refusals() {
    let mut sim = three();
    let out = sim.run(0, TestEvent::action("resume-upgrade"));
    assert_eq!(failed(&out).as_deref(), Some(NOTHING_TO_RESUME));
    sim.run(0, TestEvent::action("pre-upgrade-check"));
    let out = sim.run(0, TestEvent::action("resume-upgrade"));
    assert_eq!(
        failed(&out).as_deref(),
        Some(RESUME_ONCE),
        "before the first unit upgraded"
    );
    let out = sim.run(2, TestEvent::action("resume-upgrade"));
    assert_eq!(failed(&out).as_deref(), Some(NOT_LEADER));
}

#[test]
fn set_password_is_refused_while_upgrading() {
    let mut sim = three();
    sim.run(0, TestEvent::action("pre-upgrade-check"));
    let out = sim.run(
        0,
        TestEvent::action("set-password").param("password", "a-new-super-password"),
    );
    assert_eq!(
        failed(&out).as_deref(),
        Some("Cannot set password while upgrading (upgrade_stack: [0, 1, 2])")
    );
}

#[test]
fn the_upgrade_restarts_one_unit_at_a_time_top_of_the_stack_first() {
    let mut sim = three();
    sim.run(0, TestEvent::action("pre-upgrade-check"));
    let before: Vec<usize> = (0..3).map(|n| restarts(&sim, n)).collect();
    for n in [0, 1, 2] {
        let out = sim.run(n, TestEvent::upgrade_charm());
        assert!(matches!(state_of(&sim, n).as_str(), "ready" | "upgrading"), "{out:?}");
    }
    rounds(&mut sim, 4);
    assert_eq!(state_of(&sim, 2), "completed");
    assert_eq!(restarts(&sim, 2), before[2] + 1, "unit 2 restarted once");
    assert_eq!(
        (restarts(&sim, 0), restarts(&sim, 1)),
        (before[0], before[1]),
        "the others did not"
    );
    assert_eq!(stack(&sim), "[0, 1]");
    let out = sim.run(1, TestEvent::update_status());
    assert_eq!(
        out.unit_status(),
        &Status::waiting("unit 2 upgraded; waiting for resume-upgrade")
    );

    let out = sim.run(0, TestEvent::action("resume-upgrade"));
    assert_eq!(
        out.action.as_ref().expect("action").results["message"],
        "Upgrade will resume on unit 1"
    );
    rounds(&mut sim, 3);
    assert_eq!(restarts(&sim, 1), before[1] + 1);
    rounds(&mut sim, 4);
    assert_eq!(restarts(&sim, 0), before[0] + 1);
    assert_eq!(stack(&sim), "[]");
    assert!(
        (0..3).all(|n| state_of(&sim, n) == "idle"),
        "{:?}",
        (0..3).map(|n| state_of(&sim, n)).collect::<Vec<_>>()
    );
    assert_eq!(
        sim.upgrade_app
            .as_ref()
            .expect("relation")
            .get("upgrade-partition")
            .map(String::as_str)
            .unwrap_or(""),
        ""
    );
    let out = sim.run(1, TestEvent::update_status());
    assert_eq!(
        out.unit_status().kind,
        juju_model::StatusKind::Active,
        "{:?}",
        out.unit_status()
    );
    assert_eq!(
        (0..3).map(|n| restarts(&sim, n)).sum::<usize>(),
        before.iter().sum::<usize>() + 3
    );
}

#[test]
fn a_server_that_does_not_rejoin_fails_the_unit_and_halts_the_upgrade() {
    let mut sim = three();
    sim.run(0, TestEvent::action("pre-upgrade-check"));
    for n in [0, 1, 2] {
        sim.run(n, TestEvent::upgrade_charm());
    }
    // Unit 2 restarts but never serves again.
    with_zk(|zk| zk.overrides.insert(zk_address(2), FakeServer::NotServing));
    rounds(&mut sim, 3);
    assert_eq!(state_of(&sim, 2), "failed");
    let out = sim.run(2, TestEvent::update_status());
    assert_eq!(
        out.unit_status().kind,
        juju_model::StatusKind::Blocked,
        "{:?}",
        out.unit_status()
    );
    let out = sim.run(1, TestEvent::update_status());
    assert!(out.unit_status().message.contains("failed"), "{:?}", out.unit_status());
    assert_eq!(stack(&sim), "[0, 1, 2]", "nothing popped");
    // pre-upgrade-check now enters recovery.
    let out = sim.run(0, TestEvent::action("pre-upgrade-check"));
    assert_eq!(
        out.action.as_ref().expect("action").results["message"],
        "ready to rollback application"
    );
    assert_eq!(state_of(&sim, 0), "recovery");
}

/// An in-test API server holding the application's StatefulSet, used by this thread's units.
fn kube_api() -> FakeKube {
    let kube = FakeKube::start();
    kube.add_statefulset(NS, APP, 3);
    with_zk(|zk| zk.kube = Some(kube.clone()));
    kube
}

/// The partitions the charm patched, in order; every PATCH checked to be lightkube's.
#[track_caller]
fn patched_partitions(kube: &FakeKube) -> Vec<u64> {
    kube.patches()
        .iter()
        .map(|p| {
            assert_eq!(p.path, STATEFULSET_PATH);
            assert_eq!(p.query, "");
            assert_eq!(p.content_type, "application/strategic-merge-patch+json");
            assert!(p.authorized);
            let body: serde_json::Value = serde_json::from_str(&p.body).expect("JSON body");
            let partition = body["spec"]["updateStrategy"]["rollingUpdate"]["partition"]
                .as_u64()
                .expect("a partition");
            assert_eq!(
                body,
                serde_json::json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": partition}}}}),
                "nothing else is patched"
            );
            partition
        })
        .collect()
}

#[test]
fn the_statefulset_partition_is_patched_at_pre_upgrade_check_and_as_units_complete() {
    let mut sim = three();
    let kube = kube_api();
    let out = sim.run(0, TestEvent::action("pre-upgrade-check"));
    assert_eq!(failed(&out), None);
    assert_eq!(patched_partitions(&kube), vec![2], "the highest unit goes first");
    assert_eq!(kube.partition(NS, APP), Some(2));

    for n in [0, 1, 2] {
        sim.run(n, TestEvent::upgrade_charm());
    }
    rounds(&mut sim, 4);
    assert_eq!(state_of(&sim, 2), "completed");
    assert_eq!(stack(&sim), "[0, 1]");
    assert_eq!(patched_partitions(&kube), vec![2], "held until resume-upgrade");

    sim.run(0, TestEvent::action("resume-upgrade"));
    assert_eq!(patched_partitions(&kube), vec![2, 1]);
    rounds(&mut sim, 3);
    assert_eq!(stack(&sim), "[0]", "unit 1 completed and was popped");
    assert_eq!(
        patched_partitions(&kube),
        vec![2, 1, 0],
        "the leader lowered it for unit 0"
    );
    rounds(&mut sim, 4);
    assert_eq!(stack(&sim), "[]");
    assert_eq!(
        patched_partitions(&kube),
        vec![2, 1, 0],
        "0 is the end: nothing more to send"
    );
    assert_eq!(kube.partition(NS, APP), Some(0));
}

#[test]
fn an_untrusted_application_fails_pre_upgrade_check_with_the_trust_hint() {
    let mut sim = three();
    let kube = kube_api();
    kube.forbid(true);
    let out = sim.run(0, TestEvent::action("pre-upgrade-check"));
    assert_eq!(failed(&out).as_deref(), Some(TRUST_HINT));
    assert_eq!(stack(&sim), "", "no stack written");
    assert_eq!(
        sim.upgrade_app.as_ref().expect("relation").get("upgrade-partition"),
        None
    );
    assert_eq!(kube.patches().len(), 1, "one refused PATCH");

    kube.forbid(false);
    kube.fail(true);
    let out = sim.run(0, TestEvent::action("pre-upgrade-check"));
    let why = failed(&out).expect("refused");
    assert!(
        why.starts_with("Kubernetes StatefulSet patch failed: HTTP 500 InternalError: ")
            && why.ends_with(&format!("(PATCH {STATEFULSET_PATH})")),
        "{why}"
    );
    assert_eq!(stack(&sim), "");

    kube.fail(false);
    let out = sim.run(0, TestEvent::action("pre-upgrade-check"));
    assert_eq!(failed(&out), None, "trusted now");
    assert_eq!(stack(&sim), "[0, 1, 2]");
    assert_eq!(kube.partition(NS, APP), Some(2));
}

#[test]
fn refused_partition_moves_fail_resume_and_block_the_leader_until_retried() {
    let mut sim = three();
    let kube = kube_api();
    sim.run(0, TestEvent::action("pre-upgrade-check"));
    for n in [0, 1, 2] {
        sim.run(n, TestEvent::upgrade_charm());
    }
    rounds(&mut sim, 4);
    kube.forbid(true);
    let out = sim.run(0, TestEvent::action("resume-upgrade"));
    assert_eq!(
        failed(&out),
        Some(format!("Cannot set rolling update partition. {TRUST_HINT}"))
    );
    assert_eq!(sim.upgrade_app.as_ref().expect("relation")["upgrade-partition"], "2");
    kube.forbid(false);
    let out = sim.run(0, TestEvent::action("resume-upgrade"));
    assert_eq!(failed(&out), None);
    assert_eq!(kube.partition(NS, APP), Some(1));
    kube.forbid(true);
    rounds(&mut sim, 3);
    assert_eq!(state_of(&sim, 1), "completed");
    assert_eq!(stack(&sim), "[0, 1]", "not popped: the partition could not follow");
    let out = sim.run(0, TestEvent::update_status());
    assert_eq!(out.unit_status(), &Status::blocked(TRUST_HINT));
    assert_eq!(kube.partition(NS, APP), Some(1));

    kube.forbid(false);
    sim.run(0, TestEvent::update_status());
    assert_eq!(stack(&sim), "[0]");
    assert_eq!(kube.partition(NS, APP), Some(0));
    assert_eq!(patched_partitions(&kube).last(), Some(&0));
}
