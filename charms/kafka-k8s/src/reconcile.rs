//! The order of one run: read everything, decide the metadata backend, converge this unit's
//! broker, then (leader) the cluster-wide work, the observability relations, one status.
//!
//! Every step is idempotent and cheap when nothing changed: the steady state costs a few
//! hook-tool reads and a handful of Pebble reads, and opens no ZooKeeper session.

use std::collections::BTreeSet;
use std::time::Duration;

use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use crate::assemble::{self, Gathered};
use crate::broker::{self, Desired};
use crate::clients::{self, ClientView, LazyStore, Publication, StoredCredentials};
use crate::config::{Config, MetadataMode, Roles};
use crate::converge::{self, Outcome};
use crate::credentials::{self, ClientPasswords, InternalPasswords};
use crate::kraft;
use crate::literals::*;
use crate::oauth;
use crate::peers::{self, Cluster};
use crate::restart::{self, LockChange, RestartState};
use crate::store::kraft::KraftAdmin;
use crate::store::{MetadataStore, StoreConnector, StoreFailure, ZkTarget};
use crate::tls::{self, TlsState};
use crate::workload::{
    format_command, kafka_layer, render_all, BrokerInputs, FormatRequest, InitialControllers, Metadata,
    ZooKeeperConnection,
};
use crate::zookeeper::{self, NotReady};
use crate::KafkaCharm;

/// How long the charm's ZooKeeper session may take per request.
pub const ZK_TIMEOUT: Duration = Duration::from_secs(10);

/// The whole charm, for every event.
pub fn reconcile<S: StoreConnector>(ctx: &mut Context<'_, KafkaCharm<S>>, connector: &S) -> Result<(), Stop> {
    let config = ctx.config()?;
    config.validate()?;
    let mode = config.metadata_mode()?;
    let roles = config.roles()?;
    check_mode_relations(ctx, mode)?;
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
    crate::cos::reconcile(ctx, Some(pebble))?;

    let result = run_broker(
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
    );
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

/// The metadata backend must agree with the relations: Blocked naming the option otherwise.
fn check_mode_relations<C: Charm>(ctx: &mut Context<'_, C>, mode: MetadataMode) -> Result<(), Stop> {
    match mode {
        MetadataMode::Kraft if ctx.relation(ZOOKEEPER)?.is_some() => Err(Stop::blocked(
            "invalid config option 'metadata-mode': kraft, but a zookeeper relation exists (remove it, or set metadata-mode=zookeeper)",
        )),
        MetadataMode::ZooKeeper
            if ctx.relation(PEER_CLUSTER)?.is_some() || ctx.relation(PEER_CLUSTER_ORCHESTRATOR)?.is_some() =>
        {
            Err(Stop::blocked(
                "invalid config option 'metadata-mode': zookeeper, but a peer-cluster relation exists (KRaft only; set metadata-mode=kraft)",
            ))
        }
        _ => Ok(()),
    }
}

/// Metadata backend, inputs, the broker itself, then the leader's work.
#[allow(clippy::too_many_arguments)]
fn run_broker<S: StoreConnector>(
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
) -> Result<(), Stop> {
    let internal = internal.or_waiting("waiting for the leader to create the internal users")?;
    cluster.record_app(app_changes);

    // The metadata backend.
    let (metadata, users) = match mode {
        MetadataMode::ZooKeeper => {
            let zk = match zookeeper::reconcile(ctx)? {
                Ok(zk) => zk,
                Err(NotReady::NotRelated) => return Err(Stop::waiting("waiting for zookeeper relation")),
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
                Ok(setup) => (Metadata::KRaft(setup.quorum), setup.users),
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
    };
    let inputs = assemble::inputs(gathered)?;
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
                kraft_version: None,
                controllers: InitialControllers::Static,
                users: kraft_format_users(&inputs),
                iterations: crate::scram::DEFAULT_ITERATIONS,
            })
            .map_err(|e| Stop::blocked(format!("cannot prepare the KRaft storage: {e}")))?,
        ),
        Metadata::ZooKeeper(_) => None,
    };

    // The rolling-restart lock: the leader decides with this unit's need included.
    let needs_restart = converge::needs_restart(ctx, pebble, &desired)?;
    if needs_restart && cluster.me.restart().is_none() {
        unit_bag.insert(UNIT_RESTART.to_owned(), RestartState::Requested.as_str().to_owned());
        cluster.record_own(unit_bag);
    }
    if let Some(leader) = leader {
        decide_lock(ctx, leader, cluster, app_changes)?;
    }
    let holds_lock = cluster.app_data.restart_lock() == Some(cluster.me.number);
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

    open_ports(ctx, &inputs)?;
    let status = report(&outcome);
    if let Some(leader) = leader {
        ctx.add_app_status(leader, status.clone());
    }
    ctx.add_status(status);
    Ok(())
}

/// The lock decision (leader), written to the app bag and applied to `cluster`.
fn decide_lock<C: Charm>(
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

/// Leader, ZooKeeper mode: `admin` and `sync` must be in ZooKeeper before brokers start, and
/// after every rotation.
fn sync_internal_users<C: Charm>(
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

fn short(e: &StoreFailure) -> String {
    e.0.chars().take(120).collect()
}

/// The ZooKeeper store of this run, opened on first use.
fn zk_store<'a, S: StoreConnector>(connector: &'a S, zk: &ZooKeeperConnection, tls: &TlsState) -> LazyStore<'a> {
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
fn internal_bootstrap(cluster: &Cluster, tls: bool) -> String {
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
fn kraft_format_users(inputs: &BrokerInputs) -> Vec<crate::workload::Credential> {
    let mut users = vec![inputs.users.admin.clone(), inputs.users.inter_broker.clone()];
    if let Some(controller) = &inputs.users.controller {
        users.push(controller.clone());
    }
    users
}

/// What clients are told: bootstrap servers on the SCRAM client listener, TLS, ZooKeeper URIs.
fn publication(
    inputs: &BrokerInputs,
    cluster: &Cluster,
    tls: &TlsState,
    zk: Option<&ZooKeeperConnection>,
) -> Publication {
    let port = crate::workload::Listener::new(crate::workload::Scope::Client, inputs.default_auth(), "").port();
    let tls_field = match (&tls.stores, &tls.ca_bundle) {
        (Some(_), Some(ca)) => charm_interfaces::dataplatform::common::Tls::enabled(ca.clone()),
        _ => charm_interfaces::dataplatform::common::Tls::disabled(),
    };
    Publication {
        endpoints: clients::bootstrap(&assemble::broker_hosts(cluster), port),
        tls: tls_field,
        zookeeper_uris: zk.and_then(zookeeper::uris),
    }
}

/// Opens exactly the listener ports and the metrics port.
fn open_ports<C: Charm>(ctx: &mut Context<'_, C>, inputs: &BrokerInputs) -> Result<(), Error> {
    let mut ports: Vec<Port> = inputs.listeners().iter().map(|l| Port::Tcp(l.port())).collect();
    if inputs.jmx_exporter {
        ports.push(Port::Tcp(crate::workload::paths::JMX_EXPORTER_PORT));
    }
    ports.sort();
    ports.dedup();
    ctx.open_ports(&ports)
}

/// The unit status for the broker's state.
fn report(outcome: &Outcome) -> Status {
    match outcome {
        Outcome::Running => Status::active(""),
        Outcome::RestartRequested => Status::waiting("waiting for the rolling-restart lock to apply new configuration"),
        Outcome::Restarting(why) => Status::maintenance(format!("restarting kafka: {why}")),
        Outcome::NotStarted(why) => Status::waiting(why.clone()),
        Outcome::Unavailable(why) => Status::blocked(format!("kafka workload not available: {why}")),
    }
}
