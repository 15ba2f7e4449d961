//! Write Juju Kubernetes sidecar charms in Rust, as comfortably as with Canonical's `ops`,
//! and test them in milliseconds without Juju.
//!
//! A charm is a type implementing [`Charm`]: one `reconcile` that reads the world,
//! computes, and writes the world, idempotently, for every event that says "something
//! changed"; named methods only where Juju needs an answer (actions, teardown, the owner
//! side of secrets). [`main`] turns the process environment into an [`Event`], runs the
//! entry point through [`dispatch`] with the real hook tools ([`ProcessBackend`]) and Pebble
//! sockets ([`pebble::SocketConnector`]), and sets the unit status once.
//!
//! ```
//! use charm_sdk::prelude::*;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "kebab-case")]
//! struct Config { greeting: String }
//!
//! #[derive(Deserialize)]
//! #[serde(tag = "name", content = "params", rename_all = "kebab-case")]
//! enum Action { Greet { who: String } }
//!
//! struct Greeter;
//!
//! impl Charm for Greeter {
//!     const CHARMCRAFT: &'static str = r#"
//! name: greeter
//! peers: {cluster: {interface: greeter-peers}}
//! config: {options: {greeting: {type: string, default: hello}}}
//! actions: {greet: {params: {who: {type: string}}, required: [who]}}
//! "#;
//!     type Config = Config;
//!     type Action = Action;
//!
//!     fn new() -> Self { Greeter }
//!
//!     fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
//!         let config = ctx.config()?;              // invalid config: Blocked naming the option
//!         let peers = ctx.relation("cluster")?.or_waiting("waiting for the peer relation")?;
//!         if let Some(leader) = ctx.leader()? {   // the token proves leadership
//!             let bag = [("greeting".to_owned(), config.greeting)].into();
//!             ctx.update_app_data(&peers, &leader, &bag)?; // sent only if it changed
//!         }
//!         Ok(())                                   // Active
//!     }
//!
//!     fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
//!         let Action::Greet { who } = action;
//!         let greeting = ctx.config()?.greeting;
//!         Ok(ActionResults::new().set("message", format!("{greeting}, {who}"))?)
//!     }
//! }
//! ```
//!
//! The `charm-testing` crate runs such a charm in-process: a `State` in, an event, a
//! `State` out, with Juju's access rules and hook transactions.

pub mod action;
pub mod backend;
pub mod charm;
pub mod config;
pub mod context;
pub mod dispatch;
pub mod error;
pub mod password;
pub mod pebble;
pub mod process;
pub mod rules;
pub mod status;
pub mod stop;

pub use action::{ActionError, ActionResults, NoActions};
pub use backend::{Backend, HookToolError, SecretMeta, SecretRead, SecretRef, ToolErrorKind, ToolResult};
pub use charm::{Charm, SecretLifecycle, Teardown};
pub use context::secrets::{secret_content, SecretContent};
pub use context::{Context, Leader, Relation};
pub use dispatch::{dispatch, main, Outcome};
pub use error::{Error, ResultExt};
pub use juju_model::{self as model, CharmMeta, Event, JujuEnv, Status};
pub use password::generate_password;
pub use process::ProcessBackend;
pub use stop::{OrStop, Stop};

/// What a charm module usually imports.
pub mod prelude {
    pub use crate::action::{ActionError, ActionResults, NoActions};
    pub use crate::backend::{SecretMeta, SecretRead, SecretRef};
    pub use crate::charm::{Charm, SecretLifecycle, Teardown};
    pub use crate::context::secrets::{secret_content, SecretContent};
    pub use crate::context::{Context, Leader, Relation};
    pub use crate::error::{Error, ResultExt};
    pub use crate::pebble::{Pebble, PebbleExt};
    pub use crate::stop::{OrStop, Stop};
    pub use juju_model::tools::{LogLevel, Port};
    pub use juju_model::{Databag, JsonValues, PlainStrings, Status};
}
