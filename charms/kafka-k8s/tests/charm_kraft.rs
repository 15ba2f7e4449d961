//! KRaft mode, in-process: combined broker+controller units, split broker and controller
//! applications over peer-cluster, the storage format with the internal users, client users
//! through Kafka's tools, and the explicit mode choice.
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

    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(props.contains("process.roles=broker,controller"), "{props}");
    assert!(props.contains("node.id=100"), "{props}");
    assert!(
        props.contains("controller.quorum.voters=100@kafka-k8s-0.kafka-k8s-endpoints:9097"),
        "{props}"
    );
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
        (
            "quorum-voters",
            "0@kafka-controller-0.kafka-controller-endpoints:9097".to_owned(),
        ),
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
        props.contains("controller.quorum.voters=0@kafka-controller-0.kafka-controller-endpoints:9097"),
        "{props}"
    );
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
        ("sync-password", "broker-sync-pw-0123"),
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

    // What the brokers get: the voters and the controller user's secret.
    let bag = &out.state.get_relation(&peer_cluster).unwrap().local_app_data;
    assert_eq!(bag["roles"], "controller");
    assert_eq!(bag["quorum-voters"], "0@kafka-k8s-0.kafka-k8s-endpoints:9097");
    assert!(bag["secret-controller"].starts_with("secret:"));
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
