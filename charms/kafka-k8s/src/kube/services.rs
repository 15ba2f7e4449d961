//! The NodePort Services of `expose-external=nodeport`, and what the charm reads back from
//! the API objects, as pure functions over `serde_json` values (the API's own shapes).
//!
//! The facts are the Python 3.x charm's (canonical/kafka-k8s-operator `src/managers/k8s.py`
//! on `3/edge`), because clients and operators may already depend on the names:
//! - one Service per broker pod and client auth map, named
//!   `<pod>-<sasl-plaintext|sasl-ssl|ssl>-<scram|oauth|ssl>`, owned by the pod (so Kubernetes
//!   deletes it with the pod), selecting the pod by `statefulset.kubernetes.io/pod-name`,
//!   `externalTrafficPolicy: Local`, one TCP port `<service>-port` on the auth map's EXTERNAL
//!   port (29092..29096);
//! - one bootstrap Service `<app>-bootstrap` owned by the pod's owners (the StatefulSet),
//!   selecting `app.kubernetes.io/name: <app>`, with a port `<proto>-<mech>-bootstrap-port`
//!   for every auth map.
//!
//! The node ports are left to Kubernetes to allocate and read back from the applied object.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::workload::{AuthMap, Listener, Mechanism, Protocol, Scope};

/// Every auth map, in the Python charm's `SECURITY_PROTOCOL_PORTS` order.
pub const ALL_AUTH_MAPS: [AuthMap; 5] = [
    AuthMap::SASL_PLAINTEXT_SCRAM,
    AuthMap::SASL_SSL_SCRAM,
    AuthMap::SSL,
    AuthMap::SASL_PLAINTEXT_OAUTH,
    AuthMap::SASL_SSL_OAUTH,
];

/// The longest Service name Kubernetes accepts (an RFC 1035 label).
pub const MAX_SERVICE_NAME: usize = 63;

/// `sasl-plaintext-scram`, `sasl-ssl-oauth`, `ssl-ssl`, ... (upstream's short spelling).
pub fn auth_slug(auth: AuthMap) -> String {
    let protocol = match auth.protocol {
        Protocol::SaslPlaintext => "sasl-plaintext",
        Protocol::SaslSsl => "sasl-ssl",
        Protocol::Ssl => "ssl",
    };
    let mechanism = match auth.mechanism {
        Mechanism::ScramSha512 => "scram",
        Mechanism::OAuthBearer => "oauth",
        Mechanism::Ssl => "ssl",
    };
    format!("{protocol}-{mechanism}")
}

/// The per-broker Service of `pod` for `auth`: `kafka-k8s-0-sasl-plaintext-scram`.
pub fn listener_service_name(pod: &str, auth: AuthMap) -> String {
    format!("{pod}-{}", auth_slug(auth))
}

/// The application's bootstrap Service: `<app>-bootstrap`.
pub fn bootstrap_service_name(app: &str) -> String {
    format!("{app}-bootstrap")
}

/// The port name of `auth` in the bootstrap Service.
pub fn bootstrap_port_name(auth: AuthMap) -> String {
    format!("{}-bootstrap-port", auth_slug(auth))
}

/// The EXTERNAL port of `auth` (the Services' `port` and `targetPort`).
pub fn external_port(auth: AuthMap) -> u16 {
    Listener::new(Scope::External, auth, "").port()
}

/// What the charm needs from its own Pod object.
#[derive(Debug, Clone, PartialEq)]
pub struct PodFacts {
    /// `metadata.uid`, for the owner reference of the per-broker Services.
    pub uid: String,
    /// `spec.nodeName`: the node whose address is advertised.
    pub node_name: String,
    /// `metadata.ownerReferences` (the StatefulSet), reused for the bootstrap Service.
    pub owner_references: Vec<Value>,
}

/// Reads [`PodFacts`] from a Pod object; `Err` names what is missing (an unscheduled pod
/// has no `nodeName`).
pub fn pod_facts(pod: &Value) -> Result<PodFacts, String> {
    let text = |pointer: &str| {
        pod.pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let uid = text("/metadata/uid").ok_or("the pod has no metadata.uid")?;
    let node_name = text("/spec/nodeName").ok_or("the pod is not scheduled on a node yet (no spec.nodeName)")?;
    let owner_references = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(PodFacts {
        uid,
        node_name,
        owner_references,
    })
}

/// The address advertised for a node: its `ExternalIP` when it has one, else its
/// `InternalIP`, else its `Hostname` (`status.addresses`).
///
/// The Python charm takes the first of these three types in the order the node lists them,
/// which on most clouds is the `InternalIP`; clients outside the cluster need the external
/// one when the node has it.
pub fn node_address(node: &Value) -> Option<String> {
    let addresses = node.pointer("/status/addresses")?.as_array()?;
    ["ExternalIP", "InternalIP", "Hostname"].iter().find_map(|wanted| {
        addresses
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) == Some(*wanted))
            .filter_map(|a| a.get("address").and_then(Value::as_str))
            .find(|a| !a.is_empty())
            .map(str::to_owned)
    })
}

/// The Service for `pod` and `auth`, owned by the pod.
pub fn listener_service(namespace: &str, pod: &str, pod_uid: &str, auth: AuthMap) -> Value {
    let name = listener_service_name(pod, auth);
    let port = external_port(auth);
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "ownerReferences": [{
                "apiVersion": "v1",
                "kind": "Pod",
                "name": pod,
                "uid": pod_uid,
                "blockOwnerDeletion": false,
            }],
        },
        "spec": {
            "type": "NodePort",
            "externalTrafficPolicy": "Local",
            "selector": {"statefulset.kubernetes.io/pod-name": pod},
            "ports": [{
                "name": format!("{name}-port"),
                "protocol": "TCP",
                "port": port,
                "targetPort": port,
            }],
        },
    })
}

/// The bootstrap Service of `app`: every auth map, every broker pod, owned by `owners`
/// (the pod's own owner references, i.e. the StatefulSet).
pub fn bootstrap_service(namespace: &str, app: &str, owners: &[Value]) -> Value {
    let ports: Vec<Value> = ALL_AUTH_MAPS
        .iter()
        .map(|auth| {
            let port = external_port(*auth);
            json!({
                "name": bootstrap_port_name(*auth),
                "protocol": "TCP",
                "port": port,
                "targetPort": port,
            })
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": bootstrap_service_name(app),
            "namespace": namespace,
            "ownerReferences": owners,
        },
        "spec": {
            "type": "NodePort",
            "externalTrafficPolicy": "Local",
            "selector": {"app.kubernetes.io/name": app},
            "ports": ports,
        },
    })
}

/// The allocated `nodePort` of the port named `port_name` in a Service object.
pub fn node_port(service: &Value, port_name: &str) -> Option<u16> {
    service
        .pointer("/spec/ports")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(port_name))?
        .get("nodePort")?
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
}

/// The node port of `auth` in this pod's per-broker Service object.
pub fn listener_node_port(service: &Value, pod: &str, auth: AuthMap) -> Option<u16> {
    node_port(service, &format!("{}-port", listener_service_name(pod, auth)))
}

/// The bootstrap Service's node port of every auth map it has one for.
pub fn bootstrap_node_ports(service: &Value) -> BTreeMap<AuthMap, u16> {
    ALL_AUTH_MAPS
        .iter()
        .filter_map(|auth| Some((*auth, node_port(service, &bootstrap_port_name(*auth))?)))
        .collect()
}

/// Checks a Service name Kubernetes would refuse (too long for a label).
pub fn check_service_name(name: &str) -> Result<(), String> {
    if name.len() > MAX_SERVICE_NAME {
        return Err(format!(
            "the Service name {name:?} is longer than {MAX_SERVICE_NAME} characters (shorten the application name)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_python_charm() {
        assert_eq!(
            listener_service_name("kafka-k8s-0", AuthMap::SASL_PLAINTEXT_SCRAM),
            "kafka-k8s-0-sasl-plaintext-scram"
        );
        assert_eq!(
            listener_service_name("kafka-k8s-12", AuthMap::SASL_SSL_OAUTH),
            "kafka-k8s-12-sasl-ssl-oauth"
        );
        assert_eq!(listener_service_name("k-1", AuthMap::SSL), "k-1-ssl-ssl");
        assert_eq!(bootstrap_service_name("kafka-k8s"), "kafka-k8s-bootstrap");
        assert_eq!(
            bootstrap_port_name(AuthMap::SASL_SSL_SCRAM),
            "sasl-ssl-scram-bootstrap-port"
        );
        assert!(check_service_name(&"a".repeat(63)).is_ok());
        assert!(check_service_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn listener_service_is_owned_by_the_pod_and_selects_it() {
        let svc = listener_service("model", "kafka-k8s-1", "uid-1", AuthMap::SASL_SSL_SCRAM);
        assert_eq!(svc["metadata"]["name"], "kafka-k8s-1-sasl-ssl-scram");
        assert_eq!(svc["metadata"]["namespace"], "model");
        let owner = &svc["metadata"]["ownerReferences"][0];
        assert_eq!(
            (owner["kind"].as_str(), owner["name"].as_str(), owner["uid"].as_str()),
            (Some("Pod"), Some("kafka-k8s-1"), Some("uid-1"))
        );
        assert_eq!(svc["spec"]["type"], "NodePort");
        assert_eq!(svc["spec"]["externalTrafficPolicy"], "Local");
        assert_eq!(
            svc["spec"]["selector"]["statefulset.kubernetes.io/pod-name"],
            "kafka-k8s-1"
        );
        let port = &svc["spec"]["ports"][0];
        assert_eq!(port["name"], "kafka-k8s-1-sasl-ssl-scram-port");
        assert_eq!(
            (port["port"].as_u64(), port["targetPort"].as_u64()),
            (Some(29093), Some(29093))
        );
        assert!(port.get("nodePort").is_none(), "Kubernetes allocates the node port");
    }

    #[test]
    fn bootstrap_service_has_every_auth_map() {
        let owners = vec![json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "kafka-k8s", "uid": "s"})];
        let svc = bootstrap_service("model", "kafka-k8s", &owners);
        assert_eq!(svc["metadata"]["ownerReferences"], json!(owners));
        assert_eq!(svc["spec"]["selector"]["app.kubernetes.io/name"], "kafka-k8s");
        let ports: Vec<(String, u64)> = svc["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap().to_owned(), p["port"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            ports,
            vec![
                ("sasl-plaintext-scram-bootstrap-port".to_owned(), 29092),
                ("sasl-ssl-scram-bootstrap-port".to_owned(), 29093),
                ("ssl-ssl-bootstrap-port".to_owned(), 29094),
                ("sasl-plaintext-oauth-bootstrap-port".to_owned(), 29095),
                ("sasl-ssl-oauth-bootstrap-port".to_owned(), 29096),
            ]
        );
    }

    #[test]
    fn node_address_prefers_the_external_ip() {
        let node = json!({"status": {"addresses": [
            {"type": "InternalIP", "address": "10.0.0.5"},
            {"type": "Hostname", "address": "worker-1"},
            {"type": "ExternalIP", "address": "203.0.113.7"},
        ]}});
        assert_eq!(node_address(&node).as_deref(), Some("203.0.113.7"));
        let internal = json!({"status": {"addresses": [
            {"type": "Hostname", "address": "worker-1"},
            {"type": "InternalIP", "address": "10.0.0.5"},
        ]}});
        assert_eq!(node_address(&internal).as_deref(), Some("10.0.0.5"));
        let host = json!({"status": {"addresses": [{"type": "Hostname", "address": "worker-1"}]}});
        assert_eq!(node_address(&host).as_deref(), Some("worker-1"));
        assert_eq!(node_address(&json!({"status": {}})), None);
    }

    #[test]
    fn pod_facts_need_uid_and_node() {
        let pod = json!({
            "metadata": {"uid": "u", "ownerReferences": [{"kind": "StatefulSet", "name": "kafka-k8s"}]},
            "spec": {"nodeName": "worker-1"},
        });
        let facts = pod_facts(&pod).unwrap();
        assert_eq!((facts.uid.as_str(), facts.node_name.as_str()), ("u", "worker-1"));
        assert_eq!(facts.owner_references.len(), 1);
        let pending = json!({"metadata": {"uid": "u"}, "spec": {}});
        assert!(pod_facts(&pending).unwrap_err().contains("nodeName"));
    }

    #[test]
    fn node_ports_are_read_by_port_name() {
        let mut svc = listener_service("m", "kafka-k8s-0", "u", AuthMap::SASL_PLAINTEXT_SCRAM);
        assert_eq!(
            listener_node_port(&svc, "kafka-k8s-0", AuthMap::SASL_PLAINTEXT_SCRAM),
            None
        );
        svc["spec"]["ports"][0]["nodePort"] = json!(31092);
        assert_eq!(
            listener_node_port(&svc, "kafka-k8s-0", AuthMap::SASL_PLAINTEXT_SCRAM),
            Some(31092)
        );
        assert_eq!(listener_node_port(&svc, "kafka-k8s-0", AuthMap::SASL_SSL_SCRAM), None);
        let mut boot = bootstrap_service("m", "kafka-k8s", &[]);
        boot["spec"]["ports"][1]["nodePort"] = json!(30093);
        assert_eq!(
            bootstrap_node_ports(&boot),
            BTreeMap::from([(AuthMap::SASL_SSL_SCRAM, 30093)])
        );
    }
}
