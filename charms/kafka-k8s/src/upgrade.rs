//! In-place upgrades (`pre-upgrade-check`, `resume-upgrade`, `upgrade-charm`) over the
//! `upgrade` peer relation, with the Python charm's protocol
//! ([`charm_interfaces::upgrade`]) and KK3's dependency model (Kafka 3.9.0, ZooKeeper `>3.6`,
//! upgradable from `^3`).
//!
//! This charm's parts: the health check behind `pre-upgrade-check` (every unit's broker
//! started, none restarting, no restart lock held, this unit's broker running and not waiting
//! for a restart — what a broker can see of the cluster from its peer data and its own
//! container; upstream asks the broker's own health checks), and the post-upgrade check (the broker runs again after its restart). The
//! restart itself goes through the rolling-restart lock ([`crate::restart`]).
//!
//! The leader sends the StatefulSet partition through the connector's Kubernetes API
//! ([`partition_target`]) whenever it moves it: at `pre-upgrade-check` (a refusal fails the
//! action with the `juju trust` command and writes no stack), `resume-upgrade`, and as
//! upgraded units complete. Outside a pod (no `KUBERNETES_SERVICE_HOST`, as in the local
//! model) nothing is sent and the partition lives in the peer relation only.

use std::rc::Rc;

use charm_interfaces::upgrade::decide::{NotReady, Turn};
use charm_interfaces::upgrade::k8s::KubePartition;
use charm_interfaces::upgrade::wire::{Dependencies, Dependency};
use charm_interfaces::upgrade::{DataUpgrade, UpgradeRun};
use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use crate::converge::Outcome;
use crate::kube::{KubeClient, KubeError};
use crate::peers::Cluster;
use crate::store::StoreConnector;

/// The peer endpoint.
pub const UPGRADE_ENDPOINT: &str = "upgrade";
/// Unit-local state: the broker was (re)started during this unit's upgrade turn.
pub const STATE_UPGRADE_RESTARTED: &str = "upgrade-restarted";

/// KK3's `DEPENDENCIES` (kafka-k8s-operator 3/edge `src/literals.py`).
pub fn dependencies() -> Dependencies {
    Dependencies(vec![(
        "kafka_service".to_owned(),
        Dependency {
            dependencies: vec![("zookeeper".to_owned(), ">3.6".to_owned())],
            name: "kafka".to_owned(),
            upgrade_supported: "^3".to_owned(),
            version: "3.9.0".to_owned(),
        },
    )])
}

/// The upgrade relation of this charm.
pub fn data_upgrade() -> DataUpgrade {
    DataUpgrade::new(UPGRADE_ENDPOINT, dependencies())
}

/// The StatefulSet partition target of connector `S` (connectors are stateless handles:
/// `Default` builds the one the charm runs with, the production one or a test's).
pub fn partition_target<S: StoreConnector>() -> Rc<KubePartition> {
    Rc::new(KubePartition { connect: connect::<S> })
}

fn connect<S: StoreConnector>(namespace: &str) -> Result<KubeClient, KubeError> {
    S::default().kubernetes(namespace)
}

/// Reads the upgrade relation for a hook, the partition target attached.
pub fn read<S: StoreConnector, C: Charm>(ctx: &mut Context<'_, C>) -> Result<Option<UpgradeRun>, Error> {
    Ok(data_upgrade()
        .read(ctx)?
        .map(|run| run.with_partition_target(partition_target::<S>())))
}

/// `pre-upgrade-check`'s cluster check ("Cluster is not healthy" upstream).
pub fn cluster_healthy(cluster: &Cluster, broker_running: bool, wanted_config: bool) -> Result<(), NotReady> {
    if let Some(unit) = cluster.units().iter().find(|u| !u.started()) {
        return Err(NotReady::pre(format!(
            "Cluster is not healthy: unit {} has no running broker",
            unit.number
        )));
    }
    if cluster.app_data.restart_lock().is_some() || cluster.units().iter().any(|u| u.restart().is_some()) {
        return Err(NotReady::pre("Cluster is not healthy: a rolling restart is running"));
    }
    if !broker_running {
        return Err(NotReady::pre(
            "Cluster is not healthy: this unit's broker is not running",
        ));
    }
    if !wanted_config {
        return Err(NotReady::pre(
            "Cluster is not healthy: this unit's broker waits to load new configuration",
        ));
    }
    Ok(())
}

/// On this unit's turn: whether the broker still has to restart for the upgrade.
pub fn restart_pending<C: Charm>(ctx: &mut Context<'_, C>, upgrade: Option<&UpgradeRun>) -> Result<bool, Error> {
    if upgrade.is_none_or(|u| u.turn() != Turn::Go) {
        return Ok(false);
    }
    let done: Option<bool> = ctx.unit_state(STATE_UPGRADE_RESTARTED)?;
    Ok(done != Some(true))
}

/// Just before converging: when the turn's restart happens now (this unit holds the lock, or
/// its broker is not running and starts anyway), forget the loaded configuration so that
/// `converge` restarts, and remember that the restart happened.
pub fn prepare_restart<C: Charm>(
    ctx: &mut Context<'_, C>,
    pending: bool,
    holds_lock: bool,
    pebble: &dyn Pebble,
) -> Result<(), Error> {
    if !pending {
        return Ok(());
    }
    let running = crate::broker::running(pebble)?;
    if holds_lock || !running {
        if running {
            ctx.delete_unit_state(crate::literals::STATE_RUNNING_CONFIG)?;
        }
        ctx.info("upgrade: restarting kafka under the rolling-restart lock");
        ctx.set_unit_state(STATE_UPGRADE_RESTARTED, &true)?;
    }
    Ok(())
}

/// After converging: on this unit's turn, once restarted, the post-upgrade check decides
/// `completed` or `failed`.
pub fn after_converge<C: Charm>(
    ctx: &mut Context<'_, C>,
    run: &mut UpgradeRun,
    outcome: &Outcome,
) -> Result<(), Error> {
    if run.turn() != Turn::Go {
        return Ok(());
    }
    if run.view.state() != Some(charm_interfaces::upgrade::wire::UnitState::Upgrading) {
        run.set_state(ctx, charm_interfaces::upgrade::wire::UnitState::Upgrading)?;
    }
    let restarted: Option<bool> = ctx.unit_state(STATE_UPGRADE_RESTARTED)?;
    if restarted != Some(true) {
        return Ok(());
    }
    let verdict = match outcome {
        Outcome::Running => Ok(()),
        Outcome::RestartRequested => return Ok(()),
        Outcome::Restarting(why) | Outcome::NotStarted(why) | Outcome::Unavailable(why) => {
            Err(NotReady::post(format!("Container service not running: {why}")))
        }
    };
    ctx.delete_unit_state(STATE_UPGRADE_RESTARTED)?;
    match verdict {
        Ok(()) => run.set_completed(ctx),
        Err(e) => run.set_failed(ctx, &e.to_string()),
    }
}

/// The end of the upgrade, and the unit's upgrade status.
pub fn finish<C: Charm>(ctx: &mut Context<'_, C>, run: &mut UpgradeRun) -> Result<(), Error> {
    if run.turn() == Turn::Finish {
        ctx.info("upgrade: every unit completed; back to idle");
        run.finish(ctx)?;
    }
    if let Some(status) = run.status() {
        ctx.add_status(status);
    }
    Ok(())
}

/// The `pre-upgrade-check` action (leader).
pub fn pre_upgrade_check_action<S: StoreConnector, C: Charm>(
    ctx: &mut Context<'_, C>,
) -> Result<ActionResults, ActionError> {
    let mut run = data_upgrade()
        .read_all(ctx)?
        .ok_or_else(|| ActionError::failed("Could not find upgrade relation."))?
        .with_partition_target(partition_target::<S>());
    let cluster =
        crate::peers::read(ctx)?.ok_or_else(|| ActionError::failed("the peer relation does not exist yet"))?;
    let pebble = ctx
        .container(crate::literals::CONTAINER)
        .map_err(|_| ActionError::failed("the kafka container is not reachable"))?;
    let running = crate::broker::running(pebble.as_ref())?;
    let loaded: Option<String> = ctx.unit_state(crate::literals::STATE_RUNNING_CONFIG)?;
    let wanted = loaded.is_some() && cluster.me.restart().is_none();
    drop(pebble);
    run.pre_upgrade_check(ctx, || cluster_healthy(&cluster, running, wanted))
}

/// The `resume-upgrade` action (leader).
pub fn resume_upgrade_action<S: StoreConnector, C: Charm>(
    ctx: &mut Context<'_, C>,
) -> Result<ActionResults, ActionError> {
    let mut run = data_upgrade()
        .read_all(ctx)?
        .ok_or_else(|| ActionError::failed("Could not find upgrade relation."))?
        .with_partition_target(partition_target::<S>());
    run.resume_upgrade(ctx)
}

/// Refuses a password change while an upgrade runs (as KK3's `set-password`).
pub fn refuse_while_upgrading<C: Charm>(ctx: &mut Context<'_, C>) -> Result<(), ActionError> {
    match data_upgrade().read(ctx)? {
        Some(run) => run.refuse_while_upgrading("set password"),
        None => Ok(()),
    }
}
