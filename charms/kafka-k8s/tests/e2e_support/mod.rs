//! Shared support of kafka-k8s's end-to-end tests (`tests/e2e_*.rs`).
//!
//! Why these tests exist next to the in-process ones (`charm_*.rs`, fakes for every hook tool
//! and a fake ZooKeeper store): here the packed charm runs in the local model
//! (charm-sdk/local-model) as real processes with real hook tools and a real Pebble, related
//! to the real zookeeper-k8s charm whose workload is Debian's real ZooKeeper 3.8. What the
//! charm wrote is checked from outside — znodes read with a real ZooKeeper client (zk-admin,
//! SASL DIGEST-MD5), the client's view through the data-integrator stand-in's
//! `get-credentials`, secret revisions from the controller — never from the charm's own
//! bookkeeping.
//!
//! No Apache Kafka distribution can be installed on these machines, so the brokers never
//! start: the tests assert that the charm says so, and that everything which does not need a
//! running broker (users, ACLs, relation data, secrets) works anyway.
//!
//! Adapted from zookeeper-k8s's `tests/e2e_support` (copied, not shared: each charm's tests
//! evolve on their own). One model per test file; [`model::Model`] destroys it on drop, also
//! when a scenario panics. Everything listens on loopback addresses 127.0.1.N.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod artifacts;
pub mod clients;
pub mod model;
pub mod zk;
pub mod znodes;

use std::time::{Duration, Instant};

/// The application name of the charm under test (the Python charm's).
pub const KAFKA: &str = "kafka-k8s";
/// The ZooKeeper application.
pub const ZOOKEEPER: &str = "zookeeper-k8s";
/// The chroot kafka-k8s asks ZooKeeper for (`/<app>`).
pub const CHROOT: &str = "/kafka-k8s";

/// Fails unless Debian's ZooKeeper and a JVM are installed: the local model cannot run
/// zookeeper-k8s's workload without them, and scripts/install-deps.sh installs them wherever
/// tests run (CI runs that script), so a missing one is a broken machine, not a pass.
#[track_caller]
pub fn require_zookeeper() {
    for path in [
        "/usr/share/java/zookeeper.jar",
        "/usr/share/java/netty-codec.jar",
        "/usr/bin/java",
    ] {
        assert!(
            std::path::Path::new(path).exists(),
            "{path} missing: run scripts/install-deps.sh (apt-get install -y zookeeper)"
        );
    }
}

/// Prints how long each scenario took (visible with `--nocapture`, and in failure output).
pub struct Steps {
    name: &'static str,
    start: Instant,
    last: Instant,
}

impl Steps {
    /// Starts the clock.
    pub fn new(name: &'static str) -> Steps {
        let now = Instant::now();
        Steps {
            name,
            start: now,
            last: now,
        }
    }

    /// Marks a scenario as done.
    pub fn done(&mut self, what: &str) {
        let now = Instant::now();
        eprintln!(
            "[{}] {what}: {:.1} s (total {:.1} s)",
            self.name,
            (now - self.last).as_secs_f64(),
            (now - self.start).as_secs_f64()
        );
        self.last = now;
    }
}

/// Polls `check` every 200 ms until it returns `Ok`, for at most `seconds`; panics with
/// `what` and the last error on timeout.
pub fn eventually<T>(seconds: u64, what: &str, mut check: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let last = match check() {
            Ok(value) => return value,
            Err(why) => why,
        };
        if Instant::now() > deadline {
            panic!("timed out after {seconds} s waiting for {what}; last: {last}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
