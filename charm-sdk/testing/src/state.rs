//! `State`: everything Juju knows about this unit's world before (and after) one event.
//!
//! A value type with builder methods that read like the scenario, as ops-scenario's
//! `State`: leadership, config, relations, peers, secrets, containers, unit state, opened
//! ports, storage, statuses. The unit is `<charm name>/0` unless [`State::unit_number`]
//! says otherwise; the model is `test-model` with a fixed uuid.

use std::collections::{BTreeMap, BTreeSet};

use juju_model::tools::Port;
use juju_model::{RelationId, Status};
use serde_json::Value;

use crate::relation::{PeerRelation, Relation, RelationLike, DEFAULT_ADDRESS};
use crate::secret::Secret;
use crate::workload::{Container, Storage};

/// The model the unit lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// `JUJU_MODEL_NAME`.
    pub name: String,
    /// `JUJU_MODEL_UUID`.
    pub uuid: String,
}

impl Default for ModelInfo {
    fn default() -> Self {
        Self {
            name: "test-model".to_owned(),
            uuid: "5bd5d5a1-6b5e-4d3c-9a4e-0c7b2d1e8f90".to_owned(),
        }
    }
}

/// One unit's world.
///
/// ```
/// use charm_testing::{Container, PeerRelation, Relation, State};
/// use charm_sdk::model::Status;
///
/// let state = State::default()
///     .leader(true)
///     .config([("tick-time", 2000)])
///     .relation(Relation::new("zookeeper").remote_app("kafka"))
///     .peer(PeerRelation::new("cluster").peers(2))
///     .container(Container::new("zookeeper").can_connect(true))
///     .unit_status(Status::active(""));
/// assert!(state.leader);
/// assert_eq!(state.relations[0].remote_app, "kafka");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Whether this unit is the leader.
    pub leader: bool,
    /// Config values set by the operator (defaults come from charmcraft.yaml).
    pub config: serde_json::Map<String, Value>,
    /// Regular relations.
    pub relations: Vec<Relation>,
    /// Peer relations.
    pub peers: Vec<PeerRelation>,
    /// Secrets this unit owns or can read.
    pub secrets: Vec<Secret>,
    /// Workload containers.
    pub containers: Vec<Container>,
    /// Controller-side unit state (`state-get`).
    pub unit_state: BTreeMap<String, String>,
    /// Opened ports.
    pub opened_ports: BTreeSet<Port>,
    /// Attached storage.
    pub storage: Vec<Storage>,
    /// The unit's workload status.
    pub unit_status: Status,
    /// The application status.
    pub app_status: Status,
    /// The workload version.
    pub workload_version: String,
    /// The model.
    pub model: ModelInfo,
    /// This unit's number (`<app>/<n>`).
    pub unit_number: u32,
    /// The application name; the charm's name when `None`.
    pub app_name: Option<String>,
    /// This unit's address (bind, ingress, and the default bag keys).
    pub address: String,
    /// Resource name to file path, for `resource-get`.
    pub resources: BTreeMap<String, String>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            leader: false,
            config: serde_json::Map::new(),
            relations: Vec::new(),
            peers: Vec::new(),
            secrets: Vec::new(),
            containers: Vec::new(),
            unit_state: BTreeMap::new(),
            opened_ports: BTreeSet::new(),
            storage: Vec::new(),
            unit_status: Status::unknown(),
            app_status: Status::unknown(),
            workload_version: String::new(),
            model: ModelInfo::default(),
            unit_number: 0,
            app_name: None,
            address: DEFAULT_ADDRESS.to_owned(),
            resources: BTreeMap::new(),
        }
    }
}

impl State {
    /// Sets leadership.
    pub fn leader(mut self, leader: bool) -> Self {
        self.leader = leader;
        self
    }

    /// Sets config values (merged with those already set).
    pub fn config<K: Into<String>, V: Into<Value>>(mut self, values: impl IntoIterator<Item = (K, V)>) -> Self {
        self.config
            .extend(values.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Adds a relation.
    pub fn relation(mut self, relation: Relation) -> Self {
        self.relations.push(relation);
        self
    }

    /// Adds a peer relation.
    pub fn peer(mut self, peer: PeerRelation) -> Self {
        self.peers.push(peer);
        self
    }

    /// Adds a secret.
    pub fn secret(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Adds a container.
    pub fn container(mut self, container: Container) -> Self {
        self.containers.push(container);
        self
    }

    /// Sets unit state entries.
    pub fn unit_state<K: Into<String>, V: Into<String>>(mut self, values: impl IntoIterator<Item = (K, V)>) -> Self {
        self.unit_state
            .extend(values.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Adds an opened port.
    pub fn opened_port(mut self, port: Port) -> Self {
        self.opened_ports.insert(port);
        self
    }

    /// Adds attached storage.
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage.push(storage);
        self
    }

    /// Sets the unit status.
    pub fn unit_status(mut self, status: Status) -> Self {
        self.unit_status = status;
        self
    }

    /// Sets the application status.
    pub fn app_status(mut self, status: Status) -> Self {
        self.app_status = status;
        self
    }

    /// Sets the workload version.
    pub fn workload_version(mut self, version: impl Into<String>) -> Self {
        self.workload_version = version.into();
        self
    }

    /// Sets the model name and uuid.
    pub fn model(mut self, name: impl Into<String>, uuid: impl Into<String>) -> Self {
        self.model = ModelInfo {
            name: name.into(),
            uuid: uuid.into(),
        };
        self
    }

    /// Makes this unit `<app>/<n>`.
    pub fn unit_number(mut self, n: u32) -> Self {
        self.unit_number = n;
        self
    }

    /// Names the application (the charm name by default).
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// Sets a file resource's local path.
    pub fn resource(mut self, name: impl Into<String>, path: impl Into<String>) -> Self {
        self.resources.insert(name.into(), path.into());
        self
    }

    /// The relation with `relation`'s id.
    pub fn get_relation(&self, relation: &impl RelationLike) -> Option<&Relation> {
        self.relation_by_id(relation.relation_id())
    }

    /// The relation with id `id`.
    pub fn relation_by_id(&self, id: RelationId) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The peer relation with `peer`'s id.
    pub fn get_peer(&self, peer: &impl RelationLike) -> Option<&PeerRelation> {
        self.peers.iter().find(|p| p.id == peer.relation_id())
    }

    /// The secret with this id.
    pub fn get_secret(&self, id: &str) -> Option<&Secret> {
        let id = id.rsplit(['/', ':']).next().unwrap_or(id);
        self.secrets.iter().find(|s| s.id == id)
    }

    /// The secret with this (owner or consumer) label.
    pub fn secret_by_label(&self, label: &str) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.label.as_deref() == Some(label))
    }

    /// The container with this name.
    pub fn get_container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }
}
