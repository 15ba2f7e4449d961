//! Users and ACLs written into a real ZooKeeper (Debian's 3.8 package, one server started by
//! this test with SASL DIGEST-MD5 enforced, like the ZooKeeper charm configures it), under
//! the chroot the ZooKeeper charm grants Kafka, and read back as Kafka would read them.
//!
//! Checks: the znodes and their JSON are Kafka's layout; only Kafka's ZooKeeper user can read
//! them; rewriting the same password or ACLs writes nothing (no new change notice);
//! rotation changes the stored credential; deletion removes user and ACL znodes while other
//! principals' entries on a shared resource stay.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kafka_k8s::acl::{client_acls, AclEntry, ClientRequest, Operation, PatternType, ResourcePattern, ResourceType};
use kafka_k8s::scram::{ScramMechanism, StoredCredential, DEFAULT_ITERATIONS};
use kafka_k8s::workload::Secret;
use kafka_k8s::zkstore::{decode_acls, decode_user_config, Change, KafkaZkStore};
use zk_admin::{four_letter_word, Acl, Admin, Auth, Perms};

const SUPER_PW: &str = "super-Pw-1";
/// Kafka's relation user on the ZooKeeper side (what the Kafka charm's JAAS `Client` uses).
const KAFKA_ZK_USER: (&str, &str) = ("relation-3", "kafka-zk-Pw-3");
/// Another application's user on the same ensemble.
const OTHER_USER: (&str, &str) = ("relation-4", "other-zk-Pw-4");
const CHROOT: &str = "/kafka-k8s";
const TIMEOUT: Duration = Duration::from_secs(10);

const JARS: [&str; 5] = [
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/netty-codec.jar",
    "/usr/share/java/netty-resolver.jar",
    "/usr/share/java/netty-transport-native-unix-common.jar",
    "/usr/share/java/slf4j-simple.jar",
];

/// One ZooKeeper server we started; killed (by PID) on drop.
struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        for jar in JARS {
            assert!(
                Path::new(jar).exists(),
                "{jar} missing: run scripts/install-deps.sh (apt-get install zookeeper)"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        std::fs::write(
            dir.path().join("jaas.conf"),
            format!(
                "Server {{\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    user_super=\"{SUPER_PW}\"\n    \
                 user_{}=\"{}\"\n    user_{}=\"{}\";\n}};\n",
                KAFKA_ZK_USER.0, KAFKA_ZK_USER.1, OTHER_USER.0, OTHER_USER.1
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("zoo.cfg"),
            format!(
                "tickTime=1000\ndataDir={}/data\nclientPort={port}\nclientPortAddress=127.0.0.1\n\
                 admin.enableServer=false\n4lw.commands.whitelist=ruok,srvr\n\
                 authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n\
                 enforce.auth.enabled=true\nenforce.auth.schemes=sasl\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("zk.log")).unwrap();
        let child = Command::new("java")
            .args(["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"])
            .arg(format!(
                "-Djava.security.auth.login.config={}",
                dir.path().join("jaas.conf").display()
            ))
            .args(["-Dzookeeper.superUser=super", "-cp", &JARS.join(":")])
            .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
            .arg(dir.path().join("zoo.cfg"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start java (is a JRE installed?)");
        let server = Server { child, port, dir };
        let start = Instant::now();
        let serving = |addr: &str| {
            four_letter_word(addr, "ruok", Duration::from_secs(1)).is_ok_and(|r| r == "imok")
                && four_letter_word(addr, "srvr", Duration::from_secs(1)).is_ok_and(|r| r.contains("Mode: standalone"))
        };
        while !serving(&server.addr()) {
            assert!(
                start.elapsed() < Duration::from_secs(40),
                "ZooKeeper did not start:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("zk.log")).unwrap_or_default()
    }

    fn connect(&self, (user, password): (&str, &str)) -> Admin {
        let auth = Auth {
            username: user.into(),
            password: password.into(),
        };
        Admin::connect(&[self.addr()], Some(&auth), None, TIMEOUT).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn notices(admin: &Admin, dir: &str) -> Vec<String> {
    admin.get_children(&format!("{CHROOT}{dir}")).unwrap_or_default()
}

fn data(admin: &Admin, path: &str) -> String {
    String::from_utf8(admin.get_data(path).unwrap().0).unwrap()
}

#[test]
fn kafka_users_and_acls_in_real_zookeeper() {
    let server = Server::start();
    // What the ZooKeeper charm does for the Kafka relation: the chroot, owned by its user.
    let root = server.connect(("super", SUPER_PW));
    root.ensure_chroot(CHROOT, &[Acl::sasl(KAFKA_ZK_USER.0, Perms::ALL)])
        .unwrap();

    let kafka = server.connect(KAFKA_ZK_USER);
    let store = KafkaZkStore::new(&kafka, CHROOT, KAFKA_ZK_USER.0).unwrap();
    users(&server, &kafka, &store);
    acls(&kafka, &store);
    drop(root);
}

fn users(server: &Server, kafka: &Admin, store: &KafkaZkStore<'_>) {
    let sync_pw = Secret::new("sync-Passw0rd");
    let admin_pw = Secret::new("admin-Passw0rd");
    assert_eq!(
        store
            .upsert_scram_user("sync", ScramMechanism::Sha512, &sync_pw, DEFAULT_ITERATIONS)
            .unwrap(),
        Change::Created
    );
    assert_eq!(
        store
            .upsert_scram_user("admin", ScramMechanism::Sha512, &admin_pw, DEFAULT_ITERATIONS)
            .unwrap(),
        Change::Created
    );

    // Kafka's layout and JSON.
    let path = format!("{CHROOT}/config/users/sync");
    assert_eq!(store.user_path("sync"), path);
    let text = data(kafka, &path);
    assert!(
        text.starts_with(r#"{"version":1,"config":{"SCRAM-SHA-512":"salt="#),
        "{text}"
    );
    assert!(text.ends_with(r#",iterations=4096"}}"#), "{text}");
    let config = decode_user_config(text.as_bytes()).unwrap();
    let stored = StoredCredential::parse(&config["SCRAM-SHA-512"]).unwrap();
    assert!(stored.matches(ScramMechanism::Sha512, "sync-Passw0rd"));
    let changes = notices(kafka, "/config/changes");
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes.iter().all(|c| c.starts_with("config_change_")));
    let bodies: BTreeSet<String> = changes
        .iter()
        .map(|c| data(kafka, &format!("{CHROOT}/config/changes/{c}")))
        .collect();
    assert!(
        bodies.contains(r#"{"version":2,"entity_path":"users/sync"}"#),
        "{bodies:?}"
    );

    // Only Kafka's user: the ACL, and another authenticated user is refused.
    let (acl, _) = kafka.get_acl(&path).unwrap();
    assert_eq!(acl, vec![Acl::sasl(KAFKA_ZK_USER.0, Perms::ALL)]);
    let other = server.connect(OTHER_USER);
    let err = other.get_data(&path).unwrap_err();
    assert!(err.is_no_auth(), "{err}");
    assert!(other
        .get_data(&format!("{CHROOT}/config/users"))
        .unwrap_err()
        .is_no_auth());
    // Unauthenticated sessions are not even accepted (enforce.auth).
    assert!(Admin::connect(&[server.addr()], None, None, Duration::from_secs(3)).is_err());

    // Idempotent: same password, nothing written.
    let version = kafka.get_data(&path).unwrap().1.version;
    assert_eq!(
        store
            .upsert_scram_user("sync", ScramMechanism::Sha512, &sync_pw, DEFAULT_ITERATIONS)
            .unwrap(),
        Change::Unchanged
    );
    assert_eq!(kafka.get_data(&path).unwrap().1.version, version);
    assert_eq!(notices(kafka, "/config/changes").len(), 2);
    assert!(store.user_matches("sync", ScramMechanism::Sha512, &sync_pw).unwrap());

    // Rotation changes the stored credential.
    let rotated = Secret::new("sync-Rotated-1");
    assert_eq!(
        store
            .upsert_scram_user("sync", ScramMechanism::Sha512, &rotated, DEFAULT_ITERATIONS)
            .unwrap(),
        Change::Updated
    );
    let after = data(kafka, &path);
    assert_ne!(after, text);
    assert!(store.user_matches("sync", ScramMechanism::Sha512, &rotated).unwrap());
    assert!(!store.user_matches("sync", ScramMechanism::Sha512, &sync_pw).unwrap());
    assert_eq!(notices(kafka, "/config/changes").len(), 3);

    // Other keys of a user (a quota set by kafka-configs) survive a rotation.
    let (raw, stat) = kafka.get_data(&path).unwrap();
    let mut with_quota = decode_user_config(&raw).unwrap();
    with_quota.insert("producer_byte_rate".into(), "1024".into());
    kafka
        .set_data(
            &path,
            &kafka_k8s::zkstore::encode_user_config(&with_quota),
            Some(stat.version),
        )
        .unwrap();
    store
        .upsert_scram_user("sync", ScramMechanism::Sha512, &sync_pw, DEFAULT_ITERATIONS)
        .unwrap();
    assert_eq!(
        store.user_config("sync").unwrap().unwrap()["producer_byte_rate"],
        "1024"
    );
    assert_eq!(
        store.delete_scram_user("sync", ScramMechanism::Sha512).unwrap(),
        Change::Updated
    );
    assert!(!store
        .user_config("sync")
        .unwrap()
        .unwrap()
        .contains_key("SCRAM-SHA-512"));

    // Deletion removes the znode once nothing is left.
    assert_eq!(
        store.delete_scram_user("admin", ScramMechanism::Sha512).unwrap(),
        Change::Deleted
    );
    assert!(kafka.exists(&format!("{CHROOT}/config/users/admin")).unwrap().is_none());
    assert_eq!(
        store.delete_scram_user("admin", ScramMechanism::Sha512).unwrap(),
        Change::Unchanged
    );
    let last = notices(kafka, "/config/changes").into_iter().max().unwrap();
    assert_eq!(
        data(kafka, &format!("{CHROOT}/config/changes/{last}")),
        r#"{"version":2,"entity_path":"users/admin"}"#
    );
}

fn request(id: u32, topic: &str, roles: &str) -> ClientRequest {
    ClientRequest {
        username: format!("relation-{id}"),
        topic: topic.into(),
        extra_user_roles: roles.into(),
        consumer_group_prefix: None,
    }
}

fn acls(kafka: &Admin, store: &KafkaZkStore<'_>) {
    let r7 = client_acls(&request(7, "orders", "producer,consumer"));
    let r8 = client_acls(&request(8, "metrics-*", "consumer"));
    let r9 = client_acls(&request(9, "orders", "consumer"));
    for (user, acls) in [
        ("User:relation-7", &r7),
        ("User:relation-8", &r8),
        ("User:relation-9", &r9),
    ] {
        assert!(!store.sync_principal_acls(user, &acls.bindings).unwrap().is_empty());
    }

    // LITERAL topic: both principals' entries, in Kafka's JSON.
    let orders = format!("{CHROOT}/kafka-acl/Topic/orders");
    let entries = decode_acls(data(kafka, &orders).as_bytes()).unwrap();
    let expected: BTreeSet<AclEntry> = [
        AclEntry::allow_user("relation-7", Operation::Create),
        AclEntry::allow_user("relation-7", Operation::Write),
        AclEntry::allow_user("relation-7", Operation::Describe),
        AclEntry::allow_user("relation-7", Operation::Read),
        AclEntry::allow_user("relation-9", Operation::Read),
        AclEntry::allow_user("relation-9", Operation::Describe),
    ]
    .into();
    assert_eq!(entries, expected);
    assert!(data(kafka, &orders)
        .starts_with(r#"{"acls":[{"principal":"User:relation-7","permissionType":"Allow","host":"*","operation":"#));
    // PREFIXED topic and consumer groups under /kafka-acl-extended/prefixed.
    for path in [
        "Topic/metrics-",
        "Group/relation-7-",
        "Group/relation-8-",
        "Group/relation-9-",
    ] {
        assert!(
            kafka
                .exists(&format!("{CHROOT}/kafka-acl-extended/prefixed/{path}"))
                .unwrap()
                .is_some(),
            "{path}"
        );
    }
    let group = decode_acls(
        data(
            kafka,
            &format!("{CHROOT}/kafka-acl-extended/prefixed/Group/relation-8-"),
        )
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(group, [AclEntry::allow_user("relation-8", Operation::Read)].into());
    // Change notices: literal as `TYPE:name`, extended as JSON.
    let literal: BTreeSet<String> = notices(kafka, "/kafka-acl-changes")
        .iter()
        .map(|c| data(kafka, &format!("{CHROOT}/kafka-acl-changes/{c}")))
        .collect();
    assert!(literal.contains("TOPIC:orders"), "{literal:?}");
    let extended: BTreeSet<String> = notices(kafka, "/kafka-acl-extended-changes")
        .iter()
        .map(|c| data(kafka, &format!("{CHROOT}/kafka-acl-extended-changes/{c}")))
        .collect();
    assert!(
        extended.contains(r#"{"version":1,"resourceType":"TOPIC","name":"metrics-","patternType":"PREFIXED"}"#),
        "{extended:?}"
    );
    assert_eq!(
        kafka.get_acl(&orders).unwrap().0,
        vec![Acl::sasl(KAFKA_ZK_USER.0, Perms::ALL)]
    );

    // Idempotent: nothing changes, no notice.
    let before = notices(kafka, "/kafka-acl-changes").len();
    assert!(store
        .sync_principal_acls("User:relation-7", &r7.bindings)
        .unwrap()
        .is_empty());
    assert_eq!(notices(kafka, "/kafka-acl-changes").len(), before);
    assert_eq!(store.principal_acls("User:relation-7").unwrap(), r7.bindings);

    // Roles shrink: relation-7 drops producer; its Create/Write go, the rest stays.
    let consumer_only = client_acls(&request(7, "orders", "consumer"));
    store
        .sync_principal_acls("User:relation-7", &consumer_only.bindings)
        .unwrap();
    let entries = store
        .resource_acls(&ResourcePattern::new(
            ResourceType::Topic,
            "orders",
            PatternType::Literal,
        ))
        .unwrap();
    assert!(!entries.contains(&AclEntry::allow_user("relation-7", Operation::Write)));
    assert!(entries.contains(&AclEntry::allow_user("relation-7", Operation::Read)));

    // Relation broken: relation-7's entries go; relation-9's on the shared topic stay; its own
    // group znode is deleted.
    store.remove_principal_acls("User:relation-7").unwrap();
    assert!(store.principal_acls("User:relation-7").unwrap().is_empty());
    let entries = decode_acls(data(kafka, &orders).as_bytes()).unwrap();
    assert!(entries.iter().all(|e| e.principal == "User:relation-9") && entries.len() == 2);
    assert!(kafka
        .exists(&format!("{CHROOT}/kafka-acl-extended/prefixed/Group/relation-7-"))
        .unwrap()
        .is_none());
    store.remove_principal_acls("User:relation-9").unwrap();
    assert!(kafka.exists(&orders).unwrap().is_none());
    assert!(store
        .acl_resources()
        .unwrap()
        .iter()
        .all(|p| p.name == "metrics-" || p.name == "relation-8-"));
}
