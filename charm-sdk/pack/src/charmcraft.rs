//! charmcraft.yaml as written, plus the few facts derived from it (charm name, base,
//! platform, archive file name).
//!
//! The document is kept as raw YAML rather than as `CharmMeta`: metadata.yaml, config.yaml
//! and actions.yaml must carry every key the author wrote (charmcraft passes containers,
//! resources, relations, actions and config through untyped), and a typed round trip would
//! drop what the model does not know.

use serde_yaml_ng::{Mapping, Value};

/// Architectures craft-platforms knows (`DebianArchitecture`), plus `all`.
pub(crate) const ARCHITECTURES: &[&str] = &["amd64", "arm64", "armhf", "i386", "ppc64el", "riscv64", "s390x", "all"];

/// Bases charmcraft 4.5 accepts in `base:` (charmcraft/const.py `BaseStr`).
pub(crate) const BASES: &[&str] = &[
    "ubuntu@18.04",
    "ubuntu@20.04",
    "ubuntu@22.04",
    "ubuntu@24.04",
    "ubuntu@25.04",
    "ubuntu@25.10",
    "ubuntu@26.04",
    "ubuntu@26.10",
    "almalinux@9",
];

/// A parsed charmcraft.yaml.
#[derive(Debug, Clone, PartialEq)]
pub struct Charmcraft {
    doc: Mapping,
    text: String,
}

/// The platform one archive is packed for, as charmcraft's build plan names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The platform's label in `platforms:` (`amd64`, or `ubuntu@22.04:amd64`).
    pub platform: String,
    /// The distribution (`ubuntu`).
    pub base_name: String,
    /// The series, a string (`22.04`).
    pub channel: String,
    /// The run-on architecture (`amd64`).
    pub arch: String,
}

impl Target {
    /// The archive name charmcraft 4.5 gives this platform:
    /// `<name>_<platform label with ':' replaced by '-'>.charm`
    /// (charmcraft/services/package.py `get_charm_name`).
    pub fn file_name(&self, charm: &str) -> String {
        format!("{charm}_{}.charm", self.platform.replace(':', "-"))
    }
}

impl Charmcraft {
    /// Parses charmcraft.yaml text; it must be a YAML mapping.
    pub fn parse(text: &str) -> Result<Self, String> {
        match serde_yaml_ng::from_str::<Value>(text) {
            Ok(Value::Mapping(doc)) => Ok(Self {
                doc,
                text: text.to_owned(),
            }),
            Ok(other) => Err(format!("expected a mapping at the top level, found {}", kind(&other))),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The whole document.
    pub fn doc(&self) -> &Mapping {
        &self.doc
    }

    /// The text it was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A top-level key, `None` when absent or null.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.doc.get(key).filter(|v| !v.is_null())
    }

    /// A top-level string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// A top-level mapping (absent, null or another type give `None`).
    pub fn map(&self, key: &str) -> Option<&Mapping> {
        self.get(key).and_then(Value::as_mapping)
    }

    /// The charm name (empty when missing; validation reports that).
    pub fn name(&self) -> &str {
        self.str("name").unwrap_or_default()
    }

    /// The platform labels, in file order.
    pub fn platforms(&self) -> Vec<String> {
        self.map("platforms")
            .map(|m| m.keys().map(key_text).collect())
            .unwrap_or_default()
    }

    /// Resolves the platform to pack: the one named, else the only one, else the one
    /// whose build-for is `host_arch`.
    pub fn target(&self, wanted: Option<&str>, host_arch: &str) -> Result<Target, String> {
        let labels = self.platforms();
        let label = match wanted {
            Some(w) if labels.iter().any(|l| l == w) => w.to_owned(),
            Some(w) => return Err(format!("no platform {w:?} in platforms: (have {labels:?})")),
            None if labels.len() == 1 => labels[0].clone(),
            None => {
                let on_host: Vec<_> = labels
                    .iter()
                    .filter(|l| self.build_for(l).is_ok_and(|(_, a)| a == host_arch))
                    .collect();
                match on_host.as_slice() {
                    [one] => (*one).clone(),
                    _ => return Err(format!("several platforms {labels:?}: choose one with --platform")),
                }
            }
        };
        let (base, arch) = self.build_for(&label)?;
        let (base_name, channel) = base
            .split_once('@')
            .ok_or_else(|| format!("base {base:?} is not <name>@<channel>"))?;
        Ok(Target {
            platform: label,
            base_name: base_name.to_owned(),
            channel: channel.to_owned(),
            arch,
        })
    }

    /// The `(base, arch)` a platform builds for, following craft-platforms: a null value
    /// means build-on = build-for = [label]; a long form names `build-for: [[base:]arch]`.
    pub(crate) fn build_for(&self, label: &str) -> Result<(String, String), String> {
        let top_base = self.str("base");
        let value = self
            .map("platforms")
            .and_then(|m| m.get(label))
            .filter(|v| !v.is_null());
        let spec = match value {
            None => label.to_owned(),
            Some(v) => {
                let list = v.get("build-for").and_then(Value::as_sequence);
                match list.map(Vec::as_slice) {
                    Some([one]) => one.as_str().ok_or("build-for entries must be strings")?.to_owned(),
                    Some(_) => return Err("build-for must name exactly one platform".into()),
                    None => label.to_owned(),
                }
            }
        };
        let (base, arch) = match spec.split_once(':') {
            Some((b, a)) => (Some(b), a),
            None => (None, spec.as_str()),
        };
        if !ARCHITECTURES.contains(&arch) {
            return Err(format!(
                "unknown architecture {arch:?} (one of {})",
                ARCHITECTURES.join(", ")
            ));
        }
        let base = match (base, top_base) {
            (Some(b), Some(t)) if b != t => return Err(format!("builds for base {b:?} but base: is {t:?}")),
            (Some(b), _) => b,
            (None, Some(t)) => t,
            (None, None) => return Err("no base: set and the platform names none".into()),
        };
        Ok((base.to_owned(), arch.to_owned()))
    }
}

/// A mapping key as text (YAML keys may be numbers; charmcraft keys are strings).
pub(crate) fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => serde_yaml_ng::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

/// A short name of a YAML value's kind, for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(text: &str) -> Charmcraft {
        Charmcraft::parse(text).unwrap()
    }

    #[test]
    fn short_form_platform_is_named_by_its_label() {
        let c = cc("name: x\nbase: ubuntu@22.04\nplatforms: {amd64: }\n");
        let t = c.target(None, "arm64").unwrap();
        assert_eq!(
            (t.base_name.as_str(), t.channel.as_str(), t.arch.as_str()),
            ("ubuntu", "22.04", "amd64")
        );
        assert_eq!(t.file_name("x"), "x_amd64.charm");
    }

    #[test]
    fn multi_base_label_keeps_the_at_sign_like_charmcraft() {
        let c = cc("name: x\nplatforms:\n  ubuntu@24.04:riscv64:\n");
        let t = c.target(None, "amd64").unwrap();
        assert_eq!(t.file_name("x"), "x_ubuntu@24.04-riscv64.charm");
        assert_eq!(t.channel, "24.04");
    }

    #[test]
    fn long_form_and_host_choice() {
        let c = cc(
            "name: x\nbase: ubuntu@24.04\nplatforms:\n  jammy-ish: {build-on: [amd64], build-for: [amd64]}\n  arm64:\n",
        );
        assert_eq!(c.target(None, "amd64").unwrap().platform, "jammy-ish");
        assert_eq!(c.target(Some("arm64"), "amd64").unwrap().arch, "arm64");
        assert!(c.target(None, "s390x").unwrap_err().contains("--platform"));
        assert!(c.target(Some("nope"), "amd64").is_err());
    }

    #[test]
    fn bad_platforms_are_explained() {
        let c = cc("name: x\nbase: ubuntu@22.04\nplatforms: {amd46: }\n");
        assert!(c
            .target(None, "amd64")
            .unwrap_err()
            .contains("unknown architecture \"amd46\""));
        assert!(Charmcraft::parse("- a\n").unwrap_err().contains("mapping"));
    }
}
