//! Bootstrapping the ensemble: the leader's passwords, the first unit starting alone, later
//! units joining one at a time as observers and the leader promoting them, scale-down.

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use charm_sdk::model::StatusKind;
use charm_sdk::pebble::ServiceStatus;
use charm_sdk::Status;
use charm_testing::TestEvent;
use support::fake_zk::{members, reconfigs, with_zk, Call, FakeServer};
use support::sim::{zk_address, Sim};
use zookeeper_k8s::render::Role;

const SECRET_LABEL: &str = "cluster.zookeeper-k8s.app";

#[test]
fn install_on_the_leader_creates_the_internal_passwords() {
    let mut sim = Sim::new(1, 0);
    let out = sim.run(0, TestEvent::install());

    let secret = out.state.secret_by_label(SECRET_LABEL).expect("credentials secret");
    let content = secret.newest_content();
    assert_eq!(content["super-password"].len(), 32);
    assert_eq!(content["sync-password"].len(), 32);
    assert_ne!(content["super-password"], content["sync-password"]);
    assert_eq!(sim.app_bag["internal_secret"], secret.uri());
    assert_eq!(sim.app_bag["credentials-version"], "1");
    let haystack = format!("{:?}{:?}{:?}", out.logs, out.calls, sim.app_bag);
    assert!(
        !haystack.contains(&content["super-password"]),
        "a password leaked: {haystack}"
    );
}

#[test]
fn a_single_unit_starts_alone_and_becomes_the_first_member() {
    let mut sim = Sim::new(1, 0);
    let out = sim.run(0, TestEvent::install());

    assert!(sim.running(0));
    let dynamic = sim
        .file(0, "/etc/zookeeper/zookeeper-dynamic.properties")
        .expect("dynamic file");
    assert_eq!(
        dynamic,
        "server.1=zookeeper-k8s-0.zookeeper-k8s-endpoints:2888:3888:participant;0.0.0.0:2181\n"
    );
    assert_eq!(sim.file(0, "/var/lib/zookeeper/data/myid").as_deref(), Some("1\n"));
    let zoo = sim.file(0, "/etc/zookeeper/zoo.cfg").expect("zoo.cfg");
    assert!(
        zoo.contains("dynamicConfigFile=/etc/zookeeper/zookeeper-dynamic.properties\n"),
        "{zoo}"
    );
    let jaas = &sim.units[&0].container.files["/etc/zookeeper/zookeeper-jaas.cfg"];
    assert_eq!(jaas.permissions, 0o600);
    assert_eq!(jaas.owner.user.as_deref(), Some("zookeeper"));
    assert_eq!(sim.units[&0].bag["state"], "started");
    assert_eq!(sim.app_bag["0"], "added", "the leader records the init server at once");
    assert_eq!(
        out.unit_status(),
        &Status::waiting("zookeeper is starting or not answering")
    );
    // Next hook: the server answers mntr.
    let out = sim.run(0, TestEvent::update_status());
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    assert_eq!(out.unit_status().message, "leader");
    assert_eq!(out.workload_version.as_deref(), Some("3.8.4"));
}

#[test]
fn later_units_wait_then_join_as_observers_and_the_leader_promotes_them() {
    let mut sim = Sim::new(3, 0);
    // A non-leader before the leader ran: nothing to start with.
    let out = sim.run(1, TestEvent::install());
    assert_eq!(
        out.unit_status(),
        &Status::waiting("waiting for the leader to create the internal passwords")
    );
    assert!(!sim.running(1));

    sim.run(0, TestEvent::install());
    assert!(sim.running(0));
    assert_eq!(sim.app_bag["0"], "added");

    // Unit 2 must wait for unit 1.
    let out = sim.run(2, TestEvent::config_changed());
    assert_eq!(
        out.unit_status(),
        &Status::waiting("waiting for zookeeper-k8s/1 to join the quorum first")
    );
    assert!(!sim.running(2));

    // Unit 1 starts as an observer next to the first member.
    let out = sim.run(1, TestEvent::config_changed());
    assert!(sim.running(1));
    assert_eq!(
        sim.file(1, "/etc/zookeeper/zookeeper-dynamic.properties").as_deref(),
        Some(
            "server.1=zookeeper-k8s-0.zookeeper-k8s-endpoints:2888:3888:participant;0.0.0.0:2181\n\
             server.2=zookeeper-k8s-1.zookeeper-k8s-endpoints:2888:3888:observer;0.0.0.0:2181\n"
        )
    );
    assert_eq!(sim.file(1, "/var/lib/zookeeper/data/myid").as_deref(), Some("2\n"));
    assert_eq!(
        out.unit_status(),
        &Status::waiting("zookeeper is starting or not answering")
    );
    let out = sim.run(1, TestEvent::update_status());
    assert_eq!(out.unit_status(), &Status::active("observer"));

    // Unit 2 still waits: unit 1 is joining.
    let out = sim.run(2, TestEvent::update_status());
    assert_eq!(
        out.unit_status(),
        &Status::waiting("waiting for zookeeper-k8s/1 to join the quorum first")
    );

    // The leader promotes unit 1 with reconfig and records it.
    sim.run(0, TestEvent::update_status());
    assert_eq!(
        reconfigs(),
        [Call::Reconfig {
            joining: vec!["server.2=zookeeper-k8s-1.zookeeper-k8s-endpoints:2888:3888:participant;0.0.0.0:2181".into()],
            leaving: vec![],
            from_version: 0x1_0000_0000,
        }]
    );
    assert_eq!(sim.app_bag["1"], "added");

    // Then unit 2, the same way.
    sim.run(2, TestEvent::update_status());
    assert!(sim.running(2));
    let dynamic = sim
        .file(2, "/etc/zookeeper/zookeeper-dynamic.properties")
        .expect("dynamic");
    assert!(dynamic.ends_with("server.3=zookeeper-k8s-2.zookeeper-k8s-endpoints:2888:3888:observer;0.0.0.0:2181\n"));
    assert_eq!(dynamic.lines().count(), 3);
    sim.run(0, TestEvent::update_status());
    assert_eq!(sim.app_bag["2"], "added");
    assert_eq!(
        members(),
        [(1, Role::Participant), (2, Role::Participant), (3, Role::Participant)]
    );

    sim.settle(3);
    for n in 0..3 {
        assert_eq!(sim.units[&n].bag["state"], "started");
        assert_eq!(
            sim.units[&n].container.service_status("zookeeper"),
            ServiceStatus::Active
        );
    }
}

#[test]
fn the_leader_waits_for_an_observer_to_sync_before_promoting_it() {
    let mut sim = Sim::new(2, 0);
    sim.run(0, TestEvent::install());
    sim.run(1, TestEvent::install());
    with_zk(|zk| {
        zk.overrides.insert(
            zk_address(1),
            FakeServer::Serving {
                role: "observer".into(),
                synced: false,
            },
        );
    });
    let out = sim.run(0, TestEvent::update_status());
    assert!(reconfigs().is_empty());
    assert!(!sim.app_bag.contains_key("1"));
    assert_eq!(
        out.state.app_status,
        Status::maintenance("waiting for zookeeper-k8s/1 to sync (observer (syncing))")
    );

    with_zk(|zk| zk.overrides.clear());
    sim.run(0, TestEvent::update_status());
    assert_eq!(sim.app_bag["1"], "added");
}

#[test]
fn an_unreachable_ensemble_is_reported_not_fatal() {
    let mut sim = Sim::new(2, 0);
    sim.run(0, TestEvent::install());
    sim.run(1, TestEvent::install());
    with_zk(|zk| zk.refuse_connections = Some("connection refused".into()));
    let out = sim.run(0, TestEvent::update_status());
    assert_eq!(
        out.state.app_status,
        Status::maintenance("cannot reach the ensemble: connection refused")
    );
    assert!(!sim.app_bag.contains_key("1"));
}

#[test]
fn scale_down_removes_the_departed_unit_from_the_quorum() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    assert_eq!(members().len(), 3);
    with_zk(|zk| zk.calls.clear());

    let peer = sim.peer_view(0);
    sim.run(0, TestEvent::relation_departed(&peer, 2));
    assert_eq!(
        reconfigs(),
        [Call::Reconfig {
            joining: vec![],
            leaving: vec![3],
            from_version: 0x1_0000_0002
        }]
    );
    assert_eq!(sim.app_bag["2"], "removed");
    assert_eq!(members(), [(1, Role::Participant), (2, Role::Participant)]);
    sim.remove_unit(2);
    sim.settle(3);
    assert!(reconfigs().len() == 1, "removed once: {:?}", reconfigs());
}

#[test]
fn a_restarted_pod_rejoins_without_waiting_its_turn() {
    let mut sim = Sim::new(2, 0);
    sim.settle(6);
    // The pod of unit 1 is replaced: the container is empty again, the peer data remains.
    sim.units.get_mut(&1).expect("unit 1").container = charm_testing::pebble::ContainerState::connectable();
    sim.sync_fake();
    sim.run(1, TestEvent::pebble_ready("zookeeper"));
    assert!(sim.running(1));
    let dynamic = sim
        .file(1, "/etc/zookeeper/zookeeper-dynamic.properties")
        .expect("dynamic file");
    assert!(
        dynamic.contains("server.2=zookeeper-k8s-1.zookeeper-k8s-endpoints:2888:3888:participant"),
        "{dynamic}"
    );
    assert_eq!(dynamic.lines().count(), 2);
}

#[test]
fn an_idempotent_reconcile_writes_nothing() {
    let mut sim = Sim::new(2, 0);
    sim.settle(6);
    let before = sim.clone();
    let out = sim.run(0, TestEvent::update_status());
    assert_eq!(out.calls_to("relation-set"), 0, "{:?}", out.calls);
    assert_eq!(out.calls_to("secret-set"), 0);
    assert_eq!(out.calls_to("secret-add"), 0);
    assert_eq!(out.calls_to("state-set"), 0);
    assert_eq!(sim.units[&0].container, before.units[&0].container);
    let out = sim.run(1, TestEvent::update_status());
    assert_eq!(out.calls_to("relation-set"), 0, "{:?}", out.calls);
    assert_eq!(sim.units[&1].container, before.units[&1].container);
}

#[test]
fn secret_remove_drops_the_unused_revision() {
    let mut sim = Sim::new(1, 0);
    sim.settle(4);
    let secret = sim.app_secrets[0].clone();
    let out = sim.run(0, TestEvent::secret_remove(&secret, 1));
    assert_eq!(out.calls_to("secret-remove"), 1, "{:?}", out.calls);
}
