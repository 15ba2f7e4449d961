//! An in-test Kubernetes API server (feature `testing`): HTTPS (rustls, a throwaway CA made
//! with rcgen) serving just the endpoints the charms' clients use, with the API's response
//! shapes — the objects themselves, `Status` objects for 401/403/404/409/400/415, node ports
//! allocated from 30000-32767 on server-side apply and kept across re-applies, StatefulSets
//! whose partition strategic-merge or merge patches change.
//!
//! No real API server can be obtained where these charms are developed; this stands in for
//! one and is only as faithful as the shapes written here (taken from the Kubernetes API
//! reference: `v1.Status`, `v1.Service`, `v1.Pod`, `v1.Node`, `apps/v1.StatefulSet`). Each
//! server runs on its own thread for the rest of the test process. Test support: it panics
//! when it cannot start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::{KubeClient, KubeEndpoint, Token};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{json, Value};

/// The token the server accepts.
pub const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.test-service-account-token";

/// One request as the server saw it (no token, only whether it matched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `PATCH`, `DELETE`.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string.
    pub query: String,
    /// `Content-Type`.
    pub content_type: String,
    /// Whether `Authorization: Bearer <TOKEN>` was sent.
    pub authorized: bool,
    /// The request body, as text.
    pub body: String,
}

/// What the server holds.
#[derive(Debug, Default)]
pub struct ApiState {
    /// Pods by `<namespace>/<name>`.
    pub pods: BTreeMap<String, Value>,
    /// Nodes by name.
    pub nodes: BTreeMap<String, Value>,
    /// Services by `<namespace>/<name>`.
    pub services: BTreeMap<String, Value>,
    /// StatefulSets by `<namespace>/<name>`.
    pub statefulsets: BTreeMap<String, Value>,
    /// The field manager of each Service (what server-side apply would track per field).
    pub managers: BTreeMap<String, String>,
    /// Answer every request with 403 (an untrusted application).
    pub forbid: bool,
    /// Answer every request with 500 (an API server in trouble).
    pub fail: bool,
    /// Answer every request with a 200 whose body is this many bytes (a runaway server).
    pub oversize: Option<usize>,
    /// Every request, in order.
    pub seen: Vec<Seen>,
    next_port: u16,
    next_uid: u32,
}

/// A running server.
#[derive(Debug, Clone)]
pub struct FakeKube {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The CA that signed its certificate.
    pub ca_pem: String,
    /// Its state.
    pub state: Arc<Mutex<ApiState>>,
}

impl FakeKube {
    /// Starts a server with no objects.
    pub fn start() -> FakeKube {
        let (ca_pem, cert, key) = pki();
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(ApiState {
            next_port: 30000,
            ..ApiState::default()
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    let acceptor = acceptor.clone();
                    let state = shared.clone();
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(tcp).await else { return };
                        let service = hyper::service::service_fn(move |req| {
                            let state = state.clone();
                            async move { Ok::<_, Infallible>(handle(&state, req).await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(tls), service)
                            .await;
                    });
                }
            });
        });
        FakeKube { addr, ca_pem, state }
    }

    /// A client of this server for `namespace`, with the right token.
    pub fn client(&self, namespace: &str) -> KubeClient {
        self.client_with_token(namespace, TOKEN)
    }

    /// A client with another token.
    pub fn client_with_token(&self, namespace: &str, token: &str) -> KubeClient {
        KubeClient::new(self.endpoint(namespace, token)).unwrap()
    }

    /// The endpoint of this server.
    pub fn endpoint(&self, namespace: &str, token: &str) -> KubeEndpoint {
        KubeEndpoint {
            host: self.addr.ip().to_string(),
            port: self.addr.port(),
            token: Token::new(token),
            ca_pem: self.ca_pem.clone(),
            namespace: namespace.to_owned(),
            user_agent: "charm-kube-tests".to_owned(),
        }
    }

    /// Adds a StatefulSet pod scheduled on `node`, and that node with `addresses`
    /// (`(type, address)`).
    pub fn add_pod_on_node(&self, namespace: &str, pod: &str, node: &str, addresses: &[(&str, &str)]) {
        let mut state = self.state.lock().unwrap();
        let app = pod.rsplit_once('-').map(|(a, _)| a).unwrap_or(pod);
        let uid = format!("pod-uid-{pod}");
        state.pods.insert(
            format!("{namespace}/{pod}"),
            json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": pod,
                    "namespace": namespace,
                    "uid": uid,
                    "labels": {"app.kubernetes.io/name": app, "statefulset.kubernetes.io/pod-name": pod},
                    "ownerReferences": [{
                        "apiVersion": "apps/v1",
                        "kind": "StatefulSet",
                        "name": app,
                        "uid": format!("sts-uid-{app}"),
                        "controller": true,
                        "blockOwnerDeletion": true,
                    }],
                },
                "spec": {"nodeName": node, "containers": [{"name": "kafka"}]},
                "status": {"phase": "Running", "podIP": "10.1.0.7"},
            }),
        );
        let addresses: Vec<Value> = addresses
            .iter()
            .map(|(t, a)| json!({"type": t, "address": a}))
            .collect();
        state.nodes.insert(
            node.to_owned(),
            json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": node, "uid": format!("node-uid-{node}")},
                "status": {"addresses": addresses},
            }),
        );
    }

    /// Adds the StatefulSet Juju creates for application `app` with `replicas` pods (rolling
    /// updates, no partition set).
    pub fn add_statefulset(&self, namespace: &str, app: &str, replicas: u32) {
        let mut state = self.state.lock().unwrap();
        state.statefulsets.insert(
            format!("{namespace}/{app}"),
            json!({
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": {"name": app, "namespace": namespace, "uid": format!("sts-uid-{app}"), "generation": 1},
                "spec": {
                    "replicas": replicas,
                    "serviceName": format!("{app}-endpoints"),
                    "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
                    "updateStrategy": {"type": "RollingUpdate"},
                },
                "status": {"replicas": replicas, "readyReplicas": replicas},
            }),
        );
    }

    /// The partition of a StatefulSet (`None`: unset or no such StatefulSet).
    pub fn partition(&self, namespace: &str, app: &str) -> Option<u32> {
        self.state
            .lock()
            .unwrap()
            .statefulsets
            .get(&format!("{namespace}/{app}"))
            .and_then(crate::statefulset::partition_of)
    }

    /// The PATCH requests so far.
    pub fn patches(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.method == "PATCH").collect()
    }

    /// Makes every request answer 403.
    pub fn forbid(&self, forbid: bool) {
        self.state.lock().unwrap().forbid = forbid;
    }

    /// Makes every request answer 500.
    pub fn fail(&self, fail: bool) {
        self.state.lock().unwrap().fail = fail;
    }

    /// Makes every request answer 200 with a body of `bytes` bytes (`None` to stop).
    pub fn oversize(&self, bytes: Option<usize>) {
        self.state.lock().unwrap().oversize = bytes;
    }

    /// The names of the Services in `namespace`.
    pub fn service_names(&self, namespace: &str) -> Vec<String> {
        let prefix = format!("{namespace}/");
        self.state
            .lock()
            .unwrap()
            .services
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
            .collect()
    }

    /// A Service object.
    pub fn service(&self, namespace: &str, name: &str) -> Option<Value> {
        self.state
            .lock()
            .unwrap()
            .services
            .get(&format!("{namespace}/{name}"))
            .cloned()
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

/// A CA and a server certificate for 127.0.0.1 it signed.
fn pki() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "kubernetes-ca");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate().unwrap();
    let ca = params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(params, ca_key);
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "kubernetes.default.svc".to_owned()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, "kube-apiserver");
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    (
        ca.pem(),
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// A `v1.Status` failure.
fn status(code: u16, reason: &str, message: &str, details: Value) -> Response<Full<Bytes>> {
    let body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    });
    respond(code, &body)
}

fn respond(code: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(code)
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(serde_json::to_vec(body).unwrap())))
        .unwrap()
}

async fn handle(state: &Mutex<ApiState>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header("content-type");
    let authorized = header("authorization") == format!("Bearer {TOKEN}");
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut state = state.lock().unwrap();
    state.seen.push(Seen {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        content_type: content_type.clone(),
        authorized,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if let Some(bytes) = state.oversize {
        return Response::new(Full::new(Bytes::from(vec![b' '; bytes])));
    }
    if !authorized {
        return status(401, "Unauthorized", "Unauthorized", json!({}));
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (resource, key, namespace, name) = match parts.as_slice() {
        ["api", "v1", "nodes", name] => ("nodes", (*name).to_owned(), "", *name),
        ["api", "v1", "namespaces", ns, resource, name] => (*resource, format!("{ns}/{name}"), *ns, *name),
        ["apis", "apps", "v1", "namespaces", ns, "statefulsets", name] => {
            ("statefulsets", format!("{ns}/{name}"), *ns, *name)
        }
        _ => {
            return status(
                404,
                "NotFound",
                "the server could not find the requested resource",
                json!({}),
            )
        }
    };
    let verb = match method.as_str() {
        "GET" => "get",
        "PATCH" => "patch",
        "DELETE" => "delete",
        _ => return status(405, "MethodNotAllowed", "method not allowed", json!({})),
    };
    if state.fail {
        return status(
            500,
            "InternalError",
            "Internal error occurred: etcdserver: request timed out",
            json!({}),
        );
    }
    if state.forbid {
        let group = if resource == "statefulsets" { "apps" } else { "" };
        let scope = if namespace.is_empty() {
            "at the cluster scope".to_owned()
        } else {
            format!("in the namespace \"{namespace}\"")
        };
        return status(
            403,
            "Forbidden",
            &format!(
                "{resource}.{group} \"{name}\" is forbidden: User \"system:serviceaccount:{}:charm\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}",
                if namespace.is_empty() { "model" } else { namespace }
            ),
            json!({"name": name, "kind": resource}),
        );
    }
    let not_found = || {
        status(
            404,
            "NotFound",
            &format!("{resource} \"{name}\" not found"),
            json!({"name": name, "kind": resource}),
        )
    };
    match (resource, verb) {
        ("pods", "get") => state.pods.get(&key).map(|p| respond(200, p)).unwrap_or_else(not_found),
        ("nodes", "get") => state.nodes.get(&key).map(|n| respond(200, n)).unwrap_or_else(not_found),
        ("services", "get") => state
            .services
            .get(&key)
            .map(|s| respond(200, s))
            .unwrap_or_else(not_found),
        ("services", "delete") => match state.services.remove(&key) {
            Some(_) => {
                state.managers.remove(&key);
                respond(
                    200,
                    &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                            "details": {"name": name, "kind": "services", "uid": "deleted"}}),
                )
            }
            None => not_found(),
        },
        ("services", "patch") => apply(&mut state, &key, namespace, name, &query, &content_type, &body),
        ("statefulsets", "get") => state
            .statefulsets
            .get(&key)
            .map(|s| respond(200, s))
            .unwrap_or_else(not_found),
        ("statefulsets", "patch") => match state.statefulsets.get_mut(&key) {
            Some(existing) => merge_patch(existing, &content_type, &body),
            None => not_found(),
        },
        _ => status(405, "MethodNotAllowed", "method not allowed", json!({})),
    }
}

/// Server-side apply of a Service: validates like the API does for what the charm sends,
/// keeps allocated node ports, allocates new ones.
fn apply(
    state: &mut ApiState,
    key: &str,
    namespace: &str,
    name: &str,
    query: &str,
    content_type: &str,
    body: &[u8],
) -> Response<Full<Bytes>> {
    if content_type != "application/apply-patch+yaml" {
        return status(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            json!({}),
        );
    }
    let params: BTreeMap<&str, &str> = query.split('&').filter_map(|kv| kv.split_once('=')).collect();
    let Some(manager) = params.get("fieldManager").map(|m| (*m).to_owned()) else {
        return status(
            400,
            "BadRequest",
            "PATCH requests with apply content type require fieldManager",
            json!({}),
        );
    };
    let force = params.get("force") == Some(&"true");
    let Ok(mut desired) = serde_json::from_slice::<Value>(body) else {
        return status(400, "BadRequest", "error decoding YAML", json!({}));
    };
    if desired["apiVersion"] != "v1" || desired["kind"] != "Service" || desired["metadata"]["name"] != name {
        return status(
            400,
            "BadRequest",
            "the name of the object does not match the name on the URL",
            json!({}),
        );
    }
    if let Some(ns) = desired["metadata"]["namespace"].as_str() {
        if ns != namespace {
            return status(
                400,
                "BadRequest",
                "the namespace of the provided object does not match the namespace sent on the request",
                json!({}),
            );
        }
    }
    let existing = state.services.get(key).cloned();
    if let (Some(_), Some(previous)) = (&existing, state.managers.get(key)) {
        if previous != &manager && !force {
            return status(
                409,
                "Conflict",
                &format!("Apply failed with 1 conflict: conflict with \"{previous}\": .spec.ports"),
                json!({"name": name, "kind": "services", "causes": [{"reason": "FieldManagerConflict", "message": format!("conflict with \"{previous}\""), "field": ".spec.ports"}]}),
            );
        }
    }
    let kept: BTreeMap<String, u64> = existing
        .as_ref()
        .and_then(|s| s.pointer("/spec/ports").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|p| Some((p["name"].as_str()?.to_owned(), p["nodePort"].as_u64()?)))
        .collect();
    if let Some(ports) = desired.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
        for port in ports {
            let port_name = port["name"].as_str().unwrap_or_default().to_owned();
            if port.get("nodePort").is_none() {
                let allocated = match kept.get(&port_name) {
                    Some(p) => *p,
                    None => {
                        let p = state.next_port;
                        state.next_port += 1;
                        u64::from(p)
                    }
                };
                port["nodePort"] = json!(allocated);
            }
        }
    }
    let created = existing.is_none();
    let uid = match &existing {
        Some(s) => s["metadata"]["uid"].clone(),
        None => {
            state.next_uid += 1;
            json!(format!("svc-uid-{}", state.next_uid))
        }
    };
    desired["metadata"]["uid"] = uid;
    desired["metadata"]["namespace"] = json!(namespace);
    desired["metadata"]["resourceVersion"] = json!(format!("{}", state.seen.len()));
    desired["spec"]["clusterIP"] = json!("10.152.183.77");
    desired["status"] = json!({"loadBalancer": {}});
    state.services.insert(key.to_owned(), desired.clone());
    state.managers.insert(key.to_owned(), manager);
    respond(if created { 201 } else { 200 }, &desired)
}

/// A strategic-merge or JSON merge patch of an existing object (maps merge, `null` removes;
/// lists, which the partition patch has none of, are replaced).
fn merge_patch(object: &mut Value, content_type: &str, body: &[u8]) -> Response<Full<Bytes>> {
    if !matches!(
        content_type,
        "application/strategic-merge-patch+json" | "application/merge-patch+json"
    ) {
        return status(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, \
             application/strategic-merge-patch+json",
            json!({}),
        );
    }
    let Ok(patch) = serde_json::from_slice::<Value>(body) else {
        return status(400, "BadRequest", "error decoding patch: invalid JSON", json!({}));
    };
    if patch
        .pointer("/spec/updateStrategy/rollingUpdate/partition")
        .is_some_and(|p| !p.is_u64())
    {
        return status(
            422,
            "Invalid",
            "StatefulSet.apps is invalid: spec.updateStrategy.rollingUpdate.partition: Invalid value",
            json!({}),
        );
    }
    merge(object, &patch);
    let generation = object["metadata"]["generation"].as_u64().unwrap_or(1) + 1;
    object["metadata"]["generation"] = json!(generation);
    respond(200, object)
}

fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}
