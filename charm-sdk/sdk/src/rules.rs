//! Juju's relation databag access rules, written once.
//!
//! The same rules as ops' `RelationDataContent._validate_read/_validate_write_access` and
//! Juju's hook tools: any unit bag and the remote app bag can be read; your own app bag
//! only by the leader, except on peer relations; you write your own unit bag, and your own
//! app bag only as leader. The SDK checks them before calling a tool so the message can
//! name the rule and say what to do (ops#784 is the counter-example); the testing crate
//! and the local model enforce them again from `juju-rules`, so a test cannot pass code
//! that production refuses.

use crate::error::Error;
use juju_model::{RelationId, UnitName};

/// Which bag an operation touches, from this unit's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bag {
    /// This unit's own bag.
    LocalUnit,
    /// This application's bag.
    LocalApp,
    /// A remote (or peer) unit's bag.
    RemoteUnit,
    /// The remote application's bag.
    RemoteApp,
}

/// The facts a rule needs.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// This unit.
    pub unit: &'a UnitName,
    /// The relation's endpoint.
    pub endpoint: &'a str,
    /// The relation id.
    pub relation: RelationId,
    /// Whether it is a peer relation.
    pub peer: bool,
    /// Whether this unit is the leader.
    pub leader: bool,
}

/// May this unit read `bag`?
pub fn check_read(access: Access<'_>, bag: Bag) -> Result<(), Error> {
    if bag == Bag::LocalApp && !access.peer && !access.leader {
        return Err(Error::Access(format!(
            "unit {} is not the leader: only the leader may read its own application data on relation {}:{} (non-peer); check ctx.leader() first",
            access.unit, access.endpoint, access.relation
        )));
    }
    Ok(())
}

/// May this unit write `bag`?
pub fn check_write(access: Access<'_>, bag: Bag) -> Result<(), Error> {
    match bag {
        Bag::LocalUnit => Ok(()),
        Bag::LocalApp if access.leader => Ok(()),
        Bag::LocalApp => Err(Error::Access(format!(
            "unit {} is not the leader: only the leader may write application data on relation {}:{}; check ctx.leader() first",
            access.unit, access.endpoint, access.relation
        ))),
        Bag::RemoteUnit | Bag::RemoteApp => Err(Error::Access(format!(
            "unit {} may not write the remote side's data on relation {}:{}: a unit writes only its own bag and (as leader) its application's",
            access.unit, access.endpoint, access.relation
        ))),
    }
}

/// Values Juju accepts in a databag: any string; an empty one deletes the key. Keys must
/// be non-empty.
pub fn check_keys<'k>(keys: impl IntoIterator<Item = &'k String>) -> Result<(), Error> {
    for key in keys {
        if key.is_empty() || key.chars().any(char::is_whitespace) || key.contains('=') {
            return Err(Error::Access(format!(
                "invalid relation data key {key:?}: keys must be non-empty, without spaces or '='"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(peer: bool, leader: bool) -> (UnitName, bool, bool) {
        (UnitName::new("kafka/1").unwrap(), peer, leader)
    }

    #[test]
    fn the_rules_table() {
        // (peer, leader, bag) -> (read ok, write ok)
        let table = [
            (false, false, Bag::LocalUnit, true, true),
            (false, false, Bag::LocalApp, false, false),
            (false, true, Bag::LocalApp, true, true),
            (true, false, Bag::LocalApp, true, false),
            (true, true, Bag::LocalApp, true, true),
            (false, false, Bag::RemoteApp, true, false),
            (false, true, Bag::RemoteUnit, true, false),
        ];
        for (peer, leader, bag, read, write) in table {
            let (unit, peer, leader) = access(peer, leader);
            let a = Access {
                unit: &unit,
                endpoint: "cluster",
                relation: RelationId(1),
                peer,
                leader,
            };
            assert_eq!(
                check_read(a, bag).is_ok(),
                read,
                "read {bag:?} peer={peer} leader={leader}"
            );
            assert_eq!(
                check_write(a, bag).is_ok(),
                write,
                "write {bag:?} peer={peer} leader={leader}"
            );
        }
    }

    #[test]
    fn messages_name_the_rule() {
        let unit = UnitName::new("kafka/1").unwrap();
        let a = Access {
            unit: &unit,
            endpoint: "cluster",
            relation: RelationId(4),
            peer: true,
            leader: false,
        };
        let msg = check_write(a, Bag::LocalApp).unwrap_err().to_string();
        assert!(
            msg.contains("kafka/1 is not the leader") && msg.contains("cluster:4") && msg.contains("ctx.leader()"),
            "{msg}"
        );
    }
}
