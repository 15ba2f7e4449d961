//! Pebble's validation rules for a single layer and for the combined plan, with its texts.
//!
//! Pebble checks each layer when it is parsed (`Layer.Validate`: names, actions, command
//! syntax, check and log-target fields) and the combined plan after every change
//! (`Plan.Validate`: commands present, complete checks, log targets, dependency loops).
//! Go iterates maps in random order, so when several entries are wrong Pebble may report any
//! of them; here the first in name order is reported. Rules needing the system's user
//! database (user/group resolution) are left to the server.

use std::collections::{BTreeMap, BTreeSet};

use super::{CheckLevel, Layer, LogTargetType, Plan, PlanError, ServiceAction, Startup};

fn format_err(message: String) -> PlanError {
    PlanError::Format(message)
}

/// Pebble's `Layer.Validate`.
pub(super) fn validate_layer(label: &str, layer: &Layer) -> Result<(), PlanError> {
    if label.starts_with("pebble-") {
        return Err(format_err(r#"cannot use reserved label prefix "pebble-""#.to_owned()));
    }
    for (name, service) in &layer.services {
        if name.is_empty() {
            return Err(format_err("cannot use empty string as service name".to_owned()));
        }
        if name == "pebble" {
            return Err(format_err(format!("cannot use reserved service name {name:?}")));
        }
        if name.starts_with('-') {
            return Err(format_err(format!(
                r#"cannot use service name {name:?}: starting with "-" not allowed"#
            )));
        }
        if let Err(e) = parse_command(service.command.as_deref().unwrap_or("")) {
            return Err(format_err(format!(
                "plan service {name:?} command invalid: cannot parse service {name:?} command: {e}"
            )));
        }
        let actions = [
            (
                "on-success",
                service.on_success.as_ref(),
                ServiceAction::FailureShutdown,
            ),
            (
                "on-failure",
                service.on_failure.as_ref(),
                ServiceAction::SuccessShutdown,
            ),
        ];
        for (field, action, extra) in actions {
            if let Some(action) = action.filter(|a| !valid_action(a, &extra)) {
                return Err(format_err(format!(
                    "plan service {name:?} {field} action {:?} invalid",
                    action.as_str()
                )));
            }
        }
        for action in service.on_check_failure.values() {
            if !valid_action(action, &ServiceAction::SuccessShutdown) {
                return Err(format_err(format!(
                    "plan service {name:?} on-check-failure action {:?} invalid",
                    action.as_str()
                )));
            }
        }
        if let Some(factor) = service.backoff_factor.filter(|f| *f < 1.0) {
            return Err(format_err(format!(
                "plan service {name:?} backoff-factor must be 1.0 or greater, not {factor}"
            )));
        }
    }
    for (name, check) in &layer.checks {
        if name.is_empty() {
            return Err(format_err("cannot use empty string as check name".to_owned()));
        }
        if let Some(level) = check
            .level
            .as_ref()
            .filter(|l| !matches!(l, CheckLevel::Alive | CheckLevel::Ready))
        {
            if !level.as_str().is_empty() {
                return Err(format_err(format!(
                    r#"plan check {name:?} level must be "alive" or "ready""#
                )));
            }
        }
        if let Some(startup) = check
            .startup
            .as_ref()
            .filter(|s| !matches!(s, Startup::Enabled | Startup::Disabled))
        {
            if !startup.as_str().is_empty() {
                return Err(format_err(format!(
                    r#"plan check {name:?} startup must be "enabled" or "disabled""#
                )));
            }
        }
        if check.period.is_some_and(|p| p.is_zero()) {
            return Err(format_err(format!("plan check {name:?} period must not be zero")));
        }
        if check.timeout.is_some_and(|t| t.is_zero()) {
            return Err(format_err(format!("plan check {name:?} timeout must not be zero")));
        }
        if let Some(exec) = &check.exec {
            if let Err(e) = shlex_split(exec.command.as_deref().unwrap_or("")) {
                return Err(format_err(format!("plan check {name:?} command invalid: {e}")));
            }
            if exec.user.is_none() && exec.user_id.is_none() && (exec.group.is_some() || exec.group_id.is_some()) {
                return Err(format_err(format!(
                    "plan check {name:?} has invalid user/group: must specify user, not just group"
                )));
            }
        }
    }
    for (name, target) in &layer.log_targets {
        if let Some(label_name) = target.labels.keys().find(|l| l.starts_with("pebble_")) {
            return Err(format_err(format!(
                r#"log target {name:?}: label {label_name:?} uses reserved prefix "pebble_""#
            )));
        }
        if let Some(LogTargetType::Other(kind)) = &target.target_type {
            if !kind.is_empty() {
                return Err(format_err(format!(
                    r#"log target {name:?} has unsupported type {kind:?}, must be "loki", "opentelemetry" or "syslog""#
                )));
            }
        }
    }
    Ok(())
}

fn valid_action(action: &ServiceAction, extra: &ServiceAction) -> bool {
    action == extra
        || matches!(
            action,
            ServiceAction::Restart | ServiceAction::Shutdown | ServiceAction::Ignore
        )
        || action.as_str().is_empty()
}

fn is_blank(value: Option<&str>) -> bool {
    value.is_none_or(str::is_empty)
}

/// Pebble's `Plan.Validate`.
pub(super) fn validate_plan(plan: &Plan) -> Result<(), PlanError> {
    for (name, service) in &plan.services {
        if is_blank(service.command.as_deref()) {
            return Err(format_err(format!(
                r#"plan must define "command" for service {name:?}"#
            )));
        }
    }
    for (name, check) in &plan.checks {
        let mut types = 0;
        if let Some(http) = &check.http {
            if is_blank(http.url.as_deref()) {
                return Err(format_err(format!(r#"plan must set "url" for http check {name:?}"#)));
            }
            types += 1;
        }
        if let Some(tcp) = &check.tcp {
            if tcp.port.unwrap_or(0) == 0 {
                return Err(format_err(format!(r#"plan must set "port" for tcp check {name:?}"#)));
            }
            types += 1;
        }
        if let Some(exec) = &check.exec {
            if is_blank(exec.command.as_deref()) {
                return Err(format_err(format!(
                    r#"plan must set "command" for exec check {name:?}"#
                )));
            }
            if let Some(context) = exec.service_context.as_deref().filter(|c| !c.is_empty()) {
                if !plan.services.contains_key(context) {
                    return Err(format_err(format!(
                        "plan check {name:?} service context specifies non-existent service {context:?}"
                    )));
                }
            }
            types += 1;
        }
        if types != 1 {
            return Err(format_err(format!(
                r#"plan must specify one of "http", "tcp", or "exec" for check {name:?}"#
            )));
        }
    }
    for (name, target) in &plan.log_targets {
        if target.target_type.as_ref().is_none_or(|t| t.as_str().is_empty()) {
            return Err(format_err(format!(
                r#"plan must define "type" ("loki", "opentelemetry" or "syslog") for log target {name:?}"#
            )));
        }
        for service in &target.services {
            let service = service.strip_prefix('-').unwrap_or(service);
            if service != "all" && !plan.services.contains_key(service) {
                return Err(format_err(format!(
                    "log target {name:?} specifies unknown service {service:?}"
                )));
            }
        }
        if is_blank(target.location.as_deref()) {
            return Err(format_err(format!(
                r#"plan must define "location" for log target {name:?}"#
            )));
        }
    }
    check_dependencies(plan)
}

/// Pebble's `checkCycles`: every `requires` names a service of the plan, and `before`/`after`
/// form no loop (a loop is a strongly connected component of more than one service).
fn check_dependencies(plan: &Plan) -> Result<(), PlanError> {
    for service in plan.services.values() {
        if let Some(missing) = service.requires.iter().find(|r| !plan.services.contains_key(*r)) {
            return Err(format_err(format!("service {missing:?} does not exist")));
        }
    }
    let mut successors: BTreeMap<&str, Vec<&str>> = plan.services.keys().map(|n| (n.as_str(), Vec::new())).collect();
    for (name, service) in &plan.services {
        for after in service.after.iter().filter(|a| plan.services.contains_key(*a)) {
            successors.entry(name.as_str()).or_default().push(after.as_str());
        }
        for before in service.before.iter().filter(|b| plan.services.contains_key(*b)) {
            successors.entry(before.as_str()).or_default().push(name.as_str());
        }
    }
    for component in strongly_connected(&successors) {
        if component.len() > 1 {
            return Err(format_err(format!(
                "services in before/after loop: {}",
                component.join(", ")
            )));
        }
    }
    Ok(())
}

/// Tarjan's algorithm (iterative), components with their names sorted.
fn strongly_connected<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<&'a str>>,
    }
    let mut st = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    let empty = Vec::new();
    for &root in graph.keys() {
        if st.index.contains_key(root) {
            continue;
        }
        // (node, next successor position)
        let mut work: Vec<(&str, usize)> = vec![(root, 0)];
        while let Some((node, pos)) = work.pop() {
            if pos == 0 {
                let i = st.index.len();
                st.index.insert(node, i);
                st.low.insert(node, i);
                st.stack.push(node);
                st.on_stack.insert(node);
            }
            let succs = graph.get(node).unwrap_or(&empty);
            if let Some(&next) = succs.get(pos) {
                work.push((node, pos + 1));
                if !st.index.contains_key(next) {
                    work.push((next, 0));
                } else if st.on_stack.contains(next) {
                    let low = st.low[node].min(st.index[next]);
                    st.low.insert(node, low);
                }
                continue;
            }
            if st.low[node] == st.index[node] {
                let mut component = Vec::new();
                while let Some(member) = st.stack.pop() {
                    st.on_stack.remove(member);
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                st.out.push(component);
            }
            if let Some(&(parent, _)) = work.last() {
                let low = st.low[parent].min(st.low[node]);
                st.low.insert(parent, low);
            }
        }
    }
    st.out
}

/// Splits a command line like Pebble's shlex (POSIX-style quoting and backslash escapes).
pub fn shlex_split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(word) = current.take() {
                    words.push(word);
                }
            }
            '\\' => {
                let escaped = chars.next().ok_or("EOF found after escape character")?;
                current.get_or_insert_with(String::new).push(escaped);
            }
            '\'' => {
                let word = current.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("EOF found when expecting closing quote".to_owned()),
                    }
                }
            }
            '"' => {
                let word = current.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => {
                            let escaped = chars.next().ok_or("EOF found when expecting closing quote")?;
                            word.push(escaped);
                        }
                        Some(ch) => word.push(ch),
                        None => return Err("EOF found when expecting closing quote".to_owned()),
                    }
                }
            }
            other => current.get_or_insert_with(String::new).push(other),
        }
    }
    if let Some(word) = current {
        words.push(word);
    }
    Ok(words)
}

/// Pebble's `Service.ParseCommand`: the base command and the default arguments in an
/// optional trailing `[ ... ]` group.
pub fn parse_command(command: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let mut base = Vec::new();
    let mut extra = Vec::new();
    let (mut in_brackets, mut got_brackets) = (false, false);
    for (i, arg) in shlex_split(command)?.into_iter().enumerate() {
        if in_brackets {
            match arg.as_str() {
                "[" => return Err("cannot nest [ ... ] groups".to_owned()),
                "]" => in_brackets = false,
                _ => extra.push(arg),
            }
            continue;
        }
        if got_brackets {
            return Err("cannot have any arguments after [ ... ] group".to_owned());
        }
        match arg.as_str() {
            "[" if i == 0 => return Err("cannot start command with [ ... ] group".to_owned()),
            "[" => (in_brackets, got_brackets) = (true, true),
            "]" => return Err("cannot have ] outside of [ ... ] group".to_owned()),
            _ => base.push(arg),
        }
    }
    Ok((base, extra))
}
