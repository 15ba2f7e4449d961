//! From a test [`State`] and [`TestEvent`] to a `juju-rules` [`Model`] and the
//! [`HookContext`] of the hook to run.
//!
//! The test describes one unit's view; Juju's rules need the model around it. So the
//! charm's application gets this unit and its peers, every relation's remote application
//! becomes a stand-in application with the remote units, and each secret gets the owner,
//! revisions, pins and grants that make this unit see exactly what the test described.

use juju_model::meta::StorageMeta;
use juju_model::{AppName, CharmMeta, RelationHook, SecretUri, UnitName};
use juju_rules::{
    App, Consumer, Grant, GrantTarget, HookContext, Model, Notice, Revision, SecretEvent, SecretOwnerRef,
    StorageInstance, Timestamp, Unit,
};

use crate::event::{EventKind, TestEvent};
use crate::relation::{peer_address, remote_address};
use crate::secret::SecretOwnership;
use crate::state::State;

/// The model and the hook, ready for a [`juju_rules::Hook`] session.
#[derive(Debug, Clone)]
pub(crate) struct Built {
    pub(crate) model: Model,
    pub(crate) unit: UnitName,
    pub(crate) hook: HookContext,
}

/// Builds the model for `state` and the hook for `event`; problems are listed.
pub(crate) fn build(meta: &CharmMeta, state: &State, event: &TestEvent) -> Result<Built, Vec<String>> {
    let app_text = state.app_name.clone().unwrap_or_else(|| meta.name.clone());
    let app = AppName::new(&app_text).map_err(|e| vec![e.to_string()])?;
    let unit = app.unit(state.unit_number);
    let mut model = Model::new(state.model.name.clone(), state.model.uuid.clone());
    add_own_app(&mut model, meta, state, &app, &unit);
    add_relations(&mut model, state, &app, &unit).map_err(|e| vec![e])?;
    add_secrets(&mut model, state, &app, &unit).map_err(|e| vec![e])?;
    let hook = hook_for(&mut model, state, event, &app, &unit).map_err(|e| vec![e])?;
    Ok(Built { model, unit, hook })
}

fn add_own_app(model: &mut Model, meta: &CharmMeta, state: &State, app: &AppName, unit: &UnitName) {
    let mut entry = App::new(app.clone(), meta.clone());
    entry.config = state.config.clone();
    entry.status = state.app_status.clone();
    entry.resources = state.resources.clone();
    let mut own = Unit::new(unit.clone(), state.address.clone());
    own.status = state.unit_status.clone();
    own.workload_version = state.workload_version.clone();
    own.state = state.unit_state.clone();
    own.ports = if state.opened_ports.is_empty() {
        Default::default()
    } else {
        [(String::new(), state.opened_ports.clone())].into()
    };
    for storage in &state.storage {
        let declared: Option<&StorageMeta> = meta.storage.get(&storage.name);
        let location = storage
            .location
            .clone()
            .or_else(|| declared.and_then(|d| d.location.clone()))
            .unwrap_or_else(|| format!("/var/lib/juju/storage/{}", storage.id()));
        let kind = declared
            .map(|d| d.kind.clone())
            .unwrap_or_else(|| "filesystem".to_owned());
        own.storage.insert(
            storage.id(),
            StorageInstance {
                id: storage.id(),
                kind,
                location,
            },
        );
        let next = model.next_storage.entry(storage.name.clone()).or_insert(0);
        *next = (*next).max(storage.index + 1);
    }
    entry.units.insert(unit.number(), own);
    for peer in &state.peers {
        for (n, bag) in &peer.peers_data {
            let address = bag.get("ingress-address").cloned().unwrap_or_else(|| peer_address(*n));
            entry
                .units
                .entry(*n)
                .or_insert_with(|| Unit::new(app.unit(*n), address));
        }
    }
    entry.next_unit = entry.units.keys().next_back().map_or(0, |n| n + 1);
    entry.leader = if state.leader {
        Some(unit.clone())
    } else {
        entry.units.values().map(|u| u.name.clone()).find(|u| u != unit)
    };
    model.apps.insert(app.clone(), entry);
}

fn add_relations(model: &mut Model, state: &State, app: &AppName, unit: &UnitName) -> Result<(), String> {
    let peer_units: Vec<UnitName> = model
        .apps
        .get(app)
        .map(|a| a.units.values().map(|u| u.name.clone()).collect())
        .unwrap_or_default();
    for rel in &state.relations {
        let remote = AppName::new(&rel.remote_app).map_err(|e| e.to_string())?;
        let stand_in = model
            .apps
            .entry(remote.clone())
            .or_insert_with(|| App::new(remote.clone(), CharmMeta::default()));
        for (n, bag) in &rel.remote_units_data {
            let address = bag
                .get("ingress-address")
                .cloned()
                .unwrap_or_else(|| remote_address(*n));
            stand_in
                .units
                .entry(*n)
                .or_insert_with(|| Unit::new(remote.unit(*n), address));
        }
        stand_in.next_unit = stand_in.units.keys().next_back().map_or(0, |n| n + 1);
        if stand_in.leader.is_none() {
            stand_in.leader = stand_in.units.values().next().map(|u| u.name.clone());
        }
        let ends = vec![
            juju_rules::RelationEnd::new(app.clone(), rel.endpoint.clone()),
            juju_rules::RelationEnd::new(
                remote.clone(),
                rel.remote_endpoint.clone().unwrap_or_else(|| rel.endpoint.clone()),
            ),
        ];
        let mut relation = juju_rules::Relation::new(rel.id, ends);
        relation.remote_model_uuid = rel.remote_model_uuid.clone();
        relation.app_data.insert(app.clone(), rel.local_app_data.clone());
        relation.app_data.insert(remote.clone(), rel.remote_app_data.clone());
        for member in &peer_units {
            let address = model.unit(member).map(|u| u.address.clone()).unwrap_or_default();
            relation.enter_scope(member, &address);
        }
        relation.unit_data.insert(unit.clone(), rel.local_unit_data.clone());
        for (n, bag) in &rel.remote_units_data {
            relation.members.insert(remote.unit(*n));
            relation.unit_data.insert(remote.unit(*n), bag.clone());
        }
        model
            .insert_relation(relation)
            .map_err(|e| format!("relation {}: {e}", rel.id))?;
    }
    for peer in &state.peers {
        let mut relation = juju_rules::Relation::new(
            peer.id,
            vec![juju_rules::RelationEnd::new(app.clone(), peer.endpoint.clone())],
        );
        relation.app_data.insert(app.clone(), peer.local_app_data.clone());
        relation.members.insert(unit.clone());
        relation.unit_data.insert(unit.clone(), peer.local_unit_data.clone());
        for (n, bag) in &peer.peers_data {
            relation.members.insert(app.unit(*n));
            relation.unit_data.insert(app.unit(*n), bag.clone());
        }
        model
            .insert_relation(relation)
            .map_err(|e| format!("peer relation {}: {e}", peer.id))?;
    }
    Ok(())
}

fn add_secrets(model: &mut Model, state: &State, app: &AppName, unit: &UnitName) -> Result<(), String> {
    for secret in &state.secrets {
        let uri = SecretUri::new(secret.uri()).map_err(|e| e.to_string())?;
        let owner = match &secret.owner {
            SecretOwnership::App => SecretOwnerRef::App(app.clone()),
            SecretOwnership::Unit => SecretOwnerRef::Unit(unit.clone()),
            SecretOwnership::User => SecretOwnerRef::Model,
            SecretOwnership::Granted { app: owner, .. } => {
                SecretOwnerRef::App(AppName::new(owner).map_err(|e| e.to_string())?)
            }
        };
        let mut record = juju_rules::Secret::new(uri, owner, secret.tracked_content.clone(), model.now);
        if let Some(latest) = &secret.latest_content {
            record.revisions.insert(
                2,
                Revision {
                    content: latest.clone(),
                    created: model.now,
                    expire: None,
                },
            );
            record.last_revision = 2;
        }
        let mut consumer = Consumer {
            revision: 1,
            label: None,
        };
        if secret.is_owned() {
            record.label = secret.label.clone();
        } else {
            consumer.label = secret.label.clone();
        }
        record.consumers.insert(unit.clone(), consumer);
        record.description = secret.description.clone();
        if let Some(expire) = secret.expire.as_deref().and_then(Timestamp::parse_rfc3339) {
            if let Some(latest) = record.revisions.values_mut().next_back() {
                latest.expire = Some(expire);
            }
        }
        if let Some(policy) = secret.rotate {
            record.set_rotate(policy, model.now);
        }
        match &secret.owner {
            SecretOwnership::User => {
                record.grants.insert(Grant {
                    relation: None,
                    target: GrantTarget::App(app.clone()),
                });
            }
            SecretOwnership::Granted { relation, .. } => {
                record.grants.insert(Grant {
                    relation: Some(*relation),
                    target: GrantTarget::App(app.clone()),
                });
            }
            SecretOwnership::App | SecretOwnership::Unit => {}
        }
        for (relation, targets) in &secret.remote_grants {
            for target in targets {
                let target = if target.contains('/') {
                    GrantTarget::Unit(UnitName::new(target).map_err(|e| e.to_string())?)
                } else {
                    GrantTarget::App(AppName::new(target).map_err(|e| e.to_string())?)
                };
                record.grants.insert(Grant {
                    relation: Some(*relation),
                    target,
                });
            }
        }
        model.secrets.insert(secret.id.clone(), record);
    }
    Ok(())
}

fn hook_for(
    model: &mut Model,
    state: &State,
    event: &TestEvent,
    app: &AppName,
    unit: &UnitName,
) -> Result<HookContext, String> {
    let unit = unit.clone();
    Ok(match &event.kind {
        EventKind::Plain(name) => HookContext::hook(unit, name.clone()),
        EventKind::Relation {
            hook,
            relation,
            peer,
            remote_unit,
            departing_self,
            ..
        } => {
            let remote_app = if *peer {
                app.clone()
            } else {
                let rel = state
                    .relation_by_id(*relation)
                    .ok_or_else(|| format!("relation {relation} is not in the state"))?;
                AppName::new(&rel.remote_app).map_err(|e| e.to_string())?
            };
            let remote = remote_unit.map(|n| remote_app.unit(n));
            let mut ctx = HookContext::relation(model, unit.clone(), *hook, *relation, remote.clone())
                .map_err(|e| e.to_string())?;
            if let Some(rel) = model.relations.get_mut(relation) {
                match hook {
                    // The departing unit has left the relation's scope when the hook runs; its
                    // bag stays readable.
                    RelationHook::Departed => {
                        let departing = if *departing_self {
                            Some(unit.clone())
                        } else {
                            remote.clone()
                        };
                        if let Some(departing) = departing {
                            if departing != unit {
                                rel.leave_scope(&departing);
                            }
                            ctx = ctx.with_departing(departing);
                        }
                    }
                    // On relation-broken every remote unit has departed.
                    RelationHook::Broken => {
                        let remotes = rel.remote_members(&unit);
                        for remote in remotes {
                            rel.leave_scope(&remote);
                        }
                    }
                    _ => {}
                }
            }
            ctx
        }
        EventKind::PebbleReady { container } => HookContext::pebble(unit, container, "pebble-ready"),
        EventKind::PebbleCustomNotice { container, key, id } => {
            let mut ctx = HookContext::pebble(unit, container, "pebble-custom-notice");
            ctx.notice = Some(Notice {
                id: id.clone(),
                kind: "custom".to_owned(),
                key: key.clone(),
            });
            ctx
        }
        EventKind::PebbleCheck {
            container,
            check,
            failed,
        } => {
            let suffix = if *failed {
                "pebble-check-failed"
            } else {
                "pebble-check-recovered"
            };
            let mut ctx = HookContext::pebble(unit, container, suffix);
            ctx.check = Some(check.clone());
            ctx
        }
        EventKind::Secret { id, revision, .. } => {
            let secret = model
                .secrets
                .get(id)
                .ok_or_else(|| format!("secret {id} is not in the state"))?;
            let mut ctx = HookContext::hook(unit.clone(), event.hook_name());
            ctx.secret = Some(SecretEvent {
                uri: secret.uri.clone(),
                label: secret.label_for(&unit).map(str::to_owned),
                revision: *revision,
            });
            ctx
        }
        EventKind::Storage { id, .. } => {
            let mut ctx = HookContext::hook(unit, event.hook_name());
            ctx.storage = Some(id.clone());
            ctx
        }
        EventKind::Action { name, params, id } => HookContext::action(unit, name.clone(), id.clone(), params.clone()),
    })
}
