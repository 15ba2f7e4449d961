//! `expose-external=nodeport`: this unit's NodePort Services and the EXTERNAL listeners they
//! give, through the Kubernetes API ([`crate::kube`]).
//!
//! Every run with `nodeport` reads this unit's Pod (owner uid, node) and Node (address),
//! applies the application's bootstrap Service and one Service per enabled client auth map,
//! and returns the node address and allocated node ports, which become the EXTERNAL
//! listeners of `server.properties` ([`crate::workload::BrokerInputs::external_listeners`]).
//! The Services applied are recorded in unit state, so that `expose-external=false`, a
//! disabled auth map, `stop` and `remove` delete exactly those (the Python charm left them
//! to Kubernetes' garbage collection of the pod).
//!
//! Failures never fail the hook: the broker keeps its other listeners, the unit reports
//! Blocked (403: the application is not trusted; not in a pod) or Waiting (anything else),
//! and the last allocation that worked is kept meanwhile so that a passing API hiccup does
//! not change the configuration and roll the brokers.

use std::collections::{BTreeMap, BTreeSet};

use charm_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::kube::services::{self, ALL_AUTH_MAPS};
use crate::kube::{KubeClient, KubeError};
use crate::store::StoreConnector;
use crate::workload::{AuthMap, BrokerInputs, ExternalAccess};

/// Unit state key: the Services this unit applied and what the API allocated.
pub const STATE_EXTERNAL: &str = "external-services";

/// What the last successful run applied (unit state).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// Names of the Services this unit applied and has not deleted yet.
    pub services: BTreeSet<String>,
    /// The node address advertised.
    pub host: Option<String>,
    /// Node port per auth map (keyed by [`services::auth_slug`]) of this unit's Services.
    pub node_ports: BTreeMap<String, u16>,
    /// Node port per auth map of the bootstrap Service.
    pub bootstrap: BTreeMap<String, u16>,
}

/// What exposure gives this unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposed {
    /// The EXTERNAL listeners' address and node ports.
    pub access: ExternalAccess,
    /// The bootstrap Service's node port per auth map.
    pub bootstrap: BTreeMap<AuthMap, u16>,
}

impl Exposed {
    /// `<node address>:<bootstrap node port>` for `auth`: what clients outside Kubernetes
    /// bootstrap from through this unit's node (the Python charm's external
    /// `bootstrap-server`).
    pub fn bootstrap_address(&self, auth: AuthMap) -> Option<String> {
        let port = self.bootstrap.get(&auth)?;
        let host = &self.access.host;
        Some(if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        })
    }
}

fn by_auth(slugs: &BTreeMap<String, u16>) -> BTreeMap<AuthMap, u16> {
    ALL_AUTH_MAPS
        .iter()
        .filter_map(|auth| Some((*auth, *slugs.get(&services::auth_slug(*auth))?)))
        .collect()
}

impl Recorded {
    /// What these allocations give, if any.
    pub fn exposed(&self) -> Option<Exposed> {
        let host = self.host.clone()?;
        Some(Exposed {
            access: ExternalAccess {
                host,
                node_ports: by_auth(&self.node_ports),
            },
            bootstrap: by_auth(&self.bootstrap),
        })
    }
}

/// The status for an API failure while exposing (`removing` = while deleting).
pub fn failure_status(app: &str, removing: bool, error: &KubeError) -> Status {
    let what = if removing {
        "expose-external=false cannot delete the NodePort services"
    } else {
        "expose-external=nodeport"
    };
    match error {
        KubeError::Forbidden(_) => Status::blocked(format!("{what} needs `juju trust {app} --scope=cluster`")),
        KubeError::NotInCluster(_) | KubeError::Config(_) => {
            Status::blocked(format!("{what}: {}", short(&error.to_string())))
        }
        _ => Status::waiting(format!("{what}: {}", short(&error.to_string()))),
    }
}

fn short(text: &str) -> String {
    const MAX: usize = 160;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_owned(),
    }
}

/// This unit's exposure for `inputs` (`None`: not exposed), Services applied or deleted as
/// the config says. Problems are reported as statuses, never as hook errors.
pub fn reconcile<C: Charm, S: StoreConnector>(
    ctx: &mut Context<'_, C>,
    connector: &S,
    config: &Config,
    inputs: &BrokerInputs,
) -> Result<Option<Exposed>, Error> {
    let mut recorded: Recorded = ctx.unit_state(STATE_EXTERNAL)?.unwrap_or_default();
    let before = recorded.clone();
    let wanted = config.expose_nodeport() && inputs.runs_broker();
    if !wanted && recorded.services.is_empty() {
        if recorded != Recorded::default() {
            ctx.set_unit_state(STATE_EXTERNAL, &Recorded::default())?;
        }
        return Ok(None);
    }
    let app = ctx.app().to_string();
    let client = match connector.kubernetes(ctx.model_name()) {
        Ok(client) => client,
        Err(e) => {
            ctx.warn(&format!("expose-external: {e}"));
            ctx.add_status(failure_status(&app, !wanted, &e));
            return Ok(if wanted { recorded.exposed() } else { None });
        }
    };
    if !wanted {
        let result = delete_all(&client, &mut recorded, |_| true);
        recorded.host = None;
        recorded.node_ports.clear();
        recorded.bootstrap.clear();
        save(ctx, &before, &recorded)?;
        if let Err(e) = result {
            ctx.warn(&format!("cannot delete the NodePort services: {e}"));
            ctx.add_status(failure_status(&app, true, &e));
        }
        return Ok(None);
    }
    let pod = ctx.unit().pod_name();
    let result = expose(&client, &app, &pod, &inputs.enabled_auth(), &mut recorded);
    save(ctx, &before, &recorded)?;
    match result {
        Ok(()) => Ok(recorded.exposed()),
        Err(e) => {
            ctx.warn(&format!("expose-external=nodeport: {e}"));
            ctx.add_status(failure_status(&app, false, &e));
            Ok(recorded.exposed())
        }
    }
}

/// Writes the record when it changed (a steady run makes no `state-set` call).
fn save<C: Charm>(ctx: &mut Context<'_, C>, before: &Recorded, recorded: &Recorded) -> Result<(), Error> {
    if before != recorded {
        ctx.set_unit_state(STATE_EXTERNAL, recorded)?;
    }
    Ok(())
}

/// Applies the bootstrap Service and this pod's Services for `auths`, deletes this pod's
/// Services of other auth maps, and records what was allocated.
fn expose(
    client: &KubeClient,
    app: &str,
    pod: &str,
    auths: &[AuthMap],
    recorded: &mut Recorded,
) -> Result<(), KubeError> {
    let namespace = client.namespace().to_owned();
    let facts = services::pod_facts(&client.get_pod(pod)?).map_err(KubeError::Protocol)?;
    let node = client.get_node(&facts.node_name)?;
    let host = services::node_address(&node)
        .ok_or_else(|| KubeError::Protocol(format!("node {} lists no address", facts.node_name)))?;

    let bootstrap = services::bootstrap_service(&namespace, app, &facts.owner_references);
    let bootstrap_name = services::bootstrap_service_name(app);
    services::check_service_name(&bootstrap_name).map_err(KubeError::Protocol)?;
    // Recorded before the call, so that a half-done apply is still cleaned up later.
    recorded.services.insert(bootstrap_name);
    let applied = client.apply_service(&bootstrap, app)?;
    recorded.bootstrap = services::bootstrap_node_ports(&applied)
        .into_iter()
        .map(|(auth, port)| (services::auth_slug(auth), port))
        .collect();

    let mut node_ports = BTreeMap::new();
    for auth in auths {
        let name = services::listener_service_name(pod, *auth);
        services::check_service_name(&name).map_err(KubeError::Protocol)?;
        recorded.services.insert(name.clone());
        let manifest = services::listener_service(&namespace, pod, &facts.uid, *auth);
        let applied = client.apply_service(&manifest, pod)?;
        let port = services::listener_node_port(&applied, pod, *auth)
            .ok_or_else(|| KubeError::Protocol(format!("service {name} has no node port allocated")))?;
        node_ports.insert(*auth, port);
    }
    let keep: BTreeSet<String> = auths
        .iter()
        .map(|a| services::listener_service_name(pod, *a))
        .chain([services::bootstrap_service_name(app)])
        .collect();
    delete_all(client, recorded, |name| !keep.contains(name))?;

    recorded.host = Some(host);
    recorded.node_ports = node_ports
        .iter()
        .map(|(auth, port)| (services::auth_slug(*auth), *port))
        .collect();
    Ok(())
}

/// Deletes the recorded Services `which` selects, forgetting each one deleted (or gone).
fn delete_all(client: &KubeClient, recorded: &mut Recorded, which: impl Fn(&str) -> bool) -> Result<(), KubeError> {
    let doomed: Vec<String> = recorded.services.iter().filter(|n| which(n)).cloned().collect();
    for name in doomed {
        client.delete_service(&name)?;
        recorded.services.remove(&name);
    }
    Ok(())
}

/// The node address this unit advertises with `expose-external=nodeport`, as last read
/// from the API (for the certificate's SANs, which are requested before exposure runs).
pub fn node_address<C: Charm>(ctx: &mut Context<'_, C>, config: &Config) -> Result<Option<String>, Error> {
    if !config.expose_nodeport() {
        return Ok(None);
    }
    let recorded: Recorded = ctx.unit_state(STATE_EXTERNAL)?.unwrap_or_default();
    Ok(recorded.host)
}

/// `stop`/`remove`: deletes this pod's own Services (not the shared bootstrap one), best
/// effort; Kubernetes also deletes them with the pod, which owns them.
pub fn teardown<C: Charm, S: StoreConnector>(ctx: &mut Context<'_, C>, connector: &S) -> Result<(), Error> {
    let mut recorded: Recorded = ctx.unit_state(STATE_EXTERNAL)?.unwrap_or_default();
    let before = recorded.clone();
    let bootstrap = services::bootstrap_service_name(&ctx.app().to_string());
    if recorded.services.iter().all(|n| *n == bootstrap) {
        return Ok(());
    }
    let client = match connector.kubernetes(ctx.model_name()) {
        Ok(client) => client,
        Err(e) => {
            ctx.warn(&format!("cannot delete the NodePort services: {e}"));
            return Ok(());
        }
    };
    let result = delete_all(&client, &mut recorded, |name| name != bootstrap);
    recorded.node_ports.clear();
    save(ctx, &before, &recorded)?;
    if let Err(e) = result {
        ctx.warn(&format!("cannot delete the NodePort services: {e}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_the_trust_command() {
        let s = failure_status("kafka-k8s", false, &KubeError::Forbidden("nope".into()));
        assert_eq!(
            s,
            Status::blocked("expose-external=nodeport needs `juju trust kafka-k8s --scope=cluster`")
        );
        let w = failure_status("kafka-k8s", false, &KubeError::Connection("x".repeat(400)));
        assert!(matches!(w.kind, charm_sdk::model::StatusKind::Waiting), "{w}");
        assert!(w.message.len() < 220, "{w}");
    }

    #[test]
    fn recorded_allocations_map_slugs_back() {
        let recorded = Recorded {
            services: BTreeSet::new(),
            host: Some("10.0.0.5".into()),
            node_ports: [("sasl-ssl-scram".to_owned(), 31093)].into(),
            bootstrap: [("sasl-ssl-scram".to_owned(), 30001)].into(),
        };
        let exposed = recorded.exposed().unwrap();
        assert_eq!(
            exposed.access.node_ports,
            BTreeMap::from([(AuthMap::SASL_SSL_SCRAM, 31093)])
        );
        assert_eq!(
            exposed.bootstrap_address(AuthMap::SASL_SSL_SCRAM).as_deref(),
            Some("10.0.0.5:30001")
        );
        assert_eq!(exposed.bootstrap_address(AuthMap::SASL_PLAINTEXT_SCRAM), None);
        assert_eq!(Recorded::default().exposed(), None);
    }
}
