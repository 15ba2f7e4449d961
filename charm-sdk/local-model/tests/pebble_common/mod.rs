//! Shared helpers of the Pebble, sandbox and ZooKeeper tests: a PebbleServer in a temp dir
//! (stopped, with all its processes, when the harness is dropped — also on panic), the SDK's
//! real client for it, event waiting, raw HTTP for endpoints the SDK does not wrap.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{Read, Write};
use std::net::Ipv4Addr;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use charm_sdk::pebble::{Client, Layer};
use local_model::pebble::{PebbleEvent, PebbleOptions, PebbleServer};
use local_model::sandbox::{Bind, Sandbox};

/// The `local-model` binary, which implements the sandbox helper.
pub fn helper() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_local-model"))
}

/// Namespaces and bind mounts need root; the tests say so loudly instead of failing.
pub fn need_root() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    eprintln!("SKIPPED: this test needs root (mount namespaces); run it as root");
    false
}

/// The host name the test hosts file gives a sandbox (`unit-0/workload` -> `unit-0-workload-host`).
pub fn host_name(sandbox: &str) -> String {
    format!("{}-host", sandbox.replace('/', "-"))
}

/// A sandbox rooted in `root` with a hosts file and the test helper.
pub fn sandbox(name: &str, root: &Path, address: Ipv4Addr, binds: Vec<Bind>) -> Sandbox {
    std::fs::create_dir_all(root).unwrap();
    let hosts = root.join("hosts");
    let host = host_name(name);
    std::fs::write(
        &hosts,
        format!("127.0.0.1 localhost\n{address} {host}.test-endpoints {host}\n"),
    )
    .unwrap();
    let mut sandbox = Sandbox::new(name, root, address);
    sandbox.binds = binds;
    sandbox.hosts_file = Some(hosts);
    sandbox.helper = Some(helper());
    sandbox
}

/// A running server, its events and its temp dir.
pub struct Harness {
    pub server: Option<PebbleServer>,
    pub events: Receiver<PebbleEvent>,
    pub socket: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Harness {
    /// A server whose sandbox binds `<dir>/data` at `/data`.
    pub fn start() -> Harness {
        Self::start_with(|_| Vec::new(), PebbleOptions::default())
    }

    /// A server with extra binds (given the temp dir) and options.
    pub fn start_with(binds: impl FnOnce(&Path) -> Vec<Bind>, options: PebbleOptions) -> Harness {
        let dir = tempfile::Builder::new().prefix("pebble-test").tempdir().unwrap();
        let mut all = vec![Bind::new(dir.path().join("data"), "/data")];
        all.extend(binds(dir.path()));
        let sandbox = sandbox(
            "unit-0/workload",
            &dir.path().join("root"),
            Ipv4Addr::new(127, 0, 1, 250),
            all,
        );
        let socket = dir.path().join("containers/workload/pebble.socket");
        let (tx, events) = channel();
        let server = PebbleServer::start_with(&socket, sandbox, options, tx).unwrap();
        let harness = Harness {
            server: Some(server),
            events,
            socket,
            dir,
        };
        assert!(matches!(
            harness.next_event(Duration::from_secs(5)),
            Some(PebbleEvent::Ready { .. })
        ));
        harness
    }

    pub fn client(&self) -> Client {
        Client::with_timeouts(&self.socket, Duration::from_secs(10), Duration::from_secs(30)).unwrap()
    }

    pub fn server(&self) -> &PebbleServer {
        self.server.as_ref().unwrap()
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn next_event(&self, timeout: Duration) -> Option<PebbleEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Waits for an event matching `wanted`, skipping others.
    pub fn wait_event(&self, timeout: Duration, wanted: impl Fn(&PebbleEvent) -> bool) -> Option<PebbleEvent> {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.events.recv_timeout(left) {
                Ok(event) if wanted(&event) => return Some(event),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    pub fn add_layer(&self, yaml: &str) {
        use charm_sdk::pebble::Pebble;
        self.client()
            .add_layer("test", &Layer::from_yaml(yaml).unwrap(), true)
            .unwrap();
    }

    /// Stops the server and checks that every process it started is gone.
    pub fn shutdown(mut self) -> Vec<u32> {
        let server = self.server.take().unwrap();
        let pids = server.pids();
        server.shutdown().unwrap();
        for pid in &pids {
            assert!(!alive(*pid), "process {pid} survived shutdown");
        }
        pids
    }
}

/// Whether a process exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Polls `condition` until true or `timeout`.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A raw HTTP/1.0 GET on the socket (for endpoints the SDK does not wrap): (status, body).
pub fn http_get(socket: &Path, path: &str) -> (u16, String) {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, body.to_owned())
}
