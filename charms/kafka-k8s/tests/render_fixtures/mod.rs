//! Shared inputs for the render tests: one [`BrokerInputs`] per scenario the golden files
//! pin, and the golden-file check itself.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use kafka_k8s::config::{Config, ExtraListener, Roles};
use kafka_k8s::workload::{
    AuthMap, BrokerInputs, ClientAccess, ControllerQuorum, Credential, ExternalAccess, Heap, InternalUsers,
    KRaftQuorum, KafkaLine, Metadata, OAuth, Proxy, Secret, TlsStores, TokenValidation, ZooKeeperConnection,
};

/// The charm's defaults (charmcraft.yaml), as the operator would leave them.
pub(crate) const DEFAULT_CONFIG: &str = r#"
metadata-mode: zookeeper
roles: broker
compression-type: producer
log-flush-interval-messages: "9223372036854775807"
log-flush-interval-ms: "9223372036854775807"
log-flush-offset-checkpoint-interval-ms: 60000
log-retention-bytes: "-1"
log-retention-ms: "-1"
log-segment-bytes: 1073741824
message-max-bytes: 1048588
offsets-topic-num-partitions: 50
transaction-state-log-num-partitions: 50
unclean-leader-election-enable: false
log-cleaner-delete-retention-ms: "86400000"
log-cleaner-min-compaction-lag-ms: "0"
log-cleanup-policy: delete
log-message-timestamp-type: CreateTime
ssl-cipher-suites: ""
ssl-principal-mapping-rules: DEFAULT
replication-quota-window-num: 11
zookeeper-ssl-cipher-suites: ""
profile: production
certificate-extra-sans: ""
extra-listeners: ""
certificate-include-ip-sans: true
log-level: INFO
network-bandwidth: 50000
cruisecontrol-balance-threshold: 1.1
cruisecontrol-capacity-threshold: 0.8
expose-external: "false"
"#;

/// The default config with some options overridden (`key: value` YAML lines).
pub(crate) fn config(overrides: &[(&str, &str)]) -> Config {
    let mut map: BTreeMap<String, serde_yaml_ng::Value> = serde_yaml_ng::from_str(DEFAULT_CONFIG).unwrap();
    for (k, v) in overrides {
        map.insert((*k).to_owned(), serde_yaml_ng::from_str(v).unwrap());
    }
    let text = serde_yaml_ng::to_string(&map).unwrap();
    serde_yaml_ng::from_str(&text).expect("config fixture matches the charm's Config")
}

fn stores(prefix: &str) -> TlsStores {
    let (keystore, truststore) = if prefix.is_empty() {
        (
            "/etc/kafka/keystore.p12".to_owned(),
            "/etc/kafka/truststore.jks".to_owned(),
        )
    } else {
        (
            format!("/etc/kafka/{prefix}-keystore.p12"),
            format!("/etc/kafka/{prefix}-truststore.jks"),
        )
    };
    TlsStores {
        keystore,
        keystore_password: Secret::new(format!("{}keystorepw", prefix.replace('-', ""))),
        truststore,
        truststore_password: Secret::new(format!("{}truststorepw", prefix.replace('-', ""))),
    }
}

fn host(unit: u32) -> String {
    format!("kafka-k8s-{unit}.kafka-k8s-endpoints")
}

/// ZooKeeper mode, one client relation, no TLS: the listeners of a fresh SCRAM cluster.
pub(crate) fn zk_plain() -> BrokerInputs {
    BrokerInputs {
        unit_id: 0,
        advertised_host: host(0),
        bind_address: "0.0.0.0".into(),
        roles: Roles {
            broker: true,
            controller: false,
            balancer: false,
        },
        kafka: KafkaLine::V3_9,
        kafka_version: "3.9.0".into(),
        metadata: Metadata::ZooKeeper(ZooKeeperConnection {
            endpoints: vec![
                "zookeeper-k8s-1.zookeeper-k8s-endpoints:2181".into(),
                "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181".into(),
                "zookeeper-k8s-2.zookeeper-k8s-endpoints:2181".into(),
            ],
            chroot: "/kafka-k8s".into(),
            username: "relation-4".into(),
            password: Secret::new("zkrelationpw"),
            tls: false,
        }),
        clients: ClientAccess {
            scram: true,
            mtls: false,
            oauth: None,
        },
        tls: None,
        peer_tls: None,
        extra_listeners: Vec::new(),
        external: None,
        planned_units: 3,
        config: config(&[]),
        users: InternalUsers {
            inter_broker: Credential::new("sync", "syncpassword"),
            admin: Credential::new("admin", "adminpassword"),
            controller: None,
        },
        admin_clients: BTreeSet::new(),
        data_dirs: vec!["/var/lib/kafka/data/0".into()],
        rack: None,
        heap: Heap::for_profile("production"),
        proxy: Proxy::default(),
        jmx_exporter: true,
        balancer: false,
        java_home: None,
    }
}

/// ZooKeeper mode with TLS: SASL_SSL everywhere, ZooKeeper over TLS, two data volumes, an
/// admin client, a rack, an extra listener, operator options changed, one unit.
pub(crate) fn zk_tls() -> BrokerInputs {
    let mut inputs = zk_plain();
    inputs.tls = Some(stores(""));
    if let Metadata::ZooKeeper(zk) = &mut inputs.metadata {
        zk.tls = true;
        zk.endpoints = zk.endpoints.iter().map(|e| e.replace(":2181", ":2182")).collect();
    }
    inputs.data_dirs = vec!["/var/lib/kafka/data/0".into(), "/var/lib/kafka/data/1".into()];
    inputs.admin_clients = ["relation-9".to_owned()].into();
    inputs.rack = Some("zone-a".into());
    inputs.planned_units = 1;
    inputs.extra_listeners = vec![ExtraListener {
        host: "broker-0.kafka.example.com".into(),
        base_port: 30000,
    }];
    inputs.config = config(&[
        ("log-retention-ms", "\"604800000\""),
        ("compression-type", "zstd"),
        (
            "ssl-principal-mapping-rules",
            "'RULE:^CN=([a-z0-9\\.-]+),.*$/$1/L,DEFAULT'",
        ),
        ("zookeeper-ssl-cipher-suites", "TLS_AES_256_GCM_SHA384"),
        ("extra-listeners", "'broker-{unit}.kafka.example.com:30000'"),
        ("log-level", "WARNING"),
    ]);
    inputs.proxy = Proxy {
        http: Some("http://squid.internal:3128".into()),
        https: Some("http://squid.internal:3128".into()),
        no_proxy: Some("10.0.0.0/8,.svc".into()),
    };
    inputs
}

/// ZooKeeper mode with TLS and mTLS clients: `CLIENT_SSL_SSL` on 9094, `ssl.client.auth=required`.
pub(crate) fn zk_mtls() -> BrokerInputs {
    let mut inputs = zk_plain();
    inputs.tls = Some(stores(""));
    inputs.clients.mtls = true;
    inputs
}

/// ZooKeeper mode with an `oauth` relation (private issuer CA) next to SCRAM, with TLS.
pub(crate) fn zk_oauth() -> BrokerInputs {
    let mut inputs = zk_plain();
    inputs.tls = Some(stores(""));
    inputs.clients.oauth = Some(OAuth {
        issuer_url: "https://hydra.example.com/".into(),
        validation: TokenValidation::Jwks("https://hydra.example.com/.well-known/jwks.json".into()),
        issuer_publicly_trusted: false,
    });
    inputs.planned_units = 2;
    inputs
}

/// ZooKeeper mode with an `oauth` relation and no TLS: OAUTHBEARER on 9095, opaque tokens.
pub(crate) fn zk_oauth_plaintext() -> BrokerInputs {
    let mut inputs = zk_plain();
    inputs.clients.scram = false;
    inputs.clients.oauth = Some(OAuth {
        issuer_url: "https://hydra.example.com/".into(),
        validation: TokenValidation::Introspection("https://hydra.example.com/admin/oauth2/introspect".into()),
        issuer_publicly_trusted: true,
    });
    inputs
}

/// ZooKeeper mode, SCRAM clients, `expose-external=nodeport`: the EXTERNAL listener on 29092
/// advertises the node's address and the Service's node port.
pub(crate) fn zk_nodeport() -> BrokerInputs {
    let mut inputs = zk_plain();
    inputs.config = config(&[("expose-external", "nodeport")]);
    inputs.external = Some(ExternalAccess {
        host: "10.0.0.5".into(),
        node_ports: [(AuthMap::SASL_PLAINTEXT_SCRAM, 31092)].into(),
    });
    inputs
}

/// NodePort with TLS and mTLS clients: EXTERNAL SASL_SSL (29093) and SSL (29094) listeners.
pub(crate) fn zk_nodeport_tls() -> BrokerInputs {
    let mut inputs = zk_nodeport();
    inputs.tls = Some(stores(""));
    inputs.clients.mtls = true;
    inputs.external = Some(ExternalAccess {
        host: "203.0.113.7".into(),
        node_ports: [(AuthMap::SASL_SSL_SCRAM, 31093), (AuthMap::SSL, 31094)].into(),
    });
    inputs
}

fn kraft_users() -> InternalUsers {
    InternalUsers {
        inter_broker: Credential::new("replication", "replicationpw"),
        admin: Credential::new("operator", "operatorpw"),
        controller: Some(Credential::new("controller", "controllerpw")),
    }
}

/// KRaft (Kafka 4), combined broker+controller, peer TLS on the internal listeners, SCRAM
/// clients in plaintext.
pub(crate) fn kraft_combined() -> BrokerInputs {
    let mut inputs = zk_plain();
    inputs.roles = Roles {
        broker: true,
        controller: true,
        balancer: false,
    };
    inputs.kafka = KafkaLine::V4;
    inputs.kafka_version = "4.1.1".into();
    inputs.metadata = Metadata::KRaft(KRaftQuorum {
        node_id: 100,
        cluster_id: "MkU3OEVBNTcwNTJENDM2Qk".into(),
        quorum: ControllerQuorum::Bootstrap(vec![format!("{}:9098", host(0))]),
    });
    inputs.peer_tls = Some(stores("peer"));
    inputs.users = kraft_users();
    inputs.config = config(&[("metadata-mode", "kraft"), ("roles", "broker,controller")]);
    inputs.java_home = Some("/usr/lib/jvm/java-21-openjdk-amd64".into());
    inputs
}

/// KRaft split roles, the broker application's unit 1: client TLS, static voters.
pub(crate) fn kraft_broker() -> BrokerInputs {
    let mut inputs = kraft_combined();
    inputs.unit_id = 1;
    inputs.advertised_host = host(1);
    inputs.roles = Roles {
        broker: true,
        controller: false,
        balancer: false,
    };
    inputs.tls = Some(stores(""));
    inputs.metadata = Metadata::KRaft(KRaftQuorum {
        node_id: 101,
        cluster_id: "MkU3OEVBNTcwNTJENDM2Qk".into(),
        quorum: ControllerQuorum::Bootstrap(vec![
            "controller-0.controller-endpoints:9098".into(),
            "controller-1.controller-endpoints:9098".into(),
        ]),
    });
    inputs.config = config(&[("metadata-mode", "kraft"), ("roles", "broker"), ("profile", "testing")]);
    inputs.heap = Heap::for_profile("testing");
    inputs
}

/// KRaft split roles, the controller application's unit 0.
pub(crate) fn kraft_controller() -> BrokerInputs {
    let mut inputs = kraft_combined();
    inputs.advertised_host = "controller-0.controller-endpoints".into();
    inputs.roles = Roles {
        broker: false,
        controller: true,
        balancer: false,
    };
    inputs.metadata = Metadata::KRaft(KRaftQuorum {
        node_id: 0,
        cluster_id: "MkU3OEVBNTcwNTJENDM2Qk".into(),
        quorum: ControllerQuorum::Bootstrap(vec!["controller-0.controller-endpoints:9098".into()]),
    });
    inputs.clients = ClientAccess::default();
    inputs.config = config(&[("metadata-mode", "kraft"), ("roles", "controller")]);
    inputs
}

/// Every scenario, by golden-file name.
pub(crate) fn scenarios() -> Vec<(&'static str, BrokerInputs)> {
    vec![
        ("zk-plain-scram", zk_plain()),
        ("zk-tls", zk_tls()),
        ("zk-mtls", zk_mtls()),
        ("zk-oauth", zk_oauth()),
        ("zk-oauth-plaintext", zk_oauth_plaintext()),
        ("zk-nodeport", zk_nodeport()),
        ("zk-nodeport-tls", zk_nodeport_tls()),
        ("kraft-combined", kraft_combined()),
        ("kraft-broker", kraft_broker()),
        ("kraft-controller", kraft_controller()),
    ]
}

/// Advertised hosts of every broker of a scenario.
pub(crate) fn brokers(inputs: &BrokerInputs) -> Vec<String> {
    (0..inputs.planned_units).map(host).collect()
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with `tests/golden/<name>` byte for byte; `UPDATE_GOLDEN=1` rewrites it.
pub(crate) fn check_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} missing ({e}); run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  golden: {e}\n  actual: {a}", i + 1))
            .collect();
        panic!(
            "{} differs from the rendering ({} vs {} lines):\n{}\nrun with UPDATE_GOLDEN=1 if the change is intended",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}
