//! The upgrade protocol's decisions as pure functions of a [`View`] of the peer relation.
//!
//! The sequence (data-platform-libs `DataUpgrade`, K8s substrate):
//! 1. `pre-upgrade-check` (leader): the cluster must be idle and healthy; the stack becomes
//!    every unit number, ascending (the highest upgrades first), and the partition the
//!    highest number, so only that unit may upgrade.
//! 2. `upgrade-charm` on a unit with a stack: `ready`; the unit on top of the stack whose
//!    number is at or above the partition, with no other unit `upgrading`, goes:
//!    `upgrading`, restart, post-upgrade check, `completed` (or `failed`). Unlike the
//!    library's VM flow, other units need not be `ready` yet: on Kubernetes the pods below
//!    the partition only get `upgrade-charm` once the partition reaches them.
//! 3. The leader pops completed units off the stack. After the first unit, the partition
//!    stays until `resume-upgrade` lowers it to the next unit; from then on it follows the
//!    top of the stack, one unit at a time.
//! 4. An empty stack with every unit `completed` (or already `idle`): each unit goes back to
//!    `idle`, the leader records the new dependencies.

use std::collections::BTreeMap;

use super::version::verify_requirements;
use super::wire::{Dependencies, UnitState, UpgradeStack};

/// The message the library fails `pre-upgrade-check` with when a check fails.
pub const PRE_CHECK_FAILED: &str = "Pre-upgrade check failed and cannot safely upgrade";
/// The message of the post-upgrade check's failure.
pub const POST_CHECK_FAILED: &str = "Post-upgrade check failed and cannot safely upgrade";
/// Status of a unit waiting for its turn.
pub const WAITING_TURN: &str = "other units upgrading first...";
/// Refusal on a non-leader.
pub const NOT_LEADER: &str = "Action must be ran on the Juju leader.";
/// Refusal when an upgrade already runs.
pub const ALREADY_UPGRADING: &str = "Cannot run pre-upgrade checks, cluster already upgrading.";
/// Refusal of `resume-upgrade` without a stack.
pub const NOTHING_TO_RESUME: &str = "Nothing to resume, upgrade stack unset.";
/// Refusal of `resume-upgrade` at the wrong time.
pub const RESUME_ONCE: &str = "Upgrade can be resumed only once after juju refresh is called.";

/// What the peer relation says, read once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct View {
    /// This unit's number.
    pub me: u32,
    /// Whether this unit is the leader.
    pub leader: bool,
    /// Every unit in the relation, this one included, to its raw `state` (empty if unset).
    pub states: BTreeMap<u32, String>,
    /// The upgrade stack.
    pub stack: UpgradeStack,
    /// The partition (units below it wait), if one is set.
    pub partition: Option<u32>,
    /// The dependencies recorded before this upgrade.
    pub stored: Option<Dependencies>,
}

impl View {
    /// A unit's state, if it has a known one.
    pub fn state_of(&self, unit: u32) -> Option<UnitState> {
        self.states.get(&unit).and_then(|s| UnitState::parse(s))
    }

    /// This unit's state.
    pub fn state(&self) -> Option<UnitState> {
        self.state_of(self.me)
    }

    /// The lowest state of all units (`cluster_state`); `None` if any unit has no known state.
    pub fn cluster_state(&self) -> Option<UnitState> {
        let mut lowest = None;
        for s in self.states.values() {
            let s = UnitState::parse(s)?;
            lowest = Some(lowest.map_or(s, |l: UnitState| l.min(s)));
        }
        lowest
    }

    /// Whether no upgrade is under way (the charms' `idle`: an empty stack).
    pub fn idle(&self) -> bool {
        self.stack.is_empty()
    }

    fn highest_unit(&self) -> u32 {
        self.states.keys().copied().max().unwrap_or(self.me)
    }
}

/// Why the cluster may not upgrade (`ClusterNotReadyError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReady {
    /// The short message.
    pub message: String,
    /// What was found.
    pub cause: String,
}

impl NotReady {
    /// A failed pre-upgrade check.
    pub fn pre(cause: impl Into<String>) -> Self {
        NotReady {
            message: PRE_CHECK_FAILED.to_owned(),
            cause: cause.into(),
        }
    }

    /// A failed post-upgrade check.
    pub fn post(cause: impl Into<String>) -> Self {
        NotReady {
            message: POST_CHECK_FAILED.to_owned(),
            cause: cause.into(),
        }
    }
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.message, self.cause)
    }
}

/// What a successful `pre-upgrade-check` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreCheck {
    /// Start an upgrade: the stack and the partition.
    Start {
        /// Every unit number, ascending (LIFO: the highest goes first).
        stack: UpgradeStack,
        /// The highest unit number: only it may go before `resume-upgrade`.
        partition: u32,
    },
    /// A unit failed: enter recovery to roll back (leader `recovery`, Blocked
    /// "ready to rollback application"), with units that had completed put back.
    Recovery {
        /// The repaired stack.
        stack: UpgradeStack,
    },
}

/// `pre-upgrade-check`: refused (the action's failure message) or what to write.
/// `health` is the charm's own check, run only when everything else allows an upgrade.
pub fn pre_upgrade_check(view: &View, health: impl FnOnce() -> Result<(), NotReady>) -> Result<PreCheck, String> {
    if !view.leader {
        return Err(NOT_LEADER.to_owned());
    }
    if view.cluster_state() == Some(UnitState::Failed) {
        return Ok(PreCheck::Recovery {
            stack: repair_stack(view),
        });
    }
    if view.cluster_state() != Some(UnitState::Idle) {
        return Err(ALREADY_UPGRADING.to_owned());
    }
    health().map_err(|e| e.to_string())?;
    Ok(PreCheck::Start {
        stack: UpgradeStack(view.states.keys().copied().collect()),
        partition: view.highest_unit(),
    })
}

/// `_repair_upgrade_stack`: units no longer in the stack are put back just below its top
/// (Python's `insert(-1, id)`), so a rollback covers them too.
fn repair_stack(view: &View) -> UpgradeStack {
    let mut stack = view.stack.0.clone();
    if stack.is_empty() || stack.len() == view.states.len() {
        return UpgradeStack(stack);
    }
    for unit in view.states.keys() {
        if !stack.contains(unit) {
            let at = stack.len().saturating_sub(1);
            stack.insert(at, *unit);
        }
    }
    UpgradeStack(stack)
}

/// What `resume-upgrade` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// The new partition: the next unit.
    pub partition: u32,
    /// The action's `message` result.
    pub message: String,
}

/// `resume-upgrade`: only once the first unit finished (the stack is one short).
pub fn resume_upgrade(view: &View) -> Result<Resume, String> {
    if !view.leader {
        return Err(NOT_LEADER.to_owned());
    }
    let Some(next) = view.stack.top() else {
        return Err(NOTHING_TO_RESUME.to_owned());
    };
    if view.stack.len() + 1 != view.states.len() {
        return Err(RESUME_ONCE.to_owned());
    }
    Ok(Resume {
        partition: next,
        message: format!("Upgrade will resume on unit {next}"),
    })
}

/// The state a unit takes on `upgrade-charm`: `ready` when an upgrade was prepared, nothing
/// otherwise (the library logs "ensure pre-upgrade checks are ran first"). A `failed` unit
/// getting a charm again (the rollback after `pre-upgrade-check` entered recovery) is `ready`
/// too, as the library's K8s handler marks every unit that gets the event.
pub fn on_upgrade_charm(view: &View) -> Option<UnitState> {
    if view.idle() {
        return None;
    }
    match view.state() {
        Some(UnitState::Upgrading | UnitState::Completed) => None,
        _ => Some(UnitState::Ready),
    }
}

/// The leader's bookkeeping after units report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LeaderStep {
    /// A new stack to write (completed units popped).
    pub stack: Option<UpgradeStack>,
    /// A new partition to write (`Some(None)` removes it).
    pub partition: Option<Option<u32>>,
}

impl LeaderStep {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.stack.is_none() && self.partition.is_none()
    }
}

/// The leader pops every completed unit off the top of the stack; once resumed, the
/// partition follows the new top. With no upgrade left and every unit idle, the partition
/// key goes.
pub fn leader_step(view: &View) -> LeaderStep {
    let mut step = LeaderStep::default();
    if !view.leader {
        return step;
    }
    if view.cluster_state() == Some(UnitState::Failed) {
        return step;
    }
    let mut stack = view.stack.clone();
    let mut popped = Vec::new();
    while let Some(top) = stack.top() {
        if view.state_of(top) != Some(UnitState::Completed) {
            break;
        }
        stack.0.pop();
        popped.push(top);
    }
    if !popped.is_empty() {
        let resumed = view.partition.is_some_and(|p| p < view.highest_unit());
        if resumed {
            let next = stack.top().unwrap_or(0);
            if view.partition != Some(next) {
                step.partition = Some(Some(next));
            }
        }
        step.stack = Some(stack);
    } else if view.stack.is_empty() && view.partition.is_some() && view.cluster_state() == Some(UnitState::Idle) {
        step.partition = Some(None);
    }
    step
}

/// What this unit does now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// No upgrade concerns this unit.
    Idle,
    /// Waiting for its turn (the status message).
    Wait(String),
    /// Its turn: upgrade the workload, check it, report.
    Go,
    /// It finished and the whole upgrade is over: back to `idle`.
    Finish,
    /// A unit failed: nothing moves until recovery.
    Halted,
}

/// This unit's turn, from the stack, the states and the partition.
pub fn turn(view: &View) -> Turn {
    let mine = view.state();
    if view.stack.is_empty() {
        let cluster = view.cluster_state();
        return if mine == Some(UnitState::Completed) && matches!(cluster, Some(UnitState::Idle | UnitState::Completed))
        {
            Turn::Finish
        } else {
            Turn::Idle
        };
    }
    if view.cluster_state() == Some(UnitState::Failed) {
        return Turn::Halted;
    }
    match mine {
        Some(UnitState::Ready | UnitState::Upgrading) => {}
        _ => return Turn::Idle,
    }
    if view.stack.top() != Some(view.me) {
        return Turn::Wait(WAITING_TURN.to_owned());
    }
    if view.partition.is_some_and(|p| view.me < p) {
        return Turn::Wait(format!(
            "unit {} upgraded; waiting for resume-upgrade",
            view.partition.unwrap_or_default()
        ));
    }
    let others_upgrading = view
        .states
        .iter()
        .any(|(n, s)| *n != view.me && UnitState::parse(s) == Some(UnitState::Upgrading));
    if others_upgrading {
        return Turn::Wait(WAITING_TURN.to_owned());
    }
    Turn::Go
}

/// `_upgrade_supported_check`: whether every stored dependency can be upgraded to this
/// charm's. `Err` carries the library's `VersionError` message.
pub fn upgrade_supported(stored: Option<&Dependencies>, new: &Dependencies) -> Result<(), String> {
    let Some(stored) = stored else { return Ok(()) };
    let mut message = String::from("Versions incompatible");
    let mut incompatible = false;
    for (label, new_dep) in &new.0 {
        let Some(old) = stored.get(label) else { continue };
        let ok = verify_requirements(&old.version, &new_dep.upgrade_supported)
            .map_err(|e| format!("dependency {label}: {e}"))?;
        if !ok {
            incompatible = true;
            message.push_str(&format!(
                ", {label} {} can not be upgraded to {}",
                old.version, new_dep.version
            ));
        }
    }
    if incompatible {
        Err(message)
    } else {
        Ok(())
    }
}
