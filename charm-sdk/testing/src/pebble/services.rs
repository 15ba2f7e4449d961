//! The fake's layers, services, checks, exec, notices and signals over [`ContainerState`],
//! following Pebble's planstate/servstate/checkstate rules and error texts: combine vs
//! append, `requires` pulled in on start, dependants stopped on stop, replan restarting
//! services whose plan entry changed and starting `startup: enabled` ones.

use std::collections::{BTreeMap, BTreeSet};

use charm_sdk::pebble::{
    CheckInfo, CheckStatus, ExecOutput, ExecRequest, Notice, NoticeFilter, PebbleError, ServiceInfo, ServiceStatus,
};
use juju_model::pebble::{combine_layers, CheckLevel, Layer, Plan, Startup};

use super::state::{ContainerState, ExecResponse, ServiceEvent};

const TIMESTAMP: &str = "2026-01-01T00:00:00Z";

fn api(status_code: u16, message: String) -> PebbleError {
    PebbleError::Api {
        status_code,
        kind: String::new(),
        message,
    }
}

fn plan(st: &ContainerState) -> Result<Plan, PebbleError> {
    st.plan().map_err(|e| api(500, e.to_string()))
}

pub(super) fn add_layer(st: &mut ContainerState, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
    if label.is_empty() {
        return Err(api(400, "label must be set".into()));
    }
    layer
        .validate(label)
        .map_err(|e| api(400, format!("cannot parse layer YAML: {e}")))?;
    let mut layers = st.layers.clone();
    match layers.iter().position(|(l, _)| l == label) {
        Some(_) if !combine => return Err(api(400, format!("layer {label:?} already exists"))),
        Some(i) => {
            let combined =
                combine_layers([(label, &layers[i].1), (label, layer)]).map_err(|e| api(400, e.to_string()))?;
            layers[i].1 = combined;
        }
        None => layers.push((label.to_owned(), layer.clone())),
    }
    Plan::from_layers(layers.iter().map(|(l, layer)| (l.as_str(), layer))).map_err(|e| api(400, e.to_string()))?;
    st.layers = layers;
    Ok(())
}

pub(super) fn get_services(st: &ContainerState, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError> {
    Ok(plan(st)?
        .services
        .iter()
        .filter(|(name, _)| names.is_empty() || names.contains(&name.as_str()))
        .map(|(name, service)| ServiceInfo {
            name: name.clone(),
            startup: if service.startup == Some(Startup::Enabled) {
                Startup::Enabled
            } else {
                Startup::Disabled
            },
            current: st.service_status(name),
            current_since: None,
        })
        .collect())
}

/// `names` plus, transitively, what they require (start: requirements first) or what
/// requires them (stop: dependants first), each once. (Pebble also orders by
/// `after`/`before`; the fake does not.)
fn closure(plan: &Plan, names: &[String], stop: bool) -> Vec<String> {
    fn visit(plan: &Plan, name: &str, stop: bool, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
        if !seen.insert(name.to_owned()) {
            return;
        }
        let next: Vec<String> = if stop {
            plan.services
                .iter()
                .filter(|(_, s)| s.requires.iter().any(|r| r == name))
                .map(|(n, _)| n.clone())
                .collect()
        } else {
            plan.services.get(name).map(|s| s.requires.clone()).unwrap_or_default()
        };
        for n in next {
            visit(plan, &n, stop, seen, out);
        }
        out.push(name.to_owned());
    }
    let (mut seen, mut out) = (BTreeSet::new(), Vec::new());
    for name in names {
        visit(plan, name, stop, &mut seen, &mut out);
    }
    out
}

fn check_names(plan: &Plan, action: &str, names: &[&str]) -> Result<Vec<String>, PebbleError> {
    if names.is_empty() {
        return Err(api(400, format!("must specify services for {action} action")));
    }
    if let Some(missing) = names.iter().find(|n| !plan.services.contains_key(**n)) {
        return Err(api(
            400,
            format!("cannot {action} services: service {missing:?} does not exist"),
        ));
    }
    Ok(names.iter().map(|n| (*n).to_owned()).collect())
}

fn stop(st: &mut ContainerState, names: &[String]) {
    for name in names {
        if st.service_status(name) == ServiceStatus::Active {
            st.service_log.push(ServiceEvent::Stopped(name.clone()));
        }
        st.services.insert(name.clone(), ServiceStatus::Inactive);
    }
}

/// Starts services not running; a failing service makes the change fail.
fn start(st: &mut ContainerState, plan: &Plan, names: &[String], action: &str) -> Result<(), PebbleError> {
    let mut errors = Vec::new();
    for name in names {
        if st.service_status(name) == ServiceStatus::Active {
            continue; // "Service already started."
        }
        if st.failing_services.contains(name) {
            st.services.insert(name.clone(), ServiceStatus::Error);
            errors.push(format!(
                "- Start service {name:?} (cannot start service: exited quickly with code 1)"
            ));
            continue;
        }
        st.services.insert(name.clone(), ServiceStatus::Active);
        if let Some(config) = plan.services.get(name) {
            st.running_config.insert(name.clone(), config.clone());
        }
        st.service_log.push(ServiceEvent::Started(name.clone()));
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(PebbleError::Change {
        id: format!("fake-{action}"),
        err: format!("cannot perform the following tasks:\n{}", errors.join("\n")),
    })
}

pub(super) fn services_action(st: &mut ContainerState, action: &str, names: &[&str]) -> Result<(), PebbleError> {
    let plan = plan(st)?;
    match action {
        "start" => {
            let names = check_names(&plan, action, names)?;
            start(st, &plan, &closure(&plan, &names, false), action)
        }
        "stop" => {
            let names = check_names(&plan, action, names)?;
            stop(st, &closure(&plan, &names, true));
            Ok(())
        }
        "restart" => {
            let names = check_names(&plan, action, names)?;
            stop(st, &names);
            start(st, &plan, &closure(&plan, &names, false), action)
        }
        _ => replan(st, &plan),
    }
}

/// Pebble's `ServiceManager.Replan`: restart services whose plan entry changed since they
/// were started, start `startup: enabled` ones.
fn replan(st: &mut ContainerState, plan: &Plan) -> Result<(), PebbleError> {
    let changed: Vec<String> = st
        .running_config
        .iter()
        .filter(|(name, config)| plan.services.get(*name) != Some(*config))
        .map(|(name, _)| name.clone())
        .filter(|name| plan.services.contains_key(name))
        .collect();
    stop(st, &changed);
    let mut to_start = changed;
    to_start.extend(
        plan.services
            .iter()
            .filter(|(_, s)| s.startup == Some(Startup::Enabled))
            .map(|(n, _)| n.clone()),
    );
    start(st, plan, &closure(plan, &to_start, false), "replan")
}

pub(super) fn exec(st: &mut ContainerState, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
    let Some(executable) = request.command.first() else {
        return Err(api(400, "must specify command".into()));
    };
    st.exec_calls.push(request.clone());
    let handler = st
        .exec_handlers
        .iter()
        .filter(|h| request.command.starts_with(&h.prefix))
        .max_by_key(|h| h.prefix.len())
        .ok_or_else(|| api(400, format!("cannot find executable {executable:?}")))?;
    let mut output = match &handler.response {
        ExecResponse::Output(output) => output.clone(),
        ExecResponse::Handler(f) => f(request),
        ExecResponse::Error(e) => return Err(e.clone()),
    };
    if !request.split_stderr {
        let stderr = std::mem::take(&mut output.stderr);
        output.stdout.extend(stderr);
    }
    Ok(output)
}

fn check_info(st: &ContainerState, name: &str, check: &juju_model::pebble::Check) -> CheckInfo {
    st.checks.get(name).cloned().unwrap_or_else(|| {
        let startup = check.startup.clone().unwrap_or(Startup::Enabled);
        let status = if startup == Startup::Disabled {
            CheckStatus::Inactive
        } else {
            CheckStatus::Up
        };
        CheckInfo {
            name: name.to_owned(),
            level: check.level.clone(),
            startup,
            status,
            successes: 0,
            failures: 0,
            threshold: check.threshold.unwrap_or(3),
            change_id: None,
        }
    })
}

pub(super) fn get_checks(
    st: &ContainerState,
    level: Option<CheckLevel>,
    names: &[&str],
) -> Result<Vec<CheckInfo>, PebbleError> {
    Ok(plan(st)?
        .checks
        .iter()
        .filter(|(name, _)| names.is_empty() || names.contains(&name.as_str()))
        .filter(|(_, check)| level.is_none() || check.level == level)
        .map(|(name, check)| check_info(st, name, check))
        .collect())
}

pub(super) fn checks_action(st: &mut ContainerState, action: &str, names: &[&str]) -> Result<Vec<String>, PebbleError> {
    if names.is_empty() {
        return Err(api(400, format!("must specify checks for {action} action")));
    }
    let plan = plan(st)?;
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !plan.checks.contains_key(*n))
        .collect();
    if !missing.is_empty() {
        return Err(api(
            400,
            format!(
                "cannot {action} checks: cannot find checks in plan: {}",
                missing.join(", ")
            ),
        ));
    }
    let mut changed = Vec::new();
    for (name, check) in plan.checks.iter().filter(|(n, _)| names.contains(&n.as_str())) {
        let mut info = check_info(st, name, check);
        let running = info.status != CheckStatus::Inactive;
        match (action, running) {
            ("start", false) => info.status = CheckStatus::Up,
            ("stop", true) => info.status = CheckStatus::Inactive,
            _ => continue,
        }
        changed.push(name.clone());
        st.checks.insert(name.clone(), info);
    }
    Ok(changed)
}

pub(super) fn get_notices(st: &ContainerState, filter: &NoticeFilter) -> Vec<Notice> {
    st.notices
        .iter()
        .filter(|n| filter.types.is_empty() || filter.types.contains(&n.notice_type))
        .filter(|n| filter.keys.is_empty() || filter.keys.contains(&n.key))
        .filter(|n| {
            filter
                .after
                .as_ref()
                .is_none_or(|after| n.last_repeated.as_str() > after.as_str())
        })
        .filter(|n| filter.all_users || filter.user_id.is_none() || n.user_id.is_none() || n.user_id == filter.user_id)
        .cloned()
        .collect()
}

/// Pebble's custom key rule: `^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+(/[a-z0-9]+(-[a-z0-9]+)*)+$`.
fn valid_custom_key(key: &str) -> bool {
    let word = |w: &str| {
        !w.is_empty()
            && w.split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9')))
    };
    let mut segments = key.split('/');
    let domain = segments.next().unwrap_or_default();
    let paths: Vec<&str> = segments.collect();
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2 && labels.iter().all(|l| word(l)) && !paths.is_empty() && paths.iter().all(|p| word(p))
}

pub(super) fn notify(
    st: &mut ContainerState,
    key: &str,
    data: &BTreeMap<String, String>,
) -> Result<String, PebbleError> {
    if !valid_custom_key(key) {
        return Err(api(
            400,
            format!("invalid key {key:?} (must be in \"example.com/path\" format)"),
        ));
    }
    if key.len() > 256 {
        return Err(api(400, "key must be 256 bytes or less".into()));
    }
    if let Some(existing) = st
        .notices
        .iter_mut()
        .find(|n| n.notice_type == "custom" && n.key == key)
    {
        existing.occurrences += 1;
        existing.last_data = data.clone();
        return Ok(existing.id.clone());
    }
    let id = (st
        .notices
        .iter()
        .filter_map(|n| n.id.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1)
    .to_string();
    st.notices.push(Notice {
        id: id.clone(),
        user_id: None,
        notice_type: "custom".into(),
        key: key.to_owned(),
        first_occurred: TIMESTAMP.into(),
        last_occurred: TIMESTAMP.into(),
        last_repeated: TIMESTAMP.into(),
        occurrences: 1,
        last_data: data.clone(),
        repeat_after: None,
        expire_after: Some("168h0m0s".into()),
    });
    Ok(id)
}

pub(super) fn send_signal(st: &mut ContainerState, signal: &str, services: &[&str]) -> Result<(), PebbleError> {
    if services.is_empty() {
        return Err(api(400, "must specify one or more services".into()));
    }
    let errors: Vec<String> = services
        .iter()
        .filter(|s| st.service_status(s) != ServiceStatus::Active)
        .map(|s| format!("cannot send signal to {s:?}: service is not running"))
        .collect();
    if !errors.is_empty() {
        return Err(api(500, errors.join("; ")));
    }
    st.signals
        .push((signal.to_owned(), services.iter().map(|s| (*s).to_owned()).collect()));
    Ok(())
}
