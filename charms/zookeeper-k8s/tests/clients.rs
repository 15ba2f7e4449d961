//! Client applications on the `zookeeper` endpoint: user, password, chroot with ACLs, and
//! credentials published only after every server loaded the user; removal on broken.

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use charm_sdk::Status;
use charm_testing::{Relation, TestEvent};
use support::fake_zk::{chroot_calls, with_zk, Call};
use support::sim::Sim;

const KAFKA_REQUESTED: &str = r#"["username", "password", "tls", "tls-ca", "uris"]"#;
const REL: u32 = 7;

fn kafka() -> Relation {
    Relation::new("zookeeper")
        .id(REL)
        .interface("zookeeper")
        .remote_app("kafka-k8s")
        .remote_app_data([("database", "/kafka-k8s"), ("requested-secrets", KAFKA_REQUESTED)])
}

fn published(sim: &Sim) -> bool {
    sim.relations
        .iter()
        .find(|r| r.id.0 == REL)
        .is_some_and(|r| r.local_app_data.contains_key("secret-user"))
}

fn everyone_knows(sim: &Sim, user: &str) -> bool {
    sim.units.values().all(|u| {
        u.bag
            .get("jaas-users")
            .is_some_and(|users| users.split(',').any(|x| x == user))
    })
}

fn settled_three() -> Sim {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    sim
}

#[test]
fn a_client_gets_its_chroot_and_credentials_only_after_every_server_loaded_its_user() {
    let mut sim = settled_three();
    sim.relate(kafka());
    let rel = sim.relation_view(0, REL);
    let out = sim.run(0, TestEvent::relation_changed(&rel));

    // The password exists, the chroot is created for that user only, nothing published yet.
    let secret = out.state.secret_by_label("cluster.zookeeper-k8s.app").expect("secret");
    let password = secret.newest_content()["relation-7"].clone();
    assert_eq!(password.len(), 32);
    assert_eq!(
        chroot_calls(),
        [Call::EnsureChroot {
            path: "/kafka-k8s".into(),
            user: "relation-7".into(),
            perms: "cdrwa".into(),
            password_len: 32
        }]
    );
    assert_eq!(with_zk(|zk| zk.chroots["/kafka-k8s"].password.clone()), password);
    assert_eq!(sim.app_bag["chroot-7"], "/kafka-k8s:cdrwa");
    assert!(!published(&sim), "published before the servers know the user");
    assert_eq!(
        out.state.app_status,
        Status::waiting("client relation zookeeper:7: waiting for every server to load its user")
    );

    // The rolling restart: check after every hook that nothing is published too early.
    let super_password = secret.newest_content()["super-password"].clone();
    for _ in 0..8 {
        for n in [0, 1, 2] {
            let out = sim.run(n, TestEvent::update_status());
            let seen = format!(
                "{:?}{:?}{:?}{:?}",
                out.logs, out.calls, out.unit_status_history, out.app_status_history
            );
            assert!(
                !seen.contains(&password) && !seen.contains(&super_password),
                "a password leaked: {seen}"
            );
            assert!(
                !format!("{:?}", sim.units[&n].bag).contains(&password),
                "a password in peer data"
            );
            assert!(
                !published(&sim) || everyone_knows(&sim, "relation-7"),
                "published before every server restarted"
            );
        }
    }
    assert!(published(&sim));
    assert_eq!(chroot_calls().len(), 1, "the chroot is set up once");

    let answer = &sim.relations[0].local_app_data;
    assert_eq!(answer["database"], "/kafka-k8s");
    assert_eq!(answer["chroot"], "/kafka-k8s");
    assert_eq!(
        answer["endpoints"],
        "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181,zookeeper-k8s-1.zookeeper-k8s-endpoints:2181,zookeeper-k8s-2.zookeeper-k8s-endpoints:2181"
    );
    assert!(
        !format!("{answer:?}").contains(&password),
        "password in plain relation data"
    );
    let user = sim
        .app_secrets
        .iter()
        .find(|s| s.label.as_deref() == Some("zookeeper.7.user.secret"))
        .expect("user secret");
    let content = user.newest_content();
    assert_eq!(content["username"], "relation-7");
    assert_eq!(content["password"], password);
    assert!(content["uris"].ends_with(":2181/kafka-k8s"), "{}", content["uris"]);
    let tls = sim
        .app_secrets
        .iter()
        .find(|s| s.label.as_deref() == Some("zookeeper.7.tls.secret"))
        .expect("tls secret");
    assert_eq!(tls.newest_content()["tls"], "disabled");
    for n in 0..3 {
        let jaas = sim.file(n, "/etc/zookeeper/zookeeper-jaas.cfg").expect("jaas");
        assert!(jaas.contains(&format!("user_relation-7=\"{password}\"")));
    }
}

#[test]
fn relation_broken_removes_the_user_and_keeps_the_chroot() {
    let mut sim = settled_three();
    sim.relate(kafka());
    sim.settle(12);
    assert!(published(&sim));

    let rel = sim.relation_view(0, REL);
    let out = sim.run(0, TestEvent::relation_broken(&rel));
    let secret = out.state.secret_by_label("cluster.zookeeper-k8s.app").expect("secret");
    assert!(!secret.newest_content().contains_key("relation-7"));
    assert!(!sim.app_bag.contains_key("chroot-7"));
    assert!(
        out.state.secret_by_label("zookeeper.7.user.secret").is_none(),
        "per-relation secret removed"
    );
    sim.unrelate(REL);
    sim.settle(12);
    for n in 0..3 {
        let jaas = sim.file(n, "/etc/zookeeper/zookeeper-jaas.cfg").expect("jaas");
        assert!(!jaas.contains("relation-7"), "unit {n} still lets relation-7 in");
        assert_eq!(
            sim.units[&n]
                .bag
                .get("jaas-users")
                .map(String::as_str)
                .unwrap_or_default(),
            ""
        );
    }
    assert!(
        with_zk(|zk| zk.chroots.contains_key("/kafka-k8s")),
        "the chroot and its data stay"
    );
}

#[test]
fn requested_rights_and_bad_chroots() {
    let mut sim = Sim::new(1, 0);
    sim.settle(4);
    sim.relate(
        Relation::new("zookeeper")
            .id(8)
            .remote_app("reader")
            .remote_app_data([("database", "reader"), ("extra-user-roles", "rw")]),
    );
    sim.relate(
        Relation::new("zookeeper")
            .id(9)
            .remote_app("bad")
            .remote_app_data([("database", "/zookeeper/x")]),
    );
    let out = sim.run(0, TestEvent::config_changed());
    assert!(chroot_calls().contains(&Call::EnsureChroot {
        path: "/reader".into(),
        user: "relation-8".into(),
        perms: "rw".into(),
        password_len: 32
    }));
    assert!(!chroot_calls()
        .iter()
        .any(|c| matches!(c, Call::EnsureChroot { path, .. } if path.starts_with("/zookeeper"))));
    assert_eq!(
        out.state.app_status,
        Status::blocked("relation zookeeper:9: \"/zookeeper/x\" is not a usable chroot")
    );
    let secret = out.state.secret_by_label("cluster.zookeeper-k8s.app").expect("secret");
    assert!(
        !secret.newest_content().contains_key("relation-9"),
        "no user for an invalid request"
    );
}

#[test]
fn a_relation_without_a_chroot_yet_gets_nothing() {
    let mut sim = Sim::new(1, 0);
    sim.settle(4);
    sim.relate(Relation::new("zookeeper").id(10).remote_app("early"));
    let out = sim.run(0, TestEvent::config_changed());
    assert!(chroot_calls().is_empty());
    let secret = out.state.secret_by_label("cluster.zookeeper-k8s.app").expect("secret");
    assert!(!secret.newest_content().contains_key("relation-10"));
}
