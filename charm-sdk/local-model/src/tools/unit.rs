//! Unit and application tools: config, leadership, status, version, logging, unit state,
//! ports, network, storage, goal state, resources, credentials, leader settings.
//!
//! Argument handling follows each Juju command's `Init`: positional counts, key/value
//! parsing and their texts; the rules themselves are juju-rules'.

use juju_model::tools::{LogLevel, Port};
use serde_json::{json, Value};

use super::flags::Parsed;
use super::{at_most, key_values, relation_flag, settings_file, Call, Out, ToolError};

fn value(v: impl serde::Serialize) -> Result<Out, ToolError> {
    serde_json::to_value(v)
        .map(|v| Out::Value(Some(v)))
        .map_err(|e| ToolError::run(e.to_string()))
}

/// `config-get [key] [--all]`.
pub(super) fn config_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    let all = call.hook.config_get(call.model)?;
    match p.positional.first() {
        Some(key) if p.flag("all") => Err(ToolError::usage(format!(
            "cannot use argument --all together with key {key:?}"
        ))),
        Some(key) => Ok(Out::Value(Some(all.get(key).cloned().unwrap_or(Value::Null)))),
        None if p.flag("all") => Ok(Out::Value(Some(Value::Object(all)))),
        None => Ok(Out::Value(Some(Value::Object(
            all.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        )))),
    }
}

/// `is-leader`.
pub(super) fn is_leader(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 0)?;
    Ok(Out::Value(Some(Value::Bool(call.hook.is_leader(call.model)))))
}

/// `status-set [--application] <status> [message]`.
pub(super) fn status_set(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let Some(status) = p.positional.first() else {
        return Err(ToolError::usage("invalid args, require <status> [message] [data]"));
    };
    at_most(p, 2)?;
    let message = p.positional.get(1).map(String::as_str).unwrap_or_default();
    call.hook
        .status_set(call.model, p.flag("application"), status, message)?;
    Ok(Out::Nothing)
}

/// `status-get [--include-data] [--application]`.
pub(super) fn status_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    if p.flag("application") {
        let info = call.hook.app_status_get(call.model)?;
        if p.flag("include-data") {
            return value(info);
        }
        return Ok(Out::Value(Some(json!({"application-status": info.application.status}))));
    }
    let info = call.hook.status_get(call.model)?;
    if p.flag("include-data") {
        value(info)
    } else {
        value(info.status)
    }
}

/// `application-version-set <version>`.
pub(super) fn application_version_set(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let Some(version) = p.positional.first() else {
        return Err(ToolError::usage("no version specified"));
    };
    at_most(p, 1)?;
    call.hook.application_version_set(call.model, version)?;
    Ok(Out::Nothing)
}

/// `juju-log [-l LEVEL] [--debug] <message...>`.
pub(super) fn juju_log(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    if p.positional.is_empty() {
        return Err(ToolError::usage("no message specified"));
    }
    let level = if p.flag("debug") {
        LogLevel::Debug
    } else {
        match p.value("l").map(str::to_ascii_uppercase).as_deref() {
            Some("TRACE") => LogLevel::Trace,
            Some("DEBUG") => LogLevel::Debug,
            Some("WARNING") | Some("WARN") => LogLevel::Warning,
            Some("ERROR") | Some("CRITICAL") => LogLevel::Error,
            _ => LogLevel::Info,
        }
    };
    call.hook.juju_log(call.model, level, &p.positional.join(" "))?;
    Ok(Out::Nothing)
}

/// `state-get [key|-] [--strict]`.
pub(super) fn state_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    match p.positional.first().filter(|k| *k != "-") {
        Some(key) => Ok(Out::Value(Some(Value::String(call.hook.state_get_key(
            call.model,
            key,
            p.flag("strict"),
        )?)))),
        None => value(call.hook.state_get(call.model)?),
    }
}

/// `state-set [--file F] [k=v...]`.
pub(super) fn state_set(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let mut values = match p.value("file") {
        Some(path) => settings_file(&call.file(path)?)?,
        None => Default::default(),
    };
    values.extend(key_values(&p.positional)?);
    call.hook.state_set(&values)?;
    Ok(Out::Nothing)
}

/// `state-delete <key>`.
pub(super) fn state_delete(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let Some(key) = p.positional.first() else {
        return Err(ToolError::usage("missing key to delete"));
    };
    at_most(p, 1)?;
    call.hook.state_delete(key)?;
    Ok(Out::Nothing)
}

fn port_args(p: &Parsed) -> Result<(Port, Vec<String>), ToolError> {
    let Some(text) = p.positional.first() else {
        return Err(ToolError::usage("no port or range specified"));
    };
    at_most(p, 1)?;
    let port: Port = text.parse().map_err(|_| {
        ToolError::usage(format!(
            "expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp, got {text:?}"
        ))
    })?;
    let endpoints = p
        .value("endpoints")
        .map(|e| {
            e.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok((port, endpoints))
}

/// `open-port [--endpoints a,b] <port>`.
pub(super) fn open_port(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let (port, endpoints) = port_args(p)?;
    call.hook.open_port(port, &endpoints)?;
    Ok(Out::Nothing)
}

/// `close-port [--endpoints a,b] <port>`.
pub(super) fn close_port(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let (port, endpoints) = port_args(p)?;
    call.hook.close_port(port, &endpoints)?;
    Ok(Out::Nothing)
}

/// `opened-ports [--endpoints]`.
pub(super) fn opened_ports(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 0)?;
    let ports = call.hook.opened_ports(call.model)?;
    let list: Vec<String> = ports
        .iter()
        .map(|port| {
            if p.flag("endpoints") {
                format!("{port} (*)")
            } else {
                port.to_string()
            }
        })
        .collect();
    value(list)
}

/// `network-get [-r ID] <binding> [--bind-address|--ingress-address|--egress-subnets]`.
pub(super) fn network_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let relation = relation_flag(p, call)?;
    let Some(binding) = p.positional.first() else {
        return Err(ToolError::usage("no arguments specified"));
    };
    at_most(p, 1)?;
    let network = call.hook.network_get(call.model, binding, relation)?;
    let mut picked = Vec::new();
    if p.flag("bind-address") || p.flag("primary-address") {
        picked.push(json!(network.bind_address()));
    }
    if p.flag("ingress-address") {
        picked.push(json!(network.ingress_address()));
    }
    if p.flag("egress-subnets") {
        picked.push(json!(network.egress_subnets.join(",")));
    }
    match picked.len() {
        0 => value(network),
        1 => Ok(Out::Value(picked.pop())),
        _ => Ok(Out::Value(Some(Value::Array(picked)))),
    }
}

/// `unit-get private-address|public-address` (legacy).
pub(super) fn unit_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    match p.positional.first().map(String::as_str) {
        Some("private-address") | Some("public-address") => {
            let address = call.model.unit(call.hook.unit())?.address.clone();
            Ok(Out::Value(Some(Value::String(address))))
        }
        Some(other) => Err(ToolError::usage(format!("unknown setting {other:?}"))),
        None => Err(ToolError::usage("no setting specified")),
    }
}

/// `storage-get [-s ID] [key]`.
pub(super) fn storage_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    let info = call.hook.storage_get(call.model, p.value("s"))?;
    match p.positional.first().map(String::as_str) {
        Some("kind") => Ok(Out::Value(Some(Value::String(info.kind)))),
        Some("location") => Ok(Out::Value(Some(Value::String(info.location)))),
        Some(other) => Err(ToolError::run(format!("invalid storage attribute {other:?}"))),
        None => value(info),
    }
}

/// `storage-list [name]`.
pub(super) fn storage_list(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    value(
        call.hook
            .storage_list(call.model, p.positional.first().map(String::as_str))?,
    )
}

/// `storage-add <name>[=<count>]...`.
pub(super) fn storage_add(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    if p.positional.is_empty() {
        return Err(ToolError::usage("storage add requires a storage directive"));
    }
    for arg in &p.positional {
        let (name, count) = match arg.split_once('=') {
            Some((name, count)) => (
                name,
                count
                    .parse::<u32>()
                    .map_err(|_| ToolError::usage(format!("cannot parse count in {arg:?}")))?,
            ),
            None => (arg.as_str(), 1),
        };
        call.hook.storage_add(call.model, name, count)?;
    }
    Ok(Out::Nothing)
}

/// `goal-state`.
pub(super) fn goal_state(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 0)?;
    value(call.hook.goal_state(call.model)?)
}

/// `resource-get <name>`: prints the path.
pub(super) fn resource_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let Some(name) = p.positional.first() else {
        return Err(ToolError::usage("missing required resource name"));
    };
    at_most(p, 1)?;
    Ok(Out::Text(call.hook.resource_get(call.model, name)?))
}

/// `credential-get`: refused on Kubernetes models, as Juju 3.x does.
pub(super) fn credential_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 0)?;
    value(call.hook.credential_get()?)
}

/// `juju-reboot`: not available on Kubernetes.
pub(super) fn juju_reboot(_: &Parsed, _: &mut Call<'_>) -> Result<Out, ToolError> {
    Err(ToolError::run("juju-reboot is not supported on kubernetes models"))
}

/// `leader-get [key|-]`: the application's leadership settings.
pub(super) fn leader_get(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    at_most(p, 1)?;
    let mut view = call.leader.committed.clone();
    if call.hook.is_leader(call.model) {
        for (k, v) in &call.leader.pending {
            if v.is_empty() {
                view.remove(k);
            } else {
                view.insert(k.clone(), v.clone());
            }
        }
    }
    match p.positional.first().filter(|k| *k != "-") {
        Some(key) => Ok(Out::Value(view.get(key).map(|v| Value::String(v.clone())))),
        None => value(view),
    }
}

/// `leader-set [--file F] k=v...`: leader only, applied at commit.
pub(super) fn leader_set(p: &Parsed, call: &mut Call<'_>) -> Result<Out, ToolError> {
    let mut values = match p.value("file") {
        Some(path) => settings_file(&call.file(path)?)?,
        None => Default::default(),
    };
    values.extend(key_values(&p.positional)?);
    if !call.hook.is_leader(call.model) {
        return Err(ToolError::run(
            "cannot write leadership settings: cannot write settings: not the leader",
        ));
    }
    call.leader.pending.extend(values);
    Ok(Out::Nothing)
}
