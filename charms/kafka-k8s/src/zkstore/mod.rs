//! Kafka's users and ACLs written straight into ZooKeeper, as Kafka 3.9 stores them.
//!
//! In ZooKeeper mode the internal users (`admin`, `sync`) must exist before any broker can
//! start, so the Python charm wrote them with `kafka-configs.sh --zookeeper …` from inside the
//! workload container, and later managed client users and ACLs with `kafka-configs.sh` /
//! `kafka-acls.sh` over the brokers. This module writes the same znodes from the charm with
//! [`zk_admin`], computing SCRAM credentials in Rust ([`crate::scram`]) — no JVM tool, and
//! it works before the first broker starts. The layout is Kafka's own (3.9,
//! `core/src/main/scala/kafka/zk/ZkData.scala`, `AdminZkClient.changeEntityConfig`,
//! `AclAuthorizer.updateResourceAcls`), all under the chroot the ZooKeeper charm granted:
//!
//! | what | znode | data |
//! |---|---|---|
//! | a user's credentials | `/config/users/<user>` | `{"version":1,"config":{"SCRAM-SHA-512":"salt=…,stored_key=…,server_key=…,iterations=4096"}}` |
//! | its change notice | `/config/changes/config_change_<seq>` | `{"version":2,"entity_path":"users/<user>"}` |
//! | LITERAL ACLs | `/kafka-acl/<Type>/<name>` | `{"acls":[{"principal":"User:x","permissionType":"Allow","host":"*","operation":"Read"}],"version":1}` |
//! | their change notice | `/kafka-acl-changes/acl_changes_<seq>` | `TOPIC:<name>` |
//! | PREFIXED ACLs | `/kafka-acl-extended/prefixed/<Type>/<name>` | as LITERAL |
//! | their change notice | `/kafka-acl-extended-changes/acl_changes_<seq>` | `{"version":1,"resourceType":"TOPIC","name":"…","patternType":"PREFIXED"}` |
//!
//! JSON key order is the order Kafka's Jackson output has (Scala maps keep insertion order,
//! `java.util.HashMap` its bucket order), so the bytes match a broker-written node; readers
//! (Kafka's and ours) do not depend on it. Brokers pick changes up through the notices, so a
//! running cluster applies them without restart, like `kafka-configs.sh`/`kafka-acls.sh`.
//!
//! Every write is idempotent: a user whose stored credential already matches the password
//! (same salt re-derived, [`crate::scram::StoredCredential::matches`]) and an ACL set equal to
//! the desired one are left alone, and no notice is written. Every znode created here gets
//! the ACL `sasl:<Kafka's ZooKeeper user>:cdrwa`, so only Kafka's user (which the brokers log
//! in as, through the JAAS `Client` section) can read the credentials. Kafka itself would add
//! `world:anyone:r` to the non-credential paths (`ZkData.defaultAcls`); this module does not.

mod acls;
mod json;
mod users;

use zk_admin::{Acl, Admin, CreateMode, Perms};

use crate::error::Error;

pub use json::{decode_acls, decode_user_config, encode_acls, encode_user_config};

/// `/config/users`.
pub const USERS_PATH: &str = "/config/users";
/// `/config/changes`.
pub const CONFIG_CHANGES_PATH: &str = "/config/changes";
/// Prefix of config change notices.
pub const CONFIG_CHANGE_PREFIX: &str = "config_change_";
/// Root of LITERAL ACLs.
pub const LITERAL_ACL_PATH: &str = "/kafka-acl";
/// Root of LITERAL ACL change notices.
pub const LITERAL_ACL_CHANGES_PATH: &str = "/kafka-acl-changes";
/// Root of PREFIXED ACLs (`/kafka-acl-extended/prefixed`).
pub const EXTENDED_ACL_PATH: &str = "/kafka-acl-extended";
/// Root of extended ACL change notices.
pub const EXTENDED_ACL_CHANGES_PATH: &str = "/kafka-acl-extended-changes";
/// Prefix of ACL change notices.
pub const ACL_CHANGE_PREFIX: &str = "acl_changes_";

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The znode was created.
    Created,
    /// The znode was rewritten.
    Updated,
    /// The znode was removed.
    Deleted,
    /// Nothing to do.
    Unchanged,
}

impl Change {
    /// Whether anything was written.
    pub fn changed(self) -> bool {
        self != Change::Unchanged
    }
}

/// Kafka's metadata in one chroot, written as Kafka's ZooKeeper user.
pub struct KafkaZkStore<'a> {
    admin: &'a Admin,
    chroot: String,
    owner: String,
}

impl std::fmt::Debug for KafkaZkStore<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaZkStore")
            .field("chroot", &self.chroot)
            .field("owner", &self.owner)
            .finish()
    }
}

impl<'a> KafkaZkStore<'a> {
    /// A store under `chroot` (`/kafka-k8s`; `/` or empty for none) of a session
    /// authenticated as `owner`, the ZooKeeper user the brokers use.
    pub fn new(admin: &'a Admin, chroot: &str, owner: &str) -> Result<KafkaZkStore<'a>, Error> {
        let chroot = chroot.trim().trim_end_matches('/');
        if !chroot.is_empty() && (!chroot.starts_with('/') || chroot.contains("//")) {
            return Err(Error::InvalidArgument(format!(
                "chroot {chroot:?} is not an absolute znode path"
            )));
        }
        if owner.is_empty() {
            return Err(Error::InvalidArgument("the owner user name is empty".into()));
        }
        Ok(KafkaZkStore {
            admin,
            chroot: chroot.to_owned(),
            owner: owner.to_owned(),
        })
    }

    /// The absolute znode path of a path relative to the chroot.
    pub fn path(&self, relative: &str) -> String {
        format!("{}{relative}", self.chroot)
    }

    /// The ACL of every znode this store creates: the owner only.
    pub fn znode_acl(&self) -> Vec<Acl> {
        vec![Acl::sasl(&self.owner, Perms::ALL)]
    }

    fn ensure_parent(&self, path: &str) -> Result<(), Error> {
        if let Some((parent, _)) = path.rsplit_once('/') {
            if !parent.is_empty() {
                self.admin.ensure_path(parent, &self.znode_acl())?;
            }
        }
        Ok(())
    }

    /// Creates a persistent sequential notice `<dir>/<prefix><seq>` with `data`.
    fn notify(&self, dir: &str, prefix: &str, data: &[u8]) -> Result<String, Error> {
        let dir = self.path(dir);
        self.admin.ensure_path(&dir, &self.znode_acl())?;
        Ok(self.admin.create(
            &format!("{dir}/{prefix}"),
            data,
            &self.znode_acl(),
            CreateMode::PersistentSequential,
        )?)
    }

    /// Reads a znode; `None` when missing.
    fn read(&self, path: &str) -> Result<Option<(Vec<u8>, i32)>, Error> {
        match self.admin.get_data(path) {
            Ok((data, stat)) => Ok(Some((data, stat.version))),
            Err(e) if e.is_no_node() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates `path` with `data`, or replaces it if it still has `version`. `Ok(false)` when
    /// someone else got there first (the caller re-reads and retries).
    fn write(&self, path: &str, data: &[u8], version: Option<i32>) -> Result<bool, Error> {
        match version {
            None => {
                self.ensure_parent(path)?;
                match self.admin.create(path, data, &self.znode_acl(), CreateMode::Persistent) {
                    Ok(_) => Ok(true),
                    Err(e) if e.is_node_exists() => Ok(false),
                    Err(e) => Err(e.into()),
                }
            }
            Some(version) => match self.admin.set_data(path, data, Some(version)) {
                Ok(_) => Ok(true),
                Err(e) if e.code() == Some(&zk_admin::ZkCode::BadVersion) || e.is_no_node() => Ok(false),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Deletes `path` if it still has `version`. `Ok(false)` on a race.
    fn remove(&self, path: &str, version: i32) -> Result<bool, Error> {
        match self.admin.delete(path, Some(version)) {
            Ok(()) => Ok(true),
            Err(e) if e.code() == Some(&zk_admin::ZkCode::BadVersion) || e.is_no_node() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// How many times a compare-and-set is retried before giving up.
const RETRIES: usize = 5;

/// Kafka's `Sanitizer.sanitize` for the user names this charm allows: URL-encoding, which
/// leaves `[A-Za-z0-9._-]` alone and writes anything else as `%XX` (`*` too).
pub fn sanitize_entity_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_are_url_encoded() {
        assert_eq!(sanitize_entity_name("relation-7"), "relation-7");
        assert_eq!(sanitize_entity_name("a@b.c"), "a%40b.c");
        assert_eq!(sanitize_entity_name("x*"), "x%2A");
    }
}
