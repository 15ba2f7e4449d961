//! The production ZooKeeper store: a zk-admin session as Kafka's ZooKeeper user, writing
//! through [`crate::zkstore::KafkaZkStore`]. The only file that knows zk-admin's types.

use std::collections::BTreeSet;

use zk_admin::{Admin, Auth};

use super::{MetadataStore, StoreConnector, StoreFailure, ZkTarget};
use crate::acl::AclBinding;
use crate::scram::{ScramMechanism, DEFAULT_ITERATIONS};
use crate::workload::Secret;
use crate::zkstore::{KafkaZkStore, StoreError};

/// Connects with zk-admin.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZkStoreConnector;

/// An open session and where Kafka's znodes are.
struct ZkSession {
    admin: Admin,
    chroot: String,
    owner: String,
}

fn failure(e: StoreError) -> StoreFailure {
    StoreFailure(e.to_string())
}

impl ZkSession {
    fn store(&self) -> Result<KafkaZkStore<'_>, StoreFailure> {
        KafkaZkStore::new(&self.admin, &self.chroot, &self.owner).map_err(failure)
    }
}

impl MetadataStore for ZkSession {
    fn upsert_user(&mut self, user: &str, password: &Secret) -> Result<bool, StoreFailure> {
        let change = self
            .store()?
            .upsert_scram_user(user, ScramMechanism::Sha512, password, DEFAULT_ITERATIONS)
            .map_err(failure)?;
        Ok(change.changed())
    }

    fn delete_user(&mut self, user: &str) -> Result<bool, StoreFailure> {
        let change = self
            .store()?
            .delete_scram_user(user, ScramMechanism::Sha512)
            .map_err(failure)?;
        Ok(change.changed())
    }

    fn sync_acls(
        &mut self,
        principal: &str,
        _previous: &BTreeSet<AclBinding>,
        desired: &BTreeSet<AclBinding>,
    ) -> Result<bool, StoreFailure> {
        let changes = self.store()?.sync_principal_acls(principal, desired).map_err(failure)?;
        Ok(changes.iter().any(|(_, change)| change.changed()))
    }
}

impl StoreConnector for ZkStoreConnector {
    fn zookeeper(&self, target: &ZkTarget) -> Result<Box<dyn MetadataStore>, StoreFailure> {
        let auth = Auth {
            username: target.username.clone(),
            password: target.password.expose().to_owned(),
        };
        let admin = Admin::connect(&target.hosts, Some(&auth), target.tls.as_ref(), target.timeout)
            .map_err(|e| StoreFailure(e.to_string()))?;
        Ok(Box::new(ZkSession {
            admin,
            chroot: target.chroot.clone(),
            owner: target.username.clone(),
        }))
    }
}
