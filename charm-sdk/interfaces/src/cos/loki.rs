//! `loki_push_api` consumer and Pebble log forwarding (the `logging` endpoint).
//!
//! Source: loki_k8s v1 `loki_push_api.py` LIBPATCH 21. Loki units publish unit key
//! `endpoint` = `{"url": "http://<host>:3100/loki/api/v1/push"}`. A consumer's leader
//! writes app `metadata` (topology JSON) and `alert_rules` (`json.dumps(..., sort_keys=True)`).
//! `LogForwarder` then sends no logs over the relation: it adds a Pebble layer labelled
//! `<container>-log-forwarding` with one `log-targets` entry per Loki unit:
//! `{override: replace, services: [all], type: loki, location: <url>, labels: {product:
//! Juju, charm, juju_model, juju_model_uuid, juju_application, juju_unit}}`, and disables
//! targets of Loki units that left with `services: [-all]`, `location: (removed)`.

use std::collections::BTreeMap;

use charm_sdk::{Charm, Context};
use juju_model::pebble::{Layer, LogTarget, LogTargetType, Override};
use juju_model::Databag;
use serde_json::Value;

use super::alert_rules::AlertRules;
use super::topology::Topology;
use crate::error::{kind_of, BagSide, Error, RelationLabel};
use crate::pyjson;

/// The unit key Loki units write.
pub const ENDPOINT: &str = "endpoint";

/// One Loki push endpoint: the Loki unit and its push URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LokiEndpoint {
    /// The Loki unit (`loki/0`): the log target's name.
    pub unit: String,
    /// The push URL.
    pub url: String,
}

/// Reads one Loki unit's `endpoint` (pure): `Ok(None)` when not written yet.
pub fn decode_endpoint(bag: &Databag, relation: &RelationLabel) -> Result<Option<String>, Error> {
    let Some(text) = bag.get(ENDPOINT).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| Error::malformed(relation, BagSide::RemoteUnit, ENDPOINT, &e))?;
    match value.get("url") {
        Some(Value::String(url)) if !url.is_empty() => Ok(Some(url.clone())),
        Some(other) => Err(Error::wrong_type(
            relation,
            BagSide::RemoteUnit,
            ENDPOINT,
            "an object with a string `url`",
            format!("`url` holding {}", kind_of(other)),
        )),
        None => Err(Error::wrong_type(
            relation,
            BagSide::RemoteUnit,
            ENDPOINT,
            "an object with a string `url`",
            kind_of(&value),
        )),
    }
}

/// The consumer's application bag (pure): `metadata` and sorted `alert_rules`.
pub fn consumer_app_bag(topology: &Topology, rules: &AlertRules) -> Databag {
    [
        ("metadata".to_owned(), pyjson::dumps(topology).unwrap_or_default()),
        ("alert_rules".to_owned(), rules.to_sorted_json()),
    ]
    .into()
}

/// One enabled log target (`_build_log_target(enable=True)`).
pub fn log_target(url: &str, topology: &Topology) -> LogTarget {
    let labels: BTreeMap<String, String> = [
        ("product", "Juju"),
        ("charm", topology.charm_name.as_str()),
        ("juju_model", topology.model.as_str()),
        ("juju_model_uuid", topology.model_uuid.as_str()),
        ("juju_application", topology.application.as_str()),
        ("juju_unit", topology.unit.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    LogTarget {
        target_type: Some(LogTargetType::Loki),
        location: Some(url.to_owned()),
        services: vec!["all".to_owned()],
        r#override: Some(Override::Replace),
        labels,
    }
}

/// A disabled target for a Loki unit that left (`_build_log_target(enable=False)`).
pub fn disabled_log_target() -> LogTarget {
    LogTarget {
        target_type: Some(LogTargetType::Loki),
        location: Some("(removed)".to_owned()),
        services: vec!["-all".to_owned()],
        r#override: Some(Override::Replace),
        labels: BTreeMap::new(),
    }
}

/// The layer label the library uses for a container's log forwarding.
pub fn layer_label(container: &str) -> String {
    format!("{container}-log-forwarding")
}

/// The log forwarding layer for one container (pure): a target per active endpoint and
/// a disabled one for every target in `current` (the container's plan `log-targets`) that
/// is enabled but no longer active. Add it with `combine: true` under [`layer_label`].
pub fn log_forwarding_layer(
    endpoints: &[LokiEndpoint],
    topology: &Topology,
    current: &BTreeMap<String, LogTarget>,
) -> Layer {
    let mut layer = Layer::default();
    for (name, target) in current {
        let disabled = target.services.iter().any(|s| s == "-all");
        if !disabled && !endpoints.iter().any(|e| &e.unit == name) {
            layer.log_targets.insert(name.clone(), disabled_log_target());
        }
    }
    for endpoint in endpoints {
        layer
            .log_targets
            .insert(endpoint.unit.clone(), log_target(&endpoint.url, topology));
    }
    layer
}

/// Pushes the log forwarding layer into one container when it changes the plan
/// (`_PebbleLogClient.disable_inactive_endpoints` + `enable_endpoints`). Returns whether a
/// layer was added.
pub fn apply_log_forwarding(
    pebble: &dyn charm_sdk::pebble::Pebble,
    container: &str,
    endpoints: &[LokiEndpoint],
    topology: &Topology,
) -> Result<bool, Error> {
    let plan = pebble.get_plan().map_err(charm_sdk::Error::from)?;
    let layer = log_forwarding_layer(endpoints, topology, &plan.log_targets);
    let same = |a: &LogTarget, b: &LogTarget| {
        a.target_type == b.target_type && a.location == b.location && a.services == b.services && a.labels == b.labels
    };
    let changes = layer
        .log_targets
        .iter()
        .any(|(name, target)| !plan.log_targets.get(name).is_some_and(|t| same(t, target)));
    if !changes {
        return Ok(false);
    }
    pebble
        .add_layer(&layer_label(container), &layer, true)
        .map_err(charm_sdk::Error::from)?;
    Ok(true)
}

/// A charm's side of `loki_push_api` on one endpoint (`logging` for log forwarding).
#[derive(Debug, Clone)]
pub struct LokiConsumer {
    endpoint: String,
    rules: AlertRules,
}

impl LokiConsumer {
    /// A consumer on `endpoint` sending `rules` (may be empty: `{}` is sent).
    pub fn new(endpoint: impl Into<String>, rules: AlertRules) -> Self {
        Self {
            endpoint: endpoint.into(),
            rules,
        }
    }

    /// Writes `metadata`/`alert_rules` (leader) and returns the push endpoints of every
    /// relation whose Loki units have all published one (the library skips a relation
    /// while any unit has not). A malformed `endpoint` is an error naming the relation.
    pub fn reconcile<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Vec<LokiEndpoint>, Error> {
        let relations = ctx.relations(&self.endpoint)?;
        let topology = Topology::from_context(ctx);
        let leader = ctx.leader()?;
        let app = consumer_app_bag(&topology, &self.rules);
        let mut endpoints = Vec::new();
        for relation in relations {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            let on = |e: charm_sdk::Error| Error::from(e).on(&label);
            if let Some(leader) = &leader {
                ctx.update_app_data(&relation, leader, &app).map_err(on)?;
            }
            let mut found = Vec::new();
            let mut complete = true;
            for unit in ctx.remote_units(&relation).map_err(on)? {
                if unit.app() == ctx.app() {
                    continue;
                }
                let bag = ctx.unit_data(&relation, &unit).map_err(on)?;
                match decode_endpoint(&bag, &label)? {
                    Some(url) => found.push(LokiEndpoint {
                        unit: unit.to_string(),
                        url,
                    }),
                    None => complete = false,
                }
            }
            if complete {
                endpoints.extend(found);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        endpoints.retain(|e| seen.insert(e.unit.clone()));
        Ok(endpoints)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topo() -> Topology {
        Topology {
            model: "m".into(),
            model_uuid: "u".into(),
            application: "kafka".into(),
            unit: "kafka/0".into(),
            charm_name: "kafka-k8s".into(),
        }
    }

    #[test]
    fn endpoints_decode_and_reject_bad_json() {
        let label = RelationLabel::from_parts("logging", 3, Some("loki"));
        let bag: Databag = [(
            ENDPOINT.to_owned(),
            r#"{"url": "http://loki-0:3100/loki/api/v1/push"}"#.to_owned(),
        )]
        .into();
        assert_eq!(
            decode_endpoint(&bag, &label).unwrap().as_deref(),
            Some("http://loki-0:3100/loki/api/v1/push")
        );
        let bag: Databag = [(ENDPOINT.to_owned(), "{".to_owned())].into();
        assert!(matches!(
            decode_endpoint(&bag, &label),
            Err(Error::MalformedJson { .. })
        ));
        assert_eq!(decode_endpoint(&Databag::new(), &label).unwrap(), None);
    }

    #[test]
    fn layer_enables_active_and_disables_departed_targets() {
        let current: BTreeMap<String, LogTarget> = [
            ("loki/1".to_owned(), log_target("http://old", &topo())),
            ("loki/2".to_owned(), disabled_log_target()),
        ]
        .into();
        let layer = log_forwarding_layer(
            &[LokiEndpoint {
                unit: "loki/0".into(),
                url: "http://loki-0:3100/loki/api/v1/push".into(),
            }],
            &topo(),
            &current,
        );
        assert_eq!(layer.log_targets["loki/0"].services, vec!["all"]);
        assert_eq!(layer.log_targets["loki/0"].labels["juju_unit"], "kafka/0");
        assert_eq!(layer.log_targets["loki/1"].services, vec!["-all"]);
        assert!(!layer.log_targets.contains_key("loki/2"));
        assert!(
            layer.validate("kafka-log-forwarding").is_ok(),
            "{:?}",
            layer.validate("kafka-log-forwarding")
        );
    }
}
