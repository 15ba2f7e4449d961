//! The vocabulary of `data_interfaces` v0: reserved keys, secret groups, labels.
//!
//! Everything here is a constant or a pure function of one, transcribed from
//! data-platform-libs `lib/charms/data_platform_libs/v0/data_interfaces.py` (LIBPATCH 59):
//! `PROV_SECRET_PREFIX`, `REQ_SECRET_FIELDS`, `PROV_SECRET_FIELDS`, `Data.SECRET_LABEL_MAP`,
//! `RequirerData.SECRET_FIELDS` and `_generate_secret_label`. Both sides and every interface
//! built on the library (kafka_client, zookeeper, postgresql_client, s3 v1, azure_storage,
//! spark_service_account) share them, so they live once.

use std::fmt;

use juju_model::Databag;

use crate::error::{kind_of, BagSide, Error, RelationLabel};
use crate::pyjson;

/// Requirer key: JSON list of the fields the provider should put in secrets.
pub const REQUESTED_SECRETS: &str = "requested-secrets";
/// Requirer key: JSON list of the fields the requirer itself shares through secrets.
pub const PROVIDED_SECRETS: &str = "provided-secrets";
/// Bookkeeping key: JSON copy of the remote application bag, kept in the reader's own bag.
pub const DATA: &str = "data";
/// Provider key: JSON list of `{code, message, resolution}`.
pub const STATUS: &str = "status";
/// Prefix of the keys that hold secret URIs (`secret-user`).
pub const SECRET_PREFIX: &str = "secret-";

/// `RequirerData.SECRET_FIELDS`: what every secrets-capable requirer asks to be hidden.
pub const DEFAULT_REQUESTED_SECRETS: [&str; 8] = [
    "username",
    "password",
    "tls",
    "tls-ca",
    "uris",
    "read-only-uris",
    "entity-name",
    "entity-password",
];

/// The keys of `SECRET_LABEL_MAP`, in the library's order.
pub const SECRET_LABEL_MAP_FIELDS: [&str; 9] = [
    "username",
    "password",
    "uris",
    "read-only-uris",
    "tls",
    "tls-ca",
    "mtls-cert",
    "entity-name",
    "entity-password",
];

/// The fields of `SECRET_LABEL_MAP` that are not in [`DEFAULT_REQUESTED_SECRETS`]: what a
/// default requirer announces as `provided-secrets` (same model only; cross-model
/// relations leave `mtls-cert` out).
pub const DEFAULT_PROVIDED_SECRETS: [&str; 1] = ["mtls-cert"];

/// The secret a field travels in (`SECRET_LABEL_MAP`; anything else is `extra`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretGroup {
    /// username, password, uris, read-only-uris.
    User,
    /// tls, tls-ca.
    Tls,
    /// mtls-cert (written by the requirer).
    Mtls,
    /// entity-name, entity-password.
    Entity,
    /// Every other requested field.
    Extra,
}

impl SecretGroup {
    /// All groups, in the library's declaration order.
    pub const ALL: [SecretGroup; 5] = [
        SecretGroup::User,
        SecretGroup::Tls,
        SecretGroup::Mtls,
        SecretGroup::Entity,
        SecretGroup::Extra,
    ];

    /// The group name as used in keys and labels (`user`).
    pub fn as_str(self) -> &'static str {
        match self {
            SecretGroup::User => "user",
            SecretGroup::Tls => "tls",
            SecretGroup::Mtls => "mtls",
            SecretGroup::Entity => "entity",
            SecretGroup::Extra => "extra",
        }
    }

    /// The group of a field (`SECRET_LABEL_MAP`, default `extra`).
    pub fn of(field: &str) -> SecretGroup {
        match field {
            "username" | "password" | "uris" | "read-only-uris" => SecretGroup::User,
            "tls" | "tls-ca" => SecretGroup::Tls,
            "mtls-cert" => SecretGroup::Mtls,
            "entity-name" | "entity-password" => SecretGroup::Entity,
            _ => SecretGroup::Extra,
        }
    }

    /// Whether `field` is in `SECRET_LABEL_MAP` (has a named group).
    pub fn is_mapped(field: &str) -> bool {
        SecretGroup::of(field) != SecretGroup::Extra
    }

    /// The databag key holding this group's URI: `secret-user`.
    pub fn key(self) -> String {
        format!("{SECRET_PREFIX}{}", self.as_str())
    }

    /// The group whose URI key is `key` (`secret-tls` → `Tls`).
    pub fn from_key(key: &str) -> Option<SecretGroup> {
        let name = key.strip_prefix(SECRET_PREFIX)?;
        SecretGroup::ALL.into_iter().find(|g| g.as_str() == name)
    }

    /// The v0 secret label: `<relation-name>.<relation-id>.<group>.secret`, used by the
    /// owner when creating the secret and by the reader when first fetching it.
    pub fn label(self, endpoint: &str, relation_id: u32) -> String {
        format!("{endpoint}.{relation_id}.{}.secret", self.as_str())
    }

    /// The v1 secret label: `<relation-name>.<relation-id>.<request-id>.<group>.secret`.
    pub fn v1_label(self, endpoint: &str, relation_id: u32, request_id: &str) -> String {
        format!("{endpoint}.{relation_id}.{request_id}.{}.secret", self.as_str())
    }
}

impl fmt::Display for SecretGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `json.dumps(list)` of field names, as `set_encoded_field` writes them.
pub fn encode_list(items: &[String]) -> String {
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    pyjson::dumps(&refs).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads a JSON list of strings (`requested-secrets`, `attributes`). Absent or empty text
/// is `None`; anything else that is not a list of strings is an error naming the key.
pub fn decode_list(
    bag: &Databag,
    key: &str,
    relation: &RelationLabel,
    side: BagSide,
) -> Result<Option<Vec<String>>, Error> {
    let Some(text) = bag.get(key).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::malformed(relation, side, key, &e))?;
    let serde_json::Value::Array(items) = value else {
        return Err(Error::wrong_type(
            relation,
            side,
            key,
            "a JSON list of strings",
            kind_of(&value),
        ));
    };
    items
        .into_iter()
        .map(|item| match item {
            serde_json::Value::String(s) => Ok(s),
            other => Err(Error::wrong_type(
                relation,
                side,
                key,
                "a JSON list of strings",
                format!("a list holding {}", kind_of(&other)),
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The `data` bookkeeping value: `json.dumps` of the remote application bag without its own
/// `data` key. Juju hands bags out with sorted keys, and so does [`Databag`].
pub fn data_mirror(remote: &Databag) -> String {
    let copy: std::collections::BTreeMap<&str, &str> = remote
        .iter()
        .filter(|(k, _)| k.as_str() != DATA)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pyjson::dumps(&copy).unwrap_or_else(|_| "{}".to_owned())
}

/// Whether a key is one of the protocol's own (never a payload field).
pub fn is_protocol_key(key: &str) -> bool {
    matches!(key, REQUESTED_SECRETS | PROVIDED_SECRETS | DATA) || SecretGroup::from_key(key).is_some()
}

/// The boolean spellings the Python charms use for `tls`: `True`/`False` (etcd, the
/// library's docs), `true`/`false` (charm-relation-interfaces), `enabled`/`disabled`
/// (Kafka and ZooKeeper charms).
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "enabled" | "yes" | "on" | "1" => Some(true),
        "false" | "disabled" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keys_and_labels_match_the_library() {
        assert_eq!(SecretGroup::of("read-only-uris"), SecretGroup::User);
        assert_eq!(SecretGroup::of("tls-ca"), SecretGroup::Tls);
        assert_eq!(SecretGroup::of("spark-properties"), SecretGroup::Extra);
        assert_eq!(SecretGroup::Tls.key(), "secret-tls");
        assert_eq!(SecretGroup::from_key("secret-entity"), Some(SecretGroup::Entity));
        assert_eq!(SecretGroup::from_key("secret-bogus"), None);
        assert_eq!(SecretGroup::User.label("kafka-client", 7), "kafka-client.7.user.secret");
        assert_eq!(
            SecretGroup::Extra.v1_label("database", 3, "0123abcd"),
            "database.3.0123abcd.extra.secret"
        );
    }

    #[test]
    fn lists_are_python_json() {
        let list: Vec<String> = DEFAULT_REQUESTED_SECRETS.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            encode_list(&list),
            r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#
        );
    }

    #[test]
    fn mirror_skips_its_own_key_and_sorts() {
        let bag: Databag = [("topic", "t"), ("data", "{}"), ("endpoints", "a:1")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        assert_eq!(data_mirror(&bag), r#"{"endpoints": "a:1", "topic": "t"}"#);
    }
}
