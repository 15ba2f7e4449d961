//! `CharmMeta`: what a charm declares, read from `charmcraft.yaml` (or from a packed charm's
//! `metadata.yaml` + `config.yaml` + `actions.yaml`).
//!
//! Only the parts Juju acts on are typed (endpoints, containers, storage, resources, config
//! options, actions); the rest of charmcraft.yaml is kept as raw YAML so the packer can
//! write it back out unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

/// One relation endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The interface name (`zookeeper`, `tls-certificates`, …).
    pub interface: String,
    /// Maximum number of relations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Whether the charm works without the relation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// `global` (default) or `container`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Which side of a relation an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointRole {
    /// `peers:`.
    Peer,
    /// `provides:`.
    Provides,
    /// `requires:`.
    Requires,
}

/// A storage mount of a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// The storage name.
    pub storage: String,
    /// Where it is mounted in the container.
    pub location: String,
}

/// A workload container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerMeta {
    /// The oci-image resource the container runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Storage mounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
}

/// A storage declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageMeta {
    /// `filesystem` or `block`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Default location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Anything else (multiple, minimum-size, …), kept as written.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_yaml_ng::Value>,
}

/// A resource declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceMeta {
    /// `oci-image` or `file`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// File name (file resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Default image reference (oci-image resources).
    #[serde(rename = "upstream-source", default, skip_serializing_if = "Option::is_none")]
    pub upstream_source: Option<String>,
}

/// A config option's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionType {
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `boolean`.
    Boolean,
    /// `secret`: the value is a secret URI.
    Secret,
}

/// One config option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigOption {
    /// Its type.
    #[serde(rename = "type")]
    pub kind: OptionType,
    /// Its default, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ConfigOption {
    /// Whether `value` has this option's type (ints are accepted for floats, as Juju does).
    pub fn accepts(&self, value: &Value) -> bool {
        match self.kind {
            OptionType::String | OptionType::Secret => value.is_string(),
            OptionType::Int => value.is_i64() || value.is_u64(),
            OptionType::Float => value.is_number(),
            OptionType::Boolean => value.is_boolean(),
        }
    }

    /// Parses a `key=value` string from a command line into this option's type.
    pub fn parse_value(&self, text: &str) -> Result<Value, Error> {
        let bad = |what: &'static str| Error::invalid("config value", text, what);
        Ok(match self.kind {
            OptionType::String | OptionType::Secret => Value::String(text.to_owned()),
            OptionType::Int => Value::from(text.parse::<i64>().map_err(|_| bad("expected an integer"))?),
            OptionType::Float => {
                serde_json::Number::from_f64(text.parse::<f64>().map_err(|_| bad("expected a number"))?)
                    .map(Value::Number)
                    .ok_or_else(|| bad("expected a finite number"))?
            }
            OptionType::Boolean => Value::Bool(match text {
                "true" | "True" | "yes" => true,
                "false" | "False" | "no" => false,
                _ => return Err(bad("expected true or false")),
            }),
        })
    }
}

/// The `config:` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigMeta {
    /// Options by name.
    #[serde(default)]
    pub options: BTreeMap<String, ConfigOption>,
}

/// One action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionMeta {
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON-schema properties of the parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    /// Required parameter names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// Whether unknown parameters are allowed (Juju's default is true).
    #[serde(rename = "additionalProperties", default, skip_serializing_if = "Option::is_none")]
    pub additional_properties: Option<bool>,
    /// Anything else, kept as written.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl ActionMeta {
    /// The parameters with schema defaults filled in for those not given, as Juju does
    /// when it queues an action.
    pub fn with_defaults(&self, given: &serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
        let mut out = given.clone();
        for (name, schema) in &self.params {
            if let Some(default) = schema.get("default") {
                out.entry(name.clone()).or_insert_with(|| default.clone());
            }
        }
        out
    }

    /// Checks parameters against the declaration: required ones present, unknown ones
    /// refused when `additionalProperties: false`, and simple JSON types matched.
    pub fn check_params(&self, params: &serde_json::Map<String, Value>) -> Result<(), String> {
        for name in &self.required {
            if !params.contains_key(name) {
                return Err(format!("missing required parameter {name:?}"));
            }
        }
        for (name, value) in params {
            let Some(schema) = self.params.get(name) else {
                if self.additional_properties == Some(false) {
                    return Err(format!("unknown parameter {name:?}"));
                }
                continue;
            };
            let want = schema.get("type").and_then(Value::as_str);
            let ok = match want {
                Some("string") => value.is_string(),
                Some("integer") => value.is_i64() || value.is_u64(),
                Some("number") => value.is_number(),
                Some("boolean") => value.is_boolean(),
                Some("array") => value.is_array(),
                Some("object") => value.is_object(),
                _ => true,
            };
            if !ok {
                return Err(format!("parameter {name:?} must be of type {}", want.unwrap_or("?")));
            }
            if let (Some(allowed), Some(s)) = (schema.get("enum").and_then(Value::as_array), value.as_str()) {
                if !allowed.iter().any(|a| a.as_str() == Some(s)) {
                    return Err(format!(
                        "parameter {name:?} must be one of {}",
                        Value::Array(allowed.clone())
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Everything a charm declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CharmMeta {
    /// The charm name.
    pub name: String,
    /// Short summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Peer endpoints.
    #[serde(default)]
    pub peers: BTreeMap<String, Endpoint>,
    /// Provided endpoints.
    #[serde(default)]
    pub provides: BTreeMap<String, Endpoint>,
    /// Required endpoints.
    #[serde(default)]
    pub requires: BTreeMap<String, Endpoint>,
    /// Workload containers.
    #[serde(default)]
    pub containers: BTreeMap<String, ContainerMeta>,
    /// Storage.
    #[serde(default)]
    pub storage: BTreeMap<String, StorageMeta>,
    /// Resources.
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceMeta>,
    /// Extra bindings.
    #[serde(default)]
    pub extra_bindings: BTreeMap<String, Option<serde_yaml_ng::Value>>,
    /// Config options.
    #[serde(default)]
    pub config: ConfigMeta,
    /// Actions.
    #[serde(default)]
    pub actions: BTreeMap<String, ActionMeta>,
}

impl CharmMeta {
    /// Parses a charmcraft.yaml (unified format) or a metadata.yaml.
    pub fn from_charmcraft_yaml(text: &str) -> Result<Self, Error> {
        serde_yaml_ng::from_str(text).map_err(|e| Error::Meta(e.to_string()))
    }

    /// Parses a packed charm's metadata.yaml with its optional config.yaml and actions.yaml.
    pub fn from_packed(metadata: &str, config: Option<&str>, actions: Option<&str>) -> Result<Self, Error> {
        let mut meta = Self::from_charmcraft_yaml(metadata)?;
        if let Some(config) = config {
            meta.config = serde_yaml_ng::from_str(config).map_err(|e| Error::Meta(format!("config.yaml: {e}")))?;
        }
        if let Some(actions) = actions {
            meta.actions = serde_yaml_ng::from_str::<Option<_>>(actions)
                .map_err(|e| Error::Meta(format!("actions.yaml: {e}")))?
                .unwrap_or_default();
        }
        Ok(meta)
    }

    /// The role and declaration of an endpoint.
    pub fn endpoint(&self, name: &str) -> Option<(EndpointRole, &Endpoint)> {
        self.peers
            .get(name)
            .map(|e| (EndpointRole::Peer, e))
            .or_else(|| self.provides.get(name).map(|e| (EndpointRole::Provides, e)))
            .or_else(|| self.requires.get(name).map(|e| (EndpointRole::Requires, e)))
    }

    /// Config defaults as `config-get` prints them (options without a default left out).
    pub fn config_defaults(&self) -> serde_json::Map<String, Value> {
        self.config
            .options
            .iter()
            .filter_map(|(k, o)| o.default.clone().filter(|v| !v.is_null()).map(|v| (k.clone(), v)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
name: zookeeper-k8s
type: charm
summary: ZooKeeper
base: ubuntu@22.04
platforms: {amd64: }
containers:
  zookeeper:
    resource: zookeeper-image
    mounts: [{storage: data, location: /var/lib/zookeeper}]
resources:
  zookeeper-image: {type: oci-image, upstream-source: "ghcr.io/x:1"}
storage:
  data: {type: filesystem, location: /var/lib/zookeeper}
peers:
  cluster: {interface: cluster}
provides:
  zookeeper: {interface: zookeeper}
requires:
  certificates: {interface: tls-certificates, limit: 1, optional: true}
config:
  options:
    init-limit: {type: int, default: 5, description: x}
    log-level: {type: string}
actions:
  set-password:
    params:
      username: {type: string, enum: [super, sync], default: super}
      password: {type: string}
    additionalProperties: false
"#;

    #[test]
    fn parses_charmcraft_yaml() {
        let meta = CharmMeta::from_charmcraft_yaml(YAML).unwrap();
        assert_eq!(meta.name, "zookeeper-k8s");
        assert_eq!(meta.endpoint("cluster").unwrap().0, EndpointRole::Peer);
        assert_eq!(meta.endpoint("certificates").unwrap().1.limit, Some(1));
        assert_eq!(meta.containers["zookeeper"].mounts[0].location, "/var/lib/zookeeper");
        assert_eq!(meta.config_defaults().get("init-limit"), Some(&Value::from(5)));
        assert!(!meta.config_defaults().contains_key("log-level"));
    }

    #[test]
    fn action_params_are_checked() {
        let meta = CharmMeta::from_charmcraft_yaml(YAML).unwrap();
        let action = &meta.actions["set-password"];
        let params = action.with_defaults(&serde_json::Map::new());
        assert_eq!(params["username"], "super");
        assert!(action.check_params(&params).is_ok());
        let mut bad = params.clone();
        bad.insert("username".into(), "root".into());
        assert!(action.check_params(&bad).unwrap_err().contains("one of"));
        bad.insert("nope".into(), Value::Bool(true));
        bad.insert("username".into(), "sync".into());
        assert!(action.check_params(&bad).unwrap_err().contains("unknown"));
    }

    #[test]
    fn config_values_parse_by_type() {
        let opt = ConfigOption {
            kind: OptionType::Int,
            default: None,
            description: None,
        };
        assert_eq!(opt.parse_value("42").unwrap(), Value::from(42));
        assert!(opt.parse_value("4.2").is_err());
        assert!(opt.accepts(&Value::from(3)));
        assert!(!opt.accepts(&Value::from("3")));
    }
}
