//! The benchmark's table: per hook and unit role, wall time, CPU, peak RSS and hook-tool
//! calls; then the tools called, the archive's size and the time to an active ensemble.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::hooks::{Sample, ToolCall};

/// Sizes of what ships.
pub(crate) struct Sizes {
    /// The `.charm` archive.
    pub(crate) charm: u64,
    /// The charm binary inside it (uncompressed).
    pub(crate) binary: u64,
}

impl Sizes {
    /// Reads the sizes of the files.
    pub(crate) fn of(charm: &Path, binary: &Path) -> Result<Sizes, String> {
        let size = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.len())
                .map_err(|e| format!("{}: {e}", p.display()))
        };
        Ok(Sizes {
            charm: size(charm)?,
            binary: size(binary)?,
        })
    }
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

const HOOKS: [&str; 2] = ["update-status", "config-changed"];
const ROLES: [&str; 2] = ["leader", "non-leader"];

fn select<'a>(samples: &'a [Sample], hook: &str, role: &str, counted: bool) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|s| s.path == format!("hooks/{hook}") && s.unit == role && s.calls.is_some() == counted)
        .collect()
}

/// Prints everything.
pub(crate) fn print(samples: &[Sample], sizes: &Sizes, deploys: &[(Duration, usize)]) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!("zookeeper-k8s benchmark — release charm in the local model, 3 units, {cores} cores, Debian ZooKeeper");
    println!("(hook = charm process start to exit under charm-bench's wrapper: its CPU and peak RSS include");
    println!(" the hook tools it ran; tool calls from a separate counting pass)");
    println!();
    println!(
        "{:<15} {:<11} {:>5} {:>10} {:>10} {:>10} {:>10} {:>6}",
        "hook", "unit", "runs", "wall p50", "wall p90", "CPU p50", "peak RSS", "calls"
    );
    let mut failed = 0;
    for hook in HOOKS {
        for role in ROLES {
            let timed = select(samples, hook, role, false);
            failed += timed.iter().filter(|s| s.code != 0).count();
            let mut walls: Vec<Duration> = timed.iter().map(|s| s.wall).collect();
            let mut cpus: Vec<Duration> = timed.iter().map(|s| s.cpu).collect();
            walls.sort();
            cpus.sort();
            let rss = timed.iter().map(|s| s.rss_kib).max().unwrap_or(0);
            let mut calls: Vec<u64> = select(samples, hook, role, true)
                .iter()
                .filter_map(|s| s.calls)
                .collect();
            calls.sort_unstable();
            let calls = calls.get(calls.len() / 2).map_or("-".to_owned(), u64::to_string);
            println!(
                "{hook:<15} {role:<11} {:>5} {:>10} {:>10} {:>10} {:>10} {calls:>6}",
                timed.len(),
                ms(quantile(&walls, 0.5)),
                ms(quantile(&walls, 0.9)),
                ms(quantile(&cpus, 0.5)),
                mib(rss),
            );
        }
    }
    if failed > 0 {
        println!("warning: {failed} measured hook(s) exited non-zero");
    }
    println!();
    println!("hook-tool calls per hook (counting pass, one leader run each):");
    for hook in HOOKS {
        for role in ROLES {
            if let Some(s) = select(samples, hook, role, true).last() {
                let tools: BTreeMap<&String, &u64> = s.tools.iter().collect();
                let list: Vec<String> = tools.iter().map(|(t, n)| format!("{t} {n}")).collect();
                println!("  {hook} ({role}): {}", list.join(", "));
            }
        }
    }
    let mut tools: Vec<ToolCall> = samples.iter().filter_map(|s| s.tool).collect();
    tools.sort_by_key(|t| t.cpu);
    if let Some(tool) = tools.get(tools.len() / 2) {
        let rss = tools.iter().map(|t| t.rss_kib).max().unwrap_or(0);
        println!(
            "  one hook tool (is-leader) on its own, median of {}: wall {}, CPU {}, peak RSS {}",
            tools.len(),
            ms(tool.wall),
            ms(tool.cpu),
            mib(rss)
        );
        println!("  (so the charm's own CPU is roughly the hook's CPU minus calls × the tool's CPU)");
    }
    println!();
    println!(
        ".charm archive: {} ({} bytes); charm binary: {}",
        mib(sizes.charm / 1024),
        sizes.charm,
        mib(sizes.binary / 1024)
    );
    let mut times: Vec<Duration> = deploys.iter().map(|(d, _)| *d).collect();
    times.sort();
    let hooks: Vec<String> = deploys.iter().map(|(_, h)| h.to_string()).collect();
    println!(
        "3 units to active (deploy → all active and idle, mntr: 1 leader + 2 followers), {} run(s): \
         min {:.1} s, median {:.1} s, max {:.1} s; hooks run: {}",
        times.len(),
        quantile(&times, 0.0).as_secs_f64(),
        quantile(&times, 0.5).as_secs_f64(),
        quantile(&times, 1.0).as_secs_f64(),
        hooks.join(", ")
    );
}
