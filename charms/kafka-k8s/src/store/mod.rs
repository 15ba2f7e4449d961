//! Where client and internal users' SCRAM credentials and ACLs are written, behind one small
//! trait so that in-process tests plug in a fake.
//!
//! Two production stores exist:
//! - ZooKeeper mode: [`zk::ZkStoreConnector`] opens a zk-admin session as the relation user
//!   ZooKeeper granted us (SASL, and TLS when the relation says so) and writes Kafka's own
//!   znodes under our chroot through [`crate::zkstore`]. This works before any broker runs,
//!   which is how the internal users exist before the first broker starts.
//! - KRaft mode: [`kraft::KraftAdmin`] runs Kafka's `kafka-configs.sh` / `kafka-acls.sh` in
//!   the workload container against the running brokers (the Admin API); the internal users
//!   are written at storage format time instead.
//!
//! The trait is the charm's and kept to what the charm needs; its errors are the crate's
//! [`crate::error::Error`] and carry no secret.

pub mod kraft;
pub mod zk;

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use crate::acl::AclBinding;
use crate::error::Error;
use crate::workload::Secret;

/// Users and ACLs of one Kafka cluster.
pub trait MetadataStore {
    /// Creates the user or makes its SCRAM-SHA-512 credential match `password`. Returns
    /// whether anything was written.
    fn upsert_user(&mut self, user: &str, password: &Secret) -> Result<bool, Error>;
    /// Removes the user's SCRAM credential. Returns whether anything was removed.
    fn delete_user(&mut self, user: &str) -> Result<bool, Error>;
    /// Makes `principal`'s bindings exactly `desired`; `previous` are the bindings the charm
    /// wrote last time (stores that cannot list ACLs cheaply diff against them).
    fn sync_acls(
        &mut self,
        principal: &str,
        previous: &BTreeSet<AclBinding>,
        desired: &BTreeSet<AclBinding>,
    ) -> Result<bool, Error>;
}

/// How to reach the ZooKeeper ensemble as Kafka's ZooKeeper user.
#[derive(Clone)]
pub struct ZkTarget {
    /// `host:port` of the servers.
    pub hosts: Vec<String>,
    /// The chroot all of Kafka's znodes live under.
    pub chroot: String,
    /// The relation user.
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// TLS material when the ensemble speaks TLS.
    pub tls: Option<zk_admin::Tls>,
    /// Session and request timeout.
    pub timeout: Duration,
}

impl fmt::Debug for ZkTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZkTarget")
            .field("hosts", &self.hosts)
            .field("chroot", &self.chroot)
            .field("username", &self.username)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

/// Opens ZooKeeper stores (and the Kubernetes API). `Default` builds the production connector.
pub trait StoreConnector: Default {
    /// Opens a session to the ensemble.
    fn zookeeper(&self, target: &ZkTarget) -> Result<Box<dyn MetadataStore>, Error>;

    /// The Kubernetes API of the pod, for `expose-external=nodeport`; `namespace` is the
    /// model's. Tests point it at an in-test server.
    fn kubernetes(&self, namespace: &str) -> Result<crate::kube::KubeClient, crate::kube::KubeError> {
        crate::kube::KubeClient::in_cluster(namespace, crate::kube::USER_AGENT)
    }
}
