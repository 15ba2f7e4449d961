//! In-place upgrades in process: `pre-upgrade-check` (leader only, refused on an unhealthy
//! cluster, builds the stack), `resume-upgrade`, `set-password` refused mid-upgrade, and a
//! unit's turn: one restart under the lock, the post-upgrade check, `completed`; the
//! StatefulSet partition patches sent to the in-test Kubernetes API server (`kube_support`,
//! never a real one) and a refusal. With `FakeConnector` the charm is "not in a pod": the
//! partition stays in the peer relation only. Also: a follower upgraded before the leader
//! starts its broker with the previous revision's internal users' secret (no `balancer` key).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;
mod kube_support;

use std::collections::BTreeMap;

use charm_interfaces::upgrade::decide::{NOTHING_TO_RESUME, NOT_LEADER, RESUME_ONCE};
use charm_sdk::model::StatusKind;
use charm_support::kube::{install_kube, run_kube};
use charm_support::*;
use charm_testing::{PeerRelation, RunOutput, State, TestEvent};
use kube_support::FakeKube;

const UPGRADE_ID: u32 = 10_001;

fn upgrade_rel(app: &[(&str, &str)], mine: &str, others: &[(u32, &str)]) -> PeerRelation {
    let mut rel = PeerRelation::new("upgrade")
        .id(UPGRADE_ID)
        .local_app_data(app.iter().copied())
        .local_unit_data([("state", mine)]);
    for (n, s) in others {
        rel = rel.peer_data(*n, [("state", *s)]);
    }
    rel
}

fn upgrade_bags(out: &RunOutput) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let rel = out
        .state
        .get_peer(&PeerRelation::new("upgrade").id(UPGRADE_ID))
        .expect("upgrade relation");
    (rel.local_app_data.clone(), rel.local_unit_data.clone())
}

/// A running leader of three (peers 1 and 2 started), with this upgrade relation.
fn running_leader(upgrade: PeerRelation, peers_started: bool) -> RunOutput {
    run(TestEvent::update_status(), leader_state(upgrade, peers_started))
}

/// The world of [`running_leader`] before its hook with the upgrade relation runs.
#[track_caller]
fn leader_state(upgrade: PeerRelation, peers_started: bool) -> State {
    reset();
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 2)));
    assert_eq!(first.unit_status().kind, StatusKind::Active, "{}", first.unit_status());
    let mut state: State = first.state.clone();
    if peers_started {
        let app = peer_app(&first);
        let mut cluster = PeerRelation::new("cluster").id(PEER_ID).local_app_data(app);
        cluster.local_unit_data = peer_unit(&first);
        for n in [1, 2] {
            cluster = cluster.peer_data(n, [("state", "started")]);
        }
        state.peers = vec![cluster];
    }
    state.peers.push(upgrade);
    state
}

fn failed(out: &RunOutput) -> Option<String> {
    out.action.as_ref().and_then(|a| a.failed.clone())
}

#[test]
fn the_leader_records_dependencies_and_every_unit_starts_idle() {
    let out = running_leader(PeerRelation::new("upgrade").id(UPGRADE_ID), true);
    let (app, mine) = upgrade_bags(&out);
    assert_eq!(mine["state"], "idle");
    assert_eq!(
        app["dependencies"],
        r#"{"kafka_service": {"dependencies": {"zookeeper": ">3.6"}, "name": "kafka", "upgrade_supported": "^3", "version": "3.9.0"}}"#
    );
}

#[test]
fn pre_upgrade_check_needs_the_leader_and_a_healthy_cluster() {
    let rel = upgrade_rel(&[], "idle", &[(1, "idle"), (2, "idle")]);
    let unhealthy = running_leader(rel.clone(), false);
    let out = next(&unhealthy, TestEvent::action("pre-upgrade-check"));
    let why = failed(&out).expect("refused");
    assert!(why.contains("Cluster is not healthy"), "{why}");
    assert_eq!(upgrade_bags(&out).0.get("upgrade-stack"), None);

    let healthy = running_leader(rel, true);
    let mut follower = healthy.state.clone();
    follower.leader = false;
    let out = run(TestEvent::action("pre-upgrade-check"), follower);
    assert_eq!(failed(&out).as_deref(), Some(NOT_LEADER));

    let out = next(&healthy, TestEvent::action("pre-upgrade-check"));
    assert_eq!(failed(&out), None);
    assert_eq!(out.action.as_ref().unwrap().results["upgrade-stack"], "[0, 1, 2]");
    let (app, _) = upgrade_bags(&out);
    assert_eq!(
        (app["upgrade-stack"].as_str(), app["upgrade-partition"].as_str()),
        ("[0, 1, 2]", "2")
    );

    let out = next(&out, TestEvent::action("resume-upgrade"));
    assert_eq!(failed(&out).as_deref(), Some(RESUME_ONCE));
    let out = next(&out, TestEvent::action("set-password").param("username", "admin"));
    assert_eq!(
        failed(&out).as_deref(),
        Some("Cannot set password while upgrading (upgrade_stack: [0, 1, 2])")
    );
}

#[test]
fn resume_upgrade_without_a_stack_is_refused() {
    let out = running_leader(upgrade_rel(&[], "idle", &[(1, "idle"), (2, "idle")]), true);
    let out = next(&out, TestEvent::action("resume-upgrade"));
    assert_eq!(failed(&out).as_deref(), Some(NOTHING_TO_RESUME));
}

#[test]
fn the_leaders_turn_restarts_its_broker_once_and_ends_the_upgrade() {
    // Units 2 and 1 are done; the leader (unit 0) is the last on the stack.
    let rel = upgrade_rel(
        &[("upgrade-stack", "[0]"), ("upgrade-partition", "0")],
        "idle",
        &[(1, "completed"), (2, "completed")],
    );
    let before = running_leader(rel, true);
    let started_before = starts(&before);
    let out = next(&before, TestEvent::upgrade_charm());
    assert_eq!(starts(&out), started_before + 1, "one restart for the upgrade");
    let (app, mine) = upgrade_bags(&out);
    assert_eq!(app["upgrade-stack"], "[]");
    assert_eq!(
        mine["state"], "idle",
        "completed, and with the stack empty back to idle"
    );
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    // Nothing more happens on the next hook.
    let again = next(&out, TestEvent::update_status());
    assert_eq!(starts(&again), starts(&out));
}

/// The model's name (charm-testing's default) and where the charm patches its StatefulSet.
const NS: &str = "test-model";
const STATEFULSET_PATH: &str = "/apis/apps/v1/namespaces/test-model/statefulsets/kafka-k8s";
const TRUST_HINT: &str =
    "Kubernetes StatefulSet patch failed: `juju trust` needed; run `juju trust kafka-k8s --scope=cluster`";

/// A fresh API server with the application's StatefulSet, installed for this thread.
fn kube_api() -> FakeKube {
    let kube = FakeKube::start();
    kube.add_statefulset(NS, "kafka-k8s", 3);
    install_kube(kube)
}

/// The one PATCH sent, checked to be lightkube's partition patch; returns the partition.
#[track_caller]
fn only_partition_patch(kube: &FakeKube) -> u64 {
    let patches = kube.patches();
    assert_eq!(patches.len(), 1, "{patches:?}");
    let patch = &patches[0];
    assert_eq!(patch.path, STATEFULSET_PATH);
    assert_eq!(patch.query, "");
    assert_eq!(patch.content_type, "application/strategic-merge-patch+json");
    assert!(patch.authorized);
    let body: serde_json::Value = serde_json::from_str(&patch.body).unwrap();
    let partition = body["spec"]["updateStrategy"]["rollingUpdate"]["partition"]
        .as_u64()
        .unwrap();
    assert_eq!(
        body,
        serde_json::json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": partition}}}})
    );
    partition
}

#[test]
fn pre_upgrade_check_patches_the_statefulset_partition_to_the_highest_unit() {
    let healthy = running_leader(upgrade_rel(&[], "idle", &[(1, "idle"), (2, "idle")]), true);
    let kube = kube_api();
    let out = run_kube(TestEvent::action("pre-upgrade-check"), healthy.state.clone());
    assert_eq!(failed(&out), None);
    assert_eq!(only_partition_patch(&kube), 2);
    assert_eq!(kube.partition(NS, "kafka-k8s"), Some(2));
    let (app, _) = upgrade_bags(&out);
    assert_eq!(
        (app["upgrade-stack"].as_str(), app["upgrade-partition"].as_str()),
        ("[0, 1, 2]", "2")
    );
}

#[test]
fn an_untrusted_application_fails_pre_upgrade_check_with_the_trust_hint() {
    let healthy = running_leader(upgrade_rel(&[], "idle", &[(1, "idle"), (2, "idle")]), true);
    let kube = kube_api();
    kube.forbid(true);
    let out = run_kube(TestEvent::action("pre-upgrade-check"), healthy.state.clone());
    assert_eq!(failed(&out).as_deref(), Some(TRUST_HINT));
    let (app, _) = upgrade_bags(&out);
    assert_eq!(app.get("upgrade-stack"), None, "no stack written");
    assert_eq!(app.get("upgrade-partition"), None);
    assert_eq!(kube.partition(NS, "kafka-k8s"), None);
}

#[test]
fn the_leader_lowers_the_partition_when_a_unit_completes() {
    // Resumed: unit 2 done and popped, partition at 1; unit 1 now reports completed.
    let rel = upgrade_rel(
        &[("upgrade-stack", "[0, 1]"), ("upgrade-partition", "1")],
        "idle",
        &[(1, "completed"), (2, "completed")],
    );
    let before = leader_state(rel, true);
    let kube = kube_api();
    let out = run_kube(TestEvent::update_status(), before);
    assert_eq!(only_partition_patch(&kube), 0, "unit 0 may upgrade now");
    let (app, _) = upgrade_bags(&out);
    assert_eq!(
        (app["upgrade-stack"].as_str(), app["upgrade-partition"].as_str()),
        ("[0]", "0")
    );
    // Nothing more to send on the next hook.
    run_kube(TestEvent::update_status(), out.state.clone());
    assert_eq!(kube.patches().len(), 1);
}

#[test]
fn a_follower_upgraded_before_the_leader_starts_its_broker_with_an_old_format_internal_secret() {
    // The previous revision's internal users' secret: no `balancer-password` key.
    let mut state = leader_state(
        upgrade_rel(
            &[("upgrade-stack", "[1, 2, 0]"), ("upgrade-partition", "0")],
            "idle",
            &[(1, "idle"), (2, "idle")],
        ),
        true,
    );
    let mut stripped = 0;
    for secret in &mut state.secrets {
        stripped += usize::from(secret.tracked_content.remove("balancer-password").is_some());
        if let Some(latest) = secret.latest_content.as_mut() {
            latest.remove("balancer-password");
        }
    }
    assert_eq!(stripped, 1, "exactly the internal users' secret had the key");
    // This unit (0) is a follower and the first to upgrade: the leader still runs the old
    // revision, so nobody adds the key before this unit's turn. Kubernetes replaced the pod:
    // the broker is not running in the new container.
    state.leader = false;
    state.containers.retain(|c| c.name != "kafka");
    state.containers.push(kafka_container());
    let out = run(TestEvent::upgrade_charm(), state);
    assert_eq!(starts(&out), 1, "the broker starts for its turn: {}", out.unit_status());
    assert_eq!(upgrade_bags(&out).1["state"], "completed", "{}", out.unit_status());
}
