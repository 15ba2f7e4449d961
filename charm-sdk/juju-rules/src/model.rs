//! The model: what the controller knows, and the topology changes an operator makes.
//!
//! [`Model`] holds applications with their units (status, workload version, unit state,
//! opened ports, storage), relations with their bags, secrets, actions and the debug log.
//! Hook tools never change it directly: they go through a [`crate::Hook`] session, which
//! buffers what Juju buffers and commits it when the hook succeeds. The operator side
//! (deploy, add-unit, relate, remove) lives here as plain methods; which hooks those
//! changes fire, and in what order, is [`crate::order`]'s business.

use std::collections::{BTreeMap, BTreeSet};

use juju_model::tools::{LogLevel, Port};
use juju_model::{AppName, CharmMeta, RelationId, SecretUri, Status, UnitName};
use serde_json::Value;

use crate::error::{RuleError, RuleResult};
use crate::limits::Limits;
use crate::relation::{Relation, RelationEnd};
use crate::secret::{make_secret_id, Grant, GrantTarget, Secret, SecretOwnerRef};
use crate::time::{Timestamp, DEFAULT_NOW};

/// A storage instance attached to a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageInstance {
    /// `<name>/<n>`, unique in the model.
    pub id: String,
    /// `filesystem` or `block`.
    pub kind: String,
    /// Mount point (or device path for block storage).
    pub location: String,
}

impl StorageInstance {
    /// The storage name (`data` of `data/3`).
    pub fn name(&self) -> &str {
        self.id.split_once('/').map(|(n, _)| n).unwrap_or(&self.id)
    }
}

/// A unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its name.
    pub name: UnitName,
    /// Workload status (`unknown` until a hook sets one).
    pub status: Status,
    /// `application-version-set`.
    pub workload_version: String,
    /// Controller-side unit state (`state-get`/`state-set`).
    pub state: BTreeMap<String, String>,
    /// Opened ports per endpoint; the empty endpoint name means all endpoints.
    pub ports: BTreeMap<String, BTreeSet<Port>>,
    /// Attached storage by id.
    pub storage: BTreeMap<String, StorageInstance>,
    /// The unit's address (ingress, private and bind address).
    pub address: String,
}

impl Unit {
    /// A fresh unit at `address`.
    pub fn new(name: UnitName, address: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::unknown(),
            workload_version: String::new(),
            state: BTreeMap::new(),
            ports: BTreeMap::new(),
            storage: BTreeMap::new(),
            address: address.into(),
        }
    }

    /// Every opened port, whatever the endpoint, as `opened-ports` lists them.
    pub fn opened_ports(&self) -> Vec<Port> {
        let all: BTreeSet<Port> = self.ports.values().flatten().copied().collect();
        all.into_iter().collect()
    }
}

/// An application.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// Its name.
    pub name: AppName,
    /// What its charm declares; empty for stand-ins of remote applications in tests.
    pub meta: CharmMeta,
    /// Config values the operator set (defaults come from `meta`).
    pub config: serde_json::Map<String, Value>,
    /// The leader, if elected.
    pub leader: Option<UnitName>,
    /// Application status (set by the leader).
    pub status: Status,
    /// Units by number.
    pub units: BTreeMap<u32, Unit>,
    /// The next unit number (numbers are never reused).
    pub next_unit: u32,
    /// Resource name to local file path, for `resource-get`.
    pub resources: BTreeMap<String, String>,
}

impl App {
    /// An application with no units.
    pub fn new(name: AppName, meta: CharmMeta) -> Self {
        Self {
            name,
            meta,
            config: serde_json::Map::new(),
            leader: None,
            status: Status::unknown(),
            units: BTreeMap::new(),
            next_unit: 0,
            resources: BTreeMap::new(),
        }
    }

    /// Config as `config-get --all` prints it: every declared option, set value or default,
    /// unset ones as `null`; values set for undeclared options are kept too.
    pub fn effective_config(&self) -> serde_json::Map<String, Value> {
        let mut out: serde_json::Map<String, Value> = self
            .meta
            .config
            .options
            .iter()
            .map(|(k, o)| (k.clone(), o.default.clone().unwrap_or(Value::Null)))
            .collect();
        for (k, v) in &self.config {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

/// How an action run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStatus {
    /// The hook is still running.
    Running,
    /// Exited 0 without `action-fail`.
    Completed,
    /// `action-fail`, or the process failed.
    Failed,
}

/// One action run, as `juju show-task` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    /// The id (`JUJU_ACTION_UUID`).
    pub id: String,
    /// The unit it ran on.
    pub unit: UnitName,
    /// The action name.
    pub name: String,
    /// Parameters with schema defaults filled in.
    pub params: serde_json::Map<String, Value>,
    /// `action-set` results, flattened dotted keys.
    pub results: BTreeMap<String, String>,
    /// The `action-fail` message, if the charm failed the action.
    pub failed: Option<String>,
    /// `action-log` messages.
    pub logs: Vec<String>,
    /// Where it stands.
    pub status: ActionStatus,
}

/// One `juju-log` line, as `juju debug-log` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The unit that logged.
    pub unit: UnitName,
    /// Level.
    pub level: LogLevel,
    /// The message; in relation hooks prefixed with `<endpoint>:<id>: ` as Juju does.
    pub message: String,
}

/// A Juju model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// `JUJU_MODEL_NAME`.
    pub name: String,
    /// `JUJU_MODEL_UUID`.
    pub uuid: String,
    /// The model's clock; nothing here reads the system time.
    pub now: Timestamp,
    /// Size limits enforced by hook tools.
    pub limits: Limits,
    /// Applications.
    pub apps: BTreeMap<AppName, App>,
    /// Relations.
    pub relations: BTreeMap<RelationId, Relation>,
    /// Secrets by id.
    pub secrets: BTreeMap<String, Secret>,
    /// Actions by id.
    pub actions: BTreeMap<String, ActionRecord>,
    /// The debug log.
    pub log: Vec<LogEntry>,
    /// The next relation id.
    pub next_relation_id: u32,
    /// The next secret sequence number (feeds the secret id).
    pub next_secret_seq: u64,
    /// The next action id.
    pub next_action_id: u64,
    /// The next storage number per storage name.
    pub next_storage: BTreeMap<String, u32>,
    /// The next unit address index.
    pub next_address: u32,
}

impl Default for Model {
    fn default() -> Self {
        Self::new("test-model", "00000000-0000-4000-8000-000000000000")
    }
}

impl Model {
    /// An empty model.
    pub fn new(name: impl Into<String>, uuid: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            uuid: uuid.into(),
            now: DEFAULT_NOW,
            limits: Limits::default(),
            apps: BTreeMap::new(),
            relations: BTreeMap::new(),
            secrets: BTreeMap::new(),
            actions: BTreeMap::new(),
            log: Vec::new(),
            next_relation_id: 0,
            next_secret_seq: 1,
            next_action_id: 1,
            next_storage: BTreeMap::new(),
            next_address: 0,
        }
    }

    /// The application, or an error naming it.
    pub fn app(&self, name: &AppName) -> RuleResult<&App> {
        self.apps
            .get(name)
            .ok_or_else(|| RuleError::not_found(format!("application {:?} not found", name.as_str())))
    }

    /// The application, mutably.
    pub fn app_mut(&mut self, name: &AppName) -> RuleResult<&mut App> {
        self.apps
            .get_mut(name)
            .ok_or_else(|| RuleError::not_found(format!("application {:?} not found", name.as_str())))
    }

    /// The unit, or an error naming it.
    pub fn unit(&self, name: &UnitName) -> RuleResult<&Unit> {
        self.apps
            .get(name.app())
            .and_then(|a| a.units.get(&name.number()))
            .ok_or_else(|| RuleError::not_found(format!("unit {:?} not found", name.to_string())))
    }

    /// The unit, mutably.
    pub fn unit_mut(&mut self, name: &UnitName) -> RuleResult<&mut Unit> {
        self.apps
            .get_mut(name.app())
            .and_then(|a| a.units.get_mut(&name.number()))
            .ok_or_else(|| RuleError::not_found(format!("unit {:?} not found", name.to_string())))
    }

    /// Whether `unit` is its application's leader.
    pub fn is_leader(&self, unit: &UnitName) -> bool {
        self.apps.get(unit.app()).and_then(|a| a.leader.as_ref()) == Some(unit)
    }

    /// The relations `app` takes part in.
    pub fn relations_of<'a>(&'a self, app: &'a AppName) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations.values().filter(move |r| r.end_of(app).is_some())
    }

    /// Advances the model clock.
    pub fn advance(&mut self, seconds: i64) {
        self.now = self.now.plus(seconds);
    }

    /// Allocates a new secret id (Juju allocates it at `secret-add`, before the commit).
    pub fn allocate_secret_id(&mut self) -> String {
        // A model built from a test state may already hold secrets made from the same
        // sequence; skip ids in use so a new secret never replaces an existing one.
        loop {
            let id = make_secret_id(&self.uuid, self.next_secret_seq);
            self.next_secret_seq += 1;
            if !self.secrets.contains_key(&id) {
                return id;
            }
        }
    }

    /// Allocates a new relation id.
    pub fn allocate_relation_id(&mut self) -> RelationId {
        let id = RelationId(self.next_relation_id);
        self.next_relation_id += 1;
        id
    }

    /// Deploys `name` with `units` units: unit 0 becomes leader, a peer relation is made for
    /// every peer endpoint, and every declared storage is attached to each unit.
    pub fn deploy(&mut self, name: &str, meta: CharmMeta, units: u32) -> RuleResult<AppName> {
        let app = AppName::new(name).map_err(|e| RuleError::invalid(e.to_string()))?;
        if self.apps.contains_key(&app) {
            return Err(RuleError::not_valid(format!("application {name:?} already exists")));
        }
        let peers: Vec<String> = meta.peers.keys().cloned().collect();
        self.apps.insert(app.clone(), App::new(app.clone(), meta));
        for endpoint in peers {
            let id = self.allocate_relation_id();
            self.relations
                .insert(id, Relation::new(id, vec![RelationEnd::new(app.clone(), endpoint)]));
        }
        for _ in 0..units {
            self.add_unit(&app)?;
        }
        Ok(app)
    }

    /// Adds a unit: it enters every relation of its application, gets the declared storage,
    /// and becomes leader if there is none.
    pub fn add_unit(&mut self, app: &AppName) -> RuleResult<UnitName> {
        let address = self.next_unit_address();
        let storage = self.new_storage_for(app)?;
        let entry = self.app_mut(app)?;
        let unit = entry.name.unit(entry.next_unit);
        entry.next_unit += 1;
        let mut record = Unit::new(unit.clone(), address.clone());
        record.storage = storage.into_iter().map(|s| (s.id.clone(), s)).collect();
        entry.units.insert(unit.number(), record);
        if entry.leader.is_none() {
            entry.leader = Some(unit.clone());
        }
        for relation in self.relations.values_mut().filter(|r| r.end_of(app).is_some()) {
            relation.enter_scope(&unit, &address);
        }
        Ok(unit)
    }

    /// Makes `unit` the leader of its application.
    pub fn set_leader(&mut self, unit: &UnitName) -> RuleResult<()> {
        self.unit(unit)?;
        self.app_mut(unit.app())?.leader = Some(unit.clone());
        Ok(())
    }

    /// Relates two endpoints; every unit of both applications enters the relation.
    /// Declared endpoints are checked when the application's charm declares any.
    pub fn relate(&mut self, a: RelationEnd, b: RelationEnd) -> RuleResult<RelationId> {
        for end in [&a, &b] {
            let meta = &self.app(&end.app)?.meta;
            let declares_any = !(meta.provides.is_empty() && meta.requires.is_empty() && meta.peers.is_empty());
            if declares_any && meta.endpoint(&end.endpoint).is_none() {
                return Err(RuleError::not_found(format!(
                    "application {:?} has no endpoint {:?}",
                    end.app.as_str(),
                    end.endpoint
                )));
            }
        }
        let id = self.allocate_relation_id();
        self.insert_relation(Relation::new(id, vec![a, b]))?;
        Ok(id)
    }

    /// Inserts a prepared relation (used by test builders that choose ids) and puts every
    /// unit of its applications in scope unless the relation already lists members.
    pub fn insert_relation(&mut self, mut relation: Relation) -> RuleResult<()> {
        if self.relations.contains_key(&relation.id) {
            return Err(RuleError::not_valid(format!(
                "relation id {} already in use",
                relation.id
            )));
        }
        if relation.members.is_empty() {
            for end in relation.ends.clone() {
                let units: Vec<(UnitName, String)> = self
                    .app(&end.app)?
                    .units
                    .values()
                    .map(|u| (u.name.clone(), u.address.clone()))
                    .collect();
                for (unit, address) in units {
                    relation.enter_scope(&unit, &address);
                }
            }
        }
        self.next_relation_id = self.next_relation_id.max(relation.id.0 + 1);
        self.relations.insert(relation.id, relation);
        Ok(())
    }

    /// Removes a relation; grants scoped to it vanish.
    pub fn unrelate(&mut self, id: RelationId) -> RuleResult<Relation> {
        let relation = self.relations.remove(&id).ok_or_else(RuleError::relation_not_found)?;
        for secret in self.secrets.values_mut() {
            secret.grants.retain(|g| g.relation != Some(id));
        }
        Ok(relation)
    }

    /// Removes a unit: it leaves every relation (its bags stay readable), its unit-owned
    /// secrets go, and if it led, the lowest remaining unit becomes leader.
    pub fn remove_unit(&mut self, unit: &UnitName) -> RuleResult<()> {
        self.unit(unit)?;
        for relation in self.relations.values_mut() {
            relation.leave_scope(unit);
        }
        self.secrets
            .retain(|_, s| s.owner != crate::secret::SecretOwnerRef::Unit(unit.clone()));
        for secret in self.secrets.values_mut() {
            secret.consumers.remove(unit);
        }
        let app = self.app_mut(unit.app())?;
        app.units.remove(&unit.number());
        if app.leader.as_ref() == Some(unit) {
            app.leader = app.units.values().next().map(|u| u.name.clone());
        }
        Ok(())
    }

    /// `juju add-secret` + `juju grant-secret`: a user secret (owned by the model) that
    /// every unit of `apps` may read, with no relation involved.
    pub fn add_user_secret(&mut self, content: BTreeMap<String, String>, apps: &[AppName]) -> RuleResult<SecretUri> {
        crate::limits::check_secret_content(&content, &self.limits)?;
        for app in apps {
            self.app(app)?;
        }
        let id = self.allocate_secret_id();
        let uri = SecretUri::new(format!("secret:{id}")).map_err(|e| RuleError::not_valid(e.to_string()))?;
        let mut secret = Secret::new(uri.clone(), SecretOwnerRef::Model, content, self.now);
        secret.grants = apps
            .iter()
            .map(|app| Grant {
                relation: None,
                target: GrantTarget::App(app.clone()),
            })
            .collect();
        self.secrets.insert(id, secret);
        Ok(uri)
    }

    /// Removes an application with its units, relations and secrets.
    pub fn remove_app(&mut self, app: &AppName) -> RuleResult<()> {
        let units: Vec<UnitName> = self.app(app)?.units.values().map(|u| u.name.clone()).collect();
        for unit in &units {
            self.remove_unit(unit)?;
        }
        let ids: Vec<RelationId> = self.relations_of(app).map(|r| r.id).collect();
        for id in ids {
            self.unrelate(id)?;
        }
        self.secrets.retain(|_, s| s.owner.app() != Some(app));
        self.apps.remove(app);
        Ok(())
    }

    /// Storage instances a new unit of `app` gets: one per declared storage.
    fn new_storage_for(&mut self, app: &AppName) -> RuleResult<Vec<StorageInstance>> {
        let declared: Vec<(String, String, Option<String>)> = self
            .app(app)?
            .meta
            .storage
            .iter()
            .map(|(name, s)| (name.clone(), s.kind.clone(), s.location.clone()))
            .collect();
        Ok(declared
            .into_iter()
            .map(|(name, kind, location)| self.new_storage(&name, &kind, location.as_deref()))
            .collect())
    }

    /// Creates a storage instance `<name>/<n>` with the next model-wide number.
    pub fn new_storage(&mut self, name: &str, kind: &str, location: Option<&str>) -> StorageInstance {
        let n = self.next_storage.entry(name.to_owned()).or_insert(0);
        let id = format!("{name}/{n}");
        *n += 1;
        let location = location
            .map(str::to_owned)
            .unwrap_or_else(|| format!("/var/lib/juju/storage/{name}/{n}"));
        StorageInstance {
            id,
            kind: kind.to_owned(),
            location,
        }
    }

    fn next_unit_address(&mut self) -> String {
        let n = self.next_address;
        self.next_address += 1;
        format!("10.1.{}.{}", n / 250, n % 250 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZK: &str = "name: zk\npeers: {cluster: {interface: cluster}}\nprovides: {zookeeper: {interface: zookeeper}}\nstorage: {data: {type: filesystem, location: /var/lib/zookeeper}}\nconfig: {options: {tick-time: {type: int, default: 2000}, log-level: {type: string}}}\n";
    const KAFKA: &str = "name: kafka\nrequires: {zookeeper: {interface: zookeeper}}\n";

    #[test]
    fn deploy_relate_and_remove() {
        let mut model = Model::default();
        let zk = model
            .deploy("zk", CharmMeta::from_charmcraft_yaml(ZK).unwrap(), 3)
            .unwrap();
        let kafka = model
            .deploy("kafka", CharmMeta::from_charmcraft_yaml(KAFKA).unwrap(), 1)
            .unwrap();
        assert!(model.is_leader(&zk.unit(0)));
        let peer = model.relations_of(&zk).find(|r| r.is_peer()).unwrap();
        assert_eq!(peer.members.len(), 3);
        assert_eq!(
            model.unit(&zk.unit(2)).unwrap().storage["data/2"].location,
            "/var/lib/zookeeper"
        );

        let id = model
            .relate(
                RelationEnd::new(kafka.clone(), "zookeeper"),
                RelationEnd::new(zk.clone(), "zookeeper"),
            )
            .unwrap();
        assert_eq!(model.relations[&id].members.len(), 4);
        assert!(model
            .relate(
                RelationEnd::new(kafka.clone(), "nope"),
                RelationEnd::new(zk.clone(), "zookeeper")
            )
            .is_err());

        model.remove_unit(&zk.unit(0)).unwrap();
        assert!(model.is_leader(&zk.unit(1)));
        assert!(
            model.relations[&id].unit_data.contains_key(&zk.unit(0)),
            "departed bags stay"
        );
        assert_eq!(model.add_unit(&zk).unwrap(), zk.unit(3), "numbers are not reused");

        let config = model.app(&zk).unwrap().effective_config();
        assert_eq!(config["tick-time"], Value::from(2000));
        assert_eq!(config["log-level"], Value::Null);

        model.remove_app(&zk).unwrap();
        assert!(model.relations.values().all(|r| r.end_of(&zk).is_none()));
    }
}
