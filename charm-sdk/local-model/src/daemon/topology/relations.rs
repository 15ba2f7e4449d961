//! `integrate` and `remove-relation`: endpoint matching by interface, as Juju does.

use juju_model::meta::EndpointRole;
use juju_model::{AppName, CharmMeta, RelationId, UnitName};
use juju_rules::{order, RelationEnd};
use serde_json::{json, Value};

use super::app_name;
use crate::daemon::hooks::enqueue;
use crate::daemon::state::{Controller, Item};
use crate::error::{Error, Result};

/// Parses `app[:endpoint]`.
pub(super) fn end_spec(text: &str) -> Result<(AppName, Option<String>)> {
    match text.split_once(':') {
        Some((app, ep)) => Ok((app_name(app)?, Some(ep.to_owned()))),
        None => Ok((app_name(text)?, None)),
    }
}

/// The endpoint pairs two specs can mean, as Juju matches them: provides to requires
/// with the same interface.
pub(super) fn candidates(ctl: &Controller, a: &str, b: &str) -> Result<Vec<(RelationEnd, RelationEnd, String)>> {
    let (app_a, ep_a) = end_spec(a)?;
    let (app_b, ep_b) = end_spec(b)?;
    let meta_a = &ctl.model.app(&app_a)?.meta;
    let meta_b = &ctl.model.app(&app_b)?.meta;
    let endpoints = |meta: &CharmMeta, wanted: &Option<String>| -> Vec<(String, EndpointRole, String)> {
        let mut out = Vec::new();
        for (role, map) in [
            (EndpointRole::Provides, &meta.provides),
            (EndpointRole::Requires, &meta.requires),
        ] {
            for (name, ep) in map {
                if wanted.as_ref().is_none_or(|w| w == name) {
                    out.push((name.clone(), role, ep.interface.clone()));
                }
            }
        }
        out
    };
    let mut out = Vec::new();
    for (name_a, role_a, iface_a) in endpoints(meta_a, &ep_a) {
        for (name_b, role_b, iface_b) in endpoints(meta_b, &ep_b) {
            if iface_a == iface_b && role_a != role_b {
                out.push((
                    RelationEnd::new(app_a.clone(), name_a.clone()),
                    RelationEnd::new(app_b.clone(), name_b),
                    iface_a.clone(),
                ));
            }
        }
    }
    Ok(out)
}

pub(super) fn key_of(a: &RelationEnd, b: &RelationEnd) -> String {
    let mut ends = [format!("{}:{}", a.app, a.endpoint), format!("{}:{}", b.app, b.endpoint)];
    ends.sort();
    ends.join(" ")
}

/// `integrate` (`relate`).
pub(crate) fn integrate(ctl: &mut Controller, a: &str, b: &str) -> Result<Value> {
    let found = candidates(ctl, a, b)?;
    let (end_a, end_b, _) = match found.len() {
        0 => return Err(Error::refused(format!("no relations found between {a:?} and {b:?}"))),
        1 => found
            .into_iter()
            .next()
            .ok_or_else(|| Error::refused("no relations found"))?,
        _ => {
            let options: Vec<String> = found.iter().map(|(x, y, _)| format!("{:?}", key_of(x, y))).collect();
            return Err(Error::refused(format!(
                "ambiguous relation: \"{a} {b}\" could refer to {}",
                options.join("; ")
            )));
        }
    };
    let key = key_of(&end_a, &end_b);
    if ctl
        .model
        .relations
        .values()
        .any(|r| r.key() == key && !ctl.dying_relations.contains_key(&r.id))
    {
        return Err(Error::refused(format!(
            "cannot add relation \"{key}\": relation {key} already exists"
        )));
    }
    for end in [&end_a, &end_b] {
        if ctl.apps.get(&end.app).is_some_and(|a| a.dying) {
            return Err(Error::refused(format!(
                "application {:?} is being removed",
                end.app.as_str()
            )));
        }
    }
    let id = ctl.model.relate(end_a, end_b)?;
    // Units on their way out do not join.
    let dying: Vec<UnitName> = ctl
        .units
        .iter()
        .filter(|(_, r)| r.dying)
        .map(|(u, _)| u.clone())
        .collect();
    if let Some(rel) = ctl.model.relations.get_mut(&id) {
        for unit in &dying {
            rel.leave_scope(unit);
        }
    }
    for hook in order::relate(&ctl.model, id)? {
        enqueue(ctl, hook);
    }
    Ok(json!({ "relation": key, "id": id.0 }))
}

/// `remove-relation`.
pub(crate) fn remove_relation(ctl: &mut Controller, a: &str, b: &str) -> Result<Value> {
    let (app_a, ep_a) = end_spec(a)?;
    let (app_b, ep_b) = end_spec(b)?;
    let matches = |end: &RelationEnd, app: &AppName, ep: &Option<String>| {
        end.app == *app && ep.as_ref().is_none_or(|e| *e == end.endpoint)
    };
    let found: Vec<RelationId> = ctl
        .model
        .relations
        .values()
        .filter(|r| !r.is_peer() && !ctl.dying_relations.contains_key(&r.id))
        .filter(|r| {
            let [x, y] = [&r.ends[0], &r.ends[r.ends.len() - 1]];
            (matches(x, &app_a, &ep_a) && matches(y, &app_b, &ep_b))
                || (matches(y, &app_a, &ep_a) && matches(x, &app_b, &ep_b))
        })
        .map(|r| r.id)
        .collect();
    let id = match found.as_slice() {
        [id] => *id,
        [] => return Err(Error::refused(format!("relation \"{a} {b}\" not found"))),
        _ => {
            return Err(Error::refused(format!(
                "ambiguous relation \"{a} {b}\": name the endpoints"
            )))
        }
    };
    unrelate(ctl, id)?;
    Ok(json!({ "id": id.0 }))
}

/// Starts removing relation `id`: departed and broken hooks, then it leaves the model.
pub(super) fn unrelate(ctl: &mut Controller, id: RelationId) -> Result<()> {
    let hooks = order::unrelate(&ctl.model, id)?;
    let members: Vec<UnitName> = ctl
        .model
        .relations
        .get(&id)
        .map(|r| r.members.iter().cloned().collect())
        .unwrap_or_default();
    if let Some(rel) = ctl.model.relations.get_mut(&id) {
        rel.members.clear();
    }
    // relation-changed is not fired for a relation being removed.
    for rt in ctl.units.values_mut() {
        rt.queue.retain(
            |item| !matches!(item, Item::Hook(h) if h.relation == Some(id) && h.name.ends_with("-relation-changed")),
        );
    }
    for hook in hooks {
        enqueue(ctl, hook);
    }
    let mut left = 0;
    for unit in &members {
        if let Some(rt) = ctl.units.get_mut(unit) {
            rt.queue.push_back(Item::LeaveRelation(id));
            left += 1;
        }
    }
    if left == 0 {
        let _ = ctl.model.unrelate(id);
    } else {
        ctl.dying_relations.insert(id, left);
    }
    Ok(())
}
