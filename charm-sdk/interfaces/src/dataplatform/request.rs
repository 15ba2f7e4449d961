//! What a requirer asked for, decoded from its application bag (v0 flat keys or the v1
//! `requests` list).
//!
//! The provider cannot trust this bag: it comes from any charm, in any library version.
//! Decoding is total (every string bag gives a value or a typed error naming the relation)
//! and never looks at values it does not need.

use std::collections::BTreeMap;

use juju_model::Databag;

use super::protocol::{decode_list, SecretGroup, PROVIDED_SECRETS, REQUESTED_SECRETS};
use super::provider::Spec;
use crate::error::{BagSide, Error, RelationLabel};
use crate::pyjson::PyValue;

/// Which generation of `data_interfaces` the requirer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Flat keys, `requested-secrets` negotiation (`version` absent or `v0`).
    V0,
    /// `version: v1` and a JSON `requests` list.
    V1,
}

/// The keys a v1 request may use for its resource (`RESOURCE_ALIASES`).
pub const RESOURCE_ALIASES: [&str; 6] = ["database", "subject", "topic", "index", "plugin-url", "prefix"];

/// One request of a requirer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRequest {
    /// v1 `request-id` (first 16 hex digits of `sha256("<resource>:<salt>")`); `None` in v0.
    pub request_id: Option<String>,
    /// v1 `salt`, echoed in the response; `None` in v0.
    pub salt: Option<String>,
    /// The requested resource (topic, database, chroot, bucket, service account).
    pub resource: String,
    /// The request's other fields as strings (v1 non-string values as compact JSON text).
    pub fields: Databag,
    /// v0 `requested-secrets`: empty when the requirer cannot use secrets.
    pub requested_secrets: Vec<String>,
    /// v0 `provided-secrets`: fields the requirer shares through its own secrets.
    pub provided_secrets: Vec<String>,
    /// Secret URIs the requirer shares (`secret-mtls`).
    pub secret_uris: BTreeMap<SecretGroup, String>,
    /// v1: the request object as the requirer wrote it (key order kept), for the
    /// provider's `data` bookkeeping; `None` in v0.
    pub raw: Option<PyValue>,
}

impl RemoteRequest {
    /// A field of the request, if set and non-empty.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// Everything the requirer's application bag says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirerData {
    /// The protocol generation.
    pub protocol: Protocol,
    /// The requests (v0: at most one, and none until the resource field is set).
    pub requests: Vec<RemoteRequest>,
}

/// Decodes a requirer application bag. A v0 request exists once one of the spec's
/// `ready_keys` is set (the library's `PrematureDataAccessError` rule); its resource is the
/// value of `resource_field` (`topic`, `database`, `bucket`…), possibly empty.
pub fn decode_requirer_bag(bag: &Databag, spec: &Spec, relation: &RelationLabel) -> Result<RequirerData, Error> {
    let version = bag.get("version").map(String::as_str).unwrap_or("v0");
    match version {
        "" | "v0" => decode_v0(bag, spec, relation),
        "v1" => decode_v1(bag, relation),
        _ => Err(Error::wrong_type(
            relation,
            BagSide::RemoteApp,
            "version",
            "\"v0\" or \"v1\"",
            "another version",
        )),
    }
}

fn decode_v0(bag: &Databag, spec: &Spec, relation: &RelationLabel) -> Result<RequirerData, Error> {
    let requested_secrets = decode_list(bag, REQUESTED_SECRETS, relation, BagSide::RemoteApp)?.unwrap_or_default();
    let provided_secrets = decode_list(bag, PROVIDED_SECRETS, relation, BagSide::RemoteApp)?.unwrap_or_default();
    let mut requests = Vec::new();
    let ready = spec
        .ready_keys
        .iter()
        .any(|k| bag.get(*k).is_some_and(|v| !v.is_empty()));
    if ready {
        let resource = bag.get(spec.resource_field).cloned().unwrap_or_default();
        let mut fields = Databag::new();
        let mut secret_uris = BTreeMap::new();
        for (key, value) in bag {
            if let Some(group) = SecretGroup::from_key(key) {
                secret_uris.insert(group, value.clone());
            } else if !super::protocol::is_protocol_key(key) && key != "version" {
                fields.insert(key.clone(), value.clone());
            }
        }
        requests.push(RemoteRequest {
            request_id: None,
            salt: None,
            resource,
            fields,
            requested_secrets,
            provided_secrets,
            secret_uris,
            raw: None,
        });
    }
    Ok(RequirerData {
        protocol: Protocol::V0,
        requests,
    })
}

fn decode_v1(bag: &Databag, relation: &RelationLabel) -> Result<RequirerData, Error> {
    let Some(text) = bag.get(super::v1::REQUESTS).filter(|t| !t.is_empty()) else {
        return Ok(RequirerData {
            protocol: Protocol::V1,
            requests: Vec::new(),
        });
    };
    let value = PyValue::loads(text).map_err(|e| Error::malformed(relation, BagSide::RemoteApp, "requests", &e))?;
    let wrong = |found: String| {
        Error::wrong_type(
            relation,
            BagSide::RemoteApp,
            "requests",
            "a JSON list of request objects",
            found,
        )
    };
    let PyValue::List(items) = value else {
        return Err(wrong(value.kind().to_owned()));
    };
    let mut requests = Vec::with_capacity(items.len());
    for item in items {
        let PyValue::Dict(entries) = &item else {
            return Err(wrong(format!("a list holding {}", item.kind())));
        };
        let mut fields = Databag::new();
        let mut secret_uris = BTreeMap::new();
        let mut resource = None;
        let mut request_id = None;
        let mut salt = None;
        for (key, value) in entries {
            let Some(text) = value.to_field() else { continue };
            match key.as_str() {
                "resource" => resource = Some(text),
                "request-id" => request_id = Some(text),
                "salt" => salt = Some(text),
                k if RESOURCE_ALIASES.contains(&k) => {
                    resource.get_or_insert(text);
                }
                k => {
                    if let Some(group) = SecretGroup::from_key(k) {
                        secret_uris.insert(group, text);
                    } else {
                        fields.insert(key.clone(), text);
                    }
                }
            }
        }
        let Some(resource) = resource.filter(|r| !r.is_empty()) else {
            continue;
        };
        let salt = salt.unwrap_or_default();
        let request_id = request_id
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| super::v1::request_id(&resource, &salt));
        requests.push(RemoteRequest {
            request_id: Some(request_id),
            salt: Some(salt),
            resource,
            fields,
            requested_secrets: Vec::new(),
            provided_secrets: Vec::new(),
            secret_uris,
            raw: Some(item.clone()),
        });
    }
    Ok(RequirerData {
        protocol: Protocol::V1,
        requests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bag(items: &[(&str, &str)]) -> Databag {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn label() -> RelationLabel {
        RelationLabel::from_parts("kafka-client", 4, Some("data-integrator"))
    }

    #[test]
    fn v0_request_waits_for_the_resource_field() {
        let b = bag(&[("requested-secrets", r#"["username", "password"]"#)]);
        let data = decode_requirer_bag(&b, &crate::dataplatform::kafka::KAFKA_CLIENT, &label()).unwrap();
        assert_eq!(data.protocol, Protocol::V0);
        assert!(data.requests.is_empty());
        let b = bag(&[
            ("requested-secrets", r#"["username"]"#),
            ("topic", "events"),
            ("extra-user-roles", "producer"),
            ("data", "{}"),
        ]);
        let data = decode_requirer_bag(&b, &crate::dataplatform::kafka::KAFKA_CLIENT, &label()).unwrap();
        let req = &data.requests[0];
        assert_eq!(req.resource, "events");
        assert_eq!(req.field("extra-user-roles"), Some("producer"));
        assert_eq!(req.requested_secrets, vec!["username".to_owned()]);
        assert!(!req.fields.contains_key("data"));
    }

    #[test]
    fn bad_lists_are_typed_errors() {
        let b = bag(&[("requested-secrets", "{\"a\": 1}"), ("topic", "t")]);
        let err = decode_requirer_bag(&b, &crate::dataplatform::kafka::KAFKA_CLIENT, &label()).unwrap_err();
        assert!(matches!(err, Error::WrongType { .. }), "{err}");
        assert!(err.to_string().contains("kafka-client:4 (data-integrator)"));
    }

    #[test]
    fn v1_requests_are_listed_with_ids() {
        let b = bag(&[
            ("version", "v1"),
            (
                "requests",
                r#"[{"resource": "t1", "request-id": null, "salt": "abcdefghijklmnop", "extra-user-roles": "admin", "external-node-connectivity": false}]"#,
            ),
        ]);
        let data = decode_requirer_bag(&b, &crate::dataplatform::kafka::KAFKA_CLIENT, &label()).unwrap();
        assert_eq!(data.protocol, Protocol::V1);
        let req = &data.requests[0];
        assert_eq!(req.resource, "t1");
        assert_eq!(
            req.request_id.as_deref(),
            Some(super::super::v1::request_id("t1", "abcdefghijklmnop").as_str())
        );
        assert_eq!(req.field("external-node-connectivity"), Some("false"));
    }
}
