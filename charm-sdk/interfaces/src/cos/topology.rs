//! Juju topology: the labels COS uses to tell whose metrics, logs and alerts these are.
//!
//! Transcribed from observability_libs `juju_topology.py` (`as_dict`, `identifier`,
//! `label_matcher_dict`); key order matters because the libraries `json.dumps` these
//! dicts into relation data.

use charm_sdk::{Charm, Context};
use serde::Serialize;

/// Model, application, unit and charm of the workload being observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topology {
    /// The model name.
    pub model: String,
    /// The model uuid.
    pub model_uuid: String,
    /// The application.
    pub application: String,
    /// The unit (`app/0`).
    pub unit: String,
    /// The charm's name (charmcraft.yaml `name`).
    pub charm_name: String,
}

impl Topology {
    /// The running charm's topology (`JujuTopology.from_charm`).
    pub fn from_context<C: Charm>(ctx: &Context<'_, C>) -> Self {
        Self {
            model: ctx.model_name().to_owned(),
            model_uuid: ctx.model_uuid().to_owned(),
            application: ctx.app().to_string(),
            unit: ctx.unit().to_string(),
            charm_name: ctx.meta().name.clone(),
        }
    }

    /// `identifier`: `<model>_<uuid[:8]>_<application>`, `/` replaced by `_`.
    pub fn identifier(&self) -> String {
        let short: String = self.model_uuid.chars().take(8).collect();
        format!("{}_{}_{}", self.model, short, self.application).replace('/', "_")
    }

    /// `label_matcher_dict`: `juju_model`, `juju_model_uuid`, `juju_application`,
    /// `juju_charm`, in that order, empty values left out.
    pub fn label_matchers(&self) -> Vec<(String, String)> {
        [
            ("juju_model", &self.model),
            ("juju_model_uuid", &self.model_uuid),
            ("juju_application", &self.application),
            ("juju_charm", &self.charm_name),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topo() -> Topology {
        Topology {
            model: "a-model".into(),
            model_uuid: "00000000-0000-4000-8000-000000000000".into(),
            application: "some-app".into(),
            unit: "some-app/1".into(),
            charm_name: "some-charm".into(),
        }
    }

    #[test]
    fn identifier_and_dict_match_the_library() {
        assert_eq!(topo().identifier(), "a-model_00000000_some-app");
        assert_eq!(
            crate::pyjson::dumps(&topo()).unwrap(),
            r#"{"model": "a-model", "model_uuid": "00000000-0000-4000-8000-000000000000", "application": "some-app", "unit": "some-app/1", "charm_name": "some-charm"}"#
        );
        assert_eq!(
            topo().label_matchers()[3],
            ("juju_charm".to_owned(), "some-charm".to_owned())
        );
    }
}
