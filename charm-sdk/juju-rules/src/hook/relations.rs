//! Relation hook tools: relation-ids, relation-list, relation-get, relation-set,
//! relation-model-get.
//!
//! relation-get resolves its target the way Juju does (juju-contract.md §2.2): the unit
//! defaults to `JUJU_REMOTE_UNIT`, falling back to `JUJU_REMOTE_APP` with `--app` implied;
//! without `--app` an application name is refused. Own bags are served with this hook's
//! pending writes; everything else from the stored model.

use juju_model::tools::BagOwner;
use juju_model::{AppName, Databag, RelationId, UnitName};

use super::Hook;
use crate::access;
use crate::error::{RuleError, RuleResult};
use crate::model::Model;
use crate::pending::Op;

impl Hook {
    /// `relation-ids <endpoint>`: the relations of this unit's application on `endpoint`.
    pub fn relation_ids(&self, model: &Model, endpoint: &str) -> RuleResult<Vec<RelationId>> {
        let app = self.ctx.unit.app();
        Ok(model
            .relations_of(app)
            .filter(|r| r.end_of(app).is_some_and(|e| e.endpoint == endpoint))
            .map(|r| r.id)
            .collect())
    }

    /// `relation-list [-r ID]`: the remote units in scope (the other peers on a peer
    /// relation).
    pub fn relation_list(&self, model: &Model, relation: Option<RelationId>) -> RuleResult<Vec<UnitName>> {
        let id = self.resolve_relation(relation)?;
        Ok(access::relation_for(model, &self.ctx.unit, id)?.remote_members(&self.ctx.unit))
    }

    /// `relation-list [-r ID] --app`: the remote application (this one for peers).
    pub fn relation_list_app(&self, model: &Model, relation: Option<RelationId>) -> RuleResult<Option<AppName>> {
        let id = self.resolve_relation(relation)?;
        Ok(access::relation_for(model, &self.ctx.unit, id)?
            .other_app(self.ctx.unit.app())
            .cloned())
    }

    /// `relation-get [-r ID] [--app] - [<unit-or-app>]`: a whole bag. `target` is the unit
    /// or application argument as typed; `None` takes the hook's remote unit, else its
    /// remote application.
    pub fn relation_get(
        &self,
        model: &Model,
        relation: Option<RelationId>,
        target: Option<&str>,
        app: bool,
    ) -> RuleResult<Databag> {
        let id = self.resolve_relation(relation)?;
        let owner = self.resolve_target(target, app)?;
        self.relation_get_bag(model, id, &owner)
    }

    /// relation-get with an already-typed bag owner.
    pub fn relation_get_bag(&self, model: &Model, relation: RelationId, owner: &BagOwner) -> RuleResult<Databag> {
        let rel = access::relation_for(model, &self.ctx.unit, relation)?;
        access::check_relation_read(model, &self.ctx.unit, rel, owner)?;
        Ok(match owner {
            BagOwner::Unit(unit) if *unit == self.ctx.unit => self.own_bag_view(model, relation, false),
            BagOwner::App(app) if app == self.ctx.unit.app() => self.own_bag_view(model, relation, true),
            BagOwner::Unit(unit) => rel.unit_data.get(unit).cloned().unwrap_or_default(),
            BagOwner::App(app) => rel.app_data.get(app).cloned().unwrap_or_default(),
        })
    }

    /// `relation-set [-r ID] [--app] k=v…`: merges into this unit's bag or (leader only)
    /// its application's bag at commit; an empty value deletes the key.
    pub fn relation_set(
        &mut self,
        model: &Model,
        relation: Option<RelationId>,
        app: bool,
        data: &Databag,
    ) -> RuleResult<()> {
        let id = self.resolve_relation(relation)?;
        let rel = access::relation_for(model, &self.ctx.unit, id)?;
        if let Some(key) = data.keys().find(|k| k.is_empty() || k.contains('=')) {
            return Err(RuleError::invalid(format!("expected \"key=value\", got {key:?}")));
        }
        access::check_relation_write(model, &self.ctx.unit, rel, app)?;
        self.ops.push(Op::RelationSet {
            relation: id,
            app,
            data: data.clone(),
        });
        Ok(())
    }

    /// `relation-model-get [-r ID]`: the uuid of the model on the other side.
    pub fn relation_model_get(&self, model: &Model, relation: Option<RelationId>) -> RuleResult<String> {
        let id = self.resolve_relation(relation)?;
        let rel = access::relation_for(model, &self.ctx.unit, id)?;
        Ok(rel.remote_model_uuid.clone().unwrap_or_else(|| model.uuid.clone()))
    }

    fn resolve_target(&self, target: Option<&str>, app: bool) -> RuleResult<BagOwner> {
        let (text, app) = match target {
            Some(text) => (text.to_owned(), app),
            None => match (&self.ctx.remote_unit, &self.ctx.remote_app) {
                (Some(unit), _) => (unit.to_string(), app),
                (None, Some(remote_app)) => (remote_app.to_string(), true),
                (None, None) => {
                    return Err(
                        RuleError::invalid("no unit or application specified").with_explain(format!(
                            "hook {} has no remote unit or application; name the unit or application to read",
                            self.ctx.name
                        )),
                    )
                }
            },
        };
        if text.contains('/') {
            let unit = UnitName::new(&text).map_err(|_| RuleError::invalid(format!("invalid unit name {text:?}")))?;
            return Ok(if app {
                BagOwner::App(unit.app().clone())
            } else {
                BagOwner::Unit(unit)
            });
        }
        if !app {
            return Err(
                RuleError::invalid(format!("expected unit name, got application name {text:?}"))
                    .with_explain("to read an application bag pass --app (app = true)"),
            );
        }
        AppName::new(&text)
            .map(BagOwner::App)
            .map_err(|_| RuleError::invalid(format!("invalid application name {text:?}")))
    }
}
