//! This unit's broker: the metadata backend (ZooKeeper relation or KRaft quorum), the
//! internal users, the inputs and the files they render to, the rolling-restart lock, the
//! converge itself, the dynamic controller quorum, then (leader) the client work. Called by
//! [`super::reconcile`] for every unit that runs a broker or a controller.

use std::collections::BTreeSet;

use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use super::balancer::run_balancer;
use super::internal_users::{internal_bootstrap, kraft_format_users, sync_internal_users, zk_store};
use super::publish::{open_ports, publication};
use super::status::report;
use crate::assemble::{self, Gathered};
use crate::balancer::service::BalancerOutcome;
use crate::broker::{self, Desired};
use crate::clients::{self, ClientView, LazyStore, StoredCredentials};
use crate::config::{Config, MetadataMode, Roles};
use crate::converge::{self, Outcome};
use crate::credentials::{ClientPasswords, InternalPasswords};
use crate::kraft;
use crate::literals::*;
use crate::oauth;
use crate::peers::Cluster;
use crate::restart::{self, LockChange, RestartState};
use crate::store::kraft::KraftAdmin;
use crate::store::{MetadataStore, StoreConnector};
use crate::tls::TlsState;
use crate::workload::{format_command, kafka_layer, render_all, FormatRequest, InitialControllers, Metadata};
use crate::zookeeper::{self, NotReady};
use crate::KafkaCharm;

/// Metadata backend, inputs, the broker itself, then the leader's work.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_broker<S: StoreConnector>(
    ctx: &mut Context<'_, KafkaCharm<S>>,
    connector: &S,
    leader: Option<&Leader>,
    config: &Config,
    mode: MetadataMode,
    roles: Roles,
    cluster: &mut Cluster,
    internal: Option<&InternalPasswords>,
    tls: &TlsState,
    oauth: &oauth::OAuthState,
    view: &ClientView,
    pebble: &dyn Pebble,
    unit_bag: &mut Databag,
    app_changes: &mut Databag,
    upgrade: Option<&mut charm_interfaces::upgrade::UpgradeRun>,
) -> Result<(), Stop> {
    let internal = internal.or_waiting("waiting for the leader to create the internal users")?;
    cluster.record_app(app_changes);

    // The metadata backend.
    let mut kraft_format = None;
    let mut quorum_view = None;
    let (metadata, users) = match mode {
        MetadataMode::ZooKeeper => {
            let zk = match zookeeper::reconcile(ctx)? {
                Ok(zk) => zk,
                Err(NotReady::NotRelated) => {
                    // The ensemble is gone (or never was): this broker's identity in it goes too.
                    let data_dirs = assemble::data_dirs(ctx)?;
                    zookeeper::forget_ensemble(ctx, leader.is_some(), pebble, &data_dirs, cluster, app_changes)?;
                    return Err(Stop::waiting("waiting for zookeeper relation"));
                }
                Err(NotReady::NoCredentials) => return Err(Stop::waiting("waiting for zookeeper credentials")),
            };
            if zk.tls && tls.stores.is_none() {
                return Err(Stop::blocked(
                    "zookeeper speaks TLS: relate certificates (the same CA as zookeeper) to enable TLS on kafka too",
                ));
            }
            let users = crate::workload::InternalUsers {
                inter_broker: crate::workload::Credential::new(SYNC_USER, internal.sync.as_str()),
                admin: crate::workload::Credential::new(ADMIN_USER, internal.admin.as_str()),
                controller: None,
            };
            (Metadata::ZooKeeper(zk), users)
        }
        MetadataMode::Kraft => {
            let setup = kraft::reconcile(ctx, leader, cluster, roles, internal, tls.stores.is_some(), app_changes)?;
            cluster.record_app(app_changes);
            match setup {
                Ok(setup) => {
                    if let Some(notice) = &setup.notice {
                        ctx.add_status(Status::blocked(notice.clone()));
                    }
                    kraft_format = Some(setup.format);
                    quorum_view = setup.view;
                    (Metadata::KRaft(setup.quorum), setup.users)
                }
                Err(why) => return Err(Stop::waiting(why)),
            }
        }
    };

    // The leader writes the internal users before any broker starts (ZooKeeper mode).
    let mut stored = match leader {
        Some(_) => StoredCredentials::load(ctx)?,
        None => StoredCredentials::default(),
    };
    let zk_conn = match &metadata {
        Metadata::ZooKeeper(zk) => Some(zk.clone()),
        Metadata::KRaft(_) => None,
    };
    let running_before = broker::running(pebble)?;
    let bootstrap_internal = internal_bootstrap(cluster, tls.stores.is_some());
    let mut store = match &zk_conn {
        Some(zk) => zk_store(connector, zk, tls),
        None if running_before && roles.broker => LazyStore::new(move || {
            Ok(Box::new(KraftAdmin::new(pebble, bootstrap_internal.clone())) as Box<dyn MetadataStore>)
        }),
        None => LazyStore::unavailable("the brokers are not running yet"),
    };
    if let (Some(_), Some(leader)) = (&zk_conn, leader) {
        sync_internal_users(ctx, leader, internal, &mut stored, &mut store, cluster, app_changes)?;
    }
    if zk_conn.is_none() && leader.is_some() && roles.broker && !roles.controller && running_before {
        // Split KRaft: the controllers formatted our admin user only; write the inter-broker one.
        kraft::ensure_inter_broker_user(ctx, internal, &mut stored, &mut store);
    }
    if zk_conn.is_some() && !cluster.app_data.internal_users_stored() {
        stored.save(ctx)?;
        return Err(Stop::waiting(
            "waiting for the leader to write the internal users to zookeeper",
        ));
    }

    // The inputs and what they render to.
    let registry = cluster.app_data.clients();
    let admin_clients: BTreeSet<String> = registry
        .iter()
        .filter(|(_, r)| r.is_admin())
        .map(|(id, _)| clients::username(*id))
        .collect();
    let gathered = Gathered {
        config,
        roles,
        cluster,
        metadata,
        users,
        scram_clients: view.any(),
        mtls: !tls.client_cas.is_empty(),
        oauth: oauth.listener.clone(),
        tls: tls.stores.clone(),
        admin_clients,
        planned_units: assemble::planned_units(ctx, cluster)?,
        data_dirs: assemble::data_dirs(ctx)?,
        jmx_exporter: broker::has_jmx_exporter(pebble)?,
        rack: assemble::rack(pebble)?,
        balancer: roles.balancer || crate::balancer::service::peer_runs_balancer(ctx)?,
    };
    let mut inputs = assemble::inputs(gathered)?;
    // NodePort exposure needs the enabled auth maps, so it comes after the other inputs.
    let exposed = crate::external::reconcile(ctx, connector, config, &inputs)?;
    let external_bootstrap = exposed
        .as_ref()
        .and_then(|e| e.bootstrap_address(inputs.default_auth()));
    unit_bag.insert(
        UNIT_EXTERNAL_BOOTSTRAP.to_owned(),
        external_bootstrap.unwrap_or_default(),
    );
    inputs.external = exposed.map(|e| e.access);
    inputs
        .check()
        .map_err(|e| Stop::blocked(format!("cannot configure kafka: {e}")))?;
    let hosts = assemble::broker_hosts(cluster);
    let files = render_all(&inputs, &hosts).map_err(|e| Stop::blocked(format!("cannot configure kafka: {e}")))?;
    let desired = Desired {
        files,
        layer: kafka_layer(&inputs),
        salt: converge::trust_salt(ctx)?,
    };
    let format = match &inputs.metadata {
        Metadata::KRaft(k) => Some(
            format_command(&FormatRequest {
                cluster_id: k.cluster_id.clone(),
                kraft_version: match kraft_format {
                    Some(InitialControllers::Initial(_)) => Some(1),
                    _ => None,
                },
                controllers: kraft_format.clone().unwrap_or(InitialControllers::NoInitialControllers),
                users: kraft_format_users(&inputs),
                iterations: crate::scram::DEFAULT_ITERATIONS,
            })
            .map_err(|e| Stop::blocked(format!("cannot prepare the KRaft storage: {e}")))?,
        ),
        Metadata::ZooKeeper(_) => None,
    };

    // A departing voter announces it, leaves the voters on its turn (one departure at a time;
    // its service stopped once removed) and does nothing else.
    if let Some(view) = quorum_view.as_ref().filter(|v| v.departing) {
        match crate::quorum::my_step(view, running_before) {
            crate::quorum::Step::Remove(removal) => {
                unit_bag.insert(crate::quorum::UNIT_LEAVING_QUORUM.to_owned(), "true".to_owned());
                let status = crate::quorum_ops::leave(ctx, pebble, &removal, unit_bag)?;
                return Err(Stop::Unready(status));
            }
            crate::quorum::Step::Wait(why) => {
                unit_bag.insert(crate::quorum::UNIT_LEAVING_QUORUM.to_owned(), "true".to_owned());
                return Err(Stop::Unready(Status::waiting(why)));
            }
            crate::quorum::Step::Nothing | crate::quorum::Step::Add { .. } => {}
        }
    }

    // The rolling-restart lock: the leader decides with this unit's need included.
    // On this unit's upgrade turn the broker restarts once even if nothing changed.
    let upgrade_restart = crate::upgrade::restart_pending(ctx, upgrade.as_deref())?;
    let needs_restart =
        converge::needs_restart(ctx, pebble, &desired)? || (upgrade_restart && broker::running(pebble)?);
    if needs_restart && cluster.me.restart().is_none() {
        unit_bag.insert(UNIT_RESTART.to_owned(), RestartState::Requested.as_str().to_owned());
        cluster.record_own(unit_bag);
    }
    if let Some(leader) = leader {
        decide_lock(ctx, leader, cluster, app_changes)?;
    }
    let holds_lock = cluster.app_data.restart_lock() == Some(cluster.me.number);
    crate::upgrade::prepare_restart(ctx, upgrade_restart, holds_lock, pebble)?;
    let stores_changed = tls.keystore_changed || tls.truststore_changed;
    let outcome = converge::converge(
        ctx,
        pebble,
        &inputs,
        &desired,
        format.as_ref(),
        holds_lock,
        stores_changed,
    )?;
    if let Some(run) = upgrade {
        crate::upgrade::after_converge(ctx, run, &outcome)?;
    }
    let mark = converge::restart_mark(&outcome)
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    unit_bag.insert(UNIT_RESTART.to_owned(), mark);
    if outcome == Outcome::Running {
        unit_bag.insert(UNIT_STATE.to_owned(), "started".to_owned());
    }
    cluster.record_own(unit_bag);
    if let Some(leader) = leader {
        // Pass the lock on right away when this unit just finished with it.
        decide_lock(ctx, leader, cluster, app_changes)?;
    }

    // The dynamic controller quorum: report the directory id, join the voters once running,
    // and (leader) keep the voter record.
    if let Some(view) = &quorum_view {
        let directory = match cluster.me.directory_id() {
            Some(d) => Some(d.to_owned()),
            None => {
                let dir = inputs
                    .metadata_log_dir()
                    .map_err(|e| Stop::blocked(format!("cannot configure kafka: {e}")))?;
                crate::quorum_ops::read_directory_id(pebble, &dir)?.or_else(|| match &kraft_format {
                    Some(InitialControllers::Initial(voters)) => voters.first().map(|v| v.directory_id.clone()),
                    _ => None,
                })
            }
        };
        if let Some(d) = &directory {
            unit_bag.insert(UNIT_DIRECTORY_ID.to_owned(), d.clone());
        }
        let running = outcome == Outcome::Running;
        if let Some(status) = crate::quorum_ops::join(ctx, pebble, view, running, directory.as_deref(), unit_bag)? {
            ctx.add_status(status);
        }
        cluster.record_own(unit_bag);
        if leader.is_some() {
            // Kafka's tools only where the image has Kafka.
            let tools = (!matches!(outcome, Outcome::Unavailable(_))).then_some(pebble);
            crate::quorum_ops::leader_bookkeeping(ctx, tools, view, cluster, app_changes)?;
        }
    }

    // Cruise Control (balancer role): brokers publish their capacity, the leader runs it.
    let balancer = run_balancer(
        ctx, leader, config, roles, &inputs, &hosts, internal, cluster, &outcome, pebble, unit_bag,
    )?;

    // The leader's client work (also when the broker cannot run: ZooKeeper mode still
    // creates users, and the status says the workload is missing).
    if let Some(leader) = leader {
        let publication = publication(&inputs, cluster, tls, zk_conn.as_ref());
        let mut passwords = ClientPasswords::load(ctx, leader)?;
        let report = clients::leader_reconcile(
            ctx,
            leader,
            view,
            &registry,
            &mut passwords,
            &mut stored,
            &mut store,
            Some(&publication),
        )?;
        app_changes.extend(report.app_changes);
        for (id, why) in &report.invalid {
            ctx.add_app_status(leader, Status::blocked(format!("relation {KAFKA_CLIENT}:{id}: {why}")));
        }
        if let Some((id, why)) = report.pending.iter().next() {
            ctx.add_app_status(leader, Status::waiting(format!("relation {KAFKA_CLIENT}:{id}: {why}")));
        }
        ctx.add_app_status(leader, Status::active(""));
    }
    stored.save(ctx)?;

    open_ports(ctx, &inputs, balancer == BalancerOutcome::Running)?;
    if let Some(status) = balancer.status() {
        ctx.add_status(status);
    }
    let status = report(&outcome);
    if let Some(leader) = leader {
        ctx.add_app_status(leader, status.clone());
    }
    ctx.add_status(status);
    Ok(())
}

/// The lock decision (leader), written to the app bag and applied to `cluster`.
pub(super) fn decide_lock<C: Charm>(
    ctx: &mut Context<'_, C>,
    _leader: &Leader,
    cluster: &mut Cluster,
    app_changes: &mut Databag,
) -> Result<(), Error> {
    let change = restart::decide(cluster.app_data.restart_lock(), &cluster.members());
    let value = match change {
        None => return Ok(()),
        Some(LockChange::Grant(n)) => format!("{}/{n}", ctx.app()),
        Some(LockChange::Release) => String::new(),
    };
    let one: Databag = [(APP_RESTART_LOCK.to_owned(), value)].into();
    app_changes.extend(one.clone());
    cluster.record_app(&one);
    Ok(())
}
