//! The provider side of the family, interface-agnostic: read what each requirer asked for,
//! publish the answer where the library would put it.
//!
//! Reconcile calls [`DataProvider::incoming`] to list the requests, does its workload work
//! (create the user, the topic, the database), then [`DataProvider::publish`] for each
//! answered request. Publishing is idempotent: secrets are found again by label and only
//! rewritten when their content changes, and only changed keys reach `relation-set`.
//! Nothing can be published before the requirer has named its resource, because
//! `publish` needs the decoded [`RemoteRequest`] (the library's
//! `PrematureDataAccessError` rule, enforced by the types).

use charm_sdk::{Charm, Context, Leader, Relation};
use juju_model::Databag;

use super::plan::plan_write;
use super::protocol::{data_mirror, SecretGroup, DATA};
use super::request::{decode_requirer_bag, Protocol, RemoteRequest, RequirerData};
use super::secrets::{publish_owned, read_shared, write_v0};
use super::v1;
use crate::error::{Error, RelationLabel};
use crate::pyjson::PyValue;

/// How one interface of the family uses the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The interface name in charmcraft.yaml (`kafka_client`).
    pub interface: &'static str,
    /// The v0 key naming the requested resource (`topic`, `database`, `bucket`…).
    pub resource_field: &'static str,
    /// The v0 keys whose presence makes a request (usually just the resource field; s3 v1
    /// also accepts `lib-version`). Before that the provider must not answer.
    pub ready_keys: &'static [&'static str],
    /// Fields a v1 response keeps in the `extra` secret besides the mapped ones.
    pub v1_extra_secrets: &'static [&'static str],
    /// Fields the interface's v1 request model declares besides `RequirerCommonModel`'s
    /// (Kafka: `consumer-group-prefix`): always written, null when unset.
    pub v1_request_fields: &'static [&'static str],
    /// Whether the provider leader keeps the `data` mirror of the requirer's bag (the
    /// library's provider event handlers that call `diff`).
    pub provider_mirror: bool,
    /// Whether requirer units keep the `data` mirror of the provider's bag.
    pub requirer_mirror: bool,
}

/// One relation as the provider sees it.
#[derive(Debug)]
pub struct Incoming {
    /// The relation.
    pub relation: Relation,
    /// Its label for errors and statuses.
    pub label: RelationLabel,
    /// The requirer's application bag as read.
    pub remote: Databag,
    /// What it asked for, or why that cannot be understood.
    pub data: Result<RequirerData, Error>,
}

impl Incoming {
    /// The requests, or the decoding error.
    pub fn requests(&self) -> Result<&[RemoteRequest], &Error> {
        self.data.as_ref().map(|d| d.requests.as_slice())
    }
}

/// The provider side of one endpoint.
#[derive(Debug, Clone)]
pub struct DataProvider {
    endpoint: String,
    spec: Spec,
}

impl DataProvider {
    /// A provider on `endpoint` speaking `spec`.
    pub fn new(endpoint: impl Into<String>, spec: Spec) -> Self {
        Self {
            endpoint: endpoint.into(),
            spec,
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Every live relation with the requirer's bag decoded. Reading the remote application
    /// bag is allowed to every unit; only publishing needs the leader.
    pub fn incoming<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Vec<Incoming>, Error> {
        let mut out = Vec::new();
        for relation in ctx.relations(&self.endpoint)? {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            let remote = ctx.remote_app_data(&relation).map_err(|e| Error::from(e).on(&label))?;
            let data = decode_requirer_bag(&remote, &self.spec, &label);
            out.push(Incoming {
                relation,
                label,
                remote,
                data,
            });
        }
        Ok(out)
    }

    /// Publishes the answer to `request`: secret fields (those the requirer listed in
    /// `requested-secrets`, or the v1 model's) into per-group secrets granted to the
    /// relation with their URIs under `secret-<group>`, the rest as plaintext keys, plus
    /// the `data` mirror. An empty value removes a key. Returns whether anything changed.
    pub fn publish<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        incoming: &Incoming,
        request: &RemoteRequest,
        fields: &[(String, String)],
    ) -> Result<bool, Error> {
        let label = &incoming.label;
        let relation = &incoming.relation;
        let own = ctx
            .local_app_data(relation, Some(leader))
            .map_err(|e| Error::from(e).on(label))?;
        let protocol = incoming.data.as_ref().map(|d| d.protocol).unwrap_or(Protocol::V0);
        let changes = match (protocol, &request.request_id) {
            (Protocol::V1, Some(id)) => self.changes_v1(ctx, leader, incoming, &own, request, id, fields)?,
            _ => self.changes_v0(ctx, leader, incoming, &own, request, fields)?,
        };
        ctx.update_app_data(relation, leader, &changes)
            .map_err(|e| Error::from(e).on(label))
    }

    /// The flat layout: `requested-secrets` decides what goes into secrets.
    fn changes_v0<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        incoming: &Incoming,
        own: &Databag,
        request: &RemoteRequest,
        fields: &[(String, String)],
    ) -> Result<Databag, Error> {
        let mut changes = write_v0(
            ctx,
            leader,
            &incoming.relation,
            &incoming.label,
            &self.endpoint,
            own,
            &request.requested_secrets,
            fields,
        )?;
        if self.spec.provider_mirror {
            changes.insert(DATA.to_owned(), data_mirror(&incoming.remote));
        }
        Ok(changes)
    }

    /// The v1 layout: the models decide what goes into secrets (labelled per request),
    /// the response replaces its entry in `requests`, and `data` records the request
    /// under its id, which the Python requirer needs to match the response.
    #[allow(clippy::too_many_arguments)]
    fn changes_v1<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        incoming: &Incoming,
        own: &Databag,
        request: &RemoteRequest,
        request_id: &str,
        fields: &[(String, String)],
    ) -> Result<Databag, Error> {
        let relation = &incoming.relation;
        let (fields, secret_fields) = v1::provider_fields(fields, &self.spec);
        let plan = plan_write(&secret_fields, &Databag::new(), &fields);
        let mut uris = Vec::new();
        for (group, updates) in &plan.secrets {
            let secret_label = group.v1_label(&self.endpoint, relation.id.0, request_id);
            if let Some(uri) = publish_owned(ctx, leader, relation, &incoming.label, &secret_label, updates)? {
                uris.push((*group, uri.to_string()));
            }
        }
        let item = v1::response_item(request, &plan.plain, &uris);
        let dump = request.raw.as_ref().map_or_else(PyValue::dict, v1::request_dump);
        let mut changes = Databag::new();
        changes.insert(v1::VERSION.to_owned(), "v1".to_owned());
        changes.insert(v1::REQUESTS.to_owned(), v1::merge_requests(own, item));
        changes.insert(
            DATA.to_owned(),
            v1::store_data(
                own.get(DATA).map(String::as_str),
                v1::status_entry(own),
                request_id,
                dump,
            ),
        );
        Ok(changes)
    }

    /// Reads a field the requirer shares through its own secret (`mtls-cert` in
    /// `secret-mtls`), falling back to a plaintext key; `None` when it shares none.
    pub fn requirer_secret_field<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        incoming: &Incoming,
        request: &RemoteRequest,
        field: &str,
    ) -> Result<Option<String>, Error> {
        let group = SecretGroup::of(field);
        if let Some(uri) = request.secret_uris.get(&group).filter(|u| !u.is_empty()) {
            let secret_label = match &request.request_id {
                Some(id) => group.v1_label(&self.endpoint, incoming.relation.id.0, id),
                None => group.label(&self.endpoint, incoming.relation.id.0),
            };
            let content = read_shared(ctx, &incoming.label, &group.key(), uri, Some(&secret_label))?;
            if let Some(value) = content.get(field).filter(|v| !v.is_empty()) {
                return Ok(Some(value.clone()));
            }
        }
        Ok(request.field(field).map(str::to_owned))
    }
}

/// Writes a `secret-<group>` URI, keeping the existing spelling when it names the same
/// secret (no spurious change), or deletes the key when the secret is gone.
pub(crate) fn set_uri(changes: &mut Databag, own: &Databag, key: String, uri: Option<&str>) {
    match uri {
        Some(uri) => {
            let same = own
                .get(&key)
                .and_then(|old| juju_model::SecretUri::new(old.as_str()).ok())
                .zip(juju_model::SecretUri::new(uri).ok())
                .is_some_and(|(a, b)| a.same_secret(&b));
            if !same {
                changes.insert(key, uri.to_owned());
            }
        }
        None => {
            if own.contains_key(&key) {
                changes.insert(key, String::new());
            }
        }
    }
}
