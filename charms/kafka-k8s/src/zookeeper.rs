//! The `zookeeper` relation (ZooKeeper mode): ask for a chroot, read the ensemble's answer.
//!
//! The leader asks for `/<app>` with the ACL `cdrwa`, as the Python charm does; zookeeper-k8s
//! answers (through data_interfaces secrets) with its servers, a `relation-<id>` user and
//! password, the chroot and whether it speaks TLS. Until then the broker cannot start, and
//! the unit waits. The same answer configures two clients: the brokers' (JAAS `Client`
//! section and `zookeeper.connect`) and the charm's own administrative session (zk-admin),
//! which writes SCRAM credentials and ACLs under the chroot.

use charm_interfaces::dataplatform::database::{DatabaseConnection, DatabaseRequest, ZooKeeperRequirer};
use charm_interfaces::error::Error as InterfaceError;
use charm_sdk::prelude::*;

use crate::literals::{ZK_CHROOT_ACL, ZOOKEEPER};
use crate::workload::{Secret, ZooKeeperConnection};

/// Why the ZooKeeper connection is not usable yet.
#[derive(Debug)]
pub enum NotReady {
    /// No `zookeeper` relation.
    NotRelated,
    /// Related, but ZooKeeper has not answered (or its answer is incomplete).
    NoCredentials,
}

/// The requirer with this application's request.
pub fn requirer(app: &str) -> ZooKeeperRequirer {
    ZooKeeperRequirer::new(
        ZOOKEEPER,
        DatabaseRequest::chroot(&format!("/{app}")).roles(ZK_CHROOT_ACL),
    )
}

/// Writes the request (leader) and reads the answer.
pub fn reconcile<C: Charm>(ctx: &mut Context<'_, C>) -> Result<Result<ZooKeeperConnection, NotReady>, Stop> {
    let app = ctx.app().to_string();
    match requirer(&app).reconcile(ctx) {
        Ok(None) => Ok(Err(NotReady::NotRelated)),
        Ok(Some(conn)) => Ok(connection(&app, &conn).ok_or(NotReady::NoCredentials)),
        Err(InterfaceError::MissingKey { .. }) | Err(InterfaceError::UnreadableSecret { .. }) => {
            Ok(Err(NotReady::NoCredentials))
        }
        Err(e) => Err(e.into_stop()),
    }
}

/// The broker's view of an answer: servers without chroot, the chroot (the granted
/// `database`, else what we asked for), the user and the TLS flag.
pub fn connection(app: &str, conn: &DatabaseConnection) -> Option<ZooKeeperConnection> {
    let endpoints: Vec<String> = conn
        .endpoints
        .split(',')
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .map(|e| e.split('/').next().unwrap_or(e).to_owned())
        .collect();
    if endpoints.is_empty() {
        return None;
    }
    let chroot = conn
        .database
        .clone()
        .filter(|d| d.starts_with('/'))
        .unwrap_or_else(|| format!("/{app}"));
    Some(ZooKeeperConnection {
        endpoints,
        chroot,
        username: conn.credentials.username.clone(),
        password: Secret::new(conn.credentials.password.expose()),
        tls: conn.tls.as_ref().is_some_and(|t| t.enabled),
    })
}

/// `zookeeper-uris` for clients: the ensemble's connect string with our chroot.
pub fn uris(zk: &ZooKeeperConnection) -> Option<String> {
    zk.connect().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use charm_interfaces::dataplatform::common::{Credentials, Tls};

    #[test]
    fn answer_maps_to_a_connection() {
        let conn = DatabaseConnection {
            database: Some("/kafka".into()),
            endpoints: "zk-1.zk-endpoints:2181,zk-0.zk-endpoints:2181".into(),
            read_only_endpoints: None,
            version: None,
            credentials: Credentials::new("relation-4", "pw"),
            uris: None,
            read_only_uris: None,
            tls: Some(Tls::disabled()),
            subordinated: false,
            prefix_databases: Vec::new(),
            entity: None,
        };
        let zk = connection("kafka", &conn).unwrap();
        assert_eq!(zk.chroot, "/kafka");
        assert!(!zk.tls);
        assert_eq!(
            uris(&zk).unwrap(),
            "zk-0.zk-endpoints:2181,zk-1.zk-endpoints:2181/kafka"
        );
    }
}
