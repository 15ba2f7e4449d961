//! Services of the local model's Pebble as real processes, driven by the SDK's client:
//! layers and plan, replan starting `startup: enabled` services, restart with backoff after
//! a SIGKILL, `on-failure: shutdown` restarting the "container", kill-delay on stop,
//! `requires`, replan restarting changed services, start errors, signals, logs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pebble_common;

use std::time::{Duration, Instant};

use charm_sdk::pebble::{Layer, Pebble, PebbleError, ServiceStatus};
use local_model::pebble::{PebbleEvent, PebbleOptions};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use pebble_common::{alive, http_get, need_root, wait_until, Harness};

fn status(harness: &Harness, name: &str) -> ServiceStatus {
    harness.client().get_services(&[name]).unwrap()[0].current
}

fn pid_of(harness: &Harness, name: &str) -> Option<u32> {
    harness
        .server()
        .service_pids()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p)
}

#[test]
fn layers_plan_and_label_rules() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    let client = harness.client();
    assert!(client.system_info().unwrap().version.starts_with('v'));
    let base = Layer::from_yaml(
        "services:\n  web:\n    override: replace\n    command: sleep 1000\n    environment: {A: '1'}\n",
    )
    .unwrap();
    client.add_layer("base", &base, false).unwrap();
    let again = client.add_layer("base", &base, false).unwrap_err();
    assert_eq!(again.to_string(), r#"layer "base" already exists"#);
    let merge = Layer::from_yaml("services:\n  web:\n    override: merge\n    environment: {B: '2'}\n").unwrap();
    client.add_layer("base", &merge, true).unwrap();
    let plan = client.get_plan().unwrap();
    assert_eq!(plan.services["web"].environment.len(), 2);
    let missing = Layer::from_yaml("services:\n  x:\n    override: replace\n").unwrap();
    let err = client.add_layer("broken", &missing, false).unwrap_err();
    assert_eq!(err.to_string(), r#"plan must define "command" for service "x""#);
    let err = client.start_services(&["nope"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"cannot start services: service "nope" does not exist"#
    );
    let err = client.start_services(&[]).unwrap_err();
    assert_eq!(err.to_string(), "must specify services for start action");
    harness.shutdown();
}

#[test]
fn replan_starts_and_sigkill_restarts_with_backoff() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    harness.add_layer(
        r#"
services:
  sleeper:
    override: replace
    command: sleep 1000
    startup: enabled
    backoff-delay: 300ms
    backoff-factor: 2
"#,
    );
    let client = harness.client();
    let started = Instant::now();
    client.replan_services().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "replan waits for the okay delay"
    );
    assert_eq!(status(&harness, "sleeper"), ServiceStatus::Active);
    let first = pid_of(&harness, "sleeper").unwrap();
    assert!(alive(first));

    kill(Pid::from_raw(first as i32), Signal::SIGKILL).unwrap();
    assert!(
        wait_until(Duration::from_secs(3), || status(&harness, "sleeper")
            == ServiceStatus::Backoff
            || pid_of(&harness, "sleeper").is_some_and(|p| p != first)),
        "the killed service goes into backoff"
    );
    assert!(
        wait_until(Duration::from_secs(5), || pid_of(&harness, "sleeper")
            .is_some_and(|p| p != first)),
        "restarted after the backoff delay"
    );
    assert_eq!(status(&harness, "sleeper"), ServiceStatus::Active);
    let second = pid_of(&harness, "sleeper").unwrap();

    // A second kill waits longer (300ms * 2).
    kill(Pid::from_raw(second as i32), Signal::SIGKILL).unwrap();
    let killed = Instant::now();
    assert!(wait_until(Duration::from_secs(5), || pid_of(&harness, "sleeper")
        .is_some_and(|p| p != second)));
    assert!(killed.elapsed() >= Duration::from_millis(550), "{:?}", killed.elapsed());

    // Replan again: nothing changed, nothing restarts.
    let third = pid_of(&harness, "sleeper").unwrap();
    client.replan_services().unwrap();
    assert_eq!(pid_of(&harness, "sleeper"), Some(third));

    // A changed plan restarts the service on replan.
    harness.add_layer("services:\n  sleeper:\n    override: merge\n    environment: {CHANGED: 'yes'}\n");
    client.replan_services().unwrap();
    let fourth = pid_of(&harness, "sleeper").unwrap();
    assert_ne!(fourth, third);
    assert!(!alive(third));
    let environ = std::fs::read(format!("/proc/{fourth}/environ")).unwrap();
    assert!(String::from_utf8_lossy(&environ).contains("CHANGED=yes"));

    let pids = harness.shutdown();
    assert!(pids.contains(&fourth));
}

#[test]
fn on_failure_shutdown_restarts_the_container() {
    if !need_root() {
        return;
    }
    let rock = Layer::from_yaml("services:\n  rock-svc:\n    override: replace\n    command: sleep 1000\n").unwrap();
    let options = PebbleOptions {
        layers: vec![("rock".into(), rock)],
        restart_delay: Duration::from_millis(200),
        ..PebbleOptions::default()
    };
    let harness = Harness::start_with(|_| Vec::new(), options);
    harness.add_layer(
        r#"
services:
  fragile:
    override: replace
    command: sh -c "sleep 1.5; exit 3"
    on-failure: shutdown
"#,
    );
    let client = harness.client();
    client.start_services(&["fragile"]).unwrap();
    let ready = harness.wait_event(Duration::from_secs(10), |e| matches!(e, PebbleEvent::Ready { .. }));
    assert!(ready.is_some(), "a shutdown action makes the container ready again");
    assert_eq!(harness.server().restarts(), 1);
    let plan = client.get_plan().unwrap();
    assert!(plan.services.contains_key("rock-svc") && !plan.services.contains_key("fragile"));
    assert!(harness.server().service_pids().is_empty());
    harness.shutdown();
}

#[test]
fn exited_quickly_fails_the_start_and_ignore_leaves_it() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    harness.add_layer(
        r#"
services:
  quick:
    override: replace
    command: sh -c "echo going away; exit 1"
    on-failure: ignore
"#,
    );
    let err = harness.client().start_services(&["quick"]).unwrap_err();
    let PebbleError::Change { err, .. } = err else {
        panic!("expected a change error, got {err:?}");
    };
    assert!(
        err.contains(r#"- Start service "quick" (service start attempt: exited quickly with code 1, will ignore)"#),
        "{err}"
    );
    assert_eq!(status(&harness, "quick"), ServiceStatus::Error);
    let missing =
        Layer::from_yaml("services:\n  ghost:\n    override: replace\n    command: /no/such/binary\n").unwrap();
    harness.client().add_layer("ghost", &missing, false).unwrap();
    let err = harness.client().start_services(&["ghost"]).unwrap_err().to_string();
    assert!(err.contains("no such file or directory"), "{err}");
    harness.shutdown();
}

#[test]
fn stop_honours_kill_delay_and_requires() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    harness.add_layer(
        r#"
services:
  stubborn:
    override: replace
    command: sh -c "trap '' TERM; while true; do sleep 0.1; done"
    kill-delay: 1500ms
  db:
    override: replace
    command: sleep 1000
  app:
    override: replace
    command: sleep 1000
    requires: [db]
    after: [db]
"#,
    );
    let client = harness.client();
    client.start_services(&["stubborn", "app"]).unwrap();
    assert_eq!(status(&harness, "db"), ServiceStatus::Active, "requires pulls db in");
    let stubborn = pid_of(&harness, "stubborn").unwrap();
    let started = Instant::now();
    client.stop_services(&["stubborn"]).unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1400),
        "SIGKILL only after kill-delay: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(!alive(stubborn));
    assert_eq!(status(&harness, "stubborn"), ServiceStatus::Inactive);

    // Stopping db stops app, which requires it, quickly (sleep dies on SIGTERM).
    let started = Instant::now();
    client.stop_services(&["db"]).unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(status(&harness, "app"), ServiceStatus::Inactive);
    harness.shutdown();
}

#[test]
fn signals_and_logs() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    harness.add_layer(
        r#"
services:
  talker:
    override: replace
    command: sh -c "echo hello; echo oops >&2; trap 'echo got-hup' HUP; while true; do sleep 0.1; done"
"#,
    );
    let client = harness.client();
    client.start_services(&["talker"]).unwrap();
    client.send_signal("SIGHUP", &["talker"]).unwrap();
    let err = client.send_signal("SIGHUP", &["nope"]).unwrap_err();
    assert!(err.to_string().contains("service is not running"), "{err}");
    let mut body = String::new();
    assert!(wait_until(Duration::from_secs(5), || {
        body = http_get(&harness.socket, "/v1/logs?services=talker&n=10").1;
        body.contains("got-hup")
    }));
    let lines: Vec<serde_json::Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["service"], "talker");
    assert_eq!(lines[0]["message"], "hello\n");
    assert!(lines.iter().any(|l| l["message"] == "oops\n"));
    let (status, one) = http_get(&harness.socket, "/v1/logs?services=talker&n=1");
    assert_eq!(status, 200);
    assert_eq!(one.lines().count(), 1);
    harness.shutdown();
}

#[test]
fn long_socket_paths_are_bound() {
    if !need_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let deep = dir
        .path()
        .join("a".repeat(60))
        .join("b".repeat(60))
        .join("containers/workload");
    let socket = deep.join("pebble.socket");
    assert!(socket.as_os_str().len() > 108);
    let sandbox = pebble_common::sandbox(
        "unit-9/workload",
        &dir.path().join("root"),
        std::net::Ipv4Addr::new(127, 0, 1, 249),
        Vec::new(),
    );
    let (tx, _events) = std::sync::mpsc::channel();
    let server = local_model::pebble::PebbleServer::start(&socket, sandbox, tx).unwrap();
    assert!(socket.exists(), "the socket is in the long directory");
    // Clients reach it through a shorter path (the charm's is bind-mounted, short).
    let short = dir.path().join("s");
    std::os::unix::fs::symlink(&deep, &short).unwrap();
    let client = charm_sdk::pebble::Client::new(short.join("pebble.socket")).unwrap();
    assert!(client.system_info().is_ok());
    server.shutdown().unwrap();
    assert!(!socket.exists());
}
