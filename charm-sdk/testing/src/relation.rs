//! Relations in a test [`crate::State`]: regular ones ([`Relation`]) and peer ones
//! ([`PeerRelation`]).
//!
//! Defaults are what a real deployment shows, as in ops-scenario: a fresh relation has
//! the remote application `remote` with one unit `remote/0`, and every unit bag already
//! holds the keys Juju writes itself (`ingress-address`, `private-address`,
//! `egress-subnets`). Relation ids come from a process-wide counter, so two relations
//! built in one test never collide; set one with `.id(n)` when a test needs it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use juju_model::{Databag, RelationId};

/// The address every unit bag starts with unless a test says otherwise.
pub const DEFAULT_ADDRESS: &str = "192.0.2.0";

static NEXT_RELATION_ID: AtomicU32 = AtomicU32::new(1);

pub(crate) fn next_relation_id() -> RelationId {
    RelationId(NEXT_RELATION_ID.fetch_add(1, Ordering::Relaxed))
}

/// The bag Juju writes for a unit with `address`.
pub fn juju_unit_bag(address: &str) -> Databag {
    juju_rules::default_unit_bag(address)
}

fn to_bag<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Databag {
    pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}

/// Anything an event can name as "the relation": [`Relation`] and [`PeerRelation`].
pub trait RelationLike {
    /// The relation id.
    fn relation_id(&self) -> RelationId;
    /// This charm's endpoint.
    fn endpoint(&self) -> &str;
    /// Whether it is a peer relation.
    fn is_peer(&self) -> bool;
    /// Unit numbers on the other side (peer unit numbers for peers).
    fn remote_unit_numbers(&self) -> Vec<u32>;
}

impl<T: RelationLike + ?Sized> RelationLike for &T {
    fn relation_id(&self) -> RelationId {
        (**self).relation_id()
    }
    fn endpoint(&self) -> &str {
        (**self).endpoint()
    }
    fn is_peer(&self) -> bool {
        (**self).is_peer()
    }
    fn remote_unit_numbers(&self) -> Vec<u32> {
        (**self).remote_unit_numbers()
    }
}

/// A relation to another application on a `provides` or `requires` endpoint.
///
/// ```
/// use charm_testing::Relation;
///
/// let rel = Relation::new("zookeeper")
///     .remote_app("kafka")
///     .remote_units(2)
///     .remote_app_data([("database", "/kafka")]);
/// assert_eq!(rel.remote_units_data.len(), 2);
/// assert_eq!(rel.remote_units_data[&1]["ingress-address"], "192.0.2.2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// This charm's endpoint.
    pub endpoint: String,
    /// The interface, if the test wants it checked against charmcraft.yaml.
    pub interface: Option<String>,
    /// The relation id.
    pub id: RelationId,
    /// The remote application (`remote` by default).
    pub remote_app: String,
    /// The remote application's endpoint (defaults to this charm's endpoint name).
    pub remote_endpoint: Option<String>,
    /// Remote unit number to its bag.
    pub remote_units_data: BTreeMap<u32, Databag>,
    /// The remote application's bag.
    pub remote_app_data: Databag,
    /// This application's bag.
    pub local_app_data: Databag,
    /// This unit's bag, starting with Juju's address keys for [`DEFAULT_ADDRESS`].
    pub local_unit_data: Databag,
    /// For cross-model relations: the remote model's uuid.
    pub remote_model_uuid: Option<String>,
}

impl Relation {
    /// A relation on `endpoint` with the remote application `remote` and one unit
    /// `remote/0`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            interface: None,
            id: next_relation_id(),
            remote_app: "remote".to_owned(),
            remote_endpoint: None,
            remote_units_data: BTreeMap::new(),
            remote_app_data: Databag::new(),
            local_app_data: Databag::new(),
            local_unit_data: juju_unit_bag(DEFAULT_ADDRESS),
            remote_model_uuid: None,
        }
        .remote_units(1)
    }

    /// Sets the relation id.
    pub fn id(mut self, id: u32) -> Self {
        self.id = RelationId(id);
        self
    }

    /// Sets the interface (checked against charmcraft.yaml by the consistency checker).
    pub fn interface(mut self, interface: impl Into<String>) -> Self {
        self.interface = Some(interface.into());
        self
    }

    /// Names the remote application.
    pub fn remote_app(mut self, name: impl Into<String>) -> Self {
        self.remote_app = name.into();
        self
    }

    /// Names the remote application's endpoint.
    pub fn remote_endpoint(mut self, name: impl Into<String>) -> Self {
        self.remote_endpoint = Some(name.into());
        self
    }

    /// Makes the remote side have units `0..n` (keeping the bags of those already there).
    pub fn remote_units(mut self, n: u32) -> Self {
        self.remote_units_data.retain(|k, _| *k < n);
        for i in 0..n {
            self.remote_units_data
                .entry(i)
                .or_insert_with(|| juju_unit_bag(&remote_address(i)));
        }
        self
    }

    /// Merges `pairs` into remote unit `n`'s bag, adding the unit if needed.
    pub fn remote_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        n: u32,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_units_data
            .entry(n)
            .or_insert_with(|| juju_unit_bag(&remote_address(n)))
            .extend(to_bag(pairs));
        self
    }

    /// Sets the remote application's bag.
    pub fn remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_app_data = to_bag(pairs);
        self
    }

    /// Sets this application's bag.
    pub fn local_app_data<K: Into<String>, V: Into<String>>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        self.local_app_data = to_bag(pairs);
        self
    }

    /// Sets this unit's bag: Juju's address keys plus `pairs`.
    pub fn local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_unit_data = juju_unit_bag(DEFAULT_ADDRESS);
        self.local_unit_data.extend(to_bag(pairs));
        self
    }

    /// Makes it a cross-model relation with the remote model `uuid`.
    pub fn remote_model(mut self, uuid: impl Into<String>) -> Self {
        self.remote_model_uuid = Some(uuid.into());
        self
    }
}

impl RelationLike for Relation {
    fn relation_id(&self) -> RelationId {
        self.id
    }
    fn endpoint(&self) -> &str {
        &self.endpoint
    }
    fn is_peer(&self) -> bool {
        false
    }
    fn remote_unit_numbers(&self) -> Vec<u32> {
        self.remote_units_data.keys().copied().collect()
    }
}

/// A peer relation: this unit's application with itself.
///
/// ```
/// use charm_testing::PeerRelation;
///
/// let peers = PeerRelation::new("cluster").peers(2).local_app_data([("leader-ready", "true")]);
/// assert_eq!(peers.peers_data.keys().copied().collect::<Vec<_>>(), [1, 2]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRelation {
    /// This charm's peer endpoint.
    pub endpoint: String,
    /// The relation id.
    pub id: RelationId,
    /// Other peer unit number to its bag (never this unit's number).
    pub peers_data: BTreeMap<u32, Databag>,
    /// The application bag (readable by every unit).
    pub local_app_data: Databag,
    /// This unit's bag, starting with Juju's address keys for [`DEFAULT_ADDRESS`].
    pub local_unit_data: Databag,
}

impl PeerRelation {
    /// A peer relation on `endpoint` with no other peers.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            id: next_relation_id(),
            peers_data: BTreeMap::new(),
            local_app_data: Databag::new(),
            local_unit_data: juju_unit_bag(DEFAULT_ADDRESS),
        }
    }

    /// Sets the relation id.
    pub fn id(mut self, id: u32) -> Self {
        self.id = RelationId(id);
        self
    }

    /// Other peers `1..=n` (assuming this unit is number 0; use [`PeerRelation::peer_data`]
    /// to name others).
    pub fn peers(mut self, n: u32) -> Self {
        for i in 1..=n {
            self.peers_data
                .entry(i)
                .or_insert_with(|| juju_unit_bag(&peer_address(i)));
        }
        self
    }

    /// Merges `pairs` into peer unit `n`'s bag, adding the peer if needed.
    pub fn peer_data<K: Into<String>, V: Into<String>>(
        mut self,
        n: u32,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.peers_data
            .entry(n)
            .or_insert_with(|| juju_unit_bag(&peer_address(n)))
            .extend(to_bag(pairs));
        self
    }

    /// Sets the application bag.
    pub fn local_app_data<K: Into<String>, V: Into<String>>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        self.local_app_data = to_bag(pairs);
        self
    }

    /// Sets this unit's bag: Juju's address keys plus `pairs`.
    pub fn local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_unit_data = juju_unit_bag(DEFAULT_ADDRESS);
        self.local_unit_data.extend(to_bag(pairs));
        self
    }
}

impl RelationLike for PeerRelation {
    fn relation_id(&self) -> RelationId {
        self.id
    }
    fn endpoint(&self) -> &str {
        &self.endpoint
    }
    fn is_peer(&self) -> bool {
        true
    }
    fn remote_unit_numbers(&self) -> Vec<u32> {
        self.peers_data.keys().copied().collect()
    }
}

/// Remote unit `n`'s default address.
pub(crate) fn remote_address(n: u32) -> String {
    format!("192.0.2.{}", n + 1)
}

/// Peer unit `n`'s default address.
pub(crate) fn peer_address(n: u32) -> String {
    format!("198.51.100.{n}")
}
