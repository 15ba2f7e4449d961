//! The other side of the data-platform interfaces, for `charm-testing` states (feature
//! `testing`).
//!
//! A charm's state-transition test needs a provider that has already answered (with its
//! credentials in secrets granted over the relation) or a requirer that has already asked.
//! These builders produce what the Python libraries write — through this crate's own
//! encoders, so the bytes are the ones the contract tests pin — with the remote
//! application named after the Canonical charm that usually sits there.
//!
//! ```
//! use charm_interfaces::dataplatform::testing;
//!
//! // data-integrator asking a Kafka charm for a topic.
//! let client = testing::kafka_client_requirer("kafka-client", "events", "producer,consumer");
//! assert_eq!(client.remote_app_data["topic"], "events");
//!
//! // zookeeper-k8s having granted a chroot to a Kafka charm.
//! let (zk, secrets) = testing::zookeeper_provider_with_credentials(
//!     "zookeeper", "/kafka", "relation-1", "zk-pass", "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181",
//! );
//! assert_eq!(zk.remote_app_data["database"], "/kafka");
//! assert_eq!(secrets[0].tracked_content["password"], "zk-pass");
//! ```

use charm_testing::{Relation, Secret};
use juju_model::Databag;

use super::common::{Credentials, FlagSpelling, Tls};
use super::database::{DatabaseRequest, DatabaseResponse, PostgresqlClient, ZooKeeper};
use super::interface::Interface;
use super::kafka::{KafkaClient, KafkaResponse, TopicRequest};
use super::plan::{plan_write, WritePlan};
use super::protocol::{data_mirror, encode_list, SecretGroup, DATA, PROVIDED_SECRETS, REQUESTED_SECRETS};
use super::request::{decode_requirer_bag, RemoteRequest};
use super::v1;
use crate::error::{Error, RelationLabel};
use crate::pyjson::{self, PyValue};

/// The requirer's application bag as the v0 library writes it for `request`: the
/// secret-field lists, then the request's non-empty fields.
pub fn requirer_app_bag<I: Interface>(request: &I::Request, relation_id: u32) -> Result<Databag, Error> {
    let label = RelationLabel::from_parts(I::SPEC.interface, relation_id, None);
    let mut bag = Databag::new();
    for (key, list) in [
        (REQUESTED_SECRETS, I::requested_secrets(request)),
        (PROVIDED_SECRETS, I::provided_secrets(request)),
    ] {
        if !list.is_empty() {
            bag.insert(key.to_owned(), encode_list(&list));
        }
    }
    bag.extend(
        I::encode_request(request, &label)?
            .into_iter()
            .filter(|(_, v)| !v.is_empty()),
    );
    Ok(bag)
}

/// The requirer's application bag as the v1 library writes it: `version` and the
/// `requests` list holding `request` with `salt`.
pub fn requirer_app_bag_v1<I: Interface>(request: &I::Request, relation_id: u32, salt: &str) -> Result<Databag, Error> {
    let label = RelationLabel::from_parts(I::SPEC.interface, relation_id, None);
    let fields = I::encode_request(request, &label)?;
    let (_, item) = v1::request_item(&I::SPEC, &fields, salt, None);
    Ok([
        (v1::VERSION.to_owned(), "v1".to_owned()),
        (v1::REQUESTS.to_owned(), pyjson::dumps(&[item]).unwrap_or_default()),
    ]
    .into())
}

/// A relation on the charm's `provides` endpoint to `remote_app`, which has asked for
/// `request` with the v0 library (application bag from [`requirer_app_bag`], the lists
/// also in its unit bag, as the library writes them).
pub fn requirer<I: Interface>(endpoint: &str, remote_app: &str, request: &I::Request) -> Result<Relation, Error> {
    let relation = Relation::new(endpoint)
        .interface(I::SPEC.interface)
        .remote_app(remote_app);
    let app = requirer_app_bag::<I>(request, relation.id.0)?;
    let lists: Vec<(String, String)> = app
        .iter()
        .filter(|(k, _)| *k == REQUESTED_SECRETS || *k == PROVIDED_SECRETS)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(relation.remote_unit_data(0, lists).remote_app_data(app))
}

/// A relation on the charm's `provides` endpoint to `remote_app`, which has asked for
/// `request` with the v1 library (`version: v1`, one request with `salt`).
pub fn requirer_v1<I: Interface>(
    endpoint: &str,
    remote_app: &str,
    request: &I::Request,
    salt: &str,
) -> Result<Relation, Error> {
    let relation = Relation::new(endpoint)
        .interface(I::SPEC.interface)
        .remote_app(remote_app);
    let app = requirer_app_bag_v1::<I>(request, relation.id.0, salt)?;
    Ok(relation.remote_app_data(app))
}

/// What data-integrator writes on `kafka_client` for `topic` with `extra-user-roles` =
/// `roles` (comma list of `producer`, `consumer`, `admin`), on the charm's `endpoint`.
///
/// # Panics
/// When the topic is not acceptable (empty, `*` in its first three characters).
pub fn kafka_client_requirer(endpoint: &str, topic: &str, roles: &str) -> Relation {
    let request = TopicRequest::new(topic).roles(roles);
    built(requirer::<KafkaClient>(endpoint, "data-integrator", &request))
}

/// What a Kafka charm (kafka-k8s, ZooKeeper mode) writes on `zookeeper`: the `chroot` it
/// wants and the ACL (`cdrwa`) as `extra-user-roles`.
pub fn zookeeper_requirer(endpoint: &str, chroot: &str, acl: &str) -> Relation {
    let request = DatabaseRequest::chroot(chroot).roles(acl);
    built(requirer::<ZooKeeper>(endpoint, "kafka-k8s", &request))
}

/// What a client (data-integrator) writes on `postgresql_client` for `database`.
pub fn postgresql_client_requirer(endpoint: &str, database: &str) -> Relation {
    let request = DatabaseRequest::new(database);
    built(requirer::<PostgresqlClient>(endpoint, "data-integrator", &request))
}

/// The provider's answer in the v0 layout: `(relation, secrets)` where the relation's
/// remote application `remote_app` has answered `request` with `response`. Every field the
/// requirer lists in `requested-secrets` sits in a per-group secret owned by the provider
/// and granted over the relation, its URI under `secret-<group>`; the rest is plaintext,
/// with the provider's `data` mirror of the request. Add the secrets to the state with
/// the relation.
pub fn provider<I: Interface>(
    endpoint: &str,
    remote_app: &str,
    request: &I::Request,
    response: &I::Response,
) -> Result<(Relation, Vec<Secret>), Error> {
    let relation = Relation::new(endpoint)
        .interface(I::SPEC.interface)
        .remote_app(remote_app);
    let asked = requirer_app_bag::<I>(request, relation.id.0)?;
    let raw = remote_request::<I>(&asked, relation.id.0)?;
    let fields = I::encode_response(response, &raw);
    let plan = plan_write(&raw.requested_secrets, &Databag::new(), &fields);
    let (uris, secrets) = granted(&relation, &plan);
    let mut bag: Databag = uris.into_iter().map(|(group, uri)| (group.key(), uri)).collect();
    bag.extend(plan.plain.into_iter().filter(|(_, v)| !v.is_empty()));
    if I::SPEC.provider_mirror {
        bag.insert(DATA.to_owned(), data_mirror(&asked));
    }
    Ok((relation.remote_app_data(bag), secrets))
}

/// The provider's answer in the v1 layout (a v1 provider answering a v1 requirer that
/// asked for `request` with `salt`): `version`, `requests` with the one response,
/// `data`, and the per-request secrets granted over the relation.
pub fn provider_v1<I: Interface>(
    endpoint: &str,
    remote_app: &str,
    request: &I::Request,
    response: &I::Response,
    salt: &str,
) -> Result<(Relation, Vec<Secret>), Error> {
    let relation = Relation::new(endpoint)
        .interface(I::SPEC.interface)
        .remote_app(remote_app);
    let asked = requirer_app_bag_v1::<I>(request, relation.id.0, salt)?;
    let raw = remote_request::<I>(&asked, relation.id.0)?;
    let request_id = raw.request_id.clone().unwrap_or_default();
    let (fields, secret_fields) = v1::provider_fields(&I::encode_response(response, &raw), &I::SPEC);
    let plan = plan_write(&secret_fields, &Databag::new(), &fields);
    let (uris, secrets) = granted(&relation, &plan);
    let item = v1::response_item(&raw, &plan.plain, &uris);
    let dump = raw.raw.as_ref().map_or_else(PyValue::dict, v1::request_dump);
    let bag: Databag = [
        (v1::VERSION.to_owned(), "v1".to_owned()),
        (v1::REQUESTS.to_owned(), v1::merge_requests(&Databag::new(), item)),
        (DATA.to_owned(), v1::store_data(None, None, &request_id, dump)),
    ]
    .into();
    Ok((relation.remote_app_data(bag), secrets))
}

/// kafka-k8s having answered `topic` on the charm's `kafka_client` endpoint: bootstrap
/// servers `endpoints`, the SCRAM user in `secret-user`, `tls` = `disabled` in
/// `secret-tls`, `consumer-group-prefix` = `<username>-` in plaintext (v0 layout).
pub fn kafka_provider_with_credentials(
    endpoint: &str,
    topic: &str,
    username: &str,
    password: &str,
    endpoints: &str,
) -> (Relation, Vec<Secret>) {
    let request = TopicRequest::new(topic);
    let response = KafkaResponse {
        endpoints: endpoints.to_owned(),
        credentials: Credentials::new(username, password),
        consumer_group_prefix: Some(format!("{username}-")),
        zookeeper_uris: None,
        tls: Some(Tls::disabled()),
        tls_spelling: FlagSpelling::EnabledDisabled,
        entity: None,
    };
    built(provider::<KafkaClient>(endpoint, "kafka-k8s", &request, &response))
}

/// zookeeper-k8s having granted `chroot` on the charm's `zookeeper` endpoint, as its
/// `update_client_data` publishes it: `database` and the deprecated `chroot` = the chroot,
/// `endpoints` = `servers` (`host:2181,…`), `secret-user` with `username`, `password` and
/// `uris` (= servers + chroot), `secret-tls` with `tls` = `disabled`.
pub fn zookeeper_provider_with_credentials(
    endpoint: &str,
    chroot: &str,
    username: &str,
    password: &str,
    servers: &str,
) -> (Relation, Vec<Secret>) {
    let request = DatabaseRequest::chroot(chroot);
    let chroot = request.database.clone();
    let response = DatabaseResponse {
        database: Some(chroot.clone()),
        chroot: Some(chroot.clone()),
        endpoints: servers.to_owned(),
        credentials: Some(Credentials::new(username, password)),
        uris: Some(format!("{servers}{chroot}").into()),
        tls: Some(Tls::disabled()),
        tls_spelling: FlagSpelling::EnabledDisabled,
        ..DatabaseResponse::default()
    };
    built(provider::<ZooKeeper>(endpoint, "zookeeper-k8s", &request, &response))
}

/// postgresql-k8s having created `database` on the charm's `postgresql_client` endpoint:
/// `endpoints` = `<host>:5432`, `read-only-endpoints` on the replicas service, `version`
/// 16, `secret-user` with `username`, `password` and the `uris` connection string,
/// `secret-tls` with `tls` = `false`.
pub fn postgresql_provider_with_credentials(
    endpoint: &str,
    database: &str,
    username: &str,
    password: &str,
    host: &str,
) -> (Relation, Vec<Secret>) {
    let request = DatabaseRequest::new(database);
    let response = DatabaseResponse {
        database: Some(database.to_owned()),
        endpoints: format!("{host}:5432"),
        read_only_endpoints: Some(format!("{host}-replicas:5432")),
        version: Some("16.6".to_owned()),
        credentials: Some(Credentials::new(username, password)),
        uris: Some(format!("postgresql://{username}:{password}@{host}:5432/{database}").into()),
        tls: Some(Tls::disabled()),
        ..DatabaseResponse::default()
    };
    built(provider::<PostgresqlClient>(
        endpoint,
        "postgresql-k8s",
        &request,
        &response,
    ))
}

/// A builder's result; a request the library itself would refuse (an empty name, `*` in
/// a topic prefix) is a mistake in the test, reported at once.
pub(crate) fn built<T>(result: Result<T, Error>) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("the test's request is invalid: {e}"),
    }
}

/// The request the provider decodes from `asked` (the requirer's bag).
fn remote_request<I: Interface>(asked: &Databag, relation_id: u32) -> Result<RemoteRequest, Error> {
    let label = RelationLabel::from_parts(I::SPEC.interface, relation_id, None);
    decode_requirer_bag(asked, &I::SPEC, &label)?
        .requests
        .into_iter()
        .next()
        .ok_or_else(|| Error::invalid(&label, "the request has no resource"))
}

/// The secrets of `plan` as the provider made them: one per group with its non-empty
/// fields, owned by `relation`'s remote application and granted over the relation; with
/// each group's URI.
pub(crate) fn granted(relation: &Relation, plan: &WritePlan) -> (Vec<(SecretGroup, String)>, Vec<Secret>) {
    let mut uris = Vec::new();
    let mut secrets = Vec::new();
    for (group, updates) in &plan.secrets {
        let content: Vec<(String, String)> = updates.iter().filter(|(_, v)| !v.is_empty()).cloned().collect();
        if !content.is_empty() {
            let secret = Secret::new(content).granted_by(relation);
            uris.push((*group, secret.uri()));
            secrets.push(secret);
        }
    }
    (uris, secrets)
}
