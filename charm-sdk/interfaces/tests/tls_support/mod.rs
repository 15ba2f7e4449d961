//! A small multi-unit Juju for the TLS interface tests: two applications related, each
//! unit's run a charm-testing run (`update-status`, Juju's access rules, the hook as a
//! transaction), with the bags and the owned secrets carried from run to run.
//!
//! charm-testing runs one unit; these tests need a provider and several requirer units to
//! take turns on the same relation, so this keeps the world between runs: bags by owner,
//! secrets by owner with a revision count, leadership, statuses and logs.

// Test support: a failed setup step is a failed test; not every test uses every helper.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use charm_sdk::{Charm, Outcome};
use charm_testing::{Context, Relation, RunError, RunOutput, SecretOwnership, State, TestEvent, JUJU_UNIT_KEYS};
use juju_model::{Databag, Status, UnitName};
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
    /// 1 at creation, +1 per `secret-set` with content.
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
    runs: u64,
}

impl Model {
    /// Relates `a_app:a_endpoint` (units `a_units`) with `b_app:b_endpoint`; the first
    /// unit of each application leads.
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

    /// Runs a reconcile (`update-status`) of charm `C` as `unit` and keeps what it left.
    pub(crate) fn run<C: Charm>(&mut self, unit: &str) -> Outcome {
        let name = UnitName::new(unit).expect("unit name");
        let app = name.app().as_str().to_owned();
        let leader = self.leaders.get(&app).map(String::as_str) == Some(unit);
        // A model uuid per run: charm-testing derives new secret ids from the uuid and a
        // counter that restarts at every run, and these secrets outlive their run.
        self.runs += 1;
        let uuid = format!("0a1b2c3d-aaaa-bbbb-cccc-{:012x}", self.runs);
        let mut state = State::default()
            .leader(leader)
            .unit_number(name.number())
            .app_name(app.clone())
            .model("test", uuid)
            .unit_state(self.unit_state.get(unit).cloned().unwrap_or_default());
        for rel in &self.relations {
            let (mine, other) = match (&rel.a, &rel.b) {
                (a, b) if a.app == app => (a, b),
                (a, b) if b.app == app => (b, a),
                _ => continue,
            };
            let mut relation = Relation::new(&mine.endpoint)
                .id(rel.id)
                .remote_app(&other.app)
                .remote_endpoint(&other.endpoint)
                .remote_units(0)
                .remote_app_data(self.bag(rel.id, &format!("app:{}", other.app)))
                .local_app_data(self.bag(rel.id, &format!("app:{app}")))
                .local_unit_data(self.bag(rel.id, unit));
            for other_unit in &other.units {
                let n = UnitName::new(other_unit).expect("unit name").number();
                relation = relation.remote_unit_data(n, self.bag(rel.id, other_unit));
            }
            state = state.relation(relation);
        }
        let scopes = self.scopes(unit, &app, leader);
        for secret in self.secrets.iter().filter(|s| scopes.contains(&s.owner)) {
            let mut owned = charm_testing::Secret::new(secret.content.clone()).id(secret.id.clone());
            owned = if secret.owner.starts_with("app:") {
                owned.owner_app()
            } else {
                owned.owner_unit()
            };
            owned.label = secret.label.clone();
            owned.expire = secret.expire.clone();
            state = state.secret(owned);
        }
        match Context::<C>::new().run(TestEvent::update_status(), state) {
            Ok(out) => {
                self.keep(unit, &app, leader, &out, true);
                Outcome::Success
            }
            Err(RunError::HookFailed { message, output }) => {
                self.keep(unit, &app, leader, &output, false);
                Outcome::Failed(message)
            }
            Err(e @ RunError::Inconsistent(_)) => panic!("{e}"),
        }
    }

    /// The secret owners a unit's run sees and manages.
    fn scopes(&self, unit: &str, app: &str, leader: bool) -> BTreeSet<String> {
        let mut scopes: BTreeSet<String> = [format!("unit:{unit}")].into();
        if leader {
            scopes.insert(format!("app:{app}"));
        }
        scopes
    }

    /// Keeps a run's effects: statuses and logs always, bags and secrets when committed.
    fn keep(&mut self, unit: &str, app: &str, leader: bool, out: &RunOutput, committed: bool) {
        self.statuses.insert(unit.to_owned(), out.state.unit_status.clone());
        self.logs.extend(
            out.logs
                .iter()
                .map(|(level, message)| format!("{unit} {level:?} {message}")),
        );
        if !committed {
            return;
        }
        self.unit_state.insert(unit.to_owned(), out.state.unit_state.clone());
        for relation in &out.state.relations {
            let id = relation.id.0;
            if leader {
                self.set_bag(id, &format!("app:{app}"), relation.local_app_data.clone());
            }
            let own: Databag = relation
                .local_unit_data
                .iter()
                .filter(|(k, _)| !JUJU_UNIT_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            self.set_bag(id, unit, own);
        }
        let scopes = self.scopes(unit, app, leader);
        let before: BTreeMap<String, Secret> = self
            .secrets
            .iter()
            .filter(|s| scopes.contains(&s.owner))
            .map(|s| (s.id.clone(), s.clone()))
            .collect();
        self.secrets.retain(|s| !scopes.contains(&s.owner));
        for secret in out.state.secrets.iter().filter(|s| s.is_owned()) {
            let owner = match secret.owner {
                SecretOwnership::App => format!("app:{app}"),
                _ => format!("unit:{unit}"),
            };
            let sets = out
                .calls
                .iter()
                .filter(|c| c.starts_with(&format!("secret-set {} ", secret.uri())))
                .count() as u64;
            let revision = before.get(&secret.id).map_or(1, |b| b.revision) + sets;
            self.secrets.push(Secret {
                id: secret.id.clone(),
                owner,
                label: secret.label.clone(),
                content: secret.newest_content().clone(),
                revision,
                expire: secret.expire.clone(),
            });
        }
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

/// The reference wire schema `name` (e.g. `tls_certificates-v1-provider`).
fn load_schema(name: &str) -> Value {
    let dir = reference_dir().expect("shared/reference not found (set CHARMS_REFERENCE_DIR)");
    let text = std::fs::read_to_string(dir.join("interfaces").join(format!("{name}.json"))).expect("schema file");
    serde_json::from_str(&text).expect("schema JSON")
}

/// The errors of `instance` against `schema`, prefixed with `prefix`.
fn errors_of(schema: &Value, instance: &Value, prefix: &str) -> Vec<String> {
    jsonschema::validator_for(schema)
        .expect("schema compiles")
        .iter_errors(instance)
        .map(|e| format!("{prefix}{}: {e}", e.instance_path()))
        .collect()
}

/// The errors of one side's JSON-text fields (`contentMediaType: application/json`)
/// against their `contentSchema`, which plain jsonschema does not check.
fn content_errors(side: &str, bag_schema: &Value, bag: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    for (key, field) in bag_schema["properties"].as_object().into_iter().flatten() {
        let Some(text) = bag[key.as_str()].as_str() else {
            continue;
        };
        if field["contentMediaType"] != "application/json" {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Err(e) => errors.push(format!("{side}/{key}: not JSON ({e})")),
            Ok(decoded) => errors.extend(errors_of(&field["contentSchema"], &decoded, &format!("{side}/{key}"))),
        }
    }
    errors
}

/// Validates `data` against the wire schema `name` (e.g. `tls_certificates-v1-provider`)
/// in Rust, decoding JSON-text fields first and checking their `contentSchema`, as the
/// reference's `validate.py` does. Returns the errors (empty: valid).
pub(crate) fn schema_errors(name: &str, data: &Value) -> Vec<String> {
    let schema = load_schema(name);
    let mut errors = errors_of(&schema, data, "");
    for (side, bag_schema) in schema["properties"].as_object().into_iter().flatten() {
        errors.extend(content_errors(side, bag_schema, &data[side.as_str()]));
    }
    errors
}

/// Runs the reference's `validate.py` on `data`: `Some(Ok)` valid, `Some(Err(output))`
/// invalid, `None` when the reference directory is not there. Fails when python3 with
/// `jsonschema` is missing: scripts/install-deps.sh installs it wherever tests run.
#[track_caller]
pub(crate) fn validate_py(name: &str, data: &Value) -> Option<Result<(), String>> {
    let dir = reference_dir()?;
    assert!(
        python_has("jsonschema"),
        "validate.py for {name}: python3 with the `jsonschema` package is missing: run scripts/install-deps.sh \
         (pip install jsonschema)"
    );
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
    let schema = load_schema(name);
    let side_schema = &schema["properties"][side];
    let bag_value = serde_json::to_value(bag).expect("bag");
    let mut errors = errors_of(side_schema, &bag_value, side);
    errors.extend(content_errors(side, side_schema, &bag_value));
    assert!(errors.is_empty(), "{name} {side}: {errors:#?}\n{bag:#?}");
}
