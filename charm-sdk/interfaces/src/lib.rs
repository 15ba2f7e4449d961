//! Relation interfaces for Rust charms that meet Canonical's Python charms on the wire:
//! the same databag keys, the same JSON bytes, the same Juju secrets with the same labels
//! as the Python charm libraries write, so a Rust charm can sit on either side of an
//! integration with kafka-k8s, self-signed-certificates, traefik-k8s, the COS charms…
//!
//! # How every interface is used
//!
//! - **Build once, reconcile on every hook.** Each side is a small value built from the
//!   endpoint name and what the charm wants ([`dataplatform::kafka::KafkaRequirer`],
//!   [`tls::TlsRequirer`], [`ingress::IngressRequirer`]…). Its `reconcile` (or
//!   `request`/`publish`) is called from the charm's `reconcile` on every hook: it writes
//!   only what changed, so calling it again with nothing new is free, and it returns what
//!   the other side has published so far.
//! - **Errors are statuses.** [`error::Error`] says which relation (`endpoint:id
//!   (remote-app)`) and which key, never a value: `?` in reconcile turns "the other side has
//!   not answered yet" into Waiting and "it answered something unusable" into Blocked
//!   ([`error::Error::into_stop`]).
//! - **Credentials stay secret.** Passwords and keys arrive as [`sensitive::Sensitive`]
//!   (`Debug` prints `<redacted>`); where the Python library uses Juju secrets, so do
//!   these types, with the library's labels.
//! - **Tests meet the real bytes.** With the `testing` feature, every interface module has
//!   a `testing` submodule that builds the *other* side as the Canonical charm writes it —
//!   a `charm_testing::Relation`, plus the granted `charm_testing::Secret`s where there are
//!   credentials — for in-process state-transition tests.
//!
//! # Both sides of `kafka_client`, in process
//!
//! A broker answering what data-integrator asks, and a client reading what kafka-k8s
//! publishes, each through `charm_testing::Context::run` (Juju's rules, the hook as a
//! transaction):
//!
//! ```
//! use charm_interfaces::dataplatform::kafka::{KafkaProvider, KafkaRequirer, KafkaResponse, TopicRequest};
//! use charm_interfaces::dataplatform::{testing, Credentials, FlagSpelling, Tls};
//! use charm_sdk::prelude::*;
//! use charm_testing::{RunError, State, TestContext, TestEvent};
//!
//! /// A Kafka client: asks for a topic, shows where it connects.
//! struct Client;
//!
//! impl Charm for Client {
//!     const CHARMCRAFT: &'static str = "name: client\nrequires: {kafka: {interface: kafka_client, limit: 1}}";
//!     type Config = serde_json::Value;
//!     type Action = NoActions;
//!     fn new() -> Self { Client }
//!
//!     fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
//!         let kafka = KafkaRequirer::new("kafka", TopicRequest::new("events").roles("producer"));
//!         let conn = kafka.reconcile(ctx)?.or_blocked("needs a kafka relation")?;
//!         ctx.add_status(Status::active(format!("{} as {}", conn.endpoints, conn.credentials.username)));
//!         Ok(())
//!     }
//! }
//!
//! /// A broker: one SCRAM user per relation.
//! struct Broker;
//!
//! impl Charm for Broker {
//!     const CHARMCRAFT: &'static str = "name: kafka\nprovides: {kafka-client: {interface: kafka_client}}";
//!     type Config = serde_json::Value;
//!     type Action = NoActions;
//!     fn new() -> Self { Broker }
//!
//!     fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
//!         let Some(leader) = ctx.leader()? else { return Ok(()) };
//!         KafkaProvider::new("kafka-client").answer_all(ctx, &leader, |relation, request| {
//!             // Create the user and its ACLs for request.typed.topic here.
//!             let user = format!("relation-{}", relation.incoming.relation.id);
//!             Some(KafkaResponse {
//!                 endpoints: "kafka-0.kafka-endpoints:9092".into(),
//!                 credentials: Credentials::new(user, "generated-password"),
//!                 consumer_group_prefix: None,
//!                 zookeeper_uris: None,
//!                 tls: Some(Tls::disabled()),
//!                 tls_spelling: FlagSpelling::EnabledDisabled,
//!                 entity: None,
//!             })
//!         })?;
//!         Ok(())
//!     }
//! }
//!
//! // The broker answers data-integrator: credentials in a secret granted to the client.
//! let asked = testing::kafka_client_requirer("kafka-client", "events", "producer");
//! let state = State::default().leader(true).relation(asked.clone());
//! let out = TestContext::<Broker>::new().run(TestEvent::relation_changed(&asked), state)?;
//! let answer = &out.state.get_relation(&asked).expect("still related").local_app_data;
//! assert!(answer["secret-user"].starts_with("secret:"));
//! assert!(!answer.contains_key("password"));
//!
//! // The client reads kafka-k8s's answer, the password from the granted secret.
//! let (kafka, secrets) =
//!     testing::kafka_provider_with_credentials("kafka", "events", "relation-7", "pw", "kafka-k8s-0:9092");
//! let mut state = State::default().leader(true).relation(kafka.clone());
//! state.secrets = secrets;
//! let out = TestContext::<Client>::new().run(TestEvent::relation_changed(&kafka), state)?;
//! assert_eq!(out.unit_status(), &Status::active("kafka-k8s-0:9092 as relation-7"));
//! # Ok::<(), RunError>(())
//! ```
//!
//! # Modules, interfaces and the charms on the other side
//!
//! | module | interface (charmcraft.yaml) | sides here | Canonical charms on the other side |
//! |---|---|---|---|
//! | [`tls`] | `tls-certificates` (v1, library "V4") | requirer, provider | self-signed-certificates, lego, manual-tls-certificates, vault-k8s (providers); any charm on the V4/charmlibs requirer |
//! | [`certificate_transfer`] | `certificate_transfer` (v1, v0 fallback) | requirer, provider | self-signed-certificates (`send-ca-cert`), kafka-k8s (trusted client CAs) |
//! | [`dataplatform::kafka`] | `kafka_client` | requirer, provider | kafka-k8s / kafka (providers); data-integrator, kafka-connect, karapace (requirers) |
//! | [`dataplatform::database`] | `zookeeper` | requirer, provider | zookeeper-k8s (provider); kafka-k8s 3.x in ZooKeeper mode (requirer) |
//! | [`dataplatform::database`] | `postgresql_client` | requirer, provider | postgresql-k8s, pgbouncer-k8s (providers); data-integrator and application charms (requirers) |
//! | [`s3`] | `s3` (library v0 and v1) | requirer, provider | s3-integrator (provider); spark-history-server-k8s, postgresql-k8s backups (requirers) |
//! | [`azure_storage`] | `azure_storage` | requirer, provider | azure-storage-integrator (provider); spark-history-server-k8s (requirer) |
//! | [`spark_service_account`] | `spark_service_account` | requirer, provider | spark-integration-hub-k8s (provider); kyuubi-k8s (requirer) |
//! | [`cos::prometheus_scrape`] | `prometheus_scrape` (`metrics-endpoint`) | provider | prometheus-k8s, grafana-agent-k8s, opentelemetry-collector-k8s |
//! | [`cos::grafana_dashboard`] | `grafana_dashboard` | provider | grafana-k8s |
//! | [`cos::loki`] | `loki_push_api` (`logging`) | consumer (requirer) | loki-k8s |
//! | [`ingress`] | `ingress` (v2) | requirer (and `publish_url` for a provider) | traefik-k8s |
//! | [`auth_proxy`] | `auth_proxy` | requirer | oathkeeper |
//! | [`oauth`] | `oauth` | requirer (and `publish_client` for a provider) | hydra |
//! | [`upgrade`] | `upgrade` (peer; data-platform-libs `DataUpgrade`) | both (peers) | zookeeper-k8s, kafka-k8s 3.x |
//!
//! The data-platform family (`kafka_client`, `zookeeper`, `postgresql_client`, s3 v1,
//! `azure_storage`, `spark_service_account`) shares one engine ([`dataplatform`]):
//! `data_interfaces` v0 on the wire by default, v1 where a requirer asks for it
//! ([`dataplatform::RequirerProtocol`]) and for every v1 requirer on the provider side.
//! Shared pieces: [`error`] (the error type and its statuses), [`pyjson`] (Python's
//! `json.dumps`, byte for byte), [`sensitive`] (redacted credentials).

pub mod auth_proxy;
pub mod azure_storage;
pub mod certificate_transfer;
pub mod cos;
pub mod dataplatform;
pub mod error;
pub mod ingress;
pub mod oauth;
pub mod pyjson;
pub mod s3;
pub mod sensitive;
pub mod spark_service_account;
pub mod tls;
pub mod upgrade;
