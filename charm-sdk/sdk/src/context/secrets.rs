//! Juju secrets from both sides: the owner (add, update, grant, revoke, remove) and the
//! observer (read pinned, peek, refresh).
//!
//! Content keys are checked against Juju's rule before any tool runs, and content never
//! travels on argv (the process backend passes it through 0600 files). Application-owned
//! secrets need the [`Leader`] token, as only the leader may manage them.
//!
//! Reads are cached for the run like every other fact: `--peek` content (the latest
//! revision) and `secret-info-get` answers, by URI or by label. The run's own writes update
//! the content cache, which is what Juju's hook context answers too: `secret-get` after a
//! `secret-set` in the same hook returns the pending content (juju/juju
//! worker/uniter/runner/context/context.go, `GetSecret` → `getPendingSecretValue`). Pinned
//! and `--refresh` reads always ask Juju, as they move or use the tracked revision.

use std::collections::BTreeMap;

use juju_model::databag::{Codec, PlainStrings};
use juju_model::tools::{valid_secret_key, SecretInfo, SecretOwner};
use juju_model::{SecretUri, UnitName};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Context, Leader, Relation};
use crate::backend::{SecretMeta, SecretRead, SecretRef, ToolErrorKind, ToolResult};
use crate::charm::Charm;
use crate::error::Error;

/// Secret content: lowercase keys to strings.
pub type SecretContent = BTreeMap<String, String>;

fn check_content(content: &SecretContent) -> Result<(), Error> {
    if content.is_empty() {
        return Err(Error::msg(
            "a secret needs at least one key (Juju: empty secret value not valid)",
        ));
    }
    for key in content.keys() {
        if !valid_secret_key(key) {
            return Err(Error::msg(format!(
                "invalid secret key {key:?}: keys are lowercase letters and digits with single hyphens, at least 3 characters, starting with a letter"
            )));
        }
    }
    Ok(())
}

/// The cache key of a secret named by exactly one of URI (its bare id) or label; `None` for
/// a reference naming both (that read also sets this unit's label: never cached).
pub(crate) fn cache_key(secret: &SecretRef) -> Option<String> {
    match (&secret.uri, &secret.label) {
        (Some(uri), None) => Some(format!("uri:{}", uri.id())),
        (None, Some(label)) => Some(format!("label:{label}")),
        _ => None,
    }
}

/// Encodes a typed value as secret content (kebab-case fields as keys).
pub fn secret_content<T: Serialize>(value: &T) -> Result<SecretContent, Error> {
    PlainStrings::encode(value).map_err(Error::Model)
}

impl<C: Charm> Context<'_, C> {
    /// Creates an application-owned secret (leader only).
    pub fn add_app_secret(
        &mut self,
        _leader: &Leader,
        content: &SecretContent,
        meta: SecretMeta,
    ) -> Result<SecretUri, Error> {
        check_content(content)?;
        let meta = SecretMeta {
            owner: Some(SecretOwner::Application),
            ..meta
        };
        let uri = self.backend.secret_add(content, &meta)?;
        self.secret_written(&uri, Some(content));
        Ok(uri)
    }

    /// Creates a unit-owned secret.
    pub fn add_unit_secret(&mut self, content: &SecretContent, meta: SecretMeta) -> Result<SecretUri, Error> {
        check_content(content)?;
        let meta = SecretMeta {
            owner: Some(SecretOwner::Unit),
            ..meta
        };
        let uri = self.backend.secret_add(content, &meta)?;
        self.secret_written(&uri, Some(content));
        Ok(uri)
    }

    /// The application-owned secret with the owner label `meta.label`, created with
    /// `make()` and `meta` if it does not exist yet: the usual way to generate a password
    /// once and keep it.
    pub fn ensure_app_secret(
        &mut self,
        leader: &Leader,
        meta: SecretMeta,
        make: impl FnOnce() -> Result<SecretContent, Error>,
    ) -> Result<SecretUri, Error> {
        let label = meta
            .label
            .clone()
            .ok_or_else(|| Error::msg("ensure_app_secret needs a label to find the secret again"))?;
        match self.cached_secret_info(&SecretRef::label(label.clone())) {
            Ok(info) => info
                .uri
                .ok_or_else(|| Error::msg(format!("secret-info-get gave no URI for label {label:?}"))),
            Err(e) if e.kind == ToolErrorKind::SecretNotFound => {
                let content = make()?;
                self.add_app_secret(leader, &content, meta)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// [`Context::ensure_app_secret`] for a secret whose URI the charm published earlier
    /// (usually in its peer application bag): while `known` still names a readable
    /// secret, that URI is used as is, which spares the `secret-info-get` label lookup.
    /// Its content is then cached, so the usual peek that follows costs no call.
    pub fn ensure_app_secret_at(
        &mut self,
        leader: &Leader,
        known: Option<&SecretUri>,
        meta: SecretMeta,
        make: impl FnOnce() -> Result<SecretContent, Error>,
    ) -> Result<SecretUri, Error> {
        if let Some(uri) = known {
            if self
                .try_get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)?
                .is_some()
            {
                return Ok(uri.clone());
            }
        }
        self.ensure_app_secret(leader, meta, make)
    }

    /// Reads a secret's content (`secret-get`); `read` picks pinned, peek or refresh.
    /// Giving both URI and label sets this unit's own label for the secret.
    pub fn get_secret(&mut self, secret: &SecretRef, read: SecretRead) -> Result<SecretContent, Error> {
        Ok(self.read_secret(secret, read)?)
    }

    /// `secret-get`, answered from the run's cache for `--peek` reads.
    fn read_secret(&mut self, secret: &SecretRef, read: SecretRead) -> ToolResult<SecretContent> {
        let key = cache_key(secret);
        if read == SecretRead::Peek {
            if let Some(content) = key.as_ref().and_then(|k| self.cache.secret_content.get(k)) {
                return Ok(content.clone());
            }
        }
        let content = self.backend.secret_get(secret, read)?;
        // A refresh returns the latest revision too: what a later peek would return.
        if let (Some(key), SecretRead::Peek | SecretRead::Refresh) = (key, read) {
            self.cache.secret_content.insert(key, content.clone());
        }
        Ok(content)
    }

    /// `secret-info-get`, once per secret and run (until the run writes a secret).
    fn cached_secret_info(&mut self, secret: &SecretRef) -> ToolResult<SecretInfo> {
        let key = cache_key(secret);
        if let Some(info) = key.as_ref().and_then(|k| self.cache.secret_info.get(k)) {
            return Ok(info.clone());
        }
        let info = self.backend.secret_info_get(secret)?;
        if let Some(key) = key {
            self.cache.secret_info.insert(key, info.clone());
        }
        Ok(info)
    }

    /// After a write to `uri`: its content is `content` (when given); label-keyed content
    /// and all metadata may have changed, so they are asked again.
    fn secret_written(&mut self, uri: &SecretUri, content: Option<&SecretContent>) {
        self.cache.secret_content.retain(|k, _| k.starts_with("uri:"));
        let key = format!("uri:{}", uri.id());
        match content {
            Some(content) => {
                self.cache.secret_content.insert(key, content.clone());
            }
            None => {
                self.cache.secret_content.remove(&key);
            }
        }
        self.cache.secret_info.clear();
    }

    /// Reads a secret, `None` if it does not exist or is not (yet) granted to us.
    pub fn try_get_secret(&mut self, secret: &SecretRef, read: SecretRead) -> Result<Option<SecretContent>, Error> {
        match self.read_secret(secret, read) {
            Ok(content) => Ok(Some(content)),
            Err(e) if matches!(e.kind, ToolErrorKind::SecretNotFound | ToolErrorKind::PermissionDenied) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a secret into a typed value (kebab-case fields as keys).
    pub fn get_secret_as<T: DeserializeOwned>(&mut self, secret: &SecretRef, read: SecretRead) -> Result<T, Error> {
        let content = self.get_secret(secret, read)?;
        PlainStrings::decode(&content).map_err(|e| Error::Decode {
            what: "secret content".to_owned(),
            message: e.to_string(),
        })
    }

    /// Owner-side metadata of an owned secret (`secret-info-get`).
    pub fn secret_info(&mut self, secret: &SecretRef) -> Result<SecretInfo, Error> {
        Ok(self.cached_secret_info(secret)?)
    }

    /// Writes new content as a new revision, only if it differs from the latest (Juju
    /// 3.6 ignores identical content, older versions would add a revision; we never
    /// send it). Returns whether a revision was added.
    pub fn update_secret(&mut self, uri: &SecretUri, content: &SecretContent) -> Result<bool, Error> {
        check_content(content)?;
        let current = self.read_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)?;
        if &current == content {
            return Ok(false);
        }
        self.backend.secret_set(uri, Some(content), &SecretMeta::default())?;
        self.secret_written(uri, Some(content));
        Ok(true)
    }

    /// Changes metadata only (label, description, expiry, rotation).
    pub fn set_secret_meta(&mut self, uri: &SecretUri, meta: &SecretMeta) -> Result<(), Error> {
        self.backend.secret_set(uri, None, meta)?;
        let content = self.cache.secret_content.get(&format!("uri:{}", uri.id())).cloned();
        self.secret_written(uri, content.as_ref());
        Ok(())
    }

    /// Grants read access to the remote application of `relation` (or one unit of it).
    pub fn grant_secret(&mut self, uri: &SecretUri, relation: &Relation, unit: Option<&UnitName>) -> Result<(), Error> {
        Ok(self.backend.secret_grant(uri, relation.id, unit)?)
    }

    /// Revokes what [`Context::grant_secret`] granted.
    pub fn revoke_secret(
        &mut self,
        uri: &SecretUri,
        relation: &Relation,
        unit: Option<&UnitName>,
    ) -> Result<(), Error> {
        Ok(self.backend.secret_revoke(uri, relation.id, unit)?)
    }

    /// Removes one revision, or the whole secret when `revision` is `None`.
    pub fn remove_secret(&mut self, uri: &SecretUri, revision: Option<u64>) -> Result<(), Error> {
        self.backend.secret_remove(uri, revision)?;
        self.secret_written(uri, None);
        Ok(())
    }

    /// The secrets this unit (or, for the leader, its application) owns.
    pub fn owned_secrets(&mut self) -> Result<Vec<SecretUri>, Error> {
        Ok(self.backend.secret_ids()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_keys_are_checked() {
        let mut c = SecretContent::new();
        assert!(check_content(&c).is_err());
        c.insert("password".into(), "x".into());
        assert!(check_content(&c).is_ok());
        c.insert("Pass".into(), "x".into());
        assert!(check_content(&c).unwrap_err().to_string().contains("\"Pass\""));
    }
}
