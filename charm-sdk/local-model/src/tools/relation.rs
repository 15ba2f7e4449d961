//! Relation tools: relation-ids, relation-list, relation-get, relation-set,
//! relation-model-get.
//!
//! `relation-set` takes its settings from `--file` (YAML or JSON, `-` for stdin: ops 3
//! sends YAML, our SDK JSON) and from `key=value` arguments, which win; an empty value
//! deletes the key.

use serde_json::{json, Value};

use super::flags::Parsed;
use super::{at_most, key_values, relation_flag, settings_file, Call, Out, ToolError};

/// The endpoint of the hook's own relation, for tools that default to it.
fn hook_endpoint(call: &Call<'_>) -> Option<String> {
    let id = call.hook.context().relation?;
    let rel = call.model.relations.get(&id)?;
    rel.end_of(call.hook.unit().app()).map(|e| e.endpoint.clone())
}

/// `relation-ids [<endpoint>]`: `["db:3"]`.
pub(super) fn relation_ids(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    let endpoint = match p.positional.first() {
        Some(name) => name.clone(),
        None => hook_endpoint(call).ok_or_else(|| ToolError::usage("no endpoint name specified"))?,
    };
    let ids = call.hook.relation_ids(call.model, &endpoint)?;
    let list: Vec<String> = ids.iter().map(|id| format!("{endpoint}:{id}")).collect();
    Ok(Out::Value(Some(json!(list))))
}

/// `relation-list [-r ID] [--app]`.
pub(super) fn relation_list(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let relation = relation_flag(p, call)?;
    at_most(p, 0)?;
    if p.flag("app") {
        let app = call.hook.relation_list_app(call.model, relation)?;
        return Ok(Out::Value(app.map(|a| Value::String(a.to_string()))));
    }
    let units = call.hook.relation_list(call.model, relation)?;
    let list: Vec<String> = units.iter().map(ToString::to_string).collect();
    Ok(Out::Value(Some(json!(list))))
}

/// `relation-get [-r ID] [--app] [<key>|-] [<unit-or-app>]`.
pub(super) fn relation_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let relation = relation_flag(p, call)?;
    at_most(p, 2)?;
    let key = p.positional.first().filter(|k| *k != "-");
    let target = p.positional.get(1).map(String::as_str);
    let bag = call.hook.relation_get(call.model, relation, target, p.flag("app"))?;
    match key {
        Some(key) => Ok(Out::Value(bag.get(key).map(|v| Value::String(v.clone())))),
        None => Ok(Out::Value(Some(json!(bag)))),
    }
}

/// `relation-set [-r ID] [--app] [--file F] [k=v...]`.
pub(super) fn relation_set(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let relation = relation_flag(p, call)?;
    let mut data = match p.value("file") {
        Some(path) => settings_file(&call.file(path)?)?,
        None => Default::default(),
    };
    data.extend(key_values(&p.positional)?);
    call.hook.relation_set(call.model, relation, p.flag("app"), &data)?;
    Ok(Out::Nothing)
}

/// `relation-model-get [-r ID]`: `{"uuid": ...}`.
pub(super) fn relation_model_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let relation = relation_flag(p, call)?;
    at_most(p, 0)?;
    let uuid = call.hook.relation_model_get(call.model, relation)?;
    Ok(Out::Value(Some(json!({ "uuid": uuid }))))
}
