//! Juju's semantics as pure code: the model, the hook tools' rules, the hook transaction
//! and the order of events.
//!
//! Two transports share this crate: the in-process testing crate (`charm-testing`) answers
//! a charm's hook tool calls from it, and the process-level local model will do the same
//! for real hook-tool executables. So it models Juju itself, not any SDK, and depends on
//! nothing but `juju-model` — never on `charm-sdk`, so a bug in the SDK's parsing cannot
//! hide in its own test double. No I/O happens here, not even reading the clock
//! ([`Model::now`] is a value).
//!
//! - [`Model`]: applications, units (status, workload version, unit state, ports,
//!   storage), [`Relation`]s and their bags, [`Secret`]s, actions, the debug log.
//! - [`Hook`]: one unit running one hook ([`HookContext`]), one method per hook tool,
//!   refusing what Juju refuses with Juju's exact text ([`RuleError`]) plus a hint that
//!   names the rule. Writes Juju buffers are buffered and applied by [`Hook::commit`] only
//!   when the hook succeeds; [`Hook::discard`] drops them.
//! - [`access`]: the relation-data and secret access rules, in one place.
//! - [`order`]: the hooks Juju runs for deploy, relate, unrelate, scale, upgrade, remove,
//!   and after a commit.
//!
//! ```
//! use juju_model::CharmMeta;
//! use juju_rules::{order, Hook, Model, RelationEnd};
//!
//! let mut model = Model::default();
//! let zk = model.deploy("zk", CharmMeta::from_charmcraft_yaml("name: zk\npeers: {cluster: {interface: c}}")?, 2)?;
//!
//! // Juju's deploy order for the leader.
//! let hooks: Vec<String> = order::deploy(&model, &zk)?.into_iter()
//!     .filter(|h| h.unit == zk.unit(0)).map(|h| h.name).collect();
//! assert_eq!(hooks[..5], ["install", "cluster-relation-created", "leader-elected", "config-changed", "start"]);
//!
//! // A failed hook leaves no trace of its buffered writes.
//! let mut hook = Hook::begin(&mut model, juju_rules::HookContext::hook(zk.unit(0), "start"))?;
//! hook.state_set(&[("started".to_owned(), "yes".to_owned())].into())?;
//! hook.status_set(&mut model, false, "active", "")?;  // immediate
//! hook.discard(&mut model);
//! assert!(model.unit(&zk.unit(0))?.state.is_empty());
//! assert_eq!(model.unit(&zk.unit(0))?.status, juju_model::Status::active(""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod access;
mod context;
mod error;
mod hook;
pub mod limits;
mod model;
pub mod order;
mod pending;
mod relation;
mod secret;
pub mod time;

pub use context::{ActionInvocation, HookContext, Notice, SecretEvent, JUJU_VERSION};
pub use error::{RuleError, RuleErrorKind, RuleResult};
pub use hook::{Effects, Finished, Hook, SecretArgs, SecretRead};
pub use model::{ActionRecord, ActionStatus, App, LogEntry, Model, StorageInstance, Unit};
pub use pending::{CommitReport, Op, SecretMetaChange};
pub use relation::{default_unit_bag, Relation, RelationEnd};
pub use secret::{
    make_secret_id, parse_secret_content, Consumer, Grant, GrantTarget, Revision, Secret, SecretOwnerRef,
};
pub use time::Timestamp;
