//! End to end, an in-place upgrade of three real ZooKeeper servers, as an operator runs it:
//! `pre-upgrade-check` on the leader, `refresh` to a re-packed charm, check the first
//! upgraded unit, `resume-upgrade`, and the rest follow — while a client keeps writing.
//!
//! Checked from outside: each server's PID (the process listening on 2181) changes exactly
//! once, one unit at a time, highest number first; the monitor never sees the ensemble
//! without a leader for longer than an election; no write fails beyond the writer's bounded
//! retry; every unit ends active with its upgrade `state` back to `idle` and the stack empty.
//!
//! The local model's `refresh --keep-workloads` swaps the charm without replacing the pods
//! (it has no StatefulSet partition; see the README's deviations): the charm restarts each
//! server itself, under its rolling-restart lock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod e2e_support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e_support::model::{addresses, unit_number, Model, Unit, ZookeeperModel};
use e2e_support::monitor::Monitor;
use e2e_support::writer::{self, Target, Writer};
use e2e_support::{artifacts, eventually, process, wait_quorum, zk, Steps, APP};
use serde_json::Value;
use zk_admin::{Acl, CreateMode, Perms};

/// An election after a server restart takes a few hundred ms to a few seconds.
const BRIEF_ELECTION: Duration = Duration::from_secs(10);

/// Per unit, each distinct server PID seen and when it was first and last seen.
type PidLog = BTreeMap<String, Vec<(u32, Instant, Instant)>>;

/// Samples the listening PID of every server every 100 ms until stopped.
fn watch_pids(units: Vec<Unit>, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<PidLog> {
    std::thread::spawn(move || {
        let mut log = PidLog::new();
        while !stop.load(Ordering::SeqCst) {
            for unit in &units {
                let Some(pid) = process::listening_pid(&unit.address, zk::PLAIN) else {
                    continue;
                };
                let now = Instant::now();
                let seen = log.entry(unit.name.clone()).or_default();
                match seen.last_mut() {
                    Some((last, _, until)) if *last == pid => *until = now,
                    _ => seen.push((pid, now, now)),
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        log
    })
}

/// The `upgrade` relation as `show-unit` shows it from `unit`: app bag and unit states.
#[track_caller]
fn upgrade_relation(model: &Model, unit: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let shown: Value = serde_json::from_str(&model.ok(&["show-unit", unit, "--format", "json"])).unwrap();
    let rel = shown[unit]["relation-info"]
        .as_array()
        .and_then(|rels| rels.iter().find(|r| r["endpoint"] == "upgrade"))
        .cloned()
        .unwrap_or_else(|| panic!("no upgrade relation in {shown}"));
    let strings = |v: &Value| -> BTreeMap<String, String> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let app = strings(&rel["application-data"]);
    let mut states = BTreeMap::new();
    states.insert(
        unit.to_owned(),
        strings(&rel["local-unit"]["data"]).remove("state").unwrap_or_default(),
    );
    if let Some(related) = rel["related-units"].as_object() {
        for (name, v) in related {
            states.insert(name.clone(), strings(&v["data"]).remove("state").unwrap_or_default());
        }
    }
    (app, states)
}

#[test]
fn an_in_place_upgrade_restarts_one_server_at_a_time_without_losing_writes() {
    e2e_support::require_zookeeper();
    let mut steps = Steps::new("e2e_upgrade");
    let model = e2e_support::model::up("upgrade", "5s");
    let charm = artifacts::pack_zookeeper(model.path());
    let repacked_dir = model.path().join("repacked");
    std::fs::create_dir_all(&repacked_dir).unwrap();
    let repacked = artifacts::pack_zookeeper(&repacked_dir);
    steps.done("build, pack twice and model up");

    model.deploy_zookeeper(&charm, 3);
    let units = model.wait_active(APP, 3, 180);
    let leader = model.leader(APP).name;
    wait_quorum(&units);
    let (app, states) = upgrade_relation(&model, &leader);
    assert!(states.values().all(|s| s == "idle"), "{states:?}");
    assert!(
        app["dependencies"].contains(r#""upgrade_supported": "^3.6""#),
        "{app:?}"
    );
    steps.done("3 units active, upgrade states idle");

    // Refused where it must be.
    let follower = units.iter().find(|u| u.name != leader).unwrap().name.clone();
    let refused = model.try_action(&follower, "pre-upgrade-check", &[]).unwrap_err();
    assert!(refused.contains("Action must be ran on the Juju leader."), "{refused}");
    let refused = model.try_action(&leader, "resume-upgrade", &[]).unwrap_err();
    assert!(refused.contains("Nothing to resume, upgrade stack unset."), "{refused}");

    // A client writes for the whole upgrade.
    let password = model.super_password(&leader);
    let hosts = zk::hosts(&addresses(&units), zk::PLAIN);
    let admin = zk::session(&hosts, "super", &password, None).unwrap();
    let acl = [Acl::sasl("super", Perms::ALL)];
    admin
        .create("/upgrade-writes", b"", &acl, CreateMode::Persistent)
        .unwrap();
    let writes = Writer::start(Target {
        hosts: hosts.clone(),
        user: "super".to_owned(),
        password: password.clone(),
        tls: None,
        dir: "/upgrade-writes".to_owned(),
    });
    let monitor = Monitor::start(addresses(&units));
    let stop_pids = Arc::new(AtomicBool::new(false));
    let pids = watch_pids(units.clone(), Arc::clone(&stop_pids));

    let checked = model.action(&leader, "pre-upgrade-check", &[]);
    assert_eq!(checked["upgrade-stack"], "[0, 1, 2]", "{checked:?}");
    let (app, _) = upgrade_relation(&model, &leader);
    assert_eq!(app["upgrade-stack"], "[0, 1, 2]");
    // As in the library, the check may be re-run until the refresh (the units are still idle).
    let again = model.action(&leader, "pre-upgrade-check", &[]);
    assert_eq!(again["upgrade-stack"], "[0, 1, 2]");
    let refused = model
        .try_action(&leader, "set-password", &["username=super"])
        .unwrap_err();
    assert!(
        refused.contains("Cannot set password while upgrading (upgrade_stack: [0, 1, 2])"),
        "{refused}"
    );
    steps.done("pre-upgrade-check: stack [0, 1, 2]; set-password refused");

    model.ok(&["refresh", APP, "--path", repacked.to_str().unwrap(), "--keep-workloads"]);
    let last = format!("{APP}/2");
    eventually(90, "unit 2 upgraded and unit 1 held for resume-upgrade", || {
        let (app, states) = upgrade_relation(&model, &leader);
        let held = model
            .units(APP)
            .iter()
            .any(|u| u.name == format!("{APP}/1") && u.message.contains("waiting for resume-upgrade"));
        if app.get("upgrade-stack").map(String::as_str) == Some("[0, 1]") && states[&last] == "completed" && held {
            Ok(())
        } else {
            Err(format!("{app:?} {states:?}"))
        }
    });
    steps.done("refresh: unit 2 restarted, checked and completed; unit 1 waits");
    let resumed = model.action(&leader, "resume-upgrade", &[]);
    assert_eq!(resumed["message"], "Upgrade will resume on unit 1");

    eventually(120, "every unit completed and idle, stack empty", || {
        let (app, states) = upgrade_relation(&model, &leader);
        let done = app.get("upgrade-stack").map(String::as_str) == Some("[]")
            && states.values().all(|s| s == "idle")
            && app.get("upgrade-partition").is_none_or(|p| p.is_empty());
        done.then_some(()).ok_or(format!("{app:?} {states:?}"))
    });
    let after = model.wait_active(APP, 3, 60);
    let counts = writes.stop();
    let quorum = monitor.stop();
    stop_pids.store(true, Ordering::SeqCst);
    let pids = pids.join().unwrap();
    steps.done("resume-upgrade: units 1 and 0 upgraded; all active, stack empty");

    eprintln!("writes during the upgrade: {counts:?}");
    eprintln!("quorum during the upgrade: {quorum:?}");
    eprintln!("server PIDs: {pids:?}");
    assert!(counts.attempted > 20, "the writer ran: {counts:?}");
    assert_eq!(counts.failed, 0, "writes failed after retrying: {:?}", counts.errors);
    assert_eq!(counts.succeeded, counts.attempted);
    let admin = zk::session(&hosts, "super", &password, None).unwrap();
    assert_eq!(
        writer::stored(&admin, "/upgrade-writes"),
        counts.succeeded,
        "acknowledged writes stored"
    );
    assert!(quorum.rounds > 10, "{quorum:?}");
    assert!(
        quorum.longest_without_leader < BRIEF_ELECTION,
        "no leader for {:?} during the upgrade",
        quorum.longest_without_leader
    );

    // One restart per server, one server at a time, highest number first.
    let mut windows = Vec::new();
    for unit in &after {
        let seen = &pids[&unit.name];
        assert_eq!(seen.len(), 2, "{}: one restart, PIDs {seen:?}", unit.name);
        let (old_last_seen, new_first_seen) = (seen[0].2, seen[1].1);
        windows.push((unit_number(&unit.name), old_last_seen, new_first_seen));
    }
    windows.sort_by_key(|w| w.2);
    let order: Vec<u32> = windows.iter().map(|w| w.0).collect();
    assert_eq!(order, [2, 1, 0], "restart order");
    for pair in windows.windows(2) {
        assert!(
            pair[0].2 <= pair[1].1,
            "unit {} was down while unit {} was not back yet",
            pair[1].0,
            pair[0].0
        );
    }
    for unit in &after {
        assert_eq!(unit.workload, "active", "{unit:?}");
    }
    steps.done("one restart per server, in order 2, 1, 0; no write lost; quorum kept");
}
