//! TLS: certificates from the `certificates` relation, PKCS#12 stores pushed 0600, and the
//! plain↔TLS switch in three rolling steps during which every pair of servers can still talk;
//! a new CA is trusted everywhere before any server presents it; renewal needs no restart.

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use std::time::Duration;

use charm_interfaces::tls::testing::{provider_relation, revoke_all};
use charm_interfaces::tls::wire::RequirerData;
use charm_interfaces::tls::CertificateAuthority;
use charm_sdk::Status;
use charm_testing::{Relation, TestEvent};
use support::sim::{all_restarts, Sim};
use support::tls::{answer_csrs, relate_certificates, with_tls, CERTS};
use zookeeper_k8s::tls::fingerprint;

fn ca(name: &str) -> CertificateAuthority {
    CertificateAuthority::new_root(name, Duration::from_secs(30 * 86_400)).expect("CA")
}

fn phase(sim: &Sim) -> (String, String, String) {
    let get = |k: &str| sim.app_bag.get(k).cloned().unwrap_or_default();
    let quorum = sim
        .app_bag
        .get("quorum")
        .cloned()
        .unwrap_or_else(|| "non-ssl".to_owned());
    (get("tls"), get("switching-encryption"), quorum)
}

/// (sslQuorum, portUnification) of the running server, from its zoo.cfg.
fn quorum_mode(sim: &Sim, n: u32) -> (bool, bool) {
    let zoo = sim.file(n, "/etc/zookeeper/zoo.cfg").unwrap_or_default();
    (
        zoo.contains("\nsslQuorum=true\n"),
        zoo.contains("\nportUnification=true\n"),
    )
}

/// Runs every unit until the world settles, checking after every hook that every pair of
/// running servers speaks a common quorum protocol and that at most one server restarted.
fn drive(sim: &mut Sim, phases: &mut Vec<(String, String, String)>) {
    for _ in 0..40 {
        let snapshot = |sim: &Sim| {
            format!(
                "{:?}{:?}",
                sim.app_bag,
                sim.units.values().map(|u| &u.bag).collect::<Vec<_>>()
            )
        };
        let before = snapshot(sim);
        for n in [0, 1, 2] {
            let restarted = all_restarts(sim);
            sim.run(n, TestEvent::update_status());
            assert!(
                all_restarts(sim) <= restarted + 1,
                "more than one server restarted in a hook"
            );
            for a in 0..3 {
                for b in 0..3 {
                    let (ssl_a, unified_a) = quorum_mode(sim, a);
                    let (ssl_b, unified_b) = quorum_mode(sim, b);
                    assert!(
                        ssl_a == ssl_b || (unified_a && unified_b),
                        "units {a} and {b} cannot talk: {:?} vs {:?} in phase {:?}",
                        (ssl_a, unified_a),
                        (ssl_b, unified_b),
                        phase(sim)
                    );
                }
            }
            if phases.last() != Some(&phase(sim)) {
                phases.push(phase(sim));
            }
        }
        let settled = before == snapshot(sim)
            && sim.units.values().all(|u| !u.bag.contains_key("restart"))
            && !sim.app_bag.contains_key("restart-lock");
        if settled {
            return;
        }
    }
    panic!("did not settle: {:?}", sim.app_bag);
}

fn p(tls: &str, switching: &str, quorum: &str) -> (String, String, String) {
    (tls.to_owned(), switching.to_owned(), quorum.to_owned())
}

#[test]
fn plain_to_tls_and_back_in_three_rolling_steps_each() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    let ca = ca("zk-test-ca");
    sim.relate(provider_relation("certificates").id(CERTS));
    for n in 0..3 {
        let rel = sim.relation_view(n, CERTS);
        let out = sim.run(n, TestEvent::relation_created(&rel));
        assert_eq!(out.unit_status(), &Status::waiting("waiting for a TLS certificate"));
    }
    assert!(
        !sim.app_bag.contains_key("tls"),
        "no switch before the certificates arrive"
    );
    answer_csrs(&mut sim, &ca, &[0, 1, 2]);

    let mut phases = vec![phase(&sim)];
    drive(&mut sim, &mut phases);
    assert_eq!(
        phases,
        [
            p("", "", "non-ssl"),
            p("enabled", "started", "non-ssl"),
            p("enabled", "started", "ssl"),
            p("enabled", "", "ssl"),
        ]
    );
    for n in 0..3 {
        let zoo = sim.file(n, "/etc/zookeeper/zoo.cfg").expect("zoo.cfg");
        assert!(
            zoo.contains("\nsslQuorum=true\n") && zoo.contains("\nsecureClientPort=2182\n"),
            "{zoo}"
        );
        assert!(!zoo.contains("portUnification"), "{zoo}");
        for store in ["/etc/zookeeper/keystore.p12", "/etc/zookeeper/truststore.p12"] {
            let file = &sim.units[&n].container.files[store];
            assert_eq!(
                (file.permissions, file.owner.user.as_deref()),
                (0o600, Some("zookeeper")),
                "{store}"
            );
        }
        assert_eq!(sim.units[&n].bag["quorum"], "ssl");
    }

    // The certificates relation goes: back to plain, again in three steps.
    for n in 0..3 {
        let rel = sim.relation_view(n, CERTS);
        sim.run(n, TestEvent::relation_broken(&rel));
    }
    sim.unrelate(CERTS);
    let mut phases = vec![phase(&sim)];
    drive(&mut sim, &mut phases);
    assert_eq!(
        phases,
        [
            p("", "started", "ssl"),
            p("", "started", "non-ssl"),
            p("", "", "non-ssl")
        ],
        "relation-broken starts the switch back"
    );
    for n in 0..3 {
        let zoo = sim.file(n, "/etc/zookeeper/zoo.cfg").expect("zoo.cfg");
        assert!(!zoo.contains("ssl") && !zoo.contains("portUnification"), "{zoo}");
        sim.run(n, TestEvent::update_status());
        assert!(
            sim.file(n, "/etc/zookeeper/keystore.p12").is_none(),
            "stores removed at the end"
        );
    }
}

#[test]
fn the_switch_waits_for_every_units_certificate() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    relate_certificates(&mut sim, 3);
    answer_csrs(&mut sim, &ca("partial"), &[0, 1]);
    for _ in 0..3 {
        for n in 0..3 {
            sim.run(n, TestEvent::update_status());
        }
    }
    assert!(!sim.app_bag.contains_key("tls"));
    assert_eq!(sim.units[&0].bag["tls-ready"], "true");
    assert!(!sim.units[&2].bag.contains_key("tls-ready"));
}

#[test]
fn clients_get_the_tls_port_and_the_ca_once_the_switch_is_over() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    sim.relate(
        Relation::new("zookeeper")
            .id(7)
            .remote_app("kafka-k8s")
            .remote_app_data([
                ("database", "/kafka"),
                (
                    "requested-secrets",
                    r#"["username", "password", "tls", "tls-ca", "uris"]"#,
                ),
            ]),
    );
    let ca = ca("client-ca");
    with_tls(&mut sim, &ca);
    drive(&mut sim, &mut Vec::new());
    sim.settle(6);
    let answer = &sim
        .relations
        .iter()
        .find(|r| r.id.0 == 7)
        .expect("client")
        .local_app_data;
    assert!(
        answer["endpoints"].split(',').all(|e| e.ends_with(":2182")),
        "{}",
        answer["endpoints"]
    );
    let tls = sim
        .app_secrets
        .iter()
        .find(|s| s.label.as_deref() == Some("zookeeper.7.tls.secret"))
        .expect("tls secret");
    assert_eq!(tls.newest_content()["tls"], "enabled");
    assert_eq!(
        fingerprint(&tls.newest_content()["tls-ca"]),
        fingerprint(ca.certificate())
    );
}

#[test]
fn a_new_ca_is_trusted_everywhere_before_anyone_presents_it_and_nothing_all_restarts() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    let old = ca("old-ca");
    with_tls(&mut sim, &old);
    drive(&mut sim, &mut Vec::new());
    let restarted = all_restarts(&sim);
    let new = ca("new-ca");
    let new_fp = fingerprint(new.certificate());

    let rel = sim.relations.iter().find(|r| r.id.0 == CERTS).expect("certs").clone();
    let revoked = revoke_all(&rel).expect("revoked");
    if let Some(r) = sim.relations.iter_mut().find(|r| r.id.0 == CERTS) {
        r.remote_app_data = revoked.remote_app_data;
    }
    answer_csrs(&mut sim, &new, &[0, 1, 2]);
    let mut waited = false;
    for _ in 0..6 {
        for n in 0..3 {
            let out = sim.run(n, TestEvent::update_status());
            waited |= out.unit_status()
                == &Status::waiting("waiting for every unit to trust the new CA before using the new certificate");
            for (a, unit) in &sim.units {
                let presented = unit.bag.get("tls-presented").cloned().unwrap_or_default();
                for (b, other) in &sim.units {
                    let trusted = other.bag.get("tls-trusted").cloned().unwrap_or_default();
                    assert!(
                        a == b || trusted.split(',').any(|f| f == presented),
                        "unit {a} presents a CA unit {b} does not trust"
                    );
                }
            }
        }
    }
    assert!(waited, "some unit had to wait for its peers");
    for unit in sim.units.values() {
        assert_eq!(unit.bag["tls-presented"], new_fp);
        assert_eq!(unit.bag["tls-trusted"], new_fp, "the old CA left the truststores");
    }
    assert_eq!(all_restarts(&sim), restarted, "a CA change needs no restart");
}

#[test]
fn renewal_rewrites_the_keystore_without_a_restart() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    let ca = ca("renew-ca");
    with_tls(&mut sim, &ca);
    drive(&mut sim, &mut Vec::new());
    let restarted = all_restarts(&sim);
    let keystore = sim.units[&1].container.files["/etc/zookeeper/keystore.p12"]
        .content
        .clone();

    let rel = sim.relations.iter().find(|r| r.id.0 == CERTS).expect("certs").clone();
    let revoked = revoke_all(&rel).expect("revoked");
    if let Some(r) = sim.relations.iter_mut().find(|r| r.id.0 == CERTS) {
        r.remote_app_data = revoked.remote_app_data;
    }
    answer_csrs(&mut sim, &ca, &[0, 1, 2]);
    sim.run(1, TestEvent::update_status());
    assert_ne!(
        sim.units[&1].container.files["/etc/zookeeper/keystore.p12"].content,
        keystore
    );
    sim.settle(4);
    assert_eq!(all_restarts(&sim), restarted);
}

#[test]
fn ip_sans_follow_the_config() {
    let mut sim = Sim::new(1, 0);
    sim.set_config("certificate-include-ip-sans", false);
    sim.relate(provider_relation("certificates").id(CERTS));
    let rel = sim.relation_view(0, CERTS);
    sim.run(0, TestEvent::relation_created(&rel));
    let bag = &sim.units[&0].relation_bags[&CERTS];
    let data = RequirerData::from_bag(bag, "bag").expect("csr");
    let csr = charm_interfaces::tls::CsrInfo::parse(&data.certificate_signing_requests[0].certificate_signing_request)
        .expect("parse");
    assert!(csr.request.sans_ip.is_empty());
    assert!(csr.request.sans_dns.contains("zookeeper-k8s-0.zookeeper-k8s-endpoints"));
    assert_eq!(
        csr.request.common_name.as_deref(),
        Some("zookeeper-k8s-0.zookeeper-k8s-endpoints")
    );

    sim.set_config("certificate-include-ip-sans", true);
    sim.run(0, TestEvent::config_changed());
    let bag = &sim.units[&0].relation_bags[&CERTS];
    let data = RequirerData::from_bag(bag, "bag").expect("csr");
    let csr = charm_interfaces::tls::CsrInfo::parse(&data.certificate_signing_requests[0].certificate_signing_request)
        .expect("parse");
    assert_eq!(
        csr.request.sans_ip.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["10.1.0.10"]
    );
}

#[test]
fn a_unit_added_to_a_tls_ensemble_waits_for_its_certificate_then_joins() {
    let mut sim = Sim::new(3, 0);
    sim.settle(8);
    let ca = ca("scale-ca");
    with_tls(&mut sim, &ca);
    drive(&mut sim, &mut Vec::new());

    sim.add_unit(3);
    let out = sim.run(3, TestEvent::install());
    assert_eq!(out.unit_status(), &Status::waiting("waiting for a TLS certificate"));
    assert!(!sim.running(3), "a plain server cannot join an encrypted quorum");
    answer_csrs(&mut sim, &ca, &[0, 1, 2, 3]);
    sim.run(3, TestEvent::update_status());
    assert!(sim.running(3));
    let zoo = sim.file(3, "/etc/zookeeper/zoo.cfg").expect("zoo.cfg");
    assert!(zoo.contains("\nsslQuorum=true\n"), "{zoo}");
    sim.run(0, TestEvent::update_status());
    assert_eq!(sim.app_bag["3"], "added");
}
