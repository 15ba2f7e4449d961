//! State-transition tests for `charm-sdk` charms, in-process and in milliseconds: the Rust
//! ops-scenario.
//!
//! A test is a value in, an event, a value out. Build the unit's world as a [`State`]
//! (leadership, config, relations, peers, secrets, containers, unit state, ports,
//! storage), fire a [`TestEvent`] through [`Context::run`], and compare the output
//! [`State`] and [`RunOutput`]. Nothing is mocked above the hook tools: the run calls the
//! charm's real `charm_sdk::dispatch` with the real `JUJU_*` environment, and a
//! [`MemoryBackend`] answers every hook tool from `juju-rules` — Juju's access rules with
//! Juju's error texts, and the hook as a transaction (writes committed only when the hook
//! succeeds). Before running, a consistency checker refuses states Juju could never
//! produce. Pebble is the fake of [`pebble`].
//!
//! ```
//! use charm_sdk::prelude::*;
//! use charm_testing::{assert_relation_app_data, assert_status, Context, PeerRelation, RunError, State, TestEvent};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "kebab-case")]
//! struct Config { greeting: String }
//!
//! struct Greeter;
//!
//! impl Charm for Greeter {
//!     const CHARMCRAFT: &'static str = r#"
//! name: greeter
//! peers: {cluster: {interface: greeter-peers}}
//! config: {options: {greeting: {type: string, default: hello}}}
//! "#;
//!     type Config = Config;
//!     type Action = NoActions;
//!
//!     fn new() -> Self { Greeter }
//!
//!     fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
//!         let config = ctx.config()?;
//!         if config.greeting.is_empty() {
//!             return Err(Stop::blocked("greeting must not be empty"));
//!         }
//!         let peers = ctx.relation("cluster")?.or_waiting("waiting for the peer relation")?;
//!         if let Some(leader) = ctx.leader()? {
//!             ctx.update_app_data(&peers, &leader, &[("greeting".to_owned(), config.greeting)].into())?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let ctx = Context::<Greeter>::new();
//! let cluster = PeerRelation::new("cluster").peers(1);
//!
//! // The leader publishes the greeting to its peers.
//! let state = State::default().leader(true).config([("greeting", "hi")]).peer(cluster.clone());
//! let out = ctx.run(TestEvent::config_changed(), state)?;
//! assert_status(&out, Status::active(""));
//! assert_relation_app_data(&out, &cluster, [("greeting", "hi")]);
//! assert_eq!(out.triggered.len(), 1, "the other peer gets relation-changed");
//!
//! // Invalid config blocks, and nothing is published.
//! let out = ctx.run(TestEvent::config_changed(), State::default().leader(true).config([("greeting", "")]).peer(cluster.clone()))?;
//! assert_status(&out, Status::blocked("greeting must not be empty"));
//! assert_relation_app_data(&out, &cluster, [] as [(&str, &str); 0]);
//!
//! // Impossible states are refused before the charm runs.
//! let err = ctx.run(TestEvent::config_changed(), State::default().config([("greetings", "typo")])).unwrap_err();
//! assert!(matches!(&err, RunError::Inconsistent(problems) if problems[0].contains("\"greetings\" is not declared")));
//! # Ok::<(), RunError>(())
//! ```

mod assert;
mod backend;
mod consistency;
mod event;
mod from_model;
pub mod pebble;
mod relation;
mod run;
mod secret;
mod state;
mod to_model;
mod workload;

pub use assert::{
    assert_action_results, assert_app_status, assert_calls, assert_hook_failed, assert_inconsistent,
    assert_log_contains, assert_opened_ports, assert_relation_app_data, assert_relation_unit_data, assert_status,
    assert_unit_state, JUJU_UNIT_KEYS,
};
pub use backend::{Finish, MemoryBackend};
pub use consistency::check_consistency;
pub use event::{EventKind, TestEvent};
pub use relation::{juju_unit_bag, PeerRelation, Relation, RelationLike, DEFAULT_ADDRESS};
pub use run::{ActionOutcome, Context, RunError, RunOutput, TestContext};
pub use secret::{Secret, SecretOwnership};
pub use state::{ModelInfo, State};
pub use workload::{Container, Storage};
