//! Typed Provider and Requirer over any interface of the family.
//!
//! An interface is a zero-sized type implementing [`Interface`]: its [`Spec`], how its
//! request and response map to databag fields, and how the requirer reads the answer.
//! [`Provider`] and [`Requirer`] then give every interface the same reconcile-shaped API,
//! so kafka_client, zookeeper, postgresql_client, s3, azure_storage and
//! spark_service_account differ only in their field lists.

use std::marker::PhantomData;

use charm_sdk::{Charm, Context, Leader};
use juju_model::Databag;

use super::protocol::STATUS;
use super::provider::{DataProvider, Incoming, Spec};
use super::request::RemoteRequest;
use super::requirer::{Answer, DataRequirer, RequirerProtocol};
use super::status::{decode_statuses, encode_statuses, RelationStatus};
use crate::error::{BagSide, Error, RelationLabel};

/// One interface of the `data_interfaces` family.
pub trait Interface {
    /// Keys, mirrors and v1 extras.
    const SPEC: Spec;
    /// What the requirer asks for.
    type Request: Clone;
    /// What the provider answers.
    type Response;
    /// What the requirer gets once the provider has answered.
    type Connection;

    /// The request's databag fields (an empty value removes a key), or why the request is
    /// invalid.
    fn encode_request(request: &Self::Request, relation: &RelationLabel) -> Result<Vec<(String, String)>, Error>;
    /// Decodes a requirer's request.
    fn decode_request(raw: &RemoteRequest, relation: &RelationLabel) -> Result<Self::Request, Error>;
    /// The fields the requirer asks to be kept in secrets (`requested-secrets`).
    fn requested_secrets(request: &Self::Request) -> Vec<String>;
    /// The fields the requirer shares through its own secrets (`provided-secrets`).
    fn provided_secrets(_request: &Self::Request) -> Vec<String> {
        Vec::new()
    }
    /// The response's fields (an empty value removes a key).
    fn encode_response(response: &Self::Response, raw: &RemoteRequest) -> Vec<(String, String)>;
    /// Reads the provider's answer; a missing key is [`Error::MissingKey`] (Waiting).
    fn decode_answer(answer: &Answer) -> Result<Self::Connection, Error>;
}

/// One result per relation, labelled.
pub type PerRelation<T> = Vec<(RelationLabel, Result<T, Error>)>;

/// A decoded request, with the raw form publishing needs.
#[derive(Debug, Clone)]
pub struct Request<T> {
    /// As decoded from the bag (request id, secret lists, all fields).
    pub raw: RemoteRequest,
    /// Typed.
    pub typed: T,
}

/// One relation's requests, as the provider sees them.
#[derive(Debug)]
pub struct RelationRequests<T> {
    /// The relation and the requirer's bag.
    pub incoming: Incoming,
    /// The requests (none until the requirer names its resource), or why they cannot be
    /// understood.
    pub requests: Result<Vec<Request<T>>, Error>,
}

impl<T> RelationRequests<T> {
    /// The relation's label.
    pub fn label(&self) -> &RelationLabel {
        &self.incoming.label
    }

    /// The requests, or a copy of why they cannot be understood, so reconcile can write
    /// `for request in relation.try_requests()? { … }` (Blocked naming the relation) and
    /// still pass `&relation` to [`Provider::publish`].
    pub fn try_requests(&self) -> Result<&[Request<T>], Error> {
        self.requests.as_deref().map_err(clone_error)
    }
}

/// The provider side of interface `I` on one endpoint.
#[derive(Debug, Clone)]
pub struct Provider<I: Interface> {
    core: DataProvider,
    _interface: PhantomData<fn() -> I>,
}

impl<I: Interface> Provider<I> {
    /// A provider on `endpoint`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            core: DataProvider::new(endpoint, I::SPEC),
            _interface: PhantomData,
        }
    }

    /// The untyped engine, for fields this API does not model.
    pub fn core(&self) -> &DataProvider {
        &self.core
    }

    /// Every live relation with its requests decoded.
    pub fn requests<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Vec<RelationRequests<I::Request>>, Error> {
        let mut out = Vec::new();
        for incoming in self.core.incoming(ctx)? {
            let requests = match &incoming.data {
                Ok(data) => data
                    .requests
                    .iter()
                    .map(|raw| {
                        I::decode_request(raw, &incoming.label).map(|typed| Request {
                            raw: raw.clone(),
                            typed,
                        })
                    })
                    .collect(),
                Err(e) => Err(clone_error(e)),
            };
            out.push(RelationRequests { incoming, requests });
        }
        Ok(out)
    }

    /// Publishes `response` to `request` (leader only: the token proves it).
    pub fn publish<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        relation: &RelationRequests<I::Request>,
        request: &Request<I::Request>,
        response: &I::Response,
    ) -> Result<bool, Error> {
        let fields = I::encode_response(response, &request.raw);
        self.core
            .publish(ctx, leader, &relation.incoming, &request.raw, &fields)
    }

    /// Publishes `respond`'s answer to every request on every relation (leader only: the
    /// token proves it), the usual whole provider reconcile. `respond` returning `None`
    /// leaves a request unanswered for now (the workload is not ready for it); a relation
    /// whose requests cannot be understood stops the pass with that error (Blocked, naming
    /// the relation). Returns how many requests were answered.
    pub fn answer_all<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        mut respond: impl FnMut(&RelationRequests<I::Request>, &Request<I::Request>) -> Option<I::Response>,
    ) -> Result<usize, Error> {
        let mut answered = 0;
        for relation in self.requests(ctx)? {
            for request in relation.try_requests()? {
                if let Some(response) = respond(&relation, request) {
                    self.publish(ctx, leader, &relation, request, &response)?;
                    answered += 1;
                }
            }
        }
        Ok(answered)
    }

    /// Replaces the `status` list on the relation (`raise_status`/`resolve_status`; an
    /// empty list removes the key, as `clear_statuses` does).
    pub fn set_statuses<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        relation: &RelationRequests<I::Request>,
        statuses: &[RelationStatus],
    ) -> Result<bool, Error> {
        let label = &relation.incoming.label;
        let value = if statuses.is_empty() {
            String::new()
        } else {
            encode_statuses(statuses)
        };
        let changes: Databag = [(STATUS.to_owned(), value)].into();
        ctx.update_app_data(&relation.incoming.relation, leader, &changes)
            .map_err(|e| Error::from(e).on(label))
    }
}

/// The requirer side of interface `I` on one endpoint, asking for one request.
#[derive(Debug, Clone)]
pub struct Requirer<I: Interface> {
    core: DataRequirer,
    request: I::Request,
}

impl<I: Interface> Requirer<I>
where
    I::Request: std::fmt::Debug,
{
    /// A requirer on `endpoint` asking for `request`, with the interface's default
    /// secret lists.
    pub fn new(endpoint: impl Into<String>, request: I::Request) -> Self {
        let requested = I::requested_secrets(&request);
        let provided = I::provided_secrets(&request);
        Self {
            core: DataRequirer::new(endpoint, I::SPEC, requested, provided),
            request,
        }
    }

    /// Adds fields to `requested-secrets` (the library's `additional_secret_fields`).
    pub fn with_additional_secret_fields(self, fields: &[&str]) -> Self {
        let mut requested = self.core.requested_secrets().to_vec();
        for f in fields {
            if !requested.iter().any(|r| r == f) {
                requested.push((*f).to_owned());
            }
        }
        Self {
            core: self.core.with_requested_secrets(requested),
            request: self.request,
        }
    }

    /// Writes `protocol`'s request (default [`RequirerProtocol::V0`]); the answer is read
    /// in whichever layout the provider chose.
    pub fn protocol(self, protocol: RequirerProtocol) -> Self {
        Self {
            core: self.core.with_protocol(protocol),
            request: self.request,
        }
    }

    /// The v1 salt of a new request (default random, as the library's `gen_salt`); a
    /// fixed salt gives a reproducible `request-id`.
    pub fn salt(self, salt: impl Into<String>) -> Self {
        Self {
            core: self.core.with_salt(salt),
            request: self.request,
        }
    }

    /// The untyped engine.
    pub fn core(&self) -> &DataRequirer {
        &self.core
    }

    /// The request this requirer sends.
    pub fn request_value(&self) -> &I::Request {
        &self.request
    }

    /// Writes the request on every relation of the endpoint (idempotent).
    pub fn request<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        for (relation, label) in self.core.relations(ctx)? {
            let fields = I::encode_request(&self.request, &label)?;
            self.core.request(ctx, &relation, &label, &fields)?;
        }
        Ok(())
    }

    /// The connection on every relation: `Err(MissingKey)` while the provider has not
    /// answered, `Err(...)` for an answer we cannot use.
    pub fn connections<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<PerRelation<I::Connection>, Error> {
        let mut out = Vec::new();
        for (relation, label) in self.core.relations(ctx)? {
            let connection = I::encode_request(&self.request, &label)
                .and_then(|fields| self.core.read_for(ctx, &relation, &label, &fields))
                .and_then(|answer| I::decode_answer(&answer));
            out.push((label, connection));
        }
        Ok(out)
    }

    /// Requests, then returns the connection of the first relation: `Ok(None)` when
    /// there is no relation, `Err(MissingKey)` (Waiting) while the provider has not
    /// answered. The usual one-liner in reconcile for a `limit: 1` endpoint.
    pub fn reconcile<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Option<I::Connection>, Error> {
        self.request(ctx)?;
        let Some((relation, label)) = self.core.relations(ctx)?.into_iter().next() else {
            return Ok(None);
        };
        let fields = I::encode_request(&self.request, &label)?;
        let answer = self.core.read_for(ctx, &relation, &label, &fields)?;
        I::decode_answer(&answer).map(Some)
    }

    /// The provider's `status` list on each relation.
    pub fn statuses<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
    ) -> Result<Vec<(RelationLabel, Vec<RelationStatus>)>, Error> {
        let mut out = Vec::new();
        for (relation, label) in self.core.relations(ctx)? {
            let bag = ctx.remote_app_data(&relation).map_err(|e| Error::from(e).on(&label))?;
            out.push((label.clone(), decode_statuses(&bag, &label)?));
        }
        Ok(out)
    }
}

/// Errors are not `Clone` (the SDK's are not); decoding errors are, structurally.
fn clone_error(e: &Error) -> Error {
    match e {
        Error::MissingKey { relation, side, key } => Error::MissingKey {
            relation: relation.clone(),
            side: *side,
            key: key.clone(),
        },
        Error::MalformedJson {
            relation,
            side,
            key,
            message,
        } => Error::MalformedJson {
            relation: relation.clone(),
            side: *side,
            key: key.clone(),
            message: message.clone(),
        },
        Error::WrongType {
            relation,
            side,
            key,
            expected,
            found,
        } => Error::WrongType {
            relation: relation.clone(),
            side: *side,
            key: key.clone(),
            expected: expected.clone(),
            found: found.clone(),
        },
        Error::UnreadableSecret {
            relation,
            key,
            uri,
            reason,
        } => Error::UnreadableSecret {
            relation: relation.clone(),
            key: key.clone(),
            uri: uri.clone(),
            reason: reason.clone(),
        },
        Error::Invalid { relation, message } => Error::Invalid {
            relation: relation.clone(),
            message: message.clone(),
        },
        Error::Input(m) => Error::Input(m.clone()),
        Error::Sdk(e) => Error::Sdk(charm_sdk::Error::msg(e.to_string())),
        Error::SdkOn { relation, source } => Error::SdkOn {
            relation: relation.clone(),
            source: charm_sdk::Error::msg(source.to_string()),
        },
        Error::RemoteData { what, message } => Error::RemoteData {
            what: what.clone(),
            message: message.clone(),
        },
        Error::CertificateRequest(m) => Error::CertificateRequest(m.clone()),
        Error::Crypto { what, message } => Error::Crypto {
            what: what.clone(),
            message: message.clone(),
        },
        Error::Keystore(m) => Error::Keystore(m.clone()),
        Error::Io { path, source } => Error::Io {
            path: path.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
    }
}

/// Reads a resolved field the protocol requires, as [`Error::MissingKey`] when absent.
pub(crate) fn required(answer: &Answer, key: &str) -> Result<String, Error> {
    answer
        .get(key)
        .map(str::to_owned)
        .ok_or_else(|| Error::missing(&answer.label, BagSide::RemoteApp, key))
}

/// The default `requested-secrets` plus `extra`.
pub(crate) fn default_requested_plus(extra: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = super::protocol::DEFAULT_REQUESTED_SECRETS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for e in extra {
        if !out.iter().any(|o| o == e) {
            out.push((*e).to_owned());
        }
    }
    out
}
