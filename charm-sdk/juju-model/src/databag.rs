//! Relation databags: Juju stores `string -> string` maps, nothing else.
//!
//! Typed access goes through a [`Codec`]: the data-platform interfaces keep plain strings per
//! key, tls-certificates v4 keeps a JSON document per key. Both are here so every interface
//! library and both sides of the local model agree on the encoding.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::Error;

mod plain;

/// One databag as Juju stores it.
pub type Databag = BTreeMap<String, String>;

/// Turns a typed value into databag entries and back.
pub trait Codec {
    /// Encodes `value` (which must serialize to a JSON object) into databag entries.
    fn encode<T: Serialize>(value: &T) -> Result<Databag, Error>;
    /// Decodes databag entries into `T`.
    fn decode<T: DeserializeOwned>(bag: &Databag) -> Result<T, Error>;
}

/// Each top-level field is stored as its plain string; non-string fields (numbers, bools,
/// lists, maps) are stored as JSON text. `None` fields are left out. Decoding is driven by
/// the target type: a `String` field takes the text as it is (even `0` or `[]`), other
/// fields parse it as JSON (see [`plain`]).
#[derive(Debug, Clone, Copy)]
pub struct PlainStrings;

/// Each top-level field is stored as JSON text (tls-certificates v4, prometheus_scrape).
#[derive(Debug, Clone, Copy)]
pub struct JsonValues;

fn object<T: Serialize>(value: &T) -> Result<serde_json::Map<String, Value>, Error> {
    match serde_json::to_value(value).map_err(|e| Error::Codec(e.to_string()))? {
        Value::Object(map) => Ok(map),
        other => Err(Error::Codec(format!("a databag value must be an object, got {other}"))),
    }
}

impl Codec for PlainStrings {
    fn encode<T: Serialize>(value: &T) -> Result<Databag, Error> {
        Ok(object(value)?
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect())
    }

    fn decode<T: DeserializeOwned>(bag: &Databag) -> Result<T, Error> {
        T::deserialize(plain::Bag(bag)).map_err(|e| Error::Codec(e.to_string()))
    }
}

impl Codec for JsonValues {
    fn encode<T: Serialize>(value: &T) -> Result<Databag, Error> {
        Ok(object(value)?
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k, v.to_string()))
            .collect())
    }

    fn decode<T: DeserializeOwned>(bag: &Databag) -> Result<T, Error> {
        let mut map = serde_json::Map::new();
        for (k, v) in bag {
            let value =
                serde_json::from_str(v).map_err(|e| Error::Codec(format!("key {k:?} does not hold JSON: {e}")))?;
            map.insert(k.clone(), value);
        }
        serde_json::from_value(Value::Object(map)).map_err(|e| Error::Codec(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    struct Request {
        database: String,
        extra_user_roles: Option<String>,
        requested_secrets: Vec<String>,
    }

    #[test]
    fn plain_strings_round_trip_with_json_lists() {
        let req = Request {
            database: "/kafka".into(),
            extra_user_roles: None,
            requested_secrets: vec!["username".into(), "password".into()],
        };
        let bag = PlainStrings::encode(&req).unwrap();
        assert_eq!(bag["database"], "/kafka");
        assert_eq!(bag["requested-secrets"], r#"["username","password"]"#);
        assert!(!bag.contains_key("extra-user-roles"));
        assert_eq!(PlainStrings::decode::<Request>(&bag).unwrap(), req);
    }

    #[test]
    fn json_values_reject_non_json() {
        let mut bag = Databag::new();
        bag.insert("certificates".into(), "not json".into());
        let err = JsonValues::decode::<Value>(&bag).unwrap_err();
        assert!(err.to_string().contains("certificates"));
    }
}
