//! The data-platform client interfaces (`data_interfaces` v0 and v1 wire formats, both
//! sides): `kafka_client`, `zookeeper`, `postgresql_client`, and the engine that s3 v1,
//! azure_storage and spark_service_account reuse.
//!
//! Why one engine: every one of these interfaces is the same protocol with a different
//! field list. The requirer lists the fields it wants hidden (`requested-secrets`); the
//! provider puts each of those into one application-owned Juju secret per group
//! (`secret-user`, `secret-tls`, `secret-mtls`, `secret-entity`, `secret-extra`), labelled
//! `<endpoint>.<id>.<group>.secret` and granted to the relation, and writes everything
//! else as plain strings; a requirer that sends no list gets the legacy flat layout. Both
//! sides keep a `data` copy of the other's bag. Getting any of that subtly different from
//! the Python library breaks a real integration, so it is written once ([`plan`],
//! `secrets`, [`provider`], [`requirer`]) and each interface only declares its fields
//! ([`Interface`]).
//!
//! Generations: a requirer writes v0 (the default, what every deployed Python requirer
//! writes), v1, or v1 with the v0 keys alongside ([`RequirerProtocol`]), and reads the
//! answer in whichever layout the provider chose; a provider answers each requirer in its
//! own generation ([`v1`] has the v1 layout and what the Python library does with it).
//! With the `testing` feature, `testing` builds either side as the Canonical charms write
//! it.
//!
//! Sources: canonical/data-platform-libs `lib/charms/data_platform_libs/v0/data_interfaces.py`
//! (LIBPATCH 59) and `v1/data_interfaces.py` (LIBPATCH 3); kafka-operator and
//! zookeeper-k8s-operator for what the real providers write.
//!
//! ```no_run
//! use charm_interfaces::dataplatform::kafka::{KafkaRequirer, TopicRequest};
//! # fn reconcile<C: charm_sdk::Charm>(ctx: &mut charm_sdk::Context<'_, C>) -> Result<(), charm_sdk::Stop> {
//! let kafka = KafkaRequirer::new("kafka", TopicRequest::new("events").roles("producer"));
//! let Some(conn) = kafka.reconcile(ctx)? else {
//!     return Err(charm_sdk::Stop::blocked("needs a kafka relation"));
//! };
//! // conn.endpoints, conn.credentials.username, conn.credentials.password.expose() …
//! # let _ = conn; Ok(()) }
//! ```

pub mod common;
pub mod database;
pub mod interface;
pub mod kafka;
pub mod plan;
pub mod protocol;
pub mod provider;
pub mod request;
pub mod requirer;
pub(crate) mod secrets;
pub mod status;
#[cfg(feature = "testing")]
pub mod testing;
pub mod v1;

pub use common::{Credentials, EntityCredentials, EntityRequest, EntityType, FlagSpelling, Tls};
pub use interface::{Interface, Provider, RelationRequests, Request, Requirer};
pub use protocol::SecretGroup;
pub use requirer::RequirerProtocol;
pub use status::RelationStatus;
