//! `rockcraft.yaml`, typed as far as the checks need and strict about keys (rockcraft rejects
//! unknown keys too, but only on a host that has rockcraft).

use std::collections::BTreeMap;

use juju_model::pebble::Service;
use serde::Deserialize;

use crate::contract::Contract;
use crate::repo;

/// The name of the part whose `override-prime` holds the charm contract.
pub const CONTRACT_PART: &str = "charm-contract";

/// A rock project.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)] // the fields are rockcraft's keys of the same name
pub struct Rock {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    pub summary: String,
    pub description: String,
    pub version: String,
    pub license: String,
    pub base: String,
    #[serde(default)]
    pub build_base: Option<String>,
    pub platforms: BTreeMap<String, Option<serde_yaml_ng::Value>>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    #[serde(default)]
    pub checks: BTreeMap<String, serde_yaml_ng::Value>,
    #[serde(default)]
    pub run_user: Option<String>,
    pub parts: BTreeMap<String, Part>,
}

/// A part, with the keys these rocks use.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)] // the fields are craft-parts' keys of the same name
pub struct Part {
    pub plugin: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub source_type: Option<String>,
    #[serde(default)]
    pub source_checksum: Option<String>,
    /// The commit a `git` source is checked out at.
    #[serde(default)]
    pub source_commit: Option<String>,
    #[serde(default)]
    pub organize: BTreeMap<String, String>,
    #[serde(default)]
    pub stage: Vec<String>,
    #[serde(default)]
    pub prime: Vec<String>,
    #[serde(default)]
    pub after: Vec<String>,
    #[serde(default)]
    pub stage_packages: Vec<String>,
    #[serde(default)]
    pub build_packages: Vec<String>,
    #[serde(default)]
    pub stage_snaps: Vec<String>,
    #[serde(default)]
    pub build_snaps: Vec<String>,
    #[serde(default)]
    pub build_environment: Vec<BTreeMap<String, String>>,
    #[serde(default)]
    pub override_pull: Option<String>,
    #[serde(default)]
    pub override_build: Option<String>,
    #[serde(default)]
    pub override_stage: Option<String>,
    #[serde(default)]
    pub override_prime: Option<String>,
    #[serde(default)]
    pub overlay_script: Option<String>,
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

/// A craft-parts `permissions` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // the fields are craft-parts' keys of the same name
pub struct Permission {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub owner: Option<u32>,
    #[serde(default)]
    pub group: Option<u32>,
    #[serde(default)]
    pub mode: Option<String>,
}

/// A user created by an `overlay-script` (`useradd ... --uid N --gid G name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `--uid`.
    pub uid: u32,
    /// `--gid`: the primary group's name or number.
    pub group: String,
}

/// A download of a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download<'a> {
    /// The part.
    pub part: &'a str,
    /// The URL.
    pub url: &'a str,
    /// `source-checksum`, if any.
    pub checksum: Option<&'a str>,
    /// `source-type`, if any.
    pub source_type: Option<&'a str>,
    /// `source-commit` (a `git` source), if any.
    pub commit: Option<&'a str>,
}

impl Rock {
    /// Parses a rockcraft.yaml.
    pub fn from_yaml(text: &str) -> Result<Rock, String> {
        serde_yaml_ng::from_str(text).map_err(|e| e.to_string())
    }

    /// `rocks/<name>/rockcraft.yaml`.
    pub fn load(name: &str) -> Result<Rock, String> {
        let path = repo::rockcraft_yaml(name);
        Rock::from_yaml(&repo::read(&path)?).map_err(|e| format!("{path}: {e}"))
    }

    /// The `charm-contract` part's requirements.
    pub fn contract(&self) -> Result<Contract, String> {
        let script = self
            .parts
            .get(CONTRACT_PART)
            .and_then(|p| p.override_prime.as_deref())
            .ok_or_else(|| format!("rock {}: no `{CONTRACT_PART}` part with an override-prime", self.name))?;
        Contract::parse(script).map_err(|e| format!("rock {}: {CONTRACT_PART}: {e}", self.name))
    }

    /// Every part's remote downloads.
    pub fn downloads(&self) -> Vec<Download<'_>> {
        self.parts
            .iter()
            .filter_map(|(name, part)| {
                let url = part.source.as_deref()?;
                url.contains("://").then_some(Download {
                    part: name,
                    url,
                    checksum: part.source_checksum.as_deref(),
                    source_type: part.source_type.as_deref(),
                    commit: part.source_commit.as_deref(),
                })
            })
            .collect()
    }

    /// Every `permissions` entry with a path, by that path (relative, as written).
    pub fn permissions(&self) -> BTreeMap<&str, &Permission> {
        self.parts
            .values()
            .flat_map(|p| &p.permissions)
            .filter_map(|p| Some((p.path.as_deref()?, p)))
            .collect()
    }

    /// Groups created by `groupadd` in overlay scripts, name to gid.
    pub fn groups(&self) -> Result<BTreeMap<String, u32>, String> {
        let mut groups = BTreeMap::new();
        for words in self.overlay_commands("groupadd") {
            let gid = flag(&words, &["--gid", "-g"]).ok_or("groupadd without --gid")?;
            let gid = gid.parse().map_err(|e| format!("groupadd --gid {gid}: {e}"))?;
            groups.insert(last(&words)?, gid);
        }
        Ok(groups)
    }

    /// Users created by `useradd` in overlay scripts, by name.
    pub fn users(&self) -> Result<BTreeMap<String, User>, String> {
        let mut users = BTreeMap::new();
        for words in self.overlay_commands("useradd") {
            let uid = flag(&words, &["--uid", "-u"]).ok_or("useradd without --uid")?;
            let uid = uid.parse().map_err(|e| format!("useradd --uid {uid}: {e}"))?;
            let group = flag(&words, &["--gid", "-g"])
                .ok_or("useradd without --gid")?
                .to_owned();
            users.insert(last(&words)?, User { uid, group });
        }
        Ok(users)
    }

    /// The words of every overlay-script line running `command`.
    fn overlay_commands(&self, command: &str) -> Vec<Vec<String>> {
        self.parts
            .values()
            .filter_map(|p| p.overlay_script.as_deref())
            .flat_map(str::lines)
            .map(|line| {
                line.split_whitespace()
                    .map(|w| w.trim_matches('"').to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|words| words.first().map(String::as_str) == Some(command))
            .collect()
    }
}

/// The value after any of `names` (`--uid 1000`).
fn flag<'a>(words: &'a [String], names: &[&str]) -> Option<&'a str> {
    let at = words.iter().position(|w| names.contains(&w.as_str()))?;
    words.get(at + 1).map(String::as_str)
}

fn last(words: &[String]) -> Result<String, String> {
    words.last().cloned().ok_or_else(|| "empty command".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_users_and_rejects_unknown_keys() {
        let yaml = r#"
name: r
summary: s
description: d
version: "1"
license: Apache-2.0
base: ubuntu@22.04
platforms: {amd64: }
parts:
  u:
    plugin: nil
    overlay-script: |
      groupadd --root "$CRAFT_OVERLAY" --gid 7 app
      useradd -R "$CRAFT_OVERLAY" -M -r -g app -u 8 app
"#;
        let rock = Rock::from_yaml(yaml).unwrap();
        assert_eq!(rock.groups().unwrap()["app"], 7);
        assert_eq!(
            rock.users().unwrap()["app"],
            User {
                uid: 8,
                group: "app".into()
            }
        );
        assert!(Rock::from_yaml(&yaml.replace("license:", "licence:")).is_err());
    }
}
