//! Shared support of the end-to-end tests (`tests/e2e_*.rs`).
//!
//! Why these tests exist next to the in-process ones: those prove the charm's decisions against
//! fakes; these prove that the packed charm, run by the local model (charm-sdk/local-model) as
//! real processes with real hook tools and a real Pebble, drives Debian's real ZooKeeper 3.8
//! into a working, secure ensemble — checked from outside with a real client (zk-admin) and
//! four-letter words, never by reading the charm's own bookkeeping.
//!
//! Model set-up is the slow part, so each test file deploys once and runs its scenarios in
//! sequence; [`model::Model`] destroys the model (and every process it started) on drop, also
//! when a scenario panics. Everything listens on loopback addresses 127.0.1.N.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod artifacts;
pub mod clients;
pub mod model;
pub mod monitor;
pub mod process;
pub mod writer;
pub mod zk;

use std::time::{Duration, Instant};

/// The application name the tests deploy the charm as (the Python charm's).
pub const APP: &str = "zookeeper-k8s";

/// Fails unless Debian's ZooKeeper and a JVM are installed: the local model cannot run the
/// workload without them, and scripts/install-deps.sh installs them wherever tests run (CI
/// runs that script), so a missing one is a broken machine rather than a reason to pass.
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

/// Polls `check` every 200 ms until it returns `Some`, for at most `seconds`; panics with
/// `what` (and the last `describe` text) on timeout.
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

/// Waits until every server of `units` serves, one leads and the others follow.
pub fn wait_quorum(units: &[model::Unit]) {
    let addresses = model::addresses(units);
    eventually(90, "one leader and the rest followers", || {
        let roles = zk::roles(&addresses);
        if zk::one_leader_rest_followers(&roles) {
            Ok(())
        } else {
            Err(format!("{addresses:?} → {roles:?}"))
        }
    });
}
