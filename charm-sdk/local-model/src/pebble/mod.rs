//! A Pebble API server per container, with real processes.
//!
//! Pebble cannot be built on the machines this project runs on (its Go is too old), and a
//! fake that only records calls would not show whether a charm's workload really starts.
//! So the local model serves Pebble's HTTP API (`internals/daemon`, see the project's
//! `juju-contract.md` §6) itself on each container's `pebble.socket`, with Pebble's
//! semantics and error texts, and runs services, exec commands and exec checks as real
//! processes inside the container's [`Sandbox`] (private mount namespace with the rock's
//! paths bound): layers and plan (combination and validation from
//! [`juju_model::pebble`]), services with restart/backoff/kill-delay, changes with `/wait`,
//! files through the binds, exec over websockets, health checks, notices, service logs.
//!
//! The model learns what a charm must hear about through [`PebbleEvent`]s on a channel.
//! Every process started is tracked by PID and [`PebbleServer::shutdown`] stops them all.
//!
//! ```no_run
//! use std::sync::mpsc;
//! use local_model::pebble::PebbleServer;
//! use local_model::sandbox::Sandbox;
//!
//! let (events, received) = mpsc::channel();
//! let sandbox = Sandbox::new("zk-0/zookeeper", "/tmp/zk-0/zookeeper", "127.0.1.1".parse()?);
//! let server = PebbleServer::start("/tmp/zk-0/pebble.socket".as_ref(), sandbox, events)?;
//! assert!(matches!(received.recv()?, local_model::pebble::PebbleEvent::Ready { .. }));
//! server.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
mod api_services;
mod changes;
mod checks;
mod command;
mod exec;
mod files;
mod glob;
mod layers;
mod logs;
mod multipart;
mod notices;
mod probe;
mod response;
mod restart;
mod server;
mod services;
mod state;
mod timefmt;
mod websocket;

use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use juju_model::pebble::Layer;
use tokio::net::UnixListener;
use tokio::sync::watch;

use self::state::{ProcessKind, Shared, State};
use crate::sandbox::Sandbox;
use crate::Error;

/// What the model must hear about a container's Pebble (it turns them into hooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PebbleEvent {
    /// The API is being served (again, after a container restart): `<c>-pebble-ready`.
    Ready {
        /// The sandbox (container) name.
        sandbox: String,
    },
    /// A custom notice occurred for the first time or repeated: `<c>-pebble-custom-notice`.
    CustomNotice {
        /// The sandbox (container) name.
        sandbox: String,
        /// The notice id (`JUJU_NOTICE_ID`).
        id: String,
        /// The notice key (`JUJU_NOTICE_KEY`).
        key: String,
    },
    /// A check reached its failure threshold: `<c>-pebble-check-failed`.
    CheckFailed {
        /// The sandbox (container) name.
        sandbox: String,
        /// The check name (`JUJU_PEBBLE_CHECK_NAME`).
        check: String,
    },
    /// A failed check passed again: `<c>-pebble-check-recovered`.
    CheckRecovered {
        /// The sandbox (container) name.
        sandbox: String,
        /// The check name.
        check: String,
    },
}

/// How a server starts, beyond its socket and sandbox.
#[derive(Debug, Clone)]
pub struct PebbleOptions {
    /// The rock's own layers (`/var/lib/pebble/default/layers`), in order; also what the plan
    /// returns to when the container restarts.
    pub layers: Vec<(String, Layer)>,
    /// The first delay before a restarted container is ready again (doubles per restart,
    /// at most 30 s).
    pub restart_delay: Duration,
    /// Appends every service output line (`<time> [<service>] <line>`) to this file.
    pub log_file: Option<PathBuf>,
}

impl Default for PebbleOptions {
    fn default() -> Self {
        Self {
            layers: Vec::new(),
            restart_delay: Duration::from_secs(1),
            log_file: None,
        }
    }
}

struct Running {
    runtime: tokio::runtime::Runtime,
    shared: Arc<Shared>,
    socket: PathBuf,
    stop: watch::Sender<bool>,
}

/// A running Pebble API server for one container. Stops everything it started on
/// [`PebbleServer::shutdown`] (or, ignoring errors, when dropped).
pub struct PebbleServer {
    running: Option<Running>,
    sandbox: String,
}

impl std::fmt::Debug for PebbleServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PebbleServer")
            .field("sandbox", &self.sandbox)
            .field("socket", &self.running.as_ref().map(|r| r.socket.clone()))
            .finish()
    }
}

/// Longest a graceful shutdown may take before giving up on the stragglers.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(120);

impl PebbleServer {
    /// Serves Pebble's API on `socket` for `sandbox` (no initial layers) and sends
    /// [`PebbleEvent::Ready`] once it does.
    pub fn start(socket: &Path, sandbox: Sandbox, events: Sender<PebbleEvent>) -> Result<PebbleServer, Error> {
        Self::start_with(socket, sandbox, PebbleOptions::default(), events)
    }

    /// Like [`PebbleServer::start`], with the rock's layers and other options.
    pub fn start_with(
        socket: &Path,
        sandbox: Sandbox,
        options: PebbleOptions,
        events: Sender<PebbleEvent>,
    ) -> Result<PebbleServer, Error> {
        let name = sandbox.name.clone();
        let plan = layers::plan_of(&options.layers).map_err(|message| Error::PebbleLayers {
            sandbox: name.clone(),
            message,
        })?;
        let listen_error = |source: io::Error| Error::PebbleListen {
            sandbox: name.clone(),
            socket: socket.to_owned(),
            source,
        };
        if let Some(parent) = socket.parent() {
            std::fs::create_dir_all(parent).map_err(listen_error)?;
        }
        if std::fs::symlink_metadata(socket).is_ok_and(|m| m.file_type().is_socket()) {
            std::fs::remove_file(socket).map_err(listen_error)?;
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("local-model-pebble")
            .enable_all()
            .build()
            .map_err(|source| Error::PebbleRuntime {
                sandbox: name.clone(),
                source,
            })?;
        let listener = {
            let _context = runtime.enter();
            bind_socket(socket).map_err(listen_error)?
        };
        let state = State {
            layers: options.layers.clone(),
            plan,
            ..State::default()
        };
        let shared = Arc::new(Shared::new(sandbox, options, events, state));
        let (stop, stopped) = watch::channel(false);
        runtime.spawn(server::serve(shared.clone(), listener, stopped));
        {
            let _context = runtime.enter();
            let mut st = shared.lock();
            checks::plan_changed(&shared, &mut st);
        }
        shared.emit(PebbleEvent::Ready { sandbox: name.clone() });
        Ok(PebbleServer {
            running: Some(Running {
                runtime,
                shared,
                socket: socket.to_owned(),
                stop,
            }),
            sandbox: name,
        })
    }

    /// Stops every process it started, by PID (services: SIGTERM to the process group,
    /// SIGKILL after their kill-delay; exec commands and checks: SIGKILL), waits for them,
    /// stops serving and removes the socket. Call it from a thread that may block.
    pub fn shutdown(mut self) -> Result<(), Error> {
        self.stop()
    }

    /// The socket path.
    pub fn socket(&self) -> Option<&Path> {
        self.running.as_ref().map(|r| r.socket.as_path())
    }

    /// The PIDs of running services (each leads its own process group).
    pub fn service_pids(&self) -> Vec<(String, u32)> {
        let Some(running) = &self.running else {
            return Vec::new();
        };
        let st = running.shared.lock();
        st.services
            .iter()
            .filter(|(_, s)| s.state.has_process())
            .filter_map(|(name, s)| s.pid.map(|pid| (name.clone(), pid)))
            .collect()
    }

    /// Every live process this server started (services, exec commands, exec checks).
    pub fn pids(&self) -> Vec<u32> {
        self.running
            .as_ref()
            .map(|r| r.shared.lock().processes.keys().copied().collect())
            .unwrap_or_default()
    }

    /// How many times the container restarted because of a `shutdown` action.
    pub fn restarts(&self) -> u32 {
        self.running.as_ref().map(|r| r.shared.lock().restarts).unwrap_or(0)
    }

    fn stop(&mut self) -> Result<(), Error> {
        let Some(running) = self.running.take() else {
            return Ok(());
        };
        let (done, result) = std::sync::mpsc::channel();
        let shared = running.shared.clone();
        running.runtime.spawn(async move {
            let _ = done.send(stop_everything(&shared).await);
        });
        let outcome = result
            .recv_timeout(SHUTDOWN_LIMIT)
            .unwrap_or_else(|_| Err("shutdown did not finish in time".into()));
        let _ = running.stop.send(true);
        let _ = std::fs::remove_file(&running.socket);
        running.runtime.shutdown_background();
        outcome.map_err(|message| Error::PebbleShutdown {
            sandbox: self.sandbox.clone(),
            message,
        })
    }
}

impl Drop for PebbleServer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The longest path a unix socket address holds (`sun_path` is 108 bytes with the NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Binds the listener; a path too long for a socket address is reached through a short
/// temporary symlink to its directory (the socket is created in the real directory).
fn bind_socket(socket: &Path) -> io::Result<UnixListener> {
    use std::os::unix::ffi::OsStrExt;
    if socket.as_os_str().as_bytes().len() <= MAX_SOCKET_PATH {
        return UnixListener::bind(socket);
    }
    let (Some(dir), Some(file)) = (socket.parent(), socket.file_name()) else {
        return UnixListener::bind(socket);
    };
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let link = std::env::temp_dir().join(format!("lm-pebble-{}-{n}", std::process::id()));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(dir, &link)?;
    let bound = UnixListener::bind(link.join(file));
    let _ = std::fs::remove_file(&link);
    bound
}

/// Stops checks, services, exec commands and exec checks; waits until every tracked
/// process is gone.
async fn stop_everything(shared: &Arc<Shared>) -> Result<(), String> {
    {
        let mut st = shared.lock();
        st.stopping = true;
        checks::stop_all(&mut st);
    }
    let mut errors = services::stop_all(shared).await;
    let leftovers: Vec<(u32, ProcessKind)> = shared
        .lock()
        .processes
        .iter()
        .map(|(pid, kind)| (*pid, *kind))
        .collect();
    for (pid, _) in &leftovers {
        if let Ok(raw) = i32::try_from(*pid) {
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(raw), nix::sys::signal::Signal::SIGKILL);
        }
    }
    let deadline = tokio::time::Instant::now() + services::FAIL_DELAY;
    loop {
        let remaining: Vec<u32> = shared.lock().processes.keys().copied().collect();
        if remaining.is_empty() {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            errors.push(format!("processes still running: {remaining:?}"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_and_events_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PebbleServer>();
        assert_send_sync::<PebbleEvent>();
        assert_send_sync::<Error>();
    }
}
