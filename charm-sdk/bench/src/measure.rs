//! Measuring one charm process: wall time, CPU time and peak RSS.
//!
//! Linux reports a finished child's CPU time and peak RSS only through `getrusage`
//! (`RUSAGE_CHILDREN`) or `wait4`, and only cumulatively for the caller. So each sample runs
//! in a fresh copy of this binary (`charm-bench __measure <program>`), which starts the
//! charm, waits, and prints its own `RUSAGE_CHILDREN`: exactly the charm plus the hook tools
//! it waited for. Note that Linux's `ru_maxrss` for children is the largest of the charm and
//! every descendant it reaped (the hook tools), not their sum; the fake tool's own peak is
//! measured separately so the two can be told apart.

use std::ffi::OsString;
use std::io;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{getrusage, UsageWho};
use nix::sys::time::TimeValLike;

/// The hidden subcommand that runs one sample.
pub(crate) const MEASURE: &str = "__measure";

/// One run of the charm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    /// Start to reap, as seen by the wrapper.
    pub(crate) wall: Duration,
    /// User + system CPU time of the charm and the tools it reaped.
    pub(crate) cpu: Duration,
    /// Peak resident set of the largest of them, KiB.
    pub(crate) max_rss_kib: u64,
    /// The charm's exit code (-1: killed by a signal).
    pub(crate) code: i32,
}

/// The wrapper's `main`: runs `program` with this process's environment, stdout discarded
/// and stderr inherited, and prints `wall_ns cpu_us max_rss_kib code`.
pub(crate) fn wrapper_main(program: Option<OsString>) -> ExitCode {
    let Some(program) = program else {
        eprintln!("usage: charm-bench {MEASURE} <program>");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let status = Command::new(&program)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status();
    let wall = start.elapsed();
    let status = match status {
        Ok(status) => status,
        Err(e) => {
            eprintln!("cannot run {}: {e}", program.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let usage = match getrusage(UsageWho::RUSAGE_CHILDREN) {
        Ok(usage) => usage,
        Err(e) => {
            eprintln!("getrusage failed: {e}");
            return ExitCode::from(2);
        }
    };
    let cpu_us = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    println!(
        "{} {} {} {}",
        wall.as_nanos(),
        cpu_us,
        usage.max_rss(),
        status.code().unwrap_or(-1)
    );
    ExitCode::SUCCESS
}

/// Runs one sample: `command` must run this binary with [`MEASURE`] and the program.
pub(crate) fn sample(command: &mut Command) -> io::Result<Sample> {
    let output = command.stdin(Stdio::null()).output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<i128> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    match fields.as_slice() {
        [wall, cpu, rss, code] if output.status.success() => Ok(Sample {
            wall: Duration::from_nanos(u64::try_from(*wall).unwrap_or(0)),
            cpu: Duration::from_micros(u64::try_from(*cpu).unwrap_or(0)),
            max_rss_kib: u64::try_from(*rss).unwrap_or(0),
            code: i32::try_from(*code).unwrap_or(-1),
        }),
        _ => Err(io::Error::other(format!(
            "the measuring wrapper failed ({}): stdout {text:?}, stderr {:?}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))),
    }
}

/// A command running `program` under the wrapper, with the environment of `base`.
pub(crate) fn wrapped(base: &Command, program: &std::path::Path) -> io::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    command.arg(MEASURE).arg(program).env_clear();
    for (key, value) in base.get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    if let Some(dir) = base.get_current_dir() {
        command.current_dir(dir);
    }
    Ok(command)
}
