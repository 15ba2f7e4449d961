//! The consistency checker: refuses states and events Juju could never produce.
//!
//! A test that passes against an impossible state proves nothing, so before running,
//! every problem is collected (not just the first) and reported with what was expected:
//! undeclared or mistyped config, relations on undeclared endpoints or of the wrong kind,
//! duplicate relation ids, events about relations, containers, secrets or storage that are
//! not in the state, undeclared actions or bad parameters, remote units that are not in
//! the relation (ops-scenario's `check_consistency`, stricter where Juju is).

use std::collections::{BTreeMap, BTreeSet};

use juju_model::meta::OptionType;
use juju_model::{AppName, CharmMeta, EndpointRole, RelationHook, SecretHook, SecretUri};

use crate::event::{EventKind, TestEvent};
use crate::secret::SecretOwnership;
use crate::state::State;

/// Checks `state` and `event` against `meta`; `Err` lists every problem found.
pub fn check_consistency(meta: &CharmMeta, state: &State, event: &TestEvent) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    check_identity(meta, state, &mut errors);
    check_config(meta, state, &mut errors);
    check_relations(meta, state, &mut errors);
    check_secrets(state, &mut errors);
    check_workloads(meta, state, &mut errors);
    check_event(meta, state, event, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn declared<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = names.map(String::as_str).collect();
    if list.is_empty() {
        "none declared".to_owned()
    } else {
        format!("declared: {}", list.join(", "))
    }
}

fn app_name(meta: &CharmMeta, state: &State) -> String {
    state.app_name.clone().unwrap_or_else(|| meta.name.clone())
}

fn check_identity(meta: &CharmMeta, state: &State, errors: &mut Vec<String>) {
    let app = app_name(meta, state);
    if AppName::new(&app).is_err() {
        errors.push(format!(
            "application name {app:?} is not a valid Juju application name (lowercase letters, digits and hyphens)"
        ));
    }
    for (key, value) in &state.unit_state {
        if let Err(err) = juju_rules::limits::check_state_entry(key, value) {
            errors.push(format!("unit state entry {key:?}: {}", err.explain()));
        }
    }
}

fn check_config(meta: &CharmMeta, state: &State, errors: &mut Vec<String>) {
    for (key, value) in &state.config {
        let Some(option) = meta.config.options.get(key) else {
            errors.push(format!(
                "config option {key:?} is not declared in charmcraft.yaml ({})",
                declared(meta.config.options.keys())
            ));
            continue;
        };
        if !option.accepts(value) {
            let kind = serde_json::to_value(option.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            errors.push(format!(
                "config option {key:?} has type {} in charmcraft.yaml, but the state sets {value}",
                kind.unwrap_or_else(|| "?".to_owned())
            ));
        } else if option.kind == OptionType::Secret {
            let uri = value.as_str().map(SecretUri::new);
            if !matches!(uri, Some(Ok(_))) {
                errors.push(format!(
                    "config option {key:?} is a secret option; its value must be a secret URI, got {value}"
                ));
            }
        }
    }
}

fn check_relations(meta: &CharmMeta, state: &State, errors: &mut Vec<String>) {
    let own_app = app_name(meta, state);
    let mut ids: BTreeMap<u32, String> = BTreeMap::new();
    let mut per_endpoint: BTreeMap<&str, u32> = BTreeMap::new();
    let mut claim = |id: u32, endpoint: &str, errors: &mut Vec<String>| {
        if let Some(other) = ids.insert(id, endpoint.to_owned()) {
            errors.push(format!(
                "relation id {id} is used twice (`{other}` and `{endpoint}`); relation ids are unique in a model"
            ));
        }
    };
    for rel in &state.relations {
        claim(rel.id.0, &rel.endpoint, errors);
        *per_endpoint.entry(&rel.endpoint).or_default() += 1;
        match meta.endpoint(&rel.endpoint) {
            None => errors.push(format!(
                "relation endpoint {:?} is not declared in charmcraft.yaml (provides/requires {})",
                rel.endpoint,
                declared(meta.provides.keys().chain(meta.requires.keys()))
            )),
            Some((EndpointRole::Peer, _)) => errors.push(format!(
                "endpoint {:?} is a peer endpoint; use PeerRelation::new({:?}) instead of Relation",
                rel.endpoint, rel.endpoint
            )),
            Some((_, endpoint)) => {
                if let Some(interface) = &rel.interface {
                    if *interface != endpoint.interface {
                        errors.push(format!(
                            "relation on {:?} says interface {interface:?}, but charmcraft.yaml declares {:?}",
                            rel.endpoint, endpoint.interface
                        ));
                    }
                }
            }
        }
        if AppName::new(&rel.remote_app).is_err() {
            errors.push(format!(
                "remote application name {:?} is not a valid Juju application name",
                rel.remote_app
            ));
        } else if rel.remote_app == own_app {
            errors.push(format!(
                "relation {} on {:?} has this charm's own application {own_app:?} as its remote side; an \
                 application relates to itself only through peer endpoints",
                rel.id, rel.endpoint
            ));
        }
    }
    for peer in &state.peers {
        claim(peer.id.0, &peer.endpoint, errors);
        match meta.endpoint(&peer.endpoint) {
            Some((EndpointRole::Peer, _)) => {}
            Some(_) => errors.push(format!(
                "endpoint {:?} is not a peer endpoint; use Relation::new({:?}) instead of PeerRelation",
                peer.endpoint, peer.endpoint
            )),
            None => errors.push(format!(
                "peer endpoint {:?} is not declared in charmcraft.yaml (peers {})",
                peer.endpoint,
                declared(meta.peers.keys())
            )),
        }
        if peer.peers_data.contains_key(&state.unit_number) {
            errors.push(format!(
                "peer relation {:?} lists unit number {} as a peer, but that is this unit",
                peer.endpoint, state.unit_number
            ));
        }
    }
    for (endpoint, count) in per_endpoint {
        if let Some(limit) = meta.endpoint(endpoint).and_then(|(_, e)| e.limit) {
            if count > limit {
                errors.push(format!(
                    "endpoint {endpoint:?} has limit {limit} in charmcraft.yaml, but the state has {count} relations on it"
                ));
            }
        }
    }
}

fn check_secrets(state: &State, errors: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    let mut labels = BTreeSet::new();
    for secret in &state.secrets {
        if !seen.insert(secret.id.as_str()) {
            errors.push(format!("secret id {:?} appears twice in the state", secret.id));
        }
        if SecretUri::new(secret.uri()).is_err() {
            errors.push(format!(
                "secret id {:?} is not a valid secret id (letters and digits)",
                secret.id
            ));
        }
        if let Some(label) = &secret.label {
            if !labels.insert(label.as_str()) {
                errors.push(format!("two secrets in the state have the label {label:?}"));
            }
        }
        if let SecretOwnership::Granted { relation, .. } = &secret.owner {
            if state.relation_by_id(*relation).is_none() {
                errors.push(format!(
                    "secret {} is granted over relation {relation}, which is not in the state",
                    secret.id
                ));
            }
        }
        for relation in secret.remote_grants.keys() {
            if state.relation_by_id(*relation).is_none() && !state.peers.iter().any(|p| p.id == *relation) {
                errors.push(format!(
                    "secret {} has a grant on relation {relation}, which is not in the state",
                    secret.id
                ));
            }
        }
        if !secret.is_owned() && !secret.remote_grants.is_empty() {
            errors.push(format!(
                "secret {} has grants but is not owned by this charm; only owners grant",
                secret.id
            ));
        }
        if let Some(expire) = &secret.expire {
            if juju_rules::Timestamp::parse_rfc3339(expire).is_none() {
                errors.push(format!(
                    "secret {} expiry {expire:?} is not an RFC 3339 time",
                    secret.id
                ));
            }
        }
        if let Err(err) = juju_rules::limits::check_secret_content(&secret.tracked_content, &Default::default()) {
            errors.push(format!("secret {} content: {}", secret.id, err.explain()));
        }
    }
}

fn check_workloads(meta: &CharmMeta, state: &State, errors: &mut Vec<String>) {
    let mut names = BTreeSet::new();
    for container in &state.containers {
        if !names.insert(container.name.as_str()) {
            errors.push(format!("container {:?} appears twice in the state", container.name));
        }
        if !meta.containers.contains_key(&container.name) {
            errors.push(format!(
                "container {:?} is not declared in charmcraft.yaml ({})",
                container.name,
                declared(meta.containers.keys())
            ));
        }
    }
    let mut ids = BTreeSet::new();
    for storage in &state.storage {
        if !ids.insert(storage.id()) {
            errors.push(format!("storage {} appears twice in the state", storage.id()));
        }
        if !meta.storage.contains_key(&storage.name) {
            errors.push(format!(
                "storage {:?} is not declared in charmcraft.yaml ({})",
                storage.name,
                declared(meta.storage.keys())
            ));
        }
    }
}

fn check_event(meta: &CharmMeta, state: &State, event: &TestEvent, errors: &mut Vec<String>) {
    let name = event.hook_name();
    match &event.kind {
        EventKind::Plain(hook) => {
            if hook == "leader-elected" && !state.leader {
                errors.push("leader-elected fires only on the new leader; set State::leader(true)".to_owned());
            }
        }
        EventKind::Relation { relation, peer, remote_unit, hook, departing_self, .. } => {
            let remote_units = if *peer {
                state.peers.iter().find(|p| p.id == *relation).map(|p| p.peers_data.keys().copied().collect::<Vec<_>>())
            } else {
                state.relation_by_id(*relation).map(|r| r.remote_units_data.keys().copied().collect())
            };
            let Some(remote_units) = remote_units else {
                let how = if *peer { "State::peer(...)" } else { "State::relation(...)" };
                errors.push(format!("event {name} is about relation {relation}, which is not in the state; add it with {how}"));
                return;
            };
            if let Some(n) = remote_unit {
                if !remote_units.contains(n) {
                    let app = if *peer {
                        app_name(meta, state)
                    } else {
                        state.relation_by_id(*relation).map(|r| r.remote_app.clone()).unwrap_or_default()
                    };
                    errors.push(format!(
                        "event {name} names remote unit {app}/{n}, which is not in relation {relation} (its units: {remote_units:?})"
                    ));
                }
            }
            if matches!(hook, RelationHook::Created | RelationHook::Broken) && remote_unit.is_some() {
                errors.push(format!("event {name} cannot have a remote unit: Juju leaves JUJU_REMOTE_UNIT empty there"));
            }
            if *departing_self && *hook != RelationHook::Departed {
                errors.push(format!("event {name}: only relation-departed has a departing unit"));
            }
        }
        EventKind::PebbleReady { container }
        | EventKind::PebbleCustomNotice { container, .. }
        | EventKind::PebbleCheck { container, .. } => match state.get_container(container) {
            None => errors.push(format!(
                "event {name} is about container {container:?}, which is not in the state; add State::container(Container::new({container:?}))"
            )),
            Some(c) if !c.state.can_connect => errors.push(format!(
                "event {name}: container {container:?} cannot connect, but Juju fires Pebble events only when Pebble answers; use .can_connect(true)"
            )),
            Some(_) => {}
        },
        EventKind::Secret { hook, id, .. } => match state.get_secret(id) {
            None => errors.push(format!("event {name} is about secret {id}, which is not in the state")),
            Some(secret) => {
                if *hook == SecretHook::Changed && secret.is_owned() {
                    errors.push(format!("secret-changed goes to units that read secret {id}, never to its owner"));
                }
                if *hook != SecretHook::Changed && !secret.is_owned() {
                    errors.push(format!("{name} goes to the owner of secret {id}, and this charm does not own it"));
                }
                if *hook != SecretHook::Changed && secret.owner == SecretOwnership::App && !state.leader {
                    errors.push(format!("{name} for an application-owned secret goes to the leader; set State::leader(true)"));
                }
            }
        },
        EventKind::Storage { id, name: storage, .. } => {
            if !state.storage.iter().any(|s| s.id() == *id) {
                errors.push(format!("event {name} is about storage {id}, which is not in the state; add State::storage(Storage::new({storage:?}))"));
            }
        }
        EventKind::Action { name: action, params, .. } => match meta.actions.get(action) {
            None => errors.push(format!(
                "action {action:?} is not declared in charmcraft.yaml ({})",
                declared(meta.actions.keys())
            )),
            Some(declared_action) => {
                if let Err(problem) = declared_action.check_params(&declared_action.with_defaults(params)) {
                    errors.push(format!("action {action:?}: {problem}"));
                }
            }
        },
    }
}
