//! Event order of real charm processes, compared with Juju's sequences
//! (juju-contract.md §3): deploy with leader election, relate, scale up and down,
//! remove-relation, remove-application.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{probe_charm, Model};

fn position(events: &[String], wanted: &str) -> usize {
    events
        .iter()
        .position(|e| e == wanted)
        .unwrap_or_else(|| panic!("{wanted} not in {events:?}"))
}

#[test]
fn deploy_relate_scale_and_remove_follow_juju_order() {
    let charm = probe_charm();
    let model = Model::up("1h");
    let charm = charm.to_str().unwrap();
    model.ok(&["deploy", charm, "a", "-n", "2"]);
    model.ok(&["deploy", charm, "b"]);
    model.idle();

    // Deploy: install, peer created, leader hook, config-changed, start; then peers meet.
    let a0 = model.events("a/0");
    assert_eq!(
        a0[..7],
        [
            "install",
            "peers-relation-created",
            "leader-elected",
            "config-changed",
            "start",
            "peers-relation-joined",
            "peers-relation-changed"
        ],
        "a/0: {a0:?}"
    );
    let a1 = model.events("a/1");
    assert_eq!(
        a1[..5],
        [
            "install",
            "peers-relation-created",
            "leader-settings-changed",
            "config-changed",
            "start"
        ],
        "a/1: {a1:?}"
    );
    let b0 = model.events("b/0");
    assert_eq!(
        b0,
        [
            "install",
            "peers-relation-created",
            "leader-elected",
            "config-changed",
            "start"
        ],
        "a single unit has no peer to join"
    );

    // Relate: created first, then joined immediately followed by changed per remote unit.
    model.ok(&["integrate", "a:server", "b:client"]);
    model.idle();
    let b0 = model.events("b/0");
    let created = position(&b0, "client-relation-created");
    assert_eq!(b0[created + 1], "client-relation-joined");
    assert_eq!(b0[created + 2], "client-relation-changed");
    assert_eq!(
        b0.iter().filter(|e| *e == "client-relation-joined").count(),
        2,
        "one per remote unit: {b0:?}"
    );
    let a1 = model.events("a/1");
    let created = position(&a1, "server-relation-created");
    assert_eq!(
        a1[created + 1..created + 3],
        ["server-relation-joined", "server-relation-changed"]
    );

    // Scale up: the new unit starts (created for every relation before the leader hook),
    // then joins; existing units see it join.
    model.ok(&["add-unit", "a"]);
    model.idle();
    let a2 = model.events("a/2");
    assert_eq!(a2[0], "install");
    let leader_hook = position(&a2, "leader-settings-changed");
    assert!(position(&a2, "peers-relation-created") < leader_hook, "{a2:?}");
    assert!(position(&a2, "server-relation-created") < leader_hook, "{a2:?}");
    assert_eq!(a2[leader_hook + 1..leader_hook + 3], ["config-changed", "start"]);
    let b0 = model.events("b/0");
    assert_eq!(
        b0.iter().filter(|e| *e == "client-relation-joined").count(),
        3,
        "{b0:?}"
    );
    let status = model.status();
    assert_eq!(status["applications"]["a"]["scale"], 3);
    let addresses: Vec<String> = ["a/0", "a/1", "a/2"]
        .iter()
        .map(|u| {
            status["applications"]["a"]["units"][u]["address"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(addresses.iter().all(|a| a.starts_with("127.0.1.")), "{addresses:?}");
    assert_eq!(
        addresses.iter().collect::<std::collections::BTreeSet<_>>().len(),
        3,
        "distinct addresses"
    );

    // Scale down: the leaving unit gets departed per counterpart, broken, stop, remove.
    model.ok(&["remove-unit", "a/2"]);
    model.idle();
    let a2 = model.events("a/2");
    let tail: Vec<&str> = a2.iter().rev().take(2).rev().map(String::as_str).collect();
    assert_eq!(tail, ["stop", "remove"], "{a2:?}");
    let broken = position(&a2, "server-relation-broken");
    assert!(a2[..broken].iter().any(|e| e == "server-relation-departed"));
    assert!(
        a2[..broken].iter().filter(|e| *e == "peers-relation-departed").count() == 2,
        "{a2:?}"
    );
    assert!(
        !a2.iter().any(|e| e == "peers-relation-broken"),
        "peer broken never fires"
    );
    let b0 = model.events("b/0");
    assert_eq!(
        b0.last().map(String::as_str),
        Some("client-relation-departed"),
        "{b0:?}"
    );
    assert!(model.status()["applications"]["a"]["units"].get("a/2").is_none());

    // remove-relation: departed per remote unit, then broken, on both sides.
    model.ok(&["remove-relation", "a", "b"]);
    model.idle();
    let b0 = model.events("b/0");
    let n = b0.len();
    assert_eq!(
        b0[n - 3..],
        [
            "client-relation-departed",
            "client-relation-departed",
            "client-relation-broken"
        ],
        "{b0:?}"
    );
    let a0 = model.events("a/0");
    assert_eq!(
        a0[a0.len() - 2..],
        ["server-relation-departed", "server-relation-broken"]
    );

    // remove-application: every unit tears down; the application leaves the model.
    model.ok(&["remove-application", "a"]);
    model.idle();
    for unit in ["a/0", "a/1"] {
        let events = model.events(unit);
        assert_eq!(events[events.len() - 2..], ["stop", "remove"], "{unit}: {events:?}");
        assert!(events.iter().any(|e| e == "peers-relation-departed"));
    }
    // The new leader of a is elected when a/0 goes; b is untouched.
    let status = model.status();
    assert!(status["applications"].get("a").is_none(), "{status}");
    assert_eq!(status["applications"]["b"]["scale"], 1);
}

#[test]
fn config_change_and_refresh_run_their_hooks() {
    let charm = probe_charm();
    let model = Model::up("1h");
    let charm = charm.to_str().unwrap();
    model.ok(&["deploy", charm, "p", "-n", "2", "--config", "greeting=hi"]);
    model.idle();
    let status = model.status();
    assert_eq!(
        status["applications"]["p"]["units"]["p/0"]["workload-status"]["message"],
        "hi from p/0"
    );

    let before = model.events("p/1").len();
    model.ok(&["config", "p", "greeting=bonjour"]);
    model.idle();
    let after = model.events("p/1");
    assert_eq!(after[before], "config-changed", "{after:?}");
    // The new greeting lands in the peer bag, so the other unit hears about it.
    assert!(
        after[before + 1..].iter().any(|e| e == "peers-relation-changed"),
        "{after:?}"
    );
    let shown = model.ok(&["config", "p"]);
    assert!(shown.contains("bonjour"), "{shown}");
    let bad = model.run(&["config", "p", "nope=1"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown option \"nope\""));

    model.ok(&["refresh", "p", "--path", charm]);
    model.idle();
    let p1 = model.events("p/1");
    let stop = p1.iter().rposition(|e| e == "stop").unwrap();
    assert_eq!(
        p1[stop..stop + 5],
        [
            "stop",
            "upgrade-charm",
            "config-changed",
            "leader-settings-changed",
            "start"
        ],
        "{p1:?}"
    );
    assert_eq!(model.status()["applications"]["p"]["charm-rev"], 2);

    // --keep-workloads: the charm is swapped in place; no stop/start, no pod churn.
    let before = model.events("p/1").len();
    model.ok(&["refresh", "p", "--path", charm, "--keep-workloads"]);
    model.idle();
    let p1 = model.events("p/1");
    assert_eq!(
        p1[before..before + 3],
        ["upgrade-charm", "config-changed", "leader-settings-changed"],
        "{p1:?}"
    );
    assert!(
        !p1[before..]
            .iter()
            .any(|e| e == "stop" || e == "start" || e.ends_with("-pebble-ready")),
        "{p1:?}"
    );
    assert_eq!(model.status()["applications"]["p"]["charm-rev"], 3);
}
