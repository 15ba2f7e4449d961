//! End to end, the ensemble's life: three units form a quorum, scale to five and back to three
//! without losing their leader, and recover from a `kill -9` of a server — with Debian's real
//! ZooKeeper run by the local model's Pebble, checked from outside with `mntr` and a real
//! client session.
//!
//! One model for the whole file (deploying is the slow part); the scenarios run in order and
//! each leaves the ensemble healthy for the next. Run alone with
//! `cargo test -p zookeeper-k8s --test e2e_ensemble -- --nocapture` to see the timings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod e2e_support;

use std::time::{Duration, Instant};

use e2e_support::model::{addresses, unit_number, Unit, ZookeeperModel};
use e2e_support::monitor::Monitor;
use e2e_support::{artifacts, eventually, process, wait_quorum, zk, Steps, APP};
use zk_admin::{Acl, CreateMode, Perms};

/// The longest a membership change may leave the ensemble without a leader: an election
/// takes a few hundred ms to a few seconds; losing the quorum takes far longer.
const BRIEF_ELECTION: Duration = Duration::from_secs(5);

/// The ensemble's configuration lists exactly `ids` as voting members and nothing else.
fn wait_members(units: &[Unit], password: &str, ids: &[u32]) {
    let hosts = zk::hosts(&addresses(units), zk::PLAIN);
    eventually(60, &format!("participants {ids:?}"), || {
        let admin = zk::session(&hosts, "super", password, None).map_err(|e| e.to_string())?;
        let (participants, servers) = zk::participants(&admin);
        if participants == ids && servers == ids.len() {
            Ok(())
        } else {
            Err(format!("participants {participants:?} of {servers} servers"))
        }
    });
}

#[test]
fn an_ensemble_forms_scales_and_survives_a_killed_server() {
    e2e_support::require_zookeeper();
    let mut steps = Steps::new("e2e_ensemble");
    let model = e2e_support::model::up("ensemble", "10s");
    let charm = artifacts::pack_zookeeper(model.path());
    steps.done("build, pack and model up");

    // 1. Three units, active, one quorum.
    model.deploy_zookeeper(&charm, 3);
    let units = model.wait_active(APP, 3, 180);
    wait_quorum(&units);
    let password = model.super_password(&units[0].name);
    wait_members(&units, &password, &[1, 2, 3]);
    steps.done("3 units active, one leader, two followers, 3 participants");

    // 4. 3 → 5 → 3 while watching the leader.
    let monitor = Monitor::start(addresses(&units));
    model.ok(&["add-unit", APP, "-n", "2"]);
    let five = model.wait_active(APP, 5, 180);
    monitor.watch_also(&addresses(&five));
    wait_quorum(&five);
    wait_members(&five, &password, &[1, 2, 3, 4, 5]);
    steps.done("scaled to 5: 5 participants");
    let leaving: Vec<String> = five
        .iter()
        .filter(|u| unit_number(&u.name) >= 3)
        .map(|u| u.name.clone())
        .collect();
    let mut args = vec!["remove-unit"];
    args.extend(leaving.iter().map(String::as_str));
    model.ok(&args);
    let three = model.wait_active(APP, 3, 180);
    assert_eq!(addresses(&three), addresses(&units), "the first three units stay");
    wait_quorum(&three);
    wait_members(&three, &password, &[1, 2, 3]);
    let quorum = monitor.stop();
    eprintln!("quorum while scaling: {quorum:?}");
    assert!(quorum.rounds > 10, "the monitor ran: {quorum:?}");
    assert!(
        quorum.longest_without_leader < BRIEF_ELECTION,
        "the ensemble had no leader for {:?} while scaling",
        quorum.longest_without_leader
    );
    for gone in five.iter().filter(|u| leaving.contains(&u.name)) {
        assert_eq!(zk::role(&gone.address), None, "{} still serves", gone.name);
    }
    steps.done("scaled back to 3: exactly the 3 remaining members");

    // 6. kill -9 of the leader's server process: Pebble restarts it, the ensemble recovers,
    // data written before is still there.
    let hosts = zk::hosts(&addresses(&three), zk::PLAIN);
    let admin = zk::session(&hosts, "super", &password, None).unwrap();
    let acl = [Acl::sasl("super", Perms::ALL)];
    admin
        .create("/e2e-kill", b"before the kill", &acl, CreateMode::Persistent)
        .unwrap();
    drop(admin);
    let victim = three
        .iter()
        .find(|u| zk::role(&u.address).as_deref() == Some("leader"))
        .expect("a leader")
        .clone();
    let pid = process::listening_pid(&victim.address, zk::PLAIN).expect("the leader's server process");
    assert_eq!(
        process::parent_pid(pid),
        Some(model.controller_pid()),
        "pid {pid} is not a workload of this model"
    );
    let socket = model.pebble_socket(&victim.name, "zookeeper");
    let (state, since) = process::pebble_service(&socket, "zookeeper").expect("Pebble answers");
    assert_eq!(state, "active");
    let killed_at = Instant::now();
    process::kill9(pid);
    eventually(10, "the killed process to be gone", || {
        (!process::alive(pid)).then_some(()).ok_or_else(|| "alive".to_owned())
    });
    let new_pid = eventually(60, "Pebble to restart the server", || {
        match process::listening_pid(&victim.address, zk::PLAIN) {
            Some(p) if p != pid => Ok(p),
            other => Err(format!("listening: {other:?}")),
        }
    });
    let (state, new_since) = process::pebble_service(&socket, "zookeeper").expect("Pebble answers");
    assert_eq!(state, "active");
    assert_ne!(new_since, since, "Pebble's service restarted");
    assert_eq!(process::parent_pid(new_pid), Some(model.controller_pid()));
    wait_quorum(&three);
    let recovered = killed_at.elapsed();
    for unit in &three {
        let admin = zk::session(&[format!("{}:{}", unit.address, zk::PLAIN)], "super", &password, None).unwrap();
        let (data, _) = admin.get_data("/e2e-kill").unwrap();
        assert_eq!(data, b"before the kill", "on {}", unit.name);
    }
    model.wait_active(APP, 3, 120);
    eprintln!(
        "killed {} (pid {pid}); back as pid {new_pid}, quorum in {recovered:?}",
        victim.name
    );
    steps.done("kill -9 of the leader: restarted by Pebble, quorum and data back");
}
