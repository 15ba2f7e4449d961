//! Who may read and write what: Juju's access rules, written once.
//!
//! Relation data (ops' `_validate_read`/`_validate_write_access`, Juju's relation-get/-set):
//! a unit sees a relation only if its application is in it; any unit bag and the remote
//! application bag can be read; its own application bag only by the leader except on peer
//! relations; it writes its own unit bag, and its own application bag only as leader.
//!
//! Secrets (Juju's `CreateSecret`/`UpdateSecret`/`GrantSecret`, secretsmanager facade):
//! application-owned secrets are managed only by the leader and read by every unit of the
//! application; unit-owned secrets by that unit alone; anybody else reads only through a
//! grant on a live relation.
//!
//! Every refusal carries Juju's text and an explanation naming the rule.

use juju_model::tools::BagOwner;
use juju_model::{RelationId, UnitName};

use crate::error::{RuleError, RuleResult};
use crate::model::Model;
use crate::relation::Relation;
use crate::secret::{Secret, SecretOwnerRef};

/// The relation `id` as `unit` sees it: it must exist and include the unit's application.
pub fn relation_for<'m>(model: &'m Model, unit: &UnitName, id: RelationId) -> RuleResult<&'m Relation> {
    let explain = |why: &str| format!("relation {id} {why}; list the relations of an endpoint with relation-ids first");
    let relation = model
        .relations
        .get(&id)
        .ok_or_else(|| RuleError::relation_not_found().with_explain(explain("does not exist (or was removed)")))?;
    if relation.end_of(unit.app()).is_none() {
        return Err(RuleError::relation_not_found()
            .with_explain(explain(&format!("does not involve application {}", unit.app()))));
    }
    Ok(relation)
}

/// May `unit` read `owner`'s bag in `relation`?
pub fn check_relation_read(model: &Model, unit: &UnitName, relation: &Relation, owner: &BagOwner) -> RuleResult<()> {
    let endpoint = endpoint_of(relation, unit);
    match owner {
        BagOwner::App(app) if app == unit.app() => {
            if relation.is_peer() || model.is_leader(unit) {
                Ok(())
            } else {
                Err(RuleError::permission_denied().with_explain(format!(
                    "unit {unit} is not leader: only the leader may read its own application data on \
                     `{endpoint}` (relation {}; peer relations excepted); check ctx.leader() first",
                    relation.id
                )))
            }
        }
        BagOwner::App(app) => {
            if relation.end_of(app).is_some() {
                Ok(())
            } else {
                Err(RuleError::not_found(format!(
                    "cannot read settings for application {:?} in relation {:?}: settings not found",
                    app.as_str(),
                    relation.key()
                ))
                .with_explain(format!(
                    "application {app} is not part of relation {} (`{endpoint}`)",
                    relation.id
                )))
            }
        }
        BagOwner::Unit(other) => {
            let in_relation = relation.end_of(other.app()).is_some();
            if in_relation && relation.unit_data.contains_key(other) {
                Ok(())
            } else {
                Err(RuleError::not_found(format!(
                    "cannot read settings for unit {:?} in relation {:?}: unit {:?}: settings not found",
                    other.to_string(),
                    relation.key(),
                    other.to_string()
                ))
                .with_explain(format!(
                    "unit {other} never joined relation {} (`{endpoint}`)",
                    relation.id
                )))
            }
        }
    }
}

/// May `unit` write its own unit bag (`app == false`) or its application bag in `relation`?
pub fn check_relation_write(model: &Model, unit: &UnitName, relation: &Relation, app: bool) -> RuleResult<()> {
    if app && !model.is_leader(unit) {
        let endpoint = endpoint_of(relation, unit);
        return Err(RuleError::not_leader_relation_write().with_explain(format!(
            "unit {unit} is not leader: only the leader may write app data on `{endpoint}` (relation {}); \
             check ctx.leader() first",
            relation.id
        )));
    }
    Ok(())
}

/// Whether `unit` belongs to `secret`'s owner (the owning unit, or any unit of the owning
/// application).
pub fn owns(unit: &UnitName, secret: &Secret) -> bool {
    match &secret.owner {
        SecretOwnerRef::App(app) => unit.app() == app,
        SecretOwnerRef::Unit(owner) => owner == unit,
        SecretOwnerRef::Model => false,
    }
}

/// May `unit` read `secret`'s content? Owners read; others need a grant on a live
/// relation. A secret that exists but is not granted gives `permission denied`.
pub fn check_secret_read(model: &Model, unit: &UnitName, secret: &Secret) -> RuleResult<()> {
    if owns(unit, secret) || secret.granted_to(unit, |id| model.relations.contains_key(&id)) {
        return Ok(());
    }
    if let SecretOwnerRef::Unit(owner) = &secret.owner {
        if owner.app() == unit.app() {
            return Err(RuleError::permission_denied().with_explain(format!(
                "secret {} is owned by unit {owner}; other units of {} cannot read a unit-owned secret \
                 (create it with owner application to share it)",
                secret.id(),
                owner.app()
            )));
        }
    }
    Err(RuleError::permission_denied().with_explain(format!(
        "secret {} is owned by {} and was not granted to unit {unit}: the owner must secret-grant it on a \
         relation to {}",
        secret.id(),
        owner_text(secret),
        unit.app()
    )))
}

/// What a management call is, for the refusal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretManage {
    /// secret-set: Juju fails it at commit with `permission denied` for non-owners.
    Set,
    /// secret-remove: likewise.
    Remove,
    /// secret-grant: `secret "<id>" not found` for non-owners.
    Grant,
    /// secret-revoke: `permission denied` at commit for non-owners.
    Revoke,
    /// secret-info-get: `secret "<id>" not found` for non-owners.
    Info,
}

/// May `unit` manage `secret`? Non-owners are refused (text per [`SecretManage`]); for an
/// application-owned secret only the leader may.
pub fn check_secret_manage(model: &Model, unit: &UnitName, secret: &Secret, what: SecretManage) -> RuleResult<()> {
    if !owns(unit, secret) {
        let explain = format!(
            "secret {} is owned by {}, not by unit {unit} or its application; only the owner manages it",
            secret.id(),
            owner_text(secret)
        );
        let err = match what {
            SecretManage::Grant | SecretManage::Info => RuleError::secret_not_found(secret.id()),
            SecretManage::Set | SecretManage::Remove | SecretManage::Revoke => RuleError::permission_denied(),
        };
        return Err(err.with_explain(explain));
    }
    if matches!(secret.owner, SecretOwnerRef::App(_)) && !model.is_leader(unit) {
        return Err(RuleError::not_leader().with_explain(format!(
            "unit {unit} is not leader: secret {} is owned by application {}, and only its leader may \
             change, remove, grant, revoke or inspect it; check ctx.leader() first",
            secret.id(),
            unit.app()
        )));
    }
    Ok(())
}

fn owner_text(secret: &Secret) -> String {
    match &secret.owner {
        SecretOwnerRef::App(app) => format!("application {app}"),
        SecretOwnerRef::Unit(unit) => format!("unit {unit}"),
        SecretOwnerRef::Model => "the model (a user secret)".to_owned(),
    }
}

fn endpoint_of<'r>(relation: &'r Relation, unit: &UnitName) -> &'r str {
    relation.end_of(unit.app()).map(|e| e.endpoint.as_str()).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use juju_model::{AppName, CharmMeta};

    use super::*;
    use crate::relation::RelationEnd;

    fn model() -> (Model, RelationId, RelationId) {
        let mut model = Model::default();
        let meta = CharmMeta::from_charmcraft_yaml(
            "name: zk\npeers: {cluster: {interface: c}}\nprovides: {zookeeper: {interface: zookeeper}}",
        )
        .unwrap();
        let zk = model.deploy("zk", meta, 2).unwrap();
        let kafka = model.deploy("kafka", CharmMeta::default(), 1).unwrap();
        let rel = model
            .relate(RelationEnd::new(zk, "zookeeper"), RelationEnd::new(kafka, "zookeeper"))
            .unwrap();
        (model, RelationId(0), rel)
    }

    fn unit(name: &str) -> UnitName {
        UnitName::new(name).unwrap()
    }

    fn app(name: &str) -> AppName {
        AppName::new(name).unwrap()
    }

    #[test]
    fn own_app_bag_needs_leadership_except_on_peers() {
        let (model, peer, rel) = model();
        let relation = &model.relations[&rel];
        let follower = unit("zk/1");
        let err = check_relation_read(&model, &follower, relation, &BagOwner::App(app("zk"))).unwrap_err();
        assert_eq!(err.to_string(), "permission denied");
        assert!(err.explain().contains("not leader"), "{}", err.explain());
        assert!(check_relation_read(&model, &unit("zk/0"), relation, &BagOwner::App(app("zk"))).is_ok());
        assert!(check_relation_read(&model, &follower, &model.relations[&peer], &BagOwner::App(app("zk"))).is_ok());
        assert!(check_relation_read(&model, &follower, relation, &BagOwner::App(app("kafka"))).is_ok());
        assert!(check_relation_read(&model, &follower, relation, &BagOwner::Unit(unit("kafka/0"))).is_ok());
        assert!(check_relation_read(&model, &follower, relation, &BagOwner::Unit(unit("kafka/7"))).is_err());

        let err = check_relation_write(&model, &follower, relation, true).unwrap_err();
        assert_eq!(err.to_string(), "cannot write relation settings");
        assert!(
            err.explain()
                .contains("only the leader may write app data on `zookeeper`"),
            "{}",
            err.explain()
        );
        assert!(check_relation_write(&model, &follower, relation, false).is_ok());
    }

    #[test]
    fn relations_not_involving_the_unit_are_not_found() {
        let (mut model, _, rel) = model();
        model.deploy("other", CharmMeta::default(), 1).unwrap();
        let err = relation_for(&model, &unit("other/0"), rel).unwrap_err();
        assert_eq!(err.to_string(), "relation not found");
        assert_eq!(
            relation_for(&model, &unit("zk/0"), RelationId(99))
                .unwrap_err()
                .to_string(),
            "relation not found"
        );
    }
}
