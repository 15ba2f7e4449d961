//! The order of one run: read everything, then converge this unit's server, then (leader)
//! the ensemble, then the observability relations, then report one status.
//!
//! Every step is idempotent and cheap when nothing changed: the steady state costs a few
//! hook-tool reads, a handful of Pebble reads and one `mntr` to the unit's own server.

use charm_interfaces::upgrade::decide::Turn;
use charm_interfaces::upgrade::wire::UnitState;
use charm_interfaces::upgrade::UpgradeRun;
use charm_sdk::prelude::*;

use crate::admin::health::{probe, wait_healthy, Health};
use crate::admin::AdminConnector;
use crate::clients::{self, ClientAccess};
use crate::config::Config;
use crate::credentials::{self, Credentials};
use crate::encryption;
use crate::leader::{self, Ensemble};
use crate::literals::*;
use crate::peers::{read_cluster, AppData, Cluster, QuorumEncryption, RestartState};
use crate::quorum::{self, Startup};
use crate::render::{current_dynamic_file, logback_xml, Encryption, Role};
use crate::server::{ServerFiles, ServerInputs};
use crate::tls::{self, TlsOutcome};
use crate::upgrade::{post_upgrade_check, POST_UPGRADE_PROBES, STATE_UPGRADE_RESTARTED};
use crate::workload::Workload;
use crate::ZooKeeperCharm;

const STATE_WORKLOAD_VERSION: &str = "workload-version";
/// Health probes after a restart: this many, two seconds apart.
const RESTART_PROBES: u32 = 10;

/// The whole charm, for every event.
pub fn reconcile<A: AdminConnector>(ctx: &mut Context<'_, ZooKeeperCharm<A>>, admin: &A) -> Result<(), Stop> {
    let config = ctx.config()?;
    config.validate()?;
    let peers = ctx.relation(PEER)?.or_waiting("waiting for the peer relation")?;
    let pebble = ctx.container(CONTAINER)?;
    let workload = Workload::new(pebble.as_ref());
    let leader = ctx.leader()?;
    let requests = clients::requests(ctx)?;
    let mut cluster = read_cluster(ctx, &peers)?;

    let creds = match &leader {
        Some(leader) => {
            let creds = credentials::leader_sync(ctx, leader, &peers, &requests.ids())?;
            cluster.app_data = AppData(ctx.local_app_data(&peers, None)?);
            Some(creds)
        }
        None => credentials::read(ctx, &cluster.app_data)?,
    };

    let tls = tls::reconcile(ctx, &config, &cluster, &workload)?;
    let mut unit_bag = tls.bag.clone();
    if let Some(why) = &tls.waiting {
        ctx.add_status(Status::waiting(why.clone()));
    }
    // The log level is read live by logback: no restart needed.
    workload.write_public(LOGBACK, logback_xml(config.java_log_level()).as_bytes())?;

    let Some(creds) = creds else {
        ctx.update_unit_data(&peers, &unit_bag)?;
        return Err(Stop::waiting("waiting for the leader to create the internal passwords"));
    };

    // In-place upgrade: whose turn it is decides whether this server restarts now.
    let mut upgrade = crate::upgrade::read::<A, _>(ctx)?;
    let policy = match upgrade.as_mut() {
        Some(run) => {
            run.on_hook(ctx)?;
            upgrade_policy(ctx, run)?
        }
        None => RestartPolicy::Normal,
    };

    let jmx_exporter = workload.ships(JMX_AGENT);
    let encryption = encryption::unit_encryption(&cluster.app_data, tls.stores.clone());
    converge_server(
        ctx,
        admin,
        &config,
        &cluster,
        &creds,
        &encryption,
        jmx_exporter,
        &workload,
        &mut unit_bag,
        policy,
    )?;
    ctx.update_unit_data(&peers, &unit_bag)?;
    if let Some(run) = upgrade.as_mut() {
        finish_upgrade_turn(ctx, admin, run, &cluster.me.client_address(&cluster.app))?;
    }
    for (k, v) in &unit_bag {
        if v.is_empty() {
            cluster.me.bag.remove(k);
        } else {
            cluster.me.bag.insert(k.clone(), v.clone());
        }
    }

    if let Some(leader) = &leader {
        leader_work(ctx, admin, leader, &peers, &mut cluster, &creds, &requests, &tls)?;
    }
    if let Some(step) = encryption::describe(&cluster.app_data, &cluster.servers()) {
        ctx.add_status(Status::maintenance(step));
    }

    crate::cos::reconcile(ctx, pebble.as_ref(), jmx_exporter)?;
    let mut ports = vec![Port::Tcp(CLIENT_PORT)];
    if encryption.client_tls {
        ports.push(Port::Tcp(SECURE_CLIENT_PORT));
    }
    ctx.open_ports(&ports)?;
    Ok(())
}

/// Starts, restarts or leaves alone this unit's server; adds its status.
#[allow(clippy::too_many_arguments)]
fn converge_server<A: AdminConnector>(
    ctx: &mut Context<'_, ZooKeeperCharm<A>>,
    admin: &A,
    config: &Config,
    cluster: &Cluster,
    creds: &Credentials,
    encryption: &Encryption,
    jmx_exporter: bool,
    workload: &Workload<'_>,
    bag: &mut Databag,
    policy: RestartPolicy,
) -> Result<(), Stop> {
    let me = &cluster.me;
    let address = me.client_address(&cluster.app);
    // ZooKeeper's own dynamic file, when it lists this server. Before the leader promotes a
    // joining server, ZooKeeper may point zoo.cfg at the leader's file, which does not list
    // it yet; restarting with that file fails ("My id N not in the peer list"), so such a
    // server restarts from the charm's seed file instead, as on its first start.
    let me_line = format!("server.{}=", me.number + 1);
    let current_dynamic = match workload.read(ZOO_CFG)?.as_deref().and_then(current_dynamic_file) {
        Some(path)
            if workload
                .read(&path)?
                .is_some_and(|text| text.lines().any(|l| l.starts_with(&me_line))) =>
        {
            Some(path)
        }
        _ => None,
    };
    let inputs = |dynamic: String| ServerInputs {
        init_limit: config.init_limit,
        sync_limit: config.sync_limit,
        tick_time: config.tick_time,
        dynamic_config_file: dynamic,
        bind: me.bind(),
        encryption: encryption.clone(),
        users: creds.jaas_users(&cluster.app_data),
        jmx_exporter,
    };
    let version = cluster.app_data.credentials_version();

    if !workload.running()? {
        // A server without TLS stores cannot talk to an encrypted (or switching) quorum.
        let app = &cluster.app_data;
        let needs_stores = app.tls() || app.switching() || app.quorum() == QuorumEncryption::Ssl;
        if needs_stores && encryption.stores.is_none() {
            ctx.add_status(Status::waiting(
                "waiting for a TLS certificate to join the encrypted quorum",
            ));
            return Ok(());
        }
        let lines = match quorum::startup(cluster) {
            Startup::Wait(why) => {
                ctx.add_status(Status::waiting(why));
                return Ok(());
            }
            Startup::Start(lines) => lines,
        };
        // A unit that ran before keeps ZooKeeper's own dynamic file when it is still there.
        let keep = me.started() && current_dynamic.is_some();
        let dynamic = current_dynamic
            .filter(|_| keep)
            .unwrap_or_else(|| DYNAMIC_CFG.to_owned());
        let files = ServerFiles::render(&inputs(dynamic));
        files.start(workload, me.number + 1, (!keep).then_some(lines.as_slice()))?;
        ctx.set_unit_state(STATE_RUNNING_CONFIG, &files.fingerprint)?;
        if policy == RestartPolicy::Upgrade {
            ctx.set_unit_state(STATE_UPGRADE_RESTARTED, &true)?;
        }
        let role = lines.iter().find(|l| l.id == me.number + 1).map(|l| l.role);
        ctx.info(&format!(
            "started zookeeper as {} with {} server(s) in its dynamic configuration",
            if role == Some(Role::Observer) {
                "an observer"
            } else {
                "a participant"
            },
            lines.len()
        ));
        publish_running(bag, &files, encryption, version);
        bag.insert(UNIT_STATE.to_owned(), "started".to_owned());
        bag.insert(UNIT_RESTART.to_owned(), String::new());
        report_health(ctx, probe(admin, &address))?;
        return Ok(());
    }

    let files = ServerFiles::render(&inputs(current_dynamic.unwrap_or_else(|| DYNAMIC_CFG.to_owned())));
    let running: Option<String> = ctx.unit_state(STATE_RUNNING_CONFIG)?;
    let holds_lock = cluster.app_data.restart_lock() == Some(me.number);
    let stale = running.as_deref() != Some(files.fingerprint.as_str());
    let health = if (stale && policy != RestartPolicy::Hold) || policy == RestartPolicy::Upgrade {
        if !holds_lock {
            bag.insert(UNIT_RESTART.to_owned(), "requested".to_owned());
            ctx.add_status(Status::waiting(if policy == RestartPolicy::Upgrade {
                "waiting for the rolling-restart lock to upgrade"
            } else {
                "waiting for the rolling-restart lock to load new configuration"
            }));
            return report_health(ctx, probe(admin, &address));
        }
        if policy == RestartPolicy::Upgrade {
            ctx.info("upgrade: restarting zookeeper under the rolling-restart lock");
        } else {
            ctx.info("rolling restart: restarting zookeeper with its new configuration");
        }
        files.restart(workload)?;
        ctx.set_unit_state(STATE_RUNNING_CONFIG, &files.fingerprint)?;
        if policy == RestartPolicy::Upgrade {
            ctx.set_unit_state(STATE_UPGRADE_RESTARTED, &true)?;
        }
        publish_running(bag, &files, encryption, version);
        bag.insert(UNIT_RESTART.to_owned(), "restarted".to_owned());
        wait_healthy(admin, &address, RESTART_PROBES, std::time::Duration::from_secs(2))
    } else {
        probe(admin, &address)
    };
    // A restart is over once the server serves again; a request is void once nothing differs.
    let current = match bag.get(UNIT_RESTART).map(String::as_str) {
        Some("restarted") => Some(RestartState::Restarted),
        Some(_) => None,
        None => me.restart(),
    };
    let still_restarting = current == Some(RestartState::Restarted) && !health.is_healthy();
    bag.insert(
        UNIT_RESTART.to_owned(),
        if still_restarting {
            "restarted".to_owned()
        } else {
            String::new()
        },
    );
    if still_restarting {
        ctx.add_status(Status::maintenance(format!(
            "restarted; waiting to rejoin the quorum ({})",
            health.describe()
        )));
    }
    report_health(ctx, health)
}

/// Whether this run may (or must) restart a running server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RestartPolicy {
    /// Restart when the configuration changed (under the lock).
    Normal,
    /// An upgrade is under way and it is not this unit's turn: keep the server as it is.
    Hold,
    /// This unit's upgrade turn: restart (under the lock) even if nothing changed.
    Upgrade,
}

/// The restart policy for this unit's place in an upgrade; marks it `upgrading` on its turn.
fn upgrade_policy<A: AdminConnector>(
    ctx: &mut Context<'_, ZooKeeperCharm<A>>,
    run: &mut UpgradeRun,
) -> Result<RestartPolicy, Error> {
    Ok(match run.turn() {
        Turn::Go => {
            if run.view.state() != Some(UnitState::Upgrading) {
                ctx.info("upgrade: this unit's turn");
                run.set_state(ctx, UnitState::Upgrading)?;
            }
            let restarted: Option<bool> = ctx.unit_state(STATE_UPGRADE_RESTARTED)?;
            if restarted == Some(true) {
                RestartPolicy::Normal
            } else {
                RestartPolicy::Upgrade
            }
        }
        Turn::Wait(_) | Turn::Halted => RestartPolicy::Hold,
        Turn::Idle | Turn::Finish => RestartPolicy::Normal,
    })
}

/// After the server converged: on this unit's turn, once it restarted, the post-upgrade
/// check decides `completed` or `failed`; at the end, back to idle. Adds the upgrade status.
fn finish_upgrade_turn<A: AdminConnector>(
    ctx: &mut Context<'_, ZooKeeperCharm<A>>,
    admin: &A,
    run: &mut UpgradeRun,
    address: &str,
) -> Result<(), Error> {
    match run.turn() {
        Turn::Go => {
            let restarted: Option<bool> = ctx.unit_state(STATE_UPGRADE_RESTARTED)?;
            if restarted == Some(true) {
                let health = wait_healthy(admin, address, POST_UPGRADE_PROBES, std::time::Duration::from_secs(2));
                ctx.delete_unit_state(STATE_UPGRADE_RESTARTED)?;
                match post_upgrade_check(&health) {
                    Ok(()) => run.set_completed(ctx)?,
                    Err(e) => run.set_failed(ctx, &e.to_string())?,
                }
            }
        }
        Turn::Finish => {
            ctx.info("upgrade: every unit completed; back to idle");
            run.finish(ctx)?;
        }
        Turn::Idle | Turn::Wait(_) | Turn::Halted => {}
    }
    if let Some(status) = run.status() {
        ctx.add_status(status);
    }
    Ok(())
}

/// What the running server loaded, for the leader's decisions.
fn publish_running(bag: &mut Databag, files: &ServerFiles, encryption: &Encryption, version: u64) {
    let quorum = if encryption.ssl_quorum {
        QuorumEncryption::Ssl
    } else {
        QuorumEncryption::Plain
    };
    bag.insert(UNIT_JAAS_USERS.to_owned(), files.jaas_users.join(","));
    bag.insert(UNIT_QUORUM.to_owned(), quorum.as_str().to_owned());
    bag.insert(
        UNIT_UNIFIED.to_owned(),
        if encryption.port_unification {
            "true".to_owned()
        } else {
            String::new()
        },
    );
    bag.insert(UNIT_CREDENTIALS_VERSION.to_owned(), version.to_string());
}

/// Adds the server's state as a status and keeps the workload version current.
fn report_health<A: AdminConnector>(ctx: &mut Context<'_, ZooKeeperCharm<A>>, health: Health) -> Result<(), Stop> {
    match &health {
        Health::Serving {
            synced: true,
            version,
            role,
        } => {
            if let Some(version) = version {
                let known: Option<String> = ctx.unit_state(STATE_WORKLOAD_VERSION)?;
                if known.as_deref() != Some(version) {
                    ctx.set_workload_version(version)?;
                    ctx.set_unit_state(STATE_WORKLOAD_VERSION, version)?;
                }
            }
            ctx.add_status(Status::active(role.clone()));
        }
        Health::Serving { .. } | Health::NotServing => {
            ctx.add_status(Status::waiting(format!("zookeeper is {}", health.describe())));
        }
        Health::Unreachable(_) => {
            ctx.add_status(Status::waiting("zookeeper is starting or not answering"));
        }
    }
    Ok(())
}

/// The leader's ensemble-wide work, in dependency order.
#[allow(clippy::too_many_arguments)]
fn leader_work<A: AdminConnector>(
    ctx: &mut Context<'_, ZooKeeperCharm<A>>,
    admin: &A,
    leader: &Leader,
    peers: &Relation,
    cluster: &mut Cluster,
    creds: &Credentials,
    requests: &clients::ClientRequests,
    tls: &TlsOutcome,
) -> Result<(), Stop> {
    let mut ensemble = Ensemble::new(admin, cluster, creds);
    let membership = leader::update_membership(ctx, leader, peers, &mut ensemble, cluster)?;
    credentials::advance_sync_rotation(ctx, leader, peers, cluster)?;
    leader::advance_encryption(ctx, leader, peers, cluster, tls.related)?;
    leader::update_restart_lock(ctx, leader, peers, admin, cluster)?;

    let app = &cluster.app_data;
    let access = ClientAccess {
        tls: app.tls() && !app.switching() && app.quorum() == QuorumEncryption::Ssl,
        ca: tls.ca.clone(),
    };
    let report = clients::leader_reconcile(ctx, leader, peers, &mut ensemble, cluster, creds, requests, &access)?;

    if let Some(why) = membership {
        ctx.add_app_status(leader, Status::maintenance(why));
    }
    for (id, why) in &requests.invalid {
        ctx.add_app_status(leader, Status::blocked(format!("relation zookeeper:{id}: {why}")));
    }
    if let Some((id, why)) = report.pending.iter().next() {
        ctx.add_app_status(
            leader,
            Status::waiting(format!("client relation zookeeper:{id}: {why}")),
        );
    }
    if let Some(step) = encryption::describe(&cluster.app_data, &cluster.servers()) {
        ctx.add_app_status(leader, Status::maintenance(step));
    }
    if cluster.app_data.sync_rotation().is_some() {
        ctx.add_app_status(leader, Status::maintenance("rotating the sync password"));
    }
    ctx.add_app_status(leader, Status::active(""));
    Ok(())
}
