//! Owner-side secret chores shared by the requirer: find by label, create or update,
//! remove. Kept apart so the requirer reads as the protocol, not as hook-tool plumbing.

use charm_sdk::backend::{HookToolError, ToolErrorKind};
use charm_sdk::{Charm, Context, Leader, SecretContent, SecretMeta, SecretRead, SecretRef};
use juju_model::SecretUri;

use crate::error::Error;

/// Who owns a secret we create.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner<'a> {
    Unit,
    App(&'a Leader),
}

fn not_found(e: &charm_sdk::Error) -> bool {
    matches!(
        e.root(),
        charm_sdk::Error::HookTool(HookToolError {
            kind: ToolErrorKind::SecretNotFound,
            ..
        })
    )
}

/// The URI of the owned secret labelled `label`, if it exists.
pub(crate) fn find<C: Charm>(ctx: &mut Context<'_, C>, label: &str) -> Result<Option<SecretUri>, Error> {
    match ctx.secret_info(&SecretRef::label(label)) {
        Ok(info) => Ok(info.uri),
        Err(e) if not_found(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The content of the owned secret labelled `label` (latest revision), if it exists.
pub(crate) fn read<C: Charm>(ctx: &mut Context<'_, C>, label: &str) -> Result<Option<SecretContent>, Error> {
    Ok(ctx.try_get_secret(&SecretRef::label(label), SecretRead::Peek)?)
}

/// Makes the secret labelled `label` hold `content` (and `expire`, when given): creates it,
/// or adds a revision only when the content differs. Returns whether anything changed.
pub(crate) fn ensure<C: Charm>(
    ctx: &mut Context<'_, C>,
    owner: Owner<'_>,
    label: &str,
    content: &SecretContent,
    expire: Option<String>,
) -> Result<bool, Error> {
    match find(ctx, label)? {
        None => {
            let meta = SecretMeta {
                label: Some(label.to_owned()),
                expire,
                ..SecretMeta::default()
            };
            match owner {
                Owner::Unit => ctx.add_unit_secret(content, meta)?,
                Owner::App(leader) => ctx.add_app_secret(leader, content, meta)?,
            };
            Ok(true)
        }
        Some(uri) => {
            let changed = ctx.update_secret(&uri, content)?;
            if changed && expire.is_some() {
                ctx.set_secret_meta(
                    &uri,
                    &SecretMeta {
                        expire,
                        ..SecretMeta::default()
                    },
                )?;
            }
            Ok(changed)
        }
    }
}

/// Removes the secret labelled `label` (all revisions), if it exists.
pub(crate) fn remove<C: Charm>(ctx: &mut Context<'_, C>, label: &str) -> Result<bool, Error> {
    match find(ctx, label)? {
        Some(uri) => {
            ctx.remove_secret(&uri, None)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Removes every owned secret whose label starts with `prefix` (one `secret-ids` and one
/// `secret-info-get` per owned secret: only for clean-up after a relation is gone).
pub(crate) fn remove_prefixed<C: Charm>(ctx: &mut Context<'_, C>, prefix: &str) -> Result<usize, Error> {
    let mut removed = 0;
    for uri in ctx.owned_secrets()? {
        let info = match ctx.secret_info(&SecretRef::uri(uri.clone())) {
            Ok(info) => info,
            Err(e) if not_found(&e) => continue,
            Err(e) => return Err(e.into()),
        };
        if info.label.as_deref().is_some_and(|l| l.starts_with(prefix)) {
            ctx.remove_secret(&uri, None)?;
            removed += 1;
        }
    }
    Ok(removed)
}
