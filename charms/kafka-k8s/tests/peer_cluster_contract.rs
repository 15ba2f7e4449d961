//! The `peer-cluster` / `peer-cluster-orchestrator` wire format against the Python charm's,
//! with the other side's bags built by hand from the upstream sources.
//!
//! Sources (canonical/kafka-k8s-operator; 4.x = HEAD `92a4a206a6f5`, 3.x = branch `3/edge`
//! `97a09ddcea59`, whose KRaft fields are the same names):
//! - `src/events/peer_cluster.py` (4.x): relation-created writes `requested-secrets` (a JSON
//!   list, `set_encoded_field`, lines 96-100) and `roles` (line 105); the controller side
//!   writes `controller-password`, `bootstrap-controller`, `bootstrap-unit-id`,
//!   `bootstrap-replica-id` (lines 132-140); the broker side writes `roles`,
//!   `broker-username`, `broker-password`, `broker-uris`, `cluster-uuid`, `racks`,
//!   `broker-capacities`, `super-users` (lines 166-177);
//! - `src/literals.py` (4.x): `BROKER.requested_secrets` (lines 151-162) and
//!   `CONTROLLER.requested_secrets` (lines 163-173); `ADMIN_USER = "operator"` (line 50,
//!   `admin` on 3.x);
//! - `src/core/models.py` (4.x): `SECRET_LABEL_MAP` (lines 75-83: `broker-*` → group `broker`,
//!   `controller-password` → group `controller`); `PeerCluster.update` (lines 302-320) writes
//!   every field through data_interfaces and then each mapped field into its group's secret;
//!   `_fetch_from_secrets` (lines 416-426) reads a group's secret by the URI in
//!   `secret-<group>`;
//! - `lib/charms/data_platform_libs/v0/data_interfaces.py` (LIBPATCH 46, vendored in 4.x):
//!   `PROV_SECRET_PREFIX = "secret-"` (353), `REQ_SECRET_FIELDS = "requested-secrets"` (355),
//!   `_add_relation_secret` (1115-1142: application secret, granted to the relation, URI in
//!   `secret-<group>`), `_generate_secret_label` (1276-1280:
//!   `<relation name>.<relation id>.<group>.secret`), `_process_secret_fields` (1367-1404:
//!   the fields the other side requested go to secrets, the rest stay plain);
//! - `src/core/cluster.py` (4.x): `bootstrap_controller` is one `host:port` (lines 430-434),
//!   `bootstrap_server_internal` sorted `host:port` of the brokers (411-427), `super_users`
//!   `User:<u>` sorted, `;`-joined (305-331).
//!
//! The balancer half (same commits):
//! - `src/literals.py` (4.x) `BALANCER.requested_secrets` (lines 174-188: `broker-username`,
//!   `broker-password`, `broker-uris`, `controller-passwrod` [sic], `zk-username`,
//!   `zk-password`, `zk-uris`); `BALANCER_WEBSERVER_USER = "balancer"` (52),
//!   `BALANCER_WEBSERVER_PORT = 9090` (54);
//! - `src/core/models.py` (4.x): group `balancer` (line 72) holds `balancer-username`,
//!   `balancer-password`, `balancer-uris` (`SECRET_LABEL_MAP` 80-82); `broker-capacities` is
//!   `BrokerCapacities` (64-68: `{"brokerCapacities": [{"brokerId": str, "capacity": {"DISK":
//!   {dir: str}, "CPU": {"num.cores": str}, "NW_IN": str, "NW_OUT": str}, "doc": str}]}`),
//!   read with `json.loads` (567-581); `racks` read with `int()` (553-565); `update` (302-320)
//!   deletes fields whose value is empty;
//! - `src/events/balancer.py` (4.x) 163-171: the balancer's leader writes `balancer-username`,
//!   `balancer-password`, `balancer-uris` (`<internal address>:9090`) to the peer-cluster;
//! - `src/core/cluster.py` (4.x): `racks` counts distinct racks (462-464), `broker_capacities`
//!   lists the snapshot highest broker id first with `doc: ""` (467-481); the balancer logs in
//!   with `broker-username`/`broker-password` over `broker-uris` (`managers/config.py`
//!   983-987).
//!
//! No JSON schema for `peer_cluster` exists in `/work/shared/reference/interfaces/`; the last
//! test fails if one appears, so that this contract gets validated against it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use std::collections::BTreeSet;

use charm_sdk::Status;
use charm_support::*;
use charm_testing::pebble::ContainerState;
use charm_testing::{assert_status, Container, Relation, Secret, TestEvent};

const STORAGE_TOOL: &str = "/opt/kafka/bin/kafka-storage.sh";

fn kraft_container() -> Container {
    Container::new("kafka").with_state(
        ContainerState::connectable()
            .with_file(START_SCRIPT, "#!/bin/sh\n")
            .on_exec([STORAGE_TOOL], charm_sdk::pebble::ExecOutput::ok(""))
            .on_exec(
                ["/opt/kafka/bin/kafka-metadata-quorum.sh"],
                charm_sdk::pebble::ExecOutput::ok(""),
            ),
    )
}

fn keys(bag: &std::collections::BTreeMap<String, String>) -> BTreeSet<&str> {
    bag.keys().map(String::as_str).collect()
}

/// A Python 4.x controller application's bag on `peer-cluster` (read by our broker on
/// `peer-cluster-orchestrator`): peer_cluster.py 96-105 and 132-140.
fn python_controller_side(relation: Relation) -> (Relation, Secret) {
    // data_interfaces `_add_relation_secret`: an application secret with the group's fields.
    let secret = Secret::new([("controller-password", "python-controller-pw-0123")]).granted_by(&relation);
    let relation = relation.remote_app_data([
        // json.dumps of CONTROLLER.requested_secrets (a set in the charm: any order).
        (
            "requested-secrets",
            r#"["broker-password", "controller-password", "broker-username"]"#.to_owned(),
        ),
        ("roles", "controller".to_owned()),
        // cluster.py 430-434: the leader's own controller listener (SASL_SSL on 4.x: 9098).
        (
            "bootstrap-controller",
            "kafka-controller-0.kafka-controller-endpoints:9098".to_owned(),
        ),
        ("bootstrap-unit-id", "0".to_owned()),
        ("bootstrap-replica-id", "pbvuBlaTTwKRxS5NLJwRFQ".to_owned()),
        ("secret-controller", secret.uri()),
    ]);
    (relation, secret)
}

/// A Python 4.x broker application's bag on `peer-cluster-orchestrator` (read by our
/// controller on `peer-cluster`): peer_cluster.py 96-105 and 166-177.
fn python_broker_side(relation: Relation) -> (Relation, Secret) {
    let secret = Secret::new([
        ("broker-username", "operator"),
        ("broker-password", "python-operator-pw-0123"),
        ("broker-uris", "kafka-0.kafka-endpoints:19093"),
    ])
    .granted_by(&relation);
    let relation = relation.remote_app_data([
        (
            "requested-secrets",
            r#"["balancer-uris", "controller-password", "balancer-username", "balancer-password"]"#.to_owned(),
        ),
        ("roles", "broker".to_owned()),
        ("cluster-uuid", "MkU3OEVBNTcwNTJENDM2Qk".to_owned()),
        // Not requested by the controller side, so also plain (models.py 307; data_interfaces 1367-1404).
        ("broker-uris", "kafka-0.kafka-endpoints:19093".to_owned()),
        ("racks", "0".to_owned()),
        ("broker-capacities", r#"{"brokerCapacities": []}"#.to_owned()),
        (
            "super-users",
            "User:controller;User:operator;User:replication".to_owned(),
        ),
        ("secret-broker", secret.uri()),
    ]);
    (relation, secret)
}

#[test]
fn our_broker_application_speaks_to_a_python_controller_application() {
    reset();
    let relation = Relation::new("peer-cluster-orchestrator")
        .interface("peer_cluster")
        .remote_app("kafka-controller");
    let (relation, secret) = python_controller_side(relation);
    let state = base_with(true, cluster(0), kraft_container())
        .config([("metadata-mode", "kraft"), ("roles", "broker")])
        .relation(relation.clone())
        .secret(secret);
    let out = run(TestEvent::relation_changed(&relation), state);
    assert_status(&out, Status::active(""));

    // What we read: their bootstrap controller and controller password.
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains("controller.quorum.bootstrap.servers=kafka-controller-0.kafka-controller-endpoints:9098\n"),
        "{props}"
    );
    assert!(props.contains("python-controller-pw-0123"), "{props}");

    // What we write: exactly the Python broker side's plain fields (minus the balancer's).
    let bag = &out.state.get_relation(&relation).unwrap().local_app_data;
    assert_eq!(
        keys(bag),
        [
            "broker-uris",
            "cluster-uuid",
            "requested-secrets",
            "roles",
            "secret-broker",
            "super-users"
        ]
        .into()
    );
    assert_eq!(
        bag["requested-secrets"],
        r#"["balancer-username", "balancer-password", "balancer-uris", "controller-password"]"#
    );
    let requested: Vec<String> = serde_json::from_str(&bag["requested-secrets"]).unwrap();
    assert_eq!(requested.len(), 4);
    assert_eq!(bag["roles"], "broker");
    assert_eq!(bag["cluster-uuid"], peer_app(&out)["cluster-uuid"]);
    assert_eq!(bag["broker-uris"], "kafka-k8s-0.kafka-k8s-endpoints:19092");
    assert_eq!(bag["super-users"], "User:admin;User:controller;User:sync");
    // The `broker` group secret: label, owner, grant, fields.
    let label = format!("peer-cluster-orchestrator.{}.broker.secret", relation.id.0);
    let shared = out.state.secret_by_label(&label).expect("the broker group secret");
    assert_eq!(bag["secret-broker"], shared.uri());
    assert!(shared.remote_grants.contains_key(&relation.id));
    let content = shared.newest_content();
    assert_eq!(
        content.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        ["broker-password", "broker-uris", "broker-username"].into()
    );
    assert_eq!(content["broker-username"], "admin");
    assert!(
        !bag.values().any(|v| v == &content["broker-password"]),
        "no password in the bag"
    );
}

#[test]
fn our_controller_application_speaks_to_a_python_broker_application() {
    reset();
    let relation = Relation::new("peer-cluster")
        .interface("peer_cluster")
        .remote_app("kafka");
    let (relation, secret) = python_broker_side(relation);
    let state = base_with(true, cluster(0), kraft_container())
        .config([("metadata-mode", "kraft"), ("roles", "controller")])
        .relation(relation.clone())
        .secret(secret);
    let out = run(TestEvent::relation_changed(&relation), state);
    assert_status(&out, Status::active(""));

    // What we read: their cluster id and admin user, formatted into the bootstrap metadata.
    let format = out
        .state
        .get_container("kafka")
        .unwrap()
        .state
        .exec_calls
        .iter()
        .find(|c| c.command[0] == STORAGE_TOOL)
        .expect("formatted")
        .command
        .join(" ");
    assert!(format.contains("--cluster-id MkU3OEVBNTcwNTJENDM2Qk"), "{format}");
    assert!(format.contains("SCRAM-SHA-512=[name=operator,"), "{format}");
    assert!(!format.contains("python-operator-pw-0123"), "salted, never clear");

    // What we write: exactly the Python controller side's plain fields.
    let bag = &out.state.get_relation(&relation).unwrap().local_app_data;
    assert_eq!(
        keys(bag),
        [
            "bootstrap-controller",
            "bootstrap-replica-id",
            "bootstrap-unit-id",
            "requested-secrets",
            "roles",
            "secret-controller"
        ]
        .into()
    );
    assert_eq!(
        bag["requested-secrets"],
        r#"["broker-username", "broker-password", "controller-password"]"#
    );
    assert_eq!(bag["roles"], "controller");
    assert_eq!(bag["bootstrap-controller"], "kafka-k8s-0.kafka-k8s-endpoints:9097");
    assert!(
        !bag["bootstrap-controller"].contains(','),
        "one host:port (cluster.py 430-434)"
    );
    assert_eq!(bag["bootstrap-unit-id"], "0");
    assert_eq!(bag["bootstrap-replica-id"].len(), 22);
    let label = format!("peer-cluster.{}.controller.secret", relation.id.0);
    let shared = out.state.secret_by_label(&label).expect("the controller group secret");
    assert_eq!(bag["secret-controller"], shared.uri());
    assert!(shared.remote_grants.contains_key(&relation.id));
    assert_eq!(
        shared.newest_content().keys().map(String::as_str).collect::<Vec<_>>(),
        ["controller-password"]
    );
}

#[test]
fn fields_the_other_side_left_in_the_bag_are_read_from_the_bag() {
    // data_interfaces `_process_secret_fields` (1367-1404) keeps fields in the bag when the
    // requester did not ask for them as secrets, or without Juju secrets.
    reset();
    let relation = Relation::new("peer-cluster")
        .interface("peer_cluster")
        .remote_app("kafka")
        .remote_app_data([
            ("roles", "broker"),
            ("cluster-uuid", "MkU3OEVBNTcwNTJENDM2Qk"),
            ("broker-username", "operator"),
            ("broker-password", "python-operator-pw-0123"),
        ]);
    let state = base_with(true, cluster(0), kraft_container())
        .config([("metadata-mode", "kraft"), ("roles", "controller")])
        .relation(relation.clone());
    let out = run(TestEvent::relation_changed(&relation), state);
    assert_status(&out, Status::active(""));
    let format = out
        .state
        .get_container("kafka")
        .unwrap()
        .state
        .exec_calls
        .iter()
        .find(|c| c.command[0] == STORAGE_TOOL)
        .expect("formatted with the plain credentials")
        .command
        .join(" ");
    assert!(format.contains("SCRAM-SHA-512=[name=operator,"), "{format}");
}

/// A Python 4.x balancer application's bag on `peer-cluster` (read by our broker on
/// `peer-cluster-orchestrator`): peer_cluster.py 96-105, balancer.py 163-171.
fn python_balancer_side(relation: Relation) -> (Relation, Secret) {
    let secret = Secret::new([
        ("balancer-username", "balancer"),
        ("balancer-password", "python-balancer-pw-0123"),
        ("balancer-uris", "cruise-control-0.cruise-control-endpoints:9090"),
    ])
    .granted_by(&relation);
    let relation = relation.remote_app_data([
        (
            "requested-secrets",
            r#"["zk-uris", "broker-uris", "broker-password", "controller-passwrod", "zk-password", "broker-username", "zk-username"]"#
                .to_owned(),
        ),
        ("roles", "balancer".to_owned()),
        ("secret-balancer", secret.uri()),
    ]);
    (relation, secret)
}

#[test]
fn our_broker_application_feeds_a_python_balancer_application() {
    reset();
    let relation = Relation::new("peer-cluster-orchestrator")
        .interface("peer_cluster")
        .remote_app("cruise-control");
    let (relation, secret) = python_balancer_side(relation);
    let container = Container::new("kafka").with_state(
        ContainerState::connectable()
            .with_file(START_SCRIPT, "#!/bin/sh\n")
            .on_exec([STORAGE_TOOL], charm_sdk::pebble::ExecOutput::ok(""))
            .on_exec(
                ["/opt/kafka/bin/kafka-metadata-quorum.sh"],
                charm_sdk::pebble::ExecOutput::ok(""),
            )
            .on_exec(["nproc"], charm_sdk::pebble::ExecOutput::ok("2\n"))
            .on_exec(["df"], charm_sdk::pebble::ExecOutput::ok("1K-blocks\n2097152\n")),
    );
    let state = base_with(true, cluster(0), container)
        .config([("metadata-mode", "kraft"), ("roles", "broker,controller")])
        .relation(relation.clone())
        .secret(secret);
    let out = run(TestEvent::relation_changed(&relation), state);
    assert_status(&out, Status::active(""));
    let bag = &out.state.get_relation(&relation).unwrap().local_app_data;
    // The broker fields (peer_cluster.py 166-177), now with the balancer's two.
    assert_eq!(
        keys(bag),
        [
            "broker-capacities",
            "broker-uris",
            "cluster-uuid",
            "racks",
            "requested-secrets",
            "roles",
            "secret-broker",
            "super-users"
        ]
        .into()
    );
    assert_eq!(
        bag["racks"].parse::<u32>().unwrap(),
        0,
        "int() of it (models.py 553-565)"
    );
    // The BrokerCapacities shape (models.py 64-68), every value a string.
    let value: serde_json::Value = serde_json::from_str(&bag["broker-capacities"]).unwrap();
    let top: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(top, ["brokerCapacities"]);
    let entry = &value["brokerCapacities"][0];
    assert_eq!(
        entry
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        ["brokerId", "capacity", "doc"].into()
    );
    assert_eq!(entry["brokerId"], "100");
    assert_eq!(entry["doc"], "");
    let capacity = &entry["capacity"];
    assert_eq!(
        capacity
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        ["CPU", "DISK", "NW_IN", "NW_OUT"].into()
    );
    assert_eq!(capacity["CPU"]["num.cores"], "2");
    assert!(
        capacity["DISK"].as_object().unwrap().values().all(|v| v == "2048"),
        "{capacity}"
    );
    assert!(capacity["NW_IN"].is_string() && capacity["NW_OUT"].is_string());
    // What the balancer logs in with: the `broker` group secret.
    let label = format!("peer-cluster-orchestrator.{}.broker.secret", relation.id.0);
    let content = out.state.secret_by_label(&label).unwrap().newest_content().clone();
    assert_eq!(content["broker-uris"], "kafka-k8s-0.kafka-k8s-endpoints:19092");
    assert_eq!(content["broker-username"], "admin");
    // Its brokers load the metrics reporter for it.
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(props
        .contains("metric.reporters=com.linkedin.kafka.cruisecontrol.metricsreporter.CruiseControlMetricsReporter\n"));
}

#[test]
fn our_balancer_application_speaks_to_a_python_broker_application() {
    reset();
    let relation = Relation::new("peer-cluster")
        .interface("peer_cluster")
        .remote_app("kafka");
    let (relation, secret) = python_broker_side(relation);
    let state = base_with(
        true,
        cluster(0),
        Container::new("kafka").with_state(
            ContainerState::connectable()
                .with_file("/opt/cruise-control/bin/kafka-cruise-control-start.sh", "#!/bin/sh\n"),
        ),
    )
    .config([("metadata-mode", "kraft"), ("roles", "balancer")])
    .relation(relation.clone())
    .secret(secret);
    let out = run(TestEvent::relation_changed(&relation), state);
    // python_broker_side's brokers speak SASL_SSL (19093; the 4.x charm's internal TLS), whose
    // CA this charm does not exchange: Cruise Control cannot run, and says why.
    let status = out.unit_status();
    assert!(status.message.contains("TLS"), "{status}");

    // What we write: exactly the Python balancer side's fields (balancer.py 163-171 after
    // peer_cluster.py 96-105; the empty controller fields are deleted by models.py 302-320).
    let bag = &out.state.get_relation(&relation).unwrap().local_app_data;
    assert_eq!(keys(bag), ["requested-secrets", "roles", "secret-balancer"].into());
    assert_eq!(bag["roles"], "balancer");
    let requested: BTreeSet<String> = serde_json::from_str(&bag["requested-secrets"]).unwrap();
    assert_eq!(
        requested,
        [
            "broker-username",
            "broker-password",
            "broker-uris",
            "controller-passwrod",
            "zk-username",
            "zk-password",
            "zk-uris"
        ]
        .map(str::to_owned)
        .into(),
        "literals.py 174-188, spelling included"
    );
    let label = format!("peer-cluster.{}.balancer.secret", relation.id.0);
    let shared = out.state.secret_by_label(&label).expect("the balancer group secret");
    assert_eq!(bag["secret-balancer"], shared.uri());
    assert!(shared.remote_grants.contains_key(&relation.id));
    let content = shared.newest_content();
    assert_eq!(
        content.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        ["balancer-password", "balancer-uris", "balancer-username"].into()
    );
    assert_eq!(content["balancer-username"], "balancer");
    assert_eq!(content["balancer-uris"], "kafka-k8s-0.kafka-k8s-endpoints:9090");
}

#[test]
fn no_peer_cluster_schema_is_published_to_validate_against() {
    let dir = std::path::Path::new("/work/shared/reference/interfaces");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return; // the reference directory is not on this machine
    };
    let schemas: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("peer_cluster"))
        .collect();
    assert!(
        schemas.is_empty(),
        "a peer_cluster schema appeared ({schemas:?}): validate the bags of this test against it"
    );
}
