//! `zk-admin` against a real 3-server ZooKeeper 3.8 ensemble on loopback.
//!
//! One ensemble per test binary (JVMs are the slow part on 2 cores), exercised by one test
//! function whose steps run in order, each timed: four-letter words, scale up with
//! `reconfig`, chroot ACLs for a relation user (SASL and digest), refusal of other users and of
//! unauthenticated sessions, Kafka-style znodes, mutual TLS, and scale down.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use support::{Ensemble, SUPER_PW, USERS};
use zk_admin::{
    four_letter_word, parse_mntr, parse_srvr, Acl, Admin, Auth, ConnectOptions, CreateMode, Error, Perms, Role, Tls,
    ZkCode,
};

const TIMEOUT: Duration = Duration::from_secs(10);

fn auth(user: &str, password: &str) -> Auth {
    Auth {
        username: user.into(),
        password: password.into(),
    }
}

fn superuser() -> Auth {
    auth("super", SUPER_PW)
}

/// Runs one named step and prints how long it took.
fn step<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    eprintln!("[zk-admin] {name}: {:.2?}", start.elapsed());
    out
}

#[test]
fn real_ensemble_scenarios() {
    let total = Instant::now();
    let zk = step("start servers 1,2 (participants) + 3 (observer)", || {
        Ensemble::start(&[1, 2], &[3])
    });
    step("four-letter words", || four_letter_words(&zk));
    step("reconfig: add server 3", || scale_up(&zk));
    step("chroot ACLs + SASL users", || chroot_acls(&zk));
    step("digest ACL via addauth", || digest_auth(&zk));
    step("Kafka-style znodes", || kafka_znodes(&zk));
    step("TLS", || tls(&zk));
    step("reconfig: remove server 3", || scale_down(&zk));
    step("stop ensemble", || drop(zk));
    eprintln!("[zk-admin] total: {:.2?}", total.elapsed());
}

fn four_letter_words(zk: &Ensemble) {
    let mut states = Vec::new();
    for node in &zk.nodes {
        let addr = format!("127.0.0.1:{}", node.client_port);
        assert_eq!(four_letter_word(&addr, "ruok", TIMEOUT).unwrap(), "imok");
        let mntr = parse_mntr(&four_letter_word(&addr, "mntr", TIMEOUT).unwrap());
        assert!(mntr.get("zk_version").is_some_and(|v| v.starts_with("3.8")), "{mntr:?}");
        let srvr = parse_srvr(&four_letter_word(&addr, "srvr", TIMEOUT).unwrap());
        assert_eq!(
            srvr.get("Mode"),
            mntr.get("zk_server_state"),
            "srvr and mntr disagree on node {}",
            node.id
        );
        states.push(mntr["zk_server_state"].clone());
    }
    // The joiner is not in the leader's configuration yet: ZooKeeper runs it as a
    // non-voting follower, whatever role its own dynamic file gives it.
    states.sort();
    assert_eq!(states, ["follower", "follower", "leader"]);
    let leader = leader_mntr(zk);
    let non_voting = leader.get("zk_synced_non_voting_followers").cloned();
    assert_eq!(non_voting.as_deref(), Some("1"), "{leader:?}");
    // What the charm's promotion gate reads on the joiner.
    let joiner =
        parse_mntr(&four_letter_word(&format!("127.0.0.1:{}", zk.node(3).client_port), "mntr", TIMEOUT).unwrap());
    eprintln!("[zk-admin]   joiner zk_peer_state: {:?}", joiner.get("zk_peer_state"));
    assert_eq!(
        joiner.get("zk_peer_state").map(String::as_str),
        Some("following - broadcast")
    );
    // The quorum itself authenticated with SASL (QuorumServer/QuorumLearner JAAS sections).
    assert!(
        zk.log_contains("Successfully authenticated learner: authenticationID=sync"),
        "{}",
        zk.logs()
    );
    let addr = format!("127.0.0.1:{}", zk.node(1).client_port);
    let err = four_letter_word(&addr, "conf", TIMEOUT).unwrap_err();
    assert!(err.to_string().contains("whitelist"), "{err}");
}

fn leader_mntr(zk: &Ensemble) -> std::collections::BTreeMap<String, String> {
    zk.nodes
        .iter()
        .map(|n| parse_mntr(&four_letter_word(&format!("127.0.0.1:{}", n.client_port), "mntr", TIMEOUT).unwrap()))
        .find(|m| m.get("zk_server_state").map(String::as_str) == Some("leader"))
        .expect("a leader")
}

fn scale_up(zk: &Ensemble) {
    let admin = Admin::connect(&zk.plain_hosts(&[1, 2]), Some(&superuser()), None, TIMEOUT).unwrap();
    let before = admin.config().unwrap();
    assert_eq!(before.participants(), vec![1, 2]);
    assert!(
        before.server(3).is_none(),
        "the leader does not know the observer yet: {before:?}"
    );
    let version = before.version.expect("config version");
    let joining = vec![zk.server_line(3, "participant")];
    let after = admin.reconfig(&joining, &[], Some(version)).unwrap();
    assert_eq!(after.participants(), vec![1, 2, 3]);
    assert_eq!(after.server(3).map(|s| s.to_string()), Some(joining[0].clone()));
    assert!(after.version > Some(version));
    assert_eq!(admin.config().unwrap().participants(), vec![1, 2, 3]);
    // A plan based on the old version is refused.
    let stale = admin.reconfig(&[], &[3], Some(version)).unwrap_err();
    assert_eq!(stale.code(), Some(&ZkCode::BadVersion), "{stale}");
    // Server 3 now votes: the leader counts no non-voting follower any more.
    let start = Instant::now();
    while leader_mntr(zk)
        .get("zk_synced_non_voting_followers")
        .map(String::as_str)
        != Some("0")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "server 3 never became a voter:\n{}",
            zk.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let synced = leader_mntr(zk).get("zk_synced_followers").cloned();
    assert_eq!(synced.as_deref(), Some("2"));
}

fn relation_acl(user: &str, password: &str) -> Vec<Acl> {
    vec![Acl::sasl(user, Perms::ALL), Acl::digest(user, password, Perms::ALL)]
}

fn chroot_acls(zk: &Ensemble) {
    let hosts = zk.plain_hosts(&[1, 2, 3]);
    let (r7, r7_pw) = USERS[0];
    let (r8, r8_pw) = USERS[1];
    let admin = Admin::connect(&hosts, Some(&superuser()), None, TIMEOUT).unwrap();
    // State left by an earlier client: the chroot with an open ACL and one child.
    admin.ensure_path("/kafka-r7", &[Acl::anyone(Perms::ALL)]).unwrap();
    admin
        .create(
            "/kafka-r7/brokers",
            b"",
            &[Acl::anyone(Perms::ALL)],
            CreateMode::Persistent,
        )
        .unwrap();
    let acl = relation_acl(r7, r7_pw);
    assert!(admin.ensure_chroot("/kafka-r7", &acl).unwrap(), "ACLs were replaced");
    assert!(
        !admin.ensure_chroot("/kafka-r7", &acl).unwrap(),
        "second pass is a no-op"
    );
    for path in ["/kafka-r7", "/kafka-r7/brokers"] {
        let (mut got, _) = admin.get_acl(path).unwrap();
        got.sort();
        let mut want = acl.clone();
        want.sort();
        assert_eq!(got, want, "{path}");
    }
    // A brand-new nested chroot is created with its parents.
    assert!(admin.ensure_chroot("/apps/kafka-r8", &relation_acl(r8, r8_pw)).unwrap());

    let owner = Admin::connect(&hosts, Some(&auth(r7, r7_pw)), None, TIMEOUT).unwrap();
    let path = owner
        .create("/kafka-r7/topics", b"{}", &acl, CreateMode::Persistent)
        .unwrap();
    assert_eq!(owner.get_data(&path).unwrap().0, b"{}");
    assert_eq!(owner.get_children("/kafka-r7").unwrap(), ["brokers", "topics"]);

    let stranger = Admin::connect(&hosts, Some(&auth(r8, r8_pw)), None, TIMEOUT).unwrap();
    let err = stranger.get_data("/kafka-r7").unwrap_err();
    assert!(err.is_no_auth(), "{err}");
    eprintln!("[zk-admin]   other user: {err}");
    assert!(
        err.to_string().contains("/kafka-r7") && err.to_string().contains(&hosts[0]),
        "{err}"
    );
    let err = stranger
        .create("/kafka-r7/x", b"", &acl, CreateMode::Persistent)
        .unwrap_err();
    assert!(err.is_no_auth(), "{err}");

    let err = Admin::connect(&hosts, None, None, TIMEOUT).unwrap_err();
    assert!(
        matches!(err, Error::Connect { .. }),
        "unauthenticated session must be refused: {err}"
    );
    eprintln!("[zk-admin]   unauthenticated: {err}");
    let err = Admin::connect(&hosts, Some(&auth(r7, "wrong-Pa55")), None, TIMEOUT).unwrap_err();
    assert_eq!(err.code(), Some(&ZkCode::AuthFailed), "{err}");
    assert!(!err.to_string().contains("wrong-Pa55"), "password leaked: {err}");
    eprintln!("[zk-admin]   wrong password: {err}");
}

fn digest_auth(zk: &Ensemble) {
    let hosts = zk.plain_hosts(&[1, 2, 3]);
    let (r7, r7_pw) = USERS[0];
    let connect = |password: &str| {
        let digest = auth(r7, password);
        Admin::connect_with(&ConnectOptions {
            hosts: &hosts,
            sasl: None,
            digest: Some(&digest),
            tls: None,
            timeout: TIMEOUT,
        })
    };
    let admin = connect(r7_pw).unwrap();
    assert_eq!(admin.get_children("/kafka-r7").unwrap(), ["brokers", "topics"]);
    admin.set_data("/kafka-r7/topics", b"{\"v\":2}", Some(0)).unwrap();
    let wrong = connect("not-the-password").unwrap();
    let err = wrong.get_children("/kafka-r7").unwrap_err();
    assert!(err.is_no_auth(), "{err}");
    assert!(!err.to_string().contains("not-the-password"), "{err}");
}

fn kafka_znodes(zk: &Ensemble) {
    let hosts = zk.plain_hosts(&[1, 2, 3]);
    let (r7, r7_pw) = USERS[0];
    let acl = relation_acl(r7, r7_pw);
    let kafka = Admin::connect(&hosts, Some(&auth(r7, r7_pw)), None, TIMEOUT).unwrap();
    let user_json =
        br#"{"version":1,"config":{"SCRAM-SHA-512":"salt=...,stored_key=...,server_key=...,iterations=4096"}}"#;
    assert!(kafka.ensure_path("/kafka-r7/config/users", &acl).unwrap());
    assert!(!kafka.ensure_path("/kafka-r7/config/users", &acl).unwrap());
    kafka.ensure_path("/kafka-r7/config/changes", &acl).unwrap();
    kafka
        .create("/kafka-r7/config/users/admin", user_json, &acl, CreateMode::Persistent)
        .unwrap();
    let note = br#"{"version":2,"entity_path":"users/admin"}"#;
    let first = kafka.create(
        "/kafka-r7/config/changes/config_change_",
        note,
        &acl,
        CreateMode::PersistentSequential,
    );
    let second = kafka.create(
        "/kafka-r7/config/changes/config_change_",
        note,
        &acl,
        CreateMode::PersistentSequential,
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(
        first.starts_with("/kafka-r7/config/changes/config_change_") && first.len() == second.len(),
        "{first}"
    );
    assert!(second > first);
    assert_eq!(kafka.get_children("/kafka-r7/config/changes").unwrap().len(), 2);

    let acl_json = br#"{"version":1,"acls":[]}"#;
    kafka.ensure_path("/kafka-r7/kafka-acl/Topic", &acl).unwrap();
    kafka
        .create(
            "/kafka-r7/kafka-acl/Topic/orders",
            acl_json,
            &acl,
            CreateMode::Persistent,
        )
        .unwrap();
    let (_, stat) = kafka.get_data("/kafka-r7/kafka-acl/Topic/orders").unwrap();
    let stat = kafka
        .set_data("/kafka-r7/kafka-acl/Topic/orders", acl_json, Some(stat.version))
        .unwrap();
    let race = kafka
        .set_data("/kafka-r7/kafka-acl/Topic/orders", acl_json, Some(stat.version - 1))
        .unwrap_err();
    assert_eq!(race.code(), Some(&ZkCode::BadVersion), "{race}");

    assert!(kafka.exists("/kafka-r7/config/users/admin").unwrap().is_some());
    let err = kafka.delete("/kafka-r7/config", None).unwrap_err();
    assert_eq!(err.code(), Some(&ZkCode::NotEmpty), "{err}");
    assert!(kafka.delete_recursive("/kafka-r7/config").unwrap());
    assert!(!kafka.delete_recursive("/kafka-r7/config").unwrap());
    assert!(kafka.exists("/kafka-r7/config").unwrap().is_none());
    assert!(kafka.get_data("/kafka-r7/config").unwrap_err().is_no_node());
    assert!(kafka.delete_recursive("/zookeeper/config").is_err());
}

fn tls(zk: &Ensemble) {
    let secure = zk.secure_hosts(&[1, 2, 3]);
    let pki = &zk.pki;
    let mtls = Tls {
        ca_pem: pki.ca_pem.clone(),
        client_cert_pem: Some(pki.client_cert_pem.clone()),
        client_key_pem: Some(pki.client_key_pem.clone()),
        verify_hostname: true,
    };
    let admin = Admin::connect(&secure, Some(&superuser()), Some(&mtls), TIMEOUT).unwrap();
    assert!(admin.get_children("/").unwrap().contains(&"kafka-r7".to_string()));
    assert_eq!(admin.config().unwrap().participants(), vec![1, 2, 3]);
    drop(admin);

    let no_hostname_check = Tls {
        verify_hostname: false,
        ..mtls.clone()
    };
    let localhost: Vec<String> = zk
        .nodes
        .iter()
        .map(|n| format!("localhost:{}", n.secure_port))
        .collect();
    Admin::connect(&localhost, Some(&superuser()), Some(&no_hostname_check), TIMEOUT).unwrap();

    let no_client_cert = Tls {
        client_cert_pem: None,
        client_key_pem: None,
        ..mtls.clone()
    };
    let err = Admin::connect(&secure, Some(&superuser()), Some(&no_client_cert), TIMEOUT).unwrap_err();
    assert!(matches!(err, Error::Connect { .. } | Error::Timeout { .. }), "{err}");
    eprintln!("[zk-admin]   no client cert: {err}");

    let other = support::certs::make_pki("some-other-ca");
    let wrong_ca = Tls {
        ca_pem: other.ca_pem,
        ..mtls.clone()
    };
    let err = Admin::connect(&secure, Some(&superuser()), Some(&wrong_ca), TIMEOUT).unwrap_err();
    assert!(
        err.to_string().contains("UnknownIssuer"),
        "wrong CA must fail the handshake: {err}"
    );
    assert!(!err.to_string().contains(SUPER_PW));
    eprintln!("[zk-admin]   wrong CA: {err}");

    // The plain port keeps working next to the secure one.
    let plain = Admin::connect(&zk.plain_hosts(&[2]), Some(&superuser()), None, TIMEOUT).unwrap();
    assert!(plain.exists("/kafka-r7").unwrap().is_some());
}

fn scale_down(zk: &Ensemble) {
    // A dead host first in the list: the session is established on the next one.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut hosts = vec![dead];
    hosts.extend(zk.plain_hosts(&[1, 2]));
    let admin = Admin::connect(&hosts, Some(&superuser()), None, TIMEOUT).unwrap();
    let current = admin.config().unwrap();
    let after = admin.reconfig(&[], &[3], current.version).unwrap();
    assert_eq!(after.participants(), vec![1, 2]);
    assert!(after.server(3).is_none());
    assert!(after.servers.iter().all(|s| s.role == Role::Participant));
    assert_eq!(admin.config().unwrap().participants(), vec![1, 2]);
    let states: Vec<Option<String>> = [1, 2].iter().map(|id| zk.state(*id)).collect();
    assert!(states.contains(&Some("leader".into())), "{states:?}");
}
