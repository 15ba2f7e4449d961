//! `up` and `destroy`: starting a model's controller in the background and stopping it.
//!
//! `up` re-executes this binary as the hidden `__controller` command in its own process
//! group, with its stderr in `controller.log`, and waits until it answers. `destroy` asks
//! it to shut down (it stops every hook and workload it started, by PID), waits for its
//! PID to go, and only then, if it is still there, kills that one PID.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::client;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::proto::{Request, Response};

/// Flags of the controller that `up` passes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpOptions {
    /// e.g. `5m`.
    pub update_status_interval: String,
    /// e.g. `5s`.
    pub retry_delay: String,
    /// The model name.
    pub model_name: String,
}

fn ping(layout: &Layout) -> bool {
    matches!(
        client::call(&layout.socket().to_string_lossy(), &Request::Ping),
        Ok(Response::Ok(_))
    )
}

/// Starts the controller of `dir` unless it is up; returns its pid.
pub fn up(dir: &Path, options: &UpOptions) -> Result<u32> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    let layout = Layout::new(dir);
    if ping(&layout) {
        return read_pid(&layout).ok_or_else(|| Error::refused("the controller answers but has no pid file"));
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("finding", "the local-model executable", e))?;
    let log_path = layout.controller_log();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| Error::io("opening", &log_path, e))?;
    let mut command = Command::new(exe);
    command
        .arg("__controller")
        .arg(&layout.dir)
        .arg("--update-status-interval")
        .arg(&options.update_status_interval)
        .arg("--retry-delay")
        .arg(&options.retry_delay)
        .arg("--model-name")
        .arg(&options.model_name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log));
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| Error::io("starting", "the controller", e))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if ping(&layout) {
            return Ok(child.id());
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            return Err(Error::refused(format!(
                "the controller exited ({status}); its log:\n{}",
                log.trim_end()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::process::kill(child.id());
    let _ = child.wait();
    Err(Error::refused("the controller did not answer within 20s"))
}

/// Whether `pid` is still this model's controller (not a reused PID).
fn is_controller(pid: u32, layout: &Layout) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let dir = layout.dir.as_os_str().as_encoded_bytes();
    args.contains(&&b"__controller"[..]) && args.contains(&dir)
}

fn read_pid(layout: &Layout) -> Option<u32> {
    std::fs::read_to_string(layout.pid_file()).ok()?.trim().parse().ok()
}

/// Stops the controller of `dir` and everything it started. Returns whether one ran.
pub fn destroy(dir: &Path) -> Result<bool> {
    let layout = Layout::new(dir);
    let pid = read_pid(&layout);
    let asked = matches!(
        client::call(&layout.socket().to_string_lossy(), &Request::Shutdown),
        Ok(Response::Ok(_))
    );
    let Some(pid) = pid else {
        return Ok(asked);
    };
    if !crate::process::wait_gone(pid, Duration::from_secs(30)) && is_controller(pid, &layout) {
        crate::process::kill(pid);
        crate::process::wait_gone(pid, Duration::from_secs(5));
    }
    let _ = std::fs::remove_file(layout.pid_file());
    let _ = std::fs::remove_file(layout.socket());
    Ok(true)
}
