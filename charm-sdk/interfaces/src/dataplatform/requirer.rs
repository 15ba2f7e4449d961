//! The requirer side of the family, interface-agnostic: ask, then read the answer
//! wherever the provider put it (a secret or a plaintext key).
//!
//! [`DataRequirer::request`] writes what the library writes at `relation-created` (the
//! secret-field lists to the application and unit bags, then the request fields) and the
//! `data` mirror a library requirer keeps in its unit bag; it is idempotent, so calling it
//! from every reconcile is free once the bags hold the values. [`DataRequirer::read`]
//! resolves the provider's bag, fetching each needed secret group with the label
//! `<endpoint>.<id>.<group>.secret` (so later `secret-changed` events name the relation).

use std::collections::BTreeMap;

use charm_sdk::{Charm, Context, Relation};
use juju_model::Databag;

use super::plan::{plan_write, BagView, SecretContent};
use super::protocol::{data_mirror, encode_list, DATA, PROVIDED_SECRETS, REQUESTED_SECRETS};
use super::provider::{set_uri, Spec};
use super::secrets::{publish_owned, read_shared};
use crate::error::{Error, RelationLabel};

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

/// The requirer side of one endpoint.
#[derive(Debug, Clone)]
pub struct DataRequirer {
    endpoint: String,
    spec: Spec,
    requested_secrets: Vec<String>,
    provided_secrets: Vec<String>,
}

impl DataRequirer {
    /// A requirer on `endpoint` that asks for `requested_secrets` to be hidden and shares
    /// `provided_secrets` through its own secrets (either may be empty: a list is only
    /// written when non-empty, as the library does).
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
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
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

    /// Writes the request on `relation`: on the leader, the secret-field lists (application
    /// and unit bags) and `fields` (a field listed in `provided_secrets`, such as
    /// `mtls-cert`, goes into this application's own secret); on every unit, the `data`
    /// mirror when the spec asks for it. An empty value removes a key. Returns whether
    /// anything changed.
    pub fn request<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        label: &RelationLabel,
        fields: &[(String, String)],
    ) -> Result<bool, Error> {
        let on = |e: charm_sdk::Error| Error::from(e).on(label);
        let mut changed = false;
        let mut unit = Databag::new();
        if let Some(leader) = ctx.leader()? {
            let own = ctx.local_app_data(relation, Some(&leader)).map_err(on)?;
            let mut app = Databag::new();
            if !self.requested_secrets.is_empty() {
                let list = encode_list(&self.requested_secrets);
                app.insert(REQUESTED_SECRETS.to_owned(), list.clone());
                unit.insert(REQUESTED_SECRETS.to_owned(), list);
            }
            if !self.provided_secrets.is_empty() {
                let list = encode_list(&self.provided_secrets);
                app.insert(PROVIDED_SECRETS.to_owned(), list.clone());
                unit.insert(PROVIDED_SECRETS.to_owned(), list);
            }
            let plan = plan_write(&self.provided_secrets, &own, fields);
            for (group, updates) in &plan.secrets {
                let secret_label = group.label(&self.endpoint, relation.id.0);
                let uri = publish_owned(ctx, &leader, relation, label, &secret_label, updates)?;
                set_uri(&mut app, &own, group.key(), uri.as_ref().map(|u| u.as_str()));
            }
            for (key, value) in plan.plain {
                app.insert(key, value);
            }
            changed |= ctx.update_app_data(relation, &leader, &app).map_err(on)?;
        }
        if self.spec.requirer_mirror {
            let remote = ctx.remote_app_data(relation).map_err(on)?;
            unit.insert(DATA.to_owned(), data_mirror(&remote));
        }
        if !unit.is_empty() {
            changed |= ctx.update_unit_data(relation, &unit).map_err(on)?;
        }
        Ok(changed)
    }

    /// The provider's answer on `relation`, secrets resolved.
    pub fn read<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        label: &RelationLabel,
    ) -> Result<Answer, Error> {
        let remote = ctx.remote_app_data(relation).map_err(|e| Error::from(e).on(label))?;
        let view = BagView::from_bag(&remote);
        let mut secrets: BTreeMap<_, SecretContent> = BTreeMap::new();
        for group in view.groups_to_read(&self.requested_secrets) {
            let Some(uri) = view.secret_uris.get(&group) else {
                continue;
            };
            let secret_label = group.label(&self.endpoint, relation.id.0);
            let content = read_shared(ctx, label, &group.key(), uri, Some(&secret_label))?;
            secrets.insert(group, content);
        }
        Ok(Answer {
            relation: relation.clone(),
            label: label.clone(),
            fields: view.resolve(&self.requested_secrets, &secrets),
        })
    }
}
