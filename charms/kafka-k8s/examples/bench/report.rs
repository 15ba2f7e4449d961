//! The benchmark's tables: per hook and unit role, wall time, CPU, peak RSS and hook-tool
//! calls; the tools called; the archive's size; then the client-user figures.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::hooks::{Sample, ToolCall};
use super::users::Figures;

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

/// Prints the hook table, the tool calls and the sizes.
pub(crate) fn print_hooks(samples: &[Sample], sizes: &Sizes) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!("kafka-k8s benchmark — release charm in the local model, {cores} cores");
    println!("(3 kafka-k8s units related to 3 zookeeper-k8s units running Debian's ZooKeeper, 1 client;");
    println!(" no Kafka broker can run here, so every kafka-k8s hook ends at \"workload not available\";");
    println!(" hook = charm process start to exit under charm-bench's wrapper: its CPU and peak RSS include");
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
    println!("hook-tool calls per hook (counting pass, last run of each):");
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
    }
    println!();
    println!(
        ".charm archive: {} ({} bytes); charm binary: {}",
        mib(sizes.charm / 1024),
        sizes.charm,
        mib(sizes.binary / 1024)
    );
}

fn mean(d: &[Duration]) -> Duration {
    if d.is_empty() {
        return Duration::ZERO;
    }
    d.iter().sum::<Duration>() / u32::try_from(d.len()).unwrap_or(u32::MAX)
}

/// Prints the client-user table.
pub(crate) fn print_users(f: &Figures) {
    let per_s = |d: Duration| f.users as f64 / d.as_secs_f64().max(f64::EPSILON);
    let mut sorted = f.per_user.clone();
    sorted.sort();
    let tenth = (f.users / 10).max(1);
    println!();
    println!(
        "{} client users with ACLs in a real ZooKeeper (one server, SASL on, fsync on), through the charm's \
         ZkStoreConnector/zkstore with zk-admin:",
        f.users
    );
    println!("{:<56} {:>10} {:>10}", "", "total", "users/s");
    let row = |what: &str, d: Duration| println!("{what:<56} {:>8.2} s {:>10.1}", d.as_secs_f64(), per_s(d));
    row("create (session + SCRAM-SHA-512 + 5 ACLs each)", f.total);
    row("re-sync, all unchanged (one session, no write)", f.unchanged);
    row("remove (ACLs + credential, one session)", f.removal);
    println!(
        "  per created user: p50 {}, p90 {}, max {}; session open p50 {}",
        ms(quantile(&sorted, 0.5)),
        ms(quantile(&sorted, 0.9)),
        ms(quantile(&sorted, 1.0)),
        ms(f.session)
    );
    println!(
        "  first {tenth} users: mean {}; last {tenth}: mean {} (ACL sync reads every ACL znode of the chroot)",
        ms(mean(&f.per_user[..tenth.min(f.per_user.len())])),
        ms(mean(&f.per_user[f.per_user.len().saturating_sub(tenth)..]))
    );
}
