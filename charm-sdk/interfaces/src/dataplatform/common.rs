//! Field types several interfaces of the family share: credentials, TLS, entities.
//!
//! They exist so a charm writes `tls: Some(Tls::enabled(ca))` instead of remembering that
//! the key is `tls-ca` and that Kafka spells the flag `enabled`; each type knows its keys
//! and how to read them back tolerantly.

use crate::dataplatform::protocol::parse_flag;
use crate::error::{BagSide, Error, RelationLabel};
use crate::sensitive::Sensitive;

/// How a provider spells the `tls` flag. Readers accept all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlagSpelling {
    /// `true` / `false` (charm-relation-interfaces schemas, PostgreSQL).
    #[default]
    Lower,
    /// `True` / `False` (Python `str(bool)`: etcd, the library's examples).
    Python,
    /// `enabled` / `disabled` (the Kafka and ZooKeeper charms).
    EnabledDisabled,
}

impl FlagSpelling {
    /// The text for `flag`.
    pub fn spell(self, flag: bool) -> &'static str {
        match (self, flag) {
            (FlagSpelling::Lower, true) => "true",
            (FlagSpelling::Lower, false) => "false",
            (FlagSpelling::Python, true) => "True",
            (FlagSpelling::Python, false) => "False",
            (FlagSpelling::EnabledDisabled, true) => "enabled",
            (FlagSpelling::EnabledDisabled, false) => "disabled",
        }
    }
}

/// Whether the service speaks TLS, and the CA to trust.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tls {
    /// The `tls` flag.
    pub enabled: bool,
    /// `tls-ca`: the CA (chain) in PEM.
    pub ca: Option<String>,
}

impl Tls {
    /// TLS on, with this CA.
    pub fn enabled(ca: impl Into<String>) -> Self {
        Self {
            enabled: true,
            ca: Some(ca.into()),
        }
    }

    /// TLS off.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ca: None,
        }
    }

    /// `tls` and `tls-ca` fields (`None`: both keys removed).
    pub(crate) fn fields(tls: Option<&Tls>, spelling: FlagSpelling) -> [(String, String); 2] {
        match tls {
            Some(t) => [
                ("tls".into(), spelling.spell(t.enabled).into()),
                ("tls-ca".into(), t.ca.clone().unwrap_or_default()),
            ],
            None => [("tls".into(), String::new()), ("tls-ca".into(), String::new())],
        }
    }

    /// Reads `tls`/`tls-ca` from resolved fields; `None` when the provider says nothing.
    pub(crate) fn read(get: impl Fn(&str) -> Option<String>, relation: &RelationLabel) -> Result<Option<Tls>, Error> {
        let ca = get("tls-ca");
        match get("tls") {
            None if ca.is_none() => Ok(None),
            None => Ok(Some(Tls { enabled: true, ca })),
            Some(text) => match parse_flag(&text) {
                Some(enabled) => Ok(Some(Tls { enabled, ca })),
                None => Err(Error::wrong_type(
                    relation,
                    BagSide::RemoteApp,
                    "tls",
                    "true/false or enabled/disabled",
                    "another word",
                )),
            },
        }
    }
}

/// A user and its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: Sensitive,
}

impl Credentials {
    /// Credentials from parts.
    pub fn new(username: impl Into<String>, password: impl Into<Sensitive>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

/// `entity-type`: whether the requirer asks for a user or a group (roles) instead of
/// plain credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    /// `USER`.
    User,
    /// `GROUP`.
    Group,
}

impl EntityType {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::User => "USER",
            EntityType::Group => "GROUP",
        }
    }

    /// Parses the wire text.
    pub fn parse(text: &str, relation: &RelationLabel) -> Result<Self, Error> {
        match text {
            "USER" => Ok(EntityType::User),
            "GROUP" => Ok(EntityType::Group),
            _ => Err(Error::wrong_type(
                relation,
                BagSide::RemoteApp,
                "entity-type",
                "USER or GROUP",
                "another word",
            )),
        }
    }
}

/// The entity part of a request (`entity-type`, `extra-group-roles`,
/// `entity-permissions`), common to every resource interface.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityRequest {
    /// `entity-type`.
    pub entity_type: Option<EntityType>,
    /// `extra-group-roles` (with `GROUP` entities).
    pub extra_group_roles: Option<String>,
    /// `entity-permissions`: JSON text of `[{resource_name, resource_type, privileges}]`.
    pub entity_permissions: Option<String>,
}

impl EntityRequest {
    pub(crate) fn fields(&self) -> Vec<(String, String)> {
        vec![
            (
                "entity-type".into(),
                self.entity_type.map(|e| e.as_str().to_owned()).unwrap_or_default(),
            ),
            (
                "extra-group-roles".into(),
                self.extra_group_roles.clone().unwrap_or_default(),
            ),
            (
                "entity-permissions".into(),
                self.entity_permissions.clone().unwrap_or_default(),
            ),
        ]
    }

    pub(crate) fn read(get: impl Fn(&str) -> Option<String>, relation: &RelationLabel) -> Result<Self, Error> {
        let entity_type = get("entity-type")
            .map(|t| EntityType::parse(&t, relation))
            .transpose()?;
        let entity_permissions = get("entity-permissions");
        if let Some(text) = &entity_permissions {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Array(_)) => {}
                Ok(other) => {
                    return Err(Error::wrong_type(
                        relation,
                        BagSide::RemoteApp,
                        "entity-permissions",
                        "a JSON list",
                        crate::error::kind_of(&other),
                    ))
                }
                Err(e) => return Err(Error::malformed(relation, BagSide::RemoteApp, "entity-permissions", &e)),
            }
        }
        Ok(Self {
            entity_type,
            extra_group_roles: get("extra-group-roles"),
            entity_permissions,
        })
    }
}

/// `entity-name` / `entity-password`, the provider's answer to an entity request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityCredentials {
    /// `entity-name`.
    pub name: String,
    /// `entity-password` (groups have none).
    pub password: Option<Sensitive>,
}

impl EntityCredentials {
    pub(crate) fn fields(entity: Option<&EntityCredentials>) -> [(String, String); 2] {
        [
            ("entity-name".into(), entity.map(|e| e.name.clone()).unwrap_or_default()),
            (
                "entity-password".into(),
                entity
                    .and_then(|e| e.password.as_ref())
                    .map(|p| p.expose().to_owned())
                    .unwrap_or_default(),
            ),
        ]
    }

    pub(crate) fn read(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        get("entity-name").map(|name| Self {
            name,
            password: get("entity-password").map(Sensitive::new),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_reads_every_spelling() {
        let label = RelationLabel::from_parts("zookeeper", 1, None);
        for (text, flag) in [("enabled", true), ("disabled", false), ("True", true), ("false", false)] {
            let t = Tls::read(|k| (k == "tls").then(|| text.to_owned()), &label)
                .unwrap()
                .unwrap();
            assert_eq!(t.enabled, flag);
        }
        assert!(Tls::read(|k| (k == "tls").then(|| "maybe".to_owned()), &label).is_err());
        assert_eq!(Tls::read(|_| None, &label).unwrap(), None);
    }
}
