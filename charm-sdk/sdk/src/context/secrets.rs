//! Juju secrets from both sides: the owner (add, update, grant, revoke, remove) and the
//! observer (read pinned, peek, refresh).
//!
//! Content keys are checked against Juju's rule before any tool runs, and content never
//! travels on argv (the process backend passes it through 0600 files). Application-owned
//! secrets need the [`Leader`] token, as only the leader may manage them.

use std::collections::BTreeMap;

use juju_model::databag::{Codec, PlainStrings};
use juju_model::tools::{valid_secret_key, SecretInfo, SecretOwner};
use juju_model::{SecretUri, UnitName};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Context, Leader, Relation};
use crate::backend::{SecretMeta, SecretRead, SecretRef, ToolErrorKind};
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
        Ok(self.backend.secret_add(content, &meta)?)
    }

    /// Creates a unit-owned secret.
    pub fn add_unit_secret(&mut self, content: &SecretContent, meta: SecretMeta) -> Result<SecretUri, Error> {
        check_content(content)?;
        let meta = SecretMeta {
            owner: Some(SecretOwner::Unit),
            ..meta
        };
        Ok(self.backend.secret_add(content, &meta)?)
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
        match self.backend.secret_info_get(&SecretRef::label(label.clone())) {
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

    /// Reads a secret's content (`secret-get`); `read` picks pinned, peek or refresh.
    /// Giving both URI and label sets this unit's own label for the secret.
    pub fn get_secret(&mut self, secret: &SecretRef, read: SecretRead) -> Result<SecretContent, Error> {
        Ok(self.backend.secret_get(secret, read)?)
    }

    /// Reads a secret, `None` if it does not exist or is not (yet) granted to us.
    pub fn try_get_secret(&mut self, secret: &SecretRef, read: SecretRead) -> Result<Option<SecretContent>, Error> {
        match self.backend.secret_get(secret, read) {
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
        Ok(self.backend.secret_info_get(secret)?)
    }

    /// Writes new content as a new revision, only if it differs from the latest (Juju
    /// 3.6 ignores identical content, older versions would add a revision; we never
    /// send it). Returns whether a revision was added.
    pub fn update_secret(&mut self, uri: &SecretUri, content: &SecretContent) -> Result<bool, Error> {
        check_content(content)?;
        let current = self
            .backend
            .secret_get(&SecretRef::uri(uri.clone()), SecretRead::Peek)?;
        if &current == content {
            return Ok(false);
        }
        self.backend.secret_set(uri, Some(content), &SecretMeta::default())?;
        Ok(true)
    }

    /// Changes metadata only (label, description, expiry, rotation).
    pub fn set_secret_meta(&mut self, uri: &SecretUri, meta: &SecretMeta) -> Result<(), Error> {
        Ok(self.backend.secret_set(uri, None, meta)?)
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
        Ok(self.backend.secret_remove(uri, revision)?)
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
