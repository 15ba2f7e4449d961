//! The charm's view of ZooKeeper administration, behind a small trait.
//!
//! The leader promotes observers and removes departed servers with `reconfig`, creates client
//! chroots with ACLs, and every unit asks servers `mntr`/`ruok` to judge health. In production
//! that is the `zk-admin` crate talking to real servers ([`zk::ZkAdminConnector`]); in-process
//! tests plug in a fake that records calls. The trait is the charm's, kept to what the charm
//! needs, so the fake stays small and the production adapter is the only place that knows
//! zk-admin's types. Failures are the crate's [`Error`], whose variant names the call.

pub mod health;
pub mod zk;

use std::fmt;
use std::time::Duration;

use crate::error::Error;
use crate::render::ServerLine;

/// How to open an administrative session: as `super`, over SASL, on the plain client port
/// (dynamic reconfiguration needs it, ZOOKEEPER-3577).
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// `host:port` of the servers to try.
    pub hosts: Vec<String>,
    /// The SASL user.
    pub username: String,
    /// Its password.
    pub password: String,
    /// Session and request timeout.
    pub timeout: Duration,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("hosts", &self.hosts)
            .field("username", &self.username)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The ensemble's current membership (`/zookeeper/config`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnsembleConfig {
    /// The config version, for conditional reconfiguration.
    pub version: i64,
    /// Its servers.
    pub servers: Vec<ServerLine>,
}

impl EnsembleConfig {
    /// The server with this id, if it is a member.
    pub fn server(&self, id: u32) -> Option<&ServerLine> {
        self.servers.iter().find(|s| s.id == id)
    }
}

/// The rights of one client user on its chroot, granted for both SASL and digest logins.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientAcl {
    /// `relation-<id>`.
    pub user: String,
    /// Its password (the digest ACL stores a hash of `user:password`).
    pub password: String,
    /// `cdrwa` letters.
    pub perms: String,
}

impl fmt::Debug for ClientAcl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAcl")
            .field("user", &self.user)
            .field("perms", &self.perms)
            .finish_non_exhaustive()
    }
}

/// An open administrative session.
pub trait AdminSession {
    /// The current membership.
    fn config(&mut self) -> Result<EnsembleConfig, Error>;
    /// Incremental reconfiguration from `from_version`: add or update `joining`, remove the
    /// server ids in `leaving`. Returns the new membership.
    fn reconfig(&mut self, joining: &[ServerLine], leaving: &[u32], from_version: i64)
        -> Result<EnsembleConfig, Error>;
    /// Creates `path` if missing and sets its ACL (and its children's) to `acl` only.
    fn ensure_chroot(&mut self, path: &str, acl: &ClientAcl) -> Result<(), Error>;
}

/// Opens sessions and sends four-letter words. `Default` builds the production one.
pub trait AdminConnector: Default {
    /// Opens a session.
    fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn AdminSession>, Error>;
    /// Sends a four-letter word (`ruok`, `mntr`, `srvr`) to `address` (`host:port`).
    fn four_letter_word(&self, address: &str, word: &str, timeout: Duration) -> Result<String, Error>;
    /// Waits between health probes (a no-op in tests).
    fn pause(&self, duration: Duration);
    /// The Kubernetes API of the pod (the StatefulSet partition of in-place upgrades);
    /// `namespace` is the model's. Tests point it at an in-test server.
    fn kubernetes(&self, namespace: &str) -> Result<charm_kube::KubeClient, charm_kube::KubeError> {
        charm_kube::KubeClient::in_cluster(namespace, crate::upgrade::USER_AGENT)
    }
}
