//! Running one [`ToolCall`] as a child process.
//!
//! This is the only part of the SDK that spawns hook tools. It owns three concerns that
//! must be right every time, so they live in one small place:
//! - secret values go to files readable only by this user (`0700` directory, `0600`
//!   files, created with `create_new`), passed as `key#file=<path>` and removed when the
//!   call returns, even on error (as ops does with a temporary directory);
//! - stdin is written from a separate thread, so a tool that prints before reading cannot
//!   deadlock us on a full pipe;
//! - failures become [`HookToolError`]s: a non-zero exit is classified from stderr, a tool
//!   that cannot be started is `Unavailable`.

use std::ffi::OsStr;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use juju_model::tools::valid_secret_key;

use super::argv::ToolCall;
use crate::backend::{HookToolError, ToolErrorKind, ToolResult};

/// Runs `call` with `program` (the tool name, or its path under a tool directory) and
/// returns its stdout when it exits 0.
pub(crate) fn run(program: &Path, call: &ToolCall) -> ToolResult<Vec<u8>> {
    let secrets = SecretFiles::write(call)?;
    let mut command = Command::new(program);
    command
        .args(call.argv(secrets.paths()))
        .stdin(if call.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn(&mut command).map_err(|err| unavailable(call.tool, program, &err))?;
    let (output, written) = match (child.stdin.take(), call.stdin.as_deref()) {
        (Some(mut pipe), Some(bytes)) => std::thread::scope(|scope| {
            let writer = scope.spawn(move || pipe.write_all(bytes));
            let output = child.wait_with_output();
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("stdin writer panicked")));
            (output, written)
        }),
        _ => (child.wait_with_output(), Ok(())),
    };
    drop(secrets);
    let output = output.map_err(|err| other(call.tool, format!("waiting for the tool failed: {err}")))?;
    if !output.status.success() {
        return Err(failure(call.tool, &output));
    }
    written.map_err(|err| other(call.tool, format!("could not write stdin: {err}")))?;
    Ok(output.stdout)
}

/// Spawns, retrying briefly on `ETXTBSY`: a tool written moments ago (tests, the local
/// model installing its tools) can be momentarily busy while another thread forks.
fn spawn(command: &mut Command) -> io::Result<Child> {
    let mut attempts = 0;
    loop {
        match command.spawn() {
            Err(err) if err.kind() == io::ErrorKind::ExecutableFileBusy && attempts < 20 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            result => return result,
        }
    }
}

fn other(tool: &str, message: String) -> HookToolError {
    HookToolError {
        tool: tool.to_owned(),
        kind: ToolErrorKind::Other,
        message,
        code: None,
    }
}

fn unavailable(tool: &str, program: &Path, err: &io::Error) -> HookToolError {
    let place = if program.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
        format!("at {}", program.display())
    } else {
        "on PATH".to_owned()
    };
    let hint = if err.kind() == io::ErrorKind::NotFound {
        "; hook tools are on PATH only while Juju runs a hook or action (use `juju exec` or a \
         testing backend outside one)"
    } else {
        ""
    };
    HookToolError {
        tool: tool.to_owned(),
        kind: ToolErrorKind::Unavailable,
        message: format!("cannot run `{tool}` {place}: {err}{hint}"),
        code: None,
    }
}

/// A non-zero exit, classified from stderr; a silent tool gets a message naming its exit.
fn failure(tool: &str, output: &Output) -> HookToolError {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    if !stderr.trim().is_empty() {
        return HookToolError::classify(tool, &stderr, code);
    }
    let text = match (code, output.status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "failed".to_owned(),
    };
    HookToolError::classify(tool, &text, code)
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The private directory holding one call's secret values; removed on drop.
struct SecretFiles {
    dir: Option<PathBuf>,
    files: Vec<PathBuf>,
}

impl SecretFiles {
    fn write(call: &ToolCall) -> ToolResult<Self> {
        let mut files = Self {
            dir: None,
            files: Vec::new(),
        };
        if call.secret_content.is_empty() {
            return Ok(files);
        }
        if let Some((key, _)) = call.secret_content.iter().find(|(k, _)| !valid_secret_key(k)) {
            return Err(HookToolError {
                tool: call.tool.to_owned(),
                kind: ToolErrorKind::InvalidArgument,
                message: format!(
                    "secret key {key:?} not valid: keys are at least 3 lowercase letters, digits or single hyphens, starting with a letter"
                ),
                code: None,
            });
        }
        let fail = |err: io::Error| {
            other(
                call.tool,
                format!("cannot write secret content to a private file: {err}"),
            )
        };
        let dir = private_dir().map_err(fail)?;
        files.dir = Some(dir.clone());
        for (index, (_, value)) in call.secret_content.iter().enumerate() {
            let path = dir.join(format!("value-{index}"));
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(fail)?;
            files.files.push(path);
            file.write_all(value.as_bytes()).map_err(fail)?;
        }
        Ok(files)
    }

    fn paths(&self) -> &[PathBuf] {
        &self.files
    }
}

impl Drop for SecretFiles {
    fn drop(&mut self) {
        for file in &self.files {
            let _ = fs::remove_file(file);
        }
        if let Some(dir) = &self.dir {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Creates a fresh `0700` directory under the temp dir, named from pid, a counter and the
/// clock; `create` fails rather than reuse an existing path.
fn private_dir() -> io::Result<PathBuf> {
    let base = std::env::temp_dir();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last = io::Error::other("no attempt");
    for _ in 0..16 {
        let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("charm-secret-{}-{seq}-{nanos:x}", std::process::id()));
        match DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last = err,
            Err(err) => return Err(err),
        }
    }
    Err(last)
}

/// The program to run for `tool`: the bare name (looked up on PATH) or `dir/tool`.
pub(crate) fn program(tool_dir: Option<&Path>, tool: &str) -> PathBuf {
    match tool_dir {
        Some(dir) => dir.join(tool),
        None => PathBuf::from(OsStr::new(tool)),
    }
}
