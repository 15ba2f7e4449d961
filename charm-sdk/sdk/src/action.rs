//! Typed action results, flattened the way `action-set` wants them.
//!
//! Juju takes results as `key=value` pairs with dotted keys for nesting; each segment must
//! start and end with a lowercase letter or digit, and `stdout`/`stderr` and their
//! encodings are reserved. [`ActionResults`] accepts any serializable value and checks
//! those rules before any tool runs, so a bad key is a clear action failure, not a Juju
//! error mid-way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use juju_model::tools::{valid_action_key, RESERVED_ACTION_KEYS};

/// For charms without actions: no action name deserializes into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum NoActions {}

/// Why an action did not succeed.
#[derive(Debug)]
pub enum ActionError {
    /// The action failed with a message for the operator (`action-fail`); the hook
    /// itself succeeds, so its writes are kept.
    Failed(String),
    /// Something broke; the hook exits 1 and its writes are discarded.
    Error(Error),
}

impl ActionError {
    /// A failure with a message for the operator.
    pub fn failed(message: impl Into<String>) -> Self {
        ActionError::Failed(message.into())
    }
}

impl From<Error> for ActionError {
    fn from(error: Error) -> Self {
        ActionError::Error(error)
    }
}

macro_rules! action_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ActionError {
            fn from(error: $t) -> Self {
                ActionError::Error(Error::from(error))
            }
        }
    )*};
}
action_error_from!(
    crate::backend::HookToolError,
    crate::pebble::PebbleError,
    juju_model::Error
);

/// Flattened, validated action results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionResults(BTreeMap<String, String>);

impl ActionResults {
    /// No results.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one result; nested keys with dots (`user.password`).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        check_key(&key)?;
        if self.0.insert(key.clone(), value.into()).is_some() {
            return Err(Error::msg(format!("action result key {key:?} is set twice")));
        }
        Ok(self)
    }

    /// Flattens any serializable value (a struct or map) into dotted keys. Strings stay
    /// as they are, numbers and booleans are printed, lists are JSON text.
    pub fn from_serialize<T: Serialize>(value: &T) -> Result<Self, Error> {
        let value = serde_json::to_value(value).map_err(|e| Error::msg(format!("action results: {e}")))?;
        let Value::Object(map) = value else {
            return Err(Error::msg("action results must be a struct or a map"));
        };
        let mut out = Self::new();
        flatten("", &Value::Object(map), &mut out)?;
        Ok(out)
    }

    /// The flattened pairs.
    pub fn pairs(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// Whether there are no results.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut ActionResults) -> Result<(), Error> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out)?;
            }
            Ok(())
        }
        Value::Null => Ok(()),
        Value::String(s) => insert(out, prefix, s.clone()),
        other => insert(out, prefix, other.to_string()),
    }
}

fn insert(out: &mut ActionResults, key: &str, value: String) -> Result<(), Error> {
    check_key(key)?;
    if out.0.insert(key.to_owned(), value).is_some() {
        return Err(Error::msg(format!(
            "action result key {key:?} appears twice after flattening"
        )));
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), Error> {
    if RESERVED_ACTION_KEYS.contains(&key.split('.').next().unwrap_or(key)) {
        return Err(Error::msg(format!("action result key {key:?} is reserved by Juju")));
    }
    if !valid_action_key(key) {
        return Err(Error::msg(format!(
            "action result key {key:?} is invalid: each dot-separated part must be lowercase letters, digits and '-', starting and ending with a letter or digit"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    struct Creds {
        username: String,
        password: String,
        endpoints: Vec<String>,
        tls: Tls,
    }
    #[derive(Serialize)]
    struct Tls {
        enabled: bool,
        ca: Option<String>,
    }

    #[test]
    fn flattens_nested_values() {
        let r = ActionResults::from_serialize(&Creds {
            username: "admin".into(),
            password: "pw".into(),
            endpoints: vec!["a:1".into()],
            tls: Tls {
                enabled: true,
                ca: None,
            },
        })
        .unwrap();
        let want: BTreeMap<String, String> = [
            ("endpoints", r#"["a:1"]"#),
            ("password", "pw"),
            ("tls.enabled", "true"),
            ("username", "admin"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(r.pairs(), &want);
    }

    #[test]
    fn refuses_bad_and_reserved_keys() {
        assert!(ActionResults::new().set("Password", "x").is_err());
        assert!(ActionResults::new().set("stdout", "x").is_err());
        assert!(ActionResults::new().set("a_b", "x").is_err());
        assert!(ActionResults::new().set("a", "1").unwrap().set("a", "2").is_err());
        let mut map = BTreeMap::new();
        map.insert("a.b", "1");
        let dup = serde_json::json!({"a.b": "1", "a": {"b": "2"}});
        assert!(ActionResults::from_serialize(&dup).is_err());
        assert!(ActionResults::from_serialize(&map).is_ok());
    }
}
