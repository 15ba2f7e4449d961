//! Juju bundles: `applications` (charm, scale/num_units, options, resources) and
//! `relations`, with overlays merged on top.
//!
//! A bundle here names local charms: `charm:` is a `.charm` file or charm directory,
//! relative to the bundle file (a bare name `x` also finds `x.charm` or `x/` beside it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};

use crate::error::{Error, Result};
use crate::proto::DeployRequest;

/// A bundle resolved to deploy and integrate requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Applications to deploy.
    pub deploys: Vec<DeployRequest>,
    /// Endpoint pairs to integrate.
    pub relations: Vec<(String, String)>,
}

fn problem(path: &Path, message: impl Into<String>) -> Error {
    Error::Bundle {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn read(path: &Path) -> Result<Mapping> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
    match serde_yaml_ng::from_str::<Value>(&text).map_err(|e| problem(path, e.to_string()))? {
        Value::Mapping(map) => Ok(map),
        _ => Err(problem(path, "expected a YAML map")),
    }
}

/// Merges `overlay` into `base`: maps key by key, anything else replaced; a null
/// application entry removes the application.
fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Mapping(base), Value::Mapping(over)) => {
            for (k, v) in over {
                match base.get_mut(&k) {
                    Some(existing) if v.is_mapping() => merge(existing, v),
                    _ => {
                        base.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn resolve_charm(dir: &Path, name: &str) -> PathBuf {
    let name = name.strip_prefix("local:").unwrap_or(name);
    let direct = dir.join(name);
    if direct.exists() {
        return direct;
    }
    let packed = dir.join(format!("{name}.charm"));
    if packed.exists() {
        return packed;
    }
    direct
}

/// Reads `bundle` with `overlays` applied.
pub fn load(bundle: &Path, overlays: &[PathBuf]) -> Result<Plan> {
    let mut doc = Value::Mapping(read(bundle)?);
    let mut relations_extra = Vec::new();
    for overlay in overlays {
        let mut over = read(overlay)?;
        if let Some(Value::Sequence(rels)) = over.remove("relations") {
            relations_extra.extend(rels);
        }
        merge(&mut doc, Value::Mapping(over));
    }
    let dir = bundle.parent().unwrap_or(Path::new("."));
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let apps = doc
        .get("applications")
        .or_else(|| doc.get("services"))
        .and_then(Value::as_mapping)
        .ok_or_else(|| problem(bundle, "no applications"))?;
    let mut deploys = Vec::new();
    for (name, spec) in apps {
        let name = text(name).ok_or_else(|| problem(bundle, "application names must be strings"))?;
        if spec.is_null() {
            continue;
        }
        let charm = spec
            .get("charm")
            .and_then(text)
            .ok_or_else(|| problem(bundle, format!("application {name:?} has no charm")))?;
        let units = spec
            .get("scale")
            .or_else(|| spec.get("num_units"))
            .and_then(Value::as_u64)
            .unwrap_or(1);
        let strings = |key: &str| -> BTreeMap<String, String> {
            spec.get(key)
                .and_then(Value::as_mapping)
                .map(|m| m.iter().filter_map(|(k, v)| Some((text(k)?, text(v)?))).collect())
                .unwrap_or_default()
        };
        let mut resources = strings("resources");
        for value in resources.values_mut() {
            let candidate = dir.join(&*value);
            if candidate.exists() {
                *value = candidate.to_string_lossy().into_owned();
            }
        }
        deploys.push(DeployRequest {
            charm: resolve_charm(&dir, &charm),
            app: Some(name),
            units: u32::try_from(units).unwrap_or(1),
            config: strings("options"),
            resources,
        });
    }
    let mut relations = Vec::new();
    let listed = doc
        .get("relations")
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    for pair in listed.into_iter().chain(relations_extra) {
        let ends: Vec<String> = pair
            .as_sequence()
            .map(|s| s.iter().filter_map(text).collect())
            .unwrap_or_default();
        match ends.as_slice() {
            [a, b] => relations.push((a.clone(), b.clone())),
            _ => return Err(problem(bundle, "each relation must be a pair of endpoints")),
        }
    }
    Ok(Plan { deploys, relations })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlays_merge_options_and_add_relations() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bundle.yaml"),
            "applications:\n  zk: {charm: ./zk.charm, scale: 3, options: {tick: 2000}}\n  kafka: {charm: kafka, num_units: 1}\nrelations:\n- [kafka:zookeeper, zk]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("over.yaml"),
            "applications:\n  zk: {options: {init: 5}}\n  extra: {charm: x}\nrelations:\n- [extra, zk]\n",
        )
        .unwrap();
        let plan = load(&dir.path().join("bundle.yaml"), &[dir.path().join("over.yaml")]).unwrap();
        let zk = plan.deploys.iter().find(|d| d.app.as_deref() == Some("zk")).unwrap();
        assert_eq!(zk.units, 3);
        assert_eq!(zk.config["tick"], "2000");
        assert_eq!(zk.config["init"], "5");
        assert!(zk.charm.ends_with("zk.charm"));
        assert_eq!(plan.deploys.len(), 3);
        assert_eq!(plan.relations.len(), 2);
    }
}
