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

use charm_sdk::pebble::Pebble;

use crate::clients::StoredCredentials;
use crate::literals::{APP_INTERNAL_USERS_STORED, ZK_CHROOT_ACL, ZOOKEEPER};
use crate::workload::paths::{META_PROPERTIES, ZK_JAAS};
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

/// ZooKeeper mode without a `zookeeper` relation: the ensemble this broker belonged to is
/// gone (relation removed), or there never was one. As the Python 3.x charm does on
/// `zookeeper-relation-broken` (`src/events/zookeeper.py`, `_on_zookeeper_broken`), the broker
/// is stopped, its ZooKeeper JAAS file removed, and `meta.properties` deleted from every log
/// directory of the `data` storage: it holds the old ensemble's cluster id, and a broker whose
/// `meta.properties` names another cluster id refuses to start against a new ZooKeeper. The
/// leader forgets which credentials the old ensemble held (`internal-users-stored` and the
/// stored fingerprints), so that a new ensemble gets the internal and client users again —
/// the Python charm clears the internal passwords for the same reason; the passwords are
/// kept here. Idempotent: nothing to remove is not an error. Never called in KRaft mode,
/// where `meta.properties` is the node's KRaft identity.
pub fn forget_ensemble<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: bool,
    pebble: &dyn Pebble,
    data_dirs: &[String],
    cluster: &mut crate::peers::Cluster,
    app_changes: &mut Databag,
) -> Result<(), Error> {
    if crate::broker::running(pebble)? {
        ctx.info("the zookeeper relation is gone: stopping kafka");
        crate::broker::stop(pebble)?;
    }
    let mut paths = vec![ZK_JAAS.to_owned()];
    paths.extend(
        data_dirs
            .iter()
            .map(|d| format!("{}/{META_PROPERTIES}", d.trim_end_matches('/'))),
    );
    for path in paths {
        match pebble.remove_path(&path, false) {
            Ok(()) => ctx.info(&format!("removed {path} (no zookeeper relation)")),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    if leader {
        let mut stored = StoredCredentials::load(ctx)?;
        let before = stored.0.len();
        stored.0.retain(|k, _| k.starts_with("published:"));
        if stored.0.len() != before {
            stored.save(ctx)?;
        }
        if cluster.app_data.internal_users_stored() {
            let bag: Databag = [(APP_INTERNAL_USERS_STORED.to_owned(), String::new())].into();
            app_changes.extend(bag.clone());
            cluster.record_app(&bag);
        }
    }
    Ok(())
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
