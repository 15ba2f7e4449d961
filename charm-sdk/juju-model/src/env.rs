//! `JujuEnv`: the `JUJU_*` environment of one hook or action, mirrored exactly.
//!
//! Like ripgrep's low-level arguments, this type only records and validates what Juju
//! exported; [`crate::Event`] is lifted from it in a separate step. It is built from any
//! iterator of `(name, value)` pairs, never from `std::env` directly, so tests and the
//! fuzzer hand it whatever they like.

use std::collections::BTreeMap;

use crate::names::{AppName, RelationId, SecretUri, UnitName};
use crate::Error;

/// Every variable Juju exports to a charm process (juju-contract.md §1.2–1.3).
///
/// Variables Juju always exports but may leave empty (such as `JUJU_REMOTE_UNIT` on
/// relation-created) are `None` when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JujuEnv {
    /// `JUJU_DISPATCH_PATH`: `hooks/<name>` or `actions/<name>`.
    pub dispatch_path: String,
    /// `JUJU_HOOK_NAME` (empty for actions).
    pub hook_name: Option<String>,
    /// `JUJU_UNIT_NAME`.
    pub unit: UnitName,
    /// `JUJU_MODEL_NAME`.
    pub model_name: String,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: String,
    /// `JUJU_VERSION` (missing on the legacy meter-status-changed hook).
    pub version: Option<String>,
    /// `JUJU_CHARM_DIR` (or the legacy `CHARM_DIR`).
    pub charm_dir: Option<String>,
    /// `JUJU_CONTEXT_ID`, needed by the hook tools.
    pub context_id: Option<String>,
    /// `JUJU_AGENT_SOCKET_ADDRESS`.
    pub agent_socket_address: Option<String>,
    /// `JUJU_AGENT_SOCKET_NETWORK`.
    pub agent_socket_network: Option<String>,
    /// `JUJU_API_ADDRESSES`, space separated in the environment.
    pub api_addresses: Vec<String>,
    /// `JUJU_MACHINE_ID` (empty on Kubernetes).
    pub machine_id: Option<String>,
    /// `JUJU_PRINCIPAL_UNIT` (subordinates only).
    pub principal_unit: Option<String>,
    /// `JUJU_AVAILABILITY_ZONE`.
    pub availability_zone: Option<String>,
    /// `JUJU_RELATION` (relation hooks): the endpoint name.
    pub relation: Option<String>,
    /// `JUJU_RELATION_ID` (relation hooks), parsed from `<endpoint>:<id>`.
    pub relation_id: Option<RelationId>,
    /// `JUJU_REMOTE_UNIT`; empty on -created/-broken and on app-only changes.
    pub remote_unit: Option<UnitName>,
    /// `JUJU_REMOTE_APP`.
    pub remote_app: Option<AppName>,
    /// `JUJU_DEPARTING_UNIT` (relation-departed only).
    pub departing_unit: Option<UnitName>,
    /// `JUJU_ACTION_NAME`.
    pub action_name: Option<String>,
    /// `JUJU_ACTION_UUID`: the action id.
    pub action_uuid: Option<String>,
    /// `JUJU_ACTION_TAG`.
    pub action_tag: Option<String>,
    /// `JUJU_WORKLOAD_NAME`: the container of a Pebble event.
    pub workload_name: Option<String>,
    /// `JUJU_NOTICE_ID`.
    pub notice_id: Option<String>,
    /// `JUJU_NOTICE_TYPE`.
    pub notice_type: Option<String>,
    /// `JUJU_NOTICE_KEY`.
    pub notice_key: Option<String>,
    /// `JUJU_PEBBLE_CHECK_NAME`.
    pub pebble_check_name: Option<String>,
    /// `JUJU_SECRET_ID`.
    pub secret_id: Option<SecretUri>,
    /// `JUJU_SECRET_LABEL` (may be empty).
    pub secret_label: Option<String>,
    /// `JUJU_SECRET_REVISION` (only when > 0).
    pub secret_revision: Option<u64>,
    /// `JUJU_STORAGE_ID`, `<name>/<n>`.
    pub storage_id: Option<String>,
    /// `JUJU_STORAGE_LOCATION`.
    pub storage_location: Option<String>,
    /// `JUJU_STORAGE_KIND` (`block` or `filesystem`).
    pub storage_kind: Option<String>,
    /// `JUJU_DEBUG` set to anything non-empty.
    pub debug: bool,
    /// `JUJU_DEBUG_AT`, comma separated.
    pub debug_at: Vec<String>,
    /// `JUJU_TRACE_ID` when a trace is active.
    pub trace_id: Option<String>,
}

/// The variable names the model reads, in one place for docs and for the test harness.
pub mod vars {
    /// `JUJU_DISPATCH_PATH`.
    pub const DISPATCH_PATH: &str = "JUJU_DISPATCH_PATH";
    /// `JUJU_HOOK_NAME`.
    pub const HOOK_NAME: &str = "JUJU_HOOK_NAME";
    /// `JUJU_UNIT_NAME`.
    pub const UNIT_NAME: &str = "JUJU_UNIT_NAME";
    /// `JUJU_MODEL_NAME`.
    pub const MODEL_NAME: &str = "JUJU_MODEL_NAME";
    /// `JUJU_MODEL_UUID`.
    pub const MODEL_UUID: &str = "JUJU_MODEL_UUID";
    /// `JUJU_VERSION`.
    pub const VERSION: &str = "JUJU_VERSION";
}

impl JujuEnv {
    /// Reads the environment of the current process.
    pub fn from_process() -> Result<Self, Error> {
        Self::from_vars(std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))))
    }

    /// Builds the record from `(name, value)` pairs. Required: `JUJU_DISPATCH_PATH`,
    /// `JUJU_UNIT_NAME`, `JUJU_MODEL_NAME`, `JUJU_MODEL_UUID` (as ops requires them);
    /// every other variable is optional and empty values count as absent.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let map: BTreeMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, _)| k.starts_with("JUJU_") || k == "CHARM_DIR")
            .collect();
        let get = |name: &str| map.get(name).filter(|v| !v.is_empty()).cloned();
        let required = |name: &str| get(name).ok_or_else(|| Error::MissingVariable(name.to_owned()));

        let relation_id = get("JUJU_RELATION_ID").map(|v| RelationId::parse(&v)).transpose()?;
        let secret_revision = get("JUJU_SECRET_REVISION")
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| Error::invalid("JUJU_SECRET_REVISION", &v, "expected a positive integer"))
            })
            .transpose()?;

        Ok(Self {
            dispatch_path: required(vars::DISPATCH_PATH)?,
            hook_name: get(vars::HOOK_NAME),
            unit: UnitName::new(&required(vars::UNIT_NAME)?)?,
            model_name: required(vars::MODEL_NAME)?,
            model_uuid: required(vars::MODEL_UUID)?,
            version: get(vars::VERSION),
            charm_dir: get("JUJU_CHARM_DIR").or_else(|| get("CHARM_DIR")),
            context_id: get("JUJU_CONTEXT_ID"),
            agent_socket_address: get("JUJU_AGENT_SOCKET_ADDRESS"),
            agent_socket_network: get("JUJU_AGENT_SOCKET_NETWORK"),
            api_addresses: get("JUJU_API_ADDRESSES")
                .map(|v| v.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            machine_id: get("JUJU_MACHINE_ID"),
            principal_unit: get("JUJU_PRINCIPAL_UNIT"),
            availability_zone: get("JUJU_AVAILABILITY_ZONE"),
            relation: get("JUJU_RELATION"),
            relation_id,
            remote_unit: get("JUJU_REMOTE_UNIT").map(|v| UnitName::new(&v)).transpose()?,
            remote_app: get("JUJU_REMOTE_APP").map(AppName::new).transpose()?,
            departing_unit: get("JUJU_DEPARTING_UNIT").map(|v| UnitName::new(&v)).transpose()?,
            action_name: get("JUJU_ACTION_NAME"),
            action_uuid: get("JUJU_ACTION_UUID"),
            action_tag: get("JUJU_ACTION_TAG"),
            workload_name: get("JUJU_WORKLOAD_NAME"),
            notice_id: get("JUJU_NOTICE_ID"),
            notice_type: get("JUJU_NOTICE_TYPE"),
            notice_key: get("JUJU_NOTICE_KEY"),
            pebble_check_name: get("JUJU_PEBBLE_CHECK_NAME"),
            secret_id: get("JUJU_SECRET_ID").map(SecretUri::new).transpose()?,
            secret_label: get("JUJU_SECRET_LABEL"),
            secret_revision,
            storage_id: get("JUJU_STORAGE_ID"),
            storage_location: get("JUJU_STORAGE_LOCATION"),
            storage_kind: get("JUJU_STORAGE_KIND"),
            debug: get("JUJU_DEBUG").is_some(),
            debug_at: get("JUJU_DEBUG_AT")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            trace_id: get("JUJU_TRACE_ID"),
        })
    }

    /// Writes the record back as the variables Juju would export (the inverse of
    /// [`JujuEnv::from_vars`]); the testing harness uses it to run the real dispatch path.
    pub fn to_vars(&self) -> Vec<(String, String)> {
        let mut out = vec![
            (vars::DISPATCH_PATH.to_owned(), self.dispatch_path.clone()),
            (vars::HOOK_NAME.to_owned(), self.hook_name.clone().unwrap_or_default()),
            (vars::UNIT_NAME.to_owned(), self.unit.to_string()),
            (vars::MODEL_NAME.to_owned(), self.model_name.clone()),
            (vars::MODEL_UUID.to_owned(), self.model_uuid.clone()),
        ];
        let mut push = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                out.push((name.to_owned(), value));
            }
        };
        push(vars::VERSION, self.version.clone());
        push("JUJU_CHARM_DIR", self.charm_dir.clone());
        push("JUJU_CONTEXT_ID", self.context_id.clone());
        push("JUJU_AGENT_SOCKET_ADDRESS", self.agent_socket_address.clone());
        push("JUJU_AGENT_SOCKET_NETWORK", self.agent_socket_network.clone());
        push(
            "JUJU_API_ADDRESSES",
            (!self.api_addresses.is_empty()).then(|| self.api_addresses.join(" ")),
        );
        push("JUJU_MACHINE_ID", self.machine_id.clone());
        push("JUJU_PRINCIPAL_UNIT", self.principal_unit.clone());
        push("JUJU_AVAILABILITY_ZONE", self.availability_zone.clone());
        push("JUJU_RELATION", self.relation.clone());
        push(
            "JUJU_RELATION_ID",
            self.relation_id.map(|id| match &self.relation {
                Some(endpoint) => format!("{endpoint}:{id}"),
                None => id.to_string(),
            }),
        );
        push("JUJU_REMOTE_UNIT", self.remote_unit.as_ref().map(ToString::to_string));
        push("JUJU_REMOTE_APP", self.remote_app.as_ref().map(ToString::to_string));
        push(
            "JUJU_DEPARTING_UNIT",
            self.departing_unit.as_ref().map(ToString::to_string),
        );
        push("JUJU_ACTION_NAME", self.action_name.clone());
        push("JUJU_ACTION_UUID", self.action_uuid.clone());
        push("JUJU_ACTION_TAG", self.action_tag.clone());
        push("JUJU_WORKLOAD_NAME", self.workload_name.clone());
        push("JUJU_NOTICE_ID", self.notice_id.clone());
        push("JUJU_NOTICE_TYPE", self.notice_type.clone());
        push("JUJU_NOTICE_KEY", self.notice_key.clone());
        push("JUJU_PEBBLE_CHECK_NAME", self.pebble_check_name.clone());
        push("JUJU_SECRET_ID", self.secret_id.as_ref().map(ToString::to_string));
        push("JUJU_SECRET_LABEL", self.secret_label.clone());
        push("JUJU_SECRET_REVISION", self.secret_revision.map(|r| r.to_string()));
        push("JUJU_STORAGE_ID", self.storage_id.clone());
        push("JUJU_STORAGE_LOCATION", self.storage_location.clone());
        push("JUJU_STORAGE_KIND", self.storage_kind.clone());
        push("JUJU_DEBUG", self.debug.then(|| "1".to_owned()));
        push(
            "JUJU_DEBUG_AT",
            (!self.debug_at.is_empty()).then(|| self.debug_at.join(",")),
        );
        push("JUJU_TRACE_ID", self.trace_id.clone());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("JUJU_DISPATCH_PATH", "hooks/db-relation-changed"),
            ("JUJU_HOOK_NAME", "db-relation-changed"),
            ("JUJU_UNIT_NAME", "kafka-k8s/0"),
            ("JUJU_MODEL_NAME", "dev"),
            ("JUJU_MODEL_UUID", "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"),
            ("JUJU_VERSION", "3.6.4"),
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:3"),
            ("JUJU_REMOTE_UNIT", ""),
            ("JUJU_REMOTE_APP", "postgresql-k8s"),
            ("PATH", "/usr/bin"),
        ]
    }

    #[test]
    fn relation_variables_are_parsed_and_empty_means_absent() {
        let env = JujuEnv::from_vars(base()).unwrap();
        assert_eq!(env.relation_id, Some(RelationId(3)));
        assert_eq!(env.relation.as_deref(), Some("db"));
        assert_eq!(env.remote_unit, None);
        assert_eq!(env.remote_app.unwrap().as_str(), "postgresql-k8s");
    }

    #[test]
    fn missing_required_variable_is_named() {
        let vars: Vec<_> = base().into_iter().filter(|(k, _)| *k != "JUJU_MODEL_UUID").collect();
        let err = JujuEnv::from_vars(vars).unwrap_err();
        assert!(err.to_string().contains("JUJU_MODEL_UUID"), "{err}");
    }

    #[test]
    fn round_trips_through_vars() {
        let env = JujuEnv::from_vars(base()).unwrap();
        let again = JujuEnv::from_vars(env.to_vars()).unwrap();
        assert_eq!(env, again);
    }

    #[test]
    fn bad_relation_id_is_an_error_not_zero() {
        let mut vars = base();
        vars.retain(|(k, _)| *k != "JUJU_RELATION_ID");
        vars.push(("JUJU_RELATION_ID", "db:x"));
        assert!(JujuEnv::from_vars(vars).is_err());
    }
}
