//! The crate's one error type, and how a bad or missing remote bag becomes a status.
//!
//! Remote data is written by another charm, often a Python one we do not control; a bag
//! that is incomplete (the other side has not answered yet) or wrong (a bug or a version we
//! do not speak) must never panic and never fail the hook in a loop. Each variant says which
//! relation it is about (`endpoint:id` and the remote application), so the status the
//! operator sees points at the right integration, and [`Error::into_stop`] decides whether
//! it is "not yet" (Waiting) or "needs a human" (Blocked).
//!
//! The TLS libraries ([`crate::tls`], [`crate::certificate_transfer`]) use the same type:
//! their variants ([`Error::RemoteData`], [`Error::CertificateRequest`], [`Error::Crypto`],
//! [`Error::Keystore`], [`Error::Io`]) say which side is at fault (remote data, our own
//! request, crypto, files) so a charm can map them to Blocked or a retry without parsing
//! messages.
//!
//! Messages name keys, never values: a legacy provider keeps passwords in plain databag
//! keys, and a secret's content must not reach `juju status` or the debug log.

use std::fmt;
use std::path::PathBuf;

use charm_sdk::{Relation, Stop};
use juju_model::{AppName, RelationId};

/// Which relation an error is about: `kafka-client:3 (kafka-k8s)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationLabel {
    /// The local endpoint.
    pub endpoint: String,
    /// The relation id.
    pub id: RelationId,
    /// The remote application, when Juju has told us.
    pub remote_app: Option<AppName>,
}

impl RelationLabel {
    /// A label for `relation`, with the remote application when known.
    pub fn new(relation: &Relation, remote_app: Option<AppName>) -> Self {
        Self {
            endpoint: relation.endpoint.clone(),
            id: relation.id,
            remote_app,
        }
    }

    /// A label from its parts (for decoders used outside a charm run, and tests).
    pub fn from_parts(endpoint: impl Into<String>, id: u32, remote_app: Option<&str>) -> Self {
        Self {
            endpoint: endpoint.into(),
            id: RelationId(id),
            remote_app: remote_app.and_then(|a| AppName::new(a).ok()),
        }
    }
}

impl fmt::Display for RelationLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.endpoint, self.id)?;
        if let Some(app) = &self.remote_app {
            write!(f, " ({app})")?;
        }
        Ok(())
    }
}

/// Whose bag a key was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BagSide {
    /// The remote application's bag.
    RemoteApp,
    /// A remote unit's bag.
    RemoteUnit,
    /// A secret's content.
    Secret,
}

impl fmt::Display for BagSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BagSide::RemoteApp => "application data",
            BagSide::RemoteUnit => "unit data",
            BagSide::Secret => "secret",
        })
    }
}

/// Everything an interface library can meet: bad remote data, unreadable secrets, invalid
/// certificate requests, crypto and keystore failures, SDK failures. Never carries a
/// databag value, secret content or key material.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key the protocol needs is absent: the other side has not written it yet.
    #[error("relation {relation}: {side} has no {key:?} yet")]
    MissingKey {
        /// The relation.
        relation: Box<RelationLabel>,
        /// Where it was looked for.
        side: BagSide,
        /// The key.
        key: String,
    },
    /// A key that must hold JSON text does not parse.
    #[error("relation {relation}: {side} key {key:?} is not valid JSON ({message})")]
    MalformedJson {
        /// The relation.
        relation: Box<RelationLabel>,
        /// Where it was read.
        side: BagSide,
        /// The key.
        key: String,
        /// The parser's message (positions only, no content).
        message: String,
    },
    /// A key holds a value of the wrong shape (a number where a list is expected, an
    /// unknown enum value, a bad URL).
    #[error("relation {relation}: {side} key {key:?} should be {expected}, found {found}")]
    WrongType {
        /// The relation.
        relation: Box<RelationLabel>,
        /// Where it was read.
        side: BagSide,
        /// The key.
        key: String,
        /// What the protocol allows.
        expected: String,
        /// What kind of value was there (never the value itself).
        found: String,
    },
    /// A secret the remote side pointed us to cannot be read (not granted, removed, or not
    /// a secret URI). Names the URI, never the content.
    #[error("relation {relation}: cannot read secret {uri} from {key:?} ({reason})")]
    UnreadableSecret {
        /// The relation.
        relation: Box<RelationLabel>,
        /// The databag key that held the URI (`secret-user`).
        key: String,
        /// The URI as written by the remote side.
        uri: String,
        /// Why (`not found`, `permission denied`, `not a secret URI`).
        reason: String,
    },
    /// The charm asked for something the protocol forbids (an invalid topic name, a port
    /// out of range); the charm's own bug or config, not the remote side's.
    #[error("relation {relation}: {message}")]
    Invalid {
        /// The relation.
        relation: Box<RelationLabel>,
        /// What is wrong.
        message: String,
    },
    /// The charm's own input is unusable (an alert rules file that is not YAML, a
    /// dashboard that is not JSON): a bug in the charm, not in the remote side.
    #[error("{0}")]
    Input(String),
    /// An SDK call failed outside any particular relation.
    #[error(transparent)]
    Sdk(#[from] charm_sdk::Error),
    /// An SDK call failed while working on a relation.
    #[error("relation {relation}: {source}")]
    SdkOn {
        /// The relation.
        relation: Box<RelationLabel>,
        /// The SDK's error.
        #[source]
        source: charm_sdk::Error,
    },
    /// A TLS databag holds data that is not what the interface defines: malformed JSON, a
    /// wrong type, a PEM that does not parse. `what` names the relation, bag and key.
    #[error("invalid relation data in {what}: {message}")]
    RemoteData {
        /// Where the data came from (`certificates:3 app data key "certificates"`).
        what: String,
        /// What is wrong with it.
        message: String,
    },
    /// The certificate request the charm asked for is not valid (no name at all, an
    /// unparsable IP address, a DNS name that is not IA5).
    #[error("invalid certificate request: {0}")]
    CertificateRequest(String),
    /// Key generation, signing, or parsing of a PEM/X.509 object failed.
    #[error("{what}: {message}")]
    Crypto {
        /// The object or operation.
        what: String,
        /// The underlying library's message (never key material).
        message: String,
    },
    /// Building or reading a PKCS#12 keystore failed.
    #[error("keystore: {0}")]
    Keystore(String),
    /// Writing a key, certificate or keystore file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The relation this error is about, if any.
    pub fn relation(&self) -> Option<&RelationLabel> {
        match self {
            Error::MissingKey { relation, .. }
            | Error::MalformedJson { relation, .. }
            | Error::WrongType { relation, .. }
            | Error::UnreadableSecret { relation, .. }
            | Error::Invalid { relation, .. }
            | Error::SdkOn { relation, .. } => Some(&**relation),
            Error::Sdk(_)
            | Error::Input(_)
            | Error::RemoteData { .. }
            | Error::CertificateRequest(_)
            | Error::Crypto { .. }
            | Error::Keystore(_)
            | Error::Io { .. } => None,
        }
    }

    /// Whether the remote side simply has not answered yet (Waiting), as opposed to having
    /// answered something we cannot use (Blocked) or a failure (retry).
    pub fn is_not_yet(&self) -> bool {
        matches!(self, Error::MissingKey { .. })
    }

    /// The status this error should end reconcile with:
    /// - missing keys: `Waiting` ("waiting for kafka-client:3 (kafka-k8s): …");
    /// - bad remote data or an unreadable secret: `Blocked` naming the relation;
    /// - an invalid request from the charm itself (including a certificate request): `Blocked`;
    /// - unusable charm input (rule files, dashboards): `Failed`, it is a bug;
    /// - crypto, keystore and file failures: `Failed` (Juju retries);
    /// - SDK failures: `Failed` (the hook exits 1 and Juju retries), except what the SDK
    ///   itself turns into a status (invalid config).
    pub fn into_stop(self) -> Stop {
        match self {
            Error::MissingKey {
                ref relation,
                ref side,
                ref key,
            } => Stop::waiting(format!("waiting for {relation}: {side} has no {key:?} yet")),
            e @ (Error::MalformedJson { .. }
            | Error::WrongType { .. }
            | Error::UnreadableSecret { .. }
            | Error::Invalid { .. }
            | Error::RemoteData { .. }
            | Error::CertificateRequest(_)) => Stop::blocked(e.to_string()),
            Error::Input(message) => Stop::Failed(charm_sdk::Error::msg(message)),
            e @ (Error::Crypto { .. } | Error::Keystore(_) | Error::Io { .. }) => {
                Stop::Failed(charm_sdk::Error::msg(e.to_string()))
            }
            Error::Sdk(e) => Stop::from(e),
            Error::SdkOn { relation, source } => Stop::from(charm_sdk::Error::Context {
                context: format!("relation {relation}"),
                source: Box::new(source),
            }),
        }
    }

    /// Attaches a relation to an SDK error that has none (other variants are returned
    /// unchanged).
    pub fn on(self, relation: &RelationLabel) -> Self {
        match self {
            Error::Sdk(source) => Error::SdkOn {
                relation: Box::new(relation.clone()),
                source,
            },
            other => other,
        }
    }

    pub(crate) fn missing(relation: &RelationLabel, side: BagSide, key: &str) -> Self {
        Error::MissingKey {
            relation: Box::new(relation.clone()),
            side,
            key: key.to_owned(),
        }
    }

    pub(crate) fn malformed(relation: &RelationLabel, side: BagSide, key: &str, err: &serde_json::Error) -> Self {
        Error::MalformedJson {
            relation: Box::new(relation.clone()),
            side,
            key: key.to_owned(),
            message: format!("{} at line {} column {}", category(err), err.line(), err.column()),
        }
    }

    pub(crate) fn wrong_type(
        relation: &RelationLabel,
        side: BagSide,
        key: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Error::WrongType {
            relation: Box::new(relation.clone()),
            side,
            key: key.to_owned(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    pub(crate) fn invalid(relation: &RelationLabel, message: impl Into<String>) -> Self {
        Error::Invalid {
            relation: Box::new(relation.clone()),
            message: message.into(),
        }
    }

    pub(crate) fn remote(what: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::RemoteData {
            what: what.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn crypto(what: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Crypto {
            what: what.into(),
            message: message.to_string(),
        }
    }
}

impl From<rcgen::Error> for Error {
    fn from(e: rcgen::Error) -> Self {
        Error::crypto("rcgen", e)
    }
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        error.into_stop()
    }
}

/// Lets `result.or_waiting("…")?` turn any interface error into a status.
impl charm_sdk::stop::Unready for Error {}

/// serde_json's message can quote the offending token; keep only its category.
fn category(err: &serde_json::Error) -> &'static str {
    match err.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "unexpected end of input",
    }
}

/// A short description of a JSON value's kind for [`Error::WrongType`], never its content.
pub(crate) fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Shorthand for this crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use juju_model::StatusKind;

    fn label() -> RelationLabel {
        RelationLabel::from_parts("kafka-client", 3, Some("kafka-k8s"))
    }

    #[test]
    fn missing_keys_wait_and_bad_data_blocks_naming_the_relation() {
        let stop = Error::missing(&label(), BagSide::RemoteApp, "endpoints").into_stop();
        match stop {
            Stop::Unready(s) => {
                assert_eq!(s.kind, StatusKind::Waiting);
                assert!(s.message.contains("kafka-client:3 (kafka-k8s)"), "{}", s.message);
            }
            Stop::Failed(e) => panic!("{e}"),
        }
        let err = serde_json::from_str::<serde_json::Value>("[1,").unwrap_err();
        match Error::malformed(&label(), BagSide::RemoteApp, "requested-secrets", &err).into_stop() {
            Stop::Unready(s) => {
                assert_eq!(s.kind, StatusKind::Blocked);
                assert!(s.message.contains("kafka-client:3"));
                assert!(s.message.contains("requested-secrets"));
            }
            Stop::Failed(e) => panic!("{e}"),
        }
    }

    #[test]
    fn tls_failures_block_on_bad_data_or_requests_and_fail_otherwise() {
        let blocked = [
            Error::remote("certificates:3 app data key \"certificates\"", "not a list"),
            Error::CertificateRequest("no subject and no SAN".into()),
        ];
        for e in blocked {
            let text = e.to_string();
            assert!(e.relation().is_none());
            match e.into_stop() {
                Stop::Unready(s) => {
                    assert_eq!(s.kind, StatusKind::Blocked);
                    assert_eq!(s.message, text);
                }
                Stop::Failed(f) => panic!("{f}"),
            }
        }
        let failed = [
            Error::crypto("CSR", "bad signature"),
            Error::Keystore("a keystore needs at least the leaf certificate".into()),
            Error::Io {
                path: "/tmp/x/server.pem".into(),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            },
        ];
        for e in failed {
            let text = e.to_string();
            match e.into_stop() {
                Stop::Failed(f) => assert_eq!(f.to_string(), text),
                Stop::Unready(s) => panic!("{s:?}"),
            }
        }
    }

    #[test]
    fn messages_never_quote_json_content() {
        let err = serde_json::from_str::<serde_json::Value>("hunter2").unwrap_err();
        let e = Error::malformed(&label(), BagSide::RemoteApp, "password", &err);
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
