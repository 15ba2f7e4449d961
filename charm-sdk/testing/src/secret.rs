//! Secrets in a test [`crate::State`].
//!
//! A test secret is seen from this unit: either this charm owns it ([`Secret::owner_app`],
//! [`Secret::owner_unit`]) or it reads it. A secret it reads is by default a user secret
//! granted to its application (`juju add-secret` + `juju grant-secret`, the case of
//! `secret`-typed config options); [`Secret::granted_by`] makes it another application's
//! secret granted over a relation instead, which the run checks like Juju does.
//! `tracked_content` is the revision this unit is pinned to; `latest_content`, when set,
//! is a newer revision it has not seen yet (ops-scenario's model).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use juju_model::tools::RotatePolicy;
use juju_model::RelationId;

use crate::relation::{Relation, RelationLike};

static NEXT_SECRET: AtomicU64 = AtomicU64::new(1);

/// Who owns a test secret, seen from this unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOwnership {
    /// This unit's application (managed by its leader).
    App,
    /// This unit.
    Unit,
    /// A user secret granted to this application (no relation involved).
    User,
    /// Another application's secret, granted to this application over a relation.
    Granted {
        /// The relation the grant is scoped to.
        relation: RelationId,
        /// The owning (remote) application.
        app: String,
    },
}

/// A secret.
///
/// ```
/// use charm_testing::Secret;
///
/// let secret = Secret::new([("password", "hunter2")]).owner_app().label("admin-password");
/// assert!(secret.uri().starts_with("secret:"));
/// assert_eq!(secret.id.len(), 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The 20-character id.
    pub id: String,
    /// The content of the revision this unit is pinned to.
    pub tracked_content: BTreeMap<String, String>,
    /// A newer revision's content, if there is one this unit has not read yet.
    pub latest_content: Option<BTreeMap<String, String>>,
    /// Who owns it.
    pub owner: SecretOwnership,
    /// The owner label (owned secrets) or this unit's consumer label (others).
    pub label: Option<String>,
    /// Description (owned secrets).
    pub description: Option<String>,
    /// Expiry of the latest revision, RFC 3339 (owned secrets).
    pub expire: Option<String>,
    /// Rotation policy (owned secrets).
    pub rotate: Option<RotatePolicy>,
    /// Grants this charm made: relation to the applications or units (`app/0`) granted.
    pub remote_grants: BTreeMap<RelationId, BTreeSet<String>>,
}

impl Secret {
    /// A user secret with `content`, granted to this charm's application.
    pub fn new<K: Into<String>, V: Into<String>>(content: impl IntoIterator<Item = (K, V)>) -> Self {
        let seq = NEXT_SECRET.fetch_add(1, Ordering::Relaxed);
        Self {
            id: juju_rules::make_secret_id("charm-testing", seq),
            tracked_content: content.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            latest_content: None,
            owner: SecretOwnership::User,
            label: None,
            description: None,
            expire: None,
            rotate: None,
            remote_grants: BTreeMap::new(),
        }
    }

    /// `secret:<id>`.
    pub fn uri(&self) -> String {
        format!("secret:{}", self.id)
    }

    /// Sets the id (20 characters of `0-9a-v` look like Juju's).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// A newer revision this unit has not read yet.
    pub fn latest_content<K: Into<String>, V: Into<String>>(
        mut self,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.latest_content = Some(content.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
        self
    }

    /// Owned by this charm's application.
    pub fn owner_app(mut self) -> Self {
        self.owner = SecretOwnership::App;
        self
    }

    /// Owned by this unit.
    pub fn owner_unit(mut self) -> Self {
        self.owner = SecretOwnership::Unit;
        self
    }

    /// Owned by `relation`'s remote application and granted to this one over it.
    pub fn granted_by(mut self, relation: &Relation) -> Self {
        self.owner = SecretOwnership::Granted {
            relation: relation.relation_id(),
            app: relation.remote_app.clone(),
        };
        self
    }

    /// The owner label (owned) or this unit's consumer label (not owned).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Expiry, RFC 3339.
    pub fn expire(mut self, expire: impl Into<String>) -> Self {
        self.expire = Some(expire.into());
        self
    }

    /// Rotation policy.
    pub fn rotate(mut self, policy: RotatePolicy) -> Self {
        self.rotate = Some(policy);
        self
    }

    /// Records that this charm granted the secret to `relation`'s remote application.
    pub fn remote_grant(mut self, relation: &impl RelationLike, target: impl Into<String>) -> Self {
        self.remote_grants
            .entry(relation.relation_id())
            .or_default()
            .insert(target.into());
        self
    }

    /// Whether this charm owns it.
    pub fn is_owned(&self) -> bool {
        matches!(self.owner, SecretOwnership::App | SecretOwnership::Unit)
    }

    /// The newest content (latest if set, else tracked).
    pub fn newest_content(&self) -> &BTreeMap<String, String> {
        self.latest_content.as_ref().unwrap_or(&self.tracked_content)
    }
}
