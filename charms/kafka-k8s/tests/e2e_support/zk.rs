//! Real ZooKeeper sessions (zk-admin: SASL DIGEST-MD5) against the zookeeper-k8s units, and
//! where their credentials come from.
//!
//! - `super`: the zookeeper-k8s `get-super-password` action, as an operator gets it.
//! - Kafka's own ZooKeeper user: zookeeper-k8s hands it to kafka-k8s in a relation secret,
//!   which only the two charms can read (the local model, like Juju's CLI without `--reveal`,
//!   never shows secret content). The test takes it where ZooKeeper itself authenticates it:
//!   the `Server` section of the ensemble's JAAS file (`user_relation-<id>="…"`), pulled
//!   through the zookeeper container's real Pebble — what `juju ssh --container zookeeper …
//!   cat` would show. The user name comes from the ACL of Kafka's chroot, read as `super`.

use std::time::Duration;

use charm_sdk::pebble::{Client, Pebble};
use zk_admin::{Admin, Auth};

use super::model::{Model, Unit};

/// The plain client port.
pub const PLAIN: u16 = 2181;
/// Bound for connecting and for each request.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The zookeeper-k8s workload container.
pub const CONTAINER: &str = "zookeeper";
/// ZooKeeper's server JAAS file in that container.
pub const SERVER_JAAS: &str = "/etc/zookeeper/zookeeper-jaas.cfg";

/// `address:2181` of every unit.
pub fn hosts(units: &[Unit]) -> Vec<String> {
    units.iter().map(|u| format!("{}:{PLAIN}", u.address)).collect()
}

/// A session as `user` (SASL).
pub fn session(hosts: &[String], user: &str, password: &str) -> Result<Admin, zk_admin::Error> {
    let auth = Auth {
        username: user.to_owned(),
        password: password.to_owned(),
    };
    Admin::connect(hosts, Some(&auth), None, TIMEOUT)
}

/// A user name and its password.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    /// The user.
    pub user: String,
    /// Its password.
    pub password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Login({})", self.user)
    }
}

impl Login {
    /// A session as this user.
    pub fn session(&self, hosts: &[String]) -> Result<Admin, zk_admin::Error> {
        session(hosts, &self.user, &self.password)
    }
}

/// The `super` login, from `get-super-password` on `unit`.
pub fn super_login(model: &Model, unit: &str) -> Login {
    Login {
        user: "super".to_owned(),
        password: model.action_value(unit, "get-super-password", &[], "super-password"),
    }
}

/// The SASL users the ACL of `path` grants anything to.
pub fn sasl_users(admin: &Admin, path: &str) -> Result<Vec<String>, String> {
    let (acl, _) = admin.get_acl(path).map_err(|e| format!("getACL {path}: {e}"))?;
    Ok(acl.into_iter().filter(|a| a.scheme == "sasl").map(|a| a.id).collect())
}

/// The password `user` has in the `Server` section of `zk_unit`'s JAAS file.
pub fn jaas_password(model: &Model, zk_unit: &str, user: &str) -> Result<String, String> {
    let pebble = Client::new(model.pebble_socket(zk_unit, CONTAINER)).map_err(|e| e.to_string())?;
    let bytes = pebble
        .pull(SERVER_JAAS)
        .map_err(|e| format!("pull {SERVER_JAAS}: {e}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let server = text
        .split_once("Server {")
        .map(|(_, rest)| rest)
        .ok_or("no Server section")?;
    let prefix = format!("user_{user}=\"");
    server
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
        .ok_or_else(|| format!("{user} is not in the Server section of {SERVER_JAAS}"))
}

/// Kafka's ZooKeeper login: the SASL user owning `chroot` (read as `root`), with the password
/// ZooKeeper authenticates it with.
pub fn chroot_owner(model: &Model, zk_unit: &str, root: &Admin, chroot: &str) -> Result<Login, String> {
    let users = sasl_users(root, chroot)?;
    let [user] = users.as_slice() else {
        return Err(format!("{chroot} should have exactly one SASL owner: {users:?}"));
    };
    Ok(Login {
        user: user.clone(),
        password: jaas_password(model, zk_unit, user)?,
    })
}
