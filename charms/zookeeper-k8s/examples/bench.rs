//! Benchmark of the zookeeper-k8s charm: what its hooks cost, how big it is, how fast an
//! ensemble comes up. It prints figures; it asserts nothing.
//!
//! ```text
//! cargo run --release -p zookeeper-k8s --example bench [-- --runs N --samples N --no-build --calls]
//! ```
//!
//! `--calls` also prints every hook-tool call, with its arguments, of the last counted
//! update-status and config-changed of the leader and of one other unit.
//!
//! Where hooks are measured, and why there: charm-sdk/bench runs its demo charm under
//! compiled fake hook tools and a fake Pebble, which isolates the charm from Juju. This charm's
//! steady state needs a peer relation of three units, a credentials secret, a running
//! ZooKeeper answering `mntr` and Pebble files the charm wrote itself; a fake world would have
//! to script all of that and would drift from the charm. So the hooks are measured in the local
//! model instead, with real hook tools (a process and a controller round trip each), a real
//! Pebble and Debian's real ZooKeeper: the local model has no per-hook timings in its debug log,
//! so each unit's `dispatch` runs the charm under charm-bench's measuring wrapper (see
//! `bench/hooks.rs`). Figures therefore include the hook tools' cost, as under Juju, and
//! three units share the machine's cores.

#[path = "bench/hooks.rs"]
mod hooks;
#[path = "bench/model.rs"]
mod model;
#[path = "bench/report.rs"]
mod report;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use hooks::{Probe, Sample};
use model::Model;

const APP: &str = "zookeeper-k8s";
const RESOURCE: &str = "zookeeper-image=charmed-zookeeper";

struct Options {
    runs: usize,
    samples: usize,
    build: bool,
    /// Print every hook-tool call (with its arguments) of one counted hook per kind and role.
    calls: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        runs: 3,
        samples: 30,
        build: true,
        calls: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            let value = args.next().ok_or(format!("{name} needs a number"))?;
            value
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{name}: {value:?} is not a positive number"))
        };
        match arg.as_str() {
            "--runs" => options.runs = number("--runs")?,
            "--samples" => options.samples = number("--samples")?,
            "--no-build" => options.build = false,
            "--calls" => options.calls = true,
            _ => {
                return Err(format!(
                    "unknown argument {arg:?}; usage: bench [--runs N] [--samples N] [--no-build] [--calls]"
                ))
            }
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    match parse_options().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `<target>/release`.
fn release_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
        .join("release")
}

fn build() -> Result<(), String> {
    eprintln!("building the release charm, local-model, charm-pack and charm-bench…");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace())
        .args(["build", "--release", "--quiet"])
        .args([
            "-p",
            "zookeeper-k8s",
            "-p",
            "local-model",
            "-p",
            "charm-pack",
            "-p",
            "charm-bench",
        ])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build failed ({status})"))
    }
}

fn pack(charm_pack: &Path, binary: &Path, out: &Path) -> Result<PathBuf, String> {
    let output = Command::new(charm_pack)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")))
        .arg("--output-dir")
        .arg(out)
        .arg("--no-build")
        .arg("--binary")
        .arg(binary)
        .output()
        .map_err(|e| format!("charm-pack: {e}"))?;
    if !output.status.success() {
        return Err(format!("charm-pack: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

/// Every unit serves, one leads, the others follow (asked with `mntr`).
fn quorum(units: &[model::Unit]) -> bool {
    let roles: Vec<String> = units
        .iter()
        .filter_map(|u| {
            let text =
                zk_admin::four_letter_word(&format!("{}:2181", u.address), "mntr", Duration::from_secs(2)).ok()?;
            zk_admin::parse_mntr(&text).get("zk_server_state").cloned()
        })
        .collect();
    roles.len() == units.len()
        && roles.iter().filter(|r| *r == "leader").count() == 1
        && roles.iter().filter(|r| *r == "follower").count() == units.len() - 1
}

/// Deploys three units and waits for them to be active with a formed quorum.
fn deploy_three(model: &Model, charm: &Path) -> Result<Vec<model::Unit>, String> {
    let charm = charm.to_string_lossy();
    model.ok(&["deploy", &charm, APP, "-n", "3", "--resource", RESOURCE])?;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let units = model.wait_active(APP, 3, Duration::from_secs(300))?;
        if quorum(&units) {
            return Ok(units);
        }
        if Instant::now() > deadline {
            return Err("the quorum did not form".to_owned());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Time from `deploy` to three active units in quorum, and the hooks it took, per run.
fn time_to_active(local_model: &Path, charm: &Path, runs: usize) -> Result<Vec<(Duration, usize)>, String> {
    let mut out = Vec::new();
    for run in 0..runs {
        let model = Model::up(local_model, &format!("deploy{run}"), "1h")?;
        let start = Instant::now();
        deploy_three(&model, charm)?;
        let elapsed = start.elapsed();
        let log = model.ok(&["debug-log", "--replay", "--no-tail"])?;
        let hooks = log.lines().filter(|l| l.contains("juju.worker.uniter ran \"")).count();
        eprintln!("  run {}: {:.1} s, {hooks} hooks", run + 1, elapsed.as_secs_f64());
        out.push((elapsed, hooks));
    }
    Ok(out)
}

fn wait_samples(probe: &Probe, what: &str, enough: impl Fn(&[Sample]) -> bool) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !enough(&probe.samples()) {
        if Instant::now() > deadline {
            return Err(format!("not enough {what} samples after 5 minutes"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

fn count(samples: &[Sample], hook: &str, counted: bool) -> usize {
    samples
        .iter()
        .filter(|s| s.path == format!("hooks/{hook}") && s.calls.is_some() == counted)
        .count()
}

/// Alternates `log-level` (rewrites logback.xml: the steady-state config-changed), waiting
/// for the model to settle after each change.
fn config_changes(model: &Model, changes: usize) -> Result<(), String> {
    for i in 0..changes {
        let level = if i % 2 == 0 { "DEBUG" } else { "INFO" };
        model.ok(&["config", APP, &format!("log-level={level}")])?;
        model.ok(&["wait-for-idle", "--timeout", "120"])?;
    }
    Ok(())
}

/// Prints the calls of the last counted update-status and config-changed of the leader and
/// of one other unit (`--calls`).
fn print_calls(probe: &Probe, units: &[model::Unit], leader: &str) {
    let other = units.iter().map(|u| u.name.as_str()).find(|u| *u != leader);
    for hook in ["update-status", "config-changed"] {
        for (role, unit) in [("leader", Some(leader)), ("non-leader", other)] {
            let Some(trace) = unit.and_then(|u| probe.trace(u, hook)) else {
                continue;
            };
            println!(
                "\n{hook} ({role}, {}), {} calls:",
                unit.unwrap_or("-"),
                trace.lines().count()
            );
            for (i, line) in trace.lines().enumerate() {
                println!("  {:>2} {line}", i + 1);
            }
        }
    }
}

/// Samples update-status and config-changed on a settled three-unit ensemble.
fn measure_hooks(
    local_model: &Path,
    charm: &Path,
    measure: &Path,
    scratch: &Path,
    n: usize,
    calls: bool,
) -> Result<Vec<Sample>, String> {
    let model = Model::up(local_model, "hooks", "3s")?;
    let units = deploy_three(&model, charm)?;
    let probe = Probe::new(scratch.join("probe"), model.path())?;
    for unit in &units {
        let charm_dir = model
            .path()
            .join("units")
            .join(unit.name.replace('/', "-"))
            .join("charm");
        probe.install(&charm_dir, measure, model.path())?;
    }
    eprintln!("  timing pass: {n} update-status and about {n} config-changed hooks…");
    wait_samples(&probe, "update-status", |s| count(s, "update-status", false) >= n)?;
    config_changes(&model, n.div_ceil(units.len()))?;
    eprintln!("  counting pass: hook-tool calls…");
    probe.count(true)?;
    wait_samples(&probe, "counted update-status", |s| {
        count(s, "update-status", true) >= 2 * units.len()
    })?;
    config_changes(&model, 2)?;
    probe.count(false)?;
    let leader = units
        .iter()
        .find(|u| u.leader)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    if calls {
        print_calls(&probe, &units, &leader);
    }
    let mut samples = probe.samples();
    for s in &mut samples {
        if s.unit == leader {
            s.unit = "leader".to_owned();
        } else {
            s.unit = "non-leader".to_owned();
        }
    }
    Ok(samples)
}

fn run(options: &Options) -> Result<(), String> {
    if options.build {
        build()?;
    }
    let release = release_dir();
    let (local_model, charm_pack, measure, binary) = (
        release.join("local-model"),
        release.join("charm-pack"),
        release.join("charm-bench"),
        release.join("zookeeper-k8s"),
    );
    for path in [&local_model, &charm_pack, &measure, &binary] {
        if !path.exists() {
            return Err(format!("{} is missing; run without --no-build", path.display()));
        }
    }
    if !Path::new("/usr/share/java/zookeeper.jar").exists() {
        return Err("Debian's zookeeper package is not installed (scripts/install-deps.sh)".to_owned());
    }
    let scratch = std::env::temp_dir().join(format!("zk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let result = (|| {
        let charm = pack(&charm_pack, &binary, &scratch)?;
        let sizes = report::Sizes::of(&charm, &binary)?;
        eprintln!("deploying 3 units to active, {} run(s)…", options.runs);
        let deploys = time_to_active(&local_model, &charm, options.runs)?;
        eprintln!("measuring hooks in a 3-unit model…");
        let samples = measure_hooks(&local_model, &charm, &measure, &scratch, options.samples, options.calls)?;
        report::print(&samples, &sizes, &deploys);
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
