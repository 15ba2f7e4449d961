//! Secret hook tools: secret-add, -get, -set, -remove, -grant, -revoke, -ids, -info-get.
//!
//! Following Juju's uniter context: creates, updates, removals, grants and revokes are
//! buffered until commit, and a secret created in this hook is readable by its owner at
//! once. What a consumer reads is decided at the controller when it reads: the first
//! `secret-get` pins the latest revision, `--refresh` moves the pin, `--peek` does not, and
//! `secret-get <id> --label L` records the consumer's own label; those take effect
//! immediately. Deviation, for clearer failures: a non-owner's secret-set/-remove/-revoke
//! is refused at the call (`permission denied`), where Juju buffers it and fails the commit.

use std::collections::BTreeMap;

use juju_model::tools::{RotatePolicy, SecretInfo, SecretOwner};
use juju_model::{RelationId, SecretUri, UnitName};

use super::Hook;
use crate::access::{self, SecretManage};
use crate::error::{RuleError, RuleResult};
use crate::limits::check_secret_content;
use crate::model::Model;
use crate::pending::{Op, SecretMetaChange};
use crate::secret::{Consumer, Grant, GrantTarget, Secret, SecretOwnerRef};
use crate::time::{parse_expire, Timestamp};

/// How `secret-get` picks the revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretRead {
    /// The pinned revision (the first read pins the latest).
    #[default]
    Pinned,
    /// The latest revision, leaving the pin (`--peek`).
    Peek,
    /// The latest revision, moving the pin to it (`--refresh`).
    Refresh,
}

/// The flags of `secret-add` / `secret-set` (content is passed separately).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretArgs {
    /// `--label`.
    pub label: Option<String>,
    /// `--description`.
    pub description: Option<String>,
    /// `--expire`: RFC 3339 time, time without zone, or Go duration.
    pub expire: Option<String>,
    /// `--rotate`.
    pub rotate: Option<RotatePolicy>,
    /// `--owner` (secret-add only; default application).
    pub owner: Option<SecretOwner>,
}

impl Hook {
    /// `secret-add`: creates a secret (revision 1) at commit and returns its URI now.
    /// Application-owned secrets (the default) need leadership.
    pub fn secret_add(
        &mut self,
        model: &mut Model,
        content: &BTreeMap<String, String>,
        args: &SecretArgs,
    ) -> RuleResult<SecretUri> {
        // Content and flags are checked first, as Juju's `Init` does, then leadership.
        check_secret_content(content, &model.limits)?;
        let expire = self.parse_expire(model, args.expire.as_deref())?;
        let unit = self.ctx.unit.clone();
        let owner = match args.owner.unwrap_or(SecretOwner::Application) {
            SecretOwner::Application => {
                if !model.is_leader(&unit) {
                    return Err(RuleError::not_leader().with_explain(format!(
                        "unit {unit} is not leader: only the leader may create application-owned secrets \
                         (the default owner); check ctx.leader() first or create it with owner unit"
                    )));
                }
                SecretOwnerRef::App(unit.app().clone())
            }
            SecretOwner::Unit => SecretOwnerRef::Unit(unit.clone()),
        };
        if let Some(label) = &args.label {
            self.check_label_free(model, label, &owner, None)?;
        }
        let id = model.allocate_secret_id();
        let uri = SecretUri::new(format!("secret:{id}")).map_err(|e| RuleError::not_valid(e.to_string()))?;
        let mut secret = Secret::new(uri.clone(), owner, content.clone(), model.now);
        secret.label = args.label.clone();
        secret.description = args.description.clone();
        if let Some(rotate) = args.rotate {
            secret.set_rotate(rotate, model.now);
        }
        if let Some(first) = secret.revisions.get_mut(&1) {
            first.expire = expire;
        }
        self.ops.push(Op::SecretCreate(Box::new(secret)));
        Ok(uri)
    }

    /// `secret-get [<uri>] [--label L] [--peek|--refresh]`: the content.
    pub fn secret_get(
        &mut self,
        model: &mut Model,
        uri: Option<&SecretUri>,
        label: Option<&str>,
        read: SecretRead,
    ) -> RuleResult<BTreeMap<String, String>> {
        if uri.is_none() && label.is_none() {
            return Err(RuleError::invalid("require either a secret URI or label"));
        }
        let unit = self.ctx.unit.clone();
        let view = self.secrets_view(model);
        let secret = self.find_secret(&view, uri, label)?;
        let id = secret.id().to_owned();
        access::check_secret_read(model, &unit, secret)?;
        let owner = access::owns(&unit, secret);

        // Created in this hook: not at the controller yet, the owner reads the pending value.
        let Some(stored) = model.secrets.get(&id) else {
            if let (Some(label), Some(Op::SecretCreate(pending))) = (
                label,
                self.ops
                    .iter_mut()
                    .find(|op| matches!(op, Op::SecretCreate(s) if s.id() == id)),
            ) {
                pending.label = Some(label.to_owned());
            }
            return secret
                .latest_content()
                .cloned()
                .ok_or_else(|| RuleError::secret_not_found(&id));
        };
        let stored_latest = stored.latest().ok_or_else(|| RuleError::secret_not_found(&id))?;
        let view_latest = secret.latest_content().cloned();

        if let (Some(_), Some(label)) = (uri, label) {
            if owner {
                self.ops.push(Op::SecretUpdate {
                    id: id.clone(),
                    content: None,
                    meta: SecretMetaChange {
                        label: Some(label.to_owned()),
                        ..SecretMetaChange::default()
                    },
                });
            } else {
                self.check_consumer_label_free(model, &id, label)?;
            }
        }
        let stored = model
            .secrets
            .get_mut(&id)
            .ok_or_else(|| RuleError::secret_not_found(&id))?;
        if let (Some(_), Some(label), false) = (uri, label, owner) {
            stored
                .consumers
                .entry(unit.clone())
                .or_insert(Consumer {
                    revision: stored_latest,
                    label: None,
                })
                .label = Some(label.to_owned());
        }
        let consumer = stored.consumers.entry(unit).or_insert(Consumer {
            revision: stored_latest,
            label: None,
        });
        match read {
            SecretRead::Peek => view_latest.ok_or_else(|| RuleError::secret_not_found(&id)),
            SecretRead::Refresh => {
                consumer.revision = stored_latest;
                view_latest.ok_or_else(|| RuleError::secret_not_found(&id))
            }
            SecretRead::Pinned => {
                let pinned = consumer.revision;
                stored.revisions.get(&pinned).map(|r| r.content.clone()).ok_or_else(|| {
                    RuleError::secret_not_found(&id).with_explain(format!(
                        "revision {pinned} of secret {id}, which this unit tracks, was removed; read with refresh"
                    ))
                })
            }
        }
    }

    /// `secret-set <uri> [flags] [k=v…]`: a new revision (if the content differs) and/or
    /// metadata, at commit.
    pub fn secret_set(
        &mut self,
        model: &Model,
        uri: &SecretUri,
        content: Option<&BTreeMap<String, String>>,
        args: &SecretArgs,
    ) -> RuleResult<()> {
        let view = self.secrets_view(model);
        let secret = view
            .get(uri.id())
            .ok_or_else(|| RuleError::secret_not_found(uri.id()))?;
        access::check_secret_manage(model, &self.ctx.unit, secret, SecretManage::Set)?;
        let nothing = content.is_none()
            && args.label.is_none()
            && args.description.is_none()
            && args.expire.is_none()
            && args.rotate.is_none();
        if nothing {
            return Err(RuleError::invalid("at least one attribute to update must be specified"));
        }
        if let Some(content) = content {
            check_secret_content(content, &model.limits)?;
        }
        if let Some(label) = &args.label {
            let owner = self.secrets_view(model).get(uri.id()).map(|s| s.owner.clone());
            if let Some(owner) = owner {
                self.check_label_free(model, label, &owner, Some(uri.id()))?;
            }
        }
        let expire = self.parse_expire(model, args.expire.as_deref())?;
        self.ops.push(Op::SecretUpdate {
            id: uri.id().to_owned(),
            content: content.cloned(),
            meta: SecretMetaChange {
                label: args.label.clone(),
                description: args.description.clone(),
                expire,
                rotate: args.rotate,
            },
        });
        Ok(())
    }

    /// `secret-remove <uri> [--revision N]` at commit.
    pub fn secret_remove(&mut self, model: &Model, uri: &SecretUri, revision: Option<u64>) -> RuleResult<()> {
        let view = self.secrets_view(model);
        let secret = view
            .get(uri.id())
            .ok_or_else(|| RuleError::secret_not_found(uri.id()))?;
        access::check_secret_manage(model, &self.ctx.unit, secret, SecretManage::Remove)?;
        if let Some(rev) = revision {
            if !secret.revisions.contains_key(&rev) {
                return Err(RuleError::not_found(format!("secret revision {rev} not found")));
            }
        }
        self.ops.push(Op::SecretRemove {
            id: uri.id().to_owned(),
            revision,
        });
        Ok(())
    }

    /// `secret-grant <uri> -r <id> [--unit U]`: view access for the relation's remote
    /// application (or one of its units), at commit.
    pub fn secret_grant(
        &mut self,
        model: &Model,
        uri: &SecretUri,
        relation: RelationId,
        unit: Option<&UnitName>,
    ) -> RuleResult<()> {
        let view = self.secrets_view(model);
        let secret = view
            .get(uri.id())
            .ok_or_else(|| RuleError::secret_not_found(uri.id()))?;
        access::check_secret_manage(model, &self.ctx.unit, secret, SecretManage::Grant)?;
        let rel = access::relation_for(model, &self.ctx.unit, relation)?;
        let remote = rel
            .other_app(self.ctx.unit.app())
            .cloned()
            .ok_or_else(RuleError::relation_not_found)?;
        let target = match unit {
            Some(u) if u.app() != &remote => {
                return Err(RuleError::not_valid(format!(
                    "cannot specify unit {:?} in relation to application {:?}",
                    u.to_string(),
                    remote.as_str()
                )))
            }
            Some(u) => GrantTarget::Unit(u.clone()),
            None => GrantTarget::App(remote),
        };
        for existing in secret.grants.iter().filter(|g| g.relation == Some(relation)) {
            if existing.target == target || matches!(existing.target, GrantTarget::App(_)) {
                return Ok(());
            }
            if matches!(target, GrantTarget::App(_)) {
                return Err(RuleError::not_valid(
                    "any unit level grants need to be revoked before granting access to the corresponding application",
                ));
            }
        }
        self.ops.push(Op::SecretGrant {
            id: uri.id().to_owned(),
            grant: Grant {
                relation: Some(relation),
                target,
            },
        });
        Ok(())
    }

    /// `secret-revoke <uri> [-r <id>] [--unit U]`: removes grants on the relation (all
    /// relations when `None`) for the unit (every target when `None`), at commit.
    pub fn secret_revoke(
        &mut self,
        model: &Model,
        uri: &SecretUri,
        relation: Option<RelationId>,
        unit: Option<&UnitName>,
    ) -> RuleResult<()> {
        let view = self.secrets_view(model);
        let secret = view
            .get(uri.id())
            .ok_or_else(|| RuleError::secret_not_found(uri.id()))?;
        access::check_secret_manage(model, &self.ctx.unit, secret, SecretManage::Revoke)?;
        if let Some(id) = relation {
            access::relation_for(model, &self.ctx.unit, id)?;
        }
        self.ops.push(Op::SecretRevoke {
            id: uri.id().to_owned(),
            relation,
            target: unit.map(|u| GrantTarget::Unit(u.clone())),
        });
        Ok(())
    }

    /// `secret-ids`: secrets owned by this unit, plus its application's if it leads.
    pub fn secret_ids(&self, model: &Model) -> Vec<SecretUri> {
        let leader = model.is_leader(&self.ctx.unit);
        self.secrets_view(model)
            .values()
            .filter(|s| match &s.owner {
                SecretOwnerRef::Unit(u) => *u == self.ctx.unit,
                SecretOwnerRef::App(a) => leader && a == self.ctx.unit.app(),
                SecretOwnerRef::Model => false,
            })
            .map(|s| s.uri.clone())
            .collect()
    }

    /// `secret-info-get (<uri> | --label L)`: metadata of a secret this unit manages.
    pub fn secret_info_get(
        &self,
        model: &Model,
        uri: Option<&SecretUri>,
        label: Option<&str>,
    ) -> RuleResult<SecretInfo> {
        if uri.is_some() == label.is_some() {
            return Err(RuleError::invalid("specify either a secret URI or label but not both"));
        }
        let view = self.secrets_view(model);
        let secret = match (uri, label) {
            (Some(uri), _) => view
                .get(uri.id())
                .ok_or_else(|| RuleError::secret_not_found(uri.id()))?,
            (None, Some(label)) => view
                .values()
                .find(|s| access::owns(&self.ctx.unit, s) && s.label.as_deref() == Some(label))
                .ok_or_else(|| RuleError::secret_not_found(label))?,
            (None, None) => return Err(RuleError::invalid("specify either a secret URI or label but not both")),
        };
        access::check_secret_manage(model, &self.ctx.unit, secret, SecretManage::Info)?;
        Ok(secret.info(|id| model.relations.get(&id).map(|r| r.key())))
    }

    /// Finds a secret by URI, else by owner label (owned secrets first), else by this
    /// unit's consumer label.
    fn find_secret<'v>(
        &self,
        view: &'v BTreeMap<String, Secret>,
        uri: Option<&SecretUri>,
        label: Option<&str>,
    ) -> RuleResult<&'v Secret> {
        if let Some(uri) = uri {
            return view.get(uri.id()).ok_or_else(|| RuleError::secret_not_found(uri.id()));
        }
        let label = label.unwrap_or_default();
        let unit = &self.ctx.unit;
        view.values()
            .find(|s| access::owns(unit, s) && s.label.as_deref() == Some(label))
            .or_else(|| {
                view.values()
                    .find(|s| s.consumers.get(unit).and_then(|c| c.label.as_deref()) == Some(label))
            })
            .ok_or_else(|| {
                RuleError::secret_not_found(label).with_explain(format!(
                    "no secret owned by {unit} or its application has label {label:?}, and {unit} gave no \
                     secret that consumer label (read it once by URI with that label)"
                ))
            })
    }

    /// Owner labels are unique per owner: every unit of an application may give its own
    /// unit-owned secret the same label (data-platform charms do: `cluster.<app>.unit`), but
    /// from one unit's point of view a label must name one secret, so its own unit secrets
    /// and its application's secrets share one namespace.
    fn check_label_free(
        &self,
        model: &Model,
        label: &str,
        owner: &SecretOwnerRef,
        except: Option<&str>,
    ) -> RuleResult<()> {
        let unit = &self.ctx.unit;
        let same_view = |a: &SecretOwnerRef, b: &SecretOwnerRef| {
            a == b
                || matches!((a, b), (SecretOwnerRef::App(app), SecretOwnerRef::Unit(u)) | (SecretOwnerRef::Unit(u), SecretOwnerRef::App(app))
                    if u == unit && app == unit.app())
        };
        let taken = self
            .secrets_view(model)
            .values()
            .any(|s| Some(s.id()) != except && same_view(&s.owner, owner) && s.label.as_deref() == Some(label));
        if taken {
            return Err(RuleError::not_valid(format!(
                "secret with label {label:?} already exists"
            )));
        }
        Ok(())
    }

    fn check_consumer_label_free(&self, model: &Model, id: &str, label: &str) -> RuleResult<()> {
        let unit = &self.ctx.unit;
        let taken = model
            .secrets
            .values()
            .any(|s| s.id() != id && s.consumers.get(unit).and_then(|c| c.label.as_deref()) == Some(label));
        if taken {
            return Err(RuleError::not_valid(format!(
                "secret with label {label:?} already exists"
            )));
        }
        Ok(())
    }

    fn parse_expire(&self, model: &Model, expire: Option<&str>) -> RuleResult<Option<Timestamp>> {
        expire
            .map(|text| {
                parse_expire(text, model.now)
                    .ok_or_else(|| RuleError::invalid(format!("expire time or duration {text:?} not valid")))
            })
            .transpose()
    }
}
