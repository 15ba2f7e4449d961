//! Checks of the metadata sections: containers, resources, storage, relations, config and
//! actions. Rules cite their source: charmcraft/models/config.py (option types and
//! defaults), charmcraft/models/actions.py (action names), juju-contract.md §5 (containers
//! need an oci-image resource; endpoints, scopes, storage types).

use std::collections::BTreeSet;

use serde_yaml_ng::{Mapping, Value};

use super::show;
use crate::charmcraft::{key_text, kind, Charmcraft};
use crate::error::Problems;

/// Entries of a top-level mapping section; a non-mapping is reported.
fn entries<'a>(project: &'a Charmcraft, key: &str, p: &mut Problems) -> Vec<(String, &'a Value)> {
    match project.get(key) {
        None => Vec::new(),
        Some(Value::Mapping(m)) => m.iter().map(|(k, v)| (key_text(k), v)).collect(),
        Some(other) => {
            p.push(key, format!("must be a mapping, found {}", kind(other)));
            Vec::new()
        }
    }
}

fn declared(project: &Charmcraft, key: &str) -> BTreeSet<String> {
    project
        .map(key)
        .map(|m| m.keys().map(key_text).collect())
        .unwrap_or_default()
}

fn str_of<'a>(m: &'a Mapping, key: &str) -> Option<&'a str> {
    m.get(key).and_then(Value::as_str)
}

pub(super) fn containers(project: &Charmcraft, p: &mut Problems) {
    let storage = declared(project, "storage");
    for (name, c) in entries(project, "containers", p) {
        let at = format!("containers.{name}");
        let Some(c) = c.as_mapping() else {
            p.push(at, "must be a mapping with `resource:`");
            continue;
        };
        match (c.get("resource"), c.get("bases")) {
            (Some(Value::String(r)), _) => {
                let res = project
                    .map("resources")
                    .and_then(|m| m.get(r.as_str()))
                    .and_then(Value::as_mapping);
                match res.map(|m| str_of(m, "type")) {
                    None => p.push(
                        format!("{at}.resource"),
                        format!("resource {r:?} is not declared under resources: (add `{r}: {{type: oci-image}}`)"),
                    ),
                    Some(Some("oci-image")) => {}
                    Some(t) => p.push(
                        format!("{at}.resource"),
                        format!(
                            "resource {r:?} has type {:?}; a container needs an oci-image resource",
                            t.unwrap_or("?")
                        ),
                    ),
                }
            }
            (Some(other), _) => p.push(
                format!("{at}.resource"),
                format!("must be a resource name, found {}", kind(other)),
            ),
            (None, Some(_)) => {}
            (None, None) => p.push(
                at.clone(),
                format!("has no oci-image resource: add `resource: {name}-image` and declare it under resources:"),
            ),
        }
        for (i, mount) in c
            .get("mounts")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match mount.get("storage").and_then(Value::as_str) {
                Some(s) if storage.contains(s) => {}
                Some(s) => p.push(
                    format!("{at}.mounts[{i}].storage"),
                    format!("storage {s:?} is not declared under storage:"),
                ),
                None => p.push(format!("{at}.mounts[{i}]"), "needs `storage:` and `location:`"),
            }
        }
    }
}

pub(super) fn resources_and_storage(project: &Charmcraft, p: &mut Problems) {
    for (name, r) in entries(project, "resources", p) {
        let at = format!("resources.{name}");
        match r.as_mapping().map(|m| (str_of(m, "type"), str_of(m, "filename"))) {
            Some((Some("oci-image"), _)) | Some((Some("file"), Some(_))) => {}
            Some((Some("file"), None)) => p.push(at, "a file resource needs `filename:`"),
            Some((t, _)) => p.push(format!("{at}.type"), format!("must be oci-image or file, found {t:?}")),
            None => p.push(at, "must be a mapping with `type:`"),
        }
    }
    for (name, s) in entries(project, "storage", p) {
        match s.as_mapping().map(|m| str_of(m, "type")) {
            Some(Some("filesystem" | "block")) => {}
            other => p.push(
                format!("storage.{name}.type"),
                format!("must be filesystem or block, found {:?}", other.flatten()),
            ),
        }
    }
}

pub(super) fn relations(project: &Charmcraft, p: &mut Problems) {
    let mut seen = BTreeSet::new();
    for role in ["peers", "provides", "requires"] {
        for (name, e) in entries(project, role, p) {
            let at = format!("{role}.{name}");
            if name.is_empty() || name.starts_with('$') || name.contains('.') {
                p.push(
                    at.clone(),
                    "an endpoint name must not be empty, start with '$' or contain '.'",
                );
            }
            if !seen.insert(name.clone()) {
                p.push(at.clone(), "endpoint name used twice across peers/provides/requires");
            }
            let Some(e) = e.as_mapping() else {
                p.push(at, "must be a mapping with `interface:`");
                continue;
            };
            if str_of(e, "interface").is_none() {
                p.push(format!("{at}.interface"), "missing");
            }
            if e.get("limit").is_some_and(|l| !l.is_u64()) {
                p.push(format!("{at}.limit"), "must be a non-negative integer");
            }
            if let Some(scope) = e
                .get("scope")
                .filter(|s| !matches!(s.as_str(), Some("global" | "container")))
            {
                p.push(
                    format!("{at}.scope"),
                    format!("must be global or container, found {}", show(scope)),
                );
            }
        }
    }
}

pub(super) fn config(project: &Charmcraft, p: &mut Problems) {
    let Some(cfg) = project.get("config") else { return };
    let Some(cfg) = cfg.as_mapping() else {
        p.push("config", "must be a mapping with `options:`");
        return;
    };
    for key in cfg.keys().map(key_text).filter(|k| k != "options") {
        p.push(format!("config.{key}"), "unknown key (only `options:`)");
    }
    let options = cfg
        .get("options")
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default();
    for (name, opt) in &options {
        let at = format!("config.options.{}", key_text(name));
        let Some(opt) = opt.as_mapping() else {
            p.push(at, "must be a mapping with `type:`");
            continue;
        };
        let ty = str_of(opt, "type");
        let default = opt.get("default").filter(|d| !d.is_null());
        let fits = |d: &Value| match ty {
            Some("string") => d.is_string(),
            Some("int") => d.is_i64() || d.is_u64(),
            Some("float") => d.is_number(),
            Some("boolean") => d.is_bool(),
            Some("secret") => d.as_str().is_some_and(is_secret_uri),
            _ => true,
        };
        match ty {
            Some("string" | "int" | "float" | "boolean" | "secret") => {}
            Some(t) => p.push(
                format!("{at}.type"),
                format!("{t:?} is not one of string, int, float, boolean, secret"),
            ),
            None => p.push(
                format!("{at}.type"),
                "missing (one of string, int, float, boolean, secret)",
            ),
        }
        if let Some(d) = default.filter(|d| !fits(d)) {
            p.push(
                format!("{at}.default"),
                format!("{} does not fit type {}", show(d), ty.unwrap_or("?")),
            );
        }
        for key in opt
            .keys()
            .map(key_text)
            .filter(|k| !["type", "default", "description"].contains(&k.as_str()))
        {
            p.push(format!("{at}.{key}"), "unknown key (type, default, description)");
        }
    }
}

/// charmcraft's secret option default: `secret:` then 20 of `[a-z0-9]`.
fn is_secret_uri(s: &str) -> bool {
    s.strip_prefix("secret:")
        .is_some_and(|id| id.len() == 20 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Python's `keyword.kwlist` (charmcraft refuses these as action names).
const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// charmcraft's `^[a-zA-Z_][a-zA-Z0-9-_]*$`.
fn is_action_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) fn actions(project: &Charmcraft, p: &mut Problems) {
    for (name, action) in entries(project, "actions", p) {
        let at = format!("actions.{name}");
        if !is_action_name(&name) {
            p.push(
                at.clone(),
                format!("{name:?} is not a valid action name (must match ^[a-zA-Z_][a-zA-Z0-9-_]*$)"),
            );
        } else if PYTHON_KEYWORDS.contains(&name.as_str()) {
            p.push(
                at.clone(),
                format!("{name:?} is a reserved keyword and cannot be used as an action name"),
            );
        }
        match action {
            Value::Null => {}
            Value::Mapping(a) => {
                if a.get("params").is_some_and(|v| !v.is_mapping() && !v.is_null()) {
                    p.push(
                        format!("{at}.params"),
                        "must be a mapping of parameter name to JSON schema",
                    );
                }
                if a.get("required").is_some_and(|v| !v.is_sequence()) {
                    p.push(format!("{at}.required"), "must be a list of parameter names");
                }
            }
            other => p.push(at, format!("must be a mapping, found {}", kind(other))),
        }
    }
}
