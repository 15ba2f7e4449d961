//! The one error type of the TLS interface libraries.
//!
//! Remote data is input we do not control: a provider or requirer that writes junk must
//! show up as a value the charm can turn into a status, never as a panic. The variants say
//! which side is at fault (remote data, our own request, crypto, files) so a charm can map
//! them to Blocked, Waiting or a retry without parsing messages.

use std::path::PathBuf;

use charm_sdk::Stop;

/// What went wrong in a TLS interface operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A hook tool, access rule or decoding step of the SDK failed.
    #[error(transparent)]
    Sdk(#[from] charm_sdk::Error),
    /// A databag holds data that is not what the interface defines: malformed JSON, a
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
    Request(String),
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
    pub(crate) fn remote(what: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::RemoteData {
            what: what.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn crypto(what: impl Into<String>, message: impl std::fmt::Display) -> Self {
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
    /// Bad remote data is the operator's to look at (Blocked, naming the relation); an
    /// invalid request is a charm bug or bad config (Blocked); the rest is a failure that
    /// Juju retries.
    fn from(error: Error) -> Self {
        match error {
            Error::Sdk(e) => Stop::from(e),
            e @ (Error::RemoteData { .. } | Error::Request(_)) => Stop::blocked(e.to_string()),
            other => Stop::Failed(charm_sdk::Error::msg(other.to_string())),
        }
    }
}

/// Lets `result.or_waiting("…")?` turn any TLS error into a status.
impl charm_sdk::stop::Unready for Error {}
