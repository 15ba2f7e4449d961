//! The order of one run: read everything, decide the metadata backend, converge this unit's
//! broker, then (leader) the cluster-wide work, the observability relations, one status.
//!
//! Every step is idempotent and cheap when nothing changed: the steady state costs a few
//! hook-tool reads and a handful of Pebble reads, and opens no ZooKeeper session. No step is
//! told which event woke the charm; each reads what it needs.
//!
//! [`reconcile`] (this file) reads config, peers, credentials, TLS and OAuth and writes the
//! peer bags at the end whatever happened; the steps live next to it:
//! - `checks`: `metadata-mode` against the relations, before anything is written;
//! - `broker_run`: the metadata backend, inputs, rendering, the restart lock, the converge,
//!   the controller quorum and the leader's client work;
//! - `internal_users`: `admin` and `sync` in ZooKeeper (leader), the KRaft format users;
//! - `balancer`: the balancer role of a broker unit (capacity, Cruise Control);
//! - `publish`: what clients are told and the ports opened;
//! - `status`: the unit status for the broker's state.

mod balancer;
mod broker_run;
mod checks;
mod internal_users;
mod publish;
mod status;

use std::time::Duration;

use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use crate::clients;
use crate::credentials;
use crate::literals::*;
use crate::oauth;
use crate::peers;
use crate::store::StoreConnector;
use crate::tls;
use crate::KafkaCharm;

/// How long the charm's ZooKeeper session may take per request.
pub const ZK_TIMEOUT: Duration = Duration::from_secs(10);

/// The whole charm, for every event.
pub fn reconcile<S: StoreConnector>(ctx: &mut Context<'_, KafkaCharm<S>>, connector: &S) -> Result<(), Stop> {
    let config = ctx.config()?;
    config.validate()?;
    let mode = config.metadata_mode()?;
    let roles = config.roles()?;
    checks::check_mode_relations(ctx, mode)?;
    let leader = ctx.leader()?;
    let mut cluster = peers::read(ctx)?.or_waiting("waiting for the peer relation")?;
    let pebble = ctx.container(CONTAINER)?;
    let pebble: &dyn Pebble = pebble.as_ref();

    let mut unit_bag = Databag::new();
    let address = ctx.ingress_address(PEER)?;
    unit_bag.insert(UNIT_ADDRESS.to_owned(), address.clone().unwrap_or_default());

    let mut app_changes = Databag::new();
    let internal = match &leader {
        Some(leader) => {
            let (passwords, changes) = credentials::leader_ensure(ctx, leader, &cluster.app_data)?;
            app_changes.extend(changes);
            Some(passwords)
        }
        None => credentials::read(ctx, &cluster.app_data)?,
    };

    if !roles.broker && !roles.controller {
        // A balancer application of its own: no Kafka here, only Cruise Control.
        crate::cos::reconcile(ctx, Some(pebble), true)?;
        let result = crate::balancer::split::reconcile_balancer_only(
            ctx,
            leader.as_ref(),
            &config,
            roles,
            &cluster,
            internal.as_ref().and_then(|i| i.balancer.as_deref()),
            pebble,
        );
        ctx.update_unit_data(&cluster.relation, &unit_bag)?;
        if let Some(leader) = &leader {
            ctx.update_app_data(&cluster.relation, leader, &app_changes)?;
        }
        return result;
    }

    let oauth = oauth::reconcile(ctx)?;
    let tls = tls::reconcile(
        ctx,
        leader.as_ref(),
        &config,
        address.as_deref(),
        &oauth.ca_chain,
        pebble,
    )?;
    for problem in &tls.invalid {
        ctx.warn(problem);
    }
    if let Some(why) = &tls.waiting {
        ctx.add_status(Status::waiting(why.clone()));
    }
    let view = clients::read(ctx)?;
    crate::cos::reconcile(ctx, Some(pebble), roles.balancer)?;
    // In-place upgrade bookkeeping (upgrade-charm, the leader's stack) happens whatever the
    // broker's state; the broker's turn is taken in run_broker.
    let mut upgrade = crate::upgrade::read::<S, _>(ctx)?;
    if let Some(run) = upgrade.as_mut() {
        run.on_hook(ctx)?;
    }

    let result = broker_run::run_broker(
        ctx,
        connector,
        leader.as_ref(),
        &config,
        mode,
        roles,
        &mut cluster,
        internal.as_ref(),
        &tls,
        &oauth,
        &view,
        pebble,
        &mut unit_bag,
        &mut app_changes,
        upgrade.as_mut(),
    );
    if let Some(run) = upgrade.as_mut() {
        crate::upgrade::finish(ctx, run)?;
    }
    // Our own bag and the leader's decisions are written whatever happened above.
    ctx.update_unit_data(&cluster.relation, &unit_bag)?;
    if let Some(leader) = &leader {
        ctx.update_app_data(&cluster.relation, leader, &app_changes)?;
        // The application shows the leader's own state too (an app status, once set, stays).
        if let Err(Stop::Unready(status)) = &result {
            ctx.add_app_status(leader, status.clone());
        }
    }
    result
}
