//! The benchmark's printed report: the process table against the targets, the
//! reference rows, the in-process table, and every hook-tool call per hook with a check that
//! no fact was read twice.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::binary;
use crate::inprocess;
use crate::juju::Call;
use crate::measure::Sample;
use crate::stats::{mib, ms, quantile};

/// The targets.
const TARGET_WALL: Duration = Duration::from_millis(10);
const TARGET_RSS_KIB: u64 = 5 * 1024;

/// A reference row: something simpler than a hook, measured the same way.
pub(crate) struct ScaleRow {
    pub(crate) label: &'static str,
    pub(crate) samples: Vec<Sample>,
    pub(crate) note: &'static str,
}

/// One process-level row of the table.
pub(crate) struct ProcessRow {
    pub(crate) hook: &'static str,
    pub(crate) samples: Vec<Sample>,
    pub(crate) calls: Vec<Call>,
}

fn per_tool(calls: impl Iterator<Item = String>) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for tool in calls {
        *counts.entry(tool).or_default() += 1;
    }
    counts
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads of the same fact more than once (same query tool, same argv).
fn repeated_reads(calls: &[Call]) -> Vec<String> {
    const WRITES: [&str; 9] = [
        "status-set",
        "juju-log",
        "relation-set",
        "state-set",
        "open-port",
        "close-port",
        "secret-set",
        "secret-grant",
        "action-set",
    ];
    let mut seen = Vec::new();
    let mut repeated = Vec::new();
    for call in calls.iter().filter(|c| !WRITES.contains(&c.tool.as_str())) {
        let text = call.to_string();
        if seen.contains(&text) {
            repeated.push(text);
        } else {
            seen.push(text);
        }
    }
    repeated
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "OVER"
    }
}

/// Prints the whole report.
pub(crate) fn print(runs: usize, demo: &Path, rows: &[ProcessRow], scale: &[ScaleRow], in_process: &[inprocess::Row]) {
    let size = std::fs::metadata(demo).map(|m| m.len()).unwrap_or(0);
    println!(
        "demo-charm release binary: {} ({:.2} MiB), highest symbol {}",
        demo.display(),
        size as f64 / 1048576.0,
        binary::glibc_of(demo)
    );
    println!(
        "{} runs per hook; world: leader, 1 peer, 1 client, Pebble configured; hook tools: compiled fake-hook-tool\n",
        runs
    );
    println!(
        "{:<16} {:>6} {:>12} {:>12} {:>14} {:>14}  target (<10 ms, <5 MiB)",
        "process", "calls", "wall median", "wall p90", "CPU median", "peak RSS max"
    );
    for row in rows {
        let walls: Vec<Duration> = row.samples.iter().map(|s| s.wall).collect();
        let cpus: Vec<Duration> = row.samples.iter().map(|s| s.cpu).collect();
        let rss = row.samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
        let median = quantile(&walls, 0.5);
        println!(
            "{:<16} {:>6} {:>12} {:>12} {:>14} {:>14}  wall {}, RSS {}",
            row.hook,
            row.calls.len(),
            ms(median),
            ms(quantile(&walls, 0.9)),
            ms(quantile(&cpus, 0.5)),
            mib(rss),
            verdict(median < TARGET_WALL),
            verdict(rss < TARGET_RSS_KIB)
        );
    }
    for row in scale {
        let walls: Vec<Duration> = row.samples.iter().map(|s| s.wall).collect();
        let cpus: Vec<Duration> = row.samples.iter().map(|s| s.cpu).collect();
        println!(
            "{:<16} {:>6} {:>12} {:>12} {:>14} {:>14}  ({})",
            row.label,
            "-",
            ms(quantile(&walls, 0.5)),
            ms(quantile(&walls, 0.9)),
            ms(quantile(&cpus, 0.5)),
            mib(row.samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0)),
            row.note
        );
    }
    println!("\n{:<16} {:>6} {:>12} {:>12}", "in-process", "calls", "median", "p90");
    for row in in_process {
        println!(
            "{:<16} {:>6} {:>12} {:>12}",
            row.hook,
            row.calls.len(),
            ms(quantile(&row.times, 0.5)),
            ms(quantile(&row.times, 0.9))
        );
    }
    println!("\nhook-tool calls per hook (process runs; every run made the same calls):");
    for row in rows {
        println!("  {}: {}", row.hook, per_tool(row.calls.iter().map(|c| c.tool.clone())));
        let repeated = repeated_reads(&row.calls);
        if repeated.is_empty() {
            println!("    one call per fact: ok (no query repeated)");
        } else {
            println!("    REPEATED reads: {}", repeated.join("; "));
        }
        for call in &row.calls {
            println!("    {call}");
        }
    }
    println!(
        "\nnotes:\n  - peak RSS is Linux's ru_maxrss of reaped children: the largest of the charm and the hook tools it \
         ran, never their sum. A process started by vfork+exec also inherits its parent's RSS as a floor, so the \
         /bin/true row shows the floor (the measuring wrapper); values above it are the charm's own.\n  - CPU is \
         user+sys of the charm and its tools; wall time also counts waiting for the test Pebble (in this process) \
         and for the machine, so compare it with the CPU column and the /bin/true row when the machine is busy.\n  \
         - in-process runs include the emulator's own work (model, rules, commit): an upper bound of the charm's."
    );
}
