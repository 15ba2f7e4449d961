//! The blocking in-cluster client: configuration discovery and the request primitives.
//!
//! It speaks HTTP/1.1 over rustls (ring) with hyper, the workspace's one HTTP and TLS stack,
//! authenticates with the pod's service-account bearer token and trusts only the cluster
//! CA mounted next to it. One connection per request, on a private current-thread runtime:
//! a hook makes a handful of calls, and hooks never run inside another runtime.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio_rustls::TlsConnector;

use crate::{KubeError, Token};

/// Where the kubelet mounts the pod's service account.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest answer read. Lists of a namespace's services or pods stay far below this.
pub const MAX_RESPONSE_BYTES: usize = 8 << 20;

/// The content type of a server-side apply.
const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// Whether this process runs in a Kubernetes pod (`KUBERNETES_SERVICE_HOST` is set). Charms
/// run in the local model or in unit tests without one, and then skip the API.
pub fn in_pod() -> bool {
    std::env::var("KUBERNETES_SERVICE_HOST").is_ok_and(|h| !h.is_empty())
}

/// How to reach and authenticate to an API server.
#[derive(Debug, Clone)]
pub struct KubeEndpoint {
    /// The server's host or IP (`KUBERNETES_SERVICE_HOST`); verified against its certificate.
    pub host: String,
    /// Its port (`KUBERNETES_SERVICE_PORT`).
    pub port: u16,
    /// The bearer token.
    pub token: Token,
    /// The CA that signed the server's certificate, PEM.
    pub ca_pem: String,
    /// The namespace of the namespaced calls (the model's).
    pub namespace: String,
    /// The `User-Agent` sent (the charm's name).
    pub user_agent: String,
}

/// The client.
pub struct KubeClient {
    endpoint: KubeEndpoint,
    tls: Arc<ClientConfig>,
    runtime: Runtime,
}

impl std::fmt::Debug for KubeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeClient")
            .field("host", &self.endpoint.host)
            .field("port", &self.endpoint.port)
            .field("namespace", &self.endpoint.namespace)
            .finish_non_exhaustive()
    }
}

impl KubeClient {
    /// The pod's own API access: `KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted service
    /// account's token and CA; `namespace` is the model's name, `user_agent` the charm's.
    /// [`KubeError::NotInCluster`] when there is no `KUBERNETES_SERVICE_HOST`.
    pub fn in_cluster(namespace: &str, user_agent: &str) -> Result<KubeClient, KubeError> {
        let host = std::env::var("KUBERNETES_SERVICE_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| KubeError::NotInCluster("KUBERNETES_SERVICE_HOST is not set".into()))?;
        let port = std::env::var("KUBERNETES_SERVICE_PORT")
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok())
            .ok_or_else(|| KubeError::Config("KUBERNETES_SERVICE_PORT is not a port".into()))?;
        let read = |file: &str| {
            let path = format!("{SERVICE_ACCOUNT_DIR}/{file}");
            std::fs::read_to_string(&path).map_err(|e| KubeError::Config(format!("cannot read {path}: {e}")))
        };
        let token = Token::new(read("token")?);
        let ca_pem = read("ca.crt")?;
        KubeClient::new(KubeEndpoint {
            host,
            port,
            token,
            ca_pem,
            namespace: namespace.to_owned(),
            user_agent: user_agent.to_owned(),
        })
    }

    /// A client for `endpoint`; does not connect.
    pub fn new(endpoint: KubeEndpoint) -> Result<KubeClient, KubeError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(endpoint.ca_pem.as_bytes()) {
            let cert = cert.map_err(|e| KubeError::Config(format!("the cluster CA is not PEM: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| KubeError::Config(format!("the cluster CA is unusable: {e}")))?;
        }
        if roots.is_empty() {
            return Err(KubeError::Config("the cluster CA file holds no certificate".into()));
        }
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| KubeError::Connection(format!("TLS setup: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| KubeError::Connection(format!("cannot start the I/O runtime: {e}")))?;
        Ok(KubeClient {
            endpoint,
            tls: Arc::new(tls),
            runtime,
        })
    }

    /// The namespace of the namespaced calls.
    pub fn namespace(&self) -> &str {
        &self.endpoint.namespace
    }

    /// The path of a namespaced object: `/<api>/namespaces/<ns>/<resource>/<name>`, `api`
    /// being `api/v1` (core) or `apis/<group>/<version>`. Names are checked, not escaped.
    pub fn namespaced_path(&self, api: &str, resource: &str, name: &str) -> Result<String, KubeError> {
        Ok(format!(
            "/{api}/namespaces/{}/{}/{}",
            segment(&self.endpoint.namespace)?,
            segment(resource)?,
            segment(name)?
        ))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<Value, KubeError> {
        self.call(Method::GET, path, None)
    }

    /// `GET path`; `None` on 404.
    pub fn get_optional(&self, path: &str) -> Result<Option<Value>, KubeError> {
        match self.get(path) {
            Ok(object) => Ok(Some(object)),
            Err(KubeError::Api { code: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `PATCH path` with `body` as `content_type` (`application/merge-patch+json`,
    /// `application/strategic-merge-patch+json`, ...); returns the object as stored.
    pub fn patch(&self, path: &str, content_type: &str, body: &Value) -> Result<Value, KubeError> {
        let bytes = serde_json::to_vec(body).map_err(|e| KubeError::Protocol(e.to_string()))?;
        self.call(Method::PATCH, path, Some((content_type, bytes)))
    }

    /// Server-side apply of `manifest` at `path` as `field_manager`, forcing ownership of the
    /// fields it sets (so a previous manager's values never block the charm); returns the
    /// object as stored.
    pub fn apply(&self, path: &str, manifest: &Value, field_manager: &str) -> Result<Value, KubeError> {
        let path = format!("{path}?fieldManager={}&force=true", segment(field_manager)?);
        let bytes = serde_json::to_vec(manifest).map_err(|e| KubeError::Protocol(e.to_string()))?;
        self.call(Method::PATCH, &path, Some((APPLY_PATCH, bytes)))
    }

    /// `DELETE path`; `false` when it was already gone.
    pub fn delete(&self, path: &str) -> Result<bool, KubeError> {
        match self.call(Method::DELETE, path, None) {
            Ok(_) => Ok(true),
            Err(KubeError::Api { code: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `GET /api/v1/namespaces/<ns>/pods/<name>`.
    pub fn get_pod(&self, name: &str) -> Result<Value, KubeError> {
        self.get(&self.namespaced_path("api/v1", "pods", name)?)
    }

    /// `GET /api/v1/nodes/<name>`.
    pub fn get_node(&self, name: &str) -> Result<Value, KubeError> {
        self.get(&format!("/api/v1/nodes/{}", segment(name)?))
    }

    /// `GET /api/v1/namespaces/<ns>/services/<name>`; `None` when it does not exist.
    pub fn get_service(&self, name: &str) -> Result<Option<Value>, KubeError> {
        self.get_optional(&self.namespaced_path("api/v1", "services", name)?)
    }

    /// Server-side apply of a Service manifest (named by its `metadata.name`).
    pub fn apply_service(&self, manifest: &Value, field_manager: &str) -> Result<Value, KubeError> {
        let name = manifest
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .ok_or_else(|| KubeError::Protocol("the manifest has no metadata.name".into()))?;
        self.apply(
            &self.namespaced_path("api/v1", "services", name)?,
            manifest,
            field_manager,
        )
    }

    /// `DELETE` a Service; `false` when it was already gone.
    pub fn delete_service(&self, name: &str) -> Result<bool, KubeError> {
        self.delete(&self.namespaced_path("api/v1", "services", name)?)
    }

    /// One request; a non-2xx answer becomes [`KubeError::Forbidden`] or [`KubeError::Api`].
    fn call(&self, method: Method, path: &str, body: Option<(&str, Vec<u8>)>) -> Result<Value, KubeError> {
        let request = format!("{method} {}", path.split('?').next().unwrap_or(path));
        let (status, bytes) = self.runtime.block_on(async {
            match tokio::time::timeout(REQUEST_TIMEOUT, self.send(method, path, body)).await {
                Ok(answer) => answer,
                Err(_) => Err(KubeError::Connection(format!(
                    "no answer to {request} within {REQUEST_TIMEOUT:?}"
                ))),
            }
        })?;
        let value: Option<Value> = serde_json::from_slice(&bytes).ok();
        if (200..300).contains(&status) {
            return value.ok_or_else(|| KubeError::Protocol(format!("{request}: the answer is not JSON")));
        }
        let field = |key: &str| {
            value
                .as_ref()
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let message = field("message").unwrap_or_else(|| format!("answered HTTP {status}"));
        if status == 403 {
            return Err(KubeError::Forbidden(format!("{request}: {message}")));
        }
        Err(KubeError::Api {
            request,
            code: status,
            reason: field("reason").unwrap_or_default(),
            message,
        })
    }

    async fn send(&self, method: Method, path: &str, body: Option<(&str, Vec<u8>)>) -> Result<(u16, Bytes), KubeError> {
        let host = &self.endpoint.host;
        let authority = if host.contains(':') {
            format!("[{host}]:{}", self.endpoint.port)
        } else {
            format!("{host}:{}", self.endpoint.port)
        };
        let server_name = ServerName::try_from(host.clone())
            .map_err(|e| KubeError::Connection(format!("API server host {host:?}: {e}")))?;
        let tcp = TcpStream::connect((host.as_str(), self.endpoint.port))
            .await
            .map_err(|e| KubeError::Connection(format!("{authority}: {e}")))?;
        let tls = TlsConnector::from(self.tls.clone())
            .connect(server_name, tcp)
            .await
            .map_err(|e| KubeError::Connection(format!("TLS with {authority}: {e}")))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| KubeError::Connection(format!("{authority}: {e}")))?;
        // Drives the connection while we wait for the answer; ends when `sender` is dropped.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let (content_type, bytes) = body.unwrap_or(("application/json", Vec::new()));
        let request_line = format!("{method} {}", path.split('?').next().unwrap_or(path));
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("Host", authority.as_str())
            .header("Accept", "application/json")
            .header("Content-Type", content_type)
            .header("User-Agent", self.endpoint.user_agent.as_str())
            .header("Authorization", format!("Bearer {}", self.endpoint.token.expose()))
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| KubeError::Protocol(format!("bad request: {e}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| KubeError::Connection(format!("{authority}: {e}")))?;
        let status = response.status().as_u16();
        // The answers the charms ask for are a few KiB; a bound keeps a broken or hostile
        // server from filling the hook's memory.
        let bytes = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<LengthLimitError>().is_some() {
                    KubeError::Protocol(format!(
                        "{authority}: the answer to {request_line} is larger than {} MiB",
                        MAX_RESPONSE_BYTES >> 20
                    ))
                } else {
                    KubeError::Connection(format!("{authority}: {e}"))
                }
            })?
            .to_bytes();
        Ok((status, bytes))
    }
}

/// A name used as a path segment or query value: Kubernetes names are DNS labels or
/// subdomains, so anything else is refused rather than escaped.
fn segment(name: &str) -> Result<&str, KubeError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if ok {
        Ok(name)
    } else {
        Err(KubeError::Protocol(format!("{name:?} is not a Kubernetes object name")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_escape_the_path_are_refused() {
        assert!(segment("kafka-k8s-0").is_ok());
        assert!(segment("worker-1.example.com").is_ok());
        for bad in ["", "a/b", "a?b", "A", "a b", "..%2f"] {
            assert!(segment(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_ca_without_certificates_is_refused() {
        let endpoint = KubeEndpoint {
            host: "127.0.0.1".into(),
            port: 6443,
            token: Token::new("t0ken"),
            ca_pem: "not pem".into(),
            namespace: "m".into(),
            user_agent: "test".into(),
        };
        let e = KubeClient::new(endpoint).unwrap_err();
        assert!(matches!(e, KubeError::Config(_)), "{e}");
        assert!(!e.to_string().contains("t0ken") && !format!("{e:?}").contains("t0ken"));
    }
}
