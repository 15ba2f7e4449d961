//! The key an operator hands to a `set-tls-private-key` action: the key itself (PEM or base64
//! PEM, upstream's form) or the URI of a Juju secret holding it.
//!
//! Juju stores an action's parameters with its task (`juju show-task` prints them), so a raw
//! key stays readable there long after the action ran. A secret URI avoids that: the
//! operator runs `juju add-secret my-key private-key#file=key.pem` and `juju grant-secret
//! my-key <application>`, then passes the URI it printed.

use charm_sdk::prelude::*;

use super::key::{KeyAlgorithm, PrivateKey, OPERATOR_KEY_SECRET_FIELD};
use super::request::CertRequest;
use super::requirer::{KeyReplacement, TlsRequirer};
use crate::sensitive::Sensitive;

/// The key the action parameter `param` gives: read by [`PrivateKey::from_operator_input`]
/// from the value itself, or, when the value is `secret:<id>`, from that secret's
/// `private-key` field (latest revision, so an operator who fixes the secret and runs the
/// action again gets the fix). Failures name the parameter or the secret, never the key.
pub fn operator_key<C: Charm>(ctx: &mut Context<'_, C>, param: &str, text: &str) -> Result<PrivateKey, ActionError> {
    let uri = PrivateKey::operator_secret_uri(text).map_err(|e| ActionError::failed(format!("{param}: {e}")))?;
    let Some(uri) = uri else {
        return PrivateKey::from_operator_input(text)
            .map_err(|e| ActionError::failed(format!("{param} is not a usable private key: {e}")));
    };
    let content = ctx.get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek).map_err(|e| {
        ActionError::failed(format!(
            "{param}: cannot read secret {} ({e}); create it with `juju add-secret <name> {OPERATOR_KEY_SECRET_FIELD}#file=key.pem` and `juju grant-secret <name> {}`",
            uri.as_str(),
            ctx.app()
        ))
    })?;
    let pem = content.get(OPERATOR_KEY_SECRET_FIELD).ok_or_else(|| {
        ActionError::failed(format!(
            "{param}: secret {} has no `{OPERATOR_KEY_SECRET_FIELD}` field",
            uri.as_str()
        ))
    })?;
    PrivateKey::from_operator_input(pem).map_err(|e| {
        ActionError::failed(format!(
            "{param}: the `{OPERATOR_KEY_SECRET_FIELD}` of secret {} is not a usable private key: {e}",
            uri.as_str()
        ))
    })
}

/// The `set-tls-private-key` action (unit mode on `endpoint`): this unit's key becomes the
/// one the parameter `param` gives ([`operator_key`]: PEM, base64 PEM or a secret URI; a fresh
/// key of the default algorithm when absent), and a CSR for `request` — the charm's own
/// request, the one its reconcile makes, so that it does not replace this CSR again — signed by
/// it replaces the old one; the action log says which. The stores change when the provider
/// answers, in the reconcile that follows, like any renewal. A key that cannot be used, or no
/// relation on `endpoint`, changes nothing and fails the action.
pub fn set_private_key_action<C: Charm>(
    ctx: &mut Context<'_, C>,
    endpoint: &str,
    param: &str,
    given: Option<&Sensitive>,
    request: impl FnOnce(&mut Context<'_, C>) -> Result<CertRequest, ActionError>,
) -> Result<ActionResults, ActionError> {
    let key = match given {
        // The key itself, or a secret URI naming it (not stored with the action task).
        Some(text) => operator_key(ctx, param, text.expose())?,
        None => PrivateKey::generate(KeyAlgorithm::default()).map_err(|e| Error::msg(e.to_string()))?,
    };
    let request = request(ctx)?;
    let replaced = TlsRequirer::new(endpoint, request)
        .replace_private_key(ctx, None, &key)
        .map_err(|e| ActionError::Error(Error::msg(e.to_string())))?;
    match replaced {
        KeyReplacement::Requested => {
            ctx.action_log("Private key replaced; a certificate for it was requested from the TLS provider.")?
        }
        KeyReplacement::Unchanged => ctx.action_log("This key is already the unit's private key; nothing changed.")?,
        KeyReplacement::NotRelated | KeyReplacement::NotLeader => {
            return Err(ActionError::failed(
                "set-tls-private-key needs the certificates relation: relate to a TLS provider first",
            ))
        }
    }
    Ok(ActionResults::new())
}
