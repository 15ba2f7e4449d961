//! The key an operator hands to a `set-tls-private-key` action: the key itself (PEM or base64
//! PEM, upstream's form) or the URI of a Juju secret holding it.
//!
//! Juju stores an action's parameters with its task (`juju show-task` prints them), so a raw
//! key stays readable there long after the action ran. A secret URI avoids that: the
//! operator runs `juju add-secret my-key private-key#file=key.pem` and `juju grant-secret
//! my-key <application>`, then passes the URI it printed.

use charm_sdk::prelude::*;

use super::key::{PrivateKey, OPERATOR_KEY_SECRET_FIELD};

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
