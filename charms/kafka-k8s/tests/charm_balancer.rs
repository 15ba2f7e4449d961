//! The balancer role in-process: which roles are accepted, Cruise Control's files and service
//! on the leader of a broker+balancer application, the brokers' capacities, the metrics
//! reporter, and the `rebalance` action's checks before it talks to Cruise Control (the
//! protocol itself is tested against a replaying server in `balancer_rest.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use charm_sdk::model::StatusKind;
use charm_sdk::pebble::{ExecOutput, ServiceStatus};
use charm_support::*;
use charm_testing::pebble::ContainerState;
use charm_testing::{Container, RunOutput, State, TestEvent};

const CC_START: &str = "/opt/cruise-control/bin/kafka-cruise-control-start.sh";

/// A kafka container whose image has Kafka and Cruise Control, answering `nproc` and `df`.
fn balancer_container(with_cruise_control: bool) -> Container {
    let mut state = ContainerState::connectable()
        .with_file(START_SCRIPT, "#!/bin/sh\n")
        .with_file("/opt/kafka/libs/jmx_prometheus_javaagent.jar", "jar")
        .on_exec(["nproc"], ExecOutput::ok("4\n"))
        .on_exec(["df"], ExecOutput::ok("1K-blocks\n10255636\n"));
    if with_cruise_control {
        state = state.with_file(CC_START, "#!/bin/sh\n");
    }
    Container::new("kafka").with_state(state)
}

fn world(leader: bool, peers: u32, with_cruise_control: bool) -> State {
    with_zookeeper(base_with(
        leader,
        cluster(peers),
        balancer_container(with_cruise_control),
    ))
    .config([("roles", "broker,balancer")])
}

fn balancer_password(out: &RunOutput) -> String {
    out.state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()["balancer-password"]
        .clone()
}

fn cc_status(out: &RunOutput) -> ServiceStatus {
    out.state
        .get_container("kafka")
        .unwrap()
        .state
        .service_status("cruise-control")
}

#[test]
fn a_balancer_without_brokers_needs_kraft_and_is_refused_naming_roles_otherwise() {
    // A balancer application of its own is fed over peer-cluster, KRaft only here (its
    // in-process tests are in charm_balancer_split.rs).
    reset();
    let state = base(true, 0).config([("metadata-mode", "zookeeper"), ("roles", "balancer")]);
    let out = run(TestEvent::config_changed(), state);
    let status = out.unit_status();
    assert_eq!(status.kind, StatusKind::Blocked, "{status}");
    assert!(status.message.starts_with("invalid config option 'roles'"), "{status}");
    assert!(status.message.contains("metadata-mode=kraft"), "{status}");
    for roles in ["balancer", "controller,balancer"] {
        reset();
        let state = base(true, 0).config([("metadata-mode", "kraft"), ("roles", roles)]);
        let out = run(TestEvent::config_changed(), state);
        assert!(
            !out.unit_status().message.contains("'roles'"),
            "{roles}: {}",
            out.unit_status()
        );
    }
    reset();
    let out = run(
        TestEvent::config_changed(),
        world(true, 0, true).config([("roles", "broker,nope")]),
    );
    assert!(
        out.unit_status().message.contains("unknown role \"nope\""),
        "{}",
        out.unit_status()
    );
}

#[test]
fn the_leader_runs_cruise_control_with_every_file_once_its_broker_runs() {
    reset();
    let out = run(TestEvent::config_changed(), world(true, 0, true));
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    assert_eq!(cc_status(&out), ServiceStatus::Active);

    let props = file(&out, "/etc/cruise-control/cruisecontrol.properties").unwrap();
    assert!(
        props.contains("bootstrap.servers=kafka-k8s-0.kafka-k8s-endpoints:19092\n"),
        "{props}"
    );
    let admin = out
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()["admin-password"]
        .clone();
    assert!(props.contains(&format!("username=\"admin\" password=\"{admin}\";")));
    assert!(props.contains("webserver.auth.credentials.file=/etc/cruise-control/cruisecontrol.credentials\n"));

    let credentials = file(&out, "/etc/cruise-control/cruisecontrol.credentials").unwrap();
    let password = balancer_password(&out);
    assert_eq!(password.len(), 32);
    assert_eq!(credentials, format!("balancer: {password},ADMIN\n"));

    let capacity: serde_json::Value =
        serde_json::from_str(&file(&out, "/etc/cruise-control/capacityJBOD.json").unwrap()).unwrap();
    let broker = &capacity["brokerCapacities"][0];
    assert_eq!(broker["brokerId"], "0");
    assert_eq!(broker["capacity"]["CPU"]["num.cores"], "4");
    // df's 10255636 KB are 10015 MB.
    assert_eq!(broker["capacity"]["DISK"]["/var/lib/kafka/data"], "10015");
    assert_eq!(broker["capacity"]["NW_IN"], "50000");
    assert!(peer_unit(&out)["balancer-capacity"].contains("\"cores\":4"));

    let server = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(server
        .contains("metric.reporters=com.linkedin.kafka.cruisecontrol.metricsreporter.CruiseControlMetricsReporter\n"));
    let kafka = &out.state.get_container("kafka").unwrap().state;
    let plan = kafka.plan().unwrap();
    let service = &plan.services["cruise-control"];
    assert_eq!(
        service.command.as_deref(),
        Some("/opt/cruise-control/bin/kafka-cruise-control-start.sh /etc/cruise-control/cruisecontrol.properties")
    );
    // No password in logs or statuses.
    assert!(!observable(&out).contains(&password));

    // A second run with nothing changed neither measures again nor restarts.
    let again = next(&out, TestEvent::update_status());
    let execs = again.state.get_container("kafka").unwrap().state.exec_calls.len();
    assert_eq!(execs, kafka.exec_calls.len(), "no new nproc/df");
    assert_eq!(cc_status(&again), ServiceStatus::Active);
    assert_eq!(
        again.state.get_container("kafka").unwrap().state.service_log,
        kafka.service_log,
        "no restart"
    );
}

#[test]
fn without_the_balancer_role_nothing_of_cruise_control_is_rendered() {
    reset();
    let out = run(
        TestEvent::config_changed(),
        world(true, 0, true).config([("roles", "broker")]),
    );
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    assert!(file(&out, "/etc/cruise-control/cruisecontrol.properties").is_none());
    assert!(!file(&out, "/etc/kafka/server.properties")
        .unwrap()
        .contains("metric.reporters"));
    assert!(out.state.get_container("kafka").unwrap().state.exec_calls.is_empty());
}

#[test]
fn an_image_without_cruise_control_blocks_and_other_units_wait_for_capacities() {
    reset();
    let out = run(TestEvent::config_changed(), world(true, 0, false));
    let status = out.unit_status();
    assert_eq!(status.kind, StatusKind::Blocked, "{status}");
    assert!(status.message.starts_with("Cruise Control not running:"), "{status}");
    assert!(status.message.contains(CC_START), "{status}");

    // A peer that has not reported its capacity yet.
    reset();
    let out = run(TestEvent::config_changed(), world(true, 1, true));
    assert_ne!(cc_status(&out), ServiceStatus::Active);
    assert!(file(&out, "/etc/cruise-control/cruisecontrol.properties").is_none());
    let status = out.unit_status();
    assert_eq!(status.kind, StatusKind::Waiting, "{status}");
    assert_eq!(status.message, "balancer: waiting for the capacity of unit(s) 1");
}

#[test]
fn a_unit_that_is_no_longer_the_leader_stops_cruise_control() {
    reset();
    let out = run(TestEvent::config_changed(), world(true, 0, true));
    assert_eq!(cc_status(&out), ServiceStatus::Active);
    let follower = run(TestEvent::update_status(), out.state.clone().leader(false));
    assert_ne!(cc_status(&follower), ServiceStatus::Active);
    // It still measures itself for the new leader.
    assert!(peer_unit(&follower).contains_key("balancer-capacity"));
}

fn failure(out: &RunOutput) -> String {
    out.action
        .as_ref()
        .and_then(|a| a.failed.clone())
        .expect("the action failed")
}

#[test]
fn rebalance_checks_role_leadership_and_parameters_before_calling_cruise_control() {
    reset();
    let out = run(TestEvent::config_changed(), world(true, 0, true));
    let cases: [(TestEvent, &str); 4] = [
        (
            TestEvent::action("rebalance")
                .param("mode", "full")
                .param("brokerid", 0),
            "only for the 'add' and 'remove' modes",
        ),
        (
            TestEvent::action("rebalance").param("mode", "add"),
            "needs the 'brokerid' parameter (one of 0)",
        ),
        (
            TestEvent::action("rebalance")
                .param("mode", "remove")
                .param("brokerid", 5),
            "invalid brokerid 5: the brokers are 0",
        ),
        (
            // Nothing listens on this machine's 9090 for Cruise Control: the request fails clearly.
            TestEvent::action("rebalance").param("mode", "full"),
            "Cruise Control",
        ),
    ];
    for (event, expected) in cases {
        let got = run(event, out.state.clone());
        let message = failure(&got);
        assert!(message.contains(expected), "{message}");
        assert!(!message.contains(&balancer_password(&out)));
    }

    let got = run(
        TestEvent::action("rebalance").param("mode", "full"),
        out.state.clone().leader(false),
    );
    assert!(failure(&got).contains("leader unit"), "{}", failure(&got));

    let plain = run(
        TestEvent::config_changed(),
        world(true, 0, true).config([("roles", "broker")]),
    );
    let got = run(
        TestEvent::action("rebalance").param("mode", "full"),
        plain.state.clone(),
    );
    assert!(failure(&got).contains("balancer role"), "{}", failure(&got));
}

#[test]
fn rebalance_refuses_an_unknown_mode() {
    reset();
    let out = run(TestEvent::config_changed(), world(true, 0, true));
    match ctx().run(
        TestEvent::action("rebalance").param("mode", "sideways"),
        out.state.clone(),
    ) {
        Ok(got) => assert!(got.action.as_ref().and_then(|a| a.failed.clone()).is_some()),
        Err(e) => assert!(
            e.to_string().contains("mode") || e.to_string().contains("sideways"),
            "{e}"
        ),
    }
}

#[test]
fn brokers_load_the_reporter_when_the_peer_cluster_application_runs_a_balancer() {
    use charm_testing::{Relation, Secret};
    for (remote_roles, expected) in [("controller,balancer", true), ("controller", false)] {
        reset();
        let orchestrator = Relation::new("peer-cluster-orchestrator")
            .interface("peer_cluster")
            .remote_app("kafka-controller");
        let controller_secret =
            Secret::new([("controller-password", "controller-pw-0123456789")]).granted_by(&orchestrator);
        let orchestrator = orchestrator.remote_app_data([
            ("roles", remote_roles.to_owned()),
            (
                "bootstrap-controller",
                "kafka-controller-0.kafka-controller-endpoints:9097".to_owned(),
            ),
            ("bootstrap-unit-id", "0".to_owned()),
            ("bootstrap-replica-id", "pbvuBlaTTwKRxS5NLJwRFQ".to_owned()),
            ("secret-controller", controller_secret.uri()),
        ]);
        let container = Container::new("kafka").with_state(
            ContainerState::connectable()
                .with_file(START_SCRIPT, "#!/bin/sh\n")
                .on_exec(["/opt/kafka/bin/kafka-storage.sh"], ExecOutput::ok("Formatting\n")),
        );
        let state = base_with(true, cluster(0), container)
            .config([("metadata-mode", "kraft"), ("roles", "broker")])
            .relation(orchestrator.clone())
            .secret(controller_secret);
        let out = run(TestEvent::relation_changed(&orchestrator), state);
        let props = file(&out, "/etc/kafka/server.properties").unwrap();
        assert_eq!(
            props.contains(
                "metric.reporters=com.linkedin.kafka.cruisecontrol.metricsreporter.CruiseControlMetricsReporter"
            ),
            expected,
            "{remote_roles}: {props}"
        );
        // This application has no balancer role: it runs no Cruise Control itself.
        assert!(file(&out, "/etc/cruise-control/cruisecontrol.properties").is_none());
    }
}

#[test]
fn prometheus_also_scrapes_cruise_controls_exporter_with_the_balancer_role() {
    use charm_interfaces::cos::testing as cos;
    for (roles, jobs) in [("broker,balancer", 2), ("broker", 1)] {
        reset();
        let prometheus = cos::prometheus_consumer("metrics-endpoint");
        let state = world(true, 0, true)
            .config([("roles", roles)])
            .relation(prometheus.clone());
        let out = run(TestEvent::relation_joined(&prometheus, 0), state);
        let published = cos::scrape_jobs(out.state.get_relation(&prometheus).unwrap()).unwrap();
        assert_eq!(published.len(), jobs, "{roles}");
        assert_eq!(published[0]["static_configs"][0]["targets"][0], "*:9101");
        if jobs == 2 {
            assert_eq!(published[1]["static_configs"][0]["targets"][0], "*:9102");
        }
    }
}

#[test]
fn every_brokers_capacity_goes_into_the_file_and_a_change_restarts_cruise_control() {
    use charm_testing::PeerRelation;
    let peer = |disk_mb: u64| {
        PeerRelation::new("cluster").id(PEER_ID).peer_data(
            1,
            [(
                "balancer-capacity",
                format!(r#"{{"cores":8,"disks_mb":{{"/var/lib/kafka/data":{disk_mb}}},"rack":"zone-b"}}"#),
            )],
        )
    };
    reset();
    let state =
        with_zookeeper(base_with(true, peer(20_000), balancer_container(true))).config([("roles", "broker,balancer")]);
    let out = run(TestEvent::config_changed(), state);
    assert_eq!(cc_status(&out), ServiceStatus::Active, "{}", out.unit_status());
    let capacity: serde_json::Value =
        serde_json::from_str(&file(&out, "/etc/cruise-control/capacityJBOD.json").unwrap()).unwrap();
    let ids: Vec<&str> = capacity["brokerCapacities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["brokerId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["0", "1"]);
    assert_eq!(
        capacity["brokerCapacities"][1]["capacity"]["DISK"]["/var/lib/kafka/data"],
        "20000"
    );
    assert_eq!(capacity["brokerCapacities"][1]["capacity"]["CPU"]["num.cores"], "8");
    let started = |out: &RunOutput| service_starts(out, "cruise-control");
    let before = started(&out);

    // Unit 1's volume grew: the file changes and Cruise Control restarts with it.
    let mut state = out.state.clone();
    state.peers.retain(|p| p.endpoint != "cluster");
    let mut relation = peer(40_000);
    relation.local_app_data = out.state.get_peer(&cluster(0)).unwrap().local_app_data.clone();
    relation.local_unit_data = out.state.get_peer(&cluster(0)).unwrap().local_unit_data.clone();
    let out = run(TestEvent::update_status(), state.peer(relation));
    let capacity = file(&out, "/etc/cruise-control/capacityJBOD.json").unwrap();
    assert!(capacity.contains("\"40000\""), "{capacity}");
    assert_eq!(started(&out), before + 1);
    assert_eq!(cc_status(&out), ServiceStatus::Active);
}

#[test]
fn a_ca_change_restarts_cruise_control_once_and_nothing_else_does() {
    use charm_interfaces::tls::{testing as tls_testing, CertificateAuthority};

    use charm_testing::Relation;
    use std::time::Duration;
    const DAY: Duration = Duration::from_secs(86_400);
    let cc_starts = |out: &RunOutput| service_starts(out, "cruise-control");
    let replace = |mut state: State, relation: &Relation| {
        state.relations.retain(|r| r.id != relation.id);
        state.relation(relation.clone())
    };
    reset();
    let out = run(TestEvent::config_changed(), world(true, 0, true));
    let certs = tls_testing::provider_relation("certificates");
    let out = run(TestEvent::relation_created(&certs), out.state.relation(certs.clone()));
    let asked = out.state.get_relation(&certs).unwrap().clone();
    let ca = CertificateAuthority::new_root("ca", 365 * DAY).unwrap();
    let answered = tls_testing::answer_requests(&asked, &ca, 30 * DAY).unwrap();
    let out = run(TestEvent::relation_changed(&answered), replace(out.state, &answered));
    let out = next(&out, TestEvent::update_status());
    assert_eq!(cc_status(&out), ServiceStatus::Active, "{}", out.unit_status());
    let cc_properties = file(&out, "/etc/cruise-control/cruisecontrol.properties").unwrap();
    assert!(
        cc_properties.contains("ssl.truststore.location=/etc/kafka/truststore.jks"),
        "{cc_properties}"
    );
    let before = cc_starts(&out);

    // Nothing changed: no restart.
    let steady = next(&out, TestEvent::update_status());
    assert_eq!(cc_starts(&steady), before, "no restart without a change");

    // The provider re-issues from another CA: same truststore path and password, new content.
    // The broker reloads its stores; Cruise Control cannot and restarts, once.
    let mut cleared = answered.clone();
    cleared.remote_app_data.clear();
    let ca2 = CertificateAuthority::new_root("ca-2", 365 * DAY).unwrap();
    let reissued = tls_testing::answer_requests(&cleared, &ca2, 30 * DAY).unwrap();
    let state = allow_reload(replace(steady.state.clone(), &reissued));
    let out = run(TestEvent::relation_changed(&reissued), state);
    assert_eq!(
        file(&out, "/etc/cruise-control/cruisecontrol.properties").unwrap(),
        cc_properties,
        "the rendered files are the same"
    );
    assert_eq!(cc_starts(&out), before + 1, "restarted for the new truststore");
    assert_eq!(cc_status(&out), ServiceStatus::Active);
    let again = next(&out, TestEvent::update_status());
    assert_eq!(cc_starts(&again), before + 1, "once");
}
