//! In-place upgrades over the `upgrade` peer relation (interface `upgrade`), the protocol of
//! data-platform-libs' `charms.data_platform_libs.v0.upgrade` (`DataUpgrade`, LIBPATCH 19)
//! as zookeeper-k8s and kafka-k8s 3.x use it: actions `pre-upgrade-check` and
//! `resume-upgrade`, an upgrade stack in the application bag, a `state` per unit.
//!
//! - [`wire`]: the bags, byte for byte (a Python unit and a Rust one read each other's).
//! - [`decide`]: the decisions, pure functions of a [`decide::View`].
//! - [`version`]: Poetry version constraints for the dependency models.
//! - [`k8s`]: the StatefulSet partition, sent through the charm's [`k8s::PartitionTarget`]
//!   (attach it with [`UpgradeRun::with_partition_target`]) whenever the leader moves it.
//! - [`DataUpgrade`] / [`UpgradeRun`]: reading the relation through a `Context` and writing
//!   the decisions back; the charm supplies its health checks and its workload restart.
//!
//! A charm calls [`UpgradeRun::on_hook`] early in every reconcile, asks [`UpgradeRun::turn`]
//! whether it is its turn, restarts its workload (through its own rolling-restart lock) when
//! it is, and reports [`UpgradeRun::set_completed`] or [`UpgradeRun::set_failed`].
//!
//! ```
//! use charm_interfaces::upgrade::decide::{self, Turn, View};
//! use charm_interfaces::upgrade::wire::UpgradeStack;
//!
//! // Three idle units, the leader checks: the stack is every unit, unit 2 goes first.
//! let mut view = View { me: 0, leader: true, ..View::default() };
//! for n in 0..3 { view.states.insert(n, "idle".into()); }
//! let start = decide::pre_upgrade_check(&view, || Ok(())).unwrap();
//! assert_eq!(start, decide::PreCheck::Start { stack: UpgradeStack(vec![0, 1, 2]), partition: 2 });
//! assert_eq!(UpgradeStack(vec![0, 1, 2]).encode(), "[0, 1, 2]");
//! ```

pub mod decide;
pub mod k8s;
pub mod version;
pub mod wire;

use std::rc::Rc;

use charm_sdk::prelude::*;

use decide::{LeaderStep, NotReady, PreCheck, Turn, View};
use k8s::PartitionTarget;
use wire::{Dependencies, UnitState, UpgradeStack, KEY_DEPENDENCIES, KEY_PARTITION, KEY_STACK, KEY_STATE};

/// The instructions logged when a unit fails (the charms' `log_rollback_instructions`).
pub const ROLLBACK_INSTRUCTIONS: &str =
    "Unit failed to upgrade and requires manual rollback to previous stable version. \
     1. Re-run `pre-upgrade-check` action on the leader unit to enter 'recovery' state \
     2. Run `juju refresh` to the previously deployed charm revision";

/// The upgrade relation of a charm: its endpoint and the dependency model it ships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataUpgrade {
    endpoint: String,
    dependencies: Dependencies,
}

impl DataUpgrade {
    /// For the peer endpoint (`upgrade` in both charms) and the charm's dependencies.
    pub fn new(endpoint: impl Into<String>, dependencies: Dependencies) -> Self {
        DataUpgrade {
            endpoint: endpoint.into(),
            dependencies,
        }
    }

    /// The dependency model this charm ships.
    pub fn dependencies(&self) -> &Dependencies {
        &self.dependencies
    }

    /// Reads the relation for a hook; `None` before Juju created it. With no upgrade under way
    /// (no stack, no partition) and this unit `idle`, the other units' states are not read
    /// (nothing in a hook depends on them then): two hook-tool calls fewer per hook.
    pub fn read<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Option<UpgradeRun>, Error> {
        self.read_with(ctx, false)
    }

    /// Reads the relation with every unit's state (for the actions).
    pub fn read_all<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Option<UpgradeRun>, Error> {
        self.read_with(ctx, true)
    }

    fn read_with<C: Charm>(&self, ctx: &mut Context<'_, C>, all: bool) -> Result<Option<UpgradeRun>, Error> {
        let Some(relation) = ctx.relation(&self.endpoint)? else {
            return Ok(None);
        };
        let leader = ctx.leader()?.is_some();
        let me = ctx.unit().number();
        let app = ctx.local_app_data(&relation, None)?;
        let mut states = std::collections::BTreeMap::new();
        let mine = ctx.local_unit_data(&relation)?;
        let my_state = mine.get(KEY_STATE).cloned().unwrap_or_default();
        let quiet = app
            .get(KEY_STACK)
            .is_none_or(|s| s.trim().is_empty() || s.trim() == "[]")
            && app.get(KEY_PARTITION).is_none_or(String::is_empty)
            && my_state == UnitState::Idle.as_str();
        states.insert(me, my_state);
        if all || !quiet {
            for unit in ctx.remote_units(&relation)? {
                let bag = ctx.unit_data(&relation, &unit)?;
                states.insert(unit.number(), bag.get(KEY_STATE).cloned().unwrap_or_default());
            }
        }
        // A malformed stack is treated as no upgrade: the leader's next pre-upgrade-check
        // rewrites it; an error here would wedge every hook of every unit.
        let stack = UpgradeStack::decode(app.get(KEY_STACK).map(String::as_str)).unwrap_or_else(|why| {
            ctx.warn(&format!("upgrade relation: {why}; treating it as empty"));
            UpgradeStack::default()
        });
        let partition = app.get(KEY_PARTITION).and_then(|p| p.parse().ok());
        let stored = app
            .get(KEY_DEPENDENCIES)
            .filter(|d| !d.is_empty())
            .and_then(|d| Dependencies::decode(d).ok());
        Ok(Some(UpgradeRun {
            relation,
            view: View {
                me,
                leader,
                states,
                stack,
                partition,
                stored,
            },
            dependencies: self.dependencies.clone(),
            partition_target: None,
        }))
    }
}

/// The relation as read in this run, with the writes that follow the decisions.
#[derive(Debug, Clone)]
pub struct UpgradeRun {
    relation: Relation,
    /// What the relation says (updated by this run's writes).
    pub view: View,
    dependencies: Dependencies,
    partition_target: Option<Rc<dyn PartitionTarget>>,
}

/// Whether this hook is `upgrade-charm`.
pub fn is_upgrade_charm<C: Charm>(ctx: &Context<'_, C>) -> bool {
    let env = ctx.env();
    env.hook_name.as_deref() == Some("upgrade-charm")
        || env.dispatch_path.trim_end_matches('/').ends_with("/upgrade-charm")
}

impl UpgradeRun {
    /// Sends the StatefulSet partition to `target` whenever the leader moves it (without a
    /// target, the partition lives in the peer relation only).
    pub fn with_partition_target(mut self, target: Rc<dyn PartitionTarget>) -> Self {
        self.partition_target = Some(target);
        self
    }

    /// Sets the application's StatefulSet partition; `Err` is the operator-facing message.
    fn send_partition<C: Charm>(&self, ctx: &mut Context<'_, C>, partition: u32) -> Result<(), String> {
        let app = ctx.app().to_string();
        let sent = match &self.partition_target {
            Some(target) => target
                .set_partition(ctx.model_name(), &app, partition)
                .map_err(|e| e.message(&app))?,
            None => false,
        };
        if sent {
            ctx.debug(&format!("Kubernetes StatefulSet partition set to {partition}"));
        } else {
            ctx.debug(&format!(
                "StatefulSet partition {partition} kept in the peer relation only (no Kubernetes API here)"
            ));
        }
        Ok(())
    }

    /// The bookkeeping every hook does before the charm decides anything: a unit without a
    /// state becomes `idle` (the library's relation-created), the leader records the
    /// dependencies once, `upgrade-charm` makes a unit `ready`, and the leader pops finished
    /// units off the stack.
    pub fn on_hook<C: Charm>(&mut self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        if self.view.state().is_none() && self.view.states.get(&self.view.me).is_none_or(String::is_empty) {
            self.set_state(ctx, UnitState::Idle)?;
        }
        if let Some(leader) = ctx.leader()? {
            if self.view.stored.is_none() {
                let deps = self.dependencies.encode();
                ctx.update_app_data(&self.relation, &leader, &[(KEY_DEPENDENCIES.to_owned(), deps)].into())?;
                self.view.stored = Some(self.dependencies.clone());
            }
        }
        if is_upgrade_charm(ctx) {
            match decide::on_upgrade_charm(&self.view) {
                Some(state) => {
                    if let Err(why) = decide::upgrade_supported(self.view.stored.as_ref(), &self.dependencies) {
                        ctx.log(LogLevel::Error, &why);
                        return self.set_failed(ctx, &why);
                    }
                    self.set_state(ctx, state)?;
                }
                None if self.view.idle() => {
                    ctx.warn(
                        "upgrade-charm without an upgrade stack: run the pre-upgrade-check action before refreshing",
                    );
                }
                None => {}
            }
        }
        self.leader_step(ctx)
    }

    /// The leader pops completed units and moves the partition (no-op elsewhere).
    pub fn leader_step<C: Charm>(&mut self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        let LeaderStep { stack, partition } = decide::leader_step(&self.view);
        if let Some(new) = partition {
            if k8s::effective(new) != k8s::effective(self.view.partition) {
                if let Err(why) = self.send_partition(ctx, k8s::effective(new)) {
                    // Nothing is written, so the next hook retries the whole step.
                    ctx.log(LogLevel::Error, &format!("upgrade: cannot move the partition: {why}"));
                    ctx.add_status(Status::blocked(why));
                    return Ok(());
                }
            }
        }
        let mut changes = Databag::new();
        if let Some(stack) = stack {
            ctx.info(&format!("upgrade: stack now {stack}"));
            changes.insert(KEY_STACK.to_owned(), stack.encode());
            self.view.stack = stack;
        }
        if let Some(partition) = partition {
            changes.insert(
                KEY_PARTITION.to_owned(),
                partition.map(|p| p.to_string()).unwrap_or_default(),
            );
            self.view.partition = partition;
        }
        if !changes.is_empty() {
            ctx.update_app_data(&self.relation, &leader, &changes)?;
        }
        Ok(())
    }

    /// This unit's turn.
    pub fn turn(&self) -> Turn {
        decide::turn(&self.view)
    }

    /// Whether no upgrade is under way (empty stack).
    pub fn idle(&self) -> bool {
        self.view.idle()
    }

    /// Writes this unit's state.
    pub fn set_state<C: Charm>(&mut self, ctx: &mut Context<'_, C>, state: UnitState) -> Result<(), Error> {
        ctx.update_unit_data(
            &self.relation,
            &[(KEY_STATE.to_owned(), state.as_str().to_owned())].into(),
        )?;
        self.view.states.insert(self.view.me, state.as_str().to_owned());
        Ok(())
    }

    /// `set_unit_completed`; the leader then pops it at once.
    pub fn set_completed<C: Charm>(&mut self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        ctx.info("upgrade: this unit completed its upgrade");
        self.set_state(ctx, UnitState::Completed)?;
        self.leader_step(ctx)
    }

    /// `set_unit_failed`: `failed`, Blocked with the cause, rollback instructions logged.
    pub fn set_failed<C: Charm>(&mut self, ctx: &mut Context<'_, C>, cause: &str) -> Result<(), Error> {
        self.set_state(ctx, UnitState::Failed)?;
        ctx.log(LogLevel::Error, &format!("upgrade failed: {cause}"));
        ctx.log(LogLevel::Error, ROLLBACK_INSTRUCTIONS);
        ctx.add_status(Status::blocked(format!("upgrade failed: {cause}")));
        Ok(())
    }

    /// The end of an upgrade on this unit: back to `idle`; the leader records the
    /// dependencies of the charm now running.
    pub fn finish<C: Charm>(&mut self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        self.set_state(ctx, UnitState::Idle)?;
        if let Some(leader) = ctx.leader()? {
            let deps = self.dependencies.encode();
            ctx.update_app_data(&self.relation, &leader, &[(KEY_DEPENDENCIES.to_owned(), deps)].into())?;
            self.view.stored = Some(self.dependencies.clone());
        }
        self.leader_step(ctx)
    }

    /// The status this unit shows for its upgrade state, if any (the charm adds it).
    pub fn status(&self) -> Option<Status> {
        match (self.turn(), self.view.state()) {
            (_, Some(UnitState::Failed)) => Some(Status::blocked(
                "upgrade failed: run pre-upgrade-check on the leader, then refresh to the previous revision",
            )),
            (_, Some(UnitState::Recovery)) => Some(Status::blocked("ready to rollback application")),
            (Turn::Wait(why), _) => Some(Status::waiting(why)),
            (Turn::Go, _) => Some(Status::maintenance("upgrading...")),
            (Turn::Halted, _) => Some(Status::blocked("another unit failed to upgrade; see the leader's log")),
            (_, Some(UnitState::Completed)) => Some(Status::maintenance("upgrade completed")),
            _ => None,
        }
    }

    /// Refuses an action that must not run during an upgrade (as the charms' `set-password`).
    pub fn refuse_while_upgrading(&self, what: &str) -> Result<(), ActionError> {
        if self.view.idle() {
            Ok(())
        } else {
            Err(ActionError::failed(format!(
                "Cannot {what} while upgrading (upgrade_stack: {})",
                self.view.stack
            )))
        }
    }

    /// The `pre-upgrade-check` action. `health` is the charm's cluster check.
    pub fn pre_upgrade_check<C: Charm>(
        &mut self,
        ctx: &mut Context<'_, C>,
        health: impl FnOnce() -> Result<(), NotReady>,
    ) -> Result<ActionResults, ActionError> {
        let plan = decide::pre_upgrade_check(&self.view, health).map_err(ActionError::failed)?;
        let leader = ctx.leader()?.ok_or_else(|| ActionError::failed(decide::NOT_LEADER))?;
        match plan {
            PreCheck::Start { stack, partition } => {
                // As upstream, the StatefulSet partition is set before the stack: a failure
                // (403: the application is not trusted) leaves the relation untouched.
                self.send_partition(ctx, partition).map_err(ActionError::failed)?;
                let changes: Databag = [
                    (KEY_STACK.to_owned(), stack.encode()),
                    (KEY_PARTITION.to_owned(), partition.to_string()),
                ]
                .into();
                ctx.update_app_data(&self.relation, &leader, &changes)?;
                ctx.action_log(&format!("Upgrade stack {stack}; unit {partition} upgrades first."))?;
                self.view.stack = stack.clone();
                self.view.partition = Some(partition);
                Ok(ActionResults::new().set("upgrade-stack", stack.encode())?.set(
                    "message",
                    format!("Cluster is ready to upgrade; unit {partition} upgrades first"),
                )?)
            }
            PreCheck::Recovery { stack } => {
                ctx.info("Entering recovery state for rolling-back to previous version...");
                ctx.update_app_data(
                    &self.relation,
                    &leader,
                    &[(KEY_STACK.to_owned(), stack.encode())].into(),
                )?;
                self.view.stack = stack;
                self.set_state(ctx, UnitState::Recovery)?;
                Ok(ActionResults::new().set("message", "ready to rollback application")?)
            }
        }
    }

    /// The `resume-upgrade` action.
    pub fn resume_upgrade<C: Charm>(&mut self, ctx: &mut Context<'_, C>) -> Result<ActionResults, ActionError> {
        let resume = decide::resume_upgrade(&self.view).map_err(ActionError::failed)?;
        let leader = ctx.leader()?.ok_or_else(|| ActionError::failed(decide::NOT_LEADER))?;
        self.send_partition(ctx, resume.partition)
            .map_err(|why| ActionError::failed(format!("Cannot set rolling update partition. {why}")))?;
        ctx.update_app_data(
            &self.relation,
            &leader,
            &[(KEY_PARTITION.to_owned(), resume.partition.to_string())].into(),
        )?;
        self.view.partition = Some(resume.partition);
        Ok(ActionResults::new().set("message", resume.message)?)
    }
}
