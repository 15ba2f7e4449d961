//! Relations: which exist, who is on the other side, and their databags.
//!
//! A relation being broken is left out of [`Context::relations`]: reconcile sees the world
//! as it will be once the hook ends, so "remove what no relation asks for" works without
//! knowing the event. Writes are diffed against the current bag and only changed keys are
//! sent, so an idempotent reconcile does not make remote units run relation-changed.

use juju_model::databag::Codec;
use juju_model::tools::BagOwner;
use juju_model::{AppName, Databag, EndpointRole, Event, RelationHook, RelationId, UnitName};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Context, Leader};
use crate::charm::Charm;
use crate::error::Error;
use crate::rules::{check_keys, check_read, check_write, Access, Bag};

/// One relation of this unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Its id.
    pub id: RelationId,
    /// The local endpoint.
    pub endpoint: String,
    /// Whether it is a peer relation.
    pub peer: bool,
}

impl<C: Charm> Context<'_, C> {
    /// The live relations on `endpoint` (one `relation-ids` call per endpoint per run).
    ///
    /// Lookups stay lazy and per endpoint: a charm pays only for the endpoints it reads.
    /// One `goal-state` call cannot stand in for them, as it does not list every relation
    /// `relation-ids` returns. Juju's uniter facade (apiserver/facades/agent/uniter,
    /// `goalStateRelations`) skips peer relations ("Ignore peer relations here"), shows
    /// nothing for a cross-model relation seen from the offering side ("If we are on the
    /// offering side of a remote relation, don't show anything in goal state"), and reads
    /// the controller's live relations, whereas `relation-ids` answers from the hook
    /// context's own relation list (which still holds a relation being torn down).
    /// Using goal-state to skip endpoints would hide offered cross-model relations.
    pub fn relations(&mut self, endpoint: &str) -> Result<Vec<Relation>, Error> {
        let (role, _) = self
            .meta
            .endpoint(endpoint)
            .ok_or_else(|| Error::msg(format!("endpoint {endpoint:?} is not declared in charmcraft.yaml")))?;
        if !self.cache.relation_ids.contains_key(endpoint) {
            let ids = self.backend.relation_ids(endpoint)?;
            self.cache.relation_ids.insert(endpoint.to_owned(), ids);
        }
        let broken = self.broken_relation();
        Ok(self
            .cache
            .relation_ids
            .get(endpoint)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|id| Some(**id) != broken)
            .map(|id| Relation {
                id: *id,
                endpoint: endpoint.to_owned(),
                peer: role == EndpointRole::Peer,
            })
            .collect())
    }

    /// The single relation on an endpoint with `limit: 1` (or the first of several).
    pub fn relation(&mut self, endpoint: &str) -> Result<Option<Relation>, Error> {
        Ok(self.relations(endpoint)?.into_iter().next())
    }

    fn broken_relation(&self) -> Option<RelationId> {
        match self.event {
            Event::Relation {
                hook: RelationHook::Broken,
                relation,
                ..
            } => Some(relation.id),
            _ => None,
        }
    }

    /// The remote units (for a peer relation: the other peers). A departing unit is
    /// already gone from the list during relation-departed, as in Juju.
    pub fn remote_units(&mut self, relation: &Relation) -> Result<Vec<UnitName>, Error> {
        if let Some(units) = self.cache.remote_units.get(&relation.id) {
            return Ok(units.clone());
        }
        let units = self.backend.relation_list(relation.id)?;
        self.cache.remote_units.insert(relation.id, units.clone());
        Ok(units)
    }

    /// The remote application (for a peer relation: this application).
    pub fn remote_app(&mut self, relation: &Relation) -> Result<Option<AppName>, Error> {
        if relation.peer {
            return Ok(Some(self.app().clone()));
        }
        if let Event::Relation { relation: r, .. } = self.event {
            if r.id == relation.id && r.remote_app.is_some() {
                return Ok(r.remote_app.clone());
            }
        }
        if let Some(app) = self.cache.remote_app.get(&relation.id) {
            return Ok(app.clone());
        }
        let app = self.backend.relation_remote_app(relation.id)?;
        self.cache.remote_app.insert(relation.id, app.clone());
        Ok(app)
    }

    fn access<'a>(&'a mut self, relation: &'a Relation) -> Result<Access<'a>, Error> {
        let leader = self.is_leader()?;
        Ok(Access {
            unit: &self.env.unit,
            endpoint: &relation.endpoint,
            relation: relation.id,
            peer: relation.peer,
            leader,
        })
    }

    fn bag(&mut self, relation: &Relation, owner: BagOwner) -> Result<Databag, Error> {
        let key = (relation.id, owner_key(&owner));
        if let Some(bag) = self.cache.bags.get(&key) {
            return Ok(bag.clone());
        }
        let bag = self.backend.relation_get(relation.id, &owner)?;
        self.cache.bags.insert(key, bag.clone());
        Ok(bag)
    }

    /// The remote application's bag (empty before the remote leader writes).
    pub fn remote_app_data(&mut self, relation: &Relation) -> Result<Databag, Error> {
        let Some(app) = self.remote_app(relation)? else {
            return Ok(Databag::new());
        };
        let bag = if relation.peer { Bag::LocalApp } else { Bag::RemoteApp };
        check_read(self.access(relation)?, bag)?;
        self.bag(relation, BagOwner::App(app))
    }

    /// A remote unit's bag.
    pub fn unit_data(&mut self, relation: &Relation, unit: &UnitName) -> Result<Databag, Error> {
        self.bag(relation, BagOwner::Unit(unit.clone()))
    }

    /// This unit's own bag.
    pub fn local_unit_data(&mut self, relation: &Relation) -> Result<Databag, Error> {
        let unit = self.env.unit.clone();
        self.bag(relation, BagOwner::Unit(unit))
    }

    /// This application's bag. On non-peer relations only the leader may read it, so
    /// pass the token; on peer relations anyone may (`None`).
    pub fn local_app_data(&mut self, relation: &Relation, _leader: Option<&Leader>) -> Result<Databag, Error> {
        check_read(self.access(relation)?, Bag::LocalApp)?;
        let app = self.app().clone();
        self.bag(relation, BagOwner::App(app))
    }

    /// Merges `changes` into this unit's bag (an empty value deletes the key). Only keys
    /// whose value differs are sent; no call at all when nothing changed.
    pub fn update_unit_data(&mut self, relation: &Relation, changes: &Databag) -> Result<bool, Error> {
        check_write(self.access(relation)?, Bag::LocalUnit)?;
        let current = self.local_unit_data(relation)?;
        let unit = self.env.unit.clone();
        self.write(relation, BagOwner::Unit(unit), current, changes, false)
    }

    /// Merges `changes` into this application's bag (leader only).
    pub fn update_app_data(&mut self, relation: &Relation, leader: &Leader, changes: &Databag) -> Result<bool, Error> {
        check_write(self.access(relation)?, Bag::LocalApp)?;
        let current = self.local_app_data(relation, Some(leader))?;
        let app = self.app().clone();
        self.write(relation, BagOwner::App(app), current, changes, true)
    }

    fn write(
        &mut self,
        relation: &Relation,
        owner: BagOwner,
        mut current: Databag,
        changes: &Databag,
        app: bool,
    ) -> Result<bool, Error> {
        check_keys(changes.keys())?;
        let delta: Databag = changes
            .iter()
            .filter(|(k, v)| match current.get(*k) {
                Some(old) => old != *v,
                None => !v.is_empty(),
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if delta.is_empty() {
            return Ok(false);
        }
        self.backend.relation_set(relation.id, app, &delta)?;
        for (k, v) in delta {
            if v.is_empty() {
                current.remove(&k);
            } else {
                current.insert(k, v);
            }
        }
        self.cache.bags.insert((relation.id, owner_key(&owner)), current);
        Ok(true)
    }

    /// The remote application's bag decoded with codec `K` into `T`; `None` while empty.
    pub fn remote_app_as<T: DeserializeOwned, K: Codec>(&mut self, relation: &Relation) -> Result<Option<T>, Error> {
        let bag = self.remote_app_data(relation)?;
        decode::<T, K>(&bag, || {
            format!("application data of relation {}:{}", relation.endpoint, relation.id)
        })
    }

    /// A unit's bag decoded with codec `K` into `T`; `None` while empty.
    pub fn unit_data_as<T: DeserializeOwned, K: Codec>(
        &mut self,
        relation: &Relation,
        unit: &UnitName,
    ) -> Result<Option<T>, Error> {
        let bag = self.unit_data(relation, unit)?;
        decode::<T, K>(&bag, || {
            format!("data of unit {unit} on relation {}:{}", relation.endpoint, relation.id)
        })
    }

    /// Encodes `value` with codec `K` and merges it into this application's bag.
    pub fn update_app_as<T: Serialize, K: Codec>(
        &mut self,
        relation: &Relation,
        leader: &Leader,
        value: &T,
    ) -> Result<bool, Error> {
        let bag = K::encode(value).map_err(Error::Model)?;
        self.update_app_data(relation, leader, &bag)
    }

    /// Encodes `value` with codec `K` and merges it into this unit's bag.
    pub fn update_unit_as<T: Serialize, K: Codec>(&mut self, relation: &Relation, value: &T) -> Result<bool, Error> {
        let bag = K::encode(value).map_err(Error::Model)?;
        self.update_unit_data(relation, &bag)
    }
}

fn owner_key(owner: &BagOwner) -> String {
    match owner {
        BagOwner::Unit(u) => u.to_string(),
        BagOwner::App(a) => format!("app:{a}"),
    }
}

fn decode<T: DeserializeOwned, K: Codec>(bag: &Databag, what: impl Fn() -> String) -> Result<Option<T>, Error> {
    // Juju fills unit bags with address keys; a bag with only those is still "empty".
    let meaningful = bag
        .keys()
        .any(|k| !matches!(k.as_str(), "ingress-address" | "private-address" | "egress-subnets"));
    if !meaningful {
        return Ok(None);
    }
    K::decode(bag).map(Some).map_err(|e| Error::Decode {
        what: what(),
        message: e.to_string(),
    })
}
