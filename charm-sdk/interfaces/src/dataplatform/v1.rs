//! `data_interfaces` v1 on the wire, both halves, as pure functions over bags.
//!
//! Source: data-platform-libs `lib/charms/data_platform_libs/v1/data_interfaces.py`
//! (LIBAPI 1, LIBPATCH 3), checked by running that library (ops 3.9, pydantic 2.13) in
//! ops-scenario and comparing bytes; the observed values are the constants of this crate's
//! tests (`tests/dataplatform_v1.rs`).
//!
//! A v1 requirer writes app `version` = `v1` and `requests` = the JSON list of its request
//! models (`RequirerCommonModel.model_dump(mode="json", exclude_none=False)`): `resource`,
//! `request-id` (= [`request_id`]), `salt`, `extra-user-roles`, `extra-group-roles`,
//! `external-node-connectivity`, `entity-type`, `entity-permissions`, `secret-mtls`, then
//! the interface's own declared fields (Kafka: `consumer-group-prefix`), nulls included.
//! A v1 provider answers with app `version` = `v1`, `requests` = one response per
//! `request-id` (`ResourceProviderModel`: `resource`, `request-id`, `salt`, `endpoints`,
//! `read-only-endpoints`, the four `secret-*` URIs, `version`, nulls included), and `data`
//! = `{request-id: request}` — **the Python requirer reads the provider's `data` to match
//! each response with its request and raises when a response's id is missing from it**, so
//! it is not optional bookkeeping here. Which fields are secret is fixed by the models, not
//! negotiated: `user` (username, password, uris, read-only-uris), `tls` (tls as a JSON
//! boolean, tls-ca), `entity`, and per interface `extra` fields (Kafka:
//! consumer-group-prefix, zookeeper-uris); each group's secret is labelled
//! `<endpoint>.<relation id>.<request-id>.<group>.secret` by its owner and by its reader.
//! The requirer's unit `data` holds `{request-id: response}` once a response arrives.
//!
//! A v0 requirer (no `version`, or `v0`) gets the flat v0 layout from a v1 provider; a v0
//! provider never answers a v1-only request (it waits for the flat resource key), which is
//! why [`super::RequirerProtocol::V1WithV0Fallback`] also writes the v0 keys.

use juju_model::Databag;

use super::protocol::SecretGroup;
use super::provider::Spec;
use super::request::{RemoteRequest, RESOURCE_ALIASES};
use crate::pyjson::{self, PyValue};

/// The app key holding the protocol generation.
pub const VERSION: &str = "version";
/// The app key holding the JSON list of requests (requirer) or responses (provider).
pub const REQUESTS: &str = "requests";

/// `gen_hash`: the first 16 hex digits of `sha256("<resource>:<salt>")`.
pub fn request_id(resource: &str, salt: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, format!("{resource}:{salt}").as_bytes());
    digest.as_ref().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// `gen_salt`: 16 random characters of `[A-Za-z0-9]`.
pub fn new_salt() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 16];
    // The system RNG does not fail on the platforms Juju runs on; a fixed salt would only
    // make two requests for one resource collide, which this requirer never makes.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Whether a provider's (or requirer's) app bag speaks v1.
pub fn is_v1(bag: &Databag) -> bool {
    bag.get(VERSION).map(String::as_str) == Some("v1")
}

/// The JSON list under [`REQUESTS`], objects only, in document order (empty when absent or
/// not a list).
pub fn requests_list(bag: &Databag) -> Vec<PyValue> {
    match bag.get(REQUESTS).and_then(|text| PyValue::loads(text).ok()) {
        Some(PyValue::List(items)) => items
            .into_iter()
            .filter(|item| matches!(item, PyValue::Dict(_)))
            .collect(),
        _ => Vec::new(),
    }
}

// ---- provider half -----------------------------------------------------------------------

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

/// The response fields as a v1 provider stores them and the ones that go into secrets:
/// `tls` becomes a JSON boolean (`TlsSecretBool`), and the secret fields are the mapped
/// ones plus `spec.v1_extra_secrets`.
pub fn provider_fields(fields: &[(String, String)], spec: &Spec) -> (Vec<(String, String)>, Vec<String>) {
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| match (k.as_str(), super::protocol::parse_flag(v)) {
            ("tls", Some(flag)) => (k.clone(), flag.to_string()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let secret_fields = v1_secret_fields(&fields, spec.v1_extra_secrets);
    (fields, secret_fields)
}

/// The declared keys of a response object (`ResourceProviderModel`), in model order.
const RESPONSE_KEYS: [&str; 10] = [
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
/// `version`…); `uris` the secret URIs by group. v0 echoes of the resource (`topic`,
/// `database`…) are left out: v1 carries it as `resource`.
pub fn response_item(request: &RemoteRequest, plain: &[(String, String)], uris: &[(SecretGroup, String)]) -> PyValue {
    let lookup = |key: &str| {
        plain
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let uri = |group: SecretGroup| uris.iter().find(|(g, _)| *g == group).map(|(_, u)| u.clone());
    let text = |v: Option<String>| v.map(PyValue::String).unwrap_or(PyValue::Null);
    let mut item = PyValue::Dict(vec![
        ("resource".into(), PyValue::from(request.resource.as_str())),
        ("request-id".into(), text(request.request_id.clone())),
        ("salt".into(), PyValue::String(request.salt.clone().unwrap_or_default())),
        ("endpoints".into(), text(lookup("endpoints"))),
        ("read-only-endpoints".into(), text(lookup("read-only-endpoints"))),
        ("secret-user".into(), text(uri(SecretGroup::User))),
        ("secret-tls".into(), text(uri(SecretGroup::Tls))),
        ("secret-extra".into(), text(uri(SecretGroup::Extra))),
        ("secret-entity".into(), text(uri(SecretGroup::Entity))),
        ("version".into(), text(lookup("version"))),
    ]);
    for (key, value) in plain {
        let known = RESPONSE_KEYS.contains(&key.as_str()) || RESOURCE_ALIASES.contains(&key.as_str());
        if known || value.is_empty() || item.get(key).is_some() {
            continue;
        }
        item.set(key, PyValue::from(value.as_str()));
    }
    item
}

/// Merges `item` into the provider's existing `requests` list (`set_response`: the entry
/// with the same `request-id` is replaced in place, else appended) and returns the new
/// `requests` value. Entries this code did not write are kept as they were.
pub fn merge_requests(own_bag: &Databag, item: PyValue) -> String {
    let id = item.get("request-id").cloned();
    let mut list = requests_list(own_bag);
    match list
        .iter_mut()
        .find(|existing| existing.get("request-id") == id.as_ref())
    {
        Some(existing) => *existing = item,
        None => list.push(item),
    }
    pyjson::dumps(&list).unwrap_or_else(|_| "[]".to_owned())
}

/// A request as the provider stores it in its `data` (`model_dump(exclude_none=True,
/// exclude_defaults=True)` of the requirer's model): nulls, `external-node-connectivity:
/// false`, an empty `resource` and the never-serialised `mtls-cert` are dropped; the rest
/// keeps the requirer's order.
pub fn request_dump(item: &PyValue) -> PyValue {
    let PyValue::Dict(items) = item else {
        return PyValue::dict();
    };
    PyValue::Dict(
        items
            .iter()
            .filter(|(k, v)| {
                !(v.is_null()
                    || k == "data"
                    || k == "mtls-cert"
                    || (k == "external-node-connectivity" && *v == PyValue::Bool(false))
                    || (k == "resource" && v.as_str() == Some("")))
            })
            .cloned()
            .collect(),
    )
}

/// A response as the requirer stores it in its unit `data`: the same rule as
/// [`request_dump`] (nulls and an empty `resource` dropped).
pub fn response_dump(item: &PyValue) -> PyValue {
    request_dump(item)
}

/// The `status` entry of the `data` bookkeeping (`store_new_data`'s `global_data`):
/// `{"<code>": {code, message, resolution}}` from a bag's `status` list; `None` when there
/// are no statuses (the library drops empty entries).
pub fn status_entry(bag_with_status: &Databag) -> Option<PyValue> {
    let list = match bag_with_status
        .get(super::protocol::STATUS)
        .and_then(|text| PyValue::loads(text).ok())
    {
        Some(PyValue::List(items)) => items,
        _ => return None,
    };
    let mut out = PyValue::dict();
    for status in list {
        let code = match status.get("code") {
            Some(PyValue::Number(n)) => n.to_string(),
            _ => continue,
        };
        out.set(&code, status);
    }
    match &out {
        PyValue::Dict(items) if !items.is_empty() => Some(out),
        _ => None,
    }
}

/// `store_new_data` for v1: the existing `data` dict (kept in order), the `status` entry
/// merged in (when there is one), then `data[request_id] = dump`.
pub fn store_data(existing: Option<&str>, status: Option<PyValue>, request_id: &str, dump: PyValue) -> String {
    let mut data = match existing.and_then(|text| PyValue::loads(text).ok()) {
        Some(dict @ PyValue::Dict(_)) => dict,
        _ => PyValue::dict(),
    };
    if let Some(status) = status {
        data.set(super::protocol::STATUS, status);
    }
    data.set(request_id, dump);
    pyjson::dumps(&data).unwrap_or_else(|_| "{}".to_owned())
}

// ---- requirer half -----------------------------------------------------------------------

/// The declared fields of `RequirerCommonModel` after `resource`, `request-id` and `salt`,
/// in model order. `external-node-connectivity` is a boolean, the others strings or lists.
const REQUEST_KEYS: [&str; 6] = [
    "extra-user-roles",
    "extra-group-roles",
    "external-node-connectivity",
    "entity-type",
    "entity-permissions",
    "secret-mtls",
];

/// Builds the request object a v1 requirer writes for one request, from the v0 request
/// fields (`resource_field` names the resource: `topic`, `database`…). Declared fields
/// are always present (null when unset), `spec.v1_request_fields` follow, then any other
/// non-empty field as a string (pydantic's `extra="allow"`). `mtls-cert` travels in the
/// secret named by `mtls_uri`, never in the object.
pub fn request_item(spec: &Spec, fields: &[(String, String)], salt: &str, mtls_uri: Option<&str>) -> (String, PyValue) {
    let get = |key: &str| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let text = |v: Option<&str>| v.map(PyValue::from).unwrap_or(PyValue::Null);
    let resource = get(spec.resource_field).unwrap_or("").to_owned();
    let id = request_id(&resource, salt);
    let mut item = PyValue::Dict(vec![
        ("resource".into(), PyValue::from(resource.as_str())),
        ("request-id".into(), PyValue::from(id.as_str())),
        ("salt".into(), PyValue::from(salt)),
    ]);
    for key in REQUEST_KEYS {
        let value = match key {
            "external-node-connectivity" => {
                PyValue::Bool(get(key).and_then(super::protocol::parse_flag).unwrap_or(false))
            }
            "entity-permissions" => get(key).and_then(|t| PyValue::loads(t).ok()).unwrap_or(PyValue::Null),
            "secret-mtls" => text(mtls_uri),
            _ => text(get(key)),
        };
        item.set(key, value);
    }
    for key in spec.v1_request_fields {
        item.set(key, text(get(key)));
    }
    for (key, value) in fields {
        let skip = key == spec.resource_field
            || key == "mtls-cert"
            || value.is_empty()
            || item.get(key).is_some()
            || super::protocol::is_protocol_key(key);
        if !skip {
            item.set(key, PyValue::from(value.as_str()));
        }
    }
    (id, item)
}

/// The response to one request in a provider's v1 bag: by `request-id` when known (the
/// leader reads it from its own bag), else by resource (non-leaders cannot read their own
/// application bag), else the only response.
pub fn find_response(provider_bag: &Databag, request_id: Option<&str>, resource: Option<&str>) -> Option<PyValue> {
    let list = requests_list(provider_bag);
    if let Some(id) = request_id {
        return list
            .into_iter()
            .find(|r| r.get("request-id").and_then(PyValue::as_str) == Some(id));
    }
    if let Some(resource) = resource {
        return list
            .into_iter()
            .find(|r| r.get("resource").and_then(PyValue::as_str) == Some(resource));
    }
    (list.len() == 1).then(|| list.into_iter().next()).flatten()
}

/// The plain fields of a response as a v0-shaped bag: the resource under `resource_field`,
/// every other non-null value as a string, the `secret-*` URIs by group.
pub fn response_fields(response: &PyValue, resource_field: &str) -> (Databag, Vec<(SecretGroup, String)>) {
    let mut plain = Databag::new();
    let mut uris = Vec::new();
    let PyValue::Dict(items) = response else {
        return (plain, uris);
    };
    for (key, value) in items {
        let Some(text) = value.to_field().filter(|t| !t.is_empty()) else {
            continue;
        };
        if let Some(group) = SecretGroup::from_key(key) {
            uris.push((group, text));
        } else if key == "resource" {
            plain.insert(resource_field.to_owned(), text);
        } else if key != "request-id" && key != "salt" {
            plain.insert(key.clone(), text);
        }
    }
    (plain, uris)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_match_gen_hash() {
        // python3 -c 'import hashlib; print(hashlib.sha256(b"t1:abcdefghijklmnop").hexdigest()[:16])'
        assert_eq!(request_id("t1", "abcdefghijklmnop"), "9d9a3b38bae66c7b");
        let salt = new_salt();
        assert_eq!(salt.len(), 16);
        assert!(salt.chars().all(|c| c.is_ascii_alphanumeric()), "{salt}");
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
            raw: None,
        };
        let item = response_item(
            &request,
            &[("topic".into(), "t1".into()), ("endpoints".into(), "k:9092".into())],
            &[(SecretGroup::User, "secret:abc".into())],
        );
        assert_eq!(
            pyjson::dumps(&item).unwrap(),
            r#"{"resource": "t1", "request-id": "9d9a3b38bae66c7b", "salt": "abcdefghijklmnop", "endpoints": "k:9092", "read-only-endpoints": null, "secret-user": "secret:abc", "secret-tls": null, "secret-extra": null, "secret-entity": null, "version": null}"#
        );
        let merged = merge_requests(&Databag::new(), item.clone());
        let again: Databag = [(REQUESTS.to_owned(), merged.clone())].into();
        assert_eq!(
            merge_requests(&again, item),
            merged,
            "replacing the same request id is idempotent"
        );
    }

    #[test]
    fn data_keeps_order_and_adds_statuses() {
        let item = PyValue::loads(
            r#"{"resource": "events", "request-id": "r1", "salt": "s", "extra-user-roles": "producer", "extra-group-roles": null, "external-node-connectivity": false, "secret-mtls": null}"#,
        )
        .unwrap();
        let data = store_data(None, None, "r1", request_dump(&item));
        assert_eq!(
            data,
            r#"{"r1": {"resource": "events", "request-id": "r1", "salt": "s", "extra-user-roles": "producer"}}"#
        );
        let bag: Databag = [(
            "status".to_owned(),
            r#"[{"code": 4001, "message": "m", "resolution": "r"}]"#.to_owned(),
        )]
        .into();
        let data = store_data(Some(&data), status_entry(&bag), "r2", PyValue::dict());
        assert!(
            data.ends_with(r#""status": {"4001": {"code": 4001, "message": "m", "resolution": "r"}}, "r2": {}}"#),
            "{data}"
        );
    }
}
