//! `Context`: everything a charm reads and writes during one run.
//!
//! One fact, one hook-tool call: config, leadership, relation ids, bags, unit state, opened
//! ports, networks, peeked secret content and secret metadata are fetched on first use and
//! cached for the rest of the run (a hook is short; Juju guarantees leadership for 30 s
//! after `is-leader` says true). The charm's own writes update the cache, so it reads what
//! it wrote, as Juju's hook context does.
//!
//! The methods are split by topic: relations ([`relations`]), secrets ([`secrets`]), unit
//! facts (unit state, ports, network, storage, goal state: [`unit`]).

pub mod relations;
pub mod secrets;
pub mod unit;

use std::collections::BTreeMap;
use std::marker::PhantomData;

use juju_model::tools::{LogLevel, Network, Port};
use juju_model::{AppName, CharmMeta, Databag, Event, JujuEnv, RelationId, Status, UnitName};
use serde_json::Value;

pub use relations::Relation;

use crate::backend::{Backend, StatusTarget};
use crate::charm::Charm;
use crate::error::Error;
use crate::pebble::{Pebble, PebbleConnector};
use crate::status::StatusCollector;
use crate::stop::Stop;

/// Proof that this unit is the leader, from [`Context::leader`]. Writing application data
/// and managing application-owned secrets take it, so forgetting the check does not
/// compile. It cannot be made outside the SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leader {
    _private: (),
}

/// Facts fetched once per run. Its `Debug` (below) names secret keys but never values, since
/// `{ctx:?}` may end up in a log line.
#[derive(Default)]
pub(crate) struct Cache {
    pub(crate) config: Option<serde_json::Map<String, Value>>,
    pub(crate) leader: Option<bool>,
    pub(crate) relation_ids: BTreeMap<String, Vec<RelationId>>,
    pub(crate) remote_units: BTreeMap<RelationId, Vec<UnitName>>,
    pub(crate) remote_app: BTreeMap<RelationId, Option<AppName>>,
    pub(crate) bags: BTreeMap<(RelationId, String), Databag>,
    pub(crate) unit_state: Option<BTreeMap<String, String>>,
    pub(crate) opened_ports: Option<Vec<Port>>,
    pub(crate) networks: BTreeMap<String, Network>,
    /// Latest content by [`secrets::cache_key`], from `--peek` reads and the run's own writes.
    pub(crate) secret_content: BTreeMap<String, secrets::SecretContent>,
    /// `secret-info-get` answers by [`secrets::cache_key`], dropped on any secret write.
    pub(crate) secret_info: BTreeMap<String, juju_model::tools::SecretInfo>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secret content holds passwords and private keys: show which secrets and keys were
        // read, never what they hold.
        let secret_keys: BTreeMap<&str, Vec<&str>> = self
            .secret_content
            .iter()
            .map(|(secret, content)| (secret.as_str(), content.keys().map(String::as_str).collect()))
            .collect();
        f.debug_struct("Cache")
            .field("config", &self.config)
            .field("leader", &self.leader)
            .field("relation_ids", &self.relation_ids)
            .field("remote_units", &self.remote_units)
            .field("remote_app", &self.remote_app)
            .field("bags", &self.bags)
            .field("unit_state", &self.unit_state)
            .field("opened_ports", &self.opened_ports)
            .field("networks", &self.networks)
            .field("secret_keys", &secret_keys)
            .field("secret_info", &self.secret_info)
            .finish()
    }
}

/// The run's view of the model, handed to every entry point of a [`Charm`].
pub struct Context<'run, C: Charm> {
    pub(crate) env: &'run JujuEnv,
    pub(crate) event: &'run Event,
    pub(crate) meta: &'run CharmMeta,
    pub(crate) backend: &'run mut dyn Backend,
    pub(crate) pebble: &'run dyn PebbleConnector,
    pub(crate) cache: Cache,
    pub(crate) statuses: StatusCollector,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> std::fmt::Debug for Context<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("unit", &self.env.unit)
            .field("cache", &self.cache)
            .finish()
    }
}

impl<'run, C: Charm> Context<'run, C> {
    pub(crate) fn new(
        env: &'run JujuEnv,
        event: &'run Event,
        meta: &'run CharmMeta,
        backend: &'run mut dyn Backend,
        pebble: &'run dyn PebbleConnector,
    ) -> Self {
        Self {
            env,
            event,
            meta,
            backend,
            pebble,
            cache: Cache::default(),
            statuses: StatusCollector::default(),
            _charm: PhantomData,
        }
    }

    /// This unit.
    pub fn unit(&self) -> &UnitName {
        &self.env.unit
    }

    /// This application.
    pub fn app(&self) -> &AppName {
        self.env.unit.app()
    }

    /// The model's name.
    pub fn model_name(&self) -> &str {
        &self.env.model_name
    }

    /// The model's uuid.
    pub fn model_uuid(&self) -> &str {
        &self.env.model_uuid
    }

    /// What the charm declared in charmcraft.yaml.
    pub fn meta(&self) -> &CharmMeta {
        self.meta
    }

    /// The raw environment, for the rare charm that needs a variable the SDK does not lift
    /// (reconcile should not branch on the event).
    pub fn env(&self) -> &JujuEnv {
        self.env
    }

    // ---- config -------------------------------------------------------------------------

    /// All config values as Juju reports them (unset options without default are `null`).
    pub fn config_values(&mut self) -> Result<&serde_json::Map<String, Value>, Error> {
        if self.cache.config.is_none() {
            let mut values = self.backend.config_get()?;
            values.retain(|_, v| !v.is_null());
            self.cache.config = Some(values);
        }
        Ok(self.cache.config.get_or_insert_with(Default::default))
    }

    /// The typed config. A value that does not fit the charm's `Config` type is an
    /// [`Error::Config`] naming the option, which becomes Blocked when returned from
    /// reconcile with `?`.
    pub fn config(&mut self) -> Result<C::Config, Error> {
        let values = self.config_values()?.clone();
        crate::config::decode(values)
    }

    // ---- leadership ---------------------------------------------------------------------

    /// The leadership token when this unit is the leader (one `is-leader` call per run).
    pub fn leader(&mut self) -> Result<Option<Leader>, Error> {
        Ok(self.is_leader()?.then_some(Leader { _private: () }))
    }

    pub(crate) fn is_leader(&mut self) -> Result<bool, Error> {
        if let Some(leader) = self.cache.leader {
            return Ok(leader);
        }
        let leader = self.backend.is_leader()?;
        self.cache.leader = Some(leader);
        Ok(leader)
    }

    // ---- status and logs ----------------------------------------------------------------

    /// Reports a candidate unit status; the most severe of the run is set once at the end.
    pub fn add_status(&mut self, status: Status) {
        self.statuses.add_unit(status);
    }

    /// Reports a candidate application status (set at the end, by the leader only).
    pub fn add_app_status(&mut self, _leader: &Leader, status: Status) {
        self.statuses.add_app(status);
    }

    /// Sets the workload version shown by `juju status`.
    pub fn set_workload_version(&mut self, version: &str) -> Result<(), Error> {
        Ok(self.backend.application_version_set(version)?)
    }

    /// Logs through `juju-log` (shown by `juju debug-log`). Never log secret values.
    pub fn log(&mut self, level: LogLevel, message: &str) {
        // A failed log call must not fail the hook; stderr reaches Juju's log too.
        if let Err(e) = self.backend.juju_log(level, message) {
            eprintln!("juju-log failed ({e}); message was: {message}");
        }
    }

    /// `log(Info, …)`.
    pub fn info(&mut self, message: &str) {
        self.log(LogLevel::Info, message);
    }

    /// `log(Warning, …)`.
    pub fn warn(&mut self, message: &str) {
        self.log(LogLevel::Warning, message);
    }

    /// `log(Debug, …)`.
    pub fn debug(&mut self, message: &str) {
        self.log(LogLevel::Debug, message);
    }

    /// Reports progress of the running action (`action-log`).
    pub fn action_log(&mut self, message: &str) -> Result<(), Error> {
        Ok(self.backend.action_log(message)?)
    }

    // ---- workloads ----------------------------------------------------------------------

    /// A Pebble client for a declared container. An undeclared name is an error; a
    /// container whose Pebble is not up yet becomes Waiting when returned with `?`.
    pub fn container(&mut self, name: &str) -> Result<Box<dyn Pebble + 'run>, Stop> {
        if !self.meta.containers.contains_key(name) {
            return Err(Stop::Failed(Error::msg(format!(
                "container {name:?} is not declared in charmcraft.yaml (declared: {})",
                self.meta.containers.keys().cloned().collect::<Vec<_>>().join(", ")
            ))));
        }
        let connector: &'run dyn PebbleConnector = self.pebble;
        connector
            .connect(name)
            .map_err(|_| Stop::waiting(format!("waiting for Pebble in container {name}")))
    }

    pub(crate) fn set_final_status(&mut self, extra: Option<Status>) -> Result<(), Error> {
        if let Some(status) = extra {
            self.statuses.add_unit(status);
        }
        let (unit, app) = self.statuses.resolve();
        self.backend.status_set(StatusTarget::Unit, &unit)?;
        if let Some(app) = app {
            if self.is_leader()? {
                self.backend.status_set(StatusTarget::Application, &app)?;
            }
        }
        Ok(())
    }
}
