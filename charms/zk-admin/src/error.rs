//! The crate's single error type.
//!
//! Charms branch on a handful of ZooKeeper outcomes (the node is missing, already there, the
//! caller lacks rights, a version race), so those are a small stable enum ([`ZkCode`]) instead
//! of the underlying client's error type, which would tie every caller to one client version.
//! Every variant names where it happened (hosts, path or address) and none ever carries a
//! password: credentials only travel inside the session setup and are never formatted.

use std::time::Duration;

/// ZooKeeper outcome codes that callers commonly need to tell apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZkCode {
    /// The node does not exist (`NONODE`).
    NoNode,
    /// The node already exists (`NODEEXISTS`).
    NodeExists,
    /// The session lacks the permission the node's ACL requires (`NOAUTH`).
    NoAuth,
    /// The expected version did not match (`BADVERSION`).
    BadVersion,
    /// The node still has children (`NOTEMPTY`).
    NotEmpty,
    /// The ACL list was rejected (`INVALIDACL`).
    InvalidAcl,
    /// Authentication failed (wrong SASL password, for instance).
    AuthFailed,
    /// The session expired or was closed by the server (for instance when `enforce.auth` refuses
    /// an unauthenticated session).
    SessionExpired,
    /// The connection was lost while the request was in flight.
    ConnectionLoss,
    /// No server could be reached.
    NoHosts,
    /// The server has `reconfigEnabled=false`.
    ReconfigDisabled,
    /// Anything else, with the client's description.
    Other(String),
}

impl std::fmt::Display for ZkCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            ZkCode::NoNode => "node does not exist",
            ZkCode::NodeExists => "node already exists",
            ZkCode::NoAuth => "not authorized",
            ZkCode::BadVersion => "version mismatch",
            ZkCode::NotEmpty => "node has children",
            ZkCode::InvalidAcl => "invalid ACL",
            ZkCode::AuthFailed => "authentication failed",
            ZkCode::SessionExpired => "session expired or closed by the server",
            ZkCode::ConnectionLoss => "connection lost",
            ZkCode::NoHosts => "no server reachable",
            ZkCode::ReconfigDisabled => "reconfiguration disabled on the server",
            ZkCode::Other(text) => text,
        };
        f.write_str(text)
    }
}

impl From<zookeeper_client::Error> for ZkCode {
    fn from(err: zookeeper_client::Error) -> Self {
        use zookeeper_client::Error as E;
        match err {
            E::NoNode => ZkCode::NoNode,
            E::NodeExists => ZkCode::NodeExists,
            E::NoAuth => ZkCode::NoAuth,
            E::BadVersion => ZkCode::BadVersion,
            E::NotEmpty => ZkCode::NotEmpty,
            E::InvalidAcl => ZkCode::InvalidAcl,
            E::AuthFailed => ZkCode::AuthFailed,
            E::SessionExpired | E::ClientClosed => ZkCode::SessionExpired,
            E::ConnectionLoss => ZkCode::ConnectionLoss,
            E::NoHosts => ZkCode::NoHosts,
            E::ReconfigDisabled => ZkCode::ReconfigDisabled,
            // The client fails requests in flight with the socket's I/O error (reset, broken
            // pipe) when a server goes away: that is a connection loss, not an unknown error.
            other if caused_by_io(&other) => ZkCode::ConnectionLoss,
            other => ZkCode::Other(other.to_string()),
        }
    }
}

/// Whether an I/O error is in `err`'s source chain. The client keeps it behind an `Arc`, whose
/// own `source()` skips it, so that layer is looked through.
fn caused_by_io(err: &(dyn std::error::Error + 'static)) -> bool {
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    let mut source = err.source();
    while let Some(e) = source {
        let inner: &(dyn std::error::Error + 'static) = match e.downcast_ref::<Shared>() {
            Some(shared) => shared.as_ref(),
            None => e,
        };
        if inner.is::<std::io::Error>() {
            return true;
        }
        source = inner.source();
    }
    false
}

/// Every failure of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A caller-supplied value was malformed (bad path, server line, permission letters...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The session could not be established.
    #[error("connecting to ZooKeeper [{hosts}]: {code}{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Connect {
        /// The hosts tried, comma separated.
        hosts: String,
        /// What the client reported.
        code: ZkCode,
        /// Extra context such as the last TLS handshake error.
        detail: Option<String>,
    },

    /// A request on an established session failed.
    #[error("ZooKeeper [{hosts}] {op} {path}: {code}")]
    Zk {
        /// The hosts of the session, comma separated.
        hosts: String,
        /// The operation (`create`, `set_acl`, ...).
        op: &'static str,
        /// The znode path concerned.
        path: String,
        /// The outcome.
        code: ZkCode,
    },

    /// A request did not finish in time.
    #[error("ZooKeeper [{hosts}] {op} {path}: timed out after {timeout:?}")]
    Timeout {
        /// The hosts of the session, comma separated.
        hosts: String,
        /// The operation.
        op: &'static str,
        /// The znode path concerned (empty for connection setup).
        path: String,
        /// The limit that was exceeded.
        timeout: Duration,
    },

    /// TLS material could not be used (bad PEM, key mismatch...).
    #[error("TLS configuration: {0}")]
    Tls(String),

    /// A four-letter-word exchange failed.
    #[error("four-letter word '{cmd}' to {addr}: {reason}")]
    FourLetterWord {
        /// The server address.
        addr: String,
        /// The command sent.
        cmd: String,
        /// Why it failed.
        reason: String,
    },

    /// Text returned by ZooKeeper could not be parsed.
    #[error("parsing {what}: {detail}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },

    /// The internal runtime could not be started or has stopped.
    #[error("internal runtime: {0}")]
    Runtime(String),
}

impl Error {
    /// The ZooKeeper outcome code, when the error came from ZooKeeper.
    pub fn code(&self) -> Option<&ZkCode> {
        match self {
            Error::Zk { code, .. } | Error::Connect { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the error is ZooKeeper's `NONODE`.
    pub fn is_no_node(&self) -> bool {
        self.code() == Some(&ZkCode::NoNode)
    }

    /// Whether the error is ZooKeeper's `NODEEXISTS`.
    pub fn is_node_exists(&self) -> bool {
        self.code() == Some(&ZkCode::NodeExists)
    }

    /// Whether the error is ZooKeeper's `NOAUTH`.
    pub fn is_no_auth(&self) -> bool {
        self.code() == Some(&ZkCode::NoAuth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_io_failures_count_as_connection_loss() {
        // The client crate builds its I/O errors privately; those are exercised against a
        // real ensemble (zookeeper-k8s's e2e tests). Everything else keeps its own code.
        assert_eq!(
            ZkCode::from(zookeeper_client::Error::ConnectionLoss),
            ZkCode::ConnectionLoss
        );
        assert_eq!(
            ZkCode::from(zookeeper_client::Error::Timeout),
            ZkCode::Other("timeout".into())
        );
    }

    #[test]
    fn display_carries_context() {
        let err = Error::Zk {
            hosts: "10.0.0.1:2181".into(),
            op: "create",
            path: "/kafka".into(),
            code: ZkCode::NoAuth,
        };
        assert_eq!(
            err.to_string(),
            "ZooKeeper [10.0.0.1:2181] create /kafka: not authorized"
        );
        assert!(err.is_no_auth());
        let err = Error::Connect {
            hosts: "h:1".into(),
            code: ZkCode::NoHosts,
            detail: Some("tls: bad".into()),
        };
        assert_eq!(
            err.to_string(),
            "connecting to ZooKeeper [h:1]: no server reachable (tls: bad)"
        );
    }
}
