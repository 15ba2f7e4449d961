//! The leader's side effects on the ensemble: membership changes, the TLS switch steps and
//! the rolling-restart lock, each decided by a pure function (`quorum`, `encryption`,
//! `restart`) and recorded in the peer application bag.
//!
//! Administration sessions are opened lazily ([`Ensemble`]) and at most once per run, and
//! only when there is work: a steady ensemble costs no connection on update-status.

use std::time::Duration;

use charm_sdk::prelude::*;

use crate::admin::health::{probe, Health};
use crate::admin::{AdminConnector, AdminSession, ConnectOptions};
use crate::credentials::Credentials;
use crate::encryption;
use crate::literals::{APP_RESTART_LOCK, SUPER_USER};
use crate::peers::Cluster;
use crate::quorum::membership_work;
use crate::render::Role;
use crate::restart::{self, LockChange};

/// Session timeout for administration.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

/// A lazily opened administration session to the ensemble's running members.
pub struct Ensemble<'a, A: AdminConnector> {
    admin: &'a A,
    options: Result<ConnectOptions, String>,
    session: Option<Box<dyn AdminSession>>,
}

impl<'a, A: AdminConnector> Ensemble<'a, A> {
    /// Targets the started members of `cluster`, as `super`.
    pub fn new(admin: &'a A, cluster: &Cluster, credentials: &Credentials) -> Self {
        let hosts: Vec<String> = cluster
            .members()
            .iter()
            .filter(|s| s.started())
            .map(|s| s.client_address(&cluster.app))
            .collect();
        let options = if hosts.is_empty() {
            Err("no member of the ensemble is running yet".to_owned())
        } else {
            Ok(ConnectOptions {
                hosts,
                username: SUPER_USER.to_owned(),
                password: credentials.super_password.clone(),
                timeout: ADMIN_TIMEOUT,
            })
        };
        Self {
            admin,
            options,
            session: None,
        }
    }

    /// The session, connecting on first use.
    pub fn session(&mut self) -> Result<&mut (dyn AdminSession + 'static), String> {
        if self.session.is_none() {
            let options = self.options.as_ref().map_err(Clone::clone)?;
            let session = self.admin.connect(options).map_err(|e| e.to_string())?;
            self.session = Some(session);
        }
        self.session.as_deref_mut().ok_or_else(|| "no session".to_owned())
    }

    /// The connector (for four-letter words).
    pub fn admin(&self) -> &'a A {
        self.admin
    }
}

fn record(cluster: &mut Cluster, changes: &Databag) {
    for (k, v) in changes {
        if v.is_empty() {
            cluster.app_data.0.remove(k);
        } else {
            cluster.app_data.0.insert(k.clone(), v.clone());
        }
    }
}

/// Adds the init leader, removes departed members, promotes the next synced observer.
/// Returns why membership work is pending, if it is.
pub fn update_membership<C: Charm, A: AdminConnector>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    peers: &Relation,
    ensemble: &mut Ensemble<'_, A>,
    cluster: &mut Cluster,
) -> Result<Option<String>, Error> {
    let work = membership_work(cluster);
    let mut changes = Databag::new();
    let mut pending = None;
    if let Some(first) = work.init_started {
        ctx.info(&format!("{} started the ensemble", cluster.unit_name(first)));
        changes.insert(first.to_string(), "added".to_owned());
    }
    if work.needs_ensemble() {
        let admin = ensemble.admin();
        match ensemble
            .session()
            .and_then(|session| session.config().map_err(|e| e.to_string()).map(|c| (session, c)))
        {
            Err(why) => pending = Some(format!("cannot reach the ensemble: {why}")),
            Ok((session, mut config)) => {
                // Departed units first: quicker, and keeps the quorum size honest.
                let leaving: Vec<u32> = work
                    .departed
                    .iter()
                    .map(|n| n + 1)
                    .filter(|id| config.server(*id).is_some())
                    .collect();
                let removed = if leaving.is_empty() {
                    Ok(())
                } else {
                    session
                        .reconfig(&[], &leaving, config.version)
                        .map(|new| config = new)
                        .map_err(|e| e.to_string())
                };
                match removed {
                    Ok(()) => {
                        for n in &work.departed {
                            ctx.info(&format!("removed {} from the quorum", cluster.unit_name(*n)));
                            changes.insert(n.to_string(), "removed".to_owned());
                        }
                    }
                    Err(why) => pending = Some(format!("cannot remove departed units from the quorum: {why}")),
                }
                if let (Some(joiner), None) = (work.joiner.and_then(|n| cluster.server(n).cloned()), &pending) {
                    let line = joiner.line(&cluster.app, Role::Participant);
                    let name = cluster.unit_name(joiner.number);
                    if config.server(line.id).is_some_and(|l| l.role == Role::Participant) {
                        changes.insert(joiner.number.to_string(), "added".to_owned());
                    } else {
                        match probe(admin, &joiner.client_address(&cluster.app)) {
                            // A joiner outside the membership serves as an observer or, once it
                            // learned the leader's configuration, as a non-voting follower.
                            Health::Serving { synced: true, .. } => {
                                match session.reconfig(std::slice::from_ref(&line), &[], config.version) {
                                    Ok(_) => {
                                        ctx.info(&format!("promoted {name} to a voting member"));
                                        changes.insert(joiner.number.to_string(), "added".to_owned());
                                    }
                                    Err(e) => pending = Some(format!("cannot add {name} to the quorum: {e}")),
                                }
                            }
                            health => {
                                pending = Some(format!("waiting for {name} to sync ({})", health.describe()));
                            }
                        }
                    }
                }
            }
        }
    }
    ctx.update_app_data(peers, leader, &changes)?;
    record(cluster, &changes);
    Ok(pending)
}

/// Advances the TLS switch when every server finished the current step.
pub fn advance_encryption<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    peers: &Relation,
    cluster: &mut Cluster,
    tls_related: bool,
) -> Result<(), Error> {
    let servers = cluster.servers();
    let added = cluster.app_data.added();
    let stable = !servers.is_empty()
        && servers
            .iter()
            .all(|s| s.started() && added.contains(&s.number) && s.restart().is_none());
    if let Some(changes) = encryption::next_step(&cluster.app_data, &servers, tls_related, stable) {
        ctx.info(&format!("quorum encryption: {changes:?}"));
        ctx.update_app_data(peers, leader, &changes)?;
        record(cluster, &changes);
    }
    Ok(())
}

/// Grants, passes on or releases the rolling-restart lock.
pub fn update_restart_lock<C: Charm, A: AdminConnector>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    peers: &Relation,
    admin: &A,
    cluster: &mut Cluster,
) -> Result<(), Error> {
    let app = cluster.app.clone();
    // Only members restart: a joiner (not yet promoted) runs with the dynamic file ZooKeeper
    // rewrote from the leader's membership, which does not list it, so restarting it before
    // its promotion fails ("My id N not in the peer list"); it restarts once promoted.
    let added = cluster.app_data.added();
    let servers: Vec<&crate::peers::Server> = cluster
        .servers()
        .into_iter()
        .filter(|s| added.contains(&s.number))
        .collect();
    let mut healthy = |s: &crate::peers::Server| probe(admin, &s.client_address(&app)).is_healthy();
    let change = restart::decide(cluster.app_data.restart_lock(), &servers, &mut healthy);
    let value = match change {
        None => return Ok(()),
        Some(LockChange::Grant(n)) => {
            ctx.info(&format!("rolling restart: {} may restart now", cluster.unit_name(n)));
            cluster.unit_name(n)
        }
        Some(LockChange::Release) => String::new(),
    };
    let changes: Databag = [(APP_RESTART_LOCK.to_owned(), value)].into();
    ctx.update_app_data(peers, leader, &changes)?;
    record(cluster, &changes);
    Ok(())
}
