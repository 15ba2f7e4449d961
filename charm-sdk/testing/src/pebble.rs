//! An in-memory Pebble for state-transition tests: [`FakePebble`] and [`FakeConnector`].
//!
//! Charm code talks to `dyn charm_sdk::pebble::Pebble`; in tests that is a [`FakePebble`]
//! over a plain-data [`ContainerState`] (layers, service statuses, files, directories,
//! exec answers, notices, checks) which the test writes before the run and compares after
//! it. The fake follows Pebble's semantics and error texts — layers combine with
//! `juju_model::pebble::combine_layers`, `replan` restarts services whose plan entry
//! changed and starts `startup: enabled` ones, a missing file is a `not-found`
//! [`PebbleError::Path`] — so a charm that passes here behaves the same against Pebble.
//!
//! ```
//! use charm_sdk::pebble::{ExecOutput, ExecRequest, Pebble, PebbleConnector, PushOptions, ServiceStatus};
//! use charm_testing::pebble::{ContainerState, FakeConnector};
//!
//! let kafka = ContainerState::connectable()
//!     .with_dir("/etc/kafka")
//!     .on_exec(["kafka-topics.sh", "--list"], ExecOutput::ok("orders\n"));
//! let connector = FakeConnector::new([("kafka", kafka)]);
//! {
//!     let pebble = connector.connect("kafka")?;
//!     pebble.push("/etc/kafka/server.properties", b"broker.id=0\n", &PushOptions::default())?;
//!     let out = pebble.exec(&ExecRequest::new(["kafka-topics.sh", "--list"]))?;
//!     assert_eq!(out.stdout_text(), "orders\n");
//! }
//! let states = connector.into_states();
//! assert_eq!(states["kafka"].file_text("/etc/kafka/server.properties").as_deref(), Some("broker.id=0\n"));
//! assert_eq!(states["kafka"].exec_calls.len(), 1);
//! # Ok::<(), charm_sdk::pebble::PebbleError>(())
//! ```

mod files;
mod services;
mod state;

use std::cell::{Ref, RefCell, RefMut};
use std::collections::BTreeMap;

use charm_sdk::pebble::{
    CheckInfo, ExecOutput, ExecRequest, FileInfo, MakeDirOptions, Notice, NoticeFilter, Pebble, PebbleConnector,
    PebbleError, PushOptions, ServiceInfo, SystemInfo,
};
use juju_model::pebble::{CheckLevel, Layer, Plan};

pub use state::{ContainerState, DirEntry, ExecFn, ExecHandler, ExecResponse, FileEntry, Owner, ServiceEvent};

/// A fake Pebble for one container. Calls mutate the state in place.
#[derive(Debug)]
pub struct FakePebble {
    container: String,
    state: RefCell<ContainerState>,
}

impl FakePebble {
    /// A fake for `container` (the name only appears in connection errors).
    pub fn new(container: impl Into<String>, state: ContainerState) -> Self {
        Self {
            container: container.into(),
            state: RefCell::new(state),
        }
    }

    /// The current state.
    pub fn state(&self) -> Ref<'_, ContainerState> {
        self.state.borrow()
    }

    /// The state, for a test to change between calls (for instance to stop a service).
    pub fn state_mut(&self) -> RefMut<'_, ContainerState> {
        self.state.borrow_mut()
    }

    /// Gives the state back.
    pub fn into_state(self) -> ContainerState {
        self.state.into_inner()
    }

    /// The state if Pebble is reachable, else Pebble's connection error.
    fn connected(&self) -> Result<RefMut<'_, ContainerState>, PebbleError> {
        let state = self.state.borrow_mut();
        if !state.can_connect {
            return Err(PebbleError::Connection {
                socket: format!("/charm/containers/{}/pebble.socket", self.container),
                message: "connection refused".into(),
            });
        }
        Ok(state)
    }
}

impl Pebble for FakePebble {
    fn system_info(&self) -> Result<SystemInfo, PebbleError> {
        self.connected()?;
        Ok(SystemInfo {
            version: "v1.19.0-fake".into(),
            boot_id: Some("fake-boot-id".into()),
            http_address: None,
            https_address: None,
        })
    }

    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
        services::add_layer(&mut *self.connected()?, label, layer, combine)
    }

    fn get_plan(&self) -> Result<Plan, PebbleError> {
        self.connected()?.plan().map_err(|e| PebbleError::Api {
            status_code: 500,
            kind: String::new(),
            message: e.to_string(),
        })
    }

    fn get_services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError> {
        services::get_services(&*self.connected()?, names)
    }

    fn start_services(&self, names: &[&str]) -> Result<(), PebbleError> {
        services::services_action(&mut *self.connected()?, "start", names)
    }

    fn stop_services(&self, names: &[&str]) -> Result<(), PebbleError> {
        services::services_action(&mut *self.connected()?, "stop", names)
    }

    fn restart_services(&self, names: &[&str]) -> Result<(), PebbleError> {
        services::services_action(&mut *self.connected()?, "restart", names)
    }

    fn replan_services(&self) -> Result<(), PebbleError> {
        services::services_action(&mut *self.connected()?, "replan", &[])
    }

    fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<(), PebbleError> {
        files::push(&mut *self.connected()?, path, content, options)
    }

    fn pull(&self, path: &str) -> Result<Vec<u8>, PebbleError> {
        files::pull(&*self.connected()?, path)
    }

    fn list_files(&self, path: &str, pattern: Option<&str>, itself: bool) -> Result<Vec<FileInfo>, PebbleError> {
        files::list(&*self.connected()?, path, pattern, itself)
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError> {
        files::make_dir(&mut *self.connected()?, path, options)
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<(), PebbleError> {
        files::remove(&mut *self.connected()?, path, recursive)
    }

    fn exec(&self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
        services::exec(&mut *self.connected()?, request)
    }

    fn get_checks(&self, level: Option<CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>, PebbleError> {
        services::get_checks(&*self.connected()?, level, names)
    }

    fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>, PebbleError> {
        services::checks_action(&mut *self.connected()?, "start", checks)
    }

    fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>, PebbleError> {
        services::checks_action(&mut *self.connected()?, "stop", checks)
    }

    fn get_notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, PebbleError> {
        Ok(services::get_notices(&*self.connected()?, filter))
    }

    fn notify(&self, key: &str, data: &BTreeMap<String, String>) -> Result<String, PebbleError> {
        services::notify(&mut *self.connected()?, key, data)
    }

    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<(), PebbleError> {
        services::send_signal(&mut *self.connected()?, signal, services)
    }
}

/// Fake Pebbles for a charm run, by container name. After the run, [`Self::into_states`]
/// gives the states back for the output `State`.
#[derive(Debug, Default)]
pub struct FakeConnector {
    containers: BTreeMap<String, FakePebble>,
}

impl FakeConnector {
    /// One fake per `(container name, state)`.
    pub fn new<I, S>(states: I) -> Self
    where
        I: IntoIterator<Item = (S, ContainerState)>,
        S: Into<String>,
    {
        let containers = states
            .into_iter()
            .map(|(name, state)| {
                let name = name.into();
                (name.clone(), FakePebble::new(name, state))
            })
            .collect();
        Self { containers }
    }

    /// The fake for `container`, to inspect or change its state during a test.
    pub fn container(&self, container: &str) -> Option<&FakePebble> {
        self.containers.get(container)
    }

    /// The states, after the run.
    pub fn into_states(self) -> BTreeMap<String, ContainerState> {
        self.containers
            .into_iter()
            .map(|(name, fake)| (name, fake.into_state()))
            .collect()
    }
}

impl PebbleConnector for FakeConnector {
    fn connect(&self, container: &str) -> Result<Box<dyn Pebble + '_>, PebbleError> {
        let fake = self.containers.get(container).ok_or_else(|| PebbleError::Connection {
            socket: format!("/charm/containers/{container}/pebble.socket"),
            message: "no such container in the test state".into(),
        })?;
        fake.connected()?;
        Ok(Box::new(fake))
    }
}
