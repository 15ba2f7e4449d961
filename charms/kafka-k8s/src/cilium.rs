//! CiliumNetworkPolicy objects that confine each `kafka-client` application to its topics.
//!
//! One policy per client relation (`apiVersion: cilium.io/v2`, `kind: CiliumNetworkPolicy`)
//! selects the Kafka pods (`app.kubernetes.io/name: <kafka app>`, the label Juju puts on a
//! sidecar application's pods) and admits the client application's pods on the client
//! listener ports. On those ports Cilium's Kafka parser can additionally enforce L7 rules
//! (`rules.kafka`, cilium `pkg/policy/api/kafka/kafka.go`): `role: produce` expands to the
//! Produce, Metadata and ApiVersions API keys, `role: consume` to Fetch, ListOffsets,
//! Metadata, OffsetCommit/Fetch, FindCoordinator, Join/Heartbeat/Leave/SyncGroup and
//! ApiVersions; `topic` must be an exact name (`[a-zA-Z0-9._-]`, no prefix or wildcard).
//!
//! Limits, stated because none of this can be exercised here (no Kubernetes, no Cilium):
//! - Cilium cannot look into TLS, so L7 rules are only put on plaintext SASL ports; TLS
//!   ports (SASL_SSL, mTLS) get L4 rules (port only).
//! - On SASL ports the parser sees the SASL exchange: `saslhandshake` and `apiversions` are
//!   allowed explicitly, but SaslAuthenticate (API key 36, used by every current client) is
//!   not in Cilium's API key table, so L7 enforcement may refuse authentication. It is
//!   therefore opt-in ([`L7::Enforce`]); [`L7::Off`] (the default) gives port-level policies.
//! - A PREFIXED topic (`orders*`) or the wildcard cannot be named in a Cilium rule: such a
//!   client gets its roles without a topic constraint; Kafka's ACLs still confine it.
//! - `admin` clients get port-level access only (they are super users).
//!
//! Cilium policies are allow-lists: once one selects the Kafka pods, every other ingress is
//! dropped. [`base_policy`] therefore keeps the cluster itself working (Kafka pods to Kafka
//! pods on any port: inter-broker, controller quorum) and the metrics port reachable from
//! inside the cluster; [`client_policies`] always emits it first.

use std::fmt::Write as _;

use crate::acl::{topic_pattern, ClientRoles, PatternType};
use crate::workload::{Listener, Protocol};

/// Whether Kafka L7 rules are emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum L7 {
    /// Port-level policies only.
    #[default]
    Off,
    /// Kafka L7 rules on plaintext SASL ports (see the module docs for the caveats).
    Enforce,
}

/// One client relation's grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientGrant {
    /// The relation id (names the policy).
    pub relation_id: u32,
    /// The client application (its pods carry `app.kubernetes.io/name: <app>`).
    pub client_app: String,
    /// The client's namespace when it is not the Kafka model's (cross-model relations).
    pub client_namespace: Option<String>,
    /// The requested topic.
    pub topic: String,
    /// The `extra-user-roles` field.
    pub extra_user_roles: String,
}

/// Where the policies go and what they protect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyTarget {
    /// The Kafka application name.
    pub kafka_app: String,
    /// The namespace (Juju model) of the Kafka application.
    pub namespace: String,
    /// The client listeners of the brokers (their ports and protocols).
    pub listeners: Vec<Listener>,
}

fn valid_topic(topic: &str) -> bool {
    !topic.is_empty()
        && topic.len() <= 255
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The policy of one client, as a YAML document (no leading `---`).
pub fn client_policy(target: &PolicyTarget, grant: &ClientGrant, l7: L7) -> String {
    let roles = ClientRoles::parse(&grant.extra_user_roles);
    let pattern = topic_pattern(grant.topic.trim());
    let exact_topic =
        (pattern.pattern_type == PatternType::Literal && valid_topic(&pattern.name)).then_some(pattern.name.as_str());
    let mut kafka_roles = Vec::new();
    if !roles.admin {
        if roles.producer {
            kafka_roles.push("produce");
        }
        if roles.consumer {
            kafka_roles.push("consume");
        }
    }
    let name = format!("{}-relation-{}", target.kafka_app, grant.relation_id);
    let mut out = String::new();
    let _ = writeln!(out, "apiVersion: cilium.io/v2");
    let _ = writeln!(out, "kind: CiliumNetworkPolicy");
    let _ = writeln!(out, "metadata:");
    let _ = writeln!(out, "  name: {name}");
    let _ = writeln!(out, "  namespace: {}", target.namespace);
    let _ = writeln!(out, "  labels:");
    let _ = writeln!(out, "    app.kubernetes.io/managed-by: {}", target.kafka_app);
    let _ = writeln!(out, "    app.kubernetes.io/component: kafka-client-policy");
    let _ = writeln!(out, "spec:");
    let _ = writeln!(
        out,
        "  description: {}",
        quoted(&format!(
            "{} (relation {}) may reach {} as {} on topic {}",
            grant.client_app,
            grant.relation_id,
            target.kafka_app,
            if roles.admin {
                "admin".to_owned()
            } else {
                kafka_roles.join("+")
            },
            grant.topic.trim()
        ))
    );
    let _ = writeln!(out, "  endpointSelector:");
    let _ = writeln!(out, "    matchLabels:");
    let _ = writeln!(out, "      app.kubernetes.io/name: {}", target.kafka_app);
    let _ = writeln!(out, "  ingress:");
    let _ = writeln!(out, "    - fromEndpoints:");
    let _ = writeln!(out, "        - matchLabels:");
    let _ = writeln!(out, "            app.kubernetes.io/name: {}", grant.client_app);
    if let Some(ns) = &grant.client_namespace {
        let _ = writeln!(out, "            k8s:io.kubernetes.pod.namespace: {ns}");
    }
    let _ = writeln!(out, "      toPorts:");
    let mut ports: Vec<(u16, Protocol)> = target.listeners.iter().map(|l| (l.port(), l.auth.protocol)).collect();
    ports.sort();
    ports.dedup();
    for (port, protocol) in ports {
        let _ = writeln!(out, "        - ports:");
        let _ = writeln!(out, "            - port: \"{port}\"");
        let _ = writeln!(out, "              protocol: TCP");
        let inspect = l7 == L7::Enforce && protocol == Protocol::SaslPlaintext && !roles.admin;
        if !inspect {
            continue;
        }
        let _ = writeln!(out, "          rules:");
        let _ = writeln!(out, "            kafka:");
        for key in ["apiversions", "saslhandshake"] {
            let _ = writeln!(out, "              - apiKey: {key}");
        }
        for role in &kafka_roles {
            let _ = writeln!(out, "              - role: {role}");
            if let Some(topic) = exact_topic {
                let _ = writeln!(out, "                topic: {}", quoted(topic));
            }
        }
    }
    out
}

/// The policy that keeps the Kafka application itself working: its pods reach each other
/// on every port, and the JMX exporter port is open to the cluster (Prometheus).
pub fn base_policy(target: &PolicyTarget) -> String {
    let app = &target.kafka_app;
    format!(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: {app}-cluster\n  namespace: {}\n  \
         labels:\n    app.kubernetes.io/managed-by: {app}\n    app.kubernetes.io/component: kafka-client-policy\nspec:\n  \
         description: \"{app} units reach each other; metrics are scraped from the cluster\"\n  endpointSelector:\n    \
         matchLabels:\n      app.kubernetes.io/name: {app}\n  ingress:\n    - fromEndpoints:\n        - matchLabels:\n            \
         app.kubernetes.io/name: {app}\n    - fromEntities:\n        - cluster\n      toPorts:\n        - ports:\n            \
         - port: \"{}\"\n              protocol: TCP\n",
        target.namespace,
        crate::workload::paths::JMX_EXPORTER_PORT
    )
}

/// The base policy and every client's policy as one multi-document YAML stream, clients in
/// relation id order.
pub fn client_policies(target: &PolicyTarget, grants: &[ClientGrant], l7: L7) -> String {
    let mut grants: Vec<&ClientGrant> = grants.iter().collect();
    grants.sort_by_key(|g| g.relation_id);
    let mut out = format!("---\n{}", base_policy(target));
    for grant in grants {
        out.push_str(&format!("---\n{}", client_policy(target, grant, l7)));
    }
    out
}
