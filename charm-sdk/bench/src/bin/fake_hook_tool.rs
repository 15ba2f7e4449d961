//! `fake-hook-tool`: every Juju hook tool in one small binary, for the benchmark.
//!
//! A `/bin/sh` fake costs about a millisecond per call (a shell plus a `cat` or two), which
//! would hide the charm's own cost; this one costs one `execve` of a small static-free Rust
//! program. It follows the layout described in the demo's `tests/support/juju/mod.rs`, exactly
//! as the shell fake does (`tests/same_as_shell.rs` checks both record and answer alike):
//! its name comes from `argv[0]`, it appends `tool US args… GS stdin GS key=file… RS` to
//! `$FAKE_JUJU_DIR/calls.log`, and answers from `$FAKE_JUJU_DIR/fixtures/<tool>.<key>.*`
//! or `<tool>.*`.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const RS: char = '\u{1e}';
const GS: char = '\u{1d}';
const US: char = '\u{1f}';

/// `$(cat …)` in sh drops trailing newlines; so do we, to record exactly what the shell fake
/// records.
fn shell_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim_end_matches('\n').to_owned()
}

fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    let tool = Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let args: Vec<String> = argv.map(|a| a.to_string_lossy().into_owned()).collect();
    let Some(root) = std::env::var_os("FAKE_JUJU_DIR").map(PathBuf::from) else {
        eprintln!("ERROR fake-hook-tool: FAKE_JUJU_DIR is not set");
        return ExitCode::from(2);
    };
    match run(&root, &tool, &args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ERROR fake-hook-tool {tool}: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(root: &Path, tool: &str, args: &[String]) -> io::Result<u8> {
    let mut stdin = Vec::new();
    io::stdin().read_to_end(&mut stdin)?;
    let mut record = String::from(tool);
    for arg in args {
        record.push(US);
        record.push_str(arg);
    }
    record.push(GS);
    record.push_str(&shell_text(&stdin));
    record.push(GS);
    for (key, path) in args.iter().filter_map(|a| a.split_once("#file=")) {
        record.push_str(&format!(
            "{key}={}{US}",
            shell_text(&fs::read(path).unwrap_or_default())
        ));
    }
    record.push(RS);
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(root.join("calls.log"))?
        .write_all(record.as_bytes())?;

    let key = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--format=json")
        .collect::<Vec<_>>()
        .join("_")
        .replace('/', "~");
    let fixtures = root.join("fixtures");
    let keyed = |ext: &str| fixtures.join(OsString::from(format!("{tool}.{key}.{ext}")));
    let exists = |p: PathBuf| p.exists();
    let base = if exists(keyed("out")) || exists(keyed("err")) || exists(keyed("rc")) {
        format!("{tool}.{key}")
    } else {
        tool.to_owned()
    };
    let file = |ext: &str| fixtures.join(format!("{base}.{ext}"));
    if let Ok(out) = fs::read(file("out")) {
        io::stdout().write_all(&out)?;
    }
    if let Ok(err) = fs::read(file("err")) {
        io::stderr().write_all(&err)?;
    }
    let code = fs::read_to_string(file("rc"))
        .ok()
        .and_then(|rc| rc.trim().parse::<u8>().ok())
        .unwrap_or(0);
    Ok(code)
}
