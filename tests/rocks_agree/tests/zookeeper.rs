//! zookeeper-k8s ↔ rocks/charmed-zookeeper ↔ the local model's `charmed-zookeeper` profile.
//!
//! The charm's side is read from what the crate exposes: its Pebble layer (rendered with the
//! JMX exporter on, so every flag appears), `zoo.cfg`, and the path, user and port constants
//! of `literals`. The rock's side is its rockcraft.yaml, including the `require` lines the
//! build checks against the primed image.

use std::collections::BTreeMap;

use juju_model::meta::CharmMeta;
use local_model::profiles::profile_for;
use rocks_agree::agree::{rock_problems, CharmSide};
use rocks_agree::profile::profile_gaps;
use rocks_agree::repo;
use rocks_agree::rock::Rock;
use zookeeper_k8s::literals as zk;
use zookeeper_k8s::render::{self, Bind, Encryption, ZooCfg};

const ROCK: &str = "charmed-zookeeper";

fn meta() -> CharmMeta {
    let text = repo::read(&repo::charmcraft_yaml("zookeeper-k8s")).unwrap_or_else(|e| panic!("{e}"));
    CharmMeta::from_charmcraft_yaml(&text).unwrap_or_else(|e| panic!("charmcraft.yaml: {e}"))
}

fn rock() -> Rock {
    Rock::load(ROCK).unwrap_or_else(|e| panic!("{e}"))
}

/// The charm's `zoo.cfg` for a plain ensemble.
fn zoo_cfg() -> String {
    render::zoo_cfg(&ZooCfg {
        init_limit: 5,
        sync_limit: 2,
        tick_time: 2000,
        dynamic_config_file: zk::DYNAMIC_CFG.to_owned(),
        bind: Bind::All,
        encryption: Encryption::default(),
    })
}

fn charm(rock: &Rock) -> CharmSide {
    let bind = Bind::All;
    let mut ships = vec![zk::JMX_AGENT.to_owned()];
    // zoo.cfg names ZooKeeper's Prometheus provider; its jar is part of the binary release.
    if zoo_cfg().contains("org.apache.zookeeper.metrics.prometheus.") {
        ships.push(format!(
            "{}/lib/zookeeper-prometheus-metrics-{}.jar",
            zk::BIN_DIR,
            rock.version
        ));
    }
    let dirs: Vec<String> = [zk::CONF_DIR, zk::DATA_PATH, zk::DATA_DIR, zk::DATA_LOG_DIR, zk::LOG_DIR]
        .map(str::to_owned)
        .to_vec();
    CharmSide {
        charm: "zookeeper-k8s".to_owned(),
        layer: render::zookeeper_layer(&render::server_jvmflags(true, &bind), &bind),
        service: zk::SERVICE.to_owned(),
        user: zk::WORKLOAD_USER.to_owned(),
        group: zk::WORKLOAD_GROUP.to_owned(),
        executes: Vec::new(),
        ships,
        // The charm adds the agent only when the image ships it (`Workload::ships`).
        optional: vec![zk::JMX_AGENT.to_owned()],
        writes: [
            zk::ZOO_CFG,
            zk::DYNAMIC_CFG,
            zk::JAAS,
            zk::CLIENT_JAAS,
            zk::LOGBACK,
            zk::JMX_CONFIG,
            zk::KEYSTORE,
            zk::TRUSTSTORE,
            zk::MYID,
        ]
        .map(str::to_owned)
        .to_vec(),
        dirs,
        storage: meta().storage.values().filter_map(|s| s.location.clone()).collect(),
        ports: vec![
            zk::CLIENT_PORT,
            zk::SECURE_CLIENT_PORT,
            zk::SERVER_PORT,
            zk::ELECTION_PORT,
            zk::ADMIN_SERVER_PORT,
            zk::METRICS_PROVIDER_PORT,
            zk::JMX_PORT,
        ],
    }
}

#[test]
fn the_charms_layer_is_valid_and_checks_the_client_port() {
    let rock = rock();
    let side = charm(&rock);
    side.layer
        .validate(zk::CONTAINER)
        .unwrap_or_else(|e| panic!("layer: {e}"));
    let check = side
        .layer
        .checks
        .get(zk::SERVICE)
        .expect("the layer has the service's check");
    assert_eq!(check.tcp.as_ref().and_then(|t| t.port), Some(zk::CLIENT_PORT));
}

#[test]
fn the_rock_has_everything_the_charm_uses() {
    let rock = rock();
    let problems = rock_problems(&rock, &charm(&rock));
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_rock_serves_the_charms_container_and_platforms() {
    let rock = rock();
    let meta = meta();
    let container = &meta.containers[zk::CONTAINER];
    assert!(
        container.resource.is_some(),
        "the container takes the rock as a resource"
    );
    let charmcraft: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&repo::read(&repo::charmcraft_yaml("zookeeper-k8s")).unwrap_or_default())
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
    let contract = rock.contract().unwrap_or_else(|e| panic!("{e}"));
    let server_jar = format!("{}/lib/zookeeper-{}.jar", zk::BIN_DIR, rock.version);
    assert!(
        contract.get(&server_jar).is_some(),
        "charm-contract should require {server_jar} (rock version {})",
        rock.version
    );
}

/// Gaps the local model has today, each with the reason; the test fails when one closes (drop
/// it here) or a new one opens.
fn known_gaps(rock: &Rock) -> BTreeMap<String, &'static str> {
    BTreeMap::from([(
        format!("{}/lib/zookeeper-prometheus-metrics-{}.jar", zk::BIN_DIR, rock.version),
        "Debian's zookeeper package has no Prometheus provider jar; the profile's zkServer.sh wrapper drops \
         the metricsProvider.* lines the charm writes (ZooKeeper's null provider: nothing on port 7000)",
    )])
}

#[test]
fn the_local_model_profile_stands_in_for_the_rock() {
    let rock = rock();
    let meta = meta();
    let resource = meta.containers[zk::CONTAINER].resource.clone().unwrap_or_default();
    let upstream = meta.resources[&resource].upstream_source.clone().unwrap_or_default();
    for name in [ROCK, resource.as_str(), upstream.as_str()] {
        let profile = profile_for(name).unwrap_or_else(|| panic!("no host profile for {name:?}"));
        assert_eq!(profile.rock, rock.name, "{name:?} selects the wrong profile");
    }
    let profile = profile_for(ROCK).unwrap_or_default();
    let gaps = profile_gaps(&profile, &rock, &charm(&rock)).unwrap_or_else(|e| panic!("{e}"));
    let known = known_gaps(&rock);
    assert_eq!(
        gaps.keys().collect::<Vec<_>>(),
        known.keys().collect::<Vec<_>>(),
        "\nprofile gaps now: {gaps:#?}\nknown: {known:#?}"
    );
}
