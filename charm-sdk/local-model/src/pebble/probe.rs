//! Running one health check: HTTP GET, TCP connect, or a command in the sandbox.
//!
//! Follows `internals/overlord/checkstate/checkers.go`: HTTP succeeds on a 2xx status (else
//! `non-2xx status code N` with the body's first lines as details), TCP when a connection
//! opens (host defaults to `localhost`), exec when the command exits 0 (else `exit status N`
//! with its output). Host names are resolved as the container would: the sandbox's hosts
//! file first (the model's `<unit>.<app>-endpoints` names), then the system resolver.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use juju_model::pebble::Check;
use tokio::net::TcpStream;

use super::command::split;
use super::services::exit_code;
use super::state::{ProcessGuard, ProcessKind, Shared};
use crate::sandbox::{users, RunOptions};

/// Lines of output kept as error details.
const MAX_ERROR_LINES: usize = 5;

/// Runs `check` once within `timeout`; `Err` holds Pebble's error text (with details).
pub(crate) async fn run(shared: &Arc<Shared>, check: &Check, timeout: Duration) -> Result<(), String> {
    if let Some(exec) = &check.exec {
        // Kills its own process group on timeout.
        return exec_check(shared, exec, timeout).await;
    }
    let work = async {
        if let Some(http) = &check.http {
            http_check(shared, http.url.as_deref().unwrap_or_default(), &http.headers).await
        } else if let Some(tcp) = &check.tcp {
            let host = tcp.host.as_deref().filter(|h| !h.is_empty()).unwrap_or("localhost");
            tcp_check(shared, host, tcp.port.unwrap_or(0)).await
        } else {
            Err("check has no type".into())
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(timed_out(timeout)),
    }
}

fn timed_out(timeout: Duration) -> String {
    format!(
        "check timed out after {}",
        juju_model::pebble::GoDuration::from_std(timeout)
    )
}

/// Addresses for `host` as seen from inside the sandbox.
pub(crate) async fn resolve(shared: &Shared, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if let Some(hosts) = &shared.sandbox.hosts_file {
        if let Ok(text) = std::fs::read_to_string(hosts) {
            let found: Vec<SocketAddr> = text
                .lines()
                .map(|l| l.split('#').next().unwrap_or_default())
                .filter_map(|l| {
                    let mut words = l.split_whitespace();
                    let ip = words.next()?.parse::<IpAddr>().ok()?;
                    words.any(|name| name.eq_ignore_ascii_case(host)).then_some(ip)
                })
                .map(|ip| SocketAddr::new(ip, port))
                .collect();
            if !found.is_empty() {
                return Ok(found);
            }
        }
    }
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)]);
    }
    tokio::net::lookup_host((host, port))
        .await
        .map(|addrs| addrs.collect())
        .map_err(|e| format!("dial tcp: lookup {host}: {e}"))
}

async fn connect(shared: &Shared, host: &str, port: u16) -> Result<TcpStream, String> {
    let mut last = format!("dial tcp {host}:{port}: no addresses");
    for addr in resolve(shared, host, port).await? {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = format!("dial tcp {addr}: connect: {}", lower_first(&e.to_string())),
        }
    }
    Err(last)
}

fn lower_first(text: &str) -> String {
    let text = text.split(" (os error").next().unwrap_or(text);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

async fn tcp_check(shared: &Shared, host: &str, port: u16) -> Result<(), String> {
    connect(shared, host, port).await.map(drop)
}

async fn http_check(shared: &Shared, url: &str, headers: &BTreeMap<String, String>) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(format!(
            "Get {url:?}: only http:// URLs are supported by the local model"
        ));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, p.parse::<u16>().map_err(|_| format!("invalid port in {url:?}"))?),
        _ => (authority, 80),
    };
    let stream = connect(shared, host, port)
        .await
        .map_err(|e| format!("Get {url:?}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("Get {url:?}: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request = Request::get(path).header("Host", authority);
    for (key, value) in headers {
        request = request.header(key, value);
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("cannot build request: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("Get {url:?}: {e}"))?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Err(with_details(format!("non-2xx status code {status}"), &body))
}

fn with_details(error: String, output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    let mut lines: Vec<&str> = text.trim().lines().collect();
    if lines.len() > MAX_ERROR_LINES {
        lines.truncate(MAX_ERROR_LINES);
        lines.push("(...)");
    }
    let details = lines.join("\n");
    if details.is_empty() {
        error
    } else {
        format!("{error}; {details}")
    }
}

async fn exec_check(
    shared: &Arc<Shared>,
    exec: &juju_model::pebble::ExecCheck,
    timeout: Duration,
) -> Result<(), String> {
    let argv = split(exec.command.as_deref().unwrap_or_default())?;
    if argv.is_empty() {
        return Err("empty command".into());
    }
    let (mut env, mut user, mut user_id, mut group, mut group_id, mut working_dir) =
        (shared.base_env(), None, None, None, None, None);
    if let Some(context) = exec.service_context.as_deref().filter(|c| !c.is_empty()) {
        let st = shared.lock();
        if let Some(service) = st.plan.services.get(context) {
            env.extend(service.environment.clone());
            user.clone_from(&service.user);
            user_id = service.user_id;
            group.clone_from(&service.group);
            group_id = service.group_id;
            working_dir.clone_from(&service.working_dir);
        }
    }
    env.extend(exec.environment.clone());
    if exec.user.is_some() || exec.user_id.is_some() {
        user.clone_from(&exec.user);
        user_id = exec.user_id;
    }
    if exec.group.is_some() || exec.group_id.is_some() {
        group.clone_from(&exec.group);
        group_id = exec.group_id;
    }
    if exec.working_dir.is_some() {
        working_dir.clone_from(&exec.working_dir);
    }
    let (uid, gid) = users::normalize(
        &shared.sandbox.users,
        user_id,
        group_id,
        user.as_deref(),
        group.as_deref(),
    )?;
    if shared
        .sandbox
        .find_executable(&argv[0], env.get("PATH").map(String::as_str))
        .is_none()
    {
        return Err(format!("exec: {:?}: executable file not found in $PATH", argv[0]));
    }
    let options = RunOptions {
        working_dir,
        uid,
        gid,
        new_session: false,
    };
    let mut command = shared.sandbox.command_with(&argv, &options);
    command
        .envs(&env)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start command: {e}"))?;
    // Kills the group if this future is dropped (check stopped) or times out.
    let mut guard = ProcessGuard::new(shared, child.id(), ProcessKind::Check);
    let result = tokio::time::timeout(timeout, child.wait_with_output()).await;
    if result.is_ok() {
        guard.exited();
    }
    drop(guard);
    match result {
        Err(_) => Err(timed_out(timeout)),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(output)) if output.status.success() => Ok(()),
        Ok(Ok(output)) => {
            let mut all = output.stdout;
            all.extend_from_slice(&output.stderr);
            Err(with_details(format!("exit status {}", exit_code(output.status)), &all))
        }
    }
}
