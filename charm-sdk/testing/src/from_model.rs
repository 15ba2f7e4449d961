//! From the `juju-rules` [`Model`] after a run back to the test's [`State`].
//!
//! The output keeps the test's own shape: every relation, peer relation and container of
//! the input is still there with the same ids; what the run could change is read back
//! from the model — this unit's and this application's bags, statuses, workload version,
//! unit state, opened ports, storage, and the secrets this unit owns or reads (new ones
//! created by the charm included, removed ones gone).

use std::collections::{BTreeMap, BTreeSet};

use juju_model::UnitName;
use juju_rules::{GrantTarget, Model, SecretOwnerRef};

use crate::secret::{Secret, SecretOwnership};
use crate::state::State;
use crate::workload::Storage;

/// The state after the run, from `model` as `unit` sees it.
pub(crate) fn harvest(input: &State, model: &Model, unit: &UnitName) -> State {
    let mut out = input.clone();
    let app = unit.app();
    if let Some(entry) = model.apps.get(app) {
        out.app_status = entry.status.clone();
    }
    if let Ok(own) = model.unit(unit) {
        out.unit_status = own.status.clone();
        out.workload_version = own.workload_version.clone();
        out.unit_state = own.state.clone();
        out.opened_ports = own.opened_ports().into_iter().collect();
        out.storage = own
            .storage
            .values()
            .map(|s| {
                let index = s.id.rsplit_once('/').and_then(|(_, n)| n.parse().ok()).unwrap_or(0);
                let before = input.storage.iter().find(|x| x.id() == s.id);
                Storage {
                    name: s.name().to_owned(),
                    index,
                    location: before.map_or_else(|| Some(s.location.clone()), |b| b.location.clone()),
                }
            })
            .collect();
    }
    for rel in &mut out.relations {
        if let Some(stored) = model.relations.get(&rel.id) {
            rel.local_app_data = stored.app_data.get(app).cloned().unwrap_or_default();
            rel.local_unit_data = stored.unit_data.get(unit).cloned().unwrap_or_default();
        }
    }
    for peer in &mut out.peers {
        if let Some(stored) = model.relations.get(&peer.id) {
            peer.local_app_data = stored.app_data.get(app).cloned().unwrap_or_default();
            peer.local_unit_data = stored.unit_data.get(unit).cloned().unwrap_or_default();
        }
    }
    out.secrets = harvest_secrets(input, model, unit);
    out
}

fn harvest_secrets(input: &State, model: &Model, unit: &UnitName) -> Vec<Secret> {
    let mut out = Vec::new();
    for stored in model.secrets.values() {
        let owned = match &stored.owner {
            SecretOwnerRef::App(app) => app == unit.app(),
            SecretOwnerRef::Unit(owner) => owner == unit,
            SecretOwnerRef::Model => false,
        };
        let before = input.secrets.iter().find(|s| s.id == stored.id());
        if !owned && before.is_none() {
            continue;
        }
        let latest = stored.latest().unwrap_or(0);
        let pinned = stored.consumers.get(unit).map_or(latest, |c| c.revision);
        let content_of = |rev: u64| {
            stored
                .revisions
                .get(&rev)
                .map(|r| r.content.clone())
                .unwrap_or_default()
        };
        let tracked = content_of(pinned);
        let newest = content_of(latest);
        let mut secret = before
            .cloned()
            .unwrap_or_else(|| Secret::new(Vec::<(String, String)>::new()).id(stored.id()));
        secret.owner = match (&stored.owner, before.map(|b| &b.owner)) {
            (SecretOwnerRef::App(_), _) if owned => SecretOwnership::App,
            (SecretOwnerRef::Unit(_), _) => SecretOwnership::Unit,
            (_, Some(previous)) => previous.clone(),
            (_, None) => SecretOwnership::User,
        };
        secret.latest_content = (pinned != latest).then_some(newest);
        secret.tracked_content = tracked;
        if owned {
            secret.label = stored.label.clone();
            secret.description = stored.description.clone();
            secret.rotate = stored.rotate;
            secret.expire = stored
                .revisions
                .values()
                .next_back()
                .and_then(|r| r.expire)
                .map(|t| t.to_rfc3339());
            let mut grants: BTreeMap<juju_model::RelationId, BTreeSet<String>> = BTreeMap::new();
            for grant in &stored.grants {
                if let Some(relation) = grant.relation {
                    let target = match &grant.target {
                        GrantTarget::App(app) => app.to_string(),
                        GrantTarget::Unit(u) => u.to_string(),
                    };
                    grants.entry(relation).or_default().insert(target);
                }
            }
            secret.remote_grants = grants;
        } else {
            secret.label = stored.consumers.get(unit).and_then(|c| c.label.clone());
        }
        out.push(secret);
    }
    // Keep the input's order, new secrets after.
    out.sort_by_key(|s| input.secrets.iter().position(|i| i.id == s.id).unwrap_or(usize::MAX));
    out
}
