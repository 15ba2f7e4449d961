//! Benchmark of the local model: how many hooks per second it sustains, and how long a
//! `deploy -n 3` takes to settle.
//!
//! Run with `cargo run --release -p local-model --example bench`. The example is its own
//! local-model binary (it calls [`local_model::entry`] when started as the controller, a
//! hook tool or the sandbox helper), so the one command builds everything it needs. The
//! charm is trivial on purpose: a `dispatch` shell script, so the figures are the model's
//! own cost (sandboxed process per hook, hook-tool round trips, commit, scheduling), not a
//! charm's.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

const METADATA: &str = "name: trivial\npeers:\n  peers:\n    interface: trivial-peers\n";

/// A model directory destroyed (controller and everything it started) on drop.
struct Bench {
    exe: PathBuf,
    dir: PathBuf,
}

impl Bench {
    fn up(exe: &Path, name: &str, update_status: &str) -> Result<Bench, String> {
        let dir = std::env::temp_dir().join(format!("lm-bench-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bench = Bench {
            exe: exe.to_path_buf(),
            dir,
        };
        let dir = bench.dir.to_string_lossy().into_owned();
        bench.ok(&["up", &dir, "--update-status-interval", update_status])?;
        Ok(bench)
    }

    fn run(&self, args: &[&str]) -> std::io::Result<Output> {
        Command::new(&self.exe).arg("-m").arg(&self.dir).args(args).output()
    }

    fn ok(&self, args: &[&str]) -> Result<String, String> {
        let out = self.run(args).map_err(|e| format!("{args:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!("{args:?}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn hooks(&self) -> Result<u64, String> {
        let socket = self.dir.join("controller.sock");
        let value = local_model::client::call_ok(&socket.to_string_lossy(), &local_model::proto::Request::Stats)
            .map_err(|e| e.to_string())?;
        value["hooks"].as_u64().ok_or_else(|| "no hook count".to_owned())
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        let _ = Command::new(&self.exe).arg("destroy").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn trivial_charm(root: &Path, name: &str, dispatch: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("metadata.yaml"), METADATA).map_err(|e| e.to_string())?;
    let path = dir.join("dispatch");
    std::fs::write(&path, dispatch).map_err(|e| e.to_string())?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    Ok(dir)
}

fn hooks_per_second(exe: &Path, charm: &Path, units: u32, seconds: u64) -> Result<f64, String> {
    let bench = Bench::up(exe, &format!("rate-{units}"), "0s")?;
    bench.ok(&["deploy", &charm.to_string_lossy(), "trivial", "-n", &units.to_string()])?;
    std::thread::sleep(Duration::from_secs(2));
    let (h0, t0) = (bench.hooks()?, Instant::now());
    std::thread::sleep(Duration::from_secs(seconds));
    let (h1, t1) = (bench.hooks()?, Instant::now());
    Ok((h1 - h0) as f64 / (t1 - t0).as_secs_f64())
}

fn deploy_to_idle(exe: &Path, charm: &Path, runs: usize) -> Result<(Vec<Duration>, u64), String> {
    let bench = Bench::up(exe, "deploy", "1h")?;
    let mut times = Vec::new();
    let mut hooks = 0;
    for run in 0..runs {
        let app = format!("trivial{run}");
        let before = bench.hooks()?;
        let start = Instant::now();
        bench.ok(&["deploy", &charm.to_string_lossy(), &app, "-n", "3"])?;
        bench.ok(&["wait-for-idle", "--timeout", "120"])?;
        times.push(start.elapsed());
        hooks = bench.hooks()? - before;
    }
    times.sort();
    Ok((times, hooks))
}

fn run() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let scratch = std::env::temp_dir().join(format!("lm-bench-charms-{}", std::process::id()));
    let noop = trivial_charm(&scratch, "noop", "#!/bin/sh\nexit 0\n")?;
    let one_tool = trivial_charm(&scratch, "one-tool", "#!/bin/sh\nexec status-set active ready\n")?;
    let three_tools = trivial_charm(
        &scratch,
        "three-tools",
        "#!/bin/sh\nis-leader --format=json >/dev/null && config-get --format=json >/dev/null && exec status-set active ready\n",
    )?;
    println!(
        "local-model benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!("hooks per second (update-status back to back, 10 s):");
    for (label, charm) in [
        ("exit 0", &noop),
        ("1 hook tool", &one_tool),
        ("3 hook tools", &three_tools),
    ] {
        for units in [1, 4] {
            let rate = hooks_per_second(&exe, charm, units, 10)?;
            println!("  {label:<13} {units} unit(s): {rate:7.1} hooks/s");
        }
    }
    println!();
    let (times, hooks) = deploy_to_idle(&exe, &one_tool, 5)?;
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    println!("deploy -n 3 to idle (peer relation, {hooks} hooks, 5 runs):");
    println!(
        "  min {:.0} ms, median {:.0} ms, max {:.0} ms",
        ms(&times[0]),
        ms(&times[times.len() / 2]),
        ms(&times[times.len() - 1])
    );
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let name = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if local_model::tools::is_tool(&name) || args.len() > 1 {
        return local_model::entry();
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("benchmark failed: {err}");
            ExitCode::FAILURE
        }
    }
}
