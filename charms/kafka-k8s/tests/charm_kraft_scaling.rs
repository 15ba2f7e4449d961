//! KRaft controller scaling 1 → 3 → 2 (and 3 → 1 with two departures at once), in-process,
//! unit by unit: the dynamic quorum
//! (KIP-853) as the charm drives it through Pebble exec, with the exact argv of every Kafka
//! tool run and the configuration rendered at each step pinned in
//! `tests/golden/kraft-scale/` (random values — cluster id, directory id drawn by the leader,
//! passwords, SCRAM salts — replaced by named placeholders).
//!
//! No Kafka runs here: the fake Pebble answers the tools. The argv are checked against the
//! flags Kafka 3.9 defines in `tests/kafka_tool_flags.rs`; Kafka's own behaviour (a voter
//! change refused while another one is pending, `DuplicateVoterException`,
//! `VoterNotFoundException`) is played by the fake answers below.
//! `UPDATE_GOLDEN=1 cargo test -p kafka-k8s --test charm_kraft_scaling` regenerates them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use charm_sdk::model::Databag;
use charm_sdk::pebble::{ExecOutput, ServiceStatus};
use charm_support::*;
use charm_testing::pebble::ContainerState;
use charm_testing::{Container, PeerRelation, RunOutput, Secret, State, Storage, TestEvent};

const QUORUM_TOOL: &str = "/opt/kafka/bin/kafka-metadata-quorum.sh";
const STORAGE_TOOL: &str = "/opt/kafka/bin/kafka-storage.sh";
const META: &str = "/var/lib/kafka/data/metadata/meta.properties";

/// Directory ids `kafka-storage.sh format --no-initial-controllers` would have drawn.
fn directory_of(unit: u32) -> String {
    format!("DiR{unit}aaaaaaaaaaaaaaaaaa")
}

/// One unit as the test keeps it between runs.
#[derive(Clone)]
struct Unit {
    bag: Databag,
    container: Container,
    unit_state: BTreeMap<String, String>,
}

/// The application: the peer app bag, the app's secrets, and its units.
struct World {
    app_bag: Databag,
    secrets: Vec<Secret>,
    units: BTreeMap<u32, Unit>,
    /// Every run's record, for the goldens.
    transcript: Vec<String>,
}

fn container(unit: u32) -> Container {
    let mut state = ContainerState::connectable()
        .with_file(START_SCRIPT, "#!/bin/sh\n")
        .on_exec([STORAGE_TOOL], ExecOutput::ok("Formatting metadata directory\n"))
        .on_exec([QUORUM_TOOL], ExecOutput::ok(""));
    if unit != 0 {
        // What `format` writes (MetaProperties.toProperties in Kafka 3.9), as if it had run.
        state = state.with_file(
            META,
            format!(
                "#\n#Sun Nov 22 10:00:00 UTC 2026\nnode.id={}\ndirectory.id={}\nversion=1\ncluster.id=x\n",
                100 + unit,
                directory_of(unit)
            ),
        );
    }
    Container::new("kafka").with_state(state)
}

impl World {
    fn new() -> World {
        World {
            app_bag: Databag::new(),
            secrets: Vec::new(),
            units: BTreeMap::new(),
            transcript: Vec::new(),
        }
    }

    fn add_unit(&mut self, n: u32) {
        self.units.insert(
            n,
            Unit {
                bag: Databag::new(),
                container: container(n),
                unit_state: BTreeMap::new(),
            },
        );
    }

    /// Makes the next quorum command of unit `n` answer `output`.
    fn answer(&mut self, n: u32, output: ExecOutput) {
        let unit = self.units.get_mut(&n).unwrap();
        unit.container.state = unit.container.state.clone().on_exec([QUORUM_TOOL], output);
    }

    fn state_for(&self, n: u32) -> State {
        let me = &self.units[&n];
        let mut peers = PeerRelation::new("cluster")
            .id(PEER_ID)
            .local_app_data(self.app_bag.clone())
            .local_unit_data(me.bag.clone());
        for (m, unit) in &self.units {
            if *m != n {
                peers = peers.peer_data(*m, unit.bag.clone());
            }
        }
        let mut state = State::default()
            .leader(n == 0)
            .unit_number(n)
            .config([("metadata-mode", "kraft"), ("roles", "broker,controller")])
            .peer(peers)
            .container(me.container.clone())
            .storage(Storage::new("data").location("/var/lib/kafka/data"));
        state.secrets = self.secrets.clone();
        state.unit_state = me.unit_state.clone();
        state
    }

    /// Runs `event` on unit `n` and keeps what it changed; records the run.
    fn run(&mut self, n: u32, event: TestEvent, title: &str) -> RunOutput {
        let calls_before = self.units[&n].container.state.exec_calls.len();
        let out = run(event, self.state_for(n));
        let peer = out.state.get_peer(&cluster(0)).unwrap();
        self.app_bag = peer.local_app_data.clone();
        let unit = self.units.get_mut(&n).unwrap();
        unit.bag = peer.local_unit_data.clone();
        unit.container = out.state.get_container("kafka").unwrap().clone();
        unit.unit_state = out.state.unit_state.clone();
        self.secrets = out.state.secrets.clone();
        let commands: Vec<Vec<String>> = unit.container.state.exec_calls[calls_before..]
            .iter()
            .map(|c| c.command.clone())
            .collect();
        let record = self.record(n, title, &out, &commands);
        self.transcript.push(record);
        out
    }

    /// The run as text, random values replaced by placeholders.
    fn record(&self, n: u32, title: &str, out: &RunOutput, commands: &[Vec<String>]) -> String {
        let mut text = format!("## kafka-k8s/{n}: {title}\nstatus: {}\n", out.unit_status());
        text.push_str("exec:\n");
        for argv in commands {
            let shown: Vec<String> = argv
                .iter()
                .map(|a| match a.split_once(",salt=") {
                    Some((head, _)) => format!("{head},salt=<salt>,saltedpassword=<salted>,iterations=4096]"),
                    None => a.clone(),
                })
                .collect();
            text.push_str(&format!("  {}\n", shown.join(" ")));
        }
        let mut bag: Vec<String> = self.units[&n]
            .bag
            .iter()
            .filter(|(k, _)| ["directory-id", "added-to-quorum", "state"].contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        bag.sort();
        text.push_str(&format!("unit bag: {}\n", bag.join(" ")));
        let app: Vec<String> = self
            .app_bag
            .iter()
            .filter(|(k, _)| k.starts_with("bootstrap-") || *k == "kraft-voters")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        text.push_str(&format!("app bag: {}\n", app.join(" ")));
        let props = self.units[&n]
            .container
            .state
            .file_text("/etc/kafka/server.properties")
            .unwrap_or_default();
        check_keys(&props);
        text.push_str("server.properties:\n");
        for line in props.lines() {
            text.push_str(&format!("  {line}\n"));
        }
        self.normalise(&text)
    }

    fn normalise(&self, text: &str) -> String {
        let mut text = text.to_owned();
        if let Some(id) = self.app_bag.get("cluster-uuid") {
            text = text.replace(id.as_str(), "<cluster-id>");
        }
        if let Some(id) = self.app_bag.get("bootstrap-replica-id") {
            text = text.replace(id.as_str(), "<bootstrap-directory-id>");
        }
        if let Some(secret) = self
            .secrets
            .iter()
            .find(|s| s.label.as_deref() == Some("cluster.kafka-k8s.app"))
        {
            for (key, value) in secret.newest_content() {
                text = text.replace(value.as_str(), &format!("<{key}>"));
            }
        }
        text
    }

    fn quorum_calls(&self, n: u32) -> Vec<Vec<String>> {
        self.units[&n]
            .container
            .state
            .exec_calls
            .iter()
            .map(|c| c.command.clone())
            .filter(|c| c[0] == QUORUM_TOOL)
            .collect()
    }
}

/// Every key is a Kafka 3.9 broker config key (`testdata/kafka-3.9.0-broker-config-keys.txt`;
/// listener-scoped keys are `config_keys.rs`'s business; the authorizer reads the other two).
#[track_caller]
fn check_keys(props: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kafka-3.9.0-broker-config-keys.txt");
    let known: std::collections::BTreeSet<String> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for (key, _) in kafka_k8s::workload::properties::parse(props) {
        if key.starts_with("listener.name.")
            || ["super.users", "allow.everyone.if.no.acl.found"].contains(&key.as_str())
        {
            continue;
        }
        assert!(known.contains(&key), "{key} is not a Kafka 3.9 broker config");
    }
}

#[track_caller]
fn check_golden(name: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", "kraft-scale", name]
        .iter()
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(actual, expected, "{name} differs from {}", path.display());
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn controllers_scale_one_to_three_to_two() {
    reset();
    let mut world = World::new();

    // ---- 1 unit: the leader bootstraps the quorum from itself.
    world.add_unit(0);
    let out = world.run(0, TestEvent::config_changed(), "deployed alone (leader)");
    assert_eq!(
        out.unit_status().kind,
        charm_sdk::model::StatusKind::Active,
        "{}",
        out.unit_status()
    );
    let dir0 = world.app_bag["bootstrap-replica-id"].clone();
    assert_eq!(
        world.app_bag["bootstrap-controller"],
        "kafka-k8s-0.kafka-k8s-endpoints:9097"
    );
    assert_eq!(world.app_bag["bootstrap-unit-id"], "100");
    assert!(
        world.quorum_calls(0).is_empty(),
        "the bootstrap controller is a voter by its format"
    );
    assert_eq!(world.units[&0].bag["directory-id"], dir0);
    check_golden("1-unit.txt", &world.transcript.join("\n"));

    // ---- 3 units: units 1 and 2 format without initial controllers and join one at a time.
    world.transcript.clear();
    world.add_unit(1);
    world.add_unit(2);
    // Kafka refuses to add a voter that has not caught up yet.
    world.answer(
        1,
        ExecOutput {
            exit_code: 1,
            stdout: Vec::new(),
            stderr: b"org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment\n"
                .to_vec(),
        },
    );
    let out = world.run(1, TestEvent::config_changed(), "scaled to 3: first run (add refused)");
    assert_eq!(
        out.unit_status().message,
        "waiting to join the controller quorum: kafka-metadata-quorum.sh exited with 1: \
         org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment"
    );
    let out = world.run(2, TestEvent::config_changed(), "scaled to 3: first run");
    assert_eq!(
        out.unit_status().message,
        "waiting for kafka-k8s/1 to join the controller quorum first"
    );
    assert!(world.quorum_calls(2).is_empty(), "one voter change at a time");
    world.answer(1, ExecOutput::ok("Added controller 101 with directory id ...\n"));
    world.run(1, TestEvent::update_status(), "update-status: joins");
    world.run(2, TestEvent::update_status(), "update-status: joins");
    world.run(
        0,
        TestEvent::update_status(),
        "leader update-status: records the voters",
    );
    let add = strings(&[
        QUORUM_TOOL,
        "--bootstrap-controller",
        "kafka-k8s-0.kafka-k8s-endpoints:9097",
        "--command-config",
        "/etc/kafka/kraft-client.properties",
        "add-controller",
    ]);
    assert_eq!(world.quorum_calls(1), vec![add.clone(), add.clone()]);
    assert_eq!(world.quorum_calls(2), vec![add]);
    for n in [1, 2] {
        assert_eq!(world.units[&n].bag["added-to-quorum"], "true");
        let format = world.units[&n]
            .container
            .state
            .exec_calls
            .iter()
            .find(|c| c.command[0] == STORAGE_TOOL)
            .unwrap()
            .command
            .clone();
        assert!(format.contains(&"--no-initial-controllers".to_owned()), "{format:?}");
        assert!(!format.contains(&"--feature".to_owned()), "{format:?}");
        // add-controller reads the node's identity and login from this file.
        let client = world.units[&n]
            .container
            .state
            .file_text("/etc/kafka/kraft-client.properties")
            .unwrap();
        assert!(client.contains(&format!("node.id={}\n", 100 + n)), "{client}");
        assert!(client.contains("security.protocol=SASL_PLAINTEXT\n"), "{client}");
        assert!(client.contains("username=\"controller\""), "{client}");
        let file = &world.units[&n].container.state.files["/etc/kafka/kraft-client.properties"];
        assert_eq!(file.permissions, 0o600);
    }
    assert_eq!(
        world.app_bag["kraft-voters"],
        format!(
            r#"{{"0":"{dir0}","1":"{}","2":"{}"}}"#,
            directory_of(1),
            directory_of(2)
        )
    );
    check_golden("2-scale-to-3.txt", &world.transcript.join("\n"));

    // ---- 2 units: unit 2 leaves the voters in its own cluster-relation-departed, then stops.
    world.transcript.clear();
    let peers = cluster(0);
    let out = world.run(
        2,
        TestEvent::relation_departed(&peers, 0).departing_self(),
        "cluster-relation-departed (departing itself)",
    );
    assert_eq!(out.unit_status().message, "left the controller quorum; unit departing");
    let kafka = &world.units[&2].container.state;
    assert_eq!(
        kafka.service_status("kafka"),
        ServiceStatus::Inactive,
        "stopped once removed"
    );
    assert_eq!(
        world.quorum_calls(2).last().unwrap(),
        &strings(&[
            QUORUM_TOOL,
            "--bootstrap-controller",
            "kafka-k8s-0.kafka-k8s-endpoints:9097,kafka-k8s-1.kafka-k8s-endpoints:9097",
            "--command-config",
            "/etc/kafka/kraft-client.properties",
            "remove-controller",
            "--controller-id",
            "102",
            "--controller-directory-id",
            &directory_of(2),
        ])
    );
    // The leader sees unit 2 depart; it still exists (dying), so the leader leaves it be.
    let leader_calls = world.quorum_calls(0).len();
    world.run(
        0,
        TestEvent::relation_departed(&peers, 2),
        "cluster-relation-departed (kafka-k8s/2)",
    );
    assert_eq!(world.quorum_calls(0).len(), leader_calls);
    // Once the unit is gone, the leader's record still lists it: the idempotent removal.
    world.units.remove(&2);
    world.answer(
        0,
        ExecOutput {
            exit_code: 1,
            stdout: Vec::new(),
            stderr: b"org.apache.kafka.common.errors.VoterNotFoundException: voter 102 not found\n".to_vec(),
        },
    );
    world.run(0, TestEvent::update_status(), "leader update-status: kafka-k8s/2 gone");
    assert_eq!(
        world.app_bag["kraft-voters"],
        format!(r#"{{"0":"{dir0}","1":"{}"}}"#, directory_of(1))
    );
    world.run(1, TestEvent::update_status(), "update-status");
    assert_eq!(
        world.units[&1].bag["added-to-quorum"], "true",
        "the remaining voter is untouched"
    );
    check_golden("3-scale-to-2.txt", &world.transcript.join("\n"));
}

#[test]
fn the_bootstrap_controller_is_the_lowest_planned_unit_not_the_leader() {
    reset();
    // Unit 1 leads; unit 0 exists: the quorum bootstraps from unit 0.
    let peers = PeerRelation::new("cluster")
        .id(PEER_ID)
        .peer_data(0, [] as [(&str, &str); 0]);
    let state = State::default()
        .leader(true)
        .unit_number(1)
        .config([("metadata-mode", "kraft"), ("roles", "controller")])
        .peer(peers)
        .container(container(1))
        .storage(Storage::new("data").location("/var/lib/kafka/data"));
    let out = run(TestEvent::config_changed(), state);
    let app = peer_app(&out);
    assert_eq!(app["bootstrap-controller"], "kafka-k8s-0.kafka-k8s-endpoints:9097");
    assert_eq!(app["bootstrap-unit-id"], "0");
}

/// Units 0, 1, 2, all voters and running.
fn three_voters() -> World {
    let mut world = World::new();
    world.add_unit(0);
    world.run(0, TestEvent::config_changed(), "deployed alone (leader)");
    world.add_unit(1);
    world.add_unit(2);
    world.run(1, TestEvent::config_changed(), "unit 1 joins");
    world.run(2, TestEvent::config_changed(), "unit 2 joins");
    world.run(0, TestEvent::update_status(), "leader records the voters");
    for n in [1, 2] {
        assert_eq!(world.units[&n].bag["added-to-quorum"], "true");
    }
    world
}

/// The voters (the bootstrap unit 0 and every unit whose bag says `added-to-quorum`) and
/// how many of them run; panics when a majority of them is stopped.
#[track_caller]
fn assert_majority_runs(world: &World, when: &str) {
    let voters: Vec<u32> = world
        .units
        .iter()
        .filter(|(n, u)| **n == 0 || u.bag.get("added-to-quorum").is_some_and(|v| v == "true"))
        .map(|(n, _)| *n)
        .collect();
    let running = voters
        .iter()
        .filter(|n| world.units[n].container.state.service_status("kafka") == ServiceStatus::Active)
        .count();
    assert!(
        running * 2 > voters.len(),
        "{when}: only {running} of the voters {voters:?} run"
    );
}

fn remove_argv(bootstrap: &str, unit: u32) -> Vec<String> {
    strings(&[
        QUORUM_TOOL,
        "--bootstrap-controller",
        bootstrap,
        "--command-config",
        "/etc/kafka/kraft-client.properties",
        "remove-controller",
        "--controller-id",
        &(100 + unit).to_string(),
        "--controller-directory-id",
        &directory_of(unit),
    ])
}

#[test]
fn two_departing_controllers_leave_one_at_a_time_and_keep_a_majority_running() {
    reset();
    let mut world = three_voters();
    let before: BTreeMap<u32, usize> = [1, 2].iter().map(|n| (*n, world.quorum_calls(*n).len())).collect();
    let peers = cluster(0);
    // 3 → 1: unit 2 goes first; Kafka refuses its first removal (no leader yet).
    world.answer(
        2,
        ExecOutput {
            exit_code: 1,
            stdout: Vec::new(),
            stderr: b"org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment\n"
                .to_vec(),
        },
    );
    let out = world.run(
        2,
        TestEvent::relation_departed(&peers, 0).departing_self(),
        "unit 2 departs",
    );
    assert_eq!(
        out.unit_status().kind,
        charm_sdk::model::StatusKind::Waiting,
        "{}",
        out.unit_status()
    );
    assert!(
        out.unit_status()
            .message
            .contains("waiting to leave the controller quorum"),
        "{}",
        out.unit_status()
    );
    assert_eq!(world.units[&2].bag["leaving-quorum"], "true");
    assert_eq!(
        world.units[&2].container.state.service_status("kafka"),
        ServiceStatus::Active,
        "not stopped while still a voter"
    );
    assert_majority_runs(&world, "after unit 2's failed removal");

    // Unit 1 departs meanwhile: unit 2 announced itself and is still a voter, so unit 1 waits.
    let out = world.run(
        1,
        TestEvent::relation_departed(&peers, 0).departing_self(),
        "unit 1 departs",
    );
    assert_eq!(
        out.unit_status().message,
        "waiting for kafka-k8s/2 to leave the controller quorum first"
    );
    assert_eq!(
        world.quorum_calls(1).len(),
        before[&1],
        "no voter change from unit 1 yet"
    );
    assert_eq!(
        world.units[&1].container.state.service_status("kafka"),
        ServiceStatus::Active
    );
    assert_majority_runs(&world, "while unit 1 waits");

    // Unit 2's next hook: the removal succeeds, then (only then) its service stops.
    world.answer(2, ExecOutput::ok("Removed controller 102\n"));
    let out = world.run(
        2,
        TestEvent::relation_departed(&peers, 1).departing_self(),
        "unit 2 retries",
    );
    assert_eq!(out.unit_status().message, "left the controller quorum; unit departing");
    assert_eq!(world.units[&2].bag.get("added-to-quorum"), None, "no voter any more");
    assert_eq!(
        world.units[&2].container.state.service_status("kafka"),
        ServiceStatus::Inactive
    );
    assert_majority_runs(&world, "after unit 2 left");

    // Unit 1's next hook: its turn, through the one voter that stays.
    let out = world.run(
        1,
        TestEvent::relation_departed(&peers, 2).departing_self(),
        "unit 1 retries",
    );
    assert_eq!(out.unit_status().message, "left the controller quorum; unit departing");
    assert_eq!(
        world.units[&1].container.state.service_status("kafka"),
        ServiceStatus::Inactive
    );
    assert_majority_runs(&world, "after unit 1 left");

    let two_and_one = "kafka-k8s-0.kafka-k8s-endpoints:9097,kafka-k8s-1.kafka-k8s-endpoints:9097";
    assert_eq!(
        world.quorum_calls(2)[before[&2]..],
        [remove_argv(two_and_one, 2), remove_argv(two_and_one, 2)]
    );
    assert_eq!(
        world.quorum_calls(1)[before[&1]..],
        [remove_argv("kafka-k8s-0.kafka-k8s-endpoints:9097", 1)]
    );
    assert_eq!(
        world.units[&0].container.state.service_status("kafka"),
        ServiceStatus::Active
    );
}
