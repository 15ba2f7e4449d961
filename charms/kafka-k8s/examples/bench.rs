//! Benchmark of the kafka-k8s charm: what its hooks cost, how big it is, and how fast it
//! writes client users with ACLs into ZooKeeper. It prints figures; it asserts nothing.
//!
//! ```text
//! cargo run --release -p kafka-k8s --example bench [-- --samples N --users N --no-build --no-hooks --calls]
//! ```
//!
//! `--calls` also prints every hook-tool call, with its arguments, of the last counted
//! update-status and config-changed of the leader and of one other unit.
//!
//! Hooks are measured where they really run, as zookeeper-k8s's benchmark does: in the local
//! model, with real hook tools (a process and a controller round trip each) and a real Pebble,
//! each unit's `dispatch` running the charm under charm-bench's measuring wrapper (see
//! `bench/hooks.rs`). The charm's steady state needs a peer relation of three units, secrets,
//! and a `zookeeper` relation answered by zookeeper-k8s with Debian's real ZooKeeper behind it
//! (the leader writes users there); a fake world would drift from all that. No Kafka broker
//! can run on these machines, so the figures are those of a unit whose workload is missing:
//! the hook reads everything, decides, writes the users it must and stops at the broker.
//!
//! Client users (`bench/users.rs`) are written as the leader writes them — the production
//! `ZkStoreConnector` (zk-admin, SASL) and the charm's zkstore — into one real ZooKeeper
//! server the bench starts on a free loopback port.

#[path = "bench/hooks.rs"]
mod hooks;
#[path = "bench/model.rs"]
mod model;
#[path = "bench/report.rs"]
mod report;
#[path = "bench/users.rs"]
mod users;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use hooks::{Probe, Sample};
use model::Model;

const KAFKA: &str = "kafka-k8s";
const ZOOKEEPER: &str = "zookeeper-k8s";
const CLIENT: &str = "data-integrator";

struct Options {
    samples: usize,
    users: usize,
    build: bool,
    /// Print every hook-tool call (with its arguments) of one counted hook per kind and role.
    calls: bool,
    hooks: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        samples: 30,
        users: 100,
        build: true,
        calls: false,
        hooks: true,
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
            "--samples" => options.samples = number("--samples")?,
            "--users" => options.users = number("--users")?,
            "--no-build" => options.build = false,
            "--calls" => options.calls = true,
            "--no-hooks" => options.hooks = false,
            _ => {
                let usage = "bench [--samples N] [--users N] [--no-build] [--calls] [--no-hooks]";
                return Err(format!("unknown argument {arg:?}; usage: {usage}"));
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
    eprintln!("building the release charms, local-model, charm-pack and charm-bench…");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace())
        .args(["build", "--release", "--quiet"])
        .args(["-p", KAFKA, "-p", ZOOKEEPER, "-p", CLIENT])
        .args(["-p", "local-model", "-p", "charm-pack", "-p", "charm-bench"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build failed ({status})"))
    }
}

fn pack(charm_pack: &Path, crate_dir: &Path, binary: &Path, out: &Path) -> Result<PathBuf, String> {
    let output = Command::new(charm_pack)
        .arg(crate_dir)
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

/// Where the kafka units settle without a broker.
fn settled(unit: &model::Unit) -> bool {
    unit.workload == "blocked" && unit.message.contains("kafka workload not available")
}

/// Three zookeeper-k8s units in quorum, then three kafka-k8s units and a client related.
fn deploy(model: &Model, charms: &[PathBuf; 3]) -> Result<Vec<model::Unit>, String> {
    let [kafka, zookeeper, client] = charms.each_ref().map(|c| c.to_string_lossy().into_owned());
    let resource = "zookeeper-image=charmed-zookeeper";
    model.ok(&["deploy", &zookeeper, ZOOKEEPER, "-n", "3", "--resource", resource])?;
    model.ok(&[
        "deploy",
        &kafka,
        KAFKA,
        "-n",
        "3",
        "--resource",
        "kafka-image=charmed-kafka",
    ])?;
    let config = [
        "--config",
        "topic-name=orders",
        "--config",
        "extra-user-roles=producer,consumer",
    ];
    model.ok(&[&["deploy", client.as_str(), CLIENT][..], &config[..]].concat())?;
    let minutes = Duration::from_secs(300);
    model.wait_units(ZOOKEEPER, 3, minutes, |u| u.workload == "active")?;
    model.ok(&["integrate", KAFKA, ZOOKEEPER])?;
    model.ok(&["integrate", KAFKA, CLIENT])?;
    model.ok(&["wait-for-idle", "--timeout", "300"])?;
    model.wait_units(KAFKA, 3, minutes, settled)
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

/// Alternates `log-level` (a config-changed that re-renders everything), waiting for the
/// model to settle after each change.
fn config_changes(model: &Model, changes: usize) -> Result<(), String> {
    for i in 0..changes {
        let level = if i % 2 == 0 { "DEBUG" } else { "INFO" };
        model.ok(&["config", KAFKA, &format!("log-level={level}")])?;
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

/// Samples update-status and config-changed of the settled kafka-k8s units.
fn measure_hooks(
    local_model: &Path,
    charms: &[PathBuf; 3],
    measure: &Path,
    scratch: &Path,
    n: usize,
    calls: bool,
) -> Result<Vec<Sample>, String> {
    let model = Model::up(local_model, "hooks", "3s")?;
    let units = deploy(&model, charms)?;
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
        s.unit = if s.unit == leader { "leader" } else { "non-leader" }.to_owned();
    }
    Ok(samples)
}

fn run(options: &Options) -> Result<(), String> {
    if options.build {
        build()?;
    }
    if !Path::new("/usr/share/java/zookeeper.jar").exists() {
        return Err("Debian's zookeeper package is not installed (scripts/install-deps.sh)".to_owned());
    }
    let scratch = std::env::temp_dir().join(format!("kafka-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let result = (|| {
        if options.hooks {
            hooks_and_size(&scratch, options.samples, options.calls)?;
        }
        eprintln!("creating {} client users in a real ZooKeeper…", options.users);
        let figures = users::run(&scratch, options.users)?;
        report::print_users(&figures);
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Packs the release charms, measures the hooks in a model, prints the hook table and sizes.
fn hooks_and_size(scratch: &Path, samples: usize, calls: bool) -> Result<(), String> {
    let release = release_dir();
    let tool = |name: &str| release.join(name);
    let (local_model, charm_pack, measure) = (tool("local-model"), tool("charm-pack"), tool("charm-bench"));
    let binaries = [tool(KAFKA), tool(ZOOKEEPER), tool(CLIENT)];
    for path in binaries.iter().chain([&local_model, &charm_pack, &measure]) {
        if !path.exists() {
            return Err(format!("{} is missing; run without --no-build", path.display()));
        }
    }
    let dirs = [
        PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        workspace().join("charms").join(ZOOKEEPER),
        workspace().join("charms/stand-ins").join(CLIENT),
    ];
    let mut charms = binaries.clone();
    for ((charm, dir), binary) in charms.iter_mut().zip(&dirs).zip(&binaries) {
        *charm = pack(&charm_pack, dir, binary, scratch)?;
    }
    let sizes = report::Sizes::of(&charms[0], &binaries[0])?;
    eprintln!("measuring kafka-k8s hooks in the local model…");
    let samples = measure_hooks(&local_model, &charms, &measure, scratch, samples, calls)?;
    report::print_hooks(&samples, &sizes);
    Ok(())
}
