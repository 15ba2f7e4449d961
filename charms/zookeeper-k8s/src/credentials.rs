//! The ensemble's passwords: `super`, `sync` and one per client relation.
//!
//! They live in one application-owned Juju secret labelled `cluster.<app>.app` with keys
//! `super-password`, `sync-password` and `relation-<id>` — the label and keys the Python
//! charm's data-platform peer library uses, so either charm finds the other's passwords. The
//! leader creates and updates it; every unit reads it through the URI the leader publishes in
//! the peer application bag (`internal_secret`). Owners get no `secret-changed`, so the
//! leader also bumps `credentials-version` there whenever the content changes: that peer
//! relation change is what wakes the other units. The version also counts every other change
//! to what the JAAS file says (the `sync` rotation phases), and each unit reports the version
//! its running server loaded, so the leader knows when a change reached every server.
//!
//! Rotating `sync` cannot be one rolling restart: a restarted server would log in to its peers
//! with a password the others do not know yet, and never rejoin. So rotation alternates the
//! quorum user between `sync` and `sync-alt` in three rolling restarts, keeping every pair of
//! servers able to talk: (1) `accept` — servers also accept the other user with the new
//! password; (2) `switch` — servers log in as the other user; (3) the leader makes the other
//! user the only one (`sync-user` in the peer bag, `sync-password` in the secret).

use std::collections::{BTreeMap, BTreeSet};

use charm_sdk::prelude::*;
use juju_model::SecretUri;

use crate::literals::{
    APP_CREDENTIALS_VERSION, APP_SECRET_URI, APP_SYNC_ROTATION, APP_SYNC_USER, SUPER_USER, SYNC_ALT_USER, SYNC_USER,
};
use crate::peers::{AppData, Cluster, SyncRotation};
use crate::render::JaasUsers;

const SUPER_KEY: &str = "super-password";
const SYNC_KEY: &str = "sync-password";
const SYNC_NEXT_KEY: &str = "sync-password-next";
const CLIENT_PREFIX: &str = "relation-";
/// Length of generated passwords (the Python charm's).
pub const PASSWORD_LENGTH: usize = 32;

/// The passwords, readable by every unit of the application.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `super`.
    pub super_password: String,
    /// The quorum user's current password (`sync-password`).
    pub sync_password: String,
    /// The next one, during a rotation.
    pub sync_next: Option<String>,
    /// Client passwords by relation id.
    pub clients: BTreeMap<u32, String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("clients", &self.clients.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Reads the secret's content; `None` while `super` or `sync` is missing.
    pub fn from_content(content: &SecretContent) -> Option<Self> {
        let clients = content
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(CLIENT_PREFIX)?.parse().ok()?, v.clone())))
            .collect();
        Some(Self {
            super_password: content.get(SUPER_KEY).filter(|p| !p.is_empty())?.clone(),
            sync_password: content.get(SYNC_KEY).filter(|p| !p.is_empty())?.clone(),
            sync_next: content.get(SYNC_NEXT_KEY).filter(|p| !p.is_empty()).cloned(),
            clients,
        })
    }

    /// The password of an internal user.
    pub fn internal(&self, user: &str) -> Option<&str> {
        match user {
            SUPER_USER => Some(&self.super_password),
            SYNC_USER => Some(&self.sync_password),
            _ => None,
        }
    }

    /// The JAAS users for the rotation state in `app`.
    pub fn jaas_users(&self, app: &AppData) -> JaasUsers {
        let current = app.sync_user().to_owned();
        let mut quorum_users = vec![(current.clone(), self.sync_password.clone())];
        let mut learner = (current.clone(), self.sync_password.clone());
        if let (Some(phase), Some(next)) = (app.sync_rotation(), &self.sync_next) {
            let other = other_sync_user(&current).to_owned();
            quorum_users.push((other.clone(), next.clone()));
            if phase == SyncRotation::Switch {
                learner = (other, next.clone());
            }
        }
        JaasUsers {
            super_password: self.super_password.clone(),
            quorum_users,
            learner,
            clients: self
                .clients
                .iter()
                .map(|(id, pw)| (format!("{CLIENT_PREFIX}{id}"), pw.clone()))
                .collect(),
        }
    }
}

/// The quorum user a rotation moves to.
pub fn other_sync_user(current: &str) -> &'static str {
    if current == SYNC_ALT_USER {
        SYNC_USER
    } else {
        SYNC_ALT_USER
    }
}

/// The secret's owner label.
pub fn secret_label(app: &str) -> String {
    format!("cluster.{app}.app")
}

/// The content the secret should have: `current` with `super`/`sync` generated when missing,
/// a password generated for each new client relation, and those of relations gone dropped.
pub fn desired_content(
    current: &SecretContent,
    client_ids: &BTreeSet<u32>,
    generate: &mut dyn FnMut() -> Result<String, Error>,
) -> Result<SecretContent, Error> {
    let mut out = SecretContent::new();
    for key in [SUPER_KEY, SYNC_KEY] {
        let value = match current.get(key).filter(|v| !v.is_empty()) {
            Some(v) => v.clone(),
            None => generate()?,
        };
        out.insert(key.to_owned(), value);
    }
    if let Some(next) = current.get(SYNC_NEXT_KEY).filter(|v| !v.is_empty()) {
        out.insert(SYNC_NEXT_KEY.to_owned(), next.clone());
    }
    for id in client_ids {
        let key = format!("{CLIENT_PREFIX}{id}");
        let value = match current.get(&key).filter(|v| !v.is_empty()) {
            Some(v) => v.clone(),
            None => generate()?,
        };
        out.insert(key, value);
    }
    Ok(out)
}

fn generate() -> Result<String, Error> {
    charm_sdk::generate_password(PASSWORD_LENGTH)
}

fn secret_meta(app: &str) -> SecretMeta {
    SecretMeta {
        label: Some(secret_label(app)),
        description: Some("ZooKeeper internal (super, sync) and client passwords".to_owned()),
        ..SecretMeta::default()
    }
}

/// Leader: makes the secret hold passwords for exactly `client_ids`, publishes its URI and
/// version in the peer application bag, and returns the passwords.
pub fn leader_sync<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    peers: &Relation,
    client_ids: &BTreeSet<u32>,
) -> Result<Credentials, Error> {
    let app = ctx.app().to_string();
    // The URI published in the peer bag (read already, so free) spares the label lookup.
    let bag = AppData(ctx.local_app_data(peers, Some(leader))?);
    let known = bag.secret_uri().and_then(|u| SecretUri::new(u).ok());
    let uri = ctx.ensure_app_secret_at(leader, known.as_ref(), secret_meta(&app), || {
        desired_content(&SecretContent::new(), &BTreeSet::new(), &mut generate)
    })?;
    let current = ctx.get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)?;
    let wanted = desired_content(&current, client_ids, &mut generate)?;
    store(ctx, leader, peers, &uri, &wanted, Databag::new())?;
    Credentials::from_content(&wanted).ok_or_else(|| Error::msg("the credentials secret lost its internal passwords"))
}

/// What `set-password` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    /// The password is already that one.
    Unchanged,
    /// Stored; the ensemble restarts one unit at a time to load it.
    Changed,
    /// A `sync` rotation started (three rolling restarts).
    RotationStarted,
}

/// Leader: replaces an internal user's password (the `set-password` action).
pub fn set_internal_password<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    peers: &Relation,
    user: &str,
    password: &str,
) -> Result<PasswordChange, String> {
    let app = AppData(ctx.local_app_data(peers, Some(leader)).map_err(|e| e.to_string())?);
    let uri = app
        .secret_uri()
        .ok_or("the passwords are not created yet; try again after the next hook")?;
    let uri = SecretUri::new(uri).map_err(|e| e.to_string())?;
    let mut content = ctx
        .get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)
        .map_err(|e| e.to_string())?;
    let mut app_changes = Databag::new();
    let change = match user {
        SUPER_USER => {
            if content.get(SUPER_KEY).map(String::as_str) == Some(password) {
                return Ok(PasswordChange::Unchanged);
            }
            content.insert(SUPER_KEY.to_owned(), password.to_owned());
            PasswordChange::Changed
        }
        SYNC_USER => {
            if app.sync_rotation().is_some() {
                return Err("a sync password rotation is already in progress; wait for it to finish".to_owned());
            }
            if content.get(SYNC_KEY).map(String::as_str) == Some(password) {
                return Ok(PasswordChange::Unchanged);
            }
            content.insert(SYNC_NEXT_KEY.to_owned(), password.to_owned());
            app_changes.insert(APP_SYNC_ROTATION.to_owned(), SyncRotation::Accept.as_str().to_owned());
            PasswordChange::RotationStarted
        }
        other => return Err(format!("{other:?} is not an internal user: use super or sync")),
    };
    store(ctx, leader, peers, &uri, &content, app_changes).map_err(|e| e.to_string())?;
    Ok(change)
}

/// Leader: moves a `sync` rotation to its next phase once every started server runs with
/// the current credentials.
pub fn advance_sync_rotation<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    peers: &Relation,
    cluster: &Cluster,
) -> Result<(), Error> {
    let Some(phase) = cluster.app_data.sync_rotation() else {
        return Ok(());
    };
    let version = cluster.app_data.credentials_version();
    let done = cluster
        .started()
        .iter()
        .all(|s| s.restart().is_none() && s.credentials_version() == Some(version));
    if !done {
        return Ok(());
    }
    let Some(uri) = cluster.app_data.secret_uri() else {
        return Ok(());
    };
    let uri = SecretUri::new(uri)?;
    let mut content = ctx.get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)?;
    let mut app_changes = Databag::new();
    match phase {
        SyncRotation::Accept => {
            app_changes.insert(APP_SYNC_ROTATION.to_owned(), SyncRotation::Switch.as_str().to_owned());
        }
        SyncRotation::Switch => {
            let Some(next) = content.remove(SYNC_NEXT_KEY) else {
                // Nothing to switch to: abandon the rotation.
                app_changes.insert(APP_SYNC_ROTATION.to_owned(), String::new());
                return store(ctx, leader, peers, &uri, &content, app_changes).map(|_| ());
            };
            content.insert(SYNC_KEY.to_owned(), next);
            app_changes.insert(
                APP_SYNC_USER.to_owned(),
                other_sync_user(cluster.app_data.sync_user()).to_owned(),
            );
            app_changes.insert(APP_SYNC_ROTATION.to_owned(), String::new());
        }
    }
    ctx.info(&format!("sync password rotation: {phase:?} done on every server"));
    store(ctx, leader, peers, &uri, &content, app_changes).map(|_| ())
}

/// Writes the secret and `app_changes`; bumps `credentials-version` when either changes
/// what the JAAS files say.
fn store<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    peers: &Relation,
    uri: &SecretUri,
    content: &SecretContent,
    app_changes: Databag,
) -> Result<bool, Error> {
    let changed = ctx.update_secret(uri, content)?;
    let app = AppData(ctx.local_app_data(peers, Some(leader))?);
    let app_changed = app_changes
        .iter()
        .any(|(k, v)| app.0.get(k).map(String::as_str).unwrap_or_default() != v);
    let mut bag = app_changes;
    bag.insert(APP_SECRET_URI.to_owned(), uri.to_string());
    let version = if changed || app_changed || app.credentials_version() == 0 {
        app.credentials_version() + 1
    } else {
        app.credentials_version()
    };
    bag.insert(APP_CREDENTIALS_VERSION.to_owned(), version.to_string());
    ctx.update_app_data(peers, leader, &bag)?;
    Ok(changed || app_changed)
}

/// Any unit: the passwords, once the leader has published them.
pub fn read<C: Charm>(ctx: &mut Context<'_, C>, app: &AppData) -> Result<Option<Credentials>, Error> {
    let Some(uri) = app.secret_uri() else { return Ok(None) };
    let uri = SecretUri::new(uri)?;
    let content = ctx.try_get_secret(&SecretRef::uri(uri), SecretRead::Peek)?;
    Ok(content.as_ref().and_then(Credentials::from_content))
}

/// Whether a password given to `set-password` can be written into the JAAS file: printable
/// ASCII without quotes, backslashes or spaces, 8 to 256 characters.
pub fn check_password(password: &str) -> Result<(), String> {
    if !(8..=256).contains(&password.len()) {
        return Err("the password must be 8 to 256 characters long".to_owned());
    }
    if let Some(c) = password
        .chars()
        .find(|c| !c.is_ascii_graphic() || matches!(c, '"' | '\\' | '\''))
    {
        return Err(format!(
            "the password contains {}, which cannot be written into ZooKeeper's JAAS file; use printable ASCII without quotes, backslashes or spaces",
            if c.is_ascii_graphic() { format!("{c:?}") } else { "a space or control character".to_owned() }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desired_content_keeps_generates_and_drops() {
        let current: SecretContent = [
            ("super-password".to_owned(), "S".to_owned()),
            ("relation-3".to_owned(), "old".to_owned()),
            ("relation-4".to_owned(), "gone".to_owned()),
        ]
        .into();
        let mut n = 0;
        let out = desired_content(&current, &[3, 5].into(), &mut || {
            n += 1;
            Ok(format!("gen{n}"))
        })
        .expect("content");
        assert_eq!(out["super-password"], "S");
        assert_eq!(out["sync-password"], "gen1");
        assert_eq!(out["relation-3"], "old");
        assert_eq!(out["relation-5"], "gen2");
        assert!(!out.contains_key("relation-4"));
        let creds = Credentials::from_content(&out).expect("complete");
        assert_eq!(creds.clients.keys().copied().collect::<Vec<_>>(), [3, 5]);
        assert!(!format!("{creds:?}").contains("gen"));
    }

    #[test]
    fn passwords_must_fit_in_jaas() {
        assert!(check_password("abcdefgh").is_ok());
        assert!(check_password("short").is_err());
        assert!(check_password("with\"quote").is_err());
        assert!(check_password("with space").is_err());
    }
}
