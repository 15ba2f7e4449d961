//! KRaft mode: who the controllers are, the cluster id, and which users each side knows.
//!
//! Two shapes, chosen by `roles`:
//! - **this application runs controllers** (`controller` or `broker,controller`): the quorum
//!   is a dynamic voter set of this application's units ([`crate::quorum`]); the leader draws
//!   the cluster id (as `kafka-storage.sh random-uuid` does: 16 random bytes, base64url) and
//!   the bootstrap controller's directory id, and keeps them in the peer bag;
//! - **split**: a broker-only application offers itself on `peer-cluster-orchestrator`; a
//!   controller-only application joins it on `peer-cluster`. What travels is the Python 4.x
//!   charm's data, field for field ([`crate::peer_cluster`]): the broker side sends the
//!   cluster id and its admin user, the controller side the bootstrap controller and the
//!   `controller` user's password.
//!
//! A combined (`broker,controller`) cluster formatted by an earlier revision of this charm has a
//! static quorum: storage formatted with `kraft.version=0` and `controller.quorum.voters`
//! listing every unit. Kafka 3.9 cannot move such a quorum to `kraft.version=1`, so rendering
//! `controller.quorum.bootstrap.servers` on it would be wrong. Such a cluster is recognised by
//! a `cluster-uuid` without the bootstrap keys (this revision writes the bootstrap keys before,
//! or with, the cluster id) and keeps its static rendering ([`static_quorum`]); its controllers
//! cannot be scaled (a new unit waits, the others report Blocked naming the limitation).

use std::collections::BTreeSet;

use charm_sdk::prelude::*;
use juju_model::tools::GoalState;
use juju_model::UnitName;

use crate::clients::{LazyStore, StoredCredentials};
use crate::config::Roles;
use crate::credentials::InternalPasswords;
use crate::literals::*;
use crate::peer_cluster::{self, BrokerSide, ControllerSide};
use crate::peers::Cluster;
use crate::quorum::{self, Bootstrap, Member, QuorumView};
use crate::workload::{
    kraft_node_id, AuthMap, ControllerQuorum, Credential, InitialControllers, InternalUsers, KRaftQuorum, Listener,
    Scope, Voter,
};

/// What KRaft mode gives the rest of the run.
#[derive(Debug, Clone)]
pub struct KraftSetup {
    /// Identity and quorum for the renderers.
    pub quorum: KRaftQuorum,
    /// The users the renderers and `format` need.
    pub users: InternalUsers,
    /// How this node formats its storage.
    pub format: InitialControllers,
    /// The dynamic quorum, when this application runs controllers.
    pub view: Option<QuorumView>,
    /// A problem to report (Blocked) while the node still runs: a static quorum whose units
    /// changed.
    pub notice: Option<String>,
}

/// A new cluster id: 16 random bytes, base64url without padding, never starting with `-`
/// (Kafka's `Uuid.randomUuid` rule, so the id is never taken for a command-line flag). Also
/// used for directory ids, which are Kafka `Uuid`s too.
pub fn new_cluster_id() -> Result<String, Error> {
    use base64::Engine;
    use ring::rand::SecureRandom;
    let rng = ring::rand::SystemRandom::new();
    loop {
        let mut bytes = [0u8; 16];
        rng.fill(&mut bytes)
            .map_err(|_| Error::msg("the system random generator failed"))?;
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        // All-zero and the first hundred ids are reserved (`Uuid.ZERO_UUID`, `DirectoryId`'s
        // UNASSIGNED/LOST/MIGRATING); a random draw never hits them, but be exact.
        let reserved = bytes[..15].iter().all(|b| *b == 0) && bytes[15] < 100;
        if !id.starts_with('-') && !reserved {
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

/// `host:port,…` of this application's brokers' internal listener, sorted as text (the
/// Python charm's `bootstrap_server_internal`).
pub fn internal_bootstrap(cluster: &Cluster, tls: bool) -> String {
    let auth = if tls {
        AuthMap::SASL_SSL_SCRAM
    } else {
        AuthMap::SASL_PLAINTEXT_SCRAM
    };
    let port = Listener::new(Scope::Internal, auth, "").port();
    let mut hosts: Vec<String> = cluster
        .numbers()
        .into_iter()
        .map(|n| format!("{}:{port}", crate::peers::internal_address(&cluster.app, n)))
        .collect();
    hosts.sort();
    hosts.join(",")
}

/// `super.users` as the broker application renders it (`User:<name>;…`, sorted): internal
/// users, the controller user and the client users with the admin role.
pub fn super_users(cluster: &Cluster) -> String {
    let mut users: BTreeSet<String> = [ADMIN_USER, SYNC_USER, CONTROLLER_USER]
        .iter()
        .map(|u| (*u).to_owned())
        .collect();
    users.extend(
        cluster
            .app_data
            .clients()
            .iter()
            .filter(|(_, r)| r.is_admin())
            .map(|(id, _)| crate::clients::username(*id)),
    );
    users.iter().map(|u| format!("User:{u}")).collect::<Vec<_>>().join(";")
}

/// Whether this unit is leaving: Juju named it the departing unit of this hook
/// (`JUJU_DEPARTING_UNIT`, read as a fact about the world — the unit is being removed — not
/// as the event), or goal state marks it dying.
pub fn departing<C: Charm>(ctx: &Context<'_, C>, goal: &GoalState) -> bool {
    ctx.env().departing_unit.as_ref() == Some(ctx.unit())
        || goal
            .units
            .get(&ctx.unit().to_string())
            .is_some_and(|s| s.status == "dying")
}

/// The dynamic quorum as this run sees it.
pub fn view<C: Charm>(
    ctx: &mut Context<'_, C>,
    cluster: &Cluster,
    roles: Roles,
    tls: bool,
) -> Result<QuorumView, Error> {
    let members: Vec<Member> = cluster
        .units()
        .iter()
        .map(|u| Member {
            number: u.number,
            started: u.started(),
            added: u.added_to_quorum(),
            directory_id: u.directory_id().map(str::to_owned),
        })
        .collect();
    let mut existing: BTreeSet<u32> = members.iter().map(|m| m.number).collect();
    let goal = ctx.goal_state()?;
    let departing = departing(ctx, &goal);
    existing.extend(
        goal.units
            .keys()
            .filter_map(|name| UnitName::new(name).ok())
            .map(|u| u.number()),
    );
    // The other units leaving: dying in goal state, this hook's departing unit, or announced
    // in their peer bag.
    let mut leaving: BTreeSet<u32> = goal
        .units
        .iter()
        .filter(|(_, s)| s.status == "dying")
        .filter_map(|(name, _)| UnitName::new(name).ok())
        .filter(|u| u.app().as_str() == ctx.app().as_str())
        .map(|u| u.number())
        .collect();
    leaving.extend(
        ctx.env()
            .departing_unit
            .as_ref()
            .filter(|u| u.app().as_str() == ctx.app().as_str())
            .map(|u| u.number()),
    );
    leaving.extend(
        cluster
            .units()
            .iter()
            .filter(|u| u.bag.get(quorum::UNIT_LEAVING_QUORUM).is_some_and(|v| v == "true"))
            .map(|u| u.number),
    );
    leaving.remove(&cluster.me.number);
    Ok(QuorumView {
        app: cluster.app.clone(),
        roles,
        port: controller_port(tls),
        me: cluster.me.number,
        members,
        existing,
        bootstrap: Bootstrap::from_bag(&cluster.app_data.0),
        voters: quorum::decode_voters(cluster.app_data.0.get(APP_KRAFT_VOTERS).map(String::as_str)),
        departing,
        leaving,
    })
}

/// The units a new quorum may bootstrap from: planned (goal state, not dying) and present.
fn candidates<C: Charm>(ctx: &mut Context<'_, C>, cluster: &Cluster) -> Result<BTreeSet<u32>, Error> {
    let mut units: BTreeSet<u32> = cluster.numbers().into_iter().collect();
    let goal = ctx.goal_state()?;
    units.extend(
        goal.units
            .iter()
            .filter(|(_, s)| s.status != "dying")
            .filter_map(|(name, _)| UnitName::new(name).ok())
            .map(|u| u.number()),
    );
    Ok(units)
}

/// Works out the quorum and users for this run, or why KRaft cannot start yet (Waiting).
/// The leader's writes to the peer bag are returned in `app_changes`; the leader also
/// publishes this application's side of a peer-cluster relation.
pub fn reconcile<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    cluster: &mut Cluster,
    roles: Roles,
    own: &InternalPasswords,
    tls: bool,
    app_changes: &mut Databag,
) -> Result<Result<KraftSetup, String>, Stop> {
    let node_id = kraft_node_id(ctx.unit().number(), roles);
    let orchestrator = ctx.relation(PEER_CLUSTER_ORCHESTRATOR)?;
    let joined = ctx.relation(PEER_CLUSTER)?;

    if roles.controller && roles.broker && is_static_quorum(cluster) {
        return Ok(static_quorum(leader, cluster, roles, own, tls, node_id, app_changes));
    }
    if roles.controller {
        // Our own controllers: a dynamic quorum bootstrapped from the lowest unit.
        let mut view = view(ctx, cluster, roles, tls)?;
        if view.bootstrap.is_none() {
            let Some(_) = leader else {
                return Ok(Err(
                    "waiting for the leader to choose the bootstrap controller".to_owned()
                ));
            };
            let units = candidates(ctx, cluster)?;
            let Some(bootstrap) = quorum::bootstrap_for(&cluster.app, roles, view.port, &units, &new_cluster_id()?)
            else {
                return Ok(Err("waiting for the peer relation".to_owned()));
            };
            let bag = bootstrap.to_bag();
            app_changes.extend(bag.clone());
            cluster.record_app(&bag);
            view.bootstrap = Some(bootstrap);
        }
        let Some(bootstrap) = view.bootstrap.clone() else {
            return Ok(Err("waiting for the bootstrap controller".to_owned()));
        };
        let broker_side = match (&joined, roles.broker) {
            (Some(relation), false) => {
                if let Some(leader) = leader {
                    let side = ControllerSide {
                        roles: roles.as_csv(),
                        bootstrap: bootstrap.clone(),
                        controller_password: own.controller.clone(),
                    };
                    peer_cluster::publish_controller_side(ctx, leader, relation, &side)?;
                }
                Some(peer_cluster::read_broker_side(ctx, relation)?)
            }
            _ => None,
        };
        let cluster_id = match &broker_side {
            Some(remote) => match remote.cluster_uuid.clone() {
                Some(id) => id,
                None => return Ok(Err("waiting for the cluster id from the broker application".to_owned())),
            },
            None => match own_cluster_id(cluster, leader, app_changes)? {
                Some(id) => id,
                None => return Ok(Err("waiting for the leader to create the cluster id".to_owned())),
            },
        };
        let users = if roles.broker {
            InternalUsers {
                inter_broker: Credential::new(SYNC_USER, own.sync.as_str()),
                admin: Credential::new(ADMIN_USER, own.admin.as_str()),
                controller: Some(Credential::new(CONTROLLER_USER, own.controller.as_str())),
            }
        } else {
            let Some(remote) = &broker_side else {
                return Ok(Err(
                    "waiting for a peer-cluster relation to a broker application".to_owned()
                ));
            };
            let (Some(user), Some(password)) = (&remote.broker_username, &remote.broker_password) else {
                return Ok(Err("waiting for the broker application's credentials".to_owned()));
            };
            // The broker side shares its admin user only (as the Python 4.x charm does): a
            // controller-only node needs no inter-broker user, and the broker application
            // writes its own once a broker runs.
            let admin = Credential::new(user.as_str(), password.as_str());
            InternalUsers {
                inter_broker: admin.clone(),
                admin,
                controller: Some(Credential::new(CONTROLLER_USER, own.controller.as_str())),
            }
        };
        let format = quorum::format_flags(&view);
        return Ok(Ok(KraftSetup {
            quorum: KRaftQuorum {
                node_id,
                cluster_id,
                quorum: ControllerQuorum::Bootstrap(vec![bootstrap.endpoint.clone()]),
            },
            users,
            format,
            view: Some(view),
            notice: None,
        }));
    }

    // Broker only: the controllers are another application's.
    let Some(relation) = orchestrator else {
        return Ok(Err(
            "waiting for controllers: relate peer-cluster-orchestrator to an application with the controller role"
                .to_owned(),
        ));
    };
    let Some(cluster_id) = own_cluster_id(cluster, leader, app_changes)? else {
        return Ok(Err("waiting for the leader to create the cluster id".to_owned()));
    };
    if let Some(leader) = leader {
        let side = BrokerSide {
            roles: roles.as_csv(),
            cluster_uuid: cluster_id.clone(),
            broker_username: ADMIN_USER.to_owned(),
            broker_password: own.admin.clone(),
            broker_uris: internal_bootstrap(cluster, tls),
            super_users: super_users(cluster),
        };
        peer_cluster::publish_broker_side(ctx, leader, &relation, &side)?;
    }
    let remote = peer_cluster::read_controller_side(ctx, &relation)?;
    let Some(bootstrap) = remote.bootstrap_controller else {
        return Ok(Err(
            "waiting for the bootstrap controller (peer-cluster data)".to_owned()
        ));
    };
    let Some(controller_password) = remote.controller_password else {
        return Ok(Err("waiting for the controller user's credentials".to_owned()));
    };
    Ok(Ok(KraftSetup {
        quorum: KRaftQuorum {
            node_id,
            cluster_id,
            quorum: ControllerQuorum::Bootstrap(vec![bootstrap]),
        },
        users: InternalUsers {
            inter_broker: Credential::new(SYNC_USER, own.sync.as_str()),
            admin: Credential::new(ADMIN_USER, own.admin.as_str()),
            controller: Some(Credential::new(CONTROLLER_USER, controller_password)),
        },
        format: InitialControllers::NoInitialControllers,
        view: None,
        notice: None,
    }))
}

/// Peer app key: the unit numbers (`0,1,2`) of a static quorum's voters, recorded by the
/// leader the first time this revision runs on a cluster formatted by an earlier one.
pub const APP_STATIC_VOTERS: &str = "kraft-static-voters";

/// Whether this application's controllers were formatted by an earlier revision with a static
/// quorum (`kraft.version=0`): the cluster id is set but no bootstrap controller was drawn.
pub fn is_static_quorum(cluster: &Cluster) -> bool {
    cluster.app_data.cluster_uuid().is_some() && Bootstrap::from_bag(&cluster.app_data.0).is_none()
}

/// The message of a static quorum whose units changed.
pub fn static_scaling_message(voters: &[u32]) -> String {
    let list: Vec<String> = voters.iter().map(u32::to_string).collect();
    format!(
        "scaling controllers is not supported on this cluster: it was formatted with a static quorum \
         (controller.quorum.voters, kraft.version=0) whose voters stay units {}",
        list.join(",")
    )
}

/// A combined cluster with a static quorum ([`is_static_quorum`]): `controller.quorum.voters`
/// rendered as the earlier revision did (one voter per unit, `node.id@<unit>.<app>-endpoints:
/// <controller port>`), from the voters the leader recorded; no dynamic-quorum bookkeeping.
/// A unit that is not one of the voters cannot start (Kafka refuses a controller missing from
/// `controller.quorum.voters`): it waits; when the units differ from the voters the setup
/// carries a Blocked notice naming the limitation.
fn static_quorum(
    leader: Option<&Leader>,
    cluster: &mut Cluster,
    roles: Roles,
    own: &InternalPasswords,
    tls: bool,
    node_id: u32,
    app_changes: &mut Databag,
) -> Result<KraftSetup, String> {
    let units = cluster.numbers();
    let recorded: Option<Vec<u32>> = cluster.app_data.0.get(APP_STATIC_VOTERS).and_then(|v| {
        v.split(',')
            .filter(|n| !n.is_empty())
            .map(|n| n.trim().parse().ok())
            .collect()
    });
    let numbers = match recorded {
        Some(numbers) if !numbers.is_empty() => numbers,
        _ => {
            if leader.is_some() {
                let list: Vec<String> = units.iter().map(u32::to_string).collect();
                let bag: Databag = [(APP_STATIC_VOTERS.to_owned(), list.join(","))].into();
                app_changes.extend(bag.clone());
                cluster.record_app(&bag);
            }
            units.clone()
        }
    };
    if !numbers.contains(&cluster.me.number) {
        return Err(static_scaling_message(&numbers));
    }
    let port = controller_port(tls);
    let voters = numbers
        .iter()
        .map(|n| Voter {
            id: kraft_node_id(*n, roles),
            host: crate::peers::internal_address(&cluster.app, *n),
            port,
        })
        .collect();
    let notice = (numbers != units).then(|| static_scaling_message(&numbers));
    let cluster_id = cluster.app_data.cluster_uuid().unwrap_or_default().to_owned();
    Ok(KraftSetup {
        quorum: KRaftQuorum {
            node_id,
            cluster_id,
            quorum: ControllerQuorum::Voters(voters),
        },
        users: InternalUsers {
            inter_broker: Credential::new(SYNC_USER, own.sync.as_str()),
            admin: Credential::new(ADMIN_USER, own.admin.as_str()),
            controller: Some(Credential::new(CONTROLLER_USER, own.controller.as_str())),
        },
        format: InitialControllers::Static,
        view: None,
        notice,
    })
}

/// Leader of a broker-only application whose broker runs: the controllers formatted the
/// admin user only (the Python 4.x charm's peer-cluster data carries no inter-broker user),
/// so the inter-broker user is written through Kafka's tools. A failure is retried next run.
pub fn ensure_inter_broker_user<C: Charm>(
    ctx: &mut Context<'_, C>,
    own: &InternalPasswords,
    stored: &mut StoredCredentials,
    store: &mut LazyStore<'_>,
) {
    if stored.has(SYNC_USER, &own.sync) {
        return;
    }
    match store
        .get()
        .and_then(|s| s.upsert_user(SYNC_USER, &crate::workload::Secret::new(own.sync.as_str())))
    {
        Ok(_) => stored.record(SYNC_USER, &own.sync),
        Err(e) => ctx.warn(&format!("cannot write the {SYNC_USER} user yet: {e}")),
    }
}

/// This application's cluster id; the leader draws it the first time.
fn own_cluster_id(
    cluster: &mut Cluster,
    leader: Option<&Leader>,
    app_changes: &mut Databag,
) -> Result<Option<String>, Error> {
    if let Some(id) = cluster.app_data.cluster_uuid() {
        return Ok(Some(id.to_owned()));
    }
    if leader.is_none() {
        return Ok(None);
    }
    let id = new_cluster_id()?;
    let bag: Databag = [(APP_CLUSTER_UUID.to_owned(), id.clone())].into();
    app_changes.extend(bag.clone());
    cluster.record_app(&bag);
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ids_look_like_kafka_uuids() {
        let id = new_cluster_id().unwrap();
        assert_eq!(id.len(), 22);
        assert!(!id.starts_with('-'));
        assert!(crate::workload::quorum_tool::is_kafka_uuid(&id));
        assert_ne!(id, new_cluster_id().unwrap());
        assert_eq!(controller_port(false), 9097);
        assert_eq!(controller_port(true), 9098);
    }
}
