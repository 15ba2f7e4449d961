//! The model status, as data and as `juju status` prints it.
//!
//! The controller builds a [`StatusView`]; the CLI prints it as JSON (field names as in
//! `juju status --format json`) or as Juju's table: model, applications, units,
//! integrations.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A status with its message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEntry {
    /// `active`, `idle`...
    pub current: String,
    /// The message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// RFC 3339 time.
    pub since: String,
}

/// The model line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelView {
    /// Model name.
    pub name: String,
    /// Model uuid.
    pub uuid: String,
    /// `caas`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The Juju version the model reports.
    pub version: String,
    /// The model directory.
    pub directory: String,
}

/// One unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct UnitView {
    /// Workload status (`error` while a hook failed).
    pub workload_status: StatusEntry,
    /// Agent status (`allocating`, `executing`, `idle`).
    pub juju_status: StatusEntry,
    /// Whether it leads its application.
    #[serde(default)]
    pub leader: bool,
    /// Its address.
    pub address: String,
    /// Opened ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_ports: Vec<String>,
}

/// One application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AppView {
    /// The charm's name.
    pub charm: String,
    /// The charm revision (1, bumped by refresh).
    pub charm_rev: u32,
    /// Workload version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Number of units.
    pub scale: usize,
    /// Application status (set by the leader, else the most severe unit status).
    pub application_status: StatusEntry,
    /// Units by name.
    pub units: BTreeMap<String, UnitView>,
    /// Endpoint to related applications.
    #[serde(default)]
    pub relations: BTreeMap<String, Vec<Value>>,
    /// `dying` while being removed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub life: String,
}

/// One relation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationView {
    /// Relation id.
    pub id: u32,
    /// `app:endpoint` of the provider (or of the peer).
    pub provider: String,
    /// `app:endpoint` of the requirer.
    pub requirer: String,
    /// The interface.
    pub interface: String,
    /// `regular` or `peer`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Being removed.
    #[serde(default)]
    pub dying: bool,
}

/// The whole status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusView {
    /// The model.
    pub model: ModelView,
    /// Applications by name.
    pub applications: BTreeMap<String, AppView>,
    /// Relations.
    pub relations: Vec<RelationView>,
}

fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

impl StatusView {
    /// The table `juju status` prints.
    pub fn render_table(&self) -> String {
        let mut out = table(&[
            vec![
                "Model".into(),
                "Controller".into(),
                "Cloud/Region".into(),
                "Version".into(),
            ],
            vec![
                self.model.name.clone(),
                "local-model".into(),
                "local/localhost".into(),
                self.model.version.clone(),
            ],
        ]);
        out.push('\n');
        let mut apps = vec![vec![
            "App".to_owned(),
            "Version".into(),
            "Status".into(),
            "Scale".into(),
            "Charm".into(),
            "Rev".into(),
            "Message".into(),
        ]];
        for (name, app) in &self.applications {
            let status = if app.life == "dying" {
                "terminated".to_owned()
            } else {
                app.application_status.current.clone()
            };
            apps.push(vec![
                name.clone(),
                app.version.clone(),
                status,
                app.scale.to_string(),
                app.charm.clone(),
                app.charm_rev.to_string(),
                app.application_status.message.clone(),
            ]);
        }
        out.push_str(&table(&apps));
        out.push('\n');
        let mut units = vec![vec![
            "Unit".to_owned(),
            "Workload".into(),
            "Agent".into(),
            "Address".into(),
            "Ports".into(),
            "Message".into(),
        ]];
        for app in self.applications.values() {
            for (name, unit) in &app.units {
                let star = if unit.leader { "*" } else { "" };
                let message = if unit.workload_status.message.is_empty() {
                    unit.juju_status.message.clone()
                } else {
                    unit.workload_status.message.clone()
                };
                units.push(vec![
                    format!("{name}{star}"),
                    unit.workload_status.current.clone(),
                    unit.juju_status.current.clone(),
                    unit.address.clone(),
                    unit.open_ports.join(",").to_uppercase(),
                    message,
                ]);
            }
        }
        out.push_str(&table(&units));
        if !self.relations.is_empty() {
            out.push('\n');
            let mut rels = vec![vec![
                "Integration provider".to_owned(),
                "Requirer".into(),
                "Interface".into(),
                "Type".into(),
                "Message".into(),
            ]];
            for rel in &self.relations {
                rels.push(vec![
                    rel.provider.clone(),
                    rel.requirer.clone(),
                    rel.interface.clone(),
                    rel.kind.clone(),
                    if rel.dying { "removing".into() } else { String::new() },
                ]);
            }
            out.push_str(&table(&rels));
        }
        out
    }
}
