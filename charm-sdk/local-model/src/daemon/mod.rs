//! The controller daemon of one model directory.
//!
//! `local-model up DIR` starts it in the background; it keeps the whole model in memory
//! (a `juju_rules::Model` plus [`state`]), serves the CLI and the hook tools on unix
//! sockets ([`requests`]), runs hooks ([`hooks`]) on a clock ([`tick`]), and on shutdown
//! stops every process it started, by PID.

pub(crate) mod hooks;
mod network;
mod requests;
pub(crate) mod state;
mod tick;
mod topology;
mod view;
pub(crate) mod workload;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub use state::{ActionOutput, LogLine, Options};

use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::proto::{Request, Response};
use state::Controller;

/// The controller and the condition variable that says "something changed".
#[derive(Debug)]
pub(crate) struct Shared {
    ctl: Mutex<Controller>,
    /// Notified whenever hooks finish or the model changes.
    pub(crate) changed: Condvar,
    /// Where Pebble servers send their events.
    events: Mutex<Option<std::sync::mpsc::Sender<crate::pebble::PebbleEvent>>>,
}

impl Shared {
    /// Locks the controller (a panicked holder does not poison it for everyone else).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Controller> {
        self.ctl.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A sender for Pebble events (a dead one before the events thread runs).
    pub(crate) fn events(&self) -> std::sync::mpsc::Sender<crate::pebble::PebbleEvent> {
        let guard = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(sender) => sender.clone(),
            None => std::sync::mpsc::channel().0,
        }
    }
}

/// Makes `DIR/tools/<tool>` symlinks to this executable.
fn install_tools(layout: &Layout) -> Result<()> {
    let exe = std::env::current_exe().map_err(|e| Error::io("finding", "the local-model executable", e))?;
    let dir = layout.tools();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
    for tool in crate::tools::TOOL_NAMES {
        let link = dir.join(tool);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&exe, &link).map_err(|e| Error::io("linking", &link, e))?;
    }
    Ok(())
}

fn serve_connection(shared: &Arc<Shared>, stream: UnixStream) {
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let response = match serde_json::from_str::<Request>(&line) {
        Ok(request) => requests::handle(shared, request),
        Err(err) => Response::Error(format!("bad request: {err}")),
    };
    let mut out = serde_json::to_vec(&response).unwrap_or_default();
    out.push(b'\n');
    let mut writer = &stream;
    let _ = writer.write_all(&out);
}

fn accept_loop(shared: Arc<Shared>, listener: UnixListener) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        let _ = std::thread::Builder::new()
            .name("request".to_owned())
            .spawn(move || serve_connection(&shared, stream));
    }
}

/// Runs the controller of `dir` in the foreground until a `Shutdown` request.
pub fn serve(dir: &Path, options: Options) -> Result<()> {
    let layout = Layout::new(dir);
    for path in [layout.dir.clone(), layout.charms(), layout.dir.join("units")] {
        std::fs::create_dir_all(&path).map_err(|e| Error::io("creating", &path, e))?;
    }
    install_tools(&layout)?;
    let socket = layout.socket();
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).map_err(|e| Error::io("listening on", &socket, e))?;
    let agent_name = layout.agent_socket();
    let agent = {
        use std::os::linux::net::SocketAddrExt;
        let name = agent_name.trim_start_matches('@');
        std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
            .and_then(|addr| UnixListener::bind_addr(&addr))
            .map_err(|e| Error::io("listening on", &agent_name, e))?
    };
    let pid_file = layout.pid_file();
    std::fs::write(&pid_file, format!("{}\n", std::process::id())).map_err(|e| Error::io("writing", &pid_file, e))?;
    let shared = Arc::new(Shared {
        ctl: Mutex::new(Controller::new(layout.clone(), options)),
        changed: Condvar::new(),
        events: Mutex::new(None),
    });
    shared.lock().log(
        "controller",
        juju_model::tools::LogLevel::Info,
        "local-model",
        format!("controller up for {}", layout.dir.display()),
    );
    let sender = workload::start_events(&shared);
    *shared.events.lock().unwrap_or_else(PoisonError::into_inner) = Some(sender);
    for listener in [listener, agent] {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("accept".to_owned())
            .spawn(move || accept_loop(shared, listener))
            .map_err(|e| Error::io("starting", "the accept thread", e))?;
    }
    {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("tick".to_owned())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_millis(100));
                let mut ctl = shared.lock();
                if ctl.shutting_down {
                    return;
                }
                tick::tick(&shared, &mut ctl);
            })
            .map_err(|e| Error::io("starting", "the timer thread", e))?;
    }
    let mut ctl = shared.lock();
    while !ctl.shutting_down {
        ctl = shared.changed.wait(ctl).unwrap_or_else(PoisonError::into_inner);
    }
    teardown(&mut ctl);
    drop(ctl);
    // Upgrades restart Pebble from a background thread under the lock: join after it is
    // released, then stop whatever such a restart brought up.
    workload::join_background();
    let mut ctl = shared.lock();
    teardown(&mut ctl);
    drop(ctl);
    let _ = std::fs::remove_file(&socket);
    let _ = std::fs::remove_file(&pid_file);
    Ok(())
}

/// Stops every hook process and workload, by PID.
fn teardown(ctl: &mut Controller) {
    let pids: Vec<u32> = ctl
        .units
        .values()
        .filter_map(|u| u.running.as_ref().map(|r| r.pid))
        .collect();
    for pid in pids {
        crate::process::stop_group(pid, Duration::from_secs(2));
    }
    let units: Vec<_> = ctl.units.keys().cloned().collect();
    let mut servers = Vec::new();
    for unit in units {
        servers.extend(workload::take_servers(ctl, &unit));
    }
    workload::shutdown_all(servers);
}
