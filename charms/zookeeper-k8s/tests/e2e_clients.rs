//! End to end, what clients get: credentials and a chroot of their own, then TLS, then
//! password rotation — with two data-integrator stand-ins as clients and the
//! self-signed-certificates stand-in as TLS provider, Debian's real ZooKeeper as workload, and
//! real client sessions (zk-admin; Python's `ssl` for a raw handshake) checking the result.
//!
//! One model for the file; scenarios in order:
//! 1. each client gets `relation-<id>`, a password and its chroot: it can write there, not in
//!    the other client's chroot nor in super's nodes; unauthenticated or wrong-password
//!    sessions are refused;
//! 2. relating to the TLS provider switches the ensemble to TLS (three rolling restarts) while
//!    a client keeps writing on the plain port: no write fails for good; then the secure port
//!    serves TLS with the provider's CA, the quorum ports speak TLS, and the plain port keeps
//!    serving authenticated clients (the charm keeps it for dynamic reconfiguration,
//!    ZOOKEEPER-3577, and four-letter words — as the Python charm does);
//! 3. `set-password` for `super` and then `sync` while a client writes over TLS: no write fails
//!    for good, the new super password works on every server and the old one nowhere, the
//!    quorum keeps a leader. (Client passwords have no rotation action.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod e2e_support;

use std::time::Duration;

use e2e_support::clients::{credentials, tls_handshake, Credentials};
use e2e_support::model::{addresses, Model, ZookeeperModel};
use e2e_support::monitor::Monitor;
use e2e_support::writer::{self, Counts, Target, Writer};
use e2e_support::{artifacts, eventually, zk, Steps, APP};
use zk_admin::{Acl, Admin, Auth, ConnectOptions, CreateMode, Perms};

const CLIENT: &str = "data-integrator";
const OTHER: &str = "other-client";
const TLS_APP: &str = "self-signed-certificates";

fn wait_credentials(model: &Model, unit: &str, what: &str, ok: impl Fn(&Credentials) -> bool) -> Credentials {
    eventually(240, what, || {
        let creds = credentials(model, unit)?;
        if ok(&creds) {
            Ok(creds)
        } else {
            Err(format!("{creds:?}"))
        }
    })
}

fn assert_no_lost_writes(what: &str, counts: &Counts, admin: &Admin, dir: &str) {
    eprintln!("writes during {what}: {counts:?}");
    assert!(counts.attempted > 20, "{what}: the writer ran ({counts:?})");
    assert_eq!(
        counts.failed, 0,
        "{what}: writes failed after reconnecting: {:?}",
        counts.errors
    );
    assert_eq!(counts.succeeded, counts.attempted, "{what}");
    assert_eq!(
        writer::stored(admin, dir),
        counts.succeeded,
        "{what}: acknowledged writes stored"
    );
}

/// Scenario 1: the chroot is the client's, and only its.
fn check_access(hosts: &[String], mine: &Credentials, other: &Credentials, super_password: &str) {
    // SASL as the client: full rights in its chroot.
    let me = zk::session(hosts, &mine.username, &mine.password, None).unwrap();
    let acl = [Acl::sasl(&mine.username, Perms::ALL)];
    let child = format!("{}/child", mine.chroot);
    me.create(&child, b"mine", &acl, CreateMode::Persistent).unwrap();
    assert_eq!(me.get_data(&child).unwrap().0, b"mine");
    let (chroot_acl, _) = me.get_acl(&mine.chroot).unwrap();
    assert!(
        chroot_acl.iter().all(|a| a.id.starts_with(&mine.username)) && chroot_acl.len() == 2,
        "the chroot is the client's alone (sasl + digest): {chroot_acl:?}"
    );
    // Nothing in the other client's chroot, nor in nodes only super may touch.
    let theirs = format!("{}/intruder", other.chroot);
    let refused = me.create(&theirs, b"x", &acl, CreateMode::Persistent).unwrap_err();
    assert!(refused.is_no_auth(), "create in another chroot: {refused}");
    assert!(
        me.get_data(&other.chroot).unwrap_err().is_no_auth(),
        "read another chroot"
    );
    let root = zk::session(hosts, "super", super_password, None).unwrap();
    root.create(
        "/e2e-super-only",
        b"s",
        &[Acl::sasl("super", Perms::ALL)],
        CreateMode::Persistent,
    )
    .unwrap();
    let refused = me
        .create("/e2e-super-only/x", b"x", &acl, CreateMode::Persistent)
        .unwrap_err();
    assert!(refused.is_no_auth(), "create under a super-only node: {refused}");
    // The root node keeps ZooKeeper's default ACL (world:anyone), as with the Python charm.
    let (root_acl, _) = root.get_acl("/").unwrap();
    eprintln!("ACL of / (left as ZooKeeper creates it): {root_acl:?}");

    // `addauth digest` works as well as SASL (the chroot has both ACLs).
    let digest = Auth {
        username: mine.username.clone(),
        password: mine.password.clone(),
    };
    let by_digest = Admin::connect_with(&ConnectOptions {
        hosts,
        sasl: None,
        digest: Some(&digest),
        tls: None,
        timeout: zk::TIMEOUT,
    })
    .unwrap();
    by_digest.get_data(&mine.chroot).unwrap();
    let digest_acl = [Acl::digest(&mine.username, &mine.password, Perms::ALL)];
    let by_digest_child = format!("{}/by-digest", mine.chroot);
    by_digest
        .create(&by_digest_child, b"d", &digest_acl, CreateMode::Persistent)
        .unwrap();

    // No session without credentials, nor with a wrong password.
    assert!(zk::anonymous(hosts).is_err(), "an unauthenticated session was accepted");
    let wrong = zk::session(hosts, &mine.username, "not-the-password", None);
    assert!(wrong.is_err(), "a wrong password was accepted");
}

#[test]
fn clients_get_a_private_chroot_then_tls_then_rotated_passwords() {
    e2e_support::require_zookeeper();
    let mut steps = Steps::new("e2e_clients");
    let model = e2e_support::model::up("clients", "10s");
    let charm = artifacts::pack_zookeeper(model.path());
    let integrator = artifacts::pack_stand_in(CLIENT, model.path());
    let provider = artifacts::pack_stand_in(TLS_APP, model.path());
    steps.done("build, pack and model up");

    let (integrator, provider) = (integrator.to_str().unwrap(), provider.to_str().unwrap());
    model.deploy_zookeeper(&charm, 3);
    model.ok(&["deploy", integrator, CLIENT, "--config", "database-name=/myapp"]);
    model.ok(&["deploy", integrator, OTHER, "--config", "database-name=/otherapp"]);
    model.ok(&["deploy", provider, TLS_APP]);
    model.ok(&["integrate", APP, CLIENT]);
    model.ok(&["integrate", APP, OTHER]);
    let units = model.wait_active(APP, 3, 240);
    let plain_hosts = zk::hosts(&addresses(&units), zk::PLAIN);
    let mine = wait_credentials(&model, &format!("{CLIENT}/0"), "credentials", |_| true);
    let other = wait_credentials(&model, &format!("{OTHER}/0"), "credentials", |_| true);
    assert_eq!((mine.chroot.as_str(), mine.tls.as_str()), ("/myapp", "disabled"));
    assert_eq!(other.chroot, "/otherapp");
    assert!(mine.username.starts_with("relation-") && mine.username != other.username);
    assert_eq!(mine.port(), zk::PLAIN);
    let super_password = model.super_password(&units[0].name);
    steps.done("3 units and 2 clients related, credentials published");
    check_access(&plain_hosts, &mine, &other, &super_password);
    steps.done("each client owns its chroot; anonymous and wrong-password sessions refused");

    // 2. TLS, while a client writes on the plain port.
    let me = zk::session(&plain_hosts, &mine.username, &mine.password, None).unwrap();
    let acl = [Acl::sasl(&mine.username, Perms::ALL)];
    me.create("/myapp/plain-writes", b"", &acl, CreateMode::Persistent)
        .unwrap();
    let plain_writer = Writer::start(Target {
        hosts: plain_hosts.clone(),
        user: mine.username.clone(),
        password: mine.password.clone(),
        tls: None,
        dir: "/myapp/plain-writes".to_owned(),
    });
    let monitor = Monitor::start(addresses(&units));
    model.ok(&[
        "integrate",
        &format!("{APP}:certificates"),
        &format!("{TLS_APP}:certificates"),
    ]);
    let secure = wait_credentials(&model, &format!("{CLIENT}/0"), "TLS credentials", |c| {
        c.tls == "enabled"
    });
    model.wait_active(APP, 3, 120);
    let counts = plain_writer.stop();
    let quorum = monitor.stop();
    eprintln!("quorum during the TLS switch: {quorum:?}");
    let me = zk::session(&plain_hosts, &mine.username, &mine.password, None).unwrap();
    assert_no_lost_writes("the TLS switch", &counts, &me, "/myapp/plain-writes");
    assert!(quorum.longest_without_leader < Duration::from_secs(10), "{quorum:?}");
    steps.done("TLS switch complete, no write lost");

    assert_eq!(secure.port(), zk::SECURE, "clients are sent to the secure port");
    let ca = model.action_value(&format!("{TLS_APP}/0"), "get-ca-certificate", &[], "ca-certificate");
    assert_eq!(
        secure.tls_ca.as_deref().map(str::trim),
        Some(ca.trim()),
        "clients get the provider's CA"
    );
    let tls_hosts = zk::hosts(&addresses(&units), zk::SECURE);
    let tls = zk::tls(&ca);
    let over_tls = zk::session(&tls_hosts, &secure.username, &secure.password, Some(&tls)).unwrap();
    over_tls
        .create("/myapp/over-tls", b"t", &acl, CreateMode::Persistent)
        .unwrap();
    for unit in &units {
        // Every server presents a certificate for its own address, signed by the provider's CA.
        let one = [format!("{}:{}", unit.address, zk::SECURE)];
        let session = zk::session(&one, &secure.username, &secure.password, Some(&tls)).unwrap();
        assert_eq!(session.get_data("/myapp/over-tls").unwrap().0, b"t", "{}", unit.name);
    }
    let foreign = charm_interfaces::tls::CertificateAuthority::new_root("not-ours", Duration::from_secs(3600)).unwrap();
    let untrusted = zk::session(
        &tls_hosts,
        &secure.username,
        &secure.password,
        Some(&zk::tls(foreign.certificate())),
    );
    assert!(
        untrusted.is_err(),
        "a CA the servers' certificates do not chain to was accepted"
    );
    assert!(zk::anonymous(&tls_hosts).is_err(), "plain text on the secure port");
    assert!(
        zk::session(&plain_hosts, &secure.username, &secure.password, Some(&tls)).is_err(),
        "TLS on the plain port (port unification must be off after the switch)"
    );
    assert!(
        zk::session(&plain_hosts, &secure.username, &secure.password, None).is_ok(),
        "the plain port keeps serving authenticated clients"
    );
    match tls_handshake(&ca, &units[0].address, 3888) {
        Some(result) => {
            let version = result.unwrap_or_else(|e| panic!("the election port does not speak TLS: {e}"));
            eprintln!("election port 3888: {version}");
        }
        None => eprintln!("python3 not found: quorum TLS checked through the working ensemble only"),
    }
    if let Some(Ok(version)) = tls_handshake(&ca, &units[0].address, zk::SECURE) {
        eprintln!("client port 2182: {version}");
    }
    steps.done("TLS clients work with the provider's CA; quorum ports speak TLS");

    // 3. Password rotation while a client writes over TLS.
    let tls_dir = "/myapp/tls-writes";
    over_tls.create(tls_dir, b"", &acl, CreateMode::Persistent).unwrap();
    let tls_writer = Writer::start(Target {
        hosts: tls_hosts.clone(),
        user: secure.username.clone(),
        password: secure.password.clone(),
        tls: Some(tls.clone()),
        dir: tls_dir.to_owned(),
    });
    let monitor = Monitor::start(addresses(&units));
    let leader = model.leader(APP);
    let new_super = model.action_value(&leader.name, "set-password", &["username=super"], "super-password");
    assert_ne!(new_super, super_password);
    for unit in &units {
        let one = [format!("{}:{}", unit.address, zk::PLAIN)];
        eventually(
            180,
            &format!("{} to load the new super password", unit.name),
            || match (
                zk::session(&one, "super", &new_super, None),
                zk::session(&one, "super", &super_password, None),
            ) {
                (Ok(_), Err(_)) => Ok(()),
                (new, old) => Err(format!("new: {:?}, old: {:?}", new.err(), old.err().map(|_| "refused"))),
            },
        );
    }
    model.wait_active(APP, 3, 120);
    assert_eq!(model.super_password(&units[1].name), new_super);
    steps.done("super password rotated on every server");

    let sync_before = model.action_value(&leader.name, "get-sync-password", &[], "sync-password");
    let new_sync = model.action_value(&leader.name, "set-password", &["username=sync"], "sync-password");
    eventually(300, "the sync rotation to finish", || {
        let now = model.action_value(&leader.name, "get-sync-password", &[], "sync-password");
        if now == new_sync {
            Ok(())
        } else {
            Err(format!("still the old one: {}", now == sync_before))
        }
    });
    model.wait_active(APP, 3, 180);
    let counts = tls_writer.stop();
    let quorum = monitor.stop();
    eprintln!("quorum during the rotations: {quorum:?}");
    let roles = zk::roles(&addresses(&units));
    assert!(zk::one_leader_rest_followers(&roles), "{roles:?}");
    let over_tls = zk::session(&tls_hosts, &secure.username, &secure.password, Some(&tls)).unwrap();
    assert_no_lost_writes("the password rotations", &counts, &over_tls, tls_dir);
    assert!(quorum.longest_without_leader < Duration::from_secs(10), "{quorum:?}");
    steps.done("sync password rotated without losing the quorum; no write lost");
}
