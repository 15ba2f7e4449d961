//! Single-znode operations: what Kafka's charm needs to manage SCRAM users
//! (`/config/users/<user>` JSON plus `/config/changes/config_change_<seq>` notifications) and
//! ACLs (`/kafka-acl/<type>/<name>` plus `/kafka-acl-changes/acl_changes_<seq>`), and what the
//! ZooKeeper charm needs for chroot ACLs.

use zookeeper_client as zk;

use crate::{Acl, Admin, Error};

/// How a node is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CreateMode {
    /// Stays until deleted.
    #[default]
    Persistent,
    /// Persistent, with a 10-digit counter appended to the name (`config_change_0000000003`).
    PersistentSequential,
    /// Deleted when this session ends.
    Ephemeral,
    /// Ephemeral with a counter appended.
    EphemeralSequential,
}

impl CreateMode {
    fn to_client(self) -> zk::CreateMode {
        match self {
            CreateMode::Persistent => zk::CreateMode::Persistent,
            CreateMode::PersistentSequential => zk::CreateMode::PersistentSequential,
            CreateMode::Ephemeral => zk::CreateMode::Ephemeral,
            CreateMode::EphemeralSequential => zk::CreateMode::EphemeralSequential,
        }
    }

    fn is_sequential(self) -> bool {
        matches!(self, CreateMode::PersistentSequential | CreateMode::EphemeralSequential)
    }
}

/// A znode's metadata (ZooKeeper's `Stat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct NodeStat {
    /// Data version, for conditional `set_data`/`delete`.
    pub version: i32,
    /// Children version.
    pub cversion: i32,
    /// ACL version.
    pub aversion: i32,
    /// Number of children.
    pub num_children: i32,
    /// Length of the data.
    pub data_length: i32,
    /// Owning session of an ephemeral node, 0 otherwise.
    pub ephemeral_owner: i64,
    /// Zxid of the creation.
    pub czxid: i64,
    /// Zxid of the last data change.
    pub mzxid: i64,
    /// Creation time, ms since the epoch.
    pub ctime: i64,
    /// Last modification time, ms since the epoch.
    pub mtime: i64,
}

impl From<zk::Stat> for NodeStat {
    fn from(s: zk::Stat) -> Self {
        NodeStat {
            version: s.version,
            cversion: s.cversion,
            aversion: s.aversion,
            num_children: s.num_children,
            data_length: s.data_length,
            ephemeral_owner: s.ephemeral_owner,
            czxid: s.czxid,
            mzxid: s.mzxid,
            ctime: s.ctime,
            mtime: s.mtime,
        }
    }
}

pub(crate) fn to_client_acls(acl: &[Acl]) -> Result<Vec<zk::Acl>, Error> {
    if acl.is_empty() {
        return Err(Error::InvalidArgument("an ACL list must not be empty".into()));
    }
    Ok(acl.iter().map(Acl::to_client).collect())
}

impl Admin {
    /// Creates `path` with `data` and `acl`; returns the created path (with the sequence suffix
    /// for sequential modes). The parent must exist.
    pub fn create(&self, path: &str, data: &[u8], acl: &[Acl], mode: CreateMode) -> Result<String, Error> {
        let acls = to_client_acls(acl)?;
        let data = data.to_vec();
        let sequence = self.call("create", path, move |c, p| async move {
            let options = mode.to_client().with_acls(zk::Acls::new(&acls));
            c.create(&p, &data, &options).await.map(|(_, sequence)| sequence)
        })?;
        Ok(if mode.is_sequential() {
            format!("{path}{sequence}")
        } else {
            path.to_owned()
        })
    }

    /// Replaces the data of `path`; with `version`, only if the node still has that version.
    pub fn set_data(&self, path: &str, data: &[u8], version: Option<i32>) -> Result<NodeStat, Error> {
        let data = data.to_vec();
        self.call("set_data", path, move |c, p| async move {
            c.set_data(&p, &data, version).await
        })
        .map(NodeStat::from)
    }

    /// The data and metadata of `path`.
    pub fn get_data(&self, path: &str) -> Result<(Vec<u8>, NodeStat), Error> {
        self.call("get_data", path, |c, p| async move { c.get_data(&p).await })
            .map(|(data, stat)| (data, stat.into()))
    }

    /// The names (not paths) of the children of `path`, sorted.
    pub fn get_children(&self, path: &str) -> Result<Vec<String>, Error> {
        let mut children = self.call("get_children", path, |c, p| async move { c.list_children(&p).await })?;
        children.sort();
        Ok(children)
    }

    /// The metadata of `path`, or `None` when it does not exist.
    pub fn exists(&self, path: &str) -> Result<Option<NodeStat>, Error> {
        self.call("exists", path, |c, p| async move { c.check_stat(&p).await })
            .map(|s| s.map(NodeStat::from))
    }

    /// Deletes `path` (which must have no children); with `version`, only at that version.
    pub fn delete(&self, path: &str, version: Option<i32>) -> Result<(), Error> {
        self.call("delete", path, move |c, p| async move { c.delete(&p, version).await })
    }

    /// The ACL of `path` and its metadata (`aversion` is the ACL version).
    pub fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, NodeStat), Error> {
        let (acl, stat) = self.call("get_acl", path, |c, p| async move { c.get_acl(&p).await })?;
        Ok((acl.iter().map(Acl::from_client).collect(), stat.into()))
    }

    /// Replaces the ACL of `path` (this node only); with `aversion`, only at that ACL version.
    pub fn set_acl(&self, path: &str, acl: &[Acl], aversion: Option<i32>) -> Result<NodeStat, Error> {
        let acls = to_client_acls(acl)?;
        self.call("set_acl", path, move |c, p| async move {
            c.set_acl(&p, &acls, aversion).await
        })
        .map(NodeStat::from)
    }
}
