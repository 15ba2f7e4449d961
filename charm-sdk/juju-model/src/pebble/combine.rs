//! Layer combination, exactly as Pebble's `plan.CombineLayers` and the `Merge` methods do it.
//!
//! Kept apart from the types so the rules can be read in one place: for each service, check
//! and log target of each layer in order, `override: replace` replaces the accumulated entry,
//! `override: merge` folds the entry into it (set scalars replace, lists append, maps merge
//! key-wise), and a missing or unknown `override` is a format error naming the layer.
//! Pebble treats an empty string or zero as "not set"; so does this code.

use std::collections::BTreeMap;

use super::{Check, ExecCheck, HttpCheck, Layer, LogTarget, Override, PlanError, Service, Startup, TcpCheck};

/// The threshold Pebble writes into the combined plan for checks that do not set one.
const DEFAULT_CHECK_THRESHOLD: u32 = 3;

/// Combines labelled layers in order into one layer, like Pebble's `plan.CombineLayers`:
/// the summary and description are the last layer's; entries combine per their `override`.
/// Layers are not validated here (see [`Layer::validate`]); the result carries Pebble's
/// visible default (`threshold: 3` on checks).
pub fn combine_layers<'a, I>(layers: I) -> Result<Layer, PlanError>
where
    I: IntoIterator<Item = (&'a str, &'a Layer)>,
{
    let mut combined = Layer::default();
    let mut last: Option<&Layer> = None;
    for (label, layer) in layers {
        for (name, service) in &layer.services {
            combine_entry(
                &mut combined.services,
                label,
                name,
                "service",
                service,
                service.r#override.as_ref(),
            )?;
        }
        for (name, check) in &layer.checks {
            combine_entry(
                &mut combined.checks,
                label,
                name,
                "check",
                check,
                check.r#override.as_ref(),
            )?;
        }
        for (name, target) in &layer.log_targets {
            combine_entry(
                &mut combined.log_targets,
                label,
                name,
                "log target",
                target,
                target.r#override.as_ref(),
            )?;
        }
        for (name, section) in &layer.sections {
            combined.sections.insert(name.clone(), section.clone());
        }
        last = Some(layer);
    }
    if let Some(last) = last {
        combined.summary = last.summary.clone();
        combined.description = last.description.clone();
    }
    for check in combined.checks.values_mut() {
        if check.threshold.unwrap_or(0) == 0 {
            check.threshold = Some(DEFAULT_CHECK_THRESHOLD);
        }
    }
    Ok(combined)
}

/// Something that can be folded into an earlier entry of the same name.
trait Merge: Clone {
    fn merge(&mut self, other: &Self);
}

fn combine_entry<T: Merge>(
    into: &mut BTreeMap<String, T>,
    label: &str,
    name: &str,
    what: &str,
    entry: &T,
    override_: Option<&Override>,
) -> Result<(), PlanError> {
    match override_ {
        Some(Override::Merge) => match into.get_mut(name) {
            Some(old) => old.merge(entry),
            None => {
                into.insert(name.to_owned(), entry.clone());
            }
        },
        Some(Override::Replace) => {
            into.insert(name.to_owned(), entry.clone());
        }
        Some(Override::Other(value)) if !value.is_empty() => {
            return Err(PlanError::Format(format!(
                r#"layer "{label}" has invalid "override" value for {what} "{name}""#
            )));
        }
        Some(Override::Other(_)) | None => {
            return Err(PlanError::Format(format!(
                r#"layer "{label}" must define "override" for {what} "{name}""#
            )));
        }
    }
    Ok(())
}

/// Replaces `into` when `from` holds a non-empty string (Pebble's `if other.X != ""`).
fn merge_str(into: &mut Option<String>, from: &Option<String>) {
    if let Some(value) = from.as_deref().filter(|s| !s.is_empty()) {
        *into = Some(value.to_owned());
    }
}

/// Replaces `into` when `from` is set.
fn merge_opt<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
    if from.is_some() {
        into.clone_from(from);
    }
}

/// Replaces `into` when `from` holds a non-empty enum value.
fn merge_enum<T: Clone + AsRef<str>>(into: &mut Option<T>, from: &Option<T>) {
    if from.as_ref().is_some_and(|v| !v.as_ref().is_empty()) {
        into.clone_from(from);
    }
}

fn merge_map<V: Clone>(into: &mut BTreeMap<String, V>, from: &BTreeMap<String, V>) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}

macro_rules! as_ref_str {
    ($($t:ty),+) => {$(
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    )+};
}
as_ref_str!(Startup, super::ServiceAction, super::CheckLevel, super::LogTargetType);

impl Merge for Service {
    fn merge(&mut self, other: &Self) {
        merge_str(&mut self.summary, &other.summary);
        merge_str(&mut self.description, &other.description);
        merge_enum(&mut self.startup, &other.startup);
        merge_str(&mut self.command, &other.command);
        merge_opt(&mut self.kill_delay, &other.kill_delay);
        merge_opt(&mut self.user_id, &other.user_id);
        merge_str(&mut self.user, &other.user);
        merge_opt(&mut self.group_id, &other.group_id);
        merge_str(&mut self.group, &other.group);
        merge_str(&mut self.working_dir, &other.working_dir);
        self.after.extend(other.after.iter().cloned());
        self.before.extend(other.before.iter().cloned());
        self.requires.extend(other.requires.iter().cloned());
        merge_str(&mut self.workload, &other.workload);
        merge_map(&mut self.environment, &other.environment);
        merge_enum(&mut self.on_success, &other.on_success);
        merge_enum(&mut self.on_failure, &other.on_failure);
        merge_map(&mut self.on_check_failure, &other.on_check_failure);
        merge_opt(&mut self.backoff_delay, &other.backoff_delay);
        merge_opt(&mut self.backoff_factor, &other.backoff_factor);
        merge_opt(&mut self.backoff_limit, &other.backoff_limit);
    }
}

impl Merge for Check {
    fn merge(&mut self, other: &Self) {
        merge_enum(&mut self.level, &other.level);
        merge_enum(&mut self.startup, &other.startup);
        merge_opt(&mut self.period, &other.period);
        merge_opt(&mut self.timeout, &other.timeout);
        if other.threshold.unwrap_or(0) != 0 {
            self.threshold = other.threshold;
        }
        if let Some(http) = &other.http {
            self.http.get_or_insert_with(HttpCheck::default).merge(http);
        }
        if let Some(tcp) = &other.tcp {
            self.tcp.get_or_insert_with(TcpCheck::default).merge(tcp);
        }
        if let Some(exec) = &other.exec {
            self.exec.get_or_insert_with(ExecCheck::default).merge(exec);
        }
    }
}

impl Merge for HttpCheck {
    fn merge(&mut self, other: &Self) {
        merge_str(&mut self.url, &other.url);
        merge_map(&mut self.headers, &other.headers);
    }
}

impl Merge for TcpCheck {
    fn merge(&mut self, other: &Self) {
        if other.port.unwrap_or(0) != 0 {
            self.port = other.port;
        }
        merge_str(&mut self.host, &other.host);
    }
}

impl Merge for ExecCheck {
    fn merge(&mut self, other: &Self) {
        merge_str(&mut self.command, &other.command);
        merge_str(&mut self.service_context, &other.service_context);
        merge_map(&mut self.environment, &other.environment);
        merge_opt(&mut self.user_id, &other.user_id);
        merge_str(&mut self.user, &other.user);
        merge_opt(&mut self.group_id, &other.group_id);
        merge_str(&mut self.group, &other.group);
        merge_str(&mut self.working_dir, &other.working_dir);
    }
}

impl Merge for LogTarget {
    fn merge(&mut self, other: &Self) {
        merge_enum(&mut self.target_type, &other.target_type);
        merge_str(&mut self.location, &other.location);
        self.services.extend(other.services.iter().cloned());
        merge_map(&mut self.labels, &other.labels);
    }
}
