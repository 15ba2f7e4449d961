//! The production ZooKeeper store: a zk-admin session as Kafka's ZooKeeper user, writing
//! through [`crate::zkstore::KafkaZkStore`]. The only file that knows zk-admin's types.

use std::collections::BTreeSet;

use zk_admin::{Admin, Auth};

use super::{MetadataStore, StoreConnector, ZkTarget};
use crate::acl::AclBinding;
use crate::error::Error;
use crate::scram::{ScramMechanism, DEFAULT_ITERATIONS};
use crate::workload::Secret;
use crate::zkstore::KafkaZkStore;

/// Connects with zk-admin.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZkStoreConnector;

/// An open session and where Kafka's znodes are.
struct ZkSession {
    admin: Admin,
    chroot: String,
    owner: String,
}

impl ZkSession {
    fn store(&self) -> Result<KafkaZkStore<'_>, Error> {
        KafkaZkStore::new(&self.admin, &self.chroot, &self.owner)
    }
}

impl MetadataStore for ZkSession {
    fn upsert_user(&mut self, user: &str, password: &Secret) -> Result<bool, Error> {
        let change = self
            .store()?
            .upsert_scram_user(user, ScramMechanism::Sha512, password, DEFAULT_ITERATIONS)?;
        Ok(change.changed())
    }

    fn delete_user(&mut self, user: &str) -> Result<bool, Error> {
        let change = self.store()?.delete_scram_user(user, ScramMechanism::Sha512)?;
        Ok(change.changed())
    }

    fn sync_acls(
        &mut self,
        principal: &str,
        _previous: &BTreeSet<AclBinding>,
        desired: &BTreeSet<AclBinding>,
    ) -> Result<bool, Error> {
        let changes = self.store()?.sync_principal_acls(principal, desired)?;
        Ok(changes.iter().any(|(_, change)| change.changed()))
    }
}

impl StoreConnector for ZkStoreConnector {
    fn zookeeper(&self, target: &ZkTarget) -> Result<Box<dyn MetadataStore>, Error> {
        let auth = Auth {
            username: target.username.clone(),
            password: target.password.expose().to_owned(),
        };
        let admin = Admin::connect(&target.hosts, Some(&auth), target.tls.as_ref(), target.timeout)?;
        Ok(Box::new(ZkSession {
            admin,
            chroot: target.chroot.clone(),
            owner: target.username.clone(),
        }))
    }
}
