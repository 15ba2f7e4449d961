//! The hook-tool client: what runs when the local-model binary is invoked as
//! `relation-get`, `secret-add`...
//!
//! Like Juju's `jujuc`, it forwards the command line to the agent (the controller here),
//! identified by `JUJU_CONTEXT_ID` and `JUJU_AGENT_SOCKET_ADDRESS`, then prints what comes
//! back and exits with its code. Unlike `jujuc` it reads the files named on the command
//! line itself (`key#file=<path>`, `--file <path>`) and stdin only when asked for
//! (`--file -`): the charm's files may be in its private mount namespace, and a tool must
//! not block on a stdin nobody writes.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::ExitCode;

use crate::client;
use crate::proto::{FileContent, Request, Response, ToolRequest};

/// Paths on a command line whose content the controller needs.
fn named_files(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            // After `--` only `key#file=` content arguments remain meaningful.
            out.extend(iter.by_ref().filter_map(|a| file_arg(a)));
            break;
        }
        if arg == "--file" {
            if let Some(path) = iter.peek().filter(|p| p.as_str() != "-") {
                out.push((*path).clone());
            }
        } else if let Some(path) = arg.strip_prefix("--file=").filter(|p| *p != "-") {
            out.push(path.to_owned());
        } else if let Some(path) = file_arg(arg) {
            out.push(path);
        }
    }
    out
}

fn file_arg(arg: &str) -> Option<String> {
    let (key, path) = arg.split_once("#file=")?;
    (!key.contains('=')).then(|| path.to_owned())
}

fn wants_stdin(args: &[String]) -> bool {
    args.windows(2).any(|w| w[0] == "--file" && w[1] == "-") || args.iter().any(|a| a == "--file=-")
}

fn read_file(path: &str) -> FileContent {
    match std::fs::read(path) {
        Ok(bytes) => FileContent::Text(String::from_utf8_lossy(&bytes).into_owned()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            FileContent::Error(format!("open {path}: no such file or directory"))
        }
        Err(err) => FileContent::Error(format!("open {path}: {err}")),
    }
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "ERROR {message}");
    ExitCode::from(1)
}

/// Runs tool `tool` with `args` against the controller and exits as Juju's tool would.
pub fn run(tool: &str, args: Vec<String>) -> ExitCode {
    let Some(context_id) = std::env::var("JUJU_CONTEXT_ID").ok().filter(|v| !v.is_empty()) else {
        return fail("JUJU_CONTEXT_ID not set: hook tools only work inside a hook");
    };
    let Some(address) = std::env::var("JUJU_AGENT_SOCKET_ADDRESS")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        return fail("JUJU_AGENT_SOCKET_ADDRESS not set: hook tools only work inside a hook");
    };
    let stdin = if wants_stdin(&args) {
        let mut text = Vec::new();
        if let Err(err) = std::io::stdin().read_to_end(&mut text) {
            return fail(&format!("cannot read stdin: {err}"));
        }
        Some(String::from_utf8_lossy(&text).into_owned())
    } else {
        None
    };
    let files: BTreeMap<String, FileContent> = named_files(&args)
        .into_iter()
        .map(|path| {
            let content = read_file(&path);
            (path, content)
        })
        .collect();
    let request = Request::Tool(ToolRequest {
        context_id,
        tool: tool.to_owned(),
        args,
        stdin,
        files,
    });
    let response = match client::call(&address, &request) {
        Ok(Response::Ok(value)) => match serde_json::from_value::<crate::proto::ToolResponse>(value) {
            Ok(response) => response,
            Err(err) => return fail(&format!("bad response from the agent: {err}")),
        },
        Ok(Response::Error(message)) => return fail(&message),
        Err(err) => return fail(&err.to_string()),
    };
    let _ = std::io::stdout().write_all(response.stdout.as_bytes());
    let _ = std::io::stderr().write_all(response.stderr.as_bytes());
    ExitCode::from(u8::try_from(response.code).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn finds_named_files_and_stdin() {
        let a = args(&["--label", "x", "password#file=/tmp/p", "--file", "c.yaml", "user=admin"]);
        assert_eq!(named_files(&a), ["/tmp/p", "c.yaml"]);
        assert!(!wants_stdin(&a));
        assert!(wants_stdin(&args(&["-r", "3", "--file", "-"])));
        assert!(wants_stdin(&args(&["--file=-"])));
        assert!(named_files(&args(&["--file", "-", "a=b#file=c"])).is_empty());
    }
}
