//! Validation of charmcraft.yaml before packing, with messages that name the key.
//!
//! charmcraft's model (charmcraft/models/project.py `PlatformCharm`, extra keys forbidden)
//! checks the top level, `base`, `platforms`, config option types and action names, but
//! passes containers, resources, storage and relations through untyped; Juju then refuses
//! a bad one only at deploy time. Those are checked here too (every container runs a
//! declared oci-image resource, mounts name declared storage, endpoints have an interface),
//! and so is `parts:`, which must prime exactly what charm-pack ships, so that
//! `charmcraft pack` on an Ubuntu host would produce the same archive.

mod parts;
mod sections;
mod yaml11;

use serde_yaml_ng::Value;

use crate::charmcraft::{kind, Charmcraft, BASES};
use crate::error::Problems;

pub use parts::primes;

/// Top-level keys of charmcraft 4.5's `PlatformCharm` model.
const ALLOWED_KEYS: &[&str] = &[
    "type",
    "name",
    "title",
    "version",
    "summary",
    "description",
    "base",
    "build-base",
    "platforms",
    "parts",
    "adopt-info",
    "package-repositories",
    "build-slices",
    "analysis",
    "charmhub",
    "charm-libs",
    "actions",
    "assumes",
    "charm-user",
    "containers",
    "devices",
    "extra-bindings",
    "peers",
    "provides",
    "requires",
    "resources",
    "storage",
    "subordinate",
    "terms",
    "links",
    "config",
];

/// What is shipped besides the generated YAML files, for the `parts:` check.
#[derive(Debug, Clone, Copy)]
pub struct Shipped<'a> {
    /// The bin target, shipped as `bin/<binary>`.
    pub binary: &'a str,
    /// Extra files, relative paths.
    pub extra_files: &'a [String],
}

/// Checks a charmcraft.yaml; every problem found is reported.
pub fn validate(project: &Charmcraft, shipped: Shipped<'_>) -> Result<(), Problems> {
    let mut p = Problems::default();
    top_level(project, &mut p);
    identity(project, &mut p);
    base_and_platforms(project, &mut p);
    parts::check(project, shipped, &mut p);
    sections::containers(project, &mut p);
    sections::resources_and_storage(project, &mut p);
    sections::relations(project, &mut p);
    sections::config(project, &mut p);
    sections::actions(project, &mut p);
    yaml11::check(project.text(), &mut p);
    if p.0.is_empty() {
        // What the SDK and the local model will read at run time must parse too.
        if let Err(e) = serde_yaml_ng::from_value::<juju_model::CharmMeta>(Value::Mapping(project.doc().clone())) {
            p.push(
                "charmcraft.yaml",
                format!("juju-model cannot read it as CharmMeta: {e}"),
            );
        }
    }
    p.into_result()
}

fn top_level(project: &Charmcraft, p: &mut Problems) {
    for key in project.doc().keys() {
        let key = crate::charmcraft::key_text(key);
        match key.as_str() {
            k if ALLOWED_KEYS.contains(&k) => {}
            "extensions" => p.push(key, "charmcraft extensions are not supported: write the expanded keys"),
            "bases" => p.push(key, "legacy `bases:` is not supported: use `base:` and `platforms:`"),
            "contact" | "issues" | "source-code" | "license" => {
                p.push(key, "not allowed at the top level of a charm: use `links:`")
            }
            _ => p.push(key, "unknown key (charmcraft forbids keys its model does not define)"),
        }
    }
    match project.get("type") {
        Some(Value::String(t)) if t == "charm" => {}
        Some(other) => p.push("type", format!("must be `charm`, found {}", show(other))),
        None => p.push("type", "missing: add `type: charm`"),
    }
}

fn identity(project: &Charmcraft, p: &mut Problems) {
    match project.get("name") {
        Some(Value::String(n)) => {
            if let Err(why) = check_name(n) {
                p.push("name", format!("{n:?} {why}"));
            }
        }
        Some(other) => p.push("name", format!("must be a string, found {}", kind(other))),
        None => p.push("name", "missing"),
    }
    match project.get("summary") {
        Some(Value::String(s)) if s.chars().count() > 200 => p.push("summary", "longer than 200 characters"),
        Some(Value::String(_)) => {}
        Some(other) => p.push("summary", format!("must be a string, found {}", kind(other))),
        None => p.push("summary", "missing (charmcraft requires a one-line summary)"),
    }
    match project.get("description") {
        Some(Value::String(_)) => {}
        Some(other) => p.push("description", format!("must be a string, found {}", kind(other))),
        None => p.push("description", "missing (charmcraft requires a description)"),
    }
    match project.get("title") {
        Some(Value::String(t)) if !(2..=40).contains(&t.chars().count()) => {
            p.push("title", "must be 2 to 40 characters")
        }
        Some(Value::String(_)) | None => {}
        Some(other) => p.push("title", format!("must be a string, found {}", kind(other))),
    }
    match project.get("links") {
        Some(Value::Mapping(links)) => {
            for key in links.keys().map(crate::charmcraft::key_text) {
                if !["contact", "documentation", "issues", "source", "website"].contains(&key.as_str()) {
                    p.push(
                        format!("links.{key}"),
                        "unknown key (contact, documentation, issues, source, website)",
                    );
                }
            }
        }
        Some(other) => p.push("links", format!("must be a mapping, found {}", kind(other))),
        None => {}
    }
}

/// craft-application's project name rule: 1-40 of `[a-z0-9-]`, at least one letter, no
/// leading, trailing or doubled hyphen.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 40 {
        return Err("must be 1 to 40 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("may contain only lowercase letters, digits and hyphens");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err("must contain a letter");
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Err("must not start or end with a hyphen or contain two in a row");
    }
    Ok(())
}

fn base_and_platforms(project: &Charmcraft, p: &mut Problems) {
    let bases = BASES.join(", ");
    match project.get("base") {
        Some(Value::String(b)) if BASES.contains(&b.as_str()) => {}
        Some(other) => p.push(
            "base",
            format!("{} is not a supported base (one of {bases})", show(other)),
        ),
        None => p.push(
            "base",
            format!("missing: add e.g. `base: ubuntu@22.04` (one of {bases})"),
        ),
    }
    match project.get("build-base") {
        Some(Value::String(b)) if BASES.contains(&b.as_str()) || b == "ubuntu@devel" => {}
        Some(other) => p.push("build-base", format!("{} is not a supported base", show(other))),
        None => {}
    }
    match project.map("platforms") {
        Some(m) if !m.is_empty() => {
            for label in project.platforms() {
                if let Err(why) = project.build_for(&label) {
                    p.push(format!("platforms.{label}"), why);
                }
            }
        }
        _ => p.push("platforms", "missing or empty: add e.g. `platforms: {amd64: }`"),
    }
}

/// A YAML value in a message.
pub(crate) fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => serde_yaml_ng::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;
