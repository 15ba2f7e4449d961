//! Workload containers and storage in a test [`crate::State`].
//!
//! A [`Container`] names a declared container and carries the fake Pebble's
//! [`ContainerState`] (reachability, layers, services, files): the run hands it to
//! [`crate::pebble::FakeConnector`] and puts what the charm left behind in the output.
//! A [`Storage`] is one attached storage instance, `<name>/<index>`.

use crate::pebble::ContainerState;

/// A workload container: its name and the fake Pebble's state inside it.
///
/// ```
/// use charm_testing::Container;
/// use charm_testing::pebble::ContainerState;
///
/// let c = Container::new("zookeeper").can_connect(true);
/// assert!(c.state.can_connect);
/// let prepared = Container::new("kafka").with_state(ContainerState::connectable().with_dir("/etc/kafka"));
/// assert!(prepared.state.can_connect);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// The container name, as declared under `containers:`.
    pub name: String,
    /// What the fake Pebble holds: reachability, layers, services, files, exec answers,
    /// notices, checks.
    pub state: ContainerState,
}

impl Container {
    /// A container whose Pebble is not reachable yet, with nothing in it.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            state: ContainerState::default(),
        }
    }

    /// Sets whether Pebble answers.
    pub fn can_connect(mut self, yes: bool) -> Self {
        self.state.can_connect = yes;
        self
    }

    /// Replaces the fake Pebble's state.
    pub fn with_state(mut self, state: ContainerState) -> Self {
        self.state = state;
        self
    }
}

/// An attached storage instance.
///
/// ```
/// use charm_testing::Storage;
///
/// assert_eq!(Storage::new("data").index(2).id(), "data/2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The declared storage name.
    pub name: String,
    /// The instance number.
    pub index: u32,
    /// Mount point; defaults to the declared location.
    pub location: Option<String>,
}

impl Storage {
    /// Instance 0 of the declared storage `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            index: 0,
            location: None,
        }
    }

    /// Sets the instance number.
    pub fn index(mut self, index: u32) -> Self {
        self.index = index;
        self
    }

    /// Sets the mount point.
    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// `<name>/<index>`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }
}
