//! The crate's one error type.
//!
//! Every fallible step of the charm's own code returns [`Error`]: rendering the workload's
//! files ([`crate::workload`], [`crate::balancer::render`]), computing and reading SCRAM
//! credentials ([`crate::scram`]), writing users and ACLs ([`crate::store`]: into ZooKeeper
//! through [`crate::zkstore`], or with Kafka's tools in KRaft mode), and talking to Cruise
//! Control ([`crate::balancer::client`], [`crate::balancer::rebalance`]). Each variant names
//! what was being done — the input or file, the znode, the user, the tool, the Cruise
//! Control address or task — so a status or log line points at the right thing.
//!
//! The texts are what the operator sees (Blocked statuses such as `cannot configure kafka:
//! invalid roles: …`, the `rebalance` action's failure message), so they are kept stable.
//! They never contain a secret: a credential's text, a password or a key is never put into
//! a variant, only the name of what it belongs to.
//!
//! Kept apart, because they belong to other crates: the SDK's [`charm_sdk::Error`] (what a
//! hook or Pebble call returns) and the Kubernetes client's [`crate::kube::KubeError`] (from
//! `charm-kube`).
//!
//! `Clone`, because a store that failed to open reports the same failure to every later
//! use in the run ([`crate::clients::LazyStore`]); zk-admin's error is shared for that.

use std::sync::Arc;

use crate::scram::{DEFAULT_ITERATIONS, MAX_ITERATIONS};

/// Why something the charm does failed. Carries no secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    // --- Rendering the workload's files.
    /// A secret cannot be written where it must go (a quote in a JAAS file, a newline in a
    /// properties file).
    #[error("{what} cannot be written into the configuration: {why}")]
    BadSecret {
        /// Which secret (never its value).
        what: String,
        /// Why.
        why: String,
    },
    /// An input is missing or inconsistent.
    #[error("invalid {field}: {why}")]
    Invalid {
        /// Which input.
        field: String,
        /// Why.
        why: String,
    },

    // --- SCRAM credentials.
    /// Iterations outside what Kafka accepts for the mechanism.
    #[error("iterations {0} outside [{min}, {max}]", min = DEFAULT_ITERATIONS, max = MAX_ITERATIONS)]
    ScramIterations(u32),
    /// The system random generator failed.
    #[error("no randomness available for a salt")]
    NoRandomness,
    /// A stored credential string is malformed (the text is not included: it is secret-ish).
    #[error("malformed SCRAM credential: {0}")]
    MalformedCredential(&'static str),

    // --- Kafka's users and ACLs in ZooKeeper.
    /// ZooKeeper refused or failed (zk-admin's message names the hosts, the operation and
    /// the znode).
    #[error(transparent)]
    Zk(Arc<zk_admin::Error>),
    /// A znode held data Kafka would not have written.
    #[error("unexpected data in {path}: {why}")]
    ZnodeData {
        /// The znode.
        path: String,
        /// What was wrong.
        why: String,
    },
    /// An argument of a store operation was unusable (user name, chroot, …).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The SCRAM credential of a user could not be computed or its stored one read.
    #[error("SCRAM credential of {user}: {source}")]
    Credential {
        /// The user.
        user: String,
        /// What failed (a SCRAM variant).
        source: Box<Error>,
    },
    /// Another writer kept changing the znode.
    #[error("{path} kept changing under us; try again")]
    Contended {
        /// The znode.
        path: String,
    },

    // --- Where users and ACLs are written (the store behind crate::store::MetadataStore).
    /// The store cannot be used in this run (the message says why: no CA yet, the test's
    /// refusal, …).
    #[error("{0}")]
    StoreUnavailable(String),
    /// One of Kafka's tools could not be run in the workload container.
    #[error("{tool}: {why}")]
    Tool {
        /// The tool's path in the container (`…/bin/kafka-configs.sh`).
        tool: String,
        /// Pebble's error.
        why: String,
    },
    /// One of Kafka's tools failed.
    #[error("{tool} exited with {code}: {first_line}")]
    ToolExit {
        /// The tool's path in the container (`…/bin/kafka-acls.sh`).
        tool: String,
        /// Its exit code.
        code: i32,
        /// The first non-empty line of its output.
        first_line: String,
    },
    /// A file could not be written into the workload container.
    #[error("cannot write {what}: {why}")]
    WriteFile {
        /// Which file (`the SCRAM config file`).
        what: &'static str,
        /// Pebble's error.
        why: String,
    },

    // --- Cruise Control's REST API.
    /// Nothing listens, or the connection broke.
    #[error("cannot reach Cruise Control at {address}: {why}")]
    Unreachable {
        /// `host:port`.
        address: String,
        /// The I/O error.
        why: String,
    },
    /// The answer is not HTTP/1.x.
    #[error("Cruise Control answered something that is not HTTP: {why}")]
    NotHttp {
        /// What was wrong with it.
        why: String,
    },
    /// Cruise Control is not in a state to answer (the message says which).
    #[error("{0}")]
    NotReady(String),
    /// Cruise Control refused or failed the request.
    #[error("'{mode}' rebalance failed with status code {status}: {message}")]
    Refused {
        /// The mode (`full`, `add`, `remove`; `execution` when the execution failed).
        mode: &'static str,
        /// The HTTP status.
        status: u16,
        /// Cruise Control's `errorMessage`.
        message: String,
    },
    /// Cruise Control answered something the charm cannot use (the message says what).
    #[error("{0}")]
    Broken(String),
}

impl From<zk_admin::Error> for Error {
    fn from(e: zk_admin::Error) -> Error {
        Error::Zk(Arc::new(e))
    }
}

impl Error {
    /// An input of a renderer is missing or inconsistent.
    pub(crate) fn invalid(field: &str, why: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.to_owned(),
            why: why.into(),
        }
    }

    /// Names the user whose SCRAM credential `self` is about.
    pub(crate) fn for_user(self, user: &str) -> Error {
        Error::Credential {
            user: user.to_owned(),
            source: Box::new(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_name_the_subject_and_stay_stable() {
        assert_eq!(
            Error::invalid("roles", "neither broker nor controller").to_string(),
            "invalid roles: neither broker nor controller"
        );
        assert_eq!(
            Error::ScramIterations(7).to_string(),
            "iterations 7 outside [4096, 16384]"
        );
        assert_eq!(
            Error::MalformedCredential("no salt").for_user("admin").to_string(),
            "SCRAM credential of admin: malformed SCRAM credential: no salt"
        );
        assert_eq!(
            Error::Contended {
                path: "/kafka/config/users/admin".into()
            }
            .to_string(),
            "/kafka/config/users/admin kept changing under us; try again"
        );
        assert_eq!(
            Error::Refused {
                mode: "full",
                status: 500,
                message: "boom".into()
            }
            .to_string(),
            "'full' rebalance failed with status code 500: boom"
        );
        // The KRaft store's texts, as they were when they were plain strings.
        assert_eq!(
            Error::ToolExit {
                tool: "/opt/kafka/bin/kafka-acls.sh".into(),
                code: 1,
                first_line: "Error while executing ACL command".into()
            }
            .to_string(),
            "/opt/kafka/bin/kafka-acls.sh exited with 1: Error while executing ACL command"
        );
        assert_eq!(
            Error::WriteFile {
                what: "the SCRAM config file",
                why: "permission denied".into()
            }
            .to_string(),
            "cannot write the SCRAM config file: permission denied"
        );
        assert_eq!(
            Error::StoreUnavailable("the brokers are not running yet".into()).to_string(),
            "the brokers are not running yet"
        );
    }
}
