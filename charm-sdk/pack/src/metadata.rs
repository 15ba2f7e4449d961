//! metadata.yaml, config.yaml and actions.yaml, derived from charmcraft.yaml the way
//! charmcraft 4.5 derives them.
//!
//! Upstream (canonical/charmcraft 15966e9): `CharmMetadata.from_charm`
//! (charmcraft/models/metadata.py) dumps the project, flattens `links:` (`documentation` →
//! `docs`, `contact` → `maintainers` as a list, `issues`/`source`/`website` as they are),
//! renames `title` → `display-name`, and keeps only the metadata fields; `write_metadata`
//! (charmcraft/services/package.py) writes `config:` and `actions:` verbatim when not empty.
//! Those files are written with `yaml.safe_dump`, which sorts keys, so keys are sorted here
//! too (recursively), giving the same bytes whatever order the author used.

use serde_yaml_ng::{Mapping, Value};

use crate::charmcraft::{key_text, Charmcraft};

/// The keys of metadata.yaml (charmcraft/models/metadata.py `CharmMetadata`), in model order.
pub const METADATA_KEYS: &[&str] = &[
    "name",
    "display-name",
    "summary",
    "description",
    "maintainers",
    "assumes",
    "charm-user",
    "containers",
    "devices",
    "docs",
    "extra-bindings",
    "issues",
    "peers",
    "provides",
    "requires",
    "resources",
    "source",
    "storage",
    "subordinate",
    "terms",
    "website",
];

/// The metadata.yaml document for a project.
pub fn metadata(project: &Charmcraft) -> Value {
    let mut all = Mapping::new();
    for (k, v) in project.doc() {
        if !v.is_null() {
            all.insert(k.clone(), v.clone());
        }
    }
    if let Some(links) = all.remove("links").and_then(|l| l.as_mapping().cloned()) {
        for (k, v) in links {
            if v.is_null() {
                continue;
            }
            match key_text(&k).as_str() {
                "documentation" => all.insert("docs".into(), v),
                "contact" if v.is_string() => all.insert("maintainers".into(), Value::Sequence(vec![v])),
                "contact" => all.insert("maintainers".into(), v),
                _ => all.insert(k, v),
            };
        }
    }
    if let Some(title) = all.remove("title") {
        all.insert("display-name".into(), title);
    }
    let mut out = Mapping::new();
    for key in METADATA_KEYS {
        if let Some(v) = all.remove(*key) {
            out.insert((*key).into(), v);
        }
    }
    sorted(&Value::Mapping(out))
}

/// The config.yaml document (`config:` verbatim), or `None` when empty, as charmcraft skips it.
pub fn config(project: &Charmcraft) -> Option<Value> {
    section(project, "config")
}

/// The actions.yaml document (`actions:` verbatim), or `None` when empty.
pub fn actions(project: &Charmcraft) -> Option<Value> {
    section(project, "actions")
}

fn section(project: &Charmcraft, key: &str) -> Option<Value> {
    project
        .map(key)
        .filter(|m| !m.is_empty())
        .map(|m| sorted(&Value::Mapping(m.clone())))
}

/// A copy with every mapping's keys sorted, as `yaml.safe_dump(sort_keys=True)` writes them.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Mapping(m) => {
            let mut entries: Vec<(String, &Value, &Value)> = m.iter().map(|(k, v)| (key_text(k), k, v)).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Mapping(entries.into_iter().map(|(_, k, v)| (k.clone(), sorted(v))).collect())
        }
        Value::Sequence(items) => Value::Sequence(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_title_are_flattened_like_charmcraft() {
        let cc = Charmcraft::parse(
            "name: x\ntype: charm\ntitle: X\nsummary: s\ndescription: d\nbase: ubuntu@22.04\n\
             platforms: {amd64: }\nparts: {}\npeers:\nlinks:\n  contact: me <me@x.org>\n  \
             documentation: https://docs.x.org/\n  issues: https://x.org/issues\n\
             config: {options: {b: {type: int}, a: {type: string}}}\nactions: {}\n",
        )
        .unwrap();
        let md = metadata(&cc);
        let keys: Vec<_> = md.as_mapping().unwrap().keys().map(key_text).collect();
        assert_eq!(
            keys,
            [
                "description",
                "display-name",
                "docs",
                "issues",
                "maintainers",
                "name",
                "summary"
            ]
        );
        assert_eq!(md["maintainers"][0], "me <me@x.org>");
        assert_eq!(md["docs"], "https://docs.x.org/");
        let cfg = config(&cc).unwrap();
        let opts: Vec<_> = cfg["options"].as_mapping().unwrap().keys().map(key_text).collect();
        assert_eq!(opts, ["a", "b"]);
        assert!(actions(&cc).is_none());
    }
}
