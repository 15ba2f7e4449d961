//! The crate's one error type. Every variant says which request or setting it is about and
//! never carries the service-account token.

use std::fmt;

/// Why a Kubernetes API call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeError {
    /// The charm does not run in a pod: `KUBERNETES_SERVICE_HOST` is not set.
    NotInCluster(String),
    /// In a pod, but its API access is unusable (port, token or CA missing or malformed).
    Config(String),
    /// HTTP 403: the service account may not do this (the application is not trusted). The
    /// request (`PATCH /apis/...`), then the API's `Status.message`.
    Forbidden(String),
    /// Any other refusal, with the API's `Status` fields.
    Api {
        /// The request, `<METHOD> <path>` (no query string).
        request: String,
        /// The HTTP status code.
        code: u16,
        /// `Status.reason` (`NotFound`, `Conflict`, `Invalid`, ...).
        reason: String,
        /// `Status.message`.
        message: String,
    },
    /// The API server could not be reached, or TLS failed, or it did not answer in time.
    Connection(String),
    /// The answer (or an argument) was not what the API sends or accepts.
    Protocol(String),
}

impl KubeError {
    /// The HTTP status code of an API refusal.
    pub fn code(&self) -> Option<u16> {
        match self {
            KubeError::Forbidden(_) => Some(403),
            KubeError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for KubeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KubeError::NotInCluster(why) => write!(f, "not running in a Kubernetes pod: {why}"),
            KubeError::Config(why) => write!(f, "the pod's Kubernetes API access is unusable: {why}"),
            KubeError::Forbidden(message) => write!(f, "forbidden: {message}"),
            KubeError::Api {
                request,
                code,
                reason,
                message,
            } => write!(f, "HTTP {code} {reason}: {message} ({request})"),
            KubeError::Connection(why) => write!(f, "cannot reach the Kubernetes API: {why}"),
            KubeError::Protocol(why) => write!(f, "unexpected answer from the Kubernetes API: {why}"),
        }
    }
}

impl std::error::Error for KubeError {}
