//! kafka-k8s ↔ rocks/charmed-kafka ↔ the local model's `charmed-kafka` profile.
//!
//! The charm's side is read from what the crate exposes: its Pebble layer, rendered from the
//! inputs a ZooKeeper-mode broker gets in production (`assemble`'s JAVA_HOME and Kafka line,
//! the JMX exporter on), and the path, user and port constants of `workload`. The rock's side
//! is its rockcraft.yaml, including the `require` lines the build checks against the image.

use std::collections::{BTreeMap, BTreeSet};

use juju_model::meta::CharmMeta;
use kafka_k8s::assemble;
use kafka_k8s::config::Roles;
use kafka_k8s::literals;
use kafka_k8s::workload::env::WORKLOAD_USER;
use kafka_k8s::workload::paths as kp;
use kafka_k8s::workload::server::{OAUTH_PRINCIPAL_BUILDER, OAUTH_VALIDATOR};
use kafka_k8s::workload::{
    kafka_layer, AuthMap, BrokerInputs, ClientAccess, Credential, Heap, InternalUsers, KafkaLine, Metadata, Proxy,
    Secret, ZooKeeperConnection,
};
use local_model::profiles::profile_for;
use rocks_agree::agree::{rock_problems, CharmSide};
use rocks_agree::profile::profile_gaps;
use rocks_agree::repo;
use rocks_agree::rock::Rock;

const ROCK: &str = "charmed-kafka";

fn meta() -> CharmMeta {
    let text = repo::read(&repo::charmcraft_yaml("kafka-k8s")).unwrap_or_else(|e| panic!("{e}"));
    CharmMeta::from_charmcraft_yaml(&text).unwrap_or_else(|e| panic!("charmcraft.yaml: {e}"))
}

fn rock() -> Rock {
    Rock::load(ROCK).unwrap_or_else(|e| panic!("{e}"))
}

/// A ZooKeeper-mode broker as `assemble::inputs` builds it (ZooKeeper mode mentions the most
/// files: the ZooKeeper JAAS file on top of the rest).
fn inputs() -> BrokerInputs {
    let config = serde_json::from_value(serde_json::Value::Object(meta().config_defaults()))
        .unwrap_or_else(|e| panic!("charmcraft.yaml defaults do not make a Config: {e}"));
    BrokerInputs {
        unit_id: 0,
        advertised_host: "kafka-k8s-0.kafka-k8s-endpoints".to_owned(),
        bind_address: "0.0.0.0".to_owned(),
        roles: Roles {
            broker: true,
            controller: false,
            balancer: false,
        },
        kafka: assemble::KAFKA_LINE,
        kafka_version: assemble::KAFKA_VERSION.to_owned(),
        metadata: Metadata::ZooKeeper(ZooKeeperConnection {
            endpoints: vec!["zookeeper-k8s-0.zookeeper-k8s-endpoints:2181".to_owned()],
            chroot: "/kafka-k8s".to_owned(),
            username: "relation-1".to_owned(),
            password: Secret::new("zk-password"),
            tls: false,
        }),
        clients: ClientAccess::default(),
        tls: None,
        peer_tls: None,
        extra_listeners: Vec::new(),
        external: None,
        planned_units: 3,
        config,
        users: InternalUsers {
            inter_broker: Credential::new(literals::SYNC_USER, "sync-password"),
            admin: Credential::new(literals::ADMIN_USER, "admin-password"),
            controller: None,
        },
        admin_clients: BTreeSet::new(),
        data_dirs: vec![kp::DATA_DIR.to_owned()],
        rack: None,
        heap: Heap::for_profile("production"),
        proxy: Proxy::default(),
        jmx_exporter: true,
        java_home: assemble::JAVA_HOME.map(str::to_owned),
        balancer: false,
    }
}

fn charm() -> CharmSide {
    let dirs: Vec<String> = [kp::CONF_DIR, kp::LOG_DIR, kp::DATA_DIR].map(str::to_owned).to_vec();
    let maps = [
        AuthMap::SASL_PLAINTEXT_SCRAM,
        AuthMap::SASL_SSL_SCRAM,
        AuthMap::SSL,
        AuthMap::SASL_PLAINTEXT_OAUTH,
        AuthMap::SASL_SSL_OAUTH,
    ];
    let mut ports: Vec<u16> = maps
        .iter()
        .flat_map(|m| {
            let p = m.ports();
            [p.client, p.internal, p.external, p.controller]
        })
        .collect();
    ports.push(kp::JMX_EXPORTER_PORT);
    CharmSide {
        charm: "kafka-k8s".to_owned(),
        layer: kafka_layer(&inputs()),
        service: literals::SERVICE.to_owned(),
        user: WORKLOAD_USER.to_owned(),
        group: WORKLOAD_USER.to_owned(),
        executes: vec![
            kp::SERVER_START.to_owned(),
            kp::STORAGE_TOOL.to_owned(),
            kp::METADATA_QUORUM_TOOL.to_owned(),
        ],
        ships: vec![kp::JMX_EXPORTER_AGENT.to_owned()],
        // The charm enables the agent only when the image has it (`broker::has_jmx_exporter`).
        optional: vec![kp::JMX_EXPORTER_AGENT.to_owned()],
        writes: [
            kp::SERVER_PROPERTIES,
            kp::CLIENT_PROPERTIES,
            kp::ZK_JAAS,
            kp::LOG4J_PROPERTIES,
            kp::LOG4J2_YAML,
            kp::TOOLS_LOG4J_PROPERTIES,
            kp::TOOLS_LOG4J2_YAML,
            kp::KEYSTORE,
            kp::TRUSTSTORE,
            kp::PEER_KEYSTORE,
            kp::PEER_TRUSTSTORE,
            kp::JMX_EXPORTER_CONFIG,
            kp::KRAFT_CLIENT_PROPERTIES,
            kp::AUTHORIZER_LOG,
            assemble::RACK_PROPERTIES,
            kafka_k8s::store::kraft::SCRAM_CONFIG_FILE,
        ]
        .map(str::to_owned)
        .to_vec(),
        dirs,
        storage: meta().storage.values().filter_map(|s| s.location.clone()).collect(),
        ports,
    }
}

#[test]
fn the_charms_layer_is_valid() {
    charm()
        .layer
        .validate(literals::CONTAINER)
        .unwrap_or_else(|e| panic!("layer: {e}"));
}

#[test]
fn the_rock_has_everything_the_charm_uses() {
    let problems = rock_problems(&rock(), &charm());
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_rock_runs_the_kafka_line_the_charm_renders_for() {
    let rock = rock();
    let major_minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
    assert_eq!(
        major_minor(assemble::KAFKA_VERSION),
        major_minor(&rock.version),
        "kafka-k8s assemble::KAFKA_VERSION vs rocks/{ROCK} version"
    );
    let line = if rock.version.starts_with("3.") {
        KafkaLine::V3_9
    } else {
        KafkaLine::V4
    };
    assert_eq!(
        assemble::KAFKA_LINE,
        line,
        "the charm renders for {:?}",
        assemble::KAFKA_LINE
    );
    let contract = rock.contract().unwrap_or_else(|e| panic!("{e}"));
    let jar = format!("{}/libs/kafka_2.13-{}.jar", kp::BIN_DIR, rock.version);
    assert!(
        contract.get(&jar).is_some(),
        "charm-contract should require {jar} (rock version {})",
        rock.version
    );
}

#[test]
fn the_rock_ships_the_oauth_classes_the_charm_configures() {
    let contract = rock().contract().unwrap_or_else(|e| panic!("{e}"));
    let libs = format!("{}/libs/", kp::BIN_DIR);
    for class in [OAUTH_VALIDATOR, OAUTH_PRINCIPAL_BUILDER] {
        assert!(
            class.starts_with("io.strimzi.kafka.oauth.server."),
            "{class}: which jar holds it?"
        );
    }
    let shipped = contract
        .requirements
        .iter()
        .any(|r| r.path.starts_with(&format!("{libs}kafka-oauth-server-")) && r.path.ends_with(".jar"));
    assert!(
        shipped,
        "the charm configures Strimzi's OAuth classes; charm-contract requires no kafka-oauth-server jar"
    );
}

#[test]
fn the_rock_serves_the_charms_platforms() {
    let rock = rock();
    let charmcraft: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&repo::read(&repo::charmcraft_yaml("kafka-k8s")).unwrap_or_default())
            .unwrap_or_default();
    for platform in charmcraft["platforms"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str())
    {
        assert!(
            rock.platforms.contains_key(platform),
            "the charm runs on {platform}; the rock is not built for it"
        );
    }
}

/// Gaps the local model has today, each with the reason; the test fails when one closes (drop
/// it here) or a new one opens.
fn known_gaps() -> BTreeMap<String, &'static str> {
    let no_kafka = "no Apache Kafka distribution can be installed on the machines the local model runs on \
                    (local-components.md §3): the profile's /opt/kafka is empty by design";
    BTreeMap::from([
        (kp::SERVER_START.to_owned(), no_kafka),
        (kp::STORAGE_TOOL.to_owned(), no_kafka),
        (kp::METADATA_QUORUM_TOOL.to_owned(), no_kafka),
        (
            "env LOG_DIR".to_owned(),
            "the profile predates the rock's LOG_DIR; the charm's layer sets it for the broker itself",
        ),
    ])
}

#[test]
fn the_local_model_profile_stands_in_for_the_rock() {
    let rock = rock();
    let meta = meta();
    let resource = meta.containers[literals::CONTAINER]
        .resource
        .clone()
        .unwrap_or_default();
    let upstream = meta.resources[&resource].upstream_source.clone().unwrap_or_default();
    for name in [ROCK, resource.as_str(), upstream.as_str()] {
        let profile = profile_for(name).unwrap_or_else(|| panic!("no host profile for {name:?}"));
        assert_eq!(profile.rock, rock.name, "{name:?} selects the wrong profile");
    }
    let profile = profile_for(ROCK).unwrap_or_default();
    let gaps = profile_gaps(&profile, &rock, &charm()).unwrap_or_else(|e| panic!("{e}"));
    let known = known_gaps();
    assert_eq!(
        gaps.keys().collect::<Vec<_>>(),
        known.keys().collect::<Vec<_>>(),
        "\nprofile gaps now: {gaps:#?}\nknown: {known:#?}"
    );
}

/// The balancer role's side: Cruise Control's Pebble layer (rendered as a balancer unit gets
/// it, JMX exporter on) and the files it writes, against the same rock.
fn balancer() -> CharmSide {
    use kafka_k8s::balancer::render as cc;
    use kafka_k8s::balancer::{balancer_layer, BalancerInputs};
    let inputs = BalancerInputs {
        bootstrap_servers: vec!["kafka-k8s-0.kafka-k8s-endpoints:19092".to_owned()],
        admin: Credential::new(literals::ADMIN_USER, "admin-password"),
        auth: AuthMap::SASL_PLAINTEXT_SCRAM,
        truststore: None,
        webserver_user: Credential::new(literals::BALANCER_USER, "balancer-password"),
        capacities: Vec::new(),
        network_bandwidth_kb: 50_000,
        balance_threshold: 1.1,
        capacity_threshold: 0.8,
        testing: false,
        racks: 0,
        jmx_exporter: true,
        java_home: assemble::JAVA_HOME.map(str::to_owned),
    };
    CharmSide {
        charm: "kafka-k8s (balancer)".to_owned(),
        layer: balancer_layer(&inputs),
        service: cc::CC_SERVICE.to_owned(),
        user: WORKLOAD_USER.to_owned(),
        group: WORKLOAD_USER.to_owned(),
        executes: vec![cc::CC_START.to_owned()],
        ships: vec![kp::JMX_EXPORTER_AGENT.to_owned(), cc::CC_JMX_CONFIG.to_owned()],
        optional: vec![kp::JMX_EXPORTER_AGENT.to_owned()],
        writes: [cc::CC_PROPERTIES, cc::CC_CAPACITY, cc::CC_CREDENTIALS]
            .map(str::to_owned)
            .to_vec(),
        dirs: [cc::CC_CONF_DIR, cc::CC_LOG_DIR].map(str::to_owned).to_vec(),
        storage: Vec::new(),
        ports: vec![cc::CC_WEBSERVER_PORT, cc::CC_JMX_EXPORTER_PORT],
    }
}

#[test]
fn the_rock_has_cruise_control_where_the_balancer_runs_it() {
    let side = balancer();
    side.layer
        .validate(literals::CONTAINER)
        .unwrap_or_else(|e| panic!("balancer layer: {e}"));
    // The layer gives Cruise Control its own LOG_DIR over the image's (Kafka's): a deliberate
    // per-service override, the one environment difference allowed.
    let log_dir = format!("LOG_DIR is {:?} in the layer", kafka_k8s::balancer::render::CC_LOG_DIR);
    let problems: Vec<String> = rock_problems(&rock(), &side)
        .into_iter()
        .filter(|p| !p.contains(&log_dir))
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_rock_ships_the_cruise_control_version_the_charm_is_checked_against() {
    // The charm's key lists are named after the Cruise Control release they were extracted from.
    let testdata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../charms/kafka-k8s/testdata");
    let version = std::fs::read_dir(&testdata)
        .unwrap_or_else(|e| panic!("{}: {e}", testdata.display()))
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("cruise-control-")?
                .strip_suffix("-config-keys.txt")
                .map(str::to_owned)
        })
        .next()
        .expect("a cruise-control-<version>-config-keys.txt");
    let contract = rock().contract().unwrap_or_else(|e| panic!("{e}"));
    let cc_jars = [
        format!("/opt/cruise-control/cruise-control/build/libs/cruise-control-{version}.jar"),
        format!(
            "/opt/cruise-control/cruise-control-metrics-reporter/build/libs/cruise-control-metrics-reporter-{version}.jar"
        ),
    ];
    for jar in &cc_jars {
        assert!(contract.get(jar).is_some(), "charm-contract should require {jar}");
    }
    // The brokers load the metrics reporter class from Kafka's own libs.
    assert!(
        kafka_k8s::workload::server::CRUISE_CONTROL_METRICS_REPORTER
            .starts_with("com.linkedin.kafka.cruisecontrol.metricsreporter."),
        "which jar holds the metrics reporter?"
    );
    let reporter = format!("{}/libs/cruise-control-metrics-reporter-{version}.jar", kp::BIN_DIR);
    assert!(
        contract.get(&reporter).is_some(),
        "charm-contract should require {reporter}"
    );
    // The part builds the commit the key lists were extracted from (testdata/README.md).
    let readme = std::fs::read_to_string(testdata.join("README.md")).unwrap_or_default();
    let part = &rock().parts["cruise-control"];
    let commit = part.source_commit.as_deref().expect("cruise-control source-commit");
    assert!(
        readme.contains(&format!("tag `{version}` (commit `{commit}`")),
        "the cruise-control part builds {commit}, which testdata/README.md does not give as tag {version}"
    );
}
