//! Invalid config values: Blocked naming the option, and the workload left alone.

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use charm_sdk::model::StatusKind;
use charm_testing::{Context, TestEvent};
use serde_json::json;
use support::sim::{Sim, Zk};

#[test]
fn bad_config_values_block_naming_the_option() {
    let table = [
        ("init-limit", json!(0)),
        ("init-limit", json!(-3)),
        ("sync-limit", json!(0)),
        ("tick-time", json!(0)),
        ("tick-time", json!(3_000_000_000i64)),
        ("log-level", json!("LOUD")),
        ("log-level", json!("warning")),
        ("log-level", json!("")),
    ];
    for (option, value) in table {
        let mut sim = Sim::new(1, 0);
        sim.set_config(option, value.clone());
        let out = sim.run(0, TestEvent::config_changed());
        let status = out.unit_status();
        assert_eq!(status.kind, StatusKind::Blocked, "{option}={value}: {status}");
        assert!(
            status.message.contains(&format!("'{option}'")),
            "{option}={value}: {status}"
        );
        assert!(!sim.running(0), "{option}={value}: the server started anyway");
        assert!(
            sim.app_secrets.is_empty(),
            "{option}={value}: nothing is created with invalid config"
        );
    }
}

#[test]
fn a_running_ensemble_is_left_alone_while_the_config_is_invalid() {
    let mut sim = Sim::new(1, 0);
    sim.settle(4);
    let zoo = sim.file(0, "/etc/zookeeper/zoo.cfg");
    sim.set_config("tick-time", -1);
    let out = sim.run(0, TestEvent::config_changed());
    assert_eq!(out.unit_status().kind, StatusKind::Blocked);
    assert!(sim.running(0));
    assert_eq!(sim.file(0, "/etc/zookeeper/zoo.cfg"), zoo);
    assert!(!sim.units[&0].bag.contains_key("restart"));
}

#[test]
fn valid_values_reach_zoo_cfg() {
    let mut sim = Sim::new(1, 0);
    sim.set_config("init-limit", 10);
    sim.set_config("sync-limit", 5);
    sim.set_config("tick-time", 1000);
    sim.run(0, TestEvent::install());
    let zoo = sim.file(0, "/etc/zookeeper/zoo.cfg").expect("zoo.cfg");
    assert!(zoo.starts_with("initLimit=10\nsyncLimit=5\ntickTime=1000\n"), "{zoo}");
}

#[test]
fn unknown_options_are_refused_before_the_charm_runs() {
    let state = Sim::new(1, 0).state(0).config([("expose-external", "nodeport")]);
    let err = Context::<Zk>::new()
        .run(TestEvent::config_changed(), state)
        .expect_err("refused");
    assert!(err.to_string().contains("expose-external"), "{err}");
}
