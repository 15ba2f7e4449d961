//! A client that writes continuously while the ensemble restarts under it.
//!
//! Rolling restarts (password rotation, the TLS switch) drop client connections: that is
//! expected, and a well-behaved client retries on connection loss and reconnects when its
//! session is gone. What must not happen is a write that still fails once the client did so —
//! a refused login (a restarted server that does not know the user), a lost quorum, a
//! missing ACL. So each write is one logical operation (create `<dir>/w-<n>`), retried on
//! transient errors for up to [`RETRY_BUDGET`]; a `NODEEXISTS` on a retry means the earlier
//! attempt was applied. Acknowledged writes are counted and later checked against the
//! children actually stored.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zk_admin::{Acl, Admin, CreateMode, Error, Perms, Tls, ZkCode};

use super::zk;

/// How long one logical write may keep retrying before it counts as failed.
pub const RETRY_BUDGET: Duration = Duration::from_secs(45);
/// Pause between writes.
const PACE: Duration = Duration::from_millis(50);

/// What the writer saw.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Logical writes started.
    pub attempted: u64,
    /// Logical writes acknowledged (possibly after retries).
    pub succeeded: u64,
    /// Logical writes that failed for good (a non-transient error or the budget ran out).
    pub failed: u64,
    /// Attempts that hit a transient error and were retried.
    pub retries: u64,
    /// New sessions opened after the first one.
    pub reconnects: u64,
    /// The longest time one logical write took, retries included.
    pub longest: Duration,
    /// The errors of failed writes (at most ten).
    pub errors: Vec<String>,
}

/// Where and as whom to write.
#[derive(Clone)]
pub struct Target {
    /// `host:port` of every server.
    pub hosts: Vec<String>,
    /// SASL user.
    pub user: String,
    /// Its password.
    pub password: String,
    /// TLS, for the secure port.
    pub tls: Option<Tls>,
    /// The parent of the written nodes (must exist and allow the user to create).
    pub dir: String,
}

/// A writer thread.
pub struct Writer {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Counts>,
}

impl Writer {
    /// Starts writing `<dir>/w-<n>` as fast as [`PACE`] allows.
    pub fn start(target: Target) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || run(&target, &flag));
        Writer { stop, handle }
    }

    /// Stops after the write in flight and returns the counts.
    pub fn stop(self) -> Counts {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("the writer thread panicked")
    }
}

fn connect(target: &Target) -> Result<Admin, Error> {
    zk::session(&target.hosts, &target.user, &target.password, target.tls.as_ref())
}

/// Errors a client is expected to ride out during a rolling restart.
fn transient(e: &Error) -> bool {
    match e {
        Error::Timeout { .. } => true,
        Error::Connect { code, .. } | Error::Zk { code, .. } => {
            matches!(code, ZkCode::ConnectionLoss | ZkCode::SessionExpired | ZkCode::NoHosts)
        }
        _ => false,
    }
}

/// Whether the session is gone (a new one is needed), rather than just disconnected.
fn session_lost(e: &Error) -> bool {
    matches!(e, Error::Timeout { .. } | Error::Connect { .. })
        || matches!(e.code(), Some(ZkCode::SessionExpired | ZkCode::NoHosts))
}

fn run(target: &Target, stop: &AtomicBool) -> Counts {
    let mut counts = Counts::default();
    let acl = [Acl::sasl(&target.user, Perms::ALL)];
    let mut admin: Option<Admin> = None;
    let mut n: u64 = 0;
    let mut sessions: u64 = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        counts.attempted += 1;
        let path = format!("{}/w-{n:08}", target.dir);
        let started = Instant::now();
        let mut lost_connection_since: Option<Instant> = None;
        let mut retried = false;
        loop {
            let result = match &admin {
                Some(a) => a.create(&path, b"x", &acl, CreateMode::Persistent).map(|_| ()),
                None => match connect(target) {
                    Ok(a) => {
                        sessions += 1;
                        admin = Some(a);
                        continue;
                    }
                    Err(e) => Err(e),
                },
            };
            match result {
                Ok(()) => {
                    counts.succeeded += 1;
                    break;
                }
                Err(e) if e.is_node_exists() && retried => {
                    // An earlier attempt of this write was applied before its answer was lost.
                    counts.succeeded += 1;
                    break;
                }
                Err(e) if transient(&e) && started.elapsed() < RETRY_BUDGET => {
                    counts.retries += 1;
                    retried = true;
                    let since = *lost_connection_since.get_or_insert_with(Instant::now);
                    // The client library reconnects a live session by itself; open a new
                    // session when it is gone or the old one stays disconnected.
                    if session_lost(&e) || since.elapsed() > Duration::from_secs(5) {
                        admin = None;
                        lost_connection_since = None;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => {
                    counts.failed += 1;
                    if counts.errors.len() < 10 {
                        counts.errors.push(format!("{path}: {e}"));
                    }
                    break;
                }
            }
        }
        counts.longest = counts.longest.max(started.elapsed());
        std::thread::sleep(PACE);
    }
    counts.reconnects = sessions.saturating_sub(1);
    counts
}

/// The number of nodes the writer left under `dir` (read with `admin`).
pub fn stored(admin: &Admin, dir: &str) -> u64 {
    admin.get_children(dir).expect("listing the written nodes").len() as u64
}
