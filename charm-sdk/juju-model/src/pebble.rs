//! Pebble's layer and plan vocabulary, with no I/O.
//!
//! A charm describes its workload to Pebble as *layers* (YAML documents with services, health
//! checks and log targets); Pebble combines all layers, in order, into the *plan* it runs.
//! The charm side (building a layer, deciding whether pushing it changes anything) and any
//! Pebble emulator (the `charm-testing` fake, the local model's server) need exactly the same
//! rules for that combination and for what makes a plan invalid, so they live here, once:
//!
//! - [`Layer`], [`Service`], [`Check`], [`LogTarget`] and [`Plan`] mirror Pebble's YAML schema
//!   (`docs/reference/layer-specification.md`). Every scalar is an `Option`, so a layer
//!   round-trips through YAML without defaults being invented; unknown top-level sections
//!   are kept verbatim in `sections`.
//! - [`combine_layers`] is Pebble's `plan.CombineLayers`: `override: replace` replaces the
//!   whole item, `override: merge` replaces the scalars the later layer sets, appends
//!   `after`/`before`/`requires` (and log-target `services`) and merges maps key by key.
//! - [`Layer::validate`] and [`Plan::validate`] reject what Pebble rejects, with Pebble's
//!   error texts (`plan must define "command" for service "x"`).
//!
//! Durations are [`GoDuration`]s, so `1m` and Pebble's echo `1m0s` compare equal.
//!
//! ```
//! use juju_model::pebble::{combine_layers, Layer, Plan};
//!
//! let base = Layer::from_yaml(r#"
//! services:
//!   kafka:
//!     override: replace
//!     command: /opt/kafka/bin/kafka-server-start.sh /etc/kafka/server.properties
//!     startup: enabled
//!     environment: {KAFKA_HEAP_OPTS: -Xmx1G}
//! "#)?;
//! let tuning = Layer::from_yaml(r#"
//! services:
//!   kafka:
//!     override: merge
//!     environment: {KAFKA_JVM_PERFORMANCE_OPTS: -XX:+UseG1GC}
//! "#)?;
//! let plan = Plan::from_layers([("base", &base), ("tuning", &tuning)])?;
//! assert_eq!(plan.services["kafka"].environment.len(), 2);
//! # Ok::<(), juju_model::pebble::PlanError>(())
//! ```

mod combine;
mod duration;
mod validate;

pub use validate::{parse_command, shlex_split};

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use combine::combine_layers;
pub use duration::GoDuration;

/// A layer or plan that Pebble would refuse; the message is Pebble's own text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The YAML does not parse into a layer (`cannot parse layer "x": ...`).
    #[error("{0}")]
    Parse(String),
    /// The layer or the combined plan breaks one of Pebble's rules
    /// (`layer "x" must define "override" for service "svc"`).
    #[error("{0}")]
    Format(String),
}

impl PlanError {
    /// The message, as Pebble would print it.
    pub fn message(&self) -> &str {
        match self {
            PlanError::Parse(m) | PlanError::Format(m) => m,
        }
    }
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value Pebble does not define, kept verbatim so that validation can report it.
            Other(String),
        }

        impl $name {
            /// The YAML spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(|s| $name::from(s.as_str()))
            }
        }
    };
}

string_enum! {
    /// How a layer's entry combines with the same entry in earlier layers. Required on every
    /// service, check and log target of every layer.
    Override {
        /// Replace only the fields this layer sets; append lists, merge maps.
        Merge = "merge",
        /// Replace the whole entry.
        Replace = "replace",
    }
}

string_enum! {
    /// Whether a service starts on `replan`/`autostart`, or a check runs from the start.
    Startup {
        /// Started by replan / running (default for checks).
        Enabled = "enabled",
        /// Started only on request (default for services).
        Disabled = "disabled",
    }
}

string_enum! {
    /// What Pebble does when a service exits or one of its checks fails.
    ServiceAction {
        /// Restart the service with backoff (the default).
        Restart = "restart",
        /// Shut Pebble down (exit code from the service).
        Shutdown = "shutdown",
        /// Shut Pebble down with a failure code (`on-success` only).
        FailureShutdown = "failure-shutdown",
        /// Shut Pebble down with a success code (`on-failure`/`on-check-failure` only).
        SuccessShutdown = "success-shutdown",
        /// Leave the service stopped.
        Ignore = "ignore",
    }
}

string_enum! {
    /// A health check's level: what `/v1/health?level=` aggregates.
    CheckLevel {
        /// Liveness.
        Alive = "alive",
        /// Readiness (implies alive).
        Ready = "ready",
    }
}

string_enum! {
    /// Where a log target sends logs.
    LogTargetType {
        /// Grafana Loki.
        Loki = "loki",
        /// An OpenTelemetry collector.
        OpenTelemetry = "opentelemetry",
        /// A syslog server.
        Syslog = "syslog",
    }
}

/// One service of a layer or plan (`services.<name>`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Service {
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Long description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `enabled` services start on replan (default `disabled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<Startup>,
    /// How this entry combines with earlier layers (required in a layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#override: Option<Override>,
    /// The command line (not run through a shell; default arguments may follow in `[ ... ]`).
    /// Required in the combined plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Start after these services (when both are started together).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Start before these services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    /// Also start these services when starting this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The workload (from the `workloads` section) this service runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Run as this UID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// Run as this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Run with this GID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// Run with this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Working directory (default: the user's home).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Action when the service exits with code 0 (default `restart`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<ServiceAction>,
    /// Action when the service exits non-zero (default `restart`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<ServiceAction>,
    /// Action per failing check name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub on_check_failure: BTreeMap<String, ServiceAction>,
    /// First restart delay (default 500ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_delay: Option<GoDuration>,
    /// Delay multiplier, at least 1.0 (default 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_factor: Option<f64>,
    /// Maximum restart delay (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<GoDuration>,
    /// Time between SIGTERM and SIGKILL on stop (default 5s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_delay: Option<GoDuration>,
}

/// An HTTP check: succeeds on a 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HttpCheck {
    /// The URL to GET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// A TCP check: succeeds when a connection opens.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TcpCheck {
    /// The port (required in the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The host (default `localhost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// An exec check: succeeds when the command exits 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExecCheck {
    /// The command line (required in the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Run with this service's environment, user, group and working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_context: Option<String>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Run as this UID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// Run as this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Run with this GID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// Run with this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
}

/// One health check of a layer or plan (`checks.<name>`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Check {
    /// How this entry combines with earlier layers (required in a layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#override: Option<Override>,
    /// `alive` or `ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<CheckLevel>,
    /// `enabled` (default) or `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<Startup>,
    /// Time between runs (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<GoDuration>,
    /// Time allowed for one run (default 3s, capped at the period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<GoDuration>,
    /// Failures in a row before the check is down (default 3; Pebble writes the default
    /// into the combined plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// HTTP check settings (exactly one of `http`, `tcp`, `exec` in the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheck>,
    /// TCP check settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpCheck>,
    /// Exec check settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecCheck>,
}

/// One log forwarding target of a layer or plan (`log-targets.<name>`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LogTarget {
    /// `loki`, `opentelemetry` or `syslog` (required in the plan).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub target_type: Option<LogTargetType>,
    /// Where to send logs (required in the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Which services' logs: names, `all`, `-name` to remove. Appended on merge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// How this entry combines with earlier layers (required in a layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#override: Option<Override>,
    /// Labels attached to every log line (`$ENV` expansion; no `pebble_` prefix).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A layer: what a charm adds with `add_layer(label, layer, combine)`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Layer {
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Long description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Services by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Health checks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log targets by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
    /// Sections this crate does not model (Pebble extensions such as `workloads`), kept
    /// verbatim; a later layer's section replaces an earlier one's when combining.
    #[serde(flatten)]
    pub sections: BTreeMap<String, serde_yaml_ng::Value>,
}

impl Service {
    /// A service entry with `override: replace` and the given command, the usual way a charm
    /// declares its workload: `Service::replace("/bin/app --flag").enabled()`.
    pub fn replace(command: impl Into<String>) -> Self {
        Self {
            r#override: Some(Override::Replace),
            command: Some(command.into()),
            ..Self::default()
        }
    }

    /// Sets `startup: enabled`, so `replan` starts the service.
    pub fn enabled(mut self) -> Self {
        self.startup = Some(Startup::Enabled);
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }
}

impl Check {
    fn replace() -> Self {
        Self {
            r#override: Some(Override::Replace),
            ..Self::default()
        }
    }

    /// An HTTP check on `url` with `override: replace`.
    pub fn http(url: impl Into<String>) -> Self {
        Self {
            http: Some(HttpCheck {
                url: Some(url.into()),
                headers: BTreeMap::new(),
            }),
            ..Self::replace()
        }
    }

    /// A TCP check on `port` (host `localhost`) with `override: replace`.
    pub fn tcp(port: u16) -> Self {
        Self {
            tcp: Some(TcpCheck {
                port: Some(port),
                host: None,
            }),
            ..Self::replace()
        }
    }

    /// An exec check running `command` with `override: replace`.
    pub fn exec(command: impl Into<String>) -> Self {
        Self {
            exec: Some(ExecCheck {
                command: Some(command.into()),
                ..ExecCheck::default()
            }),
            ..Self::replace()
        }
    }

    /// Sets the level (`alive` or `ready`).
    pub fn level(mut self, level: CheckLevel) -> Self {
        self.level = Some(level);
        self
    }
}

impl Layer {
    /// Adds (or replaces) a service entry, builder style.
    pub fn with_service(mut self, name: impl Into<String>, service: Service) -> Self {
        self.services.insert(name.into(), service);
        self
    }

    /// Adds (or replaces) a check entry, builder style.
    pub fn with_check(mut self, name: impl Into<String>, check: Check) -> Self {
        self.checks.insert(name.into(), check);
        self
    }

    /// Parses layer YAML. Errors read like Pebble's (`cannot parse layer YAML: ...`).
    pub fn from_yaml(yaml: &str) -> Result<Self, PlanError> {
        if yaml.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_yaml_ng::from_str(yaml).map_err(|e| PlanError::Parse(format!("cannot parse layer YAML: {e}")))
    }

    /// Serialises to YAML (what `add_layer` sends).
    pub fn to_yaml(&self) -> String {
        serialize_yaml(self)
    }

    /// Checks the rules that apply to a single layer (Pebble's `Layer.Validate`), with the
    /// label used in messages. See [`Plan::validate`] for the rules on the combined plan.
    pub fn validate(&self, label: &str) -> Result<(), PlanError> {
        validate::validate_layer(label, self)
    }
}

/// The combined plan Pebble runs (`GET /v1/plan?format=yaml`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Plan {
    /// Services by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Health checks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log targets by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
    /// Sections this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub sections: BTreeMap<String, serde_yaml_ng::Value>,
}

impl Plan {
    /// Combines labelled layers in order and validates the result, as Pebble does when a
    /// layer is added: each layer is validated, then combined, then the plan is validated.
    pub fn from_layers<'a, I>(layers: I) -> Result<Self, PlanError>
    where
        I: IntoIterator<Item = (&'a str, &'a Layer)>,
    {
        let layers: Vec<(&str, &Layer)> = layers.into_iter().collect();
        for (label, layer) in &layers {
            layer.validate(label)?;
        }
        let plan = Self::from(combine_layers(layers)?);
        plan.validate()?;
        Ok(plan)
    }

    /// Parses the YAML Pebble returns for `GET /v1/plan` (`{}` for an empty plan).
    pub fn from_yaml(yaml: &str) -> Result<Self, PlanError> {
        if yaml.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_yaml_ng::from_str(yaml).map_err(|e| PlanError::Parse(format!("cannot parse plan YAML: {e}")))
    }

    /// Serialises to YAML (`{}` when empty, as Pebble prints it).
    pub fn to_yaml(&self) -> String {
        serialize_yaml(self)
    }

    /// Checks the rules on the combined plan (Pebble's `Plan.Validate`): every service has a
    /// command, `requires` names existing services, no `before`/`after` loop, every check
    /// has exactly one complete type, every log target has a type, a location and known
    /// services.
    pub fn validate(&self) -> Result<(), PlanError> {
        validate::validate_plan(self)
    }

    /// The plan as a layer (every entry keeps its `override`), to combine a new layer onto it.
    pub fn to_layer(&self) -> Layer {
        Layer {
            summary: None,
            description: None,
            services: self.services.clone(),
            checks: self.checks.clone(),
            log_targets: self.log_targets.clone(),
            sections: self.sections.clone(),
        }
    }

    /// The plan Pebble would have after `add_layer(label, layer, combine=true)` when `label`
    /// is new or is the last layer: this plan with `layer` combined on top, validated.
    pub fn with_layer(&self, label: &str, layer: &Layer) -> Result<Self, PlanError> {
        layer.validate(label)?;
        let base = self.to_layer();
        let plan = Self::from(combine_layers([("plan", &base), (label, layer)])?);
        plan.validate()?;
        Ok(plan)
    }
}

impl From<Layer> for Plan {
    fn from(layer: Layer) -> Self {
        Plan {
            services: layer.services,
            checks: layer.checks,
            log_targets: layer.log_targets,
            sections: layer.sections,
        }
    }
}

fn serialize_yaml<T: Serialize>(value: &T) -> String {
    // Serialising these plain-data types to YAML cannot fail (string keys, no tagged
    // enums); an empty string would only result from a serde_yaml_ng bug.
    serde_yaml_ng::to_string(value).unwrap_or_default()
}
