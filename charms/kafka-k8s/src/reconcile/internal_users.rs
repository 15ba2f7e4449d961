//! The internal users: the leader writes `admin` and `sync` into ZooKeeper before any
//! broker starts (and after every rotation), through a store opened only when a write is
//! needed; in KRaft mode they are written at storage format time instead
//! ([`kraft_format_users`]), and later changes go through Kafka's tools against the internal
//! listener ([`internal_bootstrap`]).

use std::collections::BTreeSet;

use charm_sdk::prelude::*;

use super::ZK_TIMEOUT;
use crate::assemble;
use crate::clients::{LazyStore, StoredCredentials};
use crate::credentials::InternalPasswords;
use crate::literals::*;
use crate::peers::Cluster;
use crate::store::{StoreConnector, ZkTarget};
use crate::tls::TlsState;
use crate::workload::{BrokerInputs, ZooKeeperConnection};

/// Leader, ZooKeeper mode: `admin` and `sync` must be in ZooKeeper before brokers start, and
/// after every rotation.
pub(super) fn sync_internal_users<C: Charm>(
    ctx: &mut Context<'_, C>,
    _leader: &Leader,
    internal: &InternalPasswords,
    stored: &mut StoredCredentials,
    store: &mut LazyStore<'_>,
    cluster: &mut Cluster,
    app_changes: &mut Databag,
) -> Result<(), Stop> {
    let users = [
        (ADMIN_USER, internal.admin.as_str()),
        (SYNC_USER, internal.sync.as_str()),
    ];
    let missing: Vec<(&str, &str)> = users.into_iter().filter(|(u, p)| !stored.has(u, p)).collect();
    for (user, password) in missing {
        match store
            .get()
            .and_then(|s| s.upsert_user(user, &crate::workload::Secret::new(password)))
        {
            Ok(_) => stored.record(user, password),
            Err(e) => {
                ctx.warn(&format!("cannot write the {user} user to zookeeper yet: {e}"));
                stored.save(ctx)?;
                return Err(Stop::waiting(format!(
                    "waiting for zookeeper to accept the internal users ({})",
                    short(&e)
                )));
            }
        }
    }
    if !cluster.app_data.internal_users_stored() {
        let one: Databag = [(APP_INTERNAL_USERS_STORED.to_owned(), "true".to_owned())].into();
        app_changes.extend(one.clone());
        cluster.record_app(&one);
    }
    Ok(())
}

pub(super) fn short(e: &crate::error::Error) -> String {
    e.to_string().chars().take(120).collect()
}

/// The ZooKeeper store of this run, opened on first use.
pub(super) fn zk_store<'a, S: StoreConnector>(
    connector: &'a S,
    zk: &ZooKeeperConnection,
    tls: &TlsState,
) -> LazyStore<'a> {
    let tls_material = if zk.tls {
        match &tls.ca_bundle {
            Some(ca) => Some(zk_admin::Tls {
                ca_pem: ca.clone(),
                client_cert_pem: None,
                client_key_pem: None,
                verify_hostname: true,
            }),
            None => return LazyStore::unavailable("zookeeper speaks TLS and this unit has no CA yet"),
        }
    } else {
        None
    };
    let target = ZkTarget {
        hosts: zk.endpoints.clone(),
        chroot: zk.chroot.clone(),
        username: zk.username.clone(),
        password: zk.password.clone(),
        tls: tls_material,
        timeout: ZK_TIMEOUT,
    };
    LazyStore::new(move || connector.zookeeper(&target))
}

/// `host:port` of this application's brokers' internal listener (for the admin tools).
pub(super) fn internal_bootstrap(cluster: &Cluster, tls: bool) -> String {
    let auth = if tls {
        crate::workload::AuthMap::SASL_SSL_SCRAM
    } else {
        crate::workload::AuthMap::SASL_PLAINTEXT_SCRAM
    };
    let port = crate::workload::Listener::new(crate::workload::Scope::Internal, auth, "").port();
    assemble::broker_hosts(cluster)
        .into_iter()
        .map(|h| format!("{h}:{port}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The users written into the bootstrap metadata at format time.
pub(super) fn kraft_format_users(inputs: &BrokerInputs) -> Vec<crate::workload::Credential> {
    let mut users = vec![inputs.users.admin.clone(), inputs.users.inter_broker.clone()];
    if let Some(controller) = &inputs.users.controller {
        users.push(controller.clone());
    }
    // A controller-only node knows the broker side's admin user only (it stands in for both).
    let mut seen = BTreeSet::new();
    users.retain(|u| seen.insert(u.username.clone()));
    users
}
