//! `HookContext`: which unit runs which hook, with the payload Juju attaches to it.
//!
//! This is what the uniter knows before it starts a process: the hook or action name and
//! the relation, remote unit, departing unit, container, notice, check, secret or storage
//! the event is about. The event-order helpers produce these, a [`crate::Hook`] session is
//! opened from one, and [`HookContext::to_env`] turns one into the exact `JUJU_*`
//! environment the charm process receives.

use juju_model::{AppName, JujuEnv, RelationHook, RelationId, SecretUri, UnitName};
use serde_json::Value;

use crate::error::{RuleError, RuleResult};
use crate::model::Model;

/// The Juju version the model reports in `JUJU_VERSION`.
pub const JUJU_VERSION: &str = "3.6.4";

/// A Pebble custom notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `JUJU_NOTICE_ID`.
    pub id: String,
    /// `JUJU_NOTICE_TYPE` (`custom`).
    pub kind: String,
    /// `JUJU_NOTICE_KEY`.
    pub key: String,
}

/// The secret a secret hook is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEvent {
    /// `JUJU_SECRET_ID`.
    pub uri: SecretUri,
    /// `JUJU_SECRET_LABEL`: the label the receiving unit knows the secret by.
    pub label: Option<String>,
    /// `JUJU_SECRET_REVISION` (secret-expired, secret-remove).
    pub revision: Option<u64>,
}

/// A running action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionInvocation {
    /// The action name.
    pub name: String,
    /// `JUJU_ACTION_UUID`.
    pub id: String,
    /// Parameters (schema defaults are filled in when the hook session starts).
    pub params: serde_json::Map<String, Value>,
}

/// One unit running one hook or action.
#[derive(Debug, Clone, PartialEq)]
pub struct HookContext {
    /// The unit.
    pub unit: UnitName,
    /// The hook name (`db-relation-changed`); for actions, the action name.
    pub name: String,
    /// The action, for action runs.
    pub action: Option<ActionInvocation>,
    /// The relation of a relation hook.
    pub relation: Option<RelationId>,
    /// `JUJU_REMOTE_UNIT`.
    pub remote_unit: Option<UnitName>,
    /// `JUJU_REMOTE_APP`.
    pub remote_app: Option<AppName>,
    /// `JUJU_DEPARTING_UNIT`.
    pub departing_unit: Option<UnitName>,
    /// The container of a Pebble hook.
    pub workload: Option<String>,
    /// The notice of a custom-notice hook.
    pub notice: Option<Notice>,
    /// The check of a check-failed/recovered hook.
    pub check: Option<String>,
    /// The secret of a secret hook.
    pub secret: Option<SecretEvent>,
    /// The storage id of a storage hook.
    pub storage: Option<String>,
}

impl HookContext {
    /// A plain hook (`install`, `config-changed`, …) on `unit`.
    pub fn hook(unit: UnitName, name: impl Into<String>) -> Self {
        Self {
            unit,
            name: name.into(),
            action: None,
            relation: None,
            remote_unit: None,
            remote_app: None,
            departing_unit: None,
            workload: None,
            notice: None,
            check: None,
            secret: None,
            storage: None,
        }
    }

    /// A relation hook on `unit` for `relation`, with the hook name made from the unit's
    /// endpoint. `remote_unit` is `None` for created/broken and app-only changes;
    /// `JUJU_REMOTE_APP` is the other application (itself for peers).
    pub fn relation(
        model: &Model,
        unit: UnitName,
        hook: RelationHook,
        relation: RelationId,
        remote_unit: Option<UnitName>,
    ) -> RuleResult<Self> {
        let rel = model
            .relations
            .get(&relation)
            .ok_or_else(RuleError::relation_not_found)?;
        let end = rel.end_of(unit.app()).ok_or_else(RuleError::relation_not_found)?;
        let suffix = match hook {
            RelationHook::Created => "created",
            RelationHook::Joined => "joined",
            RelationHook::Changed => "changed",
            RelationHook::Departed => "departed",
            RelationHook::Broken => "broken",
        };
        let remote_app = rel.other_app(unit.app()).cloned();
        let mut ctx = Self::hook(unit, format!("{}-relation-{suffix}", end.endpoint));
        ctx.relation = Some(relation);
        ctx.remote_app = remote_unit.as_ref().map(|u| u.app().clone()).or(remote_app);
        ctx.remote_unit = remote_unit;
        Ok(ctx)
    }

    /// An action run.
    pub fn action(
        unit: UnitName,
        name: impl Into<String>,
        id: impl Into<String>,
        params: serde_json::Map<String, Value>,
    ) -> Self {
        let name = name.into();
        let mut ctx = Self::hook(unit, name.clone());
        ctx.action = Some(ActionInvocation {
            name,
            id: id.into(),
            params,
        });
        ctx
    }

    /// A Pebble hook (`<container>-pebble-ready` and friends): `suffix` is `pebble-ready`,
    /// `pebble-custom-notice`, `pebble-check-failed` or `pebble-check-recovered`.
    pub fn pebble(unit: UnitName, container: &str, suffix: &str) -> Self {
        let mut ctx = Self::hook(unit, format!("{container}-{suffix}"));
        ctx.workload = Some(container.to_owned());
        ctx
    }

    /// Builder: sets the departing unit (relation-departed).
    pub fn with_departing(mut self, unit: UnitName) -> Self {
        self.departing_unit = Some(unit);
        self
    }

    /// The `JUJU_*` environment Juju exports for this hook in `model`.
    pub fn to_env(&self, model: &Model) -> RuleResult<JujuEnv> {
        model.unit(&self.unit)?;
        let mut env = JujuEnv {
            dispatch_path: match &self.action {
                Some(action) => format!("actions/{}", action.name),
                None => format!("hooks/{}", self.name),
            },
            hook_name: self.action.is_none().then(|| self.name.clone()),
            unit: self.unit.clone(),
            model_name: model.name.clone(),
            model_uuid: model.uuid.clone(),
            version: Some(JUJU_VERSION.to_owned()),
            charm_dir: Some(format!(
                "/var/lib/juju/agents/unit-{}-{}/charm",
                self.unit.app(),
                self.unit.number()
            )),
            context_id: Some(format!("{}-{}", self.unit, self.name)),
            ..JujuEnv::default()
        };
        if let Some(id) = self.relation {
            let rel = model.relations.get(&id).ok_or_else(RuleError::relation_not_found)?;
            let end = rel.end_of(self.unit.app()).ok_or_else(RuleError::relation_not_found)?;
            env.relation = Some(end.endpoint.clone());
            env.relation_id = Some(id);
            env.remote_unit = self.remote_unit.clone();
            env.remote_app = self.remote_app.clone();
            env.departing_unit = self.departing_unit.clone();
        }
        if let Some(action) = &self.action {
            env.action_name = Some(action.name.clone());
            env.action_uuid = Some(action.id.clone());
            env.action_tag = Some(format!("action-{}", action.id));
        }
        env.workload_name = self.workload.clone();
        if let Some(notice) = &self.notice {
            env.notice_id = Some(notice.id.clone());
            env.notice_type = Some(notice.kind.clone());
            env.notice_key = Some(notice.key.clone());
        }
        env.pebble_check_name = self.check.clone();
        if let Some(secret) = &self.secret {
            env.secret_id = Some(secret.uri.clone());
            env.secret_label = secret.label.clone();
            env.secret_revision = secret.revision.filter(|r| *r > 0);
        }
        if let Some(id) = &self.storage {
            let unit = model.unit(&self.unit)?;
            let storage = unit
                .storage
                .get(id)
                .ok_or_else(|| RuleError::not_found(format!("storage {id:?} not found")))?;
            env.storage_id = Some(storage.id.clone());
            env.storage_location = Some(storage.location.clone());
            env.storage_kind = Some(storage.kind.clone());
        }
        Ok(env)
    }
}

#[cfg(test)]
mod tests {
    use juju_model::{CharmMeta, Event};

    use super::*;
    use crate::relation::RelationEnd;

    #[test]
    fn relation_env_round_trips_through_event() {
        let mut model = Model::default();
        let zk = model
            .deploy(
                "zk",
                CharmMeta::from_charmcraft_yaml("name: zk\nprovides: {zookeeper: {interface: zookeeper}}").unwrap(),
                1,
            )
            .unwrap();
        let kafka = model.deploy("kafka", CharmMeta::default(), 2).unwrap();
        let id = model
            .relate(
                RelationEnd::new(zk.clone(), "zookeeper"),
                RelationEnd::new(kafka.clone(), "zk-client"),
            )
            .unwrap();
        let created = HookContext::relation(&model, zk.unit(0), RelationHook::Created, id, None).unwrap();
        let env = created.to_env(&model).unwrap();
        assert_eq!(env.dispatch_path, "hooks/zookeeper-relation-created");
        assert_eq!(env.remote_unit, None);
        assert_eq!(env.remote_app.as_ref(), Some(&kafka));
        let vars = env.to_vars();
        let event = Event::from_env(&JujuEnv::from_vars(vars).unwrap()).unwrap();
        assert!(matches!(
            event,
            Event::Relation {
                hook: RelationHook::Created,
                ..
            }
        ));

        let joined = HookContext::relation(&model, kafka.unit(1), RelationHook::Joined, id, Some(zk.unit(0))).unwrap();
        let env = joined.to_env(&model).unwrap();
        assert_eq!(env.dispatch_path, "hooks/zk-client-relation-joined");
        assert_eq!(env.remote_unit, Some(zk.unit(0)));
    }

    #[test]
    fn action_env_has_no_hook_name() {
        let mut model = Model::default();
        let app = model.deploy("zk", CharmMeta::default(), 1).unwrap();
        let ctx = HookContext::action(app.unit(0), "get-password", "7", serde_json::Map::new());
        let env = ctx.to_env(&model).unwrap();
        assert_eq!(env.dispatch_path, "actions/get-password");
        assert_eq!(env.hook_name, None);
        assert_eq!(env.action_tag.as_deref(), Some("action-7"));
    }
}
