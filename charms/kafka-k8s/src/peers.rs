//! The `cluster` peer relation as typed values: what the leader decided (application bag) and
//! what each unit reports about itself (unit bags).
//!
//! All coordination between units goes through these bags — the internal users' secret, the
//! clients whose credentials exist, the rolling-restart lock, the KRaft cluster id — so that
//! reading them once per run into a [`Cluster`] lets the decisions be pure functions of it.
//! No bag ever holds a password: credentials are in Juju secrets, bags hold their URIs.

use std::collections::BTreeMap;

use charm_sdk::prelude::*;
use juju_model::UnitName;
use serde::{Deserialize, Serialize};

use crate::literals::*;
use crate::restart::{Member, RestartState};

/// What the leader recorded about a client user whose credential is in the metadata store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClientRecord {
    /// The requested topic (ACLs were written for it).
    pub topic: String,
    /// `extra-user-roles` as requested.
    pub roles: String,
    /// The consumer group prefix ACLs were written for.
    #[serde(default)]
    pub group_prefix: String,
}

impl ClientRecord {
    /// Whether the client asked to be a super user.
    pub fn is_admin(&self) -> bool {
        self.roles.split(',').any(|r| r.trim() == "admin")
    }
}

/// The application bag of the peer relation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppData(pub Databag);

impl AppData {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The URI of the internal users' secret.
    pub fn internal_secret(&self) -> Option<&str> {
        self.get(APP_INTERNAL_SECRET)
    }

    /// Whether the internal users' credentials are in the metadata store.
    pub fn internal_users_stored(&self) -> bool {
        self.get(APP_INTERNAL_USERS_STORED) == Some("true")
    }

    /// The unit number holding the rolling-restart lock.
    pub fn restart_lock(&self) -> Option<u32> {
        self.get(APP_RESTART_LOCK)
            .and_then(|u| UnitName::new(u).ok())
            .map(|u| u.number())
    }

    /// Client users whose credential exists, by relation id.
    pub fn clients(&self) -> BTreeMap<u32, ClientRecord> {
        self.get(APP_CLIENTS)
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }

    /// The KRaft cluster id.
    pub fn cluster_uuid(&self) -> Option<&str> {
        self.get(APP_CLUSTER_UUID)
    }

    /// Whether the mTLS listener is on.
    pub fn mtls(&self) -> bool {
        self.get(APP_MTLS) == Some("enabled")
    }
}

/// Encodes the clients registry for [`APP_CLIENTS`].
pub fn encode_clients(clients: &BTreeMap<u32, ClientRecord>) -> String {
    if clients.is_empty() {
        String::new()
    } else {
        serde_json::to_string(clients).unwrap_or_default()
    }
}

/// One unit's peer bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The unit number.
    pub number: u32,
    /// Its bag.
    pub bag: Databag,
}

impl Unit {
    fn get(&self, key: &str) -> Option<&str> {
        self.bag.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Its rolling-restart progress.
    pub fn restart(&self) -> Option<RestartState> {
        self.get(UNIT_RESTART).and_then(RestartState::parse)
    }

    /// Whether its broker ran at least once.
    pub fn started(&self) -> bool {
        self.get(UNIT_STATE) == Some("started")
    }

    /// Its ingress address, as it reported it.
    pub fn address(&self) -> Option<&str> {
        self.get(UNIT_ADDRESS)
    }

    /// The KRaft metadata directory id it reported.
    pub fn directory_id(&self) -> Option<&str> {
        self.get(UNIT_DIRECTORY_ID)
    }

    /// Whether it reported being a voter of the dynamic KRaft quorum.
    pub fn added_to_quorum(&self) -> bool {
        self.get(UNIT_ADDED_TO_QUORUM) == Some("true")
    }
}

/// The peer relation, read once per run.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// The relation.
    pub relation: Relation,
    /// This application's name.
    pub app: String,
    /// This unit.
    pub me: Unit,
    /// The other units.
    pub peers: Vec<Unit>,
    /// The application bag.
    pub app_data: AppData,
}

impl Cluster {
    /// Every unit, this one included, sorted by number.
    pub fn units(&self) -> Vec<&Unit> {
        let mut all: Vec<&Unit> = self.peers.iter().chain(std::iter::once(&self.me)).collect();
        all.sort_by_key(|u| u.number);
        all
    }

    /// The unit numbers, sorted.
    pub fn numbers(&self) -> Vec<u32> {
        self.units().iter().map(|u| u.number).collect()
    }

    /// The lock decision's view of the units.
    pub fn members(&self) -> Vec<Member> {
        self.units()
            .iter()
            .map(|u| Member {
                number: u.number,
                restart: u.restart(),
            })
            .collect()
    }

    /// Applies this run's writes to our own bag, so later steps read them.
    pub fn record_own(&mut self, changes: &Databag) {
        for (k, v) in changes {
            if v.is_empty() {
                self.me.bag.remove(k);
            } else {
                self.me.bag.insert(k.clone(), v.clone());
            }
        }
    }

    /// Applies this run's writes to the application bag.
    pub fn record_app(&mut self, changes: &Databag) {
        for (k, v) in changes {
            if v.is_empty() {
                self.app_data.0.remove(k);
            } else {
                self.app_data.0.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `<app>-<n>.<app>-endpoints`: the unit's stable name in Juju's headless service, which
/// Kafka advertises and certificates name (upstream `KafkaBroker.internal_address`).
pub fn internal_address(app: &str, number: u32) -> String {
    format!("{app}-{number}.{app}-endpoints")
}

/// Reads the peer relation into a [`Cluster`]; `None` before the relation exists.
pub fn read<C: Charm>(ctx: &mut Context<'_, C>) -> Result<Option<Cluster>, Error> {
    let Some(relation) = ctx.relation(PEER)? else {
        return Ok(None);
    };
    let app = ctx.app().to_string();
    let me = Unit {
        number: ctx.unit().number(),
        bag: ctx.local_unit_data(&relation)?,
    };
    let mut peers = Vec::new();
    for unit in ctx.remote_units(&relation)? {
        let bag = ctx.unit_data(&relation, &unit)?;
        peers.push(Unit {
            number: unit.number(),
            bag,
        });
    }
    let app_data = AppData(ctx.local_app_data(&relation, None)?);
    Ok(Some(Cluster {
        relation,
        app,
        me,
        peers,
        app_data,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_registry_round_trips_and_tolerates_garbage() {
        let mut clients = BTreeMap::new();
        clients.insert(
            7,
            ClientRecord {
                topic: "orders".into(),
                roles: "producer,admin".into(),
                group_prefix: "relation-7-".into(),
            },
        );
        let bag: Databag = [(APP_CLIENTS.to_owned(), encode_clients(&clients))].into();
        let app = AppData(bag);
        assert_eq!(app.clients(), clients);
        assert!(app.clients()[&7].is_admin());
        let garbage = AppData([(APP_CLIENTS.to_owned(), "{not json".to_owned())].into());
        assert!(garbage.clients().is_empty());
    }
}
