//! Action tools: action-get, action-set, action-fail, action-log.

use serde_json::Value;

use super::flags::Parsed;
use super::{at_most, key_values, Call, Out, ToolError};

/// `action-get [dotted.key]`.
pub(super) fn action_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    let params = call.hook.action_get(call.model)?;
    let Some(key) = p.positional.first() else {
        return Ok(Out::Value(Some(Value::Object(params))));
    };
    let mut current = Value::Object(params);
    for part in key.split('.') {
        match current.get(part) {
            Some(next) => current = next.clone(),
            None => return Ok(Out::Value(None)),
        }
    }
    Ok(Out::Value(Some(current)))
}

/// `action-set k=v...` with dotted keys.
pub(super) fn action_set(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    if p.positional.is_empty() {
        return Err(ToolError::usage("no key=value pairs specified"));
    }
    let results = key_values(&p.positional)?;
    call.hook.action_set(call.model, &results)?;
    Ok(Out::Nothing)
}

/// `action-fail [message]`.
pub(super) fn action_fail(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    let message = p.positional.first().map(String::as_str).unwrap_or_default();
    call.hook.action_fail(call.model, message)?;
    Ok(Out::Nothing)
}

/// `action-log <message...>`.
pub(super) fn action_log(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    if p.positional.is_empty() {
        return Err(ToolError::usage("no message specified"));
    }
    call.hook.action_log(call.model, &p.positional.join(" "))?;
    Ok(Out::Nothing)
}
