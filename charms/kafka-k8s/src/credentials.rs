//! Passwords: the internal users (`admin`, the inter-broker `sync`, the KRaft `controller`,
//! the Cruise Control web UI's `balancer`) and one per client relation (`relation-<id>`).
//!
//! They live in application-owned Juju secrets, never in relation data. The internal users'
//! secret is labelled `cluster.<app>.app` with keys `<user>-password` — the label and keys of
//! the Python charm's peer secret — and every unit reads it through the URI the leader
//! publishes in the peer application bag, because every broker writes these passwords into
//! its listener JAAS and `client.properties`. Units of the owning application get no
//! `secret-changed`, so the leader also bumps `credentials-version` in the peer bag whenever
//! the content changes: that peer relation change is what wakes the other units.
//!
//! Client passwords are only needed by the leader (it writes their SCRAM credentials and
//! publishes them to each client through the kafka_client secrets), so they sit in a second
//! secret, `cluster.<app>.clients`, that the other units never read.

use std::collections::BTreeMap;
use std::fmt;

use charm_sdk::prelude::*;
use juju_model::SecretUri;

use crate::literals::*;
use crate::peers::AppData;

/// Every internal user with a password in the internal users' secret.
pub const INTERNAL_USERS: [&str; 4] = [ADMIN_USER, SYNC_USER, CONTROLLER_USER, BALANCER_USER];
/// Length of generated passwords (the Python charm's).
pub const PASSWORD_LENGTH: usize = 32;
/// Peer app key: bumped whenever the internal users' secret changes.
pub const APP_CREDENTIALS_VERSION: &str = "credentials-version";

/// The internal users' passwords.
#[derive(Clone, PartialEq, Eq)]
pub struct InternalPasswords {
    /// `admin`.
    pub admin: String,
    /// `sync` (inter-broker).
    pub sync: String,
    /// `controller` (KRaft).
    pub controller: String,
    /// `balancer` (Cruise Control's web UI, balancer role). Optional: a secret written by a
    /// charm revision before the balancer role has no such key, and a unit upgraded before
    /// the leader must still run its broker (the leader adds the key on its next run; only
    /// Cruise Control, which needs it, waits for it).
    pub balancer: Option<String>,
}

impl fmt::Debug for InternalPasswords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InternalPasswords(<redacted>)")
    }
}

impl InternalPasswords {
    /// From the secret's content; `None` while a key every broker needs (`admin`, `sync`,
    /// `controller`) is missing.
    pub fn from_content(content: &SecretContent) -> Option<InternalPasswords> {
        let get = |user: &str| content.get(&key(user)).filter(|v| !v.is_empty()).cloned();
        Some(InternalPasswords {
            admin: get(ADMIN_USER)?,
            sync: get(SYNC_USER)?,
            controller: get(CONTROLLER_USER)?,
            balancer: get(BALANCER_USER),
        })
    }

    /// The password of an internal user.
    pub fn get(&self, user: &str) -> Option<&str> {
        match user {
            ADMIN_USER => Some(&self.admin),
            SYNC_USER => Some(&self.sync),
            CONTROLLER_USER => Some(&self.controller),
            BALANCER_USER => self.balancer.as_deref(),
            _ => None,
        }
    }
}

/// The secret key of an internal user's password.
pub fn key(user: &str) -> String {
    format!("{user}-password")
}

/// A new random password.
pub fn generate() -> Result<String, Error> {
    charm_sdk::generate_password(PASSWORD_LENGTH)
}

fn internal_meta(app: &str) -> SecretMeta {
    SecretMeta {
        label: Some(internal_secret_label(app)),
        description: Some("Kafka internal users (admin, sync, controller, balancer)".to_owned()),
        ..SecretMeta::default()
    }
}

/// Leader: the internal users' secret, created (or completed) with generated passwords, and
/// its URI published to the peers. Returns the passwords and the peer-bag changes.
pub fn leader_ensure<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    app: &AppData,
) -> Result<(InternalPasswords, Databag), Error> {
    let label = internal_secret_label(ctx.app().as_str());
    // The URI published in the peer bag spares the label lookup while it is valid.
    let known = app.internal_secret().and_then(|u| SecretUri::new(u).ok());
    let uri = ctx.ensure_app_secret_at(leader, known.as_ref(), internal_meta(ctx.app().as_str()), fresh_content)?;
    let current = ctx.get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)?;
    let mut wanted = current.clone();
    for user in INTERNAL_USERS {
        if wanted.get(&key(user)).is_none_or(|v| v.is_empty()) {
            wanted.insert(key(user), generate()?);
        }
    }
    let mut changes = Databag::new();
    if wanted != current {
        ctx.update_secret(&uri, &wanted)?;
        changes.insert(APP_CREDENTIALS_VERSION.to_owned(), next_version(app));
    }
    if app.internal_secret() != Some(uri.as_str()) {
        changes.insert(APP_INTERNAL_SECRET.to_owned(), uri.to_string());
    }
    let passwords = InternalPasswords::from_content(&wanted)
        .ok_or_else(|| Error::msg(format!("the secret {label} lost an internal password")))?;
    Ok((passwords, changes))
}

fn fresh_content() -> Result<SecretContent, Error> {
    let mut content = SecretContent::new();
    for user in INTERNAL_USERS {
        content.insert(key(user), generate()?);
    }
    Ok(content)
}

/// The next `credentials-version`.
pub fn next_version(app: &AppData) -> String {
    let current: u64 = app
        .0
        .get(APP_CREDENTIALS_VERSION)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (current + 1).to_string()
}

/// Any unit: the internal passwords, once the leader published them.
pub fn read<C: Charm>(ctx: &mut Context<'_, C>, app: &AppData) -> Result<Option<InternalPasswords>, Error> {
    let Some(uri) = app.internal_secret() else {
        return Ok(None);
    };
    let uri = SecretUri::new(uri)?;
    let content = ctx.try_get_secret(&SecretRef::uri(uri), SecretRead::Peek)?;
    Ok(content.as_ref().and_then(InternalPasswords::from_content))
}

/// Leader: replaces an internal user's password (`set-password`). Returns the peer-bag
/// changes (the bumped version) to write with the rest of the run's changes.
pub fn set_internal<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    app: &AppData,
    user: &str,
    password: &str,
) -> Result<Databag, Error> {
    let uri = ctx.ensure_app_secret(leader, internal_meta(ctx.app().as_str()), fresh_content)?;
    let mut content = ctx.get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)?;
    content.insert(key(user), password.to_owned());
    let mut changes = Databag::new();
    if ctx.update_secret(&uri, &content)? {
        changes.insert(APP_CREDENTIALS_VERSION.to_owned(), next_version(app));
    }
    changes.insert(APP_INTERNAL_SECRET.to_owned(), uri.to_string());
    Ok(changes)
}

/// The client users' passwords, by relation id (leader only). Loaded once per run, changed
/// in memory, written back with [`ClientPasswords::save`] only when they changed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ClientPasswords {
    /// The secret's URI, looked up by label only when a write needs it.
    uri: Option<SecretUri>,
    /// Whether the secret exists.
    exists: bool,
    loaded: BTreeMap<u32, String>,
    current: BTreeMap<u32, String>,
}

impl fmt::Debug for ClientPasswords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientPasswords")
            .field("relations", &self.current.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn client_key(id: u32) -> String {
    format!("{CLIENT_USER_PREFIX}{id}")
}

impl ClientPasswords {
    /// Loads the secret (empty when it does not exist yet).
    pub fn load<C: Charm>(ctx: &mut Context<'_, C>, _leader: &Leader) -> Result<ClientPasswords, Error> {
        let label = clients_secret_label(ctx.app().as_str());
        let Some(content) = ctx.try_get_secret(&SecretRef::label(label.clone()), SecretRead::Peek)? else {
            return Ok(ClientPasswords::default());
        };
        let loaded: BTreeMap<u32, String> = content
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(CLIENT_USER_PREFIX)?.parse().ok()?, v.clone())))
            .filter(|(_, v): &(u32, String)| !v.is_empty())
            .collect();
        Ok(ClientPasswords {
            uri: None,
            exists: true,
            current: loaded.clone(),
            loaded,
        })
    }

    /// The password of relation `id`'s user, generated when it has none.
    pub fn ensure(&mut self, id: u32) -> Result<String, Error> {
        if let Some(p) = self.current.get(&id) {
            return Ok(p.clone());
        }
        let password = generate()?;
        self.current.insert(id, password.clone());
        Ok(password)
    }

    /// The password of relation `id`'s user, if it has one.
    pub fn get(&self, id: u32) -> Option<&str> {
        self.current.get(&id).map(String::as_str)
    }

    /// Replaces relation `id`'s password.
    pub fn set(&mut self, id: u32, password: String) {
        self.current.insert(id, password);
    }

    /// Forgets relation `id`'s password.
    pub fn remove(&mut self, id: u32) {
        self.current.remove(&id);
    }

    /// The relation ids with a password.
    pub fn ids(&self) -> Vec<u32> {
        self.current.keys().copied().collect()
    }

    /// Writes the secret if anything changed (creating or removing it as needed).
    pub fn save<C: Charm>(&mut self, ctx: &mut Context<'_, C>, leader: &Leader) -> Result<(), Error> {
        if self.current == self.loaded {
            return Ok(());
        }
        let content: SecretContent = self
            .current
            .iter()
            .map(|(id, p)| (client_key(*id), p.clone()))
            .collect();
        if self.exists && self.uri.is_none() {
            // Asked only now: a run that changes no password needs no URI.
            let label = clients_secret_label(ctx.app().as_str());
            self.uri = ctx.secret_info(&SecretRef::label(label))?.uri;
        }
        match (&self.uri, content.is_empty()) {
            (Some(uri), true) => ctx.remove_secret(uri, None)?,
            (Some(uri), false) => {
                ctx.update_secret(uri, &content)?;
            }
            (None, true) => {}
            (None, false) => {
                let meta = SecretMeta {
                    label: Some(clients_secret_label(ctx.app().as_str())),
                    description: Some("Kafka client users' passwords (relation-<id>)".to_owned()),
                    ..SecretMeta::default()
                };
                self.uri = Some(ctx.add_app_secret(leader, &content, meta)?);
            }
        }
        self.exists = !content.is_empty();
        if content.is_empty() {
            self.uri = None;
        }
        self.loaded = self.current.clone();
        Ok(())
    }
}

/// A short, one-way fingerprint of a credential: lets the leader remember (in its own unit
/// state, never in relation data) which passwords it already wrote to the metadata store.
pub fn fingerprint(user: &str, password: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, format!("{user}:{password}").as_bytes());
    digest.as_ref().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_passwords_and_fingerprints_differ() {
        let p = InternalPasswords {
            admin: "a-secret".into(),
            sync: "s-secret".into(),
            controller: "c-secret".into(),
            balancer: Some("b-secret".into()),
        };
        assert!(!format!("{p:?}").contains("secret"));
        assert_ne!(fingerprint("admin", "x"), fingerprint("admin", "y"));
        assert_eq!(fingerprint("admin", "x").len(), 16);
    }

    #[test]
    fn a_secret_without_the_balancer_key_still_gives_the_broker_passwords() {
        // The content a previous charm revision wrote: no `balancer-password`.
        let mut content = SecretContent::new();
        for user in [ADMIN_USER, SYNC_USER, CONTROLLER_USER] {
            content.insert(key(user), format!("{user}-pw"));
        }
        let p = InternalPasswords::from_content(&content).expect("the broker's passwords are all there");
        assert_eq!(p.admin, "admin-pw");
        assert_eq!(p.balancer, None);
        assert_eq!(p.get(BALANCER_USER), None);
        content.remove(&key(SYNC_USER));
        assert!(InternalPasswords::from_content(&content).is_none());
    }
}
