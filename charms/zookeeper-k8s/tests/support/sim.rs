//! A small multi-unit world for in-process tests: one `State` per unit built from shared
//! parts (the peer application bag, app-owned secrets, relations' remote sides, config) and
//! per-unit parts (its peer bag, container, unit state, unit-owned secrets, its own bags in
//! other relations). `run` fires one event on one unit through charm-testing and folds the
//! output back; `settle` runs update-status on every unit until nothing changes. After each
//! run the fake ensemble learns which servers run (from the containers) so `mntr` answers
//! follow the charm's actions.

use std::collections::BTreeMap;

use charm_sdk::pebble::ServiceStatus;
use charm_testing::pebble::{ContainerState, ServiceEvent};
use charm_testing::{
    juju_unit_bag, Container, Context, PeerRelation, Relation, RunOutput, Secret, SecretOwnership, State, TestEvent,
};
use juju_model::Databag;
use serde_json::Value;
use zookeeper_k8s::render::{Role, ServerLine};
use zookeeper_k8s::ZooKeeperCharm;

use super::fake_zk::{with_zk, FakeAdmin, FakeServer};

/// The charm under test.
pub type Zk = ZooKeeperCharm<FakeAdmin>;
/// The application name.
pub const APP: &str = "zookeeper-k8s";
/// The peer relation id.
pub const PEER_ID: u32 = 1;

/// A unit's address.
pub fn addr(n: u32) -> String {
    format!("10.1.0.{}", n + 10)
}

/// `<app>-<n>.<app>-endpoints:2181`.
pub fn zk_address(n: u32) -> String {
    format!("{APP}-{n}.{APP}-endpoints:2181")
}

/// How many times unit `n`'s server was stopped (a restart stops it first).
pub fn restarts(sim: &Sim, n: u32) -> usize {
    sim.units[&n]
        .container
        .service_log
        .iter()
        .filter(|e| matches!(e, ServiceEvent::Stopped(_)))
        .count()
}

/// [`restarts`] summed over every unit.
pub fn all_restarts(sim: &Sim) -> usize {
    sim.units.keys().map(|n| restarts(sim, *n)).sum()
}

/// One unit's own parts.
#[derive(Debug, Clone)]
pub struct UnitSim {
    /// Its bag in the peer relation.
    pub bag: Databag,
    /// The workload container.
    pub container: ContainerState,
    /// state-get/state-set.
    pub unit_state: BTreeMap<String, String>,
    /// Unit-owned secrets.
    pub secrets: Vec<Secret>,
    /// Its own bag in each regular relation, by relation id.
    pub relation_bags: BTreeMap<u32, Databag>,
    /// Its bag in the `upgrade` peer relation (when the sim has one).
    pub upgrade_bag: Databag,
}

/// The world.
#[derive(Debug, Clone)]
pub struct Sim {
    /// Units by number.
    pub units: BTreeMap<u32, UnitSim>,
    /// The leader's number.
    pub leader: u32,
    /// The peer application bag.
    pub app_bag: Databag,
    /// App-owned secrets.
    pub app_secrets: Vec<Secret>,
    /// Regular relations (their remote side and our app bag; our unit bags are per unit).
    pub relations: Vec<Relation>,
    /// Config set by the operator.
    pub config: serde_json::Map<String, Value>,
    /// The `upgrade` peer relation's application bag; `None`: no such relation in the world.
    pub upgrade_app: Option<Databag>,
}

/// The `upgrade` peer relation id.
pub const UPGRADE_ID: u32 = 2;

impl Sim {
    /// `n` fresh units, unit `leader` leading; resets the fake ensemble.
    pub fn new(n: u32, leader: u32) -> Self {
        super::fake_zk::reset();
        let mut sim = Self {
            units: BTreeMap::new(),
            leader,
            app_bag: Databag::new(),
            app_secrets: Vec::new(),
            relations: Vec::new(),
            config: serde_json::Map::new(),
            upgrade_app: None,
        };
        for i in 0..n {
            sim.add_unit(i);
        }
        sim
    }

    /// Adds unit `n` (scale up).
    pub fn add_unit(&mut self, n: u32) {
        self.units.insert(
            n,
            UnitSim {
                bag: juju_unit_bag(&addr(n)),
                container: ContainerState::connectable(),
                unit_state: BTreeMap::new(),
                secrets: Vec::new(),
                relation_bags: BTreeMap::new(),
                upgrade_bag: juju_unit_bag(&addr(n)),
            },
        );
    }

    /// Removes unit `n` (scale down).
    pub fn remove_unit(&mut self, n: u32) {
        self.units.remove(&n);
        self.sync_fake();
    }

    /// Sets a config option for every unit.
    pub fn set_config(&mut self, key: &str, value: impl Into<Value>) {
        self.config.insert(key.to_owned(), value.into());
    }

    /// Adds a relation (its remote side as given).
    pub fn relate(&mut self, relation: Relation) {
        self.relations.push(relation);
    }

    /// Drops a relation from the world (after its relation-broken ran).
    pub fn unrelate(&mut self, id: u32) {
        self.relations.retain(|r| r.id.0 != id);
        for unit in self.units.values_mut() {
            unit.relation_bags.remove(&id);
        }
    }

    /// The peer relation as unit `n` sees it.
    pub fn peer_view(&self, n: u32) -> PeerRelation {
        let mut peer = PeerRelation::new("cluster").id(PEER_ID);
        peer.local_app_data = self.app_bag.clone();
        peer.local_unit_data = self.units[&n].bag.clone();
        for (m, unit) in &self.units {
            if *m != n {
                peer.peers_data.insert(*m, unit.bag.clone());
            }
        }
        peer
    }

    /// The `upgrade` peer relation as unit `n` sees it, if the world has one.
    pub fn upgrade_view(&self, n: u32) -> Option<PeerRelation> {
        let app = self.upgrade_app.as_ref()?;
        let mut peer = PeerRelation::new("upgrade").id(UPGRADE_ID);
        peer.local_app_data = app.clone();
        peer.local_unit_data = self.units[&n].upgrade_bag.clone();
        for (m, unit) in &self.units {
            if *m != n {
                peer.peers_data.insert(*m, unit.upgrade_bag.clone());
            }
        }
        Some(peer)
    }

    /// A relation as unit `n` sees it.
    pub fn relation_view(&self, n: u32, id: u32) -> Relation {
        let mut rel = self
            .relations
            .iter()
            .find(|r| r.id.0 == id)
            .cloned()
            .expect("relation in the sim");
        rel.local_unit_data = self.units[&n]
            .relation_bags
            .get(&id)
            .cloned()
            .unwrap_or_else(|| juju_unit_bag(&addr(n)));
        rel
    }

    /// Unit `n`'s whole state.
    pub fn state(&self, n: u32) -> State {
        let unit = &self.units[&n];
        let mut state = State::default()
            .unit_number(n)
            .leader(n == self.leader)
            .peer(self.peer_view(n));
        if let Some(upgrade) = self.upgrade_view(n) {
            state = state.peer(upgrade);
        }
        let mut state = state.container(Container::new("zookeeper").with_state(unit.container.clone()));
        state.config = self.config.clone();
        state.address = addr(n);
        state.unit_state = unit.unit_state.clone();
        for secret in self.app_secrets.iter().chain(unit.secrets.iter()) {
            state = state.secret(secret.clone());
        }
        for rel in &self.relations {
            state = state.relation(self.relation_view(n, rel.id.0));
        }
        state
    }

    /// Runs `event` on unit `n`; panics if the hook fails.
    #[track_caller]
    pub fn run(&mut self, n: u32, event: TestEvent) -> RunOutput {
        match self.try_run(n, event) {
            Ok(out) => out,
            Err(e) => panic!("unit {n}: {e}"),
        }
    }

    /// Runs `event` on unit `n`.
    pub fn try_run(&mut self, n: u32, event: TestEvent) -> Result<RunOutput, charm_testing::RunError> {
        let out = Context::<Zk>::new().run(event, self.state(n))?;
        self.absorb(n, &out);
        Ok(out)
    }

    /// Folds a run's output back into the world.
    pub fn absorb(&mut self, n: u32, out: &RunOutput) {
        let state = &out.state;
        if let Some(peer) = state.peers.iter().find(|p| p.id.0 == PEER_ID) {
            self.app_bag = peer.local_app_data.clone();
            if let Some(unit) = self.units.get_mut(&n) {
                unit.bag = peer.local_unit_data.clone();
            }
        }
        if let Some(peer) = state.peers.iter().find(|p| p.id.0 == UPGRADE_ID) {
            self.upgrade_app = Some(peer.local_app_data.clone());
            if let Some(unit) = self.units.get_mut(&n) {
                unit.upgrade_bag = peer.local_unit_data.clone();
            }
        }
        // Only the leader can change app-owned secrets; other units' views may be pinned to
        // older revisions.
        if n == self.leader {
            self.app_secrets = state
                .secrets
                .iter()
                .filter(|s| s.owner == SecretOwnership::App)
                .cloned()
                .collect();
        }
        let unit = self.units.get_mut(&n).expect("unit in the sim");
        unit.secrets = state
            .secrets
            .iter()
            .filter(|s| s.owner == SecretOwnership::Unit)
            .cloned()
            .collect();
        unit.unit_state = state.unit_state.clone();
        if let Some(c) = state.get_container("zookeeper") {
            unit.container = c.state.clone();
        }
        for rel in &state.relations {
            unit.relation_bags.insert(rel.id.0, rel.local_unit_data.clone());
            if let Some(shared) = self.relations.iter_mut().find(|r| r.id == rel.id) {
                shared.local_app_data = rel.local_app_data.clone();
            }
        }
        self.sync_fake();
    }

    /// Whether unit `n`'s server runs.
    pub fn running(&self, n: u32) -> bool {
        self.units
            .get(&n)
            .is_some_and(|u| u.container.service_status("zookeeper") == ServiceStatus::Active)
    }

    /// A file in unit `n`'s container.
    pub fn file(&self, n: u32, path: &str) -> Option<String> {
        self.units[&n].container.file_text(path)
    }

    /// Teaches the fake ensemble who runs: the first server to start seeds the membership from
    /// its dynamic file; members answer as leader (lowest running id) or follower, others as
    /// synced observers; stopped servers are down.
    pub fn sync_fake(&self) {
        let running: Vec<u32> = self.units.keys().copied().filter(|n| self.running(*n)).collect();
        let seed: Option<Vec<ServerLine>> = running.first().and_then(|n| {
            self.file(*n, "/etc/zookeeper/zookeeper-dynamic.properties")
                .map(|text| text.lines().filter_map(ServerLine::parse).collect())
        });
        with_zk(|zk| {
            if zk.config.servers.is_empty() {
                if let Some(lines) = seed {
                    zk.config.servers = lines.into_iter().filter(|l| l.role == Role::Participant).collect();
                    zk.config.version = 0x1_0000_0000;
                }
            }
            let leader = zk
                .config
                .servers
                .iter()
                .filter(|s| s.role == Role::Participant && running.contains(&(s.id - 1)))
                .map(|s| s.id)
                .min();
            zk.servers.clear();
            for n in self.units.keys() {
                let state = if !running.contains(n) {
                    FakeServer::Down
                } else {
                    let role = match zk.config.server(n + 1).map(|s| s.role) {
                        Some(Role::Participant) if leader == Some(n + 1) => "leader",
                        Some(Role::Participant) => "follower",
                        _ => "observer",
                    };
                    FakeServer::Serving {
                        role: role.to_owned(),
                        synced: true,
                    }
                };
                zk.servers.insert(zk_address(*n), state);
            }
        });
    }

    /// Runs update-status on every unit (leader first) until a round changes nothing;
    /// returns the number of rounds. Panics after `max_rounds`.
    #[track_caller]
    pub fn settle(&mut self, max_rounds: usize) -> usize {
        for round in 1..=max_rounds {
            let before = self.fingerprint();
            let mut order: Vec<u32> = vec![self.leader];
            order.extend(self.units.keys().copied().filter(|n| *n != self.leader));
            for n in order {
                self.run(n, TestEvent::update_status());
            }
            if self.fingerprint() == before {
                return round;
            }
        }
        panic!("the world did not settle in {max_rounds} rounds:\n{:#?}", self.app_bag);
    }

    fn fingerprint(&self) -> String {
        let units: Vec<_> = self
            .units
            .iter()
            .map(|(n, u)| {
                (
                    n,
                    &u.bag,
                    &u.upgrade_bag,
                    &u.unit_state,
                    &u.container.files,
                    &u.container.services,
                )
            })
            .collect();
        let secrets: Vec<_> = self.app_secrets.iter().map(|s| s.newest_content().clone()).collect();
        format!(
            "{:?}{:?}{:?}{:?}{:?}",
            self.app_bag, self.upgrade_app, units, secrets, self.relations
        )
    }

    /// The unit status of unit `n` after its last run.
    pub fn unit_status_after(out: &RunOutput) -> String {
        format!("{}", out.unit_status())
    }
}
