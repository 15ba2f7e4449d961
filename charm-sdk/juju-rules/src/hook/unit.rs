//! Unit and application hook tools: config, leadership, status, version, logging, unit
//! state, ports, network, storage, goal state, resources, credentials.
//!
//! Status, workload version and logs are immediate (Juju sends them straight to the
//! controller); state, ports and storage-add are buffered until commit.

use std::collections::BTreeMap;

use juju_model::tools::{
    Address, AppStatusInfo, BindAddress, GoalState, GoalStatus, LogLevel, Network, Port, StatusInfo, StorageInfo,
};
use juju_model::{RelationId, Status, StatusKind};
use serde_json::Value;

use super::Hook;
use crate::access;
use crate::error::{RuleError, RuleErrorKind, RuleResult};
use crate::limits::check_state_entry;
use crate::model::Model;
use crate::pending::Op;

impl Hook {
    /// `config-get --all`: every declared option (unset ones `null`).
    pub fn config_get(&self, model: &Model) -> RuleResult<serde_json::Map<String, Value>> {
        Ok(model.app(self.ctx.unit.app())?.effective_config())
    }

    /// `is-leader`.
    pub fn is_leader(&self, model: &Model) -> bool {
        model.is_leader(&self.ctx.unit)
    }

    /// `status-set [--application] <status> [message]`, applied at once. Only
    /// maintenance, blocked, waiting and active are settable; `--application` needs
    /// leadership.
    pub fn status_set(&mut self, model: &mut Model, application: bool, status: &str, message: &str) -> RuleResult<()> {
        let kind = StatusKind::parse(status).filter(|k| k.settable()).ok_or_else(|| {
            RuleError::invalid(format!(
                "invalid status {status:?}, expected one of [maintenance blocked waiting active]"
            ))
        })?;
        let status = Status {
            kind,
            message: message.to_owned(),
        };
        let unit = self.ctx.unit.clone();
        if application {
            if !model.is_leader(&unit) {
                return Err(RuleError::not_leader().with_explain(format!(
                    "unit {unit} is not leader: only the leader may set the application status; \
                     check ctx.leader() first"
                )));
            }
            model.app_mut(unit.app())?.status = status.clone();
            self.effects.app_statuses.push(status);
        } else {
            model.unit_mut(&unit)?.status = status.clone();
            self.effects.unit_statuses.push(status);
        }
        Ok(())
    }

    /// `status-get --include-data` for this unit.
    pub fn status_get(&self, model: &Model) -> RuleResult<StatusInfo> {
        Ok(status_info(&model.unit(&self.ctx.unit)?.status))
    }

    /// `status-get --include-data --application` (leader only).
    pub fn app_status_get(&self, model: &Model) -> RuleResult<AppStatusInfo> {
        if !model.is_leader(&self.ctx.unit) {
            return Err(RuleError::not_leader().with_explain(format!(
                "unit {} is not leader: only the leader may read the application status",
                self.ctx.unit
            )));
        }
        let app = model.app(self.ctx.unit.app())?;
        Ok(AppStatusInfo {
            application: status_info(&app.status),
            units: app
                .units
                .values()
                .map(|u| (u.name.to_string(), status_info(&u.status)))
                .collect(),
        })
    }

    /// `application-version-set <version>`, applied at once.
    pub fn application_version_set(&mut self, model: &mut Model, version: &str) -> RuleResult<()> {
        model.unit_mut(&self.ctx.unit)?.workload_version = version.to_owned();
        self.effects.workload_version = Some(version.to_owned());
        Ok(())
    }

    /// `juju-log -l <level> <message>`: to the model's debug log at once, prefixed with
    /// `<endpoint>:<id>: ` in relation hooks as Juju does.
    pub fn juju_log(&mut self, model: &mut Model, level: LogLevel, message: &str) -> RuleResult<()> {
        let prefix = self
            .ctx
            .relation
            .and_then(|id| {
                let rel = model.relations.get(&id)?;
                Some(format!("{}:{id}: ", rel.end_of(self.ctx.unit.app())?.endpoint))
            })
            .unwrap_or_default();
        model.log.push(crate::model::LogEntry {
            unit: self.ctx.unit.clone(),
            level,
            message: format!("{prefix}{message}"),
        });
        self.effects.logs.push((level, message.to_owned()));
        Ok(())
    }

    /// `state-get`: all unit state, with this hook's pending changes.
    pub fn state_get(&self, model: &Model) -> RuleResult<BTreeMap<String, String>> {
        self.state_view(model)
    }

    /// `state-get <key> [--strict]`: a missing key is `""`, or with `strict` an error
    /// `"<key>" not found`.
    pub fn state_get_key(&self, model: &Model, key: &str, strict: bool) -> RuleResult<String> {
        match self.state_view(model)?.remove(key) {
            Some(value) => Ok(value),
            None if strict => Err(RuleError::not_found(format!("{key:?} not found"))),
            None => Ok(String::new()),
        }
    }

    /// `state-set k=v…`, quota-checked now, applied at commit.
    pub fn state_set(&mut self, values: &BTreeMap<String, String>) -> RuleResult<()> {
        for (key, value) in values {
            check_state_entry(key, value)?;
        }
        self.ops.push(Op::StateSet(values.clone()));
        Ok(())
    }

    /// `state-delete <key>`, at commit.
    pub fn state_delete(&mut self, key: &str) -> RuleResult<()> {
        self.ops.push(Op::StateDelete(key.to_owned()));
        Ok(())
    }

    /// `open-port [--endpoints a,b] <port>`, at commit (no endpoints: all endpoints).
    pub fn open_port(&mut self, port: Port, endpoints: &[String]) -> RuleResult<()> {
        for endpoint in endpoint_list(endpoints) {
            self.ops.push(Op::OpenPort { endpoint, port });
        }
        Ok(())
    }

    /// `close-port [--endpoints a,b] <port>`, at commit.
    pub fn close_port(&mut self, port: Port, endpoints: &[String]) -> RuleResult<()> {
        for endpoint in endpoint_list(endpoints) {
            self.ops.push(Op::ClosePort { endpoint, port });
        }
        Ok(())
    }

    /// `opened-ports`: every port opened on any endpoint, with this hook's changes.
    pub fn opened_ports(&self, model: &Model) -> RuleResult<Vec<Port>> {
        let ports = self.ports_view(model)?;
        let all: std::collections::BTreeSet<Port> = ports.values().flatten().copied().collect();
        Ok(all.into_iter().collect())
    }

    /// `network-get <binding> [-r ID]`: the unit's address for an endpoint or extra
    /// binding of its charm.
    pub fn network_get(&self, model: &Model, binding: &str, relation: Option<RelationId>) -> RuleResult<Network> {
        if let Some(id) = relation {
            access::relation_for(model, &self.ctx.unit, id)?;
        }
        let meta = &model.app(self.ctx.unit.app())?.meta;
        let declares_any = !(meta.provides.is_empty()
            && meta.requires.is_empty()
            && meta.peers.is_empty()
            && meta.extra_bindings.is_empty());
        let known =
            meta.endpoint(binding).is_some() || meta.extra_bindings.contains_key(binding) || binding == "juju-info";
        if declares_any && !known {
            return Err(RuleError::not_valid(format!(
                "binding name {binding:?} not defined by the unit's charm"
            )));
        }
        let address = model.unit(&self.ctx.unit)?.address.clone();
        let cidr = format!(
            "{}.0/24",
            address.rsplit_once('.').map(|(net, _)| net).unwrap_or(&address)
        );
        Ok(Network {
            bind_addresses: vec![BindAddress {
                mac_address: String::new(),
                interface_name: "eth0".to_owned(),
                addresses: vec![Address {
                    hostname: String::new(),
                    value: address.clone(),
                    cidr,
                }],
            }],
            egress_subnets: vec![format!("{address}/32")],
            ingress_addresses: vec![address],
        })
    }

    /// `storage-get [-s <id>]`: the hook's storage when `id` is `None`.
    pub fn storage_get(&self, model: &Model, id: Option<&str>) -> RuleResult<StorageInfo> {
        let id = id
            .map(str::to_owned)
            .or_else(|| self.ctx.storage.clone())
            .ok_or_else(|| RuleError::invalid("no storage instance specified"))?;
        let unit = model.unit(&self.ctx.unit)?;
        let storage = unit
            .storage
            .get(&id)
            .ok_or_else(|| RuleError::not_found(format!("storage instance {id:?} not found")))?;
        Ok(StorageInfo {
            kind: storage.kind.clone(),
            location: storage.location.clone(),
        })
    }

    /// `storage-list [name]`: ids of the unit's storage.
    pub fn storage_list(&self, model: &Model, name: Option<&str>) -> RuleResult<Vec<String>> {
        Ok(model
            .unit(&self.ctx.unit)?
            .storage
            .values()
            .filter(|s| name.is_none_or(|n| s.name() == n))
            .map(|s| s.id.clone())
            .collect())
    }

    /// `storage-add <name>=<count>`, at commit; the storage must be declared.
    pub fn storage_add(&mut self, model: &Model, name: &str, count: u32) -> RuleResult<()> {
        if !model.app(self.ctx.unit.app())?.meta.storage.contains_key(name) {
            return Err(RuleError::not_found(format!("charm storage {name:?} not found")));
        }
        self.ops.push(Op::StorageAdd {
            name: name.to_owned(),
            count,
        });
        Ok(())
    }

    /// `goal-state`: this application's units and, per endpoint, the related
    /// applications and units.
    pub fn goal_state(&self, model: &Model) -> RuleResult<GoalState> {
        let app = model.app(self.ctx.unit.app())?;
        let goal = |kind: StatusKind| GoalStatus {
            status: if kind == StatusKind::Unknown {
                "waiting".to_owned()
            } else {
                kind.as_str().to_owned()
            },
            since: Some(model.now.to_rfc3339()),
        };
        let units = app
            .units
            .values()
            .map(|u| (u.name.to_string(), goal(u.status.kind)))
            .collect();
        let mut relations: BTreeMap<String, BTreeMap<String, GoalStatus>> = BTreeMap::new();
        for rel in model.relations_of(&app.name) {
            let Some(end) = rel.end_of(&app.name) else { continue };
            let entry = relations.entry(end.endpoint.clone()).or_default();
            if let Some(other) = rel.other_app(&app.name) {
                if !rel.is_peer() {
                    entry.insert(
                        other.to_string(),
                        GoalStatus {
                            status: "joined".to_owned(),
                            since: Some(model.now.to_rfc3339()),
                        },
                    );
                }
            }
            for member in rel.remote_members(&self.ctx.unit) {
                entry.insert(
                    member.to_string(),
                    GoalStatus {
                        status: "joined".to_owned(),
                        since: Some(model.now.to_rfc3339()),
                    },
                );
            }
        }
        Ok(GoalState { units, relations })
    }

    /// `resource-get <name>`: the local path of a file resource.
    pub fn resource_get(&self, model: &Model, name: &str) -> RuleResult<String> {
        model
            .app(self.ctx.unit.app())?
            .resources
            .get(name)
            .cloned()
            .ok_or_else(|| RuleError::not_found(format!("resource {name:?} not found")))
    }

    /// `credential-get`: not supported on Kubernetes models (Juju 3.x).
    pub fn credential_get(&self) -> RuleResult<Value> {
        Err(RuleError::new(
            RuleErrorKind::NotSupported,
            "credential-get on a \"caas\" model not supported",
        ))
    }
}

fn status_info(status: &Status) -> StatusInfo {
    StatusInfo {
        status: status.kind,
        message: status.message.clone(),
        status_data: BTreeMap::new(),
    }
}

fn endpoint_list(endpoints: &[String]) -> Vec<String> {
    if endpoints.is_empty() {
        vec![String::new()]
    } else {
        endpoints.to_vec()
    }
}
