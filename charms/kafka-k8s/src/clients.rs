//! `kafka-client` relations: one SCRAM user per relation (`relation-<id>`), its ACLs, and the
//! answer published to the client.
//!
//! The leader, for every relation that named a topic: makes sure the user has a password (in
//! the clients' secret), writes its SCRAM credential and its ACLs into the metadata store,
//! records it in the peer bag (so every broker lists admin clients in `super.users`), and only
//! then publishes endpoints, credentials, TLS flag and CA and the ZooKeeper URIs through the
//! kafka_client secrets — a client never receives a credential the brokers do not know.
//! A relation that went away loses its ACLs, its credential, its password and its published
//! secrets; if the store cannot be reached that waits for the next hook instead of failing
//! the hook (canonical/kafka-operator#104).
//!
//! Opening a store session costs a round trip (a JVM start in KRaft mode), so the leader
//! remembers in its own unit state which credentials it wrote; a run where nothing changed
//! does not touch the store.

use std::collections::{BTreeMap, BTreeSet};

use charm_interfaces::dataplatform::common::{Credentials, FlagSpelling, Tls};
use charm_interfaces::dataplatform::kafka::{KafkaProvider, KafkaResponse, TopicRequest};
use charm_interfaces::dataplatform::protocol::SecretGroup;
use charm_interfaces::dataplatform::RelationRequests;
use charm_sdk::prelude::*;

use crate::acl::{client_acls, consumer_group_prefix, AclBinding, ClientRequest};
use crate::credentials::{fingerprint, ClientPasswords};
use crate::literals::*;
use crate::peers::{encode_clients, ClientRecord};
use crate::store::MetadataStore;
use crate::workload::Secret;

/// The `kafka-client` relations and what they asked for.
#[derive(Debug)]
pub struct ClientView {
    /// Every live relation with its decoded requests.
    pub relations: Vec<RelationRequests<TopicRequest>>,
}

impl ClientView {
    /// Whether any client is related (the SCRAM client listener exists then).
    pub fn any(&self) -> bool {
        !self.relations.is_empty()
    }

    /// The live relation ids.
    pub fn ids(&self) -> BTreeSet<u32> {
        self.relations.iter().map(|r| r.incoming.relation.id.0).collect()
    }
}

/// Reads the relations (any unit may).
pub fn read<C: Charm>(ctx: &mut Context<'_, C>) -> Result<ClientView, Stop> {
    let relations = KafkaProvider::new(KAFKA_CLIENT).requests(ctx).map_err(Stop::from)?;
    Ok(ClientView { relations })
}

/// What clients are told, besides their credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// Bootstrap servers, `host:port,…`.
    pub endpoints: String,
    /// TLS flag and the CA to trust.
    pub tls: Tls,
    /// The ZooKeeper connect string (ZooKeeper mode).
    pub zookeeper_uris: Option<String>,
}

/// The user name of relation `id`.
pub fn username(id: u32) -> String {
    format!("{CLIENT_USER_PREFIX}{id}")
}

/// A relation's request as the ACL model wants it, with the record the leader keeps.
fn desired(id: u32, request: &TopicRequest) -> (ClientRequest, ClientRecord) {
    let acl_request = ClientRequest {
        username: username(id),
        topic: request.topic.clone(),
        extra_user_roles: request.extra_user_roles.clone().unwrap_or_default(),
        consumer_group_prefix: request.consumer_group_prefix.clone(),
    };
    let record = ClientRecord {
        topic: acl_request.topic.clone(),
        roles: acl_request.extra_user_roles.clone(),
        group_prefix: consumer_group_prefix(&acl_request),
    };
    (acl_request, record)
}

/// The bindings a record stands for (what the leader wrote for it).
pub fn record_bindings(id: u32, record: &ClientRecord) -> BTreeSet<AclBinding> {
    client_acls(&ClientRequest {
        username: username(id),
        topic: record.topic.clone(),
        extra_user_roles: record.roles.clone(),
        consumer_group_prefix: Some(record.group_prefix.clone()).filter(|p| !p.is_empty()),
    })
    .bindings
}

/// The leader's memory of what it wrote to the store (unit state; never relation data).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredCredentials(pub BTreeMap<String, String>);

impl StoredCredentials {
    /// Loads it from unit state.
    pub fn load<C: Charm>(ctx: &mut Context<'_, C>) -> Result<StoredCredentials, Error> {
        Ok(ctx.unit_state(STATE_STORED_CREDENTIALS)?.unwrap_or_default())
    }

    /// Saves it (no call when unchanged).
    pub fn save<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        ctx.set_unit_state(STATE_STORED_CREDENTIALS, self)
    }

    /// Whether `user`'s credential was written with `password`.
    pub fn has(&self, user: &str, password: &str) -> bool {
        self.0.get(user) == Some(&fingerprint(user, password))
    }

    /// Records `user`'s credential.
    pub fn record(&mut self, user: &str, password: &str) {
        self.0.insert(user.to_owned(), fingerprint(user, password));
    }

    /// Forgets `user`.
    pub fn forget(&mut self, user: &str) {
        self.0.remove(user);
    }
}

/// A lazily opened store: connecting only when some write is needed.
pub struct LazyStore<'a> {
    open: Box<dyn FnMut() -> Result<Box<dyn MetadataStore + 'a>, crate::error::Error> + 'a>,
    store: Option<Box<dyn MetadataStore + 'a>>,
    failure: Option<crate::error::Error>,
}

impl std::fmt::Debug for LazyStore<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyStore")
            .field("open", &self.store.is_some())
            .field("failure", &self.failure)
            .finish()
    }
}

impl<'a> LazyStore<'a> {
    /// A store opened by `open` on first use.
    pub fn new(open: impl FnMut() -> Result<Box<dyn MetadataStore + 'a>, crate::error::Error> + 'a) -> Self {
        Self {
            open: Box::new(open),
            store: None,
            failure: None,
        }
    }

    /// A store that cannot be opened, for `why`.
    pub fn unavailable(why: impl Into<String>) -> Self {
        let why = why.into();
        Self::new(move || Err(crate::error::Error::StoreUnavailable(why.clone())))
    }

    /// The open store, or why it cannot be opened (remembered: one attempt per run).
    pub fn get(&mut self) -> Result<&mut (dyn MetadataStore + 'a), crate::error::Error> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        if self.store.is_none() {
            match (self.open)() {
                Ok(store) => self.store = Some(store),
                Err(e) => {
                    self.failure = Some(e.clone());
                    return Err(e);
                }
            }
        }
        match self.store.as_deref_mut() {
            Some(store) => Ok(store),
            None => Err(crate::error::Error::StoreUnavailable(
                "the store is not open".to_owned(),
            )),
        }
    }
}

/// What the leader's client work left undone.
#[derive(Debug, Default)]
pub struct ClientReport {
    /// Relations waiting for their user, by id, with why.
    pub pending: BTreeMap<u32, String>,
    /// Relations whose request cannot be served, by id, with why.
    pub invalid: BTreeMap<u32, String>,
    /// Peer app bag changes (the clients registry).
    pub app_changes: Databag,
}

/// Leader: users, ACLs and answers for every client; clean-up of departed ones.
#[allow(clippy::too_many_arguments)]
pub fn leader_reconcile<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    view: &ClientView,
    registry: &BTreeMap<u32, ClientRecord>,
    passwords: &mut ClientPasswords,
    stored: &mut StoredCredentials,
    store: &mut LazyStore<'_>,
    publication: Option<&Publication>,
) -> Result<ClientReport, Stop> {
    let mut report = ClientReport::default();
    let mut next = registry.clone();
    let live = view.ids();
    let provider = KafkaProvider::new(KAFKA_CLIENT);

    // Departed relations first: their ACLs, credential, password and published secrets.
    let departed: BTreeSet<u32> = registry
        .keys()
        .copied()
        .chain(passwords.ids())
        .filter(|id| !live.contains(id))
        .collect();
    for id in departed {
        let user = username(id);
        let previous = registry.get(&id).map(|r| record_bindings(id, r)).unwrap_or_default();
        let result = store.get().and_then(|s| {
            s.sync_acls(&format!("User:{user}"), &previous, &BTreeSet::new())?;
            s.delete_user(&user)
        });
        match result {
            Ok(_) => {
                next.remove(&id);
                passwords.remove(id);
                stored.forget(&user);
                remove_published_secrets(ctx, id)?;
                ctx.info(&format!(
                    "removed the user and ACLs of departed relation {KAFKA_CLIENT}:{id}"
                ));
            }
            Err(e) => {
                ctx.warn(&format!(
                    "cannot remove the user of departed relation {KAFKA_CLIENT}:{id} yet: {e}"
                ));
                report
                    .pending
                    .insert(id, format!("removing the departed client's user: {e}"));
            }
        }
    }

    for relation in &view.relations {
        let id = relation.incoming.relation.id.0;
        let requests = match relation.try_requests() {
            Ok(r) => r,
            Err(e) => {
                report.invalid.insert(id, e.to_string());
                continue;
            }
        };
        let Some(request) = requests.first() else {
            report
                .pending
                .insert(id, "waiting for the client to name a topic".to_owned());
            continue;
        };
        let topic = &request.typed.topic;
        if topic.is_empty() || !TopicRequest::topic_is_acceptable(topic) {
            report.invalid.insert(id, format!("topic {topic:?} is not acceptable"));
            continue;
        }
        let (acl_request, record) = desired(id, &request.typed);
        let user = acl_request.username.clone();
        let password = passwords.ensure(id)?;
        let previous = registry.get(&id).map(|r| record_bindings(id, r)).unwrap_or_default();
        let wanted = client_acls(&acl_request).bindings;
        let up_to_date = stored.has(&user, &password) && registry.get(&id) == Some(&record);
        if !up_to_date {
            let result = store.get().and_then(|s| {
                s.upsert_user(&user, &Secret::new(password.clone()))?;
                s.sync_acls(&format!("User:{user}"), &previous, &wanted)
            });
            match result {
                Ok(_) => {
                    stored.record(&user, &password);
                    next.insert(id, record.clone());
                }
                Err(e) => {
                    report
                        .pending
                        .insert(id, format!("cannot write the client's user yet: {e}"));
                    continue;
                }
            }
        }
        let Some(publication) = publication else {
            report
                .pending
                .insert(id, "waiting for the brokers' endpoints".to_owned());
            continue;
        };
        // Publishing reads each group's secret back; skip it when neither the answer nor
        // the request changed since the last time.
        let published_key = format!("published:{id}");
        let digest = fingerprint(
            &published_key,
            &format!(
                "{password}\u{0}{publication:?}\u{0}{:?}\u{0}{}",
                relation.incoming.remote, record.group_prefix
            ),
        );
        if stored.0.get(&published_key) == Some(&digest) {
            continue;
        }
        let response = KafkaResponse {
            endpoints: publication.endpoints.clone(),
            credentials: Credentials::new(user, password),
            consumer_group_prefix: Some(record.group_prefix.clone()),
            zookeeper_uris: publication.zookeeper_uris.clone(),
            tls: Some(publication.tls.clone()),
            tls_spelling: FlagSpelling::EnabledDisabled,
            entity: None,
        };
        provider
            .publish(ctx, leader, relation, request, &response)
            .map_err(Stop::from)?;
        stored.0.insert(published_key, digest);
    }
    stored.0.retain(|k, _| {
        k.strip_prefix("published:")
            .and_then(|id| id.parse::<u32>().ok())
            .is_none_or(|id| live.contains(&id))
    });

    passwords.save(ctx, leader)?;
    stored.save(ctx)?;
    if &next != registry {
        report.app_changes.insert(APP_CLIENTS.to_owned(), encode_clients(&next));
    }
    Ok(report)
}

/// Removes the kafka_client secrets published to a relation that is gone.
fn remove_published_secrets<C: Charm>(ctx: &mut Context<'_, C>, id: u32) -> Result<(), Error> {
    for group in [
        SecretGroup::User,
        SecretGroup::Tls,
        SecretGroup::Extra,
        SecretGroup::Entity,
    ] {
        let label = group.label(KAFKA_CLIENT, id);
        if let Ok(info) = ctx.secret_info(&SecretRef::label(label)) {
            if let Some(uri) = info.uri {
                ctx.remove_secret(&uri, None)?;
            }
        }
    }
    Ok(())
}

/// `host:port,…` of every broker, for `port`.
pub fn bootstrap(hosts: &[String], port: u16) -> String {
    hosts
        .iter()
        .map(|h| format!("{h}:{port}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_reproduce_the_bindings_written() {
        let request = TopicRequest::new("orders").roles("producer,consumer");
        let (acl_request, record) = desired(5, &request);
        assert_eq!(record.group_prefix, "relation-5-");
        assert_eq!(record_bindings(5, &record), client_acls(&acl_request).bindings);
        assert_eq!(bootstrap(&["a".into(), "b".into()], 9092), "a:9092,b:9092");
    }
}
