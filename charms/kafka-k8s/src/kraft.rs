//! KRaft mode: who the controllers are, the cluster id, and which users each side knows.
//!
//! Two shapes, chosen by `roles`:
//! - **this application runs controllers** (`controller` or `broker,controller`): the voters
//!   are this application's units, the leader draws the cluster id (as `kafka-storage.sh
//!   random-uuid` does: 16 random bytes, base64url) and keeps it in the peer bag;
//! - **split**: a broker-only application offers itself on `peer-cluster-orchestrator`; a
//!   controller-only application joins it on `peer-cluster`. The broker side sends the
//!   cluster id and the `admin`/`sync` credentials (the controllers write them into the
//!   bootstrap metadata at format time); the controller side sends its voters and the
//!   `controller` user's password. Field names are the Python charm's (`roles`,
//!   `cluster-uuid`, `bootstrap-controller`, `broker-username`, `broker-password`,
//!   `controller-password`); secrets travel as Juju secrets granted to the relation, their
//!   URIs under `secret-broker` / `secret-controller`.
//!
//! The quorum is static (`controller.quorum.voters`, one voter per controller unit), not the
//! 4.x charm's dynamic quorum: a static quorum needs no `add-controller` choreography, which
//! cannot be exercised without a running Kafka. Changing the number of controllers after the
//! first start changes the voter set, which Kafka does not support on a running static
//! quorum — scale controllers before data matters (see README).

use charm_sdk::prelude::*;
use juju_model::SecretUri;

use crate::config::Roles;
use crate::credentials::InternalPasswords;
use crate::literals::*;
use crate::peers::{internal_address, Cluster};
use crate::workload::{
    kraft_node_id, AuthMap, ControllerQuorum, Credential, InternalUsers, KRaftQuorum, Listener, Scope, Voter,
};

/// Peer-cluster app key: the roles of the sending application.
const ROLES: &str = "roles";
/// Peer-cluster app key: the cluster id (broker side).
const CLUSTER_UUID: &str = "cluster-uuid";
/// Peer-cluster app key: `host:port` of the controllers (controller side).
const BOOTSTRAP_CONTROLLER: &str = "bootstrap-controller";
/// Peer-cluster app key: `id@host:port,…` (controller side; this charm's addition).
const QUORUM_VOTERS: &str = "quorum-voters";
/// Peer-cluster app key: URI of the broker side's credentials secret.
const SECRET_BROKER: &str = "secret-broker";
/// Peer-cluster app key: URI of the controller side's credentials secret.
const SECRET_CONTROLLER: &str = "secret-controller";

/// What KRaft mode gives the rest of the run.
#[derive(Debug, Clone)]
pub struct KraftSetup {
    /// Identity and quorum for the renderers.
    pub quorum: KRaftQuorum,
    /// The users the renderers and `format` need.
    pub users: InternalUsers,
}

/// A new cluster id: 16 random bytes, base64url without padding, never starting with `-`
/// (Kafka's `Uuid.randomUuid` rule, so the id is never taken for a command-line flag).
pub fn new_cluster_id() -> Result<String, Error> {
    use base64::Engine;
    use ring::rand::SecureRandom;
    let rng = ring::rand::SystemRandom::new();
    loop {
        let mut bytes = [0u8; 16];
        rng.fill(&mut bytes)
            .map_err(|_| Error::msg("the system random generator failed"))?;
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        if !id.starts_with('-') && bytes != [0u8; 16] {
            return Ok(id);
        }
    }
}

/// The controller listener's port for the given TLS state (the voters' port).
pub fn controller_port(tls: bool) -> u16 {
    let auth = if tls {
        AuthMap::SASL_SSL_SCRAM
    } else {
        AuthMap::SASL_PLAINTEXT_SCRAM
    };
    Listener::new(Scope::Controller, auth, "").port()
}

/// The voters when this application runs the controllers: one per unit of the peer relation.
pub fn own_voters(cluster: &Cluster, roles: Roles, tls: bool) -> Vec<Voter> {
    cluster
        .numbers()
        .into_iter()
        .map(|n| Voter {
            id: kraft_node_id(n, roles),
            host: internal_address(&cluster.app, n),
            port: controller_port(tls),
        })
        .collect()
}

/// `id@host:port,…`.
pub fn encode_voters(voters: &[Voter]) -> String {
    voters
        .iter()
        .map(|v| format!("{}@{}:{}", v.id, v.host, v.port))
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `id@host:port,…`; `None` when any entry is malformed.
pub fn decode_voters(text: &str) -> Option<Vec<Voter>> {
    let voters: Option<Vec<Voter>> = text
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|entry| {
            let (id, hostport) = entry.split_once('@')?;
            let (host, port) = hostport.rsplit_once(':')?;
            Some(Voter {
                id: id.parse().ok()?,
                host: host.to_owned(),
                port: port.parse().ok()?,
            })
        })
        .collect();
    voters.filter(|v| !v.is_empty())
}

fn credential(user: &str, password: &str) -> Credential {
    Credential::new(user, password)
}

/// Works out the quorum and users for this run, or why KRaft cannot start yet (Waiting).
/// The leader's writes to the peer bag are returned in `app_changes`.
pub fn reconcile<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    cluster: &Cluster,
    roles: Roles,
    own: &InternalPasswords,
    tls: bool,
    app_changes: &mut Databag,
) -> Result<Result<KraftSetup, String>, Stop> {
    let node_id = kraft_node_id(ctx.unit().number(), roles);
    let orchestrator = ctx.relation(PEER_CLUSTER_ORCHESTRATOR)?;
    let joined = ctx.relation(PEER_CLUSTER)?;

    if roles.controller {
        // Our own controllers; a broker-only application may have joined us on peer-cluster.
        let voters = own_voters(cluster, roles, tls);
        let cluster_id = match (&joined, roles.broker) {
            (Some(relation), false) => {
                publish_controller_side(ctx, leader, relation, own, &voters)?;
                let remote = ctx.remote_app_data(relation)?;
                match remote.get(CLUSTER_UUID).filter(|v| !v.is_empty()) {
                    Some(id) => id.clone(),
                    None => return Ok(Err("waiting for the cluster id from the broker application".to_owned())),
                }
            }
            _ => match cluster.app_data.cluster_uuid() {
                Some(id) => id.to_owned(),
                None => match leader {
                    Some(_) => {
                        let id = new_cluster_id()?;
                        app_changes.insert(APP_CLUSTER_UUID.to_owned(), id.clone());
                        id
                    }
                    None => return Ok(Err("waiting for the leader to create the cluster id".to_owned())),
                },
            },
        };
        // A controller-only application takes the broker side's admin and sync users.
        let (admin, sync) = if roles.broker {
            (own.admin.clone(), own.sync.clone())
        } else {
            let Some(relation) = &joined else {
                return Ok(Err(
                    "waiting for a peer-cluster relation to a broker application".to_owned()
                ));
            };
            match read_remote_secret(ctx, relation, SECRET_BROKER)? {
                Some(s) => match (s.get("broker-password"), s.get("sync-password")) {
                    (Some(a), Some(y)) => (a.clone(), y.clone()),
                    _ => return Ok(Err("waiting for the broker application's credentials".to_owned())),
                },
                None => return Ok(Err("waiting for the broker application's credentials".to_owned())),
            }
        };
        return Ok(Ok(KraftSetup {
            quorum: KRaftQuorum {
                node_id,
                cluster_id,
                quorum: ControllerQuorum::Voters(voters),
            },
            users: InternalUsers {
                inter_broker: credential(SYNC_USER, &sync),
                admin: credential(ADMIN_USER, &admin),
                controller: Some(credential(CONTROLLER_USER, &own.controller)),
            },
        }));
    }

    // Broker only: the controllers are another application's.
    let Some(relation) = orchestrator else {
        return Ok(Err(
            "waiting for controllers: relate peer-cluster-orchestrator to an application with the controller role"
                .to_owned(),
        ));
    };
    let cluster_id = match cluster.app_data.cluster_uuid() {
        Some(id) => id.to_owned(),
        None => match leader {
            Some(_) => {
                let id = new_cluster_id()?;
                app_changes.insert(APP_CLUSTER_UUID.to_owned(), id.clone());
                id
            }
            None => return Ok(Err("waiting for the leader to create the cluster id".to_owned())),
        },
    };
    publish_broker_side(ctx, leader, &relation, own, &cluster_id)?;
    let remote = ctx.remote_app_data(&relation)?;
    let Some(voters) = remote.get(QUORUM_VOTERS).and_then(|v| decode_voters(v)) else {
        return Ok(Err("waiting for the controller quorum (peer-cluster data)".to_owned()));
    };
    let controller_password = match read_remote_secret(ctx, &relation, SECRET_CONTROLLER)? {
        Some(s) => match s.get("controller-password") {
            Some(p) => p.clone(),
            None => return Ok(Err("waiting for the controller user's credentials".to_owned())),
        },
        None => return Ok(Err("waiting for the controller user's credentials".to_owned())),
    };
    Ok(Ok(KraftSetup {
        quorum: KRaftQuorum {
            node_id,
            cluster_id,
            quorum: ControllerQuorum::Voters(voters),
        },
        users: InternalUsers {
            inter_broker: credential(SYNC_USER, &own.sync),
            admin: credential(ADMIN_USER, &own.admin),
            controller: Some(credential(CONTROLLER_USER, &controller_password)),
        },
    }))
}

/// Leader of a broker-only application: roles, cluster id and the credentials secret.
fn publish_broker_side<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    relation: &Relation,
    own: &InternalPasswords,
    cluster_id: &str,
) -> Result<(), Error> {
    let Some(leader) = leader else { return Ok(()) };
    let content: SecretContent = [
        ("broker-username".to_owned(), ADMIN_USER.to_owned()),
        ("broker-password".to_owned(), own.admin.clone()),
        ("sync-password".to_owned(), own.sync.clone()),
    ]
    .into();
    let uri = shared_secret(ctx, leader, relation, "broker", &content)?;
    let bag: Databag = [
        (ROLES.to_owned(), "broker".to_owned()),
        (CLUSTER_UUID.to_owned(), cluster_id.to_owned()),
        (SECRET_BROKER.to_owned(), uri.to_string()),
    ]
    .into();
    ctx.update_app_data(relation, leader, &bag)?;
    Ok(())
}

/// Leader of a controller-only application: roles, voters and the controller user's secret.
fn publish_controller_side<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    relation: &Relation,
    own: &InternalPasswords,
    voters: &[Voter],
) -> Result<(), Error> {
    let Some(leader) = leader else { return Ok(()) };
    let content: SecretContent = [("controller-password".to_owned(), own.controller.clone())].into();
    let uri = shared_secret(ctx, leader, relation, "controller", &content)?;
    let bootstrap = voters
        .iter()
        .map(|v| format!("{}:{}", v.host, v.port))
        .collect::<Vec<_>>()
        .join(",");
    let bag: Databag = [
        (ROLES.to_owned(), "controller".to_owned()),
        (BOOTSTRAP_CONTROLLER.to_owned(), bootstrap),
        (QUORUM_VOTERS.to_owned(), encode_voters(voters)),
        (SECRET_CONTROLLER.to_owned(), uri.to_string()),
    ]
    .into();
    ctx.update_app_data(relation, leader, &bag)?;
    Ok(())
}

/// An application secret for the other side of `relation`, labelled
/// `<endpoint>.<id>.<group>.secret`, kept up to date and granted.
fn shared_secret<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    group: &str,
    content: &SecretContent,
) -> Result<SecretUri, Error> {
    let label = format!("{}.{}.{group}.secret", relation.endpoint, relation.id);
    let meta = SecretMeta {
        label: Some(label),
        description: Some(format!("KRaft {group} credentials for the peer cluster")),
        ..SecretMeta::default()
    };
    let mut created = false;
    let uri = ctx.ensure_app_secret(leader, meta, || {
        created = true;
        Ok(content.clone())
    })?;
    if created {
        ctx.grant_secret(&uri, relation, None)?;
    } else {
        ctx.update_secret(&uri, content)?;
    }
    Ok(uri)
}

/// The content of the secret the other side shared under `key`, latest revision.
fn read_remote_secret<C: Charm>(
    ctx: &mut Context<'_, C>,
    relation: &Relation,
    key: &str,
) -> Result<Option<SecretContent>, Error> {
    let remote = ctx.remote_app_data(relation)?;
    let Some(uri) = remote.get(key).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let Ok(uri) = SecretUri::new(uri.as_str()) else {
        return Ok(None);
    };
    ctx.try_get_secret(&SecretRef::uri(uri), SecretRead::Refresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ids_look_like_kafka_uuids() {
        let id = new_cluster_id().unwrap();
        assert_eq!(id.len(), 22);
        assert!(!id.starts_with('-'));
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(id, new_cluster_id().unwrap());
    }

    #[test]
    fn voters_round_trip() {
        let voters = vec![
            Voter {
                id: 0,
                host: "ctl-0.ctl-endpoints".into(),
                port: 9097,
            },
            Voter {
                id: 1,
                host: "ctl-1.ctl-endpoints".into(),
                port: 9097,
            },
        ];
        let text = encode_voters(&voters);
        assert_eq!(text, "0@ctl-0.ctl-endpoints:9097,1@ctl-1.ctl-endpoints:9097");
        assert_eq!(decode_voters(&text), Some(voters));
        assert_eq!(decode_voters("x@y"), None);
        assert_eq!(decode_voters(""), None);
        assert_eq!(controller_port(false), 9097);
        assert_eq!(controller_port(true), 9098);
    }
}
