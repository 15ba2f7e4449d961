//! Relations as the controller stores them: two ends (one for peers), members, and bags.
//!
//! Every unit that ever entered the relation keeps its bag, so the settings of departed
//! units stay readable for the lifetime of the relation (juju-contract.md §2.2). Unit bags
//! start with the three keys Juju itself writes when a unit enters scope:
//! `ingress-address`, `private-address` and `egress-subnets`.

use std::collections::{BTreeMap, BTreeSet};

use juju_model::{AppName, Databag, RelationId, UnitName};

/// One end of a relation: an application and its endpoint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelationEnd {
    /// The application.
    pub app: AppName,
    /// The endpoint name on that application.
    pub endpoint: String,
}

impl RelationEnd {
    /// `app:endpoint`.
    pub fn new(app: AppName, endpoint: impl Into<String>) -> Self {
        Self {
            app,
            endpoint: endpoint.into(),
        }
    }
}

/// A relation between two applications, or a peer relation of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The model-wide id.
    pub id: RelationId,
    /// One end for a peer relation, two otherwise.
    pub ends: Vec<RelationEnd>,
    /// Units currently in the relation's scope (joined and not departed).
    pub members: BTreeSet<UnitName>,
    /// Application bags.
    pub app_data: BTreeMap<AppName, Databag>,
    /// Unit bags, including those of departed units.
    pub unit_data: BTreeMap<UnitName, Databag>,
    /// The remote model's uuid, for cross-model relations (`relation-model-get`);
    /// `None` means the relation is within this model.
    pub remote_model_uuid: Option<String>,
}

impl Relation {
    /// A relation with no members and empty app bags.
    pub fn new(id: RelationId, ends: Vec<RelationEnd>) -> Self {
        let app_data = ends.iter().map(|e| (e.app.clone(), Databag::new())).collect();
        Self {
            id,
            ends,
            members: BTreeSet::new(),
            app_data,
            unit_data: BTreeMap::new(),
            remote_model_uuid: None,
        }
    }

    /// Whether this is a peer relation.
    pub fn is_peer(&self) -> bool {
        self.ends.len() == 1
    }

    /// The end of `app`, if it takes part.
    pub fn end_of(&self, app: &AppName) -> Option<&RelationEnd> {
        self.ends.iter().find(|e| &e.app == app)
    }

    /// The other application seen from `app` (itself for peers).
    pub fn other_app(&self, app: &AppName) -> Option<&AppName> {
        if self.is_peer() {
            return self.ends.first().map(|e| &e.app).filter(|a| *a == app);
        }
        self.end_of(app)?;
        self.ends.iter().map(|e| &e.app).find(|a| *a != app)
    }

    /// Juju's relation key: `app1:ep1 app2:ep2` (sorted), or `app:ep` for peers.
    pub fn key(&self) -> String {
        let mut ends: Vec<String> = self.ends.iter().map(|e| format!("{}:{}", e.app, e.endpoint)).collect();
        ends.sort();
        ends.join(" ")
    }

    /// The units `unit` sees on the other side (for peers: the other peer units), as
    /// `relation-list` prints them.
    pub fn remote_members(&self, unit: &UnitName) -> Vec<UnitName> {
        let Some(other) = self.other_app(unit.app()) else {
            return Vec::new();
        };
        self.members
            .iter()
            .filter(|m| m.app() == other && *m != unit)
            .cloned()
            .collect()
    }

    /// Puts `unit` in scope, creating its bag with the Juju-populated address keys unless
    /// it already has one.
    pub fn enter_scope(&mut self, unit: &UnitName, address: &str) {
        self.members.insert(unit.clone());
        self.unit_data
            .entry(unit.clone())
            .or_insert_with(|| default_unit_bag(address));
    }

    /// Takes `unit` out of scope; its bag stays readable.
    pub fn leave_scope(&mut self, unit: &UnitName) {
        self.members.remove(unit);
    }
}

/// The bag Juju writes for a unit entering a relation.
pub fn default_unit_bag(address: &str) -> Databag {
    [
        ("egress-subnets".to_owned(), format!("{address}/32")),
        ("ingress-address".to_owned(), address.to_owned()),
        ("private-address".to_owned(), address.to_owned()),
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str) -> AppName {
        AppName::new(name).unwrap()
    }

    #[test]
    fn remote_members_exclude_self_and_own_app() {
        let mut rel = Relation::new(
            RelationId(3),
            vec![
                RelationEnd::new(app("kafka"), "zookeeper"),
                RelationEnd::new(app("zk"), "zookeeper"),
            ],
        );
        for unit in ["kafka/0", "kafka/1", "zk/0", "zk/1"] {
            rel.enter_scope(&UnitName::new(unit).unwrap(), "10.0.0.1");
        }
        let seen: Vec<String> = rel
            .remote_members(&UnitName::new("kafka/0").unwrap())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(seen, ["zk/0", "zk/1"]);
        assert_eq!(rel.key(), "kafka:zookeeper zk:zookeeper");
        assert_eq!(
            rel.unit_data[&UnitName::new("zk/1").unwrap()]["ingress-address"],
            "10.0.0.1"
        );

        let mut peers = Relation::new(RelationId(1), vec![RelationEnd::new(app("zk"), "cluster")]);
        for unit in ["zk/0", "zk/1", "zk/2"] {
            peers.enter_scope(&UnitName::new(unit).unwrap(), "10.0.0.2");
        }
        let seen: Vec<String> = peers
            .remote_members(&UnitName::new("zk/1").unwrap())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(seen, ["zk/0", "zk/2"]);
        assert!(peers.is_peer());
        peers.leave_scope(&UnitName::new("zk/2").unwrap());
        assert!(peers.unit_data.contains_key(&UnitName::new("zk/2").unwrap()));
    }
}
