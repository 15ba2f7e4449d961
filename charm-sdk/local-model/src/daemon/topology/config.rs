//! `config`: show an application's settings or change them (config-changed follows).

use std::collections::BTreeMap;

use juju_rules::order;
use serde_json::{json, Value};

use super::{app_name, typed_config};
use crate::daemon::hooks::enqueue;
use crate::daemon::state::Controller;
use crate::error::{Error, Result};

/// `config APP [k=v...] [--reset k]`.
pub(crate) fn config(
    ctl: &mut Controller,
    app: &str,
    set: &BTreeMap<String, String>,
    reset: &[String],
) -> Result<Value> {
    let app = app_name(app)?;
    let meta = ctl.model.app(&app)?.meta.clone();
    if set.is_empty() && reset.is_empty() {
        let current = ctl.model.app(&app)?;
        let mut settings = serde_json::Map::new();
        for (key, option) in &meta.config.options {
            let value = current.config.get(key).cloned();
            let source = if value.is_some() { "user" } else { "default" };
            let mut entry = json!({
                "type": option.kind,
                "source": source,
                "description": option.description.clone().unwrap_or_default(),
            });
            if let Some(default) = &option.default {
                entry["default"] = default.clone();
            }
            if let Some(v) = value.or_else(|| option.default.clone()) {
                entry["value"] = v;
            }
            settings.insert(key.clone(), entry);
        }
        return Ok(json!({ "application": app.to_string(), "charm": meta.name, "settings": settings }));
    }
    let typed = typed_config(&meta, set)?;
    for key in reset {
        if !meta.config.options.contains_key(key) {
            return Err(Error::refused(format!("unknown option {key:?}")));
        }
    }
    let model_app = ctl.model.app_mut(&app)?;
    let before = model_app.config.clone();
    for key in reset {
        model_app.config.remove(key);
    }
    model_app.config.extend(typed);
    if model_app.config != before {
        for hook in order::config_changed(&ctl.model, &app)? {
            enqueue(ctl, hook);
        }
    }
    Ok(json!({ "application": app.to_string() }))
}
