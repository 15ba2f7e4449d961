//! A small in-memory Juju for the TLS interface tests: relations with bags, leadership,
//! owned secrets, logs. Each `run` dispatches `update-status` (a reconcile) for one unit
//! through the real SDK dispatcher, with hook tools answered from this model.
//!
//! It stands in until `charm-testing` has its builders; it models only what these
//! interfaces touch, and answers every other hook tool with an error.

// Test support: a failed setup step is a failed test; not every test uses every helper.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use charm_sdk::backend::{HookToolError, SecretMeta, SecretRead, SecretRef, StatusTarget, ToolErrorKind, ToolResult};
use charm_sdk::pebble::{Pebble, PebbleConnector, PebbleError};
use charm_sdk::{Backend, Charm, Outcome};
use juju_model::tools::{
    AppStatusInfo, BagOwner, GoalState, LogLevel, Network, Port, SecretInfo, SecretOwner, StatusInfo, StorageInfo,
};
use juju_model::{AppName, Databag, JujuEnv, RelationId, SecretUri, Status, UnitName};
use serde_json::Value;

/// One side of a relation.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub(crate) app: String,
    pub(crate) endpoint: String,
    pub(crate) units: Vec<String>,
}

/// A relation between two applications.
#[derive(Debug, Clone)]
pub(crate) struct Rel {
    pub(crate) id: u32,
    pub(crate) a: Side,
    pub(crate) b: Side,
}

/// An owned secret.
#[derive(Debug, Clone)]
pub(crate) struct Secret {
    pub(crate) id: String,
    /// `unit:<unit>` or `app:<app>`.
    pub(crate) owner: String,
    pub(crate) label: Option<String>,
    pub(crate) content: BTreeMap<String, String>,
    pub(crate) revision: u64,
    pub(crate) expire: Option<String>,
}

/// The model.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) relations: Vec<Rel>,
    /// `(relation id, "unit/0" | "app:name")` → bag.
    pub(crate) bags: BTreeMap<(u32, String), Databag>,
    pub(crate) secrets: Vec<Secret>,
    /// app → leader unit.
    pub(crate) leaders: BTreeMap<String, String>,
    pub(crate) logs: Vec<String>,
    pub(crate) statuses: BTreeMap<String, Status>,
    pub(crate) unit_state: BTreeMap<String, BTreeMap<String, String>>,
    next_secret: u32,
}

impl Model {
    /// Relates `a_app:a_endpoint` (units `a_units`) with `b_app:b_endpoint`.
    pub(crate) fn relate(&mut self, id: u32, a: (&str, &str, &[&str]), b: (&str, &str, &[&str])) {
        let side = |(app, ep, units): (&str, &str, &[&str])| Side {
            app: app.to_owned(),
            endpoint: ep.to_owned(),
            units: units.iter().map(|u| (*u).to_owned()).collect(),
        };
        self.relations.push(Rel {
            id,
            a: side(a),
            b: side(b),
        });
        for (app, _, units) in [a, b] {
            if let Some(first) = units.first() {
                self.leaders
                    .entry(app.to_owned())
                    .or_insert_with(|| (*first).to_owned());
            }
        }
    }

    /// Removes a relation and its bags.
    pub(crate) fn unrelate(&mut self, id: u32) {
        self.relations.retain(|r| r.id != id);
        self.bags.retain(|(rid, _), _| *rid != id);
    }

    /// The bag of `owner` (`"kafka/0"` or `"app:kafka"`) on relation `id`.
    pub(crate) fn bag(&self, id: u32, owner: &str) -> Databag {
        self.bags.get(&(id, owner.to_owned())).cloned().unwrap_or_default()
    }

    /// Overwrites a bag (a remote charm writing it).
    pub(crate) fn set_bag(&mut self, id: u32, owner: &str, bag: Databag) {
        self.bags.insert((id, owner.to_owned()), bag);
    }

    /// The secret with this label owned by `owner`.
    pub(crate) fn secret(&self, owner: &str, label: &str) -> Option<&Secret> {
        self.secrets
            .iter()
            .find(|s| s.owner == owner && s.label.as_deref() == Some(label))
    }

    /// Runs a reconcile of charm `C` as `unit`.
    pub(crate) fn run<C: Charm>(&mut self, unit: &str) -> Outcome {
        let env = JujuEnv::from_vars([
            ("JUJU_DISPATCH_PATH", "hooks/update-status"),
            ("JUJU_UNIT_NAME", unit),
            ("JUJU_MODEL_NAME", "test"),
            ("JUJU_MODEL_UUID", "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"),
        ])
        .expect("env");
        let unit = UnitName::new(unit).expect("unit name");
        let mut view = View {
            app: unit.app().as_str().to_owned(),
            unit,
            model: self,
        };
        charm_sdk::dispatch::<C>(&env, &mut view, &NoPebble)
    }
}

struct NoPebble;

impl PebbleConnector for NoPebble {
    fn connect(&self, container: &str) -> Result<Box<dyn Pebble + '_>, PebbleError> {
        Err(PebbleError::Connection {
            socket: container.to_owned(),
            message: "no Pebble in these tests".into(),
        })
    }
}

struct View<'m> {
    model: &'m mut Model,
    unit: UnitName,
    app: String,
}

fn err(tool: &str, kind: ToolErrorKind, message: &str) -> HookToolError {
    HookToolError {
        tool: tool.to_owned(),
        kind,
        message: message.to_owned(),
        code: Some(1),
    }
}

impl View<'_> {
    fn leader(&self) -> bool {
        self.model.leaders.get(&self.app).map(String::as_str) == Some(self.unit.to_string().as_str())
    }

    /// (my side, other side) of a relation this unit is in.
    fn sides(&self, id: RelationId) -> ToolResult<(Side, Side)> {
        let rel = self
            .model
            .relations
            .iter()
            .find(|r| r.id == id.0)
            .ok_or_else(|| err("relation-get", ToolErrorKind::RelationNotFound, "relation not found"))?;
        if rel.a.app == self.app {
            Ok((rel.a.clone(), rel.b.clone()))
        } else {
            Ok((rel.b.clone(), rel.a.clone()))
        }
    }

    fn my_secret(&self, s: &Secret) -> bool {
        s.owner == format!("unit:{}", self.unit) || (self.leader() && s.owner == format!("app:{}", self.app))
    }

    fn find_secret(&self, r: &SecretRef) -> ToolResult<usize> {
        self.model
            .secrets
            .iter()
            .position(|s| {
                let by_uri = r.uri.as_ref().is_some_and(|u| u.id() == s.id);
                let by_label = r.uri.is_none() && r.label.is_some() && s.label == r.label && self.my_secret(s);
                by_uri || by_label
            })
            .ok_or_else(|| err("secret-get", ToolErrorKind::SecretNotFound, "secret not found"))
    }
}

impl Backend for View<'_> {
    fn config_get(&mut self) -> ToolResult<serde_json::Map<String, Value>> {
        Ok(serde_json::Map::new())
    }
    fn is_leader(&mut self) -> ToolResult<bool> {
        Ok(self.leader())
    }
    fn relation_ids(&mut self, endpoint: &str) -> ToolResult<Vec<RelationId>> {
        Ok(self
            .model
            .relations
            .iter()
            .filter(|r| {
                (r.a.app == self.app && r.a.endpoint == endpoint) || (r.b.app == self.app && r.b.endpoint == endpoint)
            })
            .map(|r| RelationId(r.id))
            .collect())
    }
    fn relation_list(&mut self, relation: RelationId) -> ToolResult<Vec<UnitName>> {
        let (_, other) = self.sides(relation)?;
        Ok(other.units.iter().filter_map(|u| UnitName::new(u).ok()).collect())
    }
    fn relation_remote_app(&mut self, relation: RelationId) -> ToolResult<Option<AppName>> {
        let (_, other) = self.sides(relation)?;
        Ok(AppName::new(other.app).ok())
    }
    fn relation_get(&mut self, relation: RelationId, owner: &BagOwner) -> ToolResult<Databag> {
        self.sides(relation)?;
        let key = match owner {
            BagOwner::Unit(u) => u.to_string(),
            BagOwner::App(a) => format!("app:{a}"),
        };
        Ok(self.model.bag(relation.0, &key))
    }
    fn relation_set(&mut self, relation: RelationId, app: bool, data: &Databag) -> ToolResult<()> {
        self.sides(relation)?;
        if app && !self.leader() {
            return Err(err(
                "relation-set",
                ToolErrorKind::NotLeader,
                "cannot write relation settings",
            ));
        }
        let key = if app {
            format!("app:{}", self.app)
        } else {
            self.unit.to_string()
        };
        let bag = self.model.bags.entry((relation.0, key)).or_default();
        for (k, v) in data {
            if v.is_empty() {
                bag.remove(k);
            } else {
                bag.insert(k.clone(), v.clone());
            }
        }
        Ok(())
    }
    fn relation_model_get(&mut self, _relation: RelationId) -> ToolResult<String> {
        Ok("0a1b2c3d-aaaa-bbbb-cccc-0123456789ab".into())
    }
    fn status_set(&mut self, target: StatusTarget, status: &Status) -> ToolResult<()> {
        let key = match target {
            StatusTarget::Unit => self.unit.to_string(),
            StatusTarget::Application => format!("app:{}", self.app),
        };
        self.model.statuses.insert(key, status.clone());
        Ok(())
    }
    fn status_get(&mut self) -> ToolResult<StatusInfo> {
        Err(err("status-get", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn app_status_get(&mut self) -> ToolResult<AppStatusInfo> {
        Err(err("status-get", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn application_version_set(&mut self, _version: &str) -> ToolResult<()> {
        Ok(())
    }
    fn action_get(&mut self) -> ToolResult<serde_json::Map<String, Value>> {
        Err(err("action-get", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn action_set(&mut self, _results: &BTreeMap<String, String>) -> ToolResult<()> {
        Err(err("action-set", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn action_fail(&mut self, _message: &str) -> ToolResult<()> {
        Err(err("action-fail", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn action_log(&mut self, _message: &str) -> ToolResult<()> {
        Err(err("action-log", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn juju_log(&mut self, level: LogLevel, message: &str) -> ToolResult<()> {
        self.model.logs.push(format!("{} {level:?} {message}", self.unit));
        Ok(())
    }
    fn open_port(&mut self, _port: Port, _endpoints: &[String]) -> ToolResult<()> {
        Ok(())
    }
    fn close_port(&mut self, _port: Port, _endpoints: &[String]) -> ToolResult<()> {
        Ok(())
    }
    fn opened_ports(&mut self) -> ToolResult<Vec<Port>> {
        Ok(Vec::new())
    }
    fn network_get(&mut self, _binding: &str, _relation: Option<RelationId>) -> ToolResult<Network> {
        Err(err("network-get", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn state_get(&mut self) -> ToolResult<BTreeMap<String, String>> {
        Ok(self
            .model
            .unit_state
            .get(&self.unit.to_string())
            .cloned()
            .unwrap_or_default())
    }
    fn state_set(&mut self, values: &BTreeMap<String, String>) -> ToolResult<()> {
        self.model
            .unit_state
            .entry(self.unit.to_string())
            .or_default()
            .extend(values.clone());
        Ok(())
    }
    fn state_delete(&mut self, key: &str) -> ToolResult<()> {
        self.model
            .unit_state
            .entry(self.unit.to_string())
            .or_default()
            .remove(key);
        Ok(())
    }
    fn secret_add(&mut self, content: &BTreeMap<String, String>, meta: &SecretMeta) -> ToolResult<SecretUri> {
        self.model.next_secret += 1;
        let id = format!("d0secret{:012}", self.model.next_secret);
        let owner = match meta.owner {
            Some(SecretOwner::Application) => {
                if !self.leader() {
                    return Err(err(
                        "secret-add",
                        ToolErrorKind::NotLeader,
                        "this unit is not the leader",
                    ));
                }
                format!("app:{}", self.app)
            }
            _ => format!("unit:{}", self.unit),
        };
        if meta.label.is_some()
            && self
                .model
                .secrets
                .iter()
                .any(|s| s.owner == owner && s.label == meta.label)
        {
            return Err(err(
                "secret-add",
                ToolErrorKind::Other,
                "secret with label already exists",
            ));
        }
        self.model.secrets.push(Secret {
            id: id.clone(),
            owner,
            label: meta.label.clone(),
            content: content.clone(),
            revision: 1,
            expire: meta.expire.clone(),
        });
        SecretUri::new(format!("secret:{id}")).map_err(|e| err("secret-add", ToolErrorKind::BadOutput, &e.to_string()))
    }
    fn secret_get(&mut self, secret: &SecretRef, _read: SecretRead) -> ToolResult<BTreeMap<String, String>> {
        let i = self.find_secret(secret)?;
        Ok(self.model.secrets[i].content.clone())
    }
    fn secret_set(
        &mut self,
        uri: &SecretUri,
        content: Option<&BTreeMap<String, String>>,
        meta: &SecretMeta,
    ) -> ToolResult<()> {
        let i = self.find_secret(&SecretRef::uri(uri.clone()))?;
        let s = &mut self.model.secrets[i];
        if let Some(content) = content {
            s.content = content.clone();
            s.revision += 1;
        }
        if meta.expire.is_some() {
            s.expire = meta.expire.clone();
        }
        if meta.label.is_some() {
            s.label = meta.label.clone();
        }
        Ok(())
    }
    fn secret_remove(&mut self, uri: &SecretUri, _revision: Option<u64>) -> ToolResult<()> {
        let i = self.find_secret(&SecretRef::uri(uri.clone()))?;
        self.model.secrets.remove(i);
        Ok(())
    }
    fn secret_grant(&mut self, _uri: &SecretUri, _relation: RelationId, _unit: Option<&UnitName>) -> ToolResult<()> {
        Ok(())
    }
    fn secret_revoke(&mut self, _uri: &SecretUri, _relation: RelationId, _unit: Option<&UnitName>) -> ToolResult<()> {
        Ok(())
    }
    fn secret_ids(&mut self) -> ToolResult<Vec<SecretUri>> {
        Ok(self
            .model
            .secrets
            .iter()
            .filter(|s| self.my_secret(s))
            .filter_map(|s| SecretUri::new(format!("secret:{}", s.id)).ok())
            .collect())
    }
    fn secret_info_get(&mut self, secret: &SecretRef) -> ToolResult<SecretInfo> {
        let i = self.find_secret(secret)?;
        let s = &self.model.secrets[i];
        Ok(SecretInfo {
            uri: SecretUri::new(format!("secret:{}", s.id)).ok(),
            revision: s.revision,
            label: s.label.clone(),
            owner: if s.owner.starts_with("app:") {
                SecretOwner::Application
            } else {
                SecretOwner::Unit
            },
            description: None,
            rotation: None,
            expiry: s.expire.clone(),
            rotates: None,
            access: Vec::new(),
        })
    }
    fn storage_get(&mut self, _id: Option<&str>) -> ToolResult<StorageInfo> {
        Err(err("storage-get", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn storage_list(&mut self, _name: Option<&str>) -> ToolResult<Vec<String>> {
        Ok(Vec::new())
    }
    fn storage_add(&mut self, _name: &str, _count: u32) -> ToolResult<()> {
        Err(err("storage-add", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn resource_get(&mut self, _name: &str) -> ToolResult<PathBuf> {
        Err(err("resource-get", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn credential_get(&mut self) -> ToolResult<Value> {
        Err(err("credential-get", ToolErrorKind::Unavailable, "not modelled"))
    }
    fn goal_state(&mut self) -> ToolResult<GoalState> {
        Ok(GoalState::default())
    }
}

/// The reference material shipped beside the repository (`shared/reference`), if present.
pub(crate) fn reference_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("CHARMS_REFERENCE_DIR").map(PathBuf::from),
        manifest.ancestors().nth(3).map(|p| p.join("shared/reference")),
        Some(PathBuf::from("/work/shared/reference")),
    ];
    candidates.into_iter().flatten().find(|p| p.join("interfaces").is_dir())
}

/// Whether a Python 3 with the `jsonschema` package is available.
pub(crate) fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// All keys whose value is set.
pub(crate) fn keys(bag: &Databag) -> BTreeSet<String> {
    bag.keys().cloned().collect()
}

/// `{"app": app_bag, "unit": unit_bag}` as the reference's validators take it.
pub(crate) fn databags(app: &Databag, unit: &Databag) -> Value {
    serde_json::json!({ "app": app, "unit": unit })
}

/// Validates `data` against the wire schema `name` (e.g. `tls_certificates-v1-provider`)
/// in Rust, decoding JSON-text fields first and checking their `contentSchema`, as the
/// reference's `validate.py` does. Returns the errors (empty: valid).
pub(crate) fn schema_errors(name: &str, data: &Value) -> Vec<String> {
    let dir = reference_dir().expect("shared/reference not found (set CHARMS_REFERENCE_DIR)");
    let text = std::fs::read_to_string(dir.join("interfaces").join(format!("{name}.json"))).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let mut errors: Vec<String> = jsonschema::validator_for(&schema)
        .expect("schema compiles")
        .iter_errors(data)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    for (side, bag_schema) in schema["properties"].as_object().into_iter().flatten() {
        let Some(fields) = bag_schema["properties"].as_object() else {
            continue;
        };
        for (key, field) in fields {
            let Some(text) = data[side.as_str()][key.as_str()].as_str() else {
                continue;
            };
            if field["contentMediaType"] != "application/json" {
                continue;
            }
            match serde_json::from_str::<Value>(text) {
                Err(e) => errors.push(format!("{side}/{key}: not JSON ({e})")),
                Ok(decoded) => {
                    let inner = jsonschema::validator_for(&field["contentSchema"]).expect("content schema compiles");
                    errors.extend(
                        inner
                            .iter_errors(&decoded)
                            .map(|e| format!("{side}/{key}{}: {e}", e.instance_path())),
                    );
                }
            }
        }
    }
    errors
}

/// Runs the reference's `validate.py` on `data` when Python and `jsonschema` are there:
/// `Some(Ok)` valid, `Some(Err(output))` invalid, `None` not run (said loudly).
pub(crate) fn validate_py(name: &str, data: &Value) -> Option<Result<(), String>> {
    if !python_has("jsonschema") {
        eprintln!(
            "!!! SKIPPING validate.py for {name}: python3 with the `jsonschema` package is missing \
             (install jsonschema: `pip install jsonschema`); the Rust validation still ran"
        );
        return None;
    }
    let dir = reference_dir()?;
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), serde_json::to_vec(data).expect("json")).expect("write");
    let out = std::process::Command::new("python3")
        .arg(dir.join("interfaces/validate.py"))
        .arg(dir.join("interfaces").join(format!("{name}.json")))
        .arg(file.path())
        .output()
        .expect("run validate.py");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(if out.status.success() { Ok(()) } else { Err(text) })
}

/// Both validators must accept `data`.
pub(crate) fn assert_valid(name: &str, data: &Value) {
    let errors = schema_errors(name, data);
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{data:#}");
    if let Some(Err(out)) = validate_py(name, data) {
        panic!("validate.py {name}: {out}\n{data:#}");
    }
}

/// Validates one side's bag (`"app"` or `"unit"`) against that side's part of schema
/// `name`, ignoring what the schema requires of the other side.
pub(crate) fn assert_side_valid(name: &str, side: &str, bag: &Databag) {
    let dir = reference_dir().expect("reference dir");
    let text = std::fs::read_to_string(dir.join("interfaces").join(format!("{name}.json"))).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let side_schema = &schema["properties"][side];
    let mut errors: Vec<String> = jsonschema::validator_for(side_schema)
        .expect("side schema compiles")
        .iter_errors(&serde_json::to_value(bag).expect("bag"))
        .map(|e| format!("{side}{}: {e}", e.instance_path()))
        .collect();
    for (key, field) in side_schema["properties"].as_object().into_iter().flatten() {
        let (Some(text), true) = (bag.get(key), field["contentMediaType"] == "application/json") else {
            continue;
        };
        match serde_json::from_str::<Value>(text) {
            Err(e) => errors.push(format!("{side}/{key}: not JSON ({e})")),
            Ok(decoded) => {
                let inner = jsonschema::validator_for(&field["contentSchema"]).expect("content schema compiles");
                errors.extend(
                    inner
                        .iter_errors(&decoded)
                        .map(|e| format!("{side}/{key}{}: {e}", e.instance_path())),
                );
            }
        }
    }
    assert!(errors.is_empty(), "{name} {side}: {errors:#?}\n{bag:#?}");
}
