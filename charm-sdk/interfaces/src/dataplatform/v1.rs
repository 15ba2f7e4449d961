//! The provider half of `data_interfaces` v1, for requirers that send `version: v1`.
//!
//! Source: data-platform-libs `lib/charms/data_platform_libs/v1/data_interfaces.py`
//! (LIBAPI 1, LIBPATCH 3). A v1 requirer sends several requests in one JSON list; the
//! provider answers with its own `requests` list, one response per `request-id`, and keeps
//! credentials in secrets labelled per request. Which fields are secret is fixed by the
//! library's models, not negotiated: `user` (username, password, uris, read-only-uris),
//! `tls` (tls as a JSON boolean, tls-ca), `entity`, and per interface `extra` fields
//! (Kafka: consumer-group-prefix, zookeeper-uris).
//!
//! The response object is what pydantic's `model_dump(mode="json", exclude_none=False)`
//! gives for `ResourceProviderModel`: `resource`, `request-id`, `salt`, `endpoints`,
//! `read-only-endpoints`, the four `secret-*` URIs and `version`, nulls included, then
//! any other plaintext fields in the caller's order.

use juju_model::Databag;
use serde_json::Value;

use super::protocol::SecretGroup;
use super::request::RemoteRequest;
use crate::pyjson::{self, Ordered};

/// `gen_hash`: the first 16 hex digits of `sha256("<resource>:<salt>")`.
pub fn request_id(resource: &str, salt: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, format!("{resource}:{salt}").as_bytes());
    digest.as_ref().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The groups a v1 response keeps fields in, by model: mapped fields by
/// `SECRET_LABEL_MAP`, plus the interface's `extra` fields.
pub fn v1_secret_fields(fields: &[(String, String)], extra_secret_fields: &[&str]) -> Vec<String> {
    fields
        .iter()
        .map(|(k, _)| k)
        .filter(|k| SecretGroup::is_mapped(k) || extra_secret_fields.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// The fixed keys of a response object, in model order.
const MODEL_KEYS: [&str; 10] = [
    "resource",
    "request-id",
    "salt",
    "endpoints",
    "read-only-endpoints",
    "secret-user",
    "secret-tls",
    "secret-extra",
    "secret-entity",
    "version",
];

/// Builds one response object. `plain` holds the non-secret fields (`endpoints`,
/// `version`…); `uris` the secret URIs by group.
pub fn response_item(
    request: &RemoteRequest,
    plain: &[(String, String)],
    uris: &[(SecretGroup, String)],
) -> Ordered<Value> {
    let lookup = |key: &str| {
        plain
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let uri = |group: SecretGroup| uris.iter().find(|(g, _)| *g == group).map(|(_, u)| u.clone());
    let text = |v: Option<String>| v.map(Value::String).unwrap_or(Value::Null);
    let mut items: Vec<(String, Value)> = vec![
        ("resource".into(), Value::String(request.resource.clone())),
        ("request-id".into(), text(request.request_id.clone())),
        ("salt".into(), Value::String(request.salt.clone().unwrap_or_default())),
        ("endpoints".into(), text(lookup("endpoints"))),
        ("read-only-endpoints".into(), text(lookup("read-only-endpoints"))),
        ("secret-user".into(), text(uri(SecretGroup::User))),
        ("secret-tls".into(), text(uri(SecretGroup::Tls))),
        ("secret-extra".into(), text(uri(SecretGroup::Extra))),
        ("secret-entity".into(), text(uri(SecretGroup::Entity))),
        ("version".into(), text(lookup("version"))),
    ];
    for (key, value) in plain {
        if MODEL_KEYS.contains(&key.as_str()) || value.is_empty() || items.iter().any(|(k, _)| k == key) {
            continue;
        }
        items.push((key.clone(), Value::String(value.clone())));
    }
    Ordered(items)
}

/// Merges `item` into the provider's existing `requests` list (replacing the entry with
/// the same `request-id`, else appending) and returns the new `requests` value.
/// Entries this code did not write are kept as they were parsed.
pub fn merge_requests(own_bag: &Databag, item: Ordered<Value>) -> String {
    let id = item.0.iter().find(|(k, _)| k == "request-id").map(|(_, v)| v.clone());
    let mut list: Vec<Ordered<Value>> = own_bag
        .get("requests")
        .and_then(|text| serde_json::from_str::<Vec<Value>>(text).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(map) => Some(Ordered(reorder(map))),
            _ => None,
        })
        .collect();
    match list.iter_mut().find(|existing| {
        existing
            .0
            .iter()
            .any(|(k, v)| k == "request-id" && Some(v) == id.as_ref())
    }) {
        Some(existing) => *existing = item,
        None => list.push(item),
    }
    pyjson::dumps(&list).unwrap_or_else(|_| "[]".to_owned())
}

/// Puts a parsed response back in model order (serde_json maps are sorted).
fn reorder(mut map: serde_json::Map<String, Value>) -> Vec<(String, Value)> {
    let mut out = Vec::with_capacity(map.len());
    for key in MODEL_KEYS {
        if let Some(v) = map.remove(key) {
            out.push((key.to_owned(), v));
        }
    }
    out.extend(map);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_match_gen_hash() {
        // python3 -c 'import hashlib; print(hashlib.sha256(b"t1:abcdefghijklmnop").hexdigest()[:16])'
        assert_eq!(request_id("t1", "abcdefghijklmnop"), "9d9a3b38bae66c7b");
    }

    #[test]
    fn response_objects_follow_model_order_with_nulls() {
        let request = RemoteRequest {
            request_id: Some("9d9a3b38bae66c7b".into()),
            salt: Some("abcdefghijklmnop".into()),
            resource: "t1".into(),
            fields: Databag::new(),
            requested_secrets: vec![],
            provided_secrets: vec![],
            secret_uris: Default::default(),
        };
        let item = response_item(
            &request,
            &[("endpoints".into(), "k:9092".into())],
            &[(SecretGroup::User, "secret:abc".into())],
        );
        assert_eq!(
            pyjson::dumps(&item).unwrap(),
            r#"{"resource": "t1", "request-id": "9d9a3b38bae66c7b", "salt": "abcdefghijklmnop", "endpoints": "k:9092", "read-only-endpoints": null, "secret-user": "secret:abc", "secret-tls": null, "secret-extra": null, "secret-entity": null, "version": null}"#
        );
        let merged = merge_requests(&Databag::new(), item.clone());
        let again: Databag = [("requests".to_owned(), merged.clone())].into();
        assert_eq!(
            merge_requests(&again, item),
            merged,
            "replacing the same request id is idempotent"
        );
    }
}
