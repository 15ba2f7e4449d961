//! Measuring the charm's hooks where they really run: in the local model, with its hook tools
//! (one process and one controller round trip per call), its Pebble, and zookeeper-k8s running
//! Debian's real ZooKeeper at the other end of the `zookeeper` relation (kafka-k8s's own broker
//! cannot run on these machines, so every hook ends at "workload not available"). Adapted from
//! zookeeper-k8s's bench (`examples/bench/hooks.rs` there).
//!
//! Each unit's `dispatch` is replaced by a script that runs the charm under charm-bench's
//! measuring wrapper (`charm-bench __measure <program>`: wall time, and `getrusage` of the
//! charm plus the hook tools it reaped) and appends one line per hook to a samples file. When
//! a `count` marker exists, the script also puts shims first on `PATH` that log each hook-tool
//! call before running the real tool — a separate pass, so the shims' cost never shows in the
//! timings — and measures one `is-leader` call on its own: `getrusage` adds the tools' CPU to
//! the charm's, and its peak RSS is the largest of the charm and the tools, not the charm's.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DISPATCH: &str = r#"#!/bin/sh
# Written by kafka-k8s's bench example: measure this hook, then exit with its code.
M='@SCRATCH@'
calls=-; tools=-; tool=-
if [ -f "$M/count" ]; then
  KB_CALLS="$M/calls.$$"; export KB_CALLS; : > "$KB_CALLS"; PATH="$M/shims:$PATH"
fi
res=$('@MEASURE@' __measure ./bin/kafka-k8s)
if [ -n "${KB_CALLS:-}" ]; then
  calls=$(wc -l < "$KB_CALLS" | tr -d ' ')
  tools=$(awk '{print $1}' "$KB_CALLS" | sort | uniq -c | awk '{printf "%s%s=%s", s, $2, $1; s=","}')
  mkdir -p "$M/traces"; cp "$KB_CALLS" "$M/traces/$(echo "$JUJU_UNIT_NAME.$JUJU_DISPATCH_PATH" | tr '/' '-')"
  tool=$('@MEASURE@' __measure '@TOOLS@/is-leader' | awk '{print $1 ":" $2 ":" $3}')
  rm -f "$KB_CALLS"
fi
echo "$JUJU_UNIT_NAME $JUJU_DISPATCH_PATH ${res:-0 0 0 1} $calls ${tools:--} ${tool:--}" >> "$M/samples"
code=${res##* }
exit "${code:-1}"
"#;

/// Logs the call (tool and arguments, on one line) before running the real tool.
const SHIM: &str = "#!/bin/sh\n{ printf '%s' \"${0##*/}\"; for a in \"$@\"; do printf ' %s' \"$a\"; done; } | tr '\\n' ' ' >> \"$KB_CALLS\"\n\
                    echo >> \"$KB_CALLS\"\nexec '@TOOLS@'/\"${0##*/}\" \"$@\"\n";

/// One measured hook.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// `app/N`.
    pub(crate) unit: String,
    /// `hooks/<name>` or `actions/<name>`.
    pub(crate) path: String,
    /// Charm start to exit.
    pub(crate) wall: Duration,
    /// User + system CPU of the charm and its hook tools.
    pub(crate) cpu: Duration,
    /// Peak RSS of the largest of them, KiB.
    pub(crate) rss_kib: u64,
    /// Exit code.
    pub(crate) code: i64,
    /// Hook-tool calls (count pass only).
    pub(crate) calls: Option<u64>,
    /// Calls per tool (count pass only).
    pub(crate) tools: BTreeMap<String, u64>,
    /// One `is-leader` call on its own (count pass only).
    pub(crate) tool: Option<ToolCall>,
}

/// What one hook-tool process costs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ToolCall {
    /// Start to exit.
    pub(crate) wall: Duration,
    /// User + system CPU.
    pub(crate) cpu: Duration,
    /// Peak RSS, KiB.
    pub(crate) rss_kib: u64,
}

fn parse_tool(text: &str) -> Option<ToolCall> {
    let mut fields = text.split(':').map(str::parse::<u64>);
    let (Some(Ok(wall)), Some(Ok(cpu)), Some(Ok(rss))) = (fields.next(), fields.next(), fields.next()) else {
        return None;
    };
    Some(ToolCall {
        wall: Duration::from_nanos(wall),
        cpu: Duration::from_micros(cpu),
        rss_kib: rss,
    })
}

/// The scratch directory holding the samples, the shims and the count marker.
pub(crate) struct Probe {
    dir: PathBuf,
}

fn write_exec(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, path).map_err(|e| format!("installing {}: {e}", path.display()))
}

impl Probe {
    /// Prepares `dir` and shims for every tool of the model at `model_dir`.
    pub(crate) fn new(dir: PathBuf, model_dir: &Path) -> Result<Probe, String> {
        let tools = model_dir.join("tools");
        std::fs::create_dir_all(dir.join("shims")).map_err(|e| e.to_string())?;
        let entries = std::fs::read_dir(&tools).map_err(|e| format!("{}: {e}", tools.display()))?;
        for entry in entries.flatten() {
            let shim = SHIM.replace("@TOOLS@", &tools.to_string_lossy());
            write_exec(&dir.join("shims").join(entry.file_name()), &shim)?;
        }
        Ok(Probe { dir })
    }

    /// Replaces the `dispatch` of the unit whose charm directory is `charm_dir`.
    pub(crate) fn install(&self, charm_dir: &Path, measure: &Path, model_dir: &Path) -> Result<(), String> {
        let script = DISPATCH
            .replace("@SCRATCH@", &self.dir.to_string_lossy())
            .replace("@MEASURE@", &measure.to_string_lossy())
            .replace("@TOOLS@", &model_dir.join("tools").to_string_lossy());
        write_exec(&charm_dir.join("dispatch"), &script)
    }

    /// Turns the call-counting pass on or off.
    pub(crate) fn count(&self, on: bool) -> Result<(), String> {
        let marker = self.dir.join("count");
        if on {
            std::fs::write(&marker, b"").map_err(|e| e.to_string())
        } else {
            let _ = std::fs::remove_file(&marker);
            Ok(())
        }
    }

    /// The calls (one line each: tool and arguments) of the last counted `hook` of `unit`.
    pub(crate) fn trace(&self, unit: &str, hook: &str) -> Option<String> {
        let name = format!("{unit}.hooks/{hook}").replace('/', "-");
        std::fs::read_to_string(self.dir.join("traces").join(name)).ok()
    }

    /// Every sample so far.
    pub(crate) fn samples(&self) -> Vec<Sample> {
        let text = std::fs::read_to_string(self.dir.join("samples")).unwrap_or_default();
        text.lines().filter_map(parse).collect()
    }
}

fn parse(line: &str) -> Option<Sample> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let [unit, path, wall, cpu, rss, code, calls, tools, tool] = f.as_slice() else {
        return None;
    };
    let tools = tools
        .split(',')
        .filter_map(|t| t.split_once('='))
        .filter_map(|(name, n)| Some((name.to_owned(), n.parse().ok()?)))
        .collect();
    Some(Sample {
        unit: (*unit).to_owned(),
        path: (*path).to_owned(),
        wall: Duration::from_nanos(wall.parse().ok()?),
        cpu: Duration::from_micros(cpu.parse().ok()?),
        rss_kib: rss.parse().ok()?,
        code: code.parse().ok()?,
        calls: calls.parse().ok(),
        tools,
        tool: parse_tool(tool),
    })
}
