//! Secret tools: secret-add, -set, -get, -remove, -grant, -revoke, -ids, -info-get.
//!
//! Content comes as `key=value`, `key#base64=<b64>`, `key#file=<path>` (what ops and our
//! SDK send, keeping values off argv) or a YAML `--file`; files were read by the client
//! process, so paths in the charm's private /tmp work. File content is passed to
//! juju-rules base64-encoded, so any bytes survive Juju's `key=value` parsing.

use std::collections::BTreeMap;

use base64::Engine;
use juju_model::tools::{RotatePolicy, SecretOwner};
use juju_model::{SecretUri, UnitName};
use juju_rules::{parse_secret_content, SecretArgs, SecretRead};
use serde_json::{json, Value};

use super::flags::{self, Flag, Parsed};
use super::{at_most, relation_flag, Call, Out, ToolError};

/// Flags of `secret-add` and `secret-set`.
pub(super) const ADD_FLAGS: &[Flag] = &[
    flags::value(&["label"]),
    flags::value(&["description"]),
    flags::value(&["expire"]),
    flags::value(&["rotate"]),
    flags::value(&["owner"]),
    flags::value(&["file"]),
];

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Content from `--file` and the `key[#base64|#file]=value` arguments.
fn content(p: &Parsed, args: &[String], call: &Call<'_>) -> Result<Option<BTreeMap<String, String>>, ToolError> {
    let mut normalised: Vec<String> = Vec::new();
    if let Some(path) = p.value("file") {
        let text = call.file(path)?;
        let doc: BTreeMap<String, serde_yaml_ng::Value> = serde_yaml_ng::from_str(&text)
            .map_err(|e| ToolError::run(format!("cannot parse secret content file {path:?}: {e}")))?;
        for (key, value) in doc {
            let text = match value {
                serde_yaml_ng::Value::String(s) => s,
                serde_yaml_ng::Value::Number(n) => n.to_string(),
                serde_yaml_ng::Value::Bool(b) => b.to_string(),
                _ => return Err(ToolError::run(format!("secret value for {key:?} must be a string"))),
            };
            match key.strip_suffix("#base64") {
                Some(bare) => normalised.push(format!("{bare}#base64={text}")),
                None => normalised.push(format!("{key}#base64={}", b64(&text))),
            }
        }
    }
    for arg in args {
        match arg.split_once("#file=") {
            Some((key, path)) if !key.contains('=') => {
                let text = call.file(path)?;
                normalised.push(format!("{key}#base64={}", b64(&text)));
            }
            _ => normalised.push(arg.clone()),
        }
    }
    if normalised.is_empty() {
        return Ok(None);
    }
    let refs: Vec<&str> = normalised.iter().map(String::as_str).collect();
    Ok(Some(parse_secret_content(&refs)?))
}

fn secret_args(p: &Parsed) -> Result<SecretArgs, ToolError> {
    let rotate = p
        .value("rotate")
        .map(|text| {
            serde_json::from_value::<RotatePolicy>(Value::String(text.to_owned()))
                .map_err(|_| ToolError::usage(format!("rotate policy {text:?} not valid")))
        })
        .transpose()?;
    let owner = match p.value("owner") {
        None => None,
        Some("application") => Some(SecretOwner::Application),
        Some("unit") => Some(SecretOwner::Unit),
        Some(other) => return Err(ToolError::usage(format!("secret owner {other:?} not valid"))),
    };
    Ok(SecretArgs {
        label: p.value("label").map(str::to_owned),
        description: p.value("description").map(str::to_owned),
        expire: p.value("expire").map(str::to_owned),
        rotate,
        owner,
    })
}

fn uri(text: &str) -> Result<SecretUri, ToolError> {
    SecretUri::new(text).map_err(|_| ToolError::usage(format!("secret URI {text:?} not valid")))
}

/// `secret-add [flags] content...`: prints the new URI.
pub(super) fn secret_add(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let args = secret_args(p)?;
    let content =
        content(p, &p.positional, call)?.ok_or_else(|| ToolError::usage("missing secret value or filename"))?;
    let uri = call.hook.secret_add(call.model, &content, &args)?;
    Ok(Out::Text(uri.to_string()))
}

/// `secret-set <uri> [flags] [content...]`.
pub(super) fn secret_set(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let Some(id) = p.positional.first() else {
        return Err(ToolError::usage("missing secret URI"));
    };
    let uri = uri(id)?;
    let args = secret_args(p)?;
    let content = content(p, &p.positional[1..], call)?;
    call.hook.secret_set(call.model, &uri, content.as_ref(), &args)?;
    Ok(Out::Nothing)
}

/// `secret-get [<uri>] [--label L] [--peek|--refresh] [key[#base64]]`.
pub(super) fn secret_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 2)?;
    let label = p.value("label");
    let mut rest = p.positional.iter();
    let mut uri_arg = None;
    let mut key = None;
    if let Some(first) = rest.next() {
        if label.is_none() || first.starts_with("secret:") {
            uri_arg = Some(uri(first)?);
            key = rest.next().cloned();
        } else {
            key = Some(first.clone());
            at_most(p, 1)?;
        }
    }
    if p.flag("peek") && p.flag("refresh") {
        return Err(ToolError::usage("specify one of --peek or --refresh but not both"));
    }
    let read = if p.flag("peek") {
        SecretRead::Peek
    } else if p.flag("refresh") {
        SecretRead::Refresh
    } else {
        SecretRead::Pinned
    };
    let content = call.hook.secret_get(call.model, uri_arg.as_ref(), label, read)?;
    match key {
        None => Ok(Out::Value(Some(json!(content)))),
        Some(key) => {
            let (bare, encode) = match key.strip_suffix("#base64") {
                Some(bare) => (bare.to_owned(), true),
                None => (key.clone(), false),
            };
            Ok(Out::Value(
                content
                    .get(&bare)
                    .map(|v| Value::String(if encode { b64(v) } else { v.clone() })),
            ))
        }
    }
}

/// `secret-remove <uri> [--revision N]`.
pub(super) fn secret_remove(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let Some(id) = p.positional.first() else {
        return Err(ToolError::usage("missing secret URI"));
    };
    at_most(p, 1)?;
    let revision = p
        .value("revision")
        .map(|r| {
            r.parse::<u64>()
                .map_err(|_| ToolError::usage(format!("invalid revision {r:?}")))
        })
        .transpose()?;
    call.hook.secret_remove(call.model, &uri(id)?, revision)?;
    Ok(Out::Nothing)
}

fn unit_flag(p: &Parsed) -> Result<Option<UnitName>, ToolError> {
    p.value("unit")
        .map(|u| UnitName::new(u).map_err(|_| ToolError::usage(format!("invalid unit name {u:?}"))))
        .transpose()
}

/// `secret-grant <uri> -r <id> [--unit U]`.
pub(super) fn secret_grant(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let Some(id) = p.positional.first() else {
        return Err(ToolError::usage("missing secret URI"));
    };
    at_most(p, 1)?;
    let relation = relation_flag(p, call)?.ok_or_else(|| ToolError::usage("missing relation"))?;
    let unit = unit_flag(p)?;
    call.hook.secret_grant(call.model, &uri(id)?, relation, unit.as_ref())?;
    Ok(Out::Nothing)
}

/// `secret-revoke <uri> [-r <id>] [--unit U] [--app A]`.
pub(super) fn secret_revoke(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let Some(id) = p.positional.first() else {
        return Err(ToolError::usage("missing secret URI"));
    };
    at_most(p, 1)?;
    let relation = relation_flag(p, call)?;
    let unit = unit_flag(p)?;
    call.hook
        .secret_revoke(call.model, &uri(id)?, relation, unit.as_ref())?;
    Ok(Out::Nothing)
}

/// `secret-ids`.
pub(super) fn secret_ids(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 0)?;
    let ids: Vec<String> = call
        .hook
        .secret_ids(call.model)
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(Out::Value(Some(json!(ids))))
}

/// `secret-info-get (<uri> | --label L)`: `{"<id>": {...}}`.
pub(super) fn secret_info_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    let uri_arg = p.positional.first().map(|s| uri(s)).transpose()?;
    let info = call
        .hook
        .secret_info_get(call.model, uri_arg.as_ref(), p.value("label"))?;
    let id = info
        .uri
        .as_ref()
        .map(|u| u.id().to_owned())
        .or_else(|| uri_arg.as_ref().map(|u| u.id().to_owned()))
        .unwrap_or_default();
    let body = serde_json::to_value(&info).map_err(|e| ToolError::run(e.to_string()))?;
    Ok(Out::Value(Some(json!({ id: body }))))
}
