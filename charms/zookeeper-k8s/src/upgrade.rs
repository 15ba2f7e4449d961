//! In-place upgrades (`pre-upgrade-check`, `resume-upgrade`, `upgrade-charm`) over the
//! `upgrade` peer relation, with the Python charm's protocol
//! ([`charm_interfaces::upgrade`]) and dependency model.
//!
//! This charm's parts: the health check behind `pre-upgrade-check` (every server serving
//! and synced, a quorum leader, every member in the ensemble, no rolling restart, TLS
//! switch or password rotation under way — the Python charm's `is_syncing` plus "charm
//! stable"), and the post-upgrade check (this server answers `mntr` as leader or as a
//! follower/observer whose `zk_peer_state` ends in `broadcast`). The workload restart
//! itself goes through the rolling-restart lock ([`crate::restart`]), so the quorum is never
//! short of more than one server.
//!
//! The leader sends the StatefulSet partition through the connector's Kubernetes API
//! ([`partition_target`]) whenever it moves it: at `pre-upgrade-check` (a refusal fails the
//! action with the `juju trust` command and writes no stack), `resume-upgrade`, and as
//! upgraded units complete. Outside a pod (no `KUBERNETES_SERVICE_HOST`, as in the local
//! model) nothing is sent and the partition lives in the peer relation only.

use std::rc::Rc;

use charm_interfaces::upgrade::decide::NotReady;
use charm_interfaces::upgrade::k8s::KubePartition;
use charm_interfaces::upgrade::wire::{Dependencies, Dependency};
use charm_interfaces::upgrade::{DataUpgrade, UpgradeRun};
use charm_kube::{KubeClient, KubeError};

use crate::admin::health::{probe, Health};
use crate::admin::AdminConnector;
use crate::peers::Cluster;

/// The peer endpoint.
pub const UPGRADE_ENDPOINT: &str = "upgrade";
/// Unit-local state: the workload was restarted during this unit's upgrade turn.
pub const STATE_UPGRADE_RESTARTED: &str = "upgrade-restarted";
/// Post-upgrade health probes: this many, two seconds apart.
pub const POST_UPGRADE_PROBES: u32 = 10;

/// The `User-Agent` of the charm's Kubernetes API requests.
pub const USER_AGENT: &str = "zookeeper-k8s-charm";

/// The Python charm's `DEPENDENCIES` (zookeeper-k8s-operator `src/literals.py`).
pub fn dependencies() -> Dependencies {
    Dependencies(vec![(
        "service".to_owned(),
        Dependency {
            dependencies: vec![],
            name: "zookeeper".to_owned(),
            upgrade_supported: "^3.6".to_owned(),
            version: "3.9.2".to_owned(),
        },
    )])
}

/// The upgrade relation of this charm.
pub fn data_upgrade() -> DataUpgrade {
    DataUpgrade::new(UPGRADE_ENDPOINT, dependencies())
}

/// The StatefulSet partition target of connector `A` (connectors are stateless handles:
/// `Default` builds the one the charm runs with, the production one or a test's).
pub fn partition_target<A: AdminConnector>() -> Rc<KubePartition> {
    Rc::new(KubePartition { connect: connect::<A> })
}

fn connect<A: AdminConnector>(namespace: &str) -> Result<KubeClient, KubeError> {
    A::default().kubernetes(namespace)
}

/// Reads the upgrade relation for a hook, the partition target attached.
pub fn read<A: AdminConnector, C: charm_sdk::Charm>(
    ctx: &mut charm_sdk::Context<'_, C>,
) -> Result<Option<UpgradeRun>, charm_sdk::Error> {
    Ok(data_upgrade()
        .read(ctx)?
        .map(|run| run.with_partition_target(partition_target::<A>())))
}

/// `pre-upgrade-check`'s cluster check, from the peer data and each server's `mntr`.
pub fn cluster_healthy<A: AdminConnector>(admin: &A, cluster: &Cluster) -> Result<(), NotReady> {
    let app = &cluster.app_data;
    let servers = cluster.servers();
    let added = app.added();
    if !cluster.all_related() || servers.iter().any(|s| !s.started() || !added.contains(&s.number)) {
        return Err(NotReady::pre(
            "Not all application units are connected and broadcasting in the quorum",
        ));
    }
    if app.restart_lock().is_some() || servers.iter().any(|s| s.restart().is_some()) {
        return Err(NotReady::pre(
            "Charm has not finished initialising (a rolling restart is running)",
        ));
    }
    if app.switching() || app.sync_rotation().is_some() {
        return Err(NotReady::pre(
            "Charm has not finished initialising (an encryption switch or password rotation is running)",
        ));
    }
    let mut leaders = 0;
    for s in &servers {
        match probe(admin, &s.client_address(&cluster.app)) {
            Health::Serving { synced: false, .. } => {
                return Err(NotReady::pre("Some quorum members are still syncing data"));
            }
            Health::Serving { role, .. } => leaders += usize::from(role == "leader"),
            Health::NotServing | Health::Unreachable(_) => {
                return Err(NotReady::pre(format!(
                    "Unable to connect to the cluster (unit {} does not serve)",
                    cluster.unit_name(s.number)
                )));
            }
        }
    }
    if leaders == 0 {
        return Err(NotReady::pre("Quorum leader not found"));
    }
    Ok(())
}

/// The post-upgrade check of this unit's server.
pub fn post_upgrade_check(health: &Health) -> Result<(), NotReady> {
    if health.is_healthy() {
        Ok(())
    } else {
        Err(NotReady::post(format!(
            "zookeeper did not rejoin the quorum ({})",
            health.describe()
        )))
    }
}

/// The `pre-upgrade-check` action (leader): refuses during an upgrade or on an unhealthy
/// ensemble; otherwise writes the upgrade stack.
pub fn pre_upgrade_check_action<C: charm_sdk::Charm, A: AdminConnector>(
    ctx: &mut charm_sdk::Context<'_, C>,
    admin: &A,
) -> Result<charm_sdk::ActionResults, charm_sdk::ActionError> {
    use charm_sdk::ActionError;
    let mut run = data_upgrade()
        .read_all(ctx)?
        .ok_or_else(|| ActionError::failed("Could not find upgrade relation."))?
        .with_partition_target(partition_target::<A>());
    let peers = ctx
        .relation(crate::literals::PEER)?
        .ok_or_else(|| ActionError::failed("the peer relation is not there yet"))?;
    let cluster = crate::peers::read_cluster(ctx, &peers)?;
    run.pre_upgrade_check(ctx, || cluster_healthy(admin, &cluster))
}

/// The `resume-upgrade` action (leader): after the first unit upgraded, lets the rest go.
pub fn resume_upgrade_action<A: AdminConnector, C: charm_sdk::Charm>(
    ctx: &mut charm_sdk::Context<'_, C>,
) -> Result<charm_sdk::ActionResults, charm_sdk::ActionError> {
    let mut run = data_upgrade()
        .read_all(ctx)?
        .ok_or_else(|| charm_sdk::ActionError::failed("Could not find upgrade relation."))?
        .with_partition_target(partition_target::<A>());
    run.resume_upgrade(ctx)
}

/// Refuses an action while an upgrade runs (`set-password`, as the Python charm).
pub fn refuse_while_upgrading<C: charm_sdk::Charm>(
    ctx: &mut charm_sdk::Context<'_, C>,
    what: &str,
) -> Result<(), charm_sdk::ActionError> {
    match data_upgrade().read(ctx)? {
        Some(run) => run.refuse_while_upgrading(what),
        None => Ok(()),
    }
}
