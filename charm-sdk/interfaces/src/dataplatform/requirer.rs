//! The requirer side of the family, interface-agnostic: ask, then read the answer
//! wherever the provider put it (a secret or a plaintext key).
//!
//! [`DataRequirer::request`] writes what the library writes at `relation-created` (v0: the
//! secret-field lists to the application and unit bags, then the request fields; v1:
//! `version` and the `requests` list, see [`RequirerProtocol`]) and the `data` bookkeeping
//! a library requirer keeps in its unit bag; it is idempotent, so calling it from every
//! reconcile is free once the bags hold the values. [`DataRequirer::read_for`] resolves
//! the provider's answer in whichever layout it came, fetching each needed secret group
//! with the label the library gives it (`<endpoint>.<id>.<group>.secret`, or
//! `<endpoint>.<id>.<request-id>.<group>.secret` for v1), so later `secret-changed`
//! events name the relation.

use charm_sdk::{Charm, Context, Leader, Relation};
use juju_model::Databag;

use super::protocol::{data_mirror, encode_list, SecretGroup, DATA, PROVIDED_SECRETS, REQUESTED_SECRETS};
use super::provider::{set_uri, Spec};
use super::secrets::{publish_owned, read_shared, read_v0, write_v0};
use super::v1;
use crate::error::{Error, RelationLabel};
use crate::pyjson::{self, PyValue};

/// The provider's answer, with secrets resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct Answer {
    /// The relation.
    pub relation: Relation,
    /// Its label for errors and statuses.
    pub label: RelationLabel,
    /// Every field the provider published, secret or not (empty when it has not
    /// answered yet).
    pub fields: Databag,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Field values may be credentials.
        f.debug_struct("Answer")
            .field("label", &self.label)
            .field("keys", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Answer {
    /// A field, if set and non-empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// A required field: missing is "not yet" (Waiting).
    pub fn require(&self, key: &str) -> Result<&str, Error> {
        self.get(key)
            .ok_or_else(|| Error::missing(&self.label, crate::error::BagSide::RemoteApp, key))
    }
}

/// Which generation of `data_interfaces` a requirer writes. Whatever it writes, it reads
/// the answer in the layout the provider chose (`version: v1` and a `requests` list, or
/// the flat v0 keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequirerProtocol {
    /// The flat v0 request (`requested-secrets`, `topic`/`database`…): what data-integrator
    /// and every v0-library charm write. v0 providers and v1 providers both answer it.
    #[default]
    V0,
    /// Exactly what the v1 library's `ResourceRequirerEventHandler` writes: `version` and
    /// `requests`, nothing else. Only v1 providers answer it; a v0 provider waits forever
    /// for its resource key, as with the Python library.
    V1,
    /// The v1 request **plus** the flat v0 request in the same bag. A v1 provider picks the
    /// layout by `version` and answers v1 (it ignores the flat keys); a v0 provider only
    /// knows the flat keys and answers v0. The mTLS certificate travels in one secret
    /// (labelled per request, as v1 does) referenced from both layouts. The v1 library
    /// itself has no such fallback: this is the one place this crate writes keys the
    /// Python requirer would not.
    V1WithV0Fallback,
}

impl RequirerProtocol {
    fn writes_v0(self) -> bool {
        matches!(self, RequirerProtocol::V0 | RequirerProtocol::V1WithV0Fallback)
    }

    fn writes_v1(self) -> bool {
        matches!(self, RequirerProtocol::V1 | RequirerProtocol::V1WithV0Fallback)
    }
}

/// The requirer side of one endpoint.
#[derive(Debug, Clone)]
pub struct DataRequirer {
    endpoint: String,
    spec: Spec,
    requested_secrets: Vec<String>,
    provided_secrets: Vec<String>,
    protocol: RequirerProtocol,
    salt: Option<String>,
}

impl DataRequirer {
    /// A v0 requirer on `endpoint` that asks for `requested_secrets` to be hidden and
    /// shares `provided_secrets` through its own secrets (either may be empty: a list is
    /// only written when non-empty, as the library does).
    pub fn new(
        endpoint: impl Into<String>,
        spec: Spec,
        requested_secrets: Vec<String>,
        provided_secrets: Vec<String>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            spec,
            requested_secrets,
            provided_secrets,
            protocol: RequirerProtocol::V0,
            salt: None,
        }
    }

    /// Writes `protocol`'s request instead of v0's.
    pub fn with_protocol(mut self, protocol: RequirerProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// The v1 `salt` of a new request (default: 16 random characters, as `gen_salt`). A
    /// request already in the bag keeps its salt, so its `request-id` never changes.
    pub fn with_salt(mut self, salt: impl Into<String>) -> Self {
        self.salt = Some(salt.into());
        self
    }

    /// Replaces the v0 `requested-secrets` list.
    pub fn with_requested_secrets(mut self, requested_secrets: Vec<String>) -> Self {
        self.requested_secrets = requested_secrets;
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The generation this requirer writes.
    pub fn protocol(&self) -> RequirerProtocol {
        self.protocol
    }

    /// The fields asked to be kept in secrets.
    pub fn requested_secrets(&self) -> &[String] {
        &self.requested_secrets
    }

    /// The live relations with their labels.
    pub fn relations<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Vec<(Relation, RelationLabel)>, Error> {
        let mut out = Vec::new();
        for relation in ctx.relations(&self.endpoint)? {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            out.push((relation, label));
        }
        Ok(out)
    }

    /// Writes the request on `relation`. On the leader: v0, the secret-field lists
    /// (application and unit bags) and `fields` (a field listed in `provided_secrets`, such
    /// as `mtls-cert`, goes into this application's own secret); v1, `version` and the
    /// `requests` list built from `fields`. On every unit, the bookkeeping `data` (v0: the
    /// mirror of the provider's bag when the spec asks for it; v1: the response under its
    /// request id, once there is one). An empty value removes a key. Returns whether
    /// anything changed.
    pub fn request<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        label: &RelationLabel,
        fields: &[(String, String)],
    ) -> Result<bool, Error> {
        let on = |e: charm_sdk::Error| Error::from(e).on(label);
        let remote = ctx.remote_app_data(relation).map_err(on)?;
        let mut changed = false;
        let mut unit = Databag::new();
        if let Some(leader) = ctx.leader()? {
            let own = ctx.local_app_data(relation, Some(&leader)).map_err(on)?;
            let mut app = Databag::new();
            let mut mtls_uri = None;
            if self.protocol.writes_v1() {
                let (requests, uri) = self.v1_requests(ctx, &leader, relation, label, &own, fields)?;
                app.insert(v1::VERSION.to_owned(), "v1".to_owned());
                app.insert(v1::REQUESTS.to_owned(), requests);
                mtls_uri = uri;
            }
            if self.protocol.writes_v0() {
                for (key, list) in [
                    (REQUESTED_SECRETS, &self.requested_secrets),
                    (PROVIDED_SECRETS, &self.provided_secrets),
                ] {
                    if !list.is_empty() {
                        app.insert(key.to_owned(), encode_list(list));
                        unit.insert(key.to_owned(), encode_list(list));
                    }
                }
                if self.protocol.writes_v1() {
                    // The fallback layout points at the v1 request's mTLS secret.
                    let flat = fields.iter().filter(|(k, _)| k != MTLS_CERT).cloned();
                    app.extend(flat);
                    set_uri(&mut app, &own, SecretGroup::Mtls.key(), mtls_uri.as_deref());
                } else {
                    self.v0_fields(ctx, &leader, relation, label, &own, fields, &mut app)?;
                }
            }
            changed |= ctx.update_app_data(relation, &leader, &app).map_err(on)?;
        }
        if let Some(data) = self.unit_data(ctx, relation, &remote, fields).map_err(on)? {
            unit.insert(DATA.to_owned(), data);
        }
        if !unit.is_empty() {
            changed |= ctx.update_unit_data(relation, &unit).map_err(on)?;
        }
        Ok(changed)
    }

    /// v0 request fields: `provided_secrets` fields into this application's secrets.
    #[allow(clippy::too_many_arguments)]
    fn v0_fields<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        relation: &Relation,
        label: &RelationLabel,
        own: &Databag,
        fields: &[(String, String)],
        app: &mut Databag,
    ) -> Result<(), Error> {
        app.extend(write_v0(
            ctx,
            leader,
            relation,
            label,
            &self.endpoint,
            own,
            &self.provided_secrets,
            fields,
        )?);
        Ok(())
    }

    /// The v1 `requests` value and the mTLS secret's URI. The salt (hence the request id)
    /// of a request already in the bag for the same resource is kept.
    fn v1_requests<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        relation: &Relation,
        label: &RelationLabel,
        own: &Databag,
        fields: &[(String, String)],
    ) -> Result<(String, Option<String>), Error> {
        let field = |key: &str| fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let resource = field(self.spec.resource_field).unwrap_or("");
        let existing = v1::requests_list(own)
            .into_iter()
            .find(|r| r.get("resource").and_then(PyValue::as_str) == Some(resource));
        let salt = existing
            .as_ref()
            .and_then(|r| r.get("salt").and_then(PyValue::as_str).map(str::to_owned))
            .or_else(|| self.salt.clone())
            .unwrap_or_else(v1::new_salt);
        let request_id = v1::request_id(resource, &salt);
        let cert = field(MTLS_CERT).filter(|c| !c.is_empty() && self.provided_secrets.iter().any(|p| p == MTLS_CERT));
        let had_secret = existing
            .as_ref()
            .and_then(|r| r.get(&SecretGroup::Mtls.key()))
            .is_some_and(|v| !v.is_null());
        let mtls_uri = if cert.is_some() || had_secret {
            let secret_label = SecretGroup::Mtls.v1_label(&self.endpoint, relation.id.0, &request_id);
            let updates = [(MTLS_CERT.to_owned(), cert.unwrap_or("").to_owned())];
            publish_owned(ctx, leader, relation, label, &secret_label, &updates)?.map(|u| u.to_string())
        } else {
            None
        };
        let (_, item) = v1::request_item(&self.spec, fields, &salt, mtls_uri.as_deref());
        let requests = pyjson::dumps(&[item]).unwrap_or_else(|_| "[]".to_owned());
        Ok((requests, mtls_uri))
    }

    /// This unit's bookkeeping `data`, if it should change: v1 answers are stored by
    /// request id (`store_new_data`), anything else is mirrored when the spec says so.
    fn unit_data<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        remote: &Databag,
        fields: &[(String, String)],
    ) -> Result<Option<String>, charm_sdk::Error> {
        if self.protocol.writes_v1() && v1::is_v1(remote) {
            let Some(response) = v1::find_response(remote, None, Some(self.resource(fields))) else {
                return Ok(None);
            };
            let Some(id) = response.get("request-id").and_then(PyValue::as_str) else {
                return Ok(None);
            };
            let own = ctx.local_unit_data(relation)?;
            let data = v1::store_data(
                own.get(DATA).map(String::as_str),
                v1::status_entry(remote),
                id,
                v1::response_dump(&response),
            );
            return Ok(Some(data));
        }
        if self.protocol == RequirerProtocol::V1 || !self.spec.requirer_mirror {
            return Ok(None);
        }
        Ok(Some(data_mirror(remote)))
    }

    fn resource<'f>(&self, fields: &'f [(String, String)]) -> &'f str {
        fields
            .iter()
            .rev()
            .find(|(k, _)| k == self.spec.resource_field)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The provider's answer on `relation`, secrets resolved, for a requirer whose only
    /// request is unknown here (a v1 answer is taken when it holds exactly one response).
    pub fn read<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        label: &RelationLabel,
    ) -> Result<Answer, Error> {
        self.read_answer(ctx, relation, label, None)
    }

    /// The provider's answer to the request made of `fields` on `relation`, in whichever
    /// layout the provider wrote it, secrets resolved.
    pub fn read_for<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        label: &RelationLabel,
        fields: &[(String, String)],
    ) -> Result<Answer, Error> {
        let resource = self.resource(fields).to_owned();
        self.read_answer(ctx, relation, label, Some(&resource))
    }

    fn read_answer<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        label: &RelationLabel,
        resource: Option<&str>,
    ) -> Result<Answer, Error> {
        let remote = ctx.remote_app_data(relation).map_err(|e| Error::from(e).on(label))?;
        let fields = if self.protocol == RequirerProtocol::V1 && !v1::is_v1(&remote) {
            // As the v1 library: a flat bag is no answer to a v1-only request.
            Databag::new()
        } else if v1::is_v1(&remote) {
            self.resolve_v1(ctx, relation, label, &remote, resource)?
        } else {
            read_v0(ctx, relation, label, &self.endpoint, &remote, &self.requested_secrets)?
        };
        Ok(Answer {
            relation: relation.clone(),
            label: label.clone(),
            fields,
        })
    }

    /// A v1 response as flat fields: its plain values, the resource under the spec's
    /// resource key, and every field of the secrets it points to (read with the v1 labels
    /// `<endpoint>.<id>.<request-id>.<group>.secret`, as `register_secret` sets them).
    fn resolve_v1<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        label: &RelationLabel,
        remote: &Databag,
        resource: Option<&str>,
    ) -> Result<Databag, Error> {
        let Some(response) = v1::find_response(remote, None, resource) else {
            return Ok(Databag::new());
        };
        let request_id = response
            .get("request-id")
            .and_then(PyValue::as_str)
            .unwrap_or_default()
            .to_owned();
        let (mut fields, uris) = v1::response_fields(&response, self.spec.resource_field);
        for (group, uri) in uris {
            if group == SecretGroup::Mtls {
                continue;
            }
            let secret_label = group.v1_label(&self.endpoint, relation.id.0, &request_id);
            let content = read_shared(ctx, label, &group.key(), &uri, Some(&secret_label))?;
            fields.extend(content.into_iter().filter(|(_, v)| !v.is_empty()));
        }
        Ok(fields)
    }
}

/// The field a requirer shares through its `mtls` secret.
const MTLS_CERT: &str = "mtls-cert";
