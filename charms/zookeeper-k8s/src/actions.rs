//! The actions, with the Python charm's names, parameters and result keys:
//! `get-super-password` → `super-password`, `get-sync-password` → `sync-password`,
//! `set-password` (`username` super|sync, default super; `password` optional) →
//! `<username>-password`; `set-tls-private-key` (`internal-key` optional; in `crate::tls`),
//! no results.
//!
//! `set-password` only stores the new password; the reconcile that follows (the secret's
//! version bump wakes every unit) rolls it out one server at a time.

use charm_interfaces::tls::set_private_key_action;
use charm_sdk::prelude::*;
use serde::Deserialize;

use crate::credentials::{self, check_password, PasswordChange, PASSWORD_LENGTH};
use crate::literals::{CERTIFICATES, PEER, SUPER_USER, SYNC_USER};
use crate::peers::AppData;

/// The charm's actions.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub enum Action {
    /// The `super` user's password.
    GetSuperPassword,
    /// The `sync` user's password.
    GetSyncPassword,
    /// Changes an internal user's password (leader only).
    SetPassword {
        /// `super` or `sync`.
        #[serde(default = "default_username")]
        username: String,
        /// The new password; generated when absent.
        password: Option<String>,
    },
    /// Replace this unit's TLS private key and request a certificate for it (any unit).
    SetTlsPrivateKey {
        /// PEM or base64-encoded PEM (RSA ≥ 2048 bits or ECDSA P-256/P-384); a new key is
        /// generated when absent.
        #[serde(rename = "internal-key")]
        internal_key: Option<charm_interfaces::sensitive::Sensitive>,
    },
    /// Checks the ensemble and prepares an in-place upgrade (leader; `crate::upgrade`).
    PreUpgradeCheck,
    /// Lets the remaining units upgrade after the first one did (leader; `crate::upgrade`).
    ResumeUpgrade,
}

fn default_username() -> String {
    SUPER_USER.to_owned()
}

/// Runs an action.
pub fn run<C: Charm<Config = crate::config::Config>>(
    ctx: &mut Context<'_, C>,
    action: Action,
) -> Result<ActionResults, ActionError> {
    match action {
        Action::GetSuperPassword => get_password(ctx, SUPER_USER),
        Action::GetSyncPassword => get_password(ctx, SYNC_USER),
        Action::SetPassword { username, password } => set_password(ctx, &username, password),
        Action::SetTlsPrivateKey { internal_key } => set_private_key_action(
            ctx,
            CERTIFICATES,
            "internal-key",
            internal_key.as_ref(),
            crate::tls::key_request,
        ),
        // They need the charm's connector (ZooKeeper, Kubernetes): the charm runs them
        // (`ZooKeeperCharm::run_action`).
        Action::PreUpgradeCheck | Action::ResumeUpgrade => {
            Err(ActionError::failed("the upgrade actions are run by the charm itself"))
        }
    }
}

fn get_password<C: Charm>(ctx: &mut Context<'_, C>, user: &str) -> Result<ActionResults, ActionError> {
    let peers = ctx
        .relation(PEER)?
        .ok_or_else(|| ActionError::failed("the peer relation is not there yet"))?;
    let app = AppData(ctx.local_app_data(&peers, None)?);
    let creds = credentials::read(ctx, &app)?
        .ok_or_else(|| ActionError::failed("the passwords are not created yet; wait for the leader to settle"))?;
    let password = creds.internal(user).unwrap_or_default().to_owned();
    Ok(ActionResults::new().set(format!("{user}-password"), password)?)
}

fn set_password<C: Charm>(
    ctx: &mut Context<'_, C>,
    username: &str,
    password: Option<String>,
) -> Result<ActionResults, ActionError> {
    let Some(leader) = ctx.leader()? else {
        return Err(ActionError::failed("Password rotation must be called on leader unit"));
    };
    crate::upgrade::refuse_while_upgrading(ctx, "set password")?;
    if username != SUPER_USER && username != SYNC_USER {
        return Err(ActionError::failed(format!(
            "The action can be run only for users used by the charm: super, sync; not {username:?}."
        )));
    }
    let password = match password {
        Some(p) => {
            check_password(&p).map_err(ActionError::failed)?;
            p
        }
        None => charm_sdk::generate_password(PASSWORD_LENGTH)?,
    };
    let peers = ctx
        .relation(PEER)?
        .ok_or_else(|| ActionError::failed("the peer relation is not there yet"))?;
    let change =
        credentials::set_internal_password(ctx, &leader, &peers, username, &password).map_err(ActionError::failed)?;
    match change {
        PasswordChange::Unchanged => ctx.action_log("The old and new passwords are equal.")?,
        PasswordChange::Changed => {
            ctx.action_log("Password stored; the units restart one at a time to load it.")?;
        }
        PasswordChange::RotationStarted => ctx.action_log(
            "Password stored; the quorum user rotates in three rolling restarts without losing the quorum.",
        )?,
    }
    Ok(ActionResults::new().set(format!("{username}-password"), password)?)
}
