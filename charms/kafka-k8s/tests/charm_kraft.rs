//! KRaft mode, in-process: combined broker+controller units, split broker and controller
//! applications over peer-cluster, the storage format with the internal users, client users
//! through Kafka's tools, the explicit mode choice, and a cluster formatted by the previous
//! revision (static quorum) keeping its `controller.quorum.voters`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use charm_sdk::model::StatusKind;
use charm_sdk::pebble::{ExecOutput, ServiceStatus};
use charm_sdk::Status;
use charm_support::*;
use charm_testing::pebble::ContainerState;
use charm_testing::{assert_status, Container, Relation, RunOutput, Secret, State, TestEvent};

const STORAGE_TOOL: &str = "/opt/kafka/bin/kafka-storage.sh";

/// A container with Kafka whose tools succeed.
fn kraft_container() -> Container {
    Container::new("kafka").with_state(
        ContainerState::connectable()
            .with_file(START_SCRIPT, "#!/bin/sh\n")
            .on_exec([STORAGE_TOOL], ExecOutput::ok("Formatting metadata directory\n"))
            .on_exec(["/opt/kafka/bin/kafka-configs.sh"], ExecOutput::ok(""))
            .on_exec(["/opt/kafka/bin/kafka-acls.sh"], ExecOutput::ok("")),
    )
}

fn kraft(state: State, roles: &str) -> State {
    state.config([("metadata-mode", "kraft"), ("roles", roles)])
}

fn exec_commands(out: &RunOutput) -> Vec<Vec<String>> {
    out.state
        .get_container("kafka")
        .unwrap()
        .state
        .exec_calls
        .iter()
        .map(|c| c.command.clone())
        .collect()
}

#[test]
fn combined_units_format_their_storage_and_run_broker_and_controller() {
    reset();
    let state = kraft(base_with(true, cluster(0), kraft_container()), "broker,controller");
    let out = run(TestEvent::config_changed(), state);
    assert_status(&out, Status::active(""));

    let uuid = peer_app(&out)["cluster-uuid"].clone();
    assert_eq!(uuid.len(), 22);
    let format = exec_commands(&out)
        .into_iter()
        .find(|c| c[0] == STORAGE_TOOL)
        .expect("the storage was formatted");
    let args = format.join(" ");
    assert!(
        args.contains(&format!("format --ignore-formatted --cluster-id {uuid}")),
        "{args}"
    );
    assert_eq!(
        format.iter().filter(|a| *a == "--add-scram").count(),
        3,
        "admin, sync, controller: {args}"
    );
    let secret = out
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()
        .clone();
    for password in secret.values() {
        assert!(
            !args.contains(password.as_str()),
            "no clear-text password on the command line"
        );
    }

    // A dynamic quorum bootstrapped from this unit, with the directory id the leader drew.
    let app = peer_app(&out);
    assert_eq!(app["bootstrap-controller"], "kafka-k8s-0.kafka-k8s-endpoints:9097");
    assert_eq!(app["bootstrap-unit-id"], "100");
    let directory = &app["bootstrap-replica-id"];
    assert!(
        args.contains(&format!(
            "--feature kraft.version=1 --initial-controllers 100@kafka-k8s-0.kafka-k8s-endpoints:9097:{directory}"
        )),
        "{args}"
    );
    assert_eq!(peer_unit(&out)["directory-id"], *directory);

    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(props.contains("process.roles=broker,controller"), "{props}");
    assert!(props.contains("node.id=100"), "{props}");
    assert!(
        props.contains("controller.quorum.bootstrap.servers=kafka-k8s-0.kafka-k8s-endpoints:9097"),
        "{props}"
    );
    assert!(!props.contains("controller.quorum.voters"), "{props}");
    assert!(!props.contains("zookeeper.connect"), "{props}");
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_eq!(kafka.service_status("kafka"), ServiceStatus::Active);
    assert!(with_zk(|zk| zk.calls.is_empty()), "no zookeeper in KRaft mode");

    // The next run neither formats again nor changes anything.
    let again = next(&out, TestEvent::update_status());
    assert_eq!(exec_commands(&again).iter().filter(|c| c[0] == STORAGE_TOOL).count(), 1);
    assert_eq!(again.state, out.state);
}

#[test]
fn a_failed_format_is_reported_as_the_workload_not_being_available() {
    reset();
    let container =
        Container::new("kafka").with_state(ContainerState::connectable().with_file(START_SCRIPT, "#!/bin/sh\n"));
    let state = kraft(base_with(true, cluster(0), container), "broker,controller");
    let out = run(TestEvent::config_changed(), state);
    let status = out.unit_status().clone();
    assert_eq!(status.kind, StatusKind::Blocked, "{status}");
    assert!(
        status
            .message
            .starts_with("kafka workload not available: kafka-storage.sh format"),
        "{status}"
    );
}

#[test]
fn client_users_go_through_kafkas_tools_without_passwords_on_argv() {
    reset();
    let state = kraft(base_with(true, cluster(0), kraft_container()), "broker,controller");
    let out = run(TestEvent::config_changed(), state);
    let client = charm_interfaces::dataplatform::testing::kafka_client_requirer("kafka-client", "orders", "consumer");
    let out = run(TestEvent::relation_changed(&client), out.state.relation(client.clone()));
    let user = format!("relation-{}", client.id.0);

    let commands = exec_commands(&out);
    let configs = commands
        .iter()
        .find(|c| c[0].ends_with("kafka-configs.sh") && c.contains(&user))
        .expect("the user was created");
    assert!(configs.contains(&"--add-config-file".to_owned()), "{configs:?}");
    let acls: Vec<&Vec<String>> = commands.iter().filter(|c| c[0].ends_with("kafka-acls.sh")).collect();
    assert_eq!(acls.len(), 3, "topic Read, Describe and the group prefix: {acls:?}");
    assert!(acls.iter().any(|c| c
        .join(" ")
        .contains(&format!("--group {user}- --resource-pattern-type prefixed"))));
    let password = out
        .state
        .secret_by_label(&format!("kafka-client.{}.user.secret", client.id.0))
        .expect("published")
        .newest_content()["password"]
        .clone();
    assert!(!commands.iter().any(|c| c.join(" ").contains(&password)));
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert!(
        !kafka.files.contains_key("/etc/kafka/scram-user.properties"),
        "the scratch file is gone"
    );
}

#[test]
fn a_broker_only_application_waits_for_controllers() {
    reset();
    let state = kraft(base_with(true, cluster(0), kraft_container()), "broker");
    let out = run(TestEvent::config_changed(), state);
    let status = out.unit_status().clone();
    assert_eq!(status.kind, StatusKind::Waiting, "{status}");
    assert!(status.message.contains("peer-cluster-orchestrator"), "{status}");
}

#[test]
fn split_broker_application_uses_the_controller_applications_quorum() {
    reset();
    let orchestrator = Relation::new("peer-cluster-orchestrator")
        .interface("peer_cluster")
        .remote_app("kafka-controller");
    let controller_secret =
        Secret::new([("controller-password", "controller-pw-0123456789")]).granted_by(&orchestrator);
    let orchestrator = orchestrator.remote_app_data([
        ("roles", "controller".to_owned()),
        (
            "bootstrap-controller",
            "kafka-controller-0.kafka-controller-endpoints:9097".to_owned(),
        ),
        ("bootstrap-unit-id", "0".to_owned()),
        ("bootstrap-replica-id", "pbvuBlaTTwKRxS5NLJwRFQ".to_owned()),
        ("secret-controller", controller_secret.uri()),
    ]);
    let state = kraft(base_with(true, cluster(0), kraft_container()), "broker")
        .relation(orchestrator.clone())
        .secret(controller_secret);
    let out = run(TestEvent::relation_changed(&orchestrator), state);
    assert_status(&out, Status::active(""));

    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(props.contains("process.roles=broker"), "{props}");
    assert!(props.contains("node.id=100"), "{props}");
    assert!(
        props.contains("controller.quorum.bootstrap.servers=kafka-controller-0.kafka-controller-endpoints:9097"),
        "{props}"
    );
    let format = exec_commands(&out)
        .into_iter()
        .find(|c| c[0] == STORAGE_TOOL)
        .expect("formatted");
    assert!(format.contains(&"--no-initial-controllers".to_owned()), "{format:?}");
    assert!(
        props.contains("controller-pw-0123456789"),
        "the controller user's password reached the JAAS"
    );

    // What the controllers get: roles, the cluster id and the admin/sync secret, granted.
    let bag = &out.state.get_relation(&orchestrator).unwrap().local_app_data;
    assert_eq!(bag["roles"], "broker");
    assert_eq!(bag["cluster-uuid"], peer_app(&out)["cluster-uuid"]);
    let shared = out
        .state
        .secret_by_label(&format!(
            "peer-cluster-orchestrator.{}.broker.secret",
            orchestrator.id.0
        ))
        .expect("credentials shared");
    assert_eq!(shared.newest_content()["broker-username"], "admin");
    assert!(shared.remote_grants.contains_key(&orchestrator.id));
    assert!(!format!("{bag:?}").contains(&shared.newest_content()["broker-password"]));

    // The controllers formatted our admin user only (the Python charm's peer-cluster data has
    // no inter-broker user): once a broker runs, the leader writes `sync` through Kafka's tools.
    let configs = |out: &RunOutput| {
        exec_commands(out)
            .into_iter()
            .filter(|c| c[0].ends_with("kafka-configs.sh") && c.contains(&"sync".to_owned()))
            .count()
    };
    assert_eq!(configs(&out), 0, "not before the broker runs");
    let again = next(&out, TestEvent::update_status());
    assert_eq!(configs(&again), 1);
    let third = next(&again, TestEvent::update_status());
    assert_eq!(configs(&third), 1, "written once");
}

#[test]
fn split_controller_application_formats_with_the_brokers_users() {
    reset();
    let peer_cluster = Relation::new("peer-cluster")
        .interface("peer_cluster")
        .remote_app("kafka-broker");
    let broker_secret = Secret::new([
        ("broker-username", "admin"),
        ("broker-password", "broker-admin-pw-0123"),
        ("broker-uris", "kafka-broker-0.kafka-broker-endpoints:19093"),
    ])
    .granted_by(&peer_cluster);
    let peer_cluster = peer_cluster.remote_app_data([
        ("roles", "broker".to_owned()),
        ("cluster-uuid", "MkU3OEVBNTcwNTJENDM2Qk".to_owned()),
        ("secret-broker", broker_secret.uri()),
    ]);
    let state = kraft(base_with(true, cluster(0), kraft_container()), "controller")
        .relation(peer_cluster.clone())
        .secret(broker_secret);
    let out = run(TestEvent::relation_changed(&peer_cluster), state);
    assert_status(&out, Status::active(""));

    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(props.contains("process.roles=controller"), "{props}");
    assert!(props.contains("node.id=0"), "{props}");
    assert!(
        !props.contains("advertised.listeners=INTERNAL"),
        "a controller has no broker listeners: {props}"
    );
    let format = exec_commands(&out)
        .into_iter()
        .find(|c| c[0] == STORAGE_TOOL)
        .expect("formatted");
    assert!(format.join(" ").contains("--cluster-id MkU3OEVBNTcwNTJENDM2Qk"));

    // What the brokers get: the bootstrap controller and the controller user's secret.
    let bag = &out.state.get_relation(&peer_cluster).unwrap().local_app_data;
    assert_eq!(bag["roles"], "controller");
    assert_eq!(bag["bootstrap-controller"], "kafka-k8s-0.kafka-k8s-endpoints:9097");
    assert_eq!(bag["bootstrap-unit-id"], "0");
    assert_eq!(bag["bootstrap-replica-id"], peer_app(&out)["bootstrap-replica-id"]);
    assert!(bag["secret-controller"].starts_with("secret:"));
    // The broker's admin user and the controller user are in the bootstrap metadata.
    let args = format.join(" ");
    assert_eq!(args.matches("--add-scram").count(), 2, "{args}");
    assert!(args.contains("SCRAM-SHA-512=[name=admin,"), "{args}");
    assert!(args.contains("SCRAM-SHA-512=[name=controller,"), "{args}");
}

#[test]
fn the_mode_is_explicit_and_inconsistent_choices_block_naming_the_option() {
    reset();
    let out = run(
        TestEvent::config_changed(),
        base(true, 0).config([("roles", "broker,controller")]),
    );
    assert_status(
        &out,
        Status::blocked(
            "invalid config option 'roles': the controller role needs metadata-mode=kraft (metadata-mode is zookeeper)",
        ),
    );

    let state = with_zookeeper(base(true, 0)).config([("metadata-mode", "kraft"), ("roles", "broker,controller")]);
    let out = run(TestEvent::config_changed(), state);
    let status = out.unit_status().clone();
    assert_eq!(status.kind, StatusKind::Blocked);
    assert!(
        status.message.starts_with("invalid config option 'metadata-mode'"),
        "{status}"
    );
}

/// A combined cluster of units 0, 1, 2 formatted by the previous revision: the cluster id in
/// the peer bag, no bootstrap keys (that revision had a static quorum), every unit started.
fn static_quorum_cluster(me: u32, others: &[u32], app: &[(&str, &str)]) -> State {
    let mut peers = charm_testing::PeerRelation::new("cluster")
        .id(PEER_ID)
        .local_app_data(app.iter().copied())
        .local_unit_data([("state", "started")]);
    for n in others {
        peers = peers.peer_data(*n, [("state", "started")]);
    }
    let mut state = kraft(base_with(me == 0, peers, kraft_container()), "broker,controller");
    state = state.unit_number(me);
    state
}

const OLD_CLUSTER_ID: &str = "q1Sh-9_ISia_zwGINzRvyQ";
/// `controller.quorum.voters` as the previous revision rendered it for units 0, 1, 2
/// (`git show HEAD:charms/kafka-k8s/src/kraft.rs`, `own_voters`: `100 + n@<unit>.<app>-endpoints:9097`).
const OLD_VOTERS: &str = "controller.quorum.voters=100@kafka-k8s-0.kafka-k8s-endpoints:9097,\
101@kafka-k8s-1.kafka-k8s-endpoints:9097,102@kafka-k8s-2.kafka-k8s-endpoints:9097\n";

#[test]
fn a_cluster_formatted_with_a_static_quorum_keeps_its_voters() {
    reset();
    let state = static_quorum_cluster(0, &[1, 2], &[("cluster-uuid", OLD_CLUSTER_ID)]);
    let out = run(TestEvent::upgrade_charm(), state);
    assert_status(&out, Status::active(""));
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(props.contains(OLD_VOTERS), "{props}");
    assert!(!props.contains("controller.quorum.bootstrap.servers"), "{props}");
    let app = peer_app(&out);
    assert_eq!(app["cluster-uuid"], OLD_CLUSTER_ID, "the cluster id stays");
    assert!(
        !app.keys().any(|k| k.starts_with("bootstrap-")),
        "no dynamic quorum drawn: {app:?}"
    );
    assert_eq!(app["kraft-static-voters"], "0,1,2");
    // Formatting (a no-op on formatted storage) asks for no kraft.version=1 feature.
    let format = exec_commands(&out)
        .into_iter()
        .find(|c| c[0] == STORAGE_TOOL)
        .expect("format --ignore-formatted ran");
    let args = format.join(" ");
    for flag in [
        "kraft.version",
        "--standalone",
        "--initial-controllers",
        "--no-initial-controllers",
    ] {
        assert!(!args.contains(flag), "{flag}: {args}");
    }

    // A unit added later is no voter: it waits, naming the limitation, and never starts.
    let bag = peer_app(&out);
    let voters: Vec<(&str, &str)> = bag.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut newcomer = static_quorum_cluster(3, &[0, 1, 2], &voters);
    newcomer.peers[0].local_unit_data.clear();
    newcomer.secrets = out.state.secrets.clone();
    let out = run(TestEvent::config_changed(), newcomer);
    let status = out.unit_status().clone();
    assert_eq!(status.kind, StatusKind::Waiting, "{status}");
    assert!(
        status.message.contains("scaling controllers is not supported"),
        "{status}"
    );
    assert!(status.message.contains("static quorum"), "{status}");
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_ne!(kafka.service_status("kafka"), ServiceStatus::Active);

    // The voters see the change: Blocked with the same message, voters unchanged.
    let mut leader = static_quorum_cluster(0, &[1, 2, 3], &voters);
    leader.secrets = out.state.secrets.clone();
    let out = run(TestEvent::config_changed(), leader);
    let status = out.unit_status().clone();
    assert_eq!(status.kind, StatusKind::Blocked, "{status}");
    assert!(
        status.message.contains("scaling controllers is not supported"),
        "{status}"
    );
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(props.contains(OLD_VOTERS), "{props}");
}
