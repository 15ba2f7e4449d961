//! Stopping processes by PID, and only by PID.
//!
//! Everything the model starts (the controller, hook processes, through Pebble the
//! workloads) is stopped by the PID recorded when it was started: never by name, never
//! "everything of mine". Hook processes lead their own process group, so a hook that
//! forked helpers is stopped with them.

use std::time::{Duration, Instant};

use nix::sys::signal::{kill as send, killpg, Signal};
use nix::unistd::Pid;

fn pid(raw: u32) -> Option<Pid> {
    i32::try_from(raw).ok().filter(|p| *p > 0).map(Pid::from_raw)
}

/// Whether process `raw` exists and is not a zombie waiting to be reaped.
pub fn alive(raw: u32) -> bool {
    let exists = pid(raw).is_some_and(|p| send(p, None).is_ok());
    exists && !zombie(raw)
}

fn zombie(raw: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{raw}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may hold spaces.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|state| state == "Z" || state == "X")
}

/// Sends SIGTERM to process `raw`.
pub fn terminate(raw: u32) {
    if let Some(p) = pid(raw) {
        let _ = send(p, Signal::SIGTERM);
    }
}

/// Sends SIGKILL to process `raw`.
pub fn kill(raw: u32) {
    if let Some(p) = pid(raw) {
        let _ = send(p, Signal::SIGKILL);
    }
}

/// Sends `SIGTERM`, then after `grace` `SIGKILL`, to the process group led by `raw`.
pub fn stop_group(raw: u32, grace: Duration) {
    let Some(p) = pid(raw) else { return };
    if killpg(p, Signal::SIGTERM).is_err() {
        return;
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if killpg(p, None).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = killpg(p, Signal::SIGKILL);
}

/// Waits until process `raw` is gone, up to `timeout`; returns whether it is gone.
pub fn wait_gone(raw: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while alive(raw) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}
