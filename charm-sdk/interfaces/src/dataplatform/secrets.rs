//! Juju secrets the way `data_interfaces` shares them: one application-owned secret per
//! group and relation, found again by its label, granted to the relation; read by the
//! other side with its own label so later `secret-changed` events map to the relation.
//!
//! This is the only place the family touches secret hook tools, so the rules "never put
//! content in an error" and "a missing grant is bad remote data, not a crash" hold once.

use std::collections::BTreeMap;

use charm_sdk::backend::ToolErrorKind;
use charm_sdk::{Charm, Context, Leader, Relation, SecretMeta, SecretRead, SecretRef};
use juju_model::{Databag, SecretUri};

use super::plan::{apply, plan_write, BagView, SecretContent};
use super::provider::set_uri;
use crate::error::{Error, RelationLabel};

/// Writes `fields` the v0 way on `relation`: those named in `secret_fields` (the other
/// side's list) into this application's per-group secrets labelled
/// `<endpoint>.<id>.<group>.secret`, their URIs under `secret-<group>`; the rest as plain
/// keys. Returns the changes for this application's bag (`own` is its current content).
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_v0<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    label: &RelationLabel,
    endpoint: &str,
    own: &Databag,
    secret_fields: &[String],
    fields: &[(String, String)],
) -> Result<Databag, Error> {
    let plan = plan_write(secret_fields, own, fields);
    let mut changes = Databag::new();
    for (group, updates) in &plan.secrets {
        let secret_label = group.label(endpoint, relation.id.0);
        let uri = publish_owned(ctx, leader, relation, label, &secret_label, updates)?;
        set_uri(&mut changes, own, group.key(), uri.as_ref().map(|u| u.as_str()));
    }
    changes.extend(plan.plain);
    Ok(changes)
}

/// Reads a bag written the v0 way: every field, those named in `secret_fields` from the
/// secrets the bag points to (read with our label `<endpoint>.<id>.<group>.secret`).
pub(crate) fn read_v0<C: Charm>(
    ctx: &mut Context<'_, C>,
    relation: &Relation,
    label: &RelationLabel,
    endpoint: &str,
    bag: &Databag,
    secret_fields: &[String],
) -> Result<Databag, Error> {
    let view = BagView::from_bag(bag);
    let mut secrets: BTreeMap<_, SecretContent> = BTreeMap::new();
    for group in view.groups_to_read(secret_fields) {
        if let Some(uri) = view.secret_uris.get(&group) {
            let secret_label = group.label(endpoint, relation.id.0);
            secrets.insert(group, read_shared(ctx, label, &group.key(), uri, Some(&secret_label))?);
        }
    }
    Ok(view.resolve(secret_fields, &secrets))
}

/// The kind of a hook-tool failure under any context layers.
pub(crate) fn tool_kind(error: &charm_sdk::Error) -> Option<ToolErrorKind> {
    match error.root() {
        charm_sdk::Error::HookTool(e) => Some(e.kind),
        _ => None,
    }
}

/// Reads a secret another application shared through `key` (`secret-user`), as a consumer:
/// latest revision (`--refresh`, as `CachedSecret.get_content` does), setting our own
/// `label` on it when given.
pub(crate) fn read_shared<C: Charm>(
    ctx: &mut Context<'_, C>,
    relation: &RelationLabel,
    key: &str,
    uri: &str,
    label: Option<&str>,
) -> Result<SecretContent, Error> {
    let unreadable = |reason: &str| Error::UnreadableSecret {
        relation: Box::new(relation.clone()),
        key: key.to_owned(),
        uri: uri.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed = SecretUri::new(uri).map_err(|_| unreadable("not a secret URI"))?;
    let secret = SecretRef {
        uri: Some(parsed),
        label: label.map(str::to_owned),
    };
    match ctx.get_secret(&secret, SecretRead::Refresh) {
        Ok(content) => Ok(content),
        Err(e) => match tool_kind(&e) {
            Some(ToolErrorKind::SecretNotFound) => Err(unreadable("not found")),
            Some(ToolErrorKind::PermissionDenied) => {
                Err(unreadable("permission denied: not granted to this application"))
            }
            _ => Err(Error::SdkOn {
                relation: Box::new(relation.clone()),
                source: e,
            }),
        },
    }
}

/// Creates or updates the application-owned secret labelled `label` with `updates` (an
/// empty value removes a field) and grants new secrets to `relation`. Returns the URI, or
/// `None` when the secret ends up empty (it is then removed, as the library does).
/// Content is only written when it changes.
pub(crate) fn publish_owned<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    label_for_errors: &RelationLabel,
    label: &str,
    updates: &[(String, String)],
) -> Result<Option<SecretUri>, Error> {
    let on = |e: charm_sdk::Error| Error::SdkOn {
        relation: Box::new(label_for_errors.clone()),
        source: e,
    };
    match ctx.secret_info(&SecretRef::label(label)) {
        Ok(info) => {
            let Some(uri) = info.uri else {
                return Err(on(charm_sdk::Error::msg(format!(
                    "secret-info-get gave no URI for label {label:?}"
                ))));
            };
            let current = ctx
                .get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)
                .map_err(on)?;
            let next = apply(&current, updates);
            if next.is_empty() {
                ctx.remove_secret(&uri, None).map_err(on)?;
                return Ok(None);
            }
            if next != current {
                ctx.update_secret(&uri, &next).map_err(on)?;
            }
            Ok(Some(uri))
        }
        Err(e) if tool_kind(&e) == Some(ToolErrorKind::SecretNotFound) => {
            let content = apply(&SecretContent::new(), updates);
            if content.is_empty() {
                return Ok(None);
            }
            let meta = SecretMeta {
                label: Some(label.to_owned()),
                ..SecretMeta::default()
            };
            let uri = ctx.add_app_secret(leader, &content, meta).map_err(on)?;
            if !relation.peer {
                ctx.grant_secret(&uri, relation, None).map_err(on)?;
            }
            Ok(Some(uri))
        }
        Err(e) => Err(on(e)),
    }
}
