//! Health checks of the local model's Pebble against real listeners: an HTTP check and a
//! TCP check fail past their threshold (`CheckFailed`, status down, `/v1/health` 502,
//! `on-check-failure: restart`) and pass again (`CheckRecovered`); exec checks run in the
//! sandbox; checks stop and start through the API.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pebble_common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use charm_sdk::pebble::{CheckStatus, Pebble};
use local_model::pebble::PebbleEvent;
use pebble_common::{http_get, need_root, wait_until, Harness};

/// A tiny HTTP server answering 200 or 500 depending on a flag; stops when dropped.
struct Health {
    healthy: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

impl Health {
    fn start() -> Health {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let healthy = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (healthy.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        let mut buf = [0u8; 1024];
                        let _ = stream.read(&mut buf);
                        let answer: &[u8] = if h.load(Ordering::SeqCst) {
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                        } else {
                            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\nConnection: close\r\n\r\nbroken"
                        };
                        let _ = stream.write_all(answer);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Health {
            healthy,
            stop,
            port,
            thread: Some(thread),
        }
    }
}

impl Drop for Health {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn check_status(harness: &Harness, name: &str) -> CheckStatus {
    harness.client().get_checks(None, &[name]).unwrap()[0].status
}

fn is_failed(name: &'static str) -> impl Fn(&PebbleEvent) -> bool {
    move |e| matches!(e, PebbleEvent::CheckFailed { check, .. } if check == name)
}

fn is_recovered(name: &'static str) -> impl Fn(&PebbleEvent) -> bool {
    move |e| matches!(e, PebbleEvent::CheckRecovered { check, .. } if check == name)
}

#[test]
fn http_check_fails_and_recovers() {
    if !need_root() {
        return;
    }
    let health = Health::start();
    let harness = Harness::start();
    harness.add_layer(&format!(
        r#"
services:
  guarded:
    override: replace
    command: sleep 1000
    on-check-failure: {{web: restart}}
    backoff-delay: 100ms
checks:
  web:
    override: replace
    level: alive
    period: 200ms
    timeout: 150ms
    threshold: 2
    http: {{url: "http://127.0.0.1:{}/health"}}
"#,
        health.port
    ));
    let client = harness.client();
    client.start_services(&["guarded"]).unwrap();
    let before = harness.server().service_pids()[0].1;
    assert!(wait_until(Duration::from_secs(3), || client
        .get_checks(None, &["web"])
        .unwrap()[0]
        .successes
        >= 2));
    assert_eq!(check_status(&harness, "web"), CheckStatus::Up);
    assert_eq!(http_get(&harness.socket, "/v1/health?level=alive").0, 200);

    health.healthy.store(false, Ordering::SeqCst);
    assert!(harness.wait_event(Duration::from_secs(5), is_failed("web")).is_some());
    assert_eq!(check_status(&harness, "web"), CheckStatus::Down);
    let (status, body) = http_get(&harness.socket, "/v1/health");
    assert_eq!(status, 502, "{body}");
    assert!(body.contains(r#""healthy":false"#), "{body}");
    assert!(
        wait_until(Duration::from_secs(5), || harness
            .server()
            .service_pids()
            .first()
            .is_some_and(|(_, p)| *p != before)),
        "on-check-failure restarted the service"
    );

    health.healthy.store(true, Ordering::SeqCst);
    assert!(harness
        .wait_event(Duration::from_secs(5), is_recovered("web"))
        .is_some());
    assert_eq!(check_status(&harness, "web"), CheckStatus::Up);
    let info = &client.get_checks(None, &["web"]).unwrap()[0];
    assert_eq!(info.failures, 0);
    assert!(info.change_id.is_some());
    harness.shutdown();
}

#[test]
fn tcp_and_exec_checks_and_stop_start() {
    if !need_root() {
        return;
    }
    // Listens on the unit's address; the check names it by the hosts file's name.
    let listener = TcpListener::bind("127.0.1.250:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let host = pebble_common::host_name("unit-0/workload");
    let harness = Harness::start();
    std::fs::create_dir_all(harness.data()).unwrap();
    std::fs::write(harness.data().join("ok"), "").unwrap();
    harness.add_layer(&format!(
        r#"
checks:
  port:
    override: replace
    period: 200ms
    threshold: 2
    tcp: {{port: {port}, host: {host}}}
  file:
    override: replace
    level: ready
    period: 200ms
    threshold: 1
    exec: {{command: "test -f /data/ok"}}
"#
    ));
    let client = harness.client();
    assert!(wait_until(Duration::from_secs(3), || client
        .get_checks(None, &[])
        .unwrap()
        .iter()
        .all(|c| c.successes >= 1)));

    drop(listener);
    assert!(harness.wait_event(Duration::from_secs(5), is_failed("port")).is_some());
    let listener = TcpListener::bind(("127.0.1.250", port)).unwrap();
    assert!(harness
        .wait_event(Duration::from_secs(5), is_recovered("port"))
        .is_some());

    std::fs::remove_file(harness.data().join("ok")).unwrap();
    assert!(harness.wait_event(Duration::from_secs(5), is_failed("file")).is_some());
    assert_eq!(http_get(&harness.socket, "/v1/health?level=ready").0, 502);
    assert_eq!(http_get(&harness.socket, "/v1/health?level=alive").0, 200);
    std::fs::write(harness.data().join("ok"), "").unwrap();
    assert!(harness
        .wait_event(Duration::from_secs(5), is_recovered("file"))
        .is_some());

    assert_eq!(client.stop_checks(&["port"]).unwrap(), ["port"]);
    assert_eq!(check_status(&harness, "port"), CheckStatus::Inactive);
    assert!(client.stop_checks(&["port"]).unwrap().is_empty());
    assert_eq!(client.start_checks(&["port"]).unwrap(), ["port"]);
    assert_eq!(check_status(&harness, "port"), CheckStatus::Up);
    let err = client.start_checks(&["nope"]).unwrap_err();
    assert_eq!(err.to_string(), "cannot start checks: cannot find checks in plan: nope");
    drop(listener);
    harness.shutdown();
}
