//! Read-only views of the model for the CLI: status, secrets, show-unit, debug-log,
//! action tasks.

use std::collections::BTreeMap;
use std::time::SystemTime;

use juju_model::meta::EndpointRole;
use juju_model::{Status, StatusKind, UnitName};
use juju_rules::{ActionStatus, JUJU_VERSION};
use serde_json::{json, Value};

use super::state::{rfc3339, Controller, Item};
use crate::error::{Error, Result};
use crate::status::{AppView, ModelView, RelationView, StatusEntry, StatusView, UnitView};

fn entry(status: &Status, since: SystemTime) -> StatusEntry {
    StatusEntry {
        current: status.kind.as_str().to_owned(),
        message: status.message.clone(),
        since: rfc3339(since),
    }
}

/// `status`.
pub(crate) fn status(ctl: &Controller) -> StatusView {
    let now = SystemTime::now();
    let mut applications = BTreeMap::new();
    for (name, app) in &ctl.model.apps {
        let runtime = ctl.apps.get(name);
        let mut units = BTreeMap::new();
        let mut derived: Option<Status> = None;
        let mut version = String::new();
        for unit in app.units.values() {
            let rt = ctl.units.get(&unit.name);
            let workload = match rt.and_then(|r| r.failure.as_ref()) {
                Some(f) => Status {
                    kind: StatusKind::Error,
                    message: format!("hook failed: {:?}", f.hook.name),
                },
                None => unit.status.clone(),
            };
            derived = Some(match derived {
                None => workload.clone(),
                Some(d) => d.most_severe(workload.clone()),
            });
            if !unit.workload_version.is_empty() {
                version = unit.workload_version.clone();
            }
            let (agent, message) = match rt {
                Some(r) if r.running.is_some() => {
                    let name = r.running.as_ref().map(|h| h.name.clone()).unwrap_or_default();
                    ("executing", format!("running {name} hook"))
                }
                Some(r) if r.dying => ("executing", "cleaning up".to_owned()),
                Some(r) if !r.installed => ("allocating", String::new()),
                _ => ("idle", String::new()),
            };
            let since = rt.map(|r| r.since).unwrap_or(now);
            units.insert(
                unit.name.to_string(),
                UnitView {
                    workload_status: entry(&workload, since),
                    juju_status: StatusEntry {
                        current: agent.to_owned(),
                        message,
                        since: rfc3339(since),
                    },
                    leader: app.leader.as_ref() == Some(&unit.name),
                    address: unit.address.clone(),
                    open_ports: unit.opened_ports().iter().map(ToString::to_string).collect(),
                },
            );
        }
        let app_status = if app.status.kind == StatusKind::Unknown {
            derived.unwrap_or_else(Status::unknown)
        } else {
            app.status.clone()
        };
        let mut relations: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for rel in ctl.model.relations_of(name) {
            let Some(end) = rel.end_of(name) else { continue };
            let interface = app
                .meta
                .endpoint(&end.endpoint)
                .map(|(_, e)| e.interface.clone())
                .unwrap_or_default();
            let other = rel.other_app(name).map(ToString::to_string).unwrap_or_default();
            relations.entry(end.endpoint.clone()).or_default().push(json!({
                "related-application": other,
                "interface": interface,
                "scope": "global",
            }));
        }
        applications.insert(
            name.to_string(),
            AppView {
                charm: runtime
                    .map(|r| r.charm_name.clone())
                    .unwrap_or_else(|| app.meta.name.clone()),
                charm_rev: runtime.map(|r| r.revision).unwrap_or(0),
                version,
                scale: app.units.len(),
                application_status: entry(&app_status, now),
                units,
                relations,
                life: if runtime.is_some_and(|r| r.dying) { "dying" } else { "" }.to_owned(),
            },
        );
    }
    let mut relations = Vec::new();
    for rel in ctl.model.relations.values() {
        let describe = |i: usize| -> (String, Option<EndpointRole>, String) {
            let end = &rel.ends[i.min(rel.ends.len() - 1)];
            let found = ctl
                .model
                .apps
                .get(&end.app)
                .and_then(|a| a.meta.endpoint(&end.endpoint).map(|(r, e)| (r, e.interface.clone())));
            (
                format!("{}:{}", end.app, end.endpoint),
                found.as_ref().map(|f| f.0),
                found.map(|f| f.1).unwrap_or_default(),
            )
        };
        let (a, role_a, interface) = describe(0);
        let (b, _, _) = describe(1);
        let (provider, requirer) = if role_a == Some(EndpointRole::Requires) {
            (b, a)
        } else {
            (a, b)
        };
        relations.push(RelationView {
            id: rel.id.0,
            provider,
            requirer,
            interface,
            kind: if rel.is_peer() { "peer" } else { "regular" }.to_owned(),
            dying: ctl.dying_relations.contains_key(&rel.id),
        });
    }
    StatusView {
        model: ModelView {
            name: ctl.model.name.clone(),
            uuid: ctl.model.uuid.clone(),
            kind: "caas".to_owned(),
            version: JUJU_VERSION.to_owned(),
            directory: ctl.layout.dir.to_string_lossy().into_owned(),
        },
        applications,
        relations,
    }
}

/// `secrets`.
pub(crate) fn secrets(ctl: &Controller) -> Value {
    let mut out = serde_json::Map::new();
    for (id, secret) in &ctl.model.secrets {
        let owner = match &secret.owner {
            juju_rules::SecretOwnerRef::App(app) => app.to_string(),
            juju_rules::SecretOwnerRef::Unit(unit) => unit.to_string(),
            juju_rules::SecretOwnerRef::Model => "<model>".to_owned(),
        };
        let consumers: serde_json::Map<String, Value> = secret
            .consumers
            .iter()
            .map(|(unit, c)| (unit.to_string(), json!({"revision": c.revision, "label": c.label})))
            .collect();
        out.insert(
            id.clone(),
            json!({
                "uri": secret.uri.to_string(),
                "owner": owner,
                "revision": secret.latest().unwrap_or(0),
                "label": secret.label,
                "description": secret.description,
                "rotation": secret.rotate.map(|r| r.as_str()),
                "revisions": secret.revisions.keys().collect::<Vec<_>>(),
                "consumers": consumers,
                "access": secret.grants.iter().map(|g| json!({
                    "target": g.target.tag(),
                    "relation": g.relation.map(|r| r.0),
                })).collect::<Vec<_>>(),
            }),
        );
    }
    Value::Object(out)
}

/// `show-unit`: the unit's relation data as `juju show-unit` prints it.
pub(crate) fn show_unit(ctl: &Controller, unit: &str) -> Result<Value> {
    let unit = UnitName::new(unit).map_err(|e| Error::refused(e.to_string()))?;
    let record = ctl.model.unit(&unit)?;
    let app = ctl.model.app(unit.app())?;
    let mut infos = Vec::new();
    for rel in ctl.model.relations_of(unit.app()) {
        let Some(end) = rel.end_of(unit.app()) else { continue };
        let other_app = rel.other_app(unit.app());
        let related_endpoint = rel
            .ends
            .iter()
            .find(|e| Some(&e.app) != Some(unit.app()) || rel.is_peer())
            .map(|e| e.endpoint.clone())
            .unwrap_or_default();
        let app_data = other_app.and_then(|a| rel.app_data.get(a)).cloned().unwrap_or_default();
        let related: serde_json::Map<String, Value> = rel
            .remote_members(&unit)
            .iter()
            .map(|u| {
                (
                    u.to_string(),
                    json!({"in-scope": true, "data": rel.unit_data.get(u).cloned().unwrap_or_default()}),
                )
            })
            .collect();
        infos.push(json!({
            "relation-id": rel.id.0,
            "endpoint": end.endpoint,
            "related-endpoint": related_endpoint,
            "application-data": app_data,
            "local-unit": {
                "in-scope": rel.members.contains(&unit),
                "data": rel.unit_data.get(&unit).cloned().unwrap_or_default(),
            },
            "related-units": related,
        }));
    }
    let runtime = ctl.apps.get(unit.app());
    Ok(json!({
        unit.to_string(): {
            "workload-version": record.workload_version,
            "opened-ports": record.opened_ports().iter().map(ToString::to_string).collect::<Vec<_>>(),
            "charm": format!("local:{}-{}", app.meta.name, runtime.map(|r| r.revision).unwrap_or(0)),
            "leader": ctl.model.is_leader(&unit),
            "life": if ctl.units.get(&unit).is_some_and(|r| r.dying) { "dying" } else { "alive" },
            "relation-info": infos,
            "provider-id": unit.pod_name(),
            "address": record.address,
        }
    }))
}

/// Dotted action-set keys as nested objects.
fn nest(results: &BTreeMap<String, String>) -> Value {
    fn put(node: &mut serde_json::Map<String, Value>, parts: &[&str], value: &str) {
        match parts {
            [] => {}
            [last] => {
                node.insert((*last).to_owned(), Value::String(value.to_owned()));
            }
            [first, rest @ ..] => {
                let child = node
                    .entry((*first).to_owned())
                    .or_insert_with(|| Value::Object(serde_json::Map::new()));
                if !child.is_object() {
                    *child = Value::Object(serde_json::Map::new());
                }
                if let Value::Object(map) = child {
                    put(map, rest, value);
                }
            }
        }
    }
    let mut root = serde_json::Map::new();
    for (key, value) in results {
        let parts: Vec<&str> = key.split('.').collect();
        put(&mut root, &parts, value);
    }
    Value::Object(root)
}

/// `Task`: an action's state and results.
pub(crate) fn task(ctl: &Controller, id: &str) -> Result<Value> {
    if let Some(record) = ctl.model.actions.get(id) {
        let output = ctl.action_outputs.get(id).cloned().unwrap_or_default();
        let status = match record.status {
            ActionStatus::Running => "running",
            ActionStatus::Completed => "completed",
            ActionStatus::Failed => "failed",
        };
        let message = record.failed.clone().unwrap_or_default();
        return Ok(json!({
            "id": id,
            "unit": record.unit.to_string(),
            "action": record.name,
            "status": status,
            "message": message,
            "results": nest(&record.results),
            "log": record.logs,
            "code": output.code,
            "stdout": output.stdout,
            "stderr": output.stderr,
        }));
    }
    let queued = ctl.units.iter().find_map(|(unit, rt)| {
        rt.queue.iter().find_map(|item| match item {
            Item::Hook(h) if h.action.as_ref().is_some_and(|a| a.id == id) => Some((unit.clone(), h.name.clone())),
            _ => None,
        })
    });
    match queued {
        Some((unit, name)) => Ok(json!({"id": id, "unit": unit.to_string(), "action": name, "status": "pending"})),
        None => Err(Error::refused(format!("task {id:?} not found"))),
    }
}

/// `debug-log`: lines after `after`, optionally only for some units or applications.
pub(crate) fn debug_log(ctl: &Controller, after: usize, include: &[String]) -> Value {
    let wanted = |entity: &str| {
        include.is_empty()
            || include.iter().any(|inc| {
                let tag = format!("unit-{}", inc.replace('/', "-"));
                entity == tag || entity.starts_with(&format!("{tag}-")) || entity == inc
            })
    };
    let lines: Vec<&super::state::LogLine> = ctl.log.iter().skip(after).filter(|l| wanted(&l.entity)).collect();
    json!({ "next": ctl.log.len(), "lines": lines })
}
