//! A balancer application of its own, in-process: a `roles=balancer` application and a
//! `roles=broker,controller` application related over `peer-cluster` /
//! `peer-cluster-orchestrator`, each run on its own State with the other's relation data
//! (and group secret) carried over, as Juju would; a `controller,balancer` application fed by
//! a Python-shaped broker side; the refusals; teardown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use std::collections::{BTreeMap, BTreeSet};

use charm_sdk::model::tools::Port;
use charm_sdk::model::StatusKind;
use charm_sdk::pebble::{ExecOutput, ServiceStatus};
use charm_support::*;
use charm_testing::pebble::ContainerState;
use charm_testing::{Container, Relation, RunOutput, Secret, State, TestEvent};

const CC_START: &str = "/opt/cruise-control/bin/kafka-cruise-control-start.sh";
const CC_PROPERTIES: &str = "/etc/cruise-control/cruisecontrol.properties";
const CC_CAPACITY: &str = "/etc/cruise-control/capacityJBOD.json";
const STORAGE_TOOL: &str = "/opt/kafka/bin/kafka-storage.sh";
const JMX_AGENT: &str = "/opt/kafka/libs/jmx_prometheus_javaagent.jar";

/// The balancer application's container: Cruise Control and the JMX agent, no Kafka needed.
fn balancer_container() -> Container {
    Container::new("kafka").with_state(
        ContainerState::connectable()
            .with_file(CC_START, "#!/bin/sh\n")
            .with_file(JMX_AGENT, "jar"),
    )
}

/// The broker application's container: Kafka whose tools succeed, answering `nproc` and `df`.
fn broker_container() -> Container {
    Container::new("kafka").with_state(
        ContainerState::connectable()
            .with_file(START_SCRIPT, "#!/bin/sh\n")
            .with_file(JMX_AGENT, "jar")
            .on_exec([STORAGE_TOOL], ExecOutput::ok("Formatting metadata directory\n"))
            .on_exec(["/opt/kafka/bin/kafka-configs.sh"], ExecOutput::ok(""))
            .on_exec(["/opt/kafka/bin/kafka-acls.sh"], ExecOutput::ok(""))
            .on_exec(["/opt/kafka/bin/kafka-metadata-quorum.sh"], ExecOutput::ok(""))
            .on_exec(["nproc"], ExecOutput::ok("4\n"))
            .on_exec(["df"], ExecOutput::ok("1K-blocks\n10255636\n")),
    )
}

fn kraft(state: State, roles: &str) -> State {
    state.config([("metadata-mode", "kraft"), ("roles", roles)])
}

fn cc_status(out: &RunOutput) -> ServiceStatus {
    out.state
        .get_container("kafka")
        .unwrap()
        .state
        .service_status("cruise-control")
}

fn local_bag(out: &RunOutput, relation: &Relation) -> BTreeMap<String, String> {
    out.state.get_relation(relation).unwrap().local_app_data.clone()
}

/// This side's group secret as the other side's model sees it: same id, granted to its
/// relation.
fn carry_secret(out: &RunOutput, label: &str, to: &Relation) -> Secret {
    let secret = out
        .state
        .secret_by_label(label)
        .unwrap_or_else(|| panic!("no secret {label}"));
    Secret::new(secret.newest_content().clone())
        .id(secret.id.clone())
        .granted_by(to)
}

/// `state` with `relation`'s remote application bag replaced by `bag`.
fn with_remote_bag(mut state: State, relation: &Relation, bag: &BTreeMap<String, String>) -> State {
    for r in &mut state.relations {
        if r.id == relation.id {
            r.remote_app_data = bag.clone();
        }
    }
    state
}

fn internal_password(out: &RunOutput, user: &str) -> String {
    out.state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()[&format!("{user}-password")]
        .clone()
}

#[test]
fn a_balancer_application_runs_cruise_control_from_the_broker_applications_data() {
    reset();
    let peer_cluster = Relation::new("peer-cluster")
        .interface("peer_cluster")
        .remote_app("kafka");
    let orchestrator = Relation::new("peer-cluster-orchestrator")
        .interface("peer_cluster")
        .remote_app("cruise-control");

    // 1. The balancer, related but not answered yet: it publishes its side and waits.
    let balancer = kraft(base_with(true, cluster(0), balancer_container()), "balancer").relation(peer_cluster.clone());
    let b1 = run(TestEvent::relation_created(&peer_cluster), balancer);
    let status = b1.unit_status();
    assert_eq!(status.kind, StatusKind::Waiting, "{status}");
    assert_eq!(
        status.message,
        "balancer: waiting for the broker application's admin user and bootstrap servers"
    );
    assert_ne!(cc_status(&b1), ServiceStatus::Active);
    assert!(b1.state.opened_ports.is_empty(), "{:?}", b1.state.opened_ports);
    let bag = local_bag(&b1, &peer_cluster);
    assert_eq!(
        bag.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        ["requested-secrets", "roles", "secret-balancer"].into()
    );
    assert_eq!(bag["roles"], "balancer");
    let requested: Vec<String> = serde_json::from_str(&bag["requested-secrets"]).unwrap();
    for field in ["broker-username", "broker-password", "broker-uris"] {
        assert!(requested.iter().any(|r| r == field), "{requested:?}");
    }
    let label = format!("peer-cluster.{}.balancer.secret", peer_cluster.id.0);
    let shared = b1.state.secret_by_label(&label).expect("the balancer group secret");
    assert_eq!(bag["secret-balancer"], shared.uri());
    assert!(shared.remote_grants.contains_key(&peer_cluster.id));
    let content = shared.newest_content();
    assert_eq!(content["balancer-username"], "balancer");
    assert_eq!(content["balancer-password"], internal_password(&b1, "balancer"));
    assert_eq!(content["balancer-uris"], "kafka-k8s-0.kafka-k8s-endpoints:9090");

    // 2. The broker application reads the balancer's roles: its brokers load the metrics
    // reporter, measure themselves, and the leader publishes capacities and racks with the
    // broker fields.
    let broker = kraft(base_with(true, cluster(0), broker_container()), "broker,controller")
        .relation(orchestrator.clone())
        .secret(carry_secret(&b1, &label, &orchestrator));
    let broker = with_remote_bag(broker, &orchestrator, &bag);
    let k1 = run(TestEvent::relation_changed(&orchestrator), broker);
    assert_eq!(k1.unit_status().kind, StatusKind::Active, "{}", k1.unit_status());
    let server = file(&k1, "/etc/kafka/server.properties").unwrap();
    assert!(server
        .contains("metric.reporters=com.linkedin.kafka.cruisecontrol.metricsreporter.CruiseControlMetricsReporter\n"));
    assert!(
        file(&k1, CC_PROPERTIES).is_none(),
        "the broker application runs no Cruise Control"
    );
    let offered = local_bag(&k1, &orchestrator);
    for key in [
        "roles",
        "cluster-uuid",
        "broker-uris",
        "super-users",
        "secret-broker",
        "racks",
        "broker-capacities",
    ] {
        assert!(offered.contains_key(key), "{key}: {offered:?}");
    }
    assert_eq!(offered["roles"], "broker,controller");
    assert_eq!(offered["racks"], "0");
    let capacities: serde_json::Value = serde_json::from_str(&offered["broker-capacities"]).unwrap();
    let entry = &capacities["brokerCapacities"][0];
    assert_eq!(entry["brokerId"], "100");
    assert_eq!(entry["capacity"]["CPU"]["num.cores"], "4");
    assert_eq!(entry["capacity"]["DISK"]["/var/lib/kafka/data/log"], "10015", "{entry}");
    assert_eq!(entry["capacity"]["NW_IN"], "50000");
    assert_eq!(entry["doc"], "");
    let admin = internal_password(&k1, "admin");
    assert!(!offered.values().any(|v| v.contains(&admin)), "no password in the bag");

    // 3. The balancer gets the broker side: Cruise Control runs with its admin user, over
    // its internal listener, with its capacities; the exporter's port is open.
    let broker_label = format!("peer-cluster-orchestrator.{}.broker.secret", orchestrator.id.0);
    let balancer = with_remote_bag(b1.state.clone(), &peer_cluster, &offered).secret(carry_secret(
        &k1,
        &broker_label,
        &peer_cluster,
    ));
    let b2 = run(TestEvent::relation_changed(&peer_cluster), balancer);
    assert_eq!(b2.unit_status().kind, StatusKind::Active, "{}", b2.unit_status());
    assert_eq!(cc_status(&b2), ServiceStatus::Active);
    let props = file(&b2, CC_PROPERTIES).unwrap();
    assert!(
        props.contains("bootstrap.servers=kafka-k8s-0.kafka-k8s-endpoints:19092\n"),
        "{props}"
    );
    assert!(
        props.contains(&format!("username=\"admin\" password=\"{admin}\";")),
        "{props}"
    );
    assert!(props.contains("security.protocol=SASL_PLAINTEXT\n"));
    let capacity: serde_json::Value = serde_json::from_str(&file(&b2, CC_CAPACITY).unwrap()).unwrap();
    assert_eq!(capacity["brokerCapacities"][0]["brokerId"], "100");
    assert_eq!(
        capacity["brokerCapacities"][0]["capacity"]["DISK"]["/var/lib/kafka/data/log"],
        "10015"
    );
    assert_eq!(
        b2.state.opened_ports.iter().cloned().collect::<Vec<_>>(),
        [Port::Tcp(9102)]
    );
    let credentials = file(&b2, "/etc/cruise-control/cruisecontrol.credentials").unwrap();
    assert_eq!(
        credentials,
        format!("balancer: {},ADMIN\n", internal_password(&b2, "balancer"))
    );
    assert!(!observable(&b2).contains(&admin), "the admin password leaks nowhere");

    // The rebalance action works on this unit, and knows the broker application's brokers.
    let action = run(TestEvent::action("rebalance").param("mode", "add"), b2.state.clone());
    let failed = action.action.as_ref().and_then(|a| a.failed.clone()).expect("refused");
    assert!(
        failed.contains("needs the 'brokerid' parameter (one of 100)"),
        "{failed}"
    );

    // Nothing changed: no restart.
    let b3 = next(&b2, TestEvent::update_status());
    assert_eq!(
        b3.state.get_container("kafka").unwrap().state.service_log,
        b2.state.get_container("kafka").unwrap().state.service_log
    );

    // A unit that is not the leader runs none of it.
    let follower = run(TestEvent::update_status(), b2.state.clone().leader(false));
    assert_ne!(cc_status(&follower), ServiceStatus::Active);
    assert!(follower.state.opened_ports.is_empty());
    assert_eq!(follower.unit_status().kind, StatusKind::Active);

    // Teardown stops it.
    for event in [TestEvent::stop(), TestEvent::remove()] {
        let down = run(event, b2.state.clone());
        assert_ne!(cc_status(&down), ServiceStatus::Active);
    }
}

/// A broker side as the Python 4.x charm writes it for a balancer (peer_cluster.py 166-177,
/// models.py `SECRET_LABEL_MAP` 75-83: the `broker-*` fields in group `broker`;
/// cluster.py 467-481 `broker_capacities`, highest id first, `doc` empty), with `uris`.
fn python_broker_side(relation: Relation, uris: &str) -> (Relation, Secret) {
    let secret = Secret::new([
        ("broker-username", "operator"),
        ("broker-password", "python-operator-pw-0123"),
        ("broker-uris", uris),
    ])
    .granted_by(&relation);
    let relation = relation.remote_app_data([
        (
            "requested-secrets",
            r#"["balancer-uris", "controller-password", "balancer-username", "balancer-password"]"#.to_owned(),
        ),
        ("roles", "broker".to_owned()),
        ("cluster-uuid", "MkU3OEVBNTcwNTJENDM2Qk".to_owned()),
        ("broker-uris", uris.to_owned()),
        ("racks", "2".to_owned()),
        (
            "broker-capacities",
            r#"{"brokerCapacities": [{"brokerId": "101", "capacity": {"DISK": {"/var/lib/kafka/data/0": "20030"}, "CPU": {"num.cores": "8"}, "NW_IN": "75000", "NW_OUT": "75000"}, "doc": ""}, {"brokerId": "100", "capacity": {"DISK": {"/var/lib/kafka/data/0": "10015"}, "CPU": {"num.cores": "4"}, "NW_IN": "75000", "NW_OUT": "75000"}, "doc": ""}]}"#.to_owned(),
        ),
        ("super-users", "User:controller;User:operator;User:replication".to_owned()),
        ("secret-broker", secret.uri()),
    ]);
    (relation, secret)
}

#[test]
fn a_controller_balancer_application_runs_its_controller_and_cruise_control() {
    reset();
    let peer_cluster = Relation::new("peer-cluster")
        .interface("peer_cluster")
        .remote_app("kafka");
    let (peer_cluster, secret) = python_broker_side(
        peer_cluster,
        "kafka-0.kafka-endpoints:19092,kafka-1.kafka-endpoints:19092",
    );
    let mut container = broker_container();
    container.state = container.state.with_file(CC_START, "#!/bin/sh\n");
    let state = kraft(base_with(true, cluster(0), container), "controller,balancer")
        .relation(peer_cluster.clone())
        .secret(secret);
    let out = run(TestEvent::relation_changed(&peer_cluster), state);
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_eq!(kafka.service_status("kafka"), ServiceStatus::Active);
    assert_eq!(cc_status(&out), ServiceStatus::Active);
    let props = file(&out, CC_PROPERTIES).unwrap();
    assert!(props.contains("bootstrap.servers=kafka-0.kafka-endpoints:19092,kafka-1.kafka-endpoints:19092\n"));
    assert!(props.contains("username=\"operator\" password=\"python-operator-pw-0123\";"));
    // Two racks for two brokers (replication factor 2): RackAwareGoal.
    assert!(props.contains("analyzer.goals.RackAwareGoal"), "{props}");
    let capacity: serde_json::Value = serde_json::from_str(&file(&out, CC_CAPACITY).unwrap()).unwrap();
    let ids: Vec<&str> = capacity["brokerCapacities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["brokerId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["100", "101"]);
    assert_eq!(capacity["brokerCapacities"][0]["capacity"]["NW_IN"], "75000");
    // The controller's ports and Cruise Control's exporter.
    assert!(out.state.opened_ports.contains(&Port::Tcp(9102)));
    assert!(out.state.opened_ports.contains(&Port::Tcp(9097)));
    // Both roles' requests, and both group secrets.
    let bag = local_bag(&out, &peer_cluster);
    assert_eq!(bag["roles"], "controller,balancer");
    let requested: Vec<String> = serde_json::from_str(&bag["requested-secrets"]).unwrap();
    for field in ["broker-uris", "controller-password", "broker-username"] {
        assert!(requested.iter().any(|r| r == field), "{requested:?}");
    }
    assert!(bag.contains_key("secret-balancer") && bag.contains_key("secret-controller"));
    assert!(bag.contains_key("bootstrap-controller"));
}

#[test]
fn a_balancer_waits_for_capacities_and_refuses_a_tls_internal_listener() {
    reset();
    let relation = Relation::new("peer-cluster")
        .interface("peer_cluster")
        .remote_app("kafka");
    let (relation, secret) = python_broker_side(relation, "kafka-0.kafka-endpoints:19093");
    let state = kraft(base_with(true, cluster(0), balancer_container()), "balancer")
        .relation(relation.clone())
        .secret(secret);
    let out = run(TestEvent::relation_changed(&relation), state);
    let status = out.unit_status();
    assert_eq!(status.kind, StatusKind::Blocked, "{status}");
    assert!(status.message.starts_with("Cruise Control not running:"), "{status}");
    assert!(status.message.contains("TLS"), "{status}");
    assert!(file(&out, CC_PROPERTIES).is_none());

    reset();
    let relation = Relation::new("peer-cluster")
        .interface("peer_cluster")
        .remote_app("kafka");
    let (relation, secret) = python_broker_side(relation, "kafka-0.kafka-endpoints:19092");
    let mut remote = relation.remote_app_data.clone();
    remote.insert("broker-capacities".into(), r#"{"brokerCapacities": []}"#.into());
    let state = kraft(base_with(true, cluster(0), balancer_container()), "balancer")
        .relation(relation.clone())
        .secret(secret);
    let out = run(
        TestEvent::relation_changed(&relation),
        with_remote_bag(state, &relation, &remote),
    );
    assert_eq!(
        out.unit_status().message,
        "balancer: waiting for the broker application's capacities"
    );

    // Without the relation at all.
    reset();
    let out = run(
        TestEvent::config_changed(),
        kraft(base_with(true, cluster(0), balancer_container()), "balancer"),
    );
    assert_eq!(out.unit_status().kind, StatusKind::Waiting);
    assert!(
        out.unit_status().message.contains("relate peer-cluster"),
        "{}",
        out.unit_status()
    );
}
