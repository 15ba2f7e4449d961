//! Kafka's znodes under its chroot, read back with a real ZooKeeper session and parsed the way
//! Kafka 3.9 parses them (`ConfigEntityZNode`, `ScramCredentialUtils.credentialFromString`,
//! `AclEntry.fromBytes`) — with serde_json here, not with the charm's own decoders, so a
//! layout mistake in the charm cannot hide behind a matching mistake in its reader. Only the
//! SCRAM arithmetic reuses the charm's `scram` module (checked against RFC vectors in
//! `tests/scram_vectors.rs`).

use std::collections::BTreeSet;

use kafka_k8s::scram::{ScramMechanism, StoredCredential};
use serde_json::Value;
use zk_admin::Admin;

use super::CHROOT;

/// `/kafka-k8s/config/users/<user>`.
pub fn user_path(user: &str) -> String {
    format!("{CHROOT}/config/users/{user}")
}

/// `/kafka-k8s/kafka-acl/<Type>/<name>` (LITERAL patterns).
pub fn literal_acl_path(resource_type: &str, name: &str) -> String {
    format!("{CHROOT}/kafka-acl/{resource_type}/{name}")
}

/// `/kafka-k8s/kafka-acl-extended/prefixed/<Type>/<name>` (PREFIXED patterns).
pub fn prefixed_acl_path(resource_type: &str, name: &str) -> String {
    format!("{CHROOT}/kafka-acl-extended/prefixed/{resource_type}/{name}")
}

/// A znode's data, `None` when it does not exist.
pub fn read(admin: &Admin, path: &str) -> Result<Option<Vec<u8>>, zk_admin::Error> {
    match admin.get_data(path) {
        Ok((data, _)) => Ok(Some(data)),
        Err(e) if e.is_no_node() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A user's SCRAM-SHA-512 credential as Kafka stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredential {
    /// The znode's JSON text.
    pub json: String,
    /// The `SCRAM-SHA-512` value: `salt=…,stored_key=…,server_key=…,iterations=…`.
    pub text: String,
    /// It, parsed.
    pub stored: StoredCredential,
}

impl UserCredential {
    /// Whether `password` gives this credential (StoredKey and ServerKey recomputed from the
    /// salt and iteration count).
    pub fn matches(&self, password: &str) -> bool {
        self.stored.matches(ScramMechanism::Sha512, password)
    }
}

/// Parses `{"version":1,"config":{"SCRAM-SHA-512":"…"}}`.
pub fn parse_user(data: &[u8]) -> Result<UserCredential, String> {
    let json = String::from_utf8(data.to_vec()).map_err(|e| e.to_string())?;
    let value: Value = serde_json::from_str(&json).map_err(|e| format!("{json}: {e}"))?;
    if value["version"] != 1 {
        return Err(format!("version is not 1: {json}"));
    }
    let text = value["config"]["SCRAM-SHA-512"]
        .as_str()
        .ok_or_else(|| format!("no config.SCRAM-SHA-512: {json}"))?
        .to_owned();
    let keys: Vec<&str> = text
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, _)| k)
        .collect();
    if keys != ["salt", "stored_key", "server_key", "iterations"] {
        return Err(format!("not Kafka's credential layout: keys {keys:?}"));
    }
    let stored = StoredCredential::parse(&text).map_err(|e| e.to_string())?;
    Ok(UserCredential { json, text, stored })
}

/// The user's credential, `None` without a znode.
pub fn user(admin: &Admin, user: &str) -> Result<Option<UserCredential>, String> {
    let path = user_path(user);
    match read(admin, &path).map_err(|e| format!("{path}: {e}"))? {
        None => Ok(None),
        Some(data) => parse_user(&data).map(Some),
    }
}

/// One ACL entry: (principal, permissionType, host, operation), as stored.
pub type Entry = (String, String, String, String);

/// Parses `{"acls":[{"principal":…,"permissionType":…,"host":…,"operation":…}],"version":1}`.
pub fn parse_acls(data: &[u8]) -> Result<BTreeSet<Entry>, String> {
    let value: Value = serde_json::from_slice(data).map_err(|e| e.to_string())?;
    if value["version"] != 1 {
        return Err(format!("version is not 1: {value}"));
    }
    let acls = value["acls"].as_array().ok_or("no acls array")?;
    acls.iter()
        .map(|a| {
            let field = |k: &str| a[k].as_str().map(str::to_owned).ok_or(format!("no {k} in {a}"));
            Ok((
                field("principal")?,
                field("permissionType")?,
                field("host")?,
                field("operation")?,
            ))
        })
        .collect()
}

/// The entries of an ACL znode, `None` without it.
pub fn acls(admin: &Admin, path: &str) -> Result<Option<BTreeSet<Entry>>, String> {
    match read(admin, path).map_err(|e| format!("{path}: {e}"))? {
        None => Ok(None),
        Some(data) => parse_acls(&data).map(Some),
    }
}

/// `(path, operation)` of every entry naming `principal`, over every ACL znode (literal and
/// prefixed) under the chroot.
pub fn principal_acls(admin: &Admin, principal: &str) -> Result<BTreeSet<(String, String)>, String> {
    let mut out = BTreeSet::new();
    for root in [
        format!("{CHROOT}/kafka-acl"),
        format!("{CHROOT}/kafka-acl-extended/prefixed"),
    ] {
        for resource_type in children(admin, &root)? {
            let dir = format!("{root}/{resource_type}");
            for name in children(admin, &dir)? {
                let path = format!("{dir}/{name}");
                for (p, _, _, op) in acls(admin, &path)?.unwrap_or_default() {
                    if p == principal {
                        out.insert((path.clone(), op));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The children of `path` (none when it does not exist).
pub fn children(admin: &Admin, path: &str) -> Result<Vec<String>, String> {
    match admin.get_children(path) {
        Ok(c) => Ok(c),
        Err(e) if e.is_no_node() => Ok(Vec::new()),
        Err(e) => Err(format!("{path}: {e}")),
    }
}

/// An `Allow` entry for any host, as the charm writes them.
pub fn allow(user: &str, operation: &str) -> Entry {
    (
        format!("User:{user}"),
        "Allow".to_owned(),
        "*".to_owned(),
        operation.to_owned(),
    )
}
