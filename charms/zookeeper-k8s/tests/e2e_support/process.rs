//! Finding a unit's ZooKeeper process, and asking its Pebble about it.
//!
//! The test must kill exactly one unit's server and nothing else, so the PID is found by what
//! is unique to that unit — the process listening on the unit's own address and client port
//! (`/proc/net/tcp{,6}` gives the socket's inode, `/proc/<pid>/fd` who holds it) — and is
//! accepted only if it is a child of this model's controller (which runs every Pebble
//! service). Processes are never looked up or signalled by name.

use std::io::{Read, Write};
use std::net::Ipv4Addr;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

/// The PID of the process listening on `address:port`, if any.
pub fn listening_pid(address: &str, port: u16) -> Option<u32> {
    let ip: Ipv4Addr = address.parse().ok()?;
    let inode = listening_inode(ip, port)?;
    let wanted = format!("socket:[{inode}]");
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == wanted) {
                return Some(pid);
            }
        }
    }
    None
}

/// The inode of the listening socket on `ip:port` (IPv4, or IPv4-mapped IPv6 as Java binds).
fn listening_inode(ip: Ipv4Addr, port: u16) -> Option<String> {
    // /proc/net/tcp prints the address as the in-memory u32 in hex (little-endian here).
    let v4 = format!("{:08X}:{port:04X}", u32::from_le_bytes(ip.octets()));
    let v6 = format!("0000000000000000FFFF0000{v4}");
    for (file, local) in [("/proc/net/tcp", &v4), ("/proc/net/tcp6", &v6)] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
            if fields.len() > 9 && fields[1] == local.as_str() && fields[3] == "0A" {
                return Some(fields[9].to_owned());
            }
        }
    }
    None
}

/// The parent PID of `pid`.
pub fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // pid (comm) state ppid …; comm may hold spaces and parentheses: split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `pid` is still alive (and not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rfind(')').map(|i| s[i + 1..].trim_start().starts_with('Z')))
        .is_some_and(|zombie| !zombie)
}

/// Sends SIGKILL to `pid` (by PID, with the system's `kill`).
pub fn kill9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -9 {pid} failed");
}

/// `GET path` on a Pebble unix socket; the `result` of its JSON answer.
pub fn pebble_get(socket: &Path, path: &str) -> Option<Value> {
    let mut stream = UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_owned()
    };
    serde_json::from_str::<Value>(&body).ok().map(|v| v["result"].clone())
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// Pebble's view of one service: `(current, current-since)`.
pub fn pebble_service(socket: &Path, name: &str) -> Option<(String, String)> {
    let services = pebble_get(socket, &format!("/v1/services?names={name}"))?;
    let service = services.as_array()?.iter().find(|s| s["name"] == name)?.clone();
    Some((
        service["current"].as_str()?.to_owned(),
        service["current-since"].as_str().unwrap_or_default().to_owned(),
    ))
}
