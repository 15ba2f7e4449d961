//! The crate's one error type.
//!
//! A hook's own failures are the SDK's ([`charm_sdk::Error`], ending as a
//! [`charm_sdk::Stop`]) and bad operator input becomes a status or an action error with its
//! own message. What this charm adds is ZooKeeper administration behind the
//! [`crate::admin`] traits: sessions, membership changes, client chroots and four-letter
//! words. Each variant says which of those failed and where (hosts, chroot path, server
//! address); the text is the administration client's own and never carries a password.
//!
//! The text deliberately adds nothing: callers put it in statuses and logs that already
//! say what was being done (`cannot reach the ensemble: …`, `cannot add zookeeper-k8s/2 to
//! the quorum: …`), and zk-admin's messages already name the hosts, path or address.

/// Why a ZooKeeper administration call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Opening an administrative session (as `super`, over SASL) failed.
    #[error("{message}")]
    Connect {
        /// The `host:port` list that was tried.
        hosts: Vec<String>,
        /// What the client said.
        message: String,
    },
    /// Reading (`config`) or changing (`reconfig`) the ensemble's membership failed.
    #[error("{message}")]
    Membership {
        /// `config` or `reconfig`.
        operation: &'static str,
        /// What the client or server said.
        message: String,
    },
    /// Creating a client chroot or setting its ACL failed.
    #[error("{message}")]
    Chroot {
        /// The chroot path.
        path: String,
        /// What the client or server said (never the client user's password).
        message: String,
    },
    /// A four-letter word (`mntr`, `ruok`, `srvr`) got no answer.
    #[error("{message}")]
    FourLetterWord {
        /// The server's `host:port`.
        address: String,
        /// The word sent.
        word: String,
        /// What the client said.
        message: String,
    },
}
