//! The JSON bodies of Kafka's znodes, byte-compatible with what Kafka writes.

use std::collections::{BTreeMap, BTreeSet};

use crate::acl::{AclEntry, Operation, Permission};

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// `{"version":1,"config":{…}}` of `/config/<type>/<entity>` (`ConfigEntityZNode.encode`).
pub fn encode_user_config(config: &BTreeMap<String, String>) -> Vec<u8> {
    let entries: Vec<String> = config
        .iter()
        .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
        .collect();
    format!("{{\"version\":1,\"config\":{{{}}}}}", entries.join(",")).into_bytes()
}

/// The `config` object of an entity znode; empty data reads as no config.
pub fn decode_user_config(data: &[u8]) -> Result<BTreeMap<String, String>, String> {
    if data.is_empty() {
        return Ok(BTreeMap::new());
    }
    let value: serde_json::Value = serde_json::from_slice(data).map_err(|e| format!("not JSON: {e}"))?;
    let config = value
        .get("config")
        .and_then(serde_json::Value::as_object)
        .ok_or("no \"config\" object")?;
    config
        .iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), s.to_owned()))
                .ok_or_else(|| format!("config value of {k} is not a string"))
        })
        .collect()
}

/// `{"acls":[…],"version":1}` (`AclEntry.toJsonCompatibleMap`; a `java.util.HashMap`, whose
/// iteration puts `acls` first and orders each entry's keys principal, permissionType, host,
/// operation). Entries sorted, so equal sets give equal bytes.
pub fn encode_acls(entries: &BTreeSet<AclEntry>) -> Vec<u8> {
    let items: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{{\"principal\":{},\"permissionType\":{},\"host\":{},\"operation\":{}}}",
                quote(&e.principal),
                quote(e.permission.pascal()),
                quote(&e.host),
                quote(e.operation.pascal())
            )
        })
        .collect();
    format!("{{\"acls\":[{}],\"version\":1}}", items.join(",")).into_bytes()
}

/// Parses an ACL znode (`AclEntry.fromBytes`: version 1, names in either case).
pub fn decode_acls(data: &[u8]) -> Result<BTreeSet<AclEntry>, String> {
    if data.is_empty() {
        return Ok(BTreeSet::new());
    }
    let value: serde_json::Value = serde_json::from_slice(data).map_err(|e| format!("not JSON: {e}"))?;
    if value.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
        return Err("version is not 1".into());
    }
    let acls = value
        .get("acls")
        .and_then(serde_json::Value::as_array)
        .ok_or("no \"acls\" array")?;
    acls.iter()
        .map(|item| {
            let field = |key: &str| {
                item.get(key)
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| format!("ACL entry without {key}"))
            };
            Ok(AclEntry {
                principal: field("principal")?.to_owned(),
                permission: Permission::parse(field("permissionType")?).ok_or("unknown permissionType")?,
                operation: Operation::parse(field("operation")?).ok_or("unknown operation")?,
                host: field("host")?.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_json_matches_kafkas_layout_and_round_trips() {
        let entries: BTreeSet<AclEntry> = [AclEntry::allow_user("relation-7", Operation::Read)].into();
        let bytes = encode_acls(&entries);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"acls":[{"principal":"User:relation-7","permissionType":"Allow","host":"*","operation":"Read"}],"version":1}"#
        );
        assert_eq!(decode_acls(&bytes).unwrap(), entries);
        let upper = br#"{"version":1,"acls":[{"host":"*","operation":"READ","principal":"User:relation-7","permissionType":"ALLOW"}]}"#;
        assert_eq!(decode_acls(upper).unwrap(), entries);
        assert!(decode_acls(br#"{"version":2,"acls":[]}"#).is_err());
    }

    #[test]
    fn user_config_json() {
        let config: BTreeMap<String, String> = [("SCRAM-SHA-512".to_owned(), "salt=YQ==".to_owned())].into();
        let bytes = encode_user_config(&config);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"version":1,"config":{"SCRAM-SHA-512":"salt=YQ=="}}"#
        );
        assert_eq!(decode_user_config(&bytes).unwrap(), config);
        assert!(decode_user_config(b"{}").is_err());
    }
}
