//! What the charms' end-to-end tests (`charms/*/tests/e2e_*.rs`) share: the local-model driver
//! ([`model::Model`]), the polling helper [`eventually`], the ZooKeeper precondition
//! [`require_zookeeper`] and the scenario timer [`Steps`].
//!
//! Test support panics by design (a failed step is a failed test), so `expect` is allowed.
//! Charm-specific steps (deploying a charm with its resources, its actions) stay in each
//! charm's `tests/e2e_support`, as free functions or extension traits over [`model::Model`].

#![allow(clippy::expect_used)]

pub mod model;

use std::time::{Duration, Instant};

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
#[derive(Debug)]
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
#[track_caller]
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
