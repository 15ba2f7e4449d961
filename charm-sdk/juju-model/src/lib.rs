//! The vocabulary of Juju charms, with no I/O.
//!
//! Like `kube-core`, this crate names every noun a charm and a Juju emulator share —
//! application, unit, relation and secret names ([`names`]), the `JUJU_*` environment
//! ([`JujuEnv`]), the event it implies ([`Event`]), workload [`Status`], what a charm declares
//! ([`CharmMeta`]), the data hook tools print ([`tools`]) and relation databags ([`databag`]).
//! Nothing here spawns a process, opens a socket or reads the process environment except
//! [`JujuEnv::from_process`].
//!
//! ```
//! use juju_model::{Event, JujuEnv, RelationHook};
//!
//! let env = JujuEnv::from_vars([
//!     ("JUJU_DISPATCH_PATH", "hooks/zookeeper-relation-joined"),
//!     ("JUJU_UNIT_NAME", "kafka-k8s/0"),
//!     ("JUJU_MODEL_NAME", "dev"),
//!     ("JUJU_MODEL_UUID", "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"),
//!     ("JUJU_RELATION", "zookeeper"),
//!     ("JUJU_RELATION_ID", "zookeeper:4"),
//!     ("JUJU_REMOTE_APP", "zookeeper-k8s"),
//!     ("JUJU_REMOTE_UNIT", "zookeeper-k8s/1"),
//! ])?;
//! match Event::from_env(&env)? {
//!     Event::Relation { hook: RelationHook::Joined, relation, remote_unit, .. } => {
//!         assert_eq!(relation.endpoint, "zookeeper");
//!         assert_eq!(remote_unit.map(|u| u.to_string()).as_deref(), Some("zookeeper-k8s/1"));
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), juju_model::Error>(())
//! ```

pub mod databag;
pub mod env;
pub mod event;
pub mod meta;
pub mod names;
pub mod pebble;
pub mod status;
pub mod tools;

pub use databag::{Codec, Databag, JsonValues, PlainStrings};
pub use env::JujuEnv;
pub use event::{Event, PebbleHook, RelationHook, RelationRef, SecretHook};
pub use meta::{CharmMeta, EndpointRole};
pub use names::{AppName, RelationId, SecretUri, UnitName};
pub use status::{Status, StatusKind};

/// Everything that can go wrong in this crate: a value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A value does not have the shape Juju gives it.
    #[error("invalid {what} {value:?}: {expected}")]
    Invalid {
        /// What was being parsed.
        what: &'static str,
        /// The text.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A variable Juju always exports is missing.
    #[error("environment variable {0} is missing or empty; is this running under Juju?")]
    MissingVariable(String),
    /// charmcraft.yaml / metadata.yaml does not parse.
    #[error("charm metadata: {0}")]
    Meta(String),
    /// A databag does not decode into the requested type.
    #[error("databag: {0}")]
    Codec(String),
}

impl Error {
    pub(crate) fn invalid(what: &'static str, value: &str, expected: &'static str) -> Self {
        Error::Invalid {
            what,
            value: value.to_owned(),
            expected,
        }
    }
}
