//! Behaviour of the renderers beyond the golden files: which listeners exist when, how the
//! replication settings follow the unit count, refusals that would otherwise give a broker
//! that cannot start, and that no password ever appears in an error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_fixtures;

use kafka_k8s::workload::properties::parse;
use kafka_k8s::workload::{server_properties, AuthMap, ControllerQuorum, Credential, Metadata, Secret, Voter};
use render_fixtures::{kraft_broker, kraft_combined, kraft_controller, zk_mtls, zk_oauth, zk_plain, zk_tls};

fn props(inputs: &kafka_k8s::workload::BrokerInputs) -> std::collections::BTreeMap<String, String> {
    parse(&server_properties(inputs).unwrap().render())
        .into_iter()
        .collect()
}

#[test]
fn a_fresh_cluster_has_only_the_internal_listener_and_clients_add_theirs() {
    let mut inputs = zk_plain();
    inputs.clients.scram = false;
    let p = props(&inputs);
    assert_eq!(p["listeners"], "INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:19092");
    inputs.clients.scram = true;
    let p = props(&inputs);
    assert_eq!(
        p["listeners"],
        "INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:19092,CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:9092"
    );
    assert_eq!(
        p["advertised.listeners"],
        "INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://kafka-k8s-0.kafka-k8s-endpoints:19092,\
         CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://kafka-k8s-0.kafka-k8s-endpoints:9092"
    );
    // mTLS needs TLS first.
    inputs.clients.mtls = true;
    assert!(!props(&inputs)["listeners"].contains("SSL_SSL"));
    let p = props(&zk_mtls());
    assert!(p["listeners"].contains("CLIENT_SSL_SSL://0.0.0.0:9094"));
    assert_eq!(p["ssl.client.auth"], "required");
    let p = props(&zk_oauth());
    assert!(p["listeners"].contains("CLIENT_SASL_SSL_OAUTHBEARER://0.0.0.0:9096"));
    assert!(p.contains_key("listener.name.client_sasl_ssl_oauthbearer.oauthbearer.sasl.jaas.config"));
}

#[test]
fn replication_follows_the_planned_units() {
    let mut inputs = zk_plain();
    for (units, rf, isr) in [(1, "1", "1"), (2, "2", "1"), (3, "3", "2"), (7, "3", "2")] {
        inputs.planned_units = units;
        let p = props(&inputs);
        for key in [
            "default.replication.factor",
            "num.partitions",
            "offsets.topic.replication.factor",
            "transaction.state.log.replication.factor",
        ] {
            assert_eq!(p[key], rf, "{key} for {units} units");
        }
        assert_eq!(p["min.insync.replicas"], isr);
        assert_eq!(p["transaction.state.log.min.isr"], isr);
    }
}

#[test]
fn mode_specific_keys() {
    let zk = props(&zk_tls());
    assert_eq!(zk["authorizer.class.name"], "kafka.security.authorizer.AclAuthorizer");
    assert_eq!(
        zk["zookeeper.connect"],
        "zookeeper-k8s-0.zookeeper-k8s-endpoints:2182,zookeeper-k8s-1.zookeeper-k8s-endpoints:2182,\
         zookeeper-k8s-2.zookeeper-k8s-endpoints:2182/kafka-k8s"
    );
    assert_eq!(zk["log.dirs"], "/var/lib/kafka/data/0,/var/lib/kafka/data/1");
    assert_eq!(zk["super.users"], "User:admin;User:relation-9;User:sync");
    assert_eq!(zk["zookeeper.ssl.client.enable"], "true");
    assert!(!zk.contains_key("process.roles"));
    let kraft = props(&kraft_combined());
    assert_eq!(
        kraft["authorizer.class.name"],
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    );
    assert_eq!(kraft["process.roles"], "broker,controller");
    assert_eq!(kraft["node.id"], "100");
    assert_eq!(kraft["controller.listener.names"], "CONTROLLER_SASL_SSL_SCRAM_SHA_512");
    assert_eq!(kraft["super.users"], "User:controller;User:operator;User:replication");
    assert_eq!(kraft["log.dirs"], "/var/lib/kafka/data/0/log");
    assert_eq!(kraft["metadata.log.dir"], "/var/lib/kafka/data/0/metadata");
    for key in ["zookeeper.connect", "broker.id", "inter.broker.protocol.version"] {
        assert!(!kraft.contains_key(key), "{key} in KRaft (Kafka 4) properties");
    }
    let broker = props(&kraft_broker());
    assert_eq!(broker["process.roles"], "broker");
    assert!(!broker["listeners"].contains("CONTROLLER"));
    assert!(broker["listener.security.protocol.map"].contains("CONTROLLER_SASL_SSL_SCRAM_SHA_512:SASL_SSL"));
    let controller = props(&kraft_controller());
    assert_eq!(controller["process.roles"], "controller");
    assert_eq!(
        controller["listeners"],
        "CONTROLLER_SASL_SSL_SCRAM_SHA_512://0.0.0.0:9098"
    );
    assert_eq!(
        controller["advertised.listeners"],
        "CONTROLLER_SASL_SSL_SCRAM_SHA_512://controller-0.controller-endpoints:9098"
    );
    assert!(!controller.contains_key("inter.broker.listener.name"));
}

#[test]
fn static_voters_must_include_a_controller() {
    let mut inputs = kraft_combined();
    let voters = |ids: &[u32]| {
        ControllerQuorum::Voters(
            ids.iter()
                .map(|id| Voter {
                    id: *id,
                    host: format!("kafka-k8s-{}.kafka-k8s-endpoints", id - 100),
                    port: 9098,
                })
                .collect(),
        )
    };
    if let Metadata::KRaft(k) = &mut inputs.metadata {
        k.quorum = voters(&[100, 101, 102]);
    }
    let p = props(&inputs);
    assert_eq!(
        p["controller.quorum.voters"],
        "100@kafka-k8s-0.kafka-k8s-endpoints:9098,101@kafka-k8s-1.kafka-k8s-endpoints:9098,\
         102@kafka-k8s-2.kafka-k8s-endpoints:9098"
    );
    if let Metadata::KRaft(k) = &mut inputs.metadata {
        k.quorum = voters(&[101, 102]);
    }
    assert!(server_properties(&inputs).is_err());
}

#[test]
fn unusable_inputs_are_refused_without_leaking_secrets() {
    let mut inputs = zk_plain();
    inputs.users.inter_broker = Credential::new("sync", "bad\"pass-SECRET");
    let err = server_properties(&inputs).unwrap_err().to_string();
    assert!(err.contains("inter-broker") && !err.contains("SECRET"), "{err}");

    let mut inputs = kraft_combined();
    inputs.users.controller = None;
    assert!(server_properties(&inputs).is_err());

    let mut inputs = zk_plain();
    if let Metadata::ZooKeeper(zk) = &mut inputs.metadata {
        zk.tls = true;
        zk.password = Secret::new("zk-SECRET");
    }
    let err = server_properties(&inputs).unwrap_err().to_string();
    assert!(err.contains("truststore") && !err.contains("SECRET"), "{err}");

    let mut inputs = zk_plain();
    inputs.data_dirs.clear();
    assert!(server_properties(&inputs).is_err());

    let mut inputs = zk_plain();
    inputs.admin_clients.insert("bad;user".into());
    assert!(server_properties(&inputs).is_err());

    // Debug output of the inputs never shows a password.
    let shown = format!("{:?}", zk_tls());
    for secret in ["syncpassword", "adminpassword", "zkrelationpw", "keystorepw"] {
        assert!(!shown.contains(secret), "{secret} in Debug output");
    }
}

#[test]
fn listener_auth_maps_follow_tls() {
    assert_eq!(zk_plain().default_auth(), AuthMap::SASL_PLAINTEXT_SCRAM);
    assert_eq!(zk_tls().default_auth(), AuthMap::SASL_SSL_SCRAM);
    assert_eq!(zk_tls().internal_auth(), AuthMap::SASL_SSL_SCRAM);
    // KRaft with peer TLS: internal SASL_SSL even when clients are plaintext.
    let k = kraft_combined();
    assert_eq!(k.default_auth(), AuthMap::SASL_PLAINTEXT_SCRAM);
    assert_eq!(k.internal_auth(), AuthMap::SASL_SSL_SCRAM);
}
