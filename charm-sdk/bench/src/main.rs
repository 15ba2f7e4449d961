//! `charm-bench`: what one hook of the demo charm costs under Juju-like conditions.
//!
//! The issue's targets: one update-status and one config-changed of the example charm, run
//! as a process under fake hook tools, take under 10 ms and 5 MiB, with one hook-tool call
//! per fact needed. This program builds the release demo binary and the compiled fake tool
//! (`fake-hook-tool`), sets up the demo's steady-state world (leader, one peer, one client,
//! Pebble configured: the fixtures of `tests/support/worlds.rs`), runs each hook N times
//! and prints wall time (median, p90), CPU (user+sys, median), peak RSS (max) and the calls
//! per hook; then the same hooks in-process, the fake tool's own cost, and the binary's
//! size and newest GLIBC symbol. It only prints: timings are never asserted.
//!
//! ```text
//! cargo run --release -p charm-bench -- [--runs N] [--no-build]
//! ```

mod binary;
mod inprocess;
mod measure;
mod report;
mod stats;

// The demo's process-test support, compiled here too so the benchmark runs exactly the
// world the tests check (each file uses only std, serde_json and juju-model).
#[path = "../../examples/demo-charm/tests/support/juju/mod.rs"]
#[allow(dead_code)]
mod juju;
#[path = "../../examples/demo-charm/tests/support/pebble/mod.rs"]
#[allow(dead_code)]
mod pebble;
#[path = "../../examples/demo-charm/tests/support/tmp.rs"]
mod tmp;
#[path = "../../examples/demo-charm/tests/support/worlds.rs"]
#[allow(dead_code)]
mod worlds;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::json;

use juju::{Answer, Event, FakeJuju, Tools};

struct Options {
    runs: usize,
    build: bool,
}

fn parse_options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { runs: 50, build: true };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "demo" => {}
            "--no-build" => options.build = false,
            "--runs" => {
                let n = args.next().ok_or("--runs needs a number")?;
                options.runs = n
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("--runs: {n:?} is not a positive number"))?;
            }
            "-h" | "--help" => {
                return Err(
                    "usage: charm-bench [demo] [--runs N] [--no-build]\n  builds the release demo charm and \
                            fake-hook-tool (unless --no-build), then prints the figures"
                        .to_owned(),
                )
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let first = args.next();
    if first.as_deref() == Some(std::ffi::OsStr::new(measure::MEASURE)) {
        return measure::wrapper_main(args.next());
    }
    let words = first.into_iter().chain(args).map(|a| a.to_string_lossy().into_owned());
    let result = parse_options(words).and_then(|options| run(&options));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("charm-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `<target>/release`: where `cargo build --release` puts the binaries.
fn release_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(dir).join("release"));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find the target directory")?;
    Ok(target.join("release"))
}

fn build() -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    eprintln!("building the release demo-charm and fake-hook-tool…");
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "demo-charm",
            "-p",
            "charm-bench",
            "--bin",
            "demo-charm",
        ])
        .args(["--bin", "fake-hook-tool", "--manifest-path"])
        .arg(manifest)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build failed ({status})"))
    }
}

fn run(options: &Options) -> Result<(), String> {
    if options.build {
        build()?;
    }
    let dir = release_dir()?;
    let (demo, tool) = (dir.join("demo-charm"), dir.join("fake-hook-tool"));
    for binary in [&demo, &tool] {
        if !binary.exists() {
            return Err(format!("{} is missing; run without --no-build", binary.display()));
        }
    }
    let io = |e: std::io::Error| e.to_string();
    let mut fake = worlds::steady_leader(FakeJuju::with_tools(Tools::Binary(tool)).map_err(io)?);
    let _pebble = pebble::TestPebble::start(&fake.containers_dir(), "web").map_err(io)?;
    let install = fake.run(&demo, &Event::hook("install")).map_err(io)?;
    if install.code != Some(0) {
        return Err(format!("the warm-up install failed: {}", install.stderr));
    }

    let mut rows = Vec::new();
    for hook in ["update-status", "config-changed"] {
        let mut row = report::ProcessRow {
            hook,
            samples: Vec::with_capacity(options.runs),
            calls: Vec::new(),
        };
        for i in 0..options.runs {
            if hook == "config-changed" {
                // A new greeting each run: the page is rewritten every time (one Pebble write).
                let greeting = if i % 2 == 0 { "Hi" } else { "Hello" };
                let config = json!({"port": 8080, "greeting": greeting, "log-level": "INFO"});
                fake.set_answer("config-get", &[], Answer::json(config));
            }
            fake.install().map_err(io)?;
            let event = Event::hook(hook);
            let sample =
                measure::sample(&mut measure::wrapped(&fake.command(&demo, &event), &demo).map_err(io)?).map_err(io)?;
            let calls = fake.calls().map_err(io)?;
            if sample.code != 0 {
                return Err(format!("{hook} exited {}; calls: {calls:?}", sample.code));
            }
            if i > 0 && calls != row.calls {
                return Err(format!(
                    "{hook} made different calls in run {i}: {calls:?} vs {:?}",
                    row.calls
                ));
            }
            row.calls = calls;
            row.samples.push(sample);
        }
        let shown: Vec<String> = row.calls.iter().map(ToString::to_string).collect();
        if hook == "update-status" && shown != worlds::STEADY_LEADER {
            eprintln!("warning: update-status did not make the calls the process tests expect: {shown:#?}");
        }
        rows.push(row);
    }

    // For scale: the charm's own start-up (a hook it ignores: no hook tool call), one hook
    // tool call, and the cost of starting any process on this machine.
    let is_leader = fake.root().join("bin").join("is-leader");
    let floor = PathBuf::from("/bin/true");
    let mut scale = Vec::new();
    for (label, program, event, note) in [
        (
            "collect-metrics",
            &demo,
            Event::hook("collect-metrics"),
            "charm start-up and exit, no hook tool call",
        ),
        (
            "fake is-leader",
            &is_leader,
            Event::hook("update-status"),
            "one hook tool call",
        ),
        (
            "/bin/true",
            &floor,
            Event::hook("update-status"),
            "starting any process here",
        ),
    ] {
        let mut samples = Vec::with_capacity(options.runs);
        for _ in 0..options.runs {
            let mut command = measure::wrapped(&fake.command(program, &event), program).map_err(io)?;
            samples.push(measure::sample(&mut command).map_err(io)?);
        }
        scale.push(report::ScaleRow { label, samples, note });
    }

    let in_process = inprocess::measure(options.runs)?;
    report::print(options.runs, &demo, &rows, &scale, &in_process);
    Ok(())
}
