//! ZooKeeper mode, in-process: when the `zookeeper` relation goes away the broker stops and
//! forgets the ensemble — `meta.properties` (which names the old ZooKeeper cluster id) is
//! removed from every log directory of the `data` storage, with the ZooKeeper JAAS file — so
//! that relating another ensemble starts it cleanly. The Python 3.x charm does the same on
//! `zookeeper-relation-broken` (canonical/kafka-k8s-operator, `src/events/zookeeper.py`
//! `_on_zookeeper_broken`: `rm <storage.location>/meta.properties` for every `data` storage
//! before commit 2e32255, a recursive `find … -name meta.properties -delete` since). KRaft
//! mode never does this: there `meta.properties` is the node's identity in the quorum.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use charm_sdk::pebble::ServiceStatus;
use charm_sdk::Status;
use charm_support::*;
use charm_testing::pebble::ContainerState;
use charm_testing::SecretOwnership;
use charm_testing::{assert_status, Container, Storage, TestEvent};

const META_0: &str = "/var/lib/kafka/data/meta.properties";
const META_1: &str = "/var/lib/kafka/data-1/meta.properties";
const JAAS: &str = "/etc/kafka/zookeeper-jaas.cfg";

/// What a ZooKeeper-mode broker wrote in each log directory (Kafka 3.9, version 0).
fn meta(cluster_id: &str) -> String {
    format!("#\n#Sun Nov 22 10:00:00 UTC 2026\ncluster.id={cluster_id}\nversion=0\nbroker.id=0\n")
}

fn container_with_identity() -> Container {
    Container::new("kafka").with_state(
        ContainerState::connectable()
            .with_file(START_SCRIPT, "#!/bin/sh\n")
            .with_file(META_0, meta("OLD-ZK-CLUSTER-ID"))
            .with_file(META_1, meta("OLD-ZK-CLUSTER-ID")),
    )
}

#[test]
fn removing_zookeeper_stops_the_broker_and_removes_meta_properties_from_every_log_dir() {
    reset();
    let state = base_with(true, cluster(0), container_with_identity())
        .storage(Storage::new("data").index(1).location("/var/lib/kafka/data-1"));
    let (state, zk) = with_zookeeper_rel(state);
    let out = run(TestEvent::relation_changed(&zk), state);
    assert_status(&out, Status::active(""));
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_eq!(kafka.service_status("kafka"), ServiceStatus::Active);
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains("log.dirs=/var/lib/kafka/data,/var/lib/kafka/data-1\n"),
        "two log dirs: {props}"
    );
    assert!(kafka.files.contains_key(META_0) && kafka.files.contains_key(JAAS));
    assert_eq!(peer_app(&out)["internal-users-stored"], "true");
    let users_before = with_zk(|zk| zk.users.clone());

    // The zookeeper relation is removed.
    let out = next(&out, TestEvent::relation_broken(&zk));
    assert_status(&out, Status::waiting("waiting for zookeeper relation"));
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_eq!(kafka.service_status("kafka"), ServiceStatus::Inactive, "stopped");
    for path in [META_0, META_1, JAAS] {
        assert!(!kafka.files.contains_key(path), "{path} is still there");
    }
    // The leader forgot what the old ensemble held, not the passwords.
    assert!(!peer_app(&out).contains_key("internal-users-stored"));
    let stored = out
        .state
        .unit_state
        .get("stored-credentials")
        .cloned()
        .unwrap_or_default();
    assert!(
        !stored.contains("\"admin\"") && !stored.contains("\"sync\""),
        "{stored}"
    );
    let secret = out
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()
        .clone();
    assert_eq!(secret["admin-password"], users_before["admin"]);

    // Nothing left to remove: a quiet, idempotent run (the relation is gone for good now).
    let mut gone = out.state.clone();
    gone.relations.retain(|r| r.id != zk.id);
    gone.secrets
        .retain(|s| !matches!(s.owner, SecretOwnership::Granted { relation, .. } if relation == zk.id));
    let again = run(TestEvent::update_status(), gone);
    assert_status(&again, Status::waiting("waiting for zookeeper relation"));
    assert!(
        !again.logs.iter().any(|(_, l)| l.contains("removed")),
        "{:?}",
        again.logs
    );
    let after = &again.state.get_container("kafka").unwrap().state.files;
    let changed: Vec<&String> = after
        .keys()
        .chain(kafka.files.keys())
        .filter(|k| after.get(*k) != kafka.files.get(*k))
        .collect();
    assert!(changed.is_empty(), "{changed:?}");

    // A new ensemble gets the internal users again, and the broker starts.
    reset();
    let (state, zk2) = with_zookeeper_rel(again.state.clone());
    let out = run(TestEvent::relation_changed(&zk2), state);
    assert_status(&out, Status::active(""));
    with_zk(|zk| {
        assert_eq!(zk.users["admin"], secret["admin-password"]);
        assert_eq!(zk.users["sync"], secret["sync-password"]);
    });
    assert_eq!(peer_app(&out)["internal-users-stored"], "true");
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_eq!(kafka.service_status("kafka"), ServiceStatus::Active);
}

#[test]
fn kraft_mode_never_removes_meta_properties() {
    reset();
    let container = Container::new("kafka").with_state(
        ContainerState::connectable()
            .with_file(START_SCRIPT, "#!/bin/sh\n")
            .with_file("/var/lib/kafka/data/metadata/meta.properties", meta("KRAFT-CLUSTER"))
            .with_file("/var/lib/kafka/data/log/meta.properties", meta("KRAFT-CLUSTER"))
            .on_exec(
                ["/opt/kafka/bin/kafka-storage.sh"],
                charm_sdk::pebble::ExecOutput::ok(""),
            ),
    );
    let state =
        base_with(true, cluster(0), container).config([("metadata-mode", "kraft"), ("roles", "broker,controller")]);
    let out = run(TestEvent::config_changed(), state);
    assert_status(&out, Status::active(""));
    let out = next(&out, TestEvent::update_status());
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert!(kafka.files.contains_key("/var/lib/kafka/data/metadata/meta.properties"));
    assert!(kafka.files.contains_key("/var/lib/kafka/data/log/meta.properties"));
    assert_eq!(kafka.service_status("kafka"), ServiceStatus::Active);
}

#[test]
fn a_unit_never_related_to_zookeeper_has_nothing_to_remove() {
    reset();
    let out = run(TestEvent::config_changed(), base(true, 0));
    assert_status(&out, Status::waiting("waiting for zookeeper relation"));
    assert!(!out.logs.iter().any(|(_, l)| l.contains("removed")), "{:?}", out.logs);
}
