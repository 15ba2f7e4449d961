//! `kafka_client`: a client asks for a topic, Kafka answers with bootstrap servers and a
//! SCRAM user.
//!
//! Fields from data-platform-libs `KafkaRequirerData`/`KafkaProviderData` (v0, LIBPATCH 59)
//! and kafka-operator `common/single_kernel_kafka/events/provider.py` (which answers v0
//! requirers through the v1 library's compatibility model: `tls` spelled
//! `enabled`/`disabled`).

use super::common::{Credentials, EntityCredentials, EntityRequest, FlagSpelling, Tls};
use super::interface::{default_requested_plus, required, Interface, Provider, Requirer};
use super::provider::Spec;
use super::request::RemoteRequest;
use super::requirer::Answer;
use crate::error::{Error, RelationLabel};
use crate::sensitive::Sensitive;

/// The kafka_client spec.
pub const KAFKA_CLIENT: Spec = Spec {
    interface: "kafka_client",
    resource_field: "topic",
    ready_keys: &["topic"],
    v1_extra_secrets: &["consumer-group-prefix", "zookeeper-uris"],
    v1_request_fields: &["consumer-group-prefix"],
    provider_mirror: true,
    requirer_mirror: true,
};

/// The kafka_client interface.
#[derive(Debug, Clone, Copy)]
pub enum KafkaClient {}

/// What a Kafka client asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicRequest {
    /// `topic` (must not have `*` in its first three characters).
    pub topic: String,
    /// `extra-user-roles`: comma list of `admin`, `consumer`, `producer`.
    pub extra_user_roles: Option<String>,
    /// `consumer-group-prefix`.
    pub consumer_group_prefix: Option<String>,
    /// `entity-*` fields.
    pub entity: EntityRequest,
    /// `mtls-cert`: the client certificate for mTLS, shared through this application's
    /// `secret-mtls` (the library's `provided-secrets`).
    pub mtls_cert: Option<String>,
}

impl TopicRequest {
    /// A request for `topic`.
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            topic: topic.into(),
            ..Self::default()
        }
    }

    /// Sets `extra-user-roles`.
    pub fn roles(mut self, roles: impl Into<String>) -> Self {
        self.extra_user_roles = Some(roles.into());
        self
    }

    /// Sets `consumer-group-prefix`.
    pub fn consumer_group_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.consumer_group_prefix = Some(prefix.into());
        self
    }

    /// `KafkaRequirerData.is_topic_value_acceptable`.
    pub fn topic_is_acceptable(topic: &str) -> bool {
        !topic.chars().take(3).any(|c| c == '*')
    }
}

/// What Kafka answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaResponse {
    /// `endpoints`: bootstrap servers, `host:port,…`.
    pub endpoints: String,
    /// `username`/`password`.
    pub credentials: Credentials,
    /// `consumer-group-prefix`.
    pub consumer_group_prefix: Option<String>,
    /// `zookeeper-uris` (ZooKeeper-mode clusters).
    pub zookeeper_uris: Option<String>,
    /// `tls`/`tls-ca`.
    pub tls: Option<Tls>,
    /// How to spell `tls` (the Kafka charm writes `enabled`/`disabled`).
    pub tls_spelling: FlagSpelling,
    /// `entity-name`/`entity-password`, for entity requests.
    pub entity: Option<EntityCredentials>,
}

/// What a client gets once Kafka has answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaConnection {
    /// `topic` as echoed by the provider.
    pub topic: Option<String>,
    /// `endpoints`: bootstrap servers.
    pub endpoints: String,
    /// The SCRAM user.
    pub credentials: Credentials,
    /// `consumer-group-prefix`.
    pub consumer_group_prefix: Option<String>,
    /// `zookeeper-uris`.
    pub zookeeper_uris: Option<String>,
    /// `tls`/`tls-ca`.
    pub tls: Option<Tls>,
    /// Entity credentials, for entity requests.
    pub entity: Option<EntityCredentials>,
}

impl Interface for KafkaClient {
    const SPEC: Spec = KAFKA_CLIENT;
    type Request = TopicRequest;
    type Response = KafkaResponse;
    type Connection = KafkaConnection;

    fn encode_request(request: &TopicRequest, relation: &RelationLabel) -> Result<Vec<(String, String)>, Error> {
        if request.topic.is_empty() || !TopicRequest::topic_is_acceptable(&request.topic) {
            return Err(Error::invalid(
                relation,
                format!(
                    "topic {:?} is not acceptable ('*' in its first 3 characters)",
                    request.topic
                ),
            ));
        }
        let mut fields = vec![
            ("topic".to_owned(), request.topic.clone()),
            ("mtls-cert".to_owned(), request.mtls_cert.clone().unwrap_or_default()),
            (
                "consumer-group-prefix".to_owned(),
                request.consumer_group_prefix.clone().unwrap_or_default(),
            ),
            (
                "extra-user-roles".to_owned(),
                request.extra_user_roles.clone().unwrap_or_default(),
            ),
        ];
        fields.extend(request.entity.fields());
        Ok(fields)
    }

    fn decode_request(raw: &RemoteRequest, relation: &RelationLabel) -> Result<TopicRequest, Error> {
        let get = |k: &str| raw.field(k).map(str::to_owned);
        Ok(TopicRequest {
            topic: raw.resource.clone(),
            extra_user_roles: get("extra-user-roles"),
            consumer_group_prefix: get("consumer-group-prefix"),
            entity: EntityRequest::read(get, relation)?,
            mtls_cert: raw.field("mtls-cert").map(str::to_owned),
        })
    }

    fn requested_secrets(_request: &TopicRequest) -> Vec<String> {
        default_requested_plus(&[])
    }

    fn provided_secrets(_request: &TopicRequest) -> Vec<String> {
        super::protocol::DEFAULT_PROVIDED_SECRETS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    fn encode_response(response: &KafkaResponse, raw: &RemoteRequest) -> Vec<(String, String)> {
        let mut fields = vec![
            ("topic".to_owned(), raw.resource.clone()),
            ("endpoints".to_owned(), response.endpoints.clone()),
            (
                "consumer-group-prefix".to_owned(),
                response.consumer_group_prefix.clone().unwrap_or_default(),
            ),
            (
                "zookeeper-uris".to_owned(),
                response.zookeeper_uris.clone().unwrap_or_default(),
            ),
            ("username".to_owned(), response.credentials.username.clone()),
            ("password".to_owned(), response.credentials.password.expose().to_owned()),
        ];
        fields.extend(Tls::fields(response.tls.as_ref(), response.tls_spelling));
        fields.extend(EntityCredentials::fields(response.entity.as_ref()));
        fields
    }

    fn decode_answer(answer: &Answer) -> Result<KafkaConnection, Error> {
        let get = |k: &str| answer.get(k).map(str::to_owned);
        let username = required(answer, "username")?;
        let password = required(answer, "password")?;
        let endpoints = required(answer, "endpoints")?;
        Ok(KafkaConnection {
            topic: get("topic"),
            endpoints,
            credentials: Credentials {
                username,
                password: Sensitive::new(password),
            },
            consumer_group_prefix: get("consumer-group-prefix"),
            zookeeper_uris: get("zookeeper-uris"),
            tls: Tls::read(get, &answer.label)?,
            entity: EntityCredentials::read(|k| answer.get(k).map(str::to_owned)),
        })
    }
}

/// A Kafka (provider) charm's side of `kafka_client`.
pub type KafkaProvider = Provider<KafkaClient>;
/// A client charm's side of `kafka_client`.
pub type KafkaRequirer = Requirer<KafkaClient>;

impl KafkaProvider {
    /// The client's mTLS certificate, from its `secret-mtls` (or a plaintext
    /// `mtls-cert` from requirers without secrets).
    pub fn mtls_cert<C: charm_sdk::Charm>(
        &self,
        ctx: &mut charm_sdk::Context<'_, C>,
        relation: &super::interface::RelationRequests<TopicRequest>,
        request: &super::interface::Request<TopicRequest>,
    ) -> Result<Option<String>, Error> {
        self.core()
            .requirer_secret_field(ctx, &relation.incoming, &request.raw, "mtls-cert")
    }
}
