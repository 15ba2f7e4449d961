//! Alert rule files as the COS libraries send them: read, renamed, labelled with the Juju
//! topology, and amalgamated into one `{"groups": [...]}` document.
//!
//! Charms keep rules as YAML files (in Rust charms, `include_str!`ed). The Python libraries
//! (`prometheus_scrape.py` and `loki_push_api.py` `AlertRules._from_file`) accept the
//! official format (`groups:`) and the one-rule-per-file format (a mapping with `alert`
//! and `expr`), rename each group `<topology identifier>_<sub dir>_<name>_alerts`, add the
//! `juju_*` labels to every rule and strip the `%%juju_topology%%` placeholder from `expr`
//! (Prometheus) or replace it by `job=~".+"` (Loki). The consumer (Prometheus, Loki)
//! then injects the topology matchers into every selector with cos-tool, from those
//! labels; we do not run cos-tool here, exactly like a Python charm shipped without it.
//!
//! YAML is parsed with serde_yaml_ng, whose mappings keep file order, so the JSON keys come
//! out in the order PyYAML would give. (serde_yaml_ng reads YAML 1.2: unquoted `yes`/`on`
//! stay strings where PyYAML's 1.1 makes them booleans; quote them in rule files.)

use serde_yaml_ng::{Mapping, Value};

use super::topology::Topology;
use crate::error::Error;
use crate::pyjson;

/// Which consumer the rules are for (the two libraries differ in small ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// prometheus_scrape: topology labels overwrite existing ones; placeholder removed.
    Prometheus,
    /// loki_push_api: existing labels win; placeholder becomes `job=~".+"`; the document
    /// is sent with sorted keys.
    Loki,
}

/// A set of alert rule groups ready to send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertRules {
    groups: Vec<Value>,
}

impl AlertRules {
    /// No rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one rule file. `path` is relative to the rules directory
    /// (`kafka.rules`, `jvm/gc.yaml`): its directory part goes into the group names and
    /// its stem names the group of a one-rule file. `topology: None` leaves names and
    /// labels as they are (the libraries' `skip_alert_topology_labeling`). A file that is
    /// not valid YAML or not a rules file is an [`Error::Input`]: it is the charm's own.
    pub fn add_file(
        &mut self,
        path: &str,
        content: &str,
        topology: Option<&Topology>,
        flavour: Flavour,
    ) -> Result<(), Error> {
        let bad = |why: String| Error::Input(format!("alert rules file {path}: {why}"));
        let doc: Value = serde_yaml_ng::from_str(content).map_err(|e| bad(e.to_string()))?;
        let Value::Mapping(map) = doc else {
            return Err(bad("not a mapping".into()));
        };
        let (dir, stem) = split_path(path);
        let mut groups = if let Some(groups) = map.get("groups") {
            match groups {
                Value::Sequence(items) => items.clone(),
                _ => return Err(bad("`groups` is not a list".into())),
            }
        } else if map.contains_key("alert") && map.contains_key("expr") {
            let mut group = Mapping::new();
            group.insert(Value::String("name".into()), Value::String(stem.clone()));
            group.insert(
                Value::String("rules".into()),
                Value::Sequence(vec![Value::Mapping(map)]),
            );
            vec![Value::Mapping(group)]
        } else {
            return Err(bad("neither `groups:` nor a single rule with `alert` and `expr`".into()));
        };
        for group in &mut groups {
            let Value::Mapping(group) = group else {
                return Err(bad("a group is not a mapping".into()));
            };
            let name = match group.get("name") {
                Some(Value::String(n)) => n.clone(),
                _ => return Err(bad("a group has no string `name`".into())),
            };
            let parts = [
                topology.map(Topology::identifier).unwrap_or_default(),
                dir.clone(),
                name,
                "alerts".to_owned(),
            ];
            let new_name = parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("_");
            group.insert(Value::String("name".into()), Value::String(new_name));
            let Some(Value::Sequence(rules)) = group.get_mut("rules") else {
                return Err(bad("a group has no `rules` list".into()));
            };
            for rule in rules {
                let Value::Mapping(rule) = rule else {
                    return Err(bad("a rule is not a mapping".into()));
                };
                label_rule(rule, topology, flavour);
            }
        }
        self.groups.extend(groups);
        Ok(())
    }

    /// Whether no rule was added (the libraries then send nothing / `{}`).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// `json.dumps(as_dict())`: `{"groups": [...]}` in file order, or `{}` when empty.
    pub fn to_json(&self) -> String {
        if self.groups.is_empty() {
            return "{}".to_owned();
        }
        let doc = pyjson::Ordered(vec![("groups".to_owned(), Value::Sequence(self.groups.clone()))]);
        pyjson::dumps(&doc).unwrap_or_else(|_| "{}".to_owned())
    }

    /// `json.dumps(as_dict(), sort_keys=True)`, as loki_push_api sends them.
    pub fn to_sorted_json(&self) -> String {
        let doc = if self.groups.is_empty() {
            serde_json::Value::Object(Default::default())
        } else {
            serde_json::json!({ "groups": serde_json::to_value(&self.groups).unwrap_or_default() })
        };
        pyjson::dumps(&doc).unwrap_or_else(|_| "{}".to_owned())
    }
}

fn label_rule(rule: &mut Mapping, topology: Option<&Topology>, flavour: Flavour) {
    let labels_key = Value::String("labels".into());
    if !matches!(rule.get(&labels_key), Some(Value::Mapping(_))) {
        rule.insert(labels_key.clone(), Value::Mapping(Mapping::new()));
    }
    let Some(topology) = topology else { return };
    if let Some(Value::Mapping(labels)) = rule.get_mut(&labels_key) {
        for (k, v) in topology.label_matchers() {
            let key = Value::String(k);
            if flavour == Flavour::Prometheus || !labels.contains_key(&key) {
                labels.insert(key, Value::String(v));
            }
        }
    }
    if let Some(Value::String(expr)) = rule.get_mut("expr") {
        *expr = match flavour {
            Flavour::Prometheus => strip_placeholder(expr),
            Flavour::Loki => expr.replace("%%juju_topology%%", r#"job=~".+""#),
        };
    }
}

/// `re.sub(r"%%juju_topology%%,?", "", expr)`.
fn strip_placeholder(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(i) = rest.find("%%juju_topology%%") {
        out.push_str(&rest[..i]);
        rest = &rest[i + "%%juju_topology%%".len()..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

/// (`sub_dir` part of the group name, file stem).
fn split_path(path: &str) -> (String, String) {
    let (dir, file) = match path.rsplit_once('/') {
        Some((d, f)) => (d, f),
        None => ("", path),
    };
    let dir = dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect::<Vec<_>>()
        .join("_");
    let stem = match file.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s,
        _ => file,
    };
    (dir, stem.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topo() -> Topology {
        Topology {
            model: "m".into(),
            model_uuid: "12345678-aaaa".into(),
            application: "kafka".into(),
            unit: "kafka/0".into(),
            charm_name: "kafka-k8s".into(),
        }
    }

    const OFFICIAL: &str = r#"
groups:
- name: kafka
  rules:
  - alert: KafkaDown
    expr: up{%%juju_topology%%} < 1
    for: 5m
    labels:
      severity: critical
    annotations:
      summary: "Kafka is down"
"#;

    #[test]
    fn prometheus_rules_are_renamed_and_labelled_in_file_order() {
        let mut rules = AlertRules::new();
        rules
            .add_file("jvm/kafka.rules", OFFICIAL, Some(&topo()), Flavour::Prometheus)
            .unwrap();
        assert_eq!(
            rules.to_json(),
            r#"{"groups": [{"name": "m_12345678_kafka_jvm_kafka_alerts", "rules": [{"alert": "KafkaDown", "expr": "up{} < 1", "for": "5m", "labels": {"severity": "critical", "juju_model": "m", "juju_model_uuid": "12345678-aaaa", "juju_application": "kafka", "juju_charm": "kafka-k8s"}, "annotations": {"summary": "Kafka is down"}}]}]}"#
        );
    }

    #[test]
    fn single_rule_files_and_loki_flavour() {
        let mut rules = AlertRules::new();
        let single = "alert: Errors\nexpr: count_over_time({%%juju_topology%%} |= \"error\" [5m]) > 0\nlabels:\n  juju_model: keep\n";
        rules
            .add_file("errors.rule", single, Some(&topo()), Flavour::Loki)
            .unwrap();
        let json = rules.to_sorted_json();
        assert!(json.starts_with(r#"{"groups": [{"name": "m_12345678_kafka_errors_alerts", "rules": [{"alert": "Errors", "expr": "count_over_time({job=~\".+\"} "#), "{json}");
        assert!(json.contains(r#""juju_model": "keep""#), "{json}");
    }

    #[test]
    fn bad_files_are_input_errors_and_empty_is_an_empty_object() {
        assert_eq!(AlertRules::new().to_json(), "{}");
        assert!(AlertRules::new()
            .add_file("x.rules", "- 1\n- 2\n", None, Flavour::Prometheus)
            .is_err());
        assert!(AlertRules::new()
            .add_file("x.rules", "foo: [", None, Flavour::Prometheus)
            .is_err());
    }
}
