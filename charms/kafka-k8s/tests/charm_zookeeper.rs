//! ZooKeeper mode, in-process: waiting for ZooKeeper, the leader's internal users, the first
//! start, and the honest status when the image has no Kafka.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use charm_sdk::pebble::ServiceStatus;
use charm_sdk::Status;
use charm_support::*;
use charm_testing::{assert_status, TestEvent};

#[test]
fn without_zookeeper_the_unit_waits_and_nothing_starts() {
    reset();
    let out = run(TestEvent::config_changed(), base(true, 0));
    assert_status(&out, Status::waiting("waiting for zookeeper relation"));
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert!(kafka.plan().unwrap().services.is_empty(), "no service before zookeeper");
    // The leader already created the internal users' secret and told its peers.
    let secret = out
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .expect("internal secret");
    for key in ["admin-password", "sync-password", "controller-password"] {
        assert_eq!(secret.newest_content()[key].len(), 32, "{key}");
    }
    assert_eq!(peer_app(&out)["internal-secret"], secret.uri());
    assert!(
        with_zk(|zk| zk.calls.is_empty()),
        "no zookeeper session without a relation"
    );
}

#[test]
fn a_related_but_silent_zookeeper_means_waiting_for_credentials() {
    reset();
    let zk = charm_testing::Relation::new("zookeeper").remote_app("zookeeper-k8s");
    let out = run(TestEvent::relation_created(&zk), base(true, 0).relation(zk.clone()));
    assert_status(&out, Status::waiting("waiting for zookeeper credentials"));
    // The request is on the relation: chroot /kafka-k8s with the cdrwa ACL.
    let bag = &out.state.get_relation(&zk).unwrap().local_app_data;
    assert_eq!(bag["database"], "/kafka-k8s");
    assert_eq!(bag["extra-user-roles"], "cdrwa");
}

#[test]
fn the_leader_writes_internal_users_to_zookeeper_then_starts_the_broker() {
    reset();
    let (state, zk) = with_zookeeper_rel(base(true, 0));
    let out = run(TestEvent::relation_changed(&zk), state);
    assert_status(&out, Status::active(""));

    // admin and sync exist in ZooKeeper with the secret's passwords, through a session as
    // the relation user on the granted chroot.
    let secret = out
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()
        .clone();
    with_zk(|zk| {
        assert_eq!(
            zk.calls[0],
            Call::Connect {
                hosts: vec![ZK_SERVERS.to_owned()],
                chroot: "/kafka-k8s".to_owned(),
                username: "relation-2".to_owned(),
                tls: false
            }
        );
        assert_eq!(zk.users["admin"], secret["admin-password"]);
        assert_eq!(zk.users["sync"], secret["sync-password"]);
    });
    assert_eq!(peer_app(&out)["internal-users-stored"], "true");

    // The broker runs with its files.
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_eq!(kafka.service_status("kafka"), ServiceStatus::Active);
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains("zookeeper.connect=zookeeper-k8s-0.zookeeper-k8s-endpoints:2181/kafka-k8s"),
        "{props}"
    );
    assert!(props.contains("super.users=User:admin;User:sync"), "{props}");
    assert!(
        props.contains("listeners=INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:19092"),
        "{props}"
    );
    let jaas = file(&out, "/etc/kafka/zookeeper-jaas.cfg").unwrap();
    assert!(jaas.contains("relation-2"));
    assert_eq!(kafka.files["/etc/kafka/zookeeper-jaas.cfg"].permissions, 0o600);
    assert_eq!(kafka.files["/etc/kafka/server.properties"].permissions, 0o600);
    assert_eq!(peer_unit(&out)["state"], "started");
}

#[test]
fn a_second_run_changes_nothing_and_opens_no_zookeeper_session() {
    reset();
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let calls = with_zk(|zk| zk.calls.len());
    let second = next(&first, TestEvent::update_status());
    assert_eq!(
        with_zk(|zk| zk.calls.len()),
        calls,
        "steady state needs no zookeeper session"
    );
    assert_eq!(second.state, first.state, "an idempotent reconcile writes nothing new");
    charm_testing::assert_calls(&second, "relation-set", 0);
    charm_testing::assert_calls(&second, "secret-set", 0);
}

#[test]
fn a_non_leader_waits_until_the_leader_stored_the_internal_users() {
    reset();
    let leader = run(TestEvent::config_changed(), with_zookeeper(base(true, 1)));
    let secret = leader.state.secret_by_label("cluster.kafka-k8s.app").unwrap().clone();
    let mut app = peer_app(&leader);

    // Before the leader stored them.
    app.remove("internal-users-stored");
    let peers = cluster_seen_from(&[0]).local_app_data(app.clone());
    let state = with_zookeeper(base_with(false, peers, kafka_container()))
        .secret(secret.clone())
        .unit_number(1);
    let out = run(TestEvent::config_changed(), state);
    assert_status(
        &out,
        Status::waiting("waiting for the leader to write the internal users to zookeeper"),
    );

    // After.
    app.insert("internal-users-stored".into(), "true".into());
    let peers = cluster_seen_from(&[0]).local_app_data(app);
    let state = with_zookeeper(base_with(false, peers, kafka_container()))
        .secret(secret)
        .unit_number(1);
    let out = run(TestEvent::config_changed(), state);
    assert_status(&out, Status::active(""));
    assert!(file(&out, "/etc/kafka/server.properties")
        .unwrap()
        .contains("broker.id=1"));
}

#[test]
fn without_kafka_in_the_image_the_unit_is_blocked_not_active() {
    reset();
    let state = with_zookeeper(base_with(true, cluster(0), empty_container()));
    let out = run(TestEvent::config_changed(), state);
    assert_status(
        &out,
        Status::blocked(
            "kafka workload not available: /opt/kafka/bin/kafka-server-start.sh is missing from the kafka container",
        ),
    );
    // The internal users still went to ZooKeeper: the metadata side does not need the broker.
    assert!(with_zk(|zk| zk.users.contains_key("admin")));
}

#[test]
fn a_service_that_fails_to_start_is_reported() {
    reset();
    let mut container = kafka_container();
    container.state.failing_services.insert("kafka".into());
    let state = with_zookeeper(base_with(true, cluster(0), container));
    let out = run(TestEvent::config_changed(), state);
    let status = out.unit_status().clone();
    assert_eq!(status.kind, charm_sdk::model::StatusKind::Blocked, "{status}");
    assert!(status.message.starts_with("kafka workload not available:"), "{status}");
}

#[test]
fn an_unreachable_zookeeper_waits_instead_of_failing_the_hook() {
    reset();
    with_zk(|zk| zk.refuse = Some("connection refused".into()));
    let out = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let status = out.unit_status().clone();
    assert_eq!(status.kind, charm_sdk::model::StatusKind::Waiting, "{status}");
    assert!(status.message.contains("internal users"), "{status}");
    assert!(!observable(&out).contains(ZK_PASSWORD));
}

#[test]
fn secrets_never_reach_logs_statuses_or_relation_data() {
    reset();
    let out = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let seen = observable(&out);
    let secret = out
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()
        .clone();
    for password in secret.values() {
        assert!(!seen.contains(password.as_str()), "a password leaked");
    }
    assert!(!seen.contains(ZK_PASSWORD));
}
