//! Host profiles: which host path serves which path of a rock.
//!
//! A charm expects its workload image (a *rock*) to have, say, ZooKeeper in
//! `/opt/zookeeper`, its config in `/etc/zookeeper` and its data in `/var/lib/zookeeper`. The
//! local model has no images; it has the host's packages (Debian's ZooKeeper jars, an
//! extracted Spark). A [`HostProfile`] says how to fake the rock with them: bind mounts
//! (host install, read-only, or per-container directories), generated files (wrapper
//! scripts such as `/opt/zookeeper/bin/zkServer.sh`), environment variables, user-name
//! mappings, the rock's own Pebble layers, and the host paths that must exist (with a hint
//! to run the project's install script when they do not).
//!
//! Built-ins ([`profile_for`]): `charmed-zookeeper`, `charmed-kafka` (paths only: no Kafka
//! distribution exists on these machines), `charmed-spark` (SPARK_HOME from an extracted
//! pyspark sdist) and `postgresql`. Charm authors add their own as YAML files
//! ([`HostProfile::from_yaml`]) in a directory named by `LOCAL_MODEL_PROFILES`, which is
//! searched first, e.g. `my-rock.yaml`:
//!
//! ```yaml
//! rock: my-rock
//! aliases: [my-rock-image]              # resource names that select it too
//! binds:
//!   - {host: /usr/share/myapp, target: /opt/myapp, read_only: true}   # the host's install
//!   - {host: var-lib-myapp, target: /var/lib/myapp}                   # per container
//! prepare:
//!   - {kind: dir, path: var-lib-myapp, mode: 0o770, owner: myapp}
//!   - {kind: file, path: bin/run.sh, content: "#!/bin/sh\nexec myapp\n", mode: 0o755}
//! env: {MYAPP_LISTEN: "{address}:8080"}
//! users: {myapp: nobody}                # rock user -> host user
//! layers:
//!   - [001-rock, "services: {myapp: {override: replace, command: /opt/myapp/bin/myapp}}"]
//! requires:
//!   - {path: /usr/share/myapp, hint: "apt-get install myapp"}
//! ```

mod builtin;

use std::collections::BTreeMap;
use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use juju_model::pebble::Layer;
use serde::{Deserialize, Serialize};

use crate::sandbox::{Bind, Sandbox};
use crate::Error;

/// Environment variable: directories (`:`-separated) of `<rock>.yaml` profiles.
pub const PROFILES_ENV: &str = "LOCAL_MODEL_PROFILES";

/// A step that creates something under the container's root before the sandbox is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Prepare {
    /// A directory (and its parents), optionally owned by a (rock) user.
    Dir {
        /// Relative to the container root.
        path: PathBuf,
        /// Permission bits (default 0o755).
        #[serde(default)]
        mode: Option<u32>,
        /// Owner: a rock user name, mapped through the profile's `users`.
        #[serde(default)]
        owner: Option<String>,
    },
    /// A file with fixed content (rewritten every time, so upgrades of the profile apply).
    File {
        /// Relative to the container root.
        path: PathBuf,
        /// The content.
        content: String,
        /// Permission bits (default 0o644).
        #[serde(default)]
        mode: Option<u32>,
    },
    /// A symbolic link.
    Symlink {
        /// Relative to the container root.
        path: PathBuf,
        /// What it points to (as seen inside the sandbox).
        target: PathBuf,
    },
}

/// A host path the profile needs, with what to do when it is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// Must exist on the host.
    pub path: PathBuf,
    /// Printed when it does not (`run scripts/install-deps.sh`).
    pub hint: String,
}

/// How the host stands in for one rock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HostProfile {
    /// The rock's name (`charmed-zookeeper`).
    pub rock: String,
    /// Other names that select this profile (resource names, image names).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Bind mounts. A relative `host` is under the container's root (per-unit state); an
    /// absolute one is the host's installation.
    #[serde(default)]
    pub binds: Vec<Bind>,
    /// Environment of every process in the container. `{address}` and `{hostname}` in values
    /// become the unit's address and hostname.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// What to create under the container root first.
    #[serde(default)]
    pub prepare: Vec<Prepare>,
    /// Rock user/group names to host ones; a target that does not exist on the host becomes
    /// `root`.
    #[serde(default)]
    pub users: BTreeMap<String, String>,
    /// The rock's own Pebble layers (label, YAML), as `/var/lib/pebble/default/layers` has them.
    #[serde(default)]
    pub layers: Vec<(String, String)>,
    /// Host paths that must exist.
    #[serde(default)]
    pub requires: Vec<Requirement>,
}

/// The last path segment without tag or digest: `ghcr.io/canonical/charmed-zookeeper:3.8` ->
/// `charmed-zookeeper`.
fn bare_name(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    let last = last.split('@').next().unwrap_or(last);
    let last = last.split(':').next().unwrap_or(last);
    last.to_ascii_lowercase()
}

/// The profile for a rock, an OCI image reference or a charm's resource name: a
/// `<name>.yaml` in `$LOCAL_MODEL_PROFILES` first, else a built-in.
pub fn profile_for(resource_or_rock: &str) -> Option<HostProfile> {
    let name = bare_name(resource_or_rock);
    if let Some(dirs) = std::env::var_os(PROFILES_ENV) {
        for dir in std::env::split_paths(&dirs) {
            if let Some(profile) = find_in_dir(&dir, &name) {
                return Some(profile);
            }
        }
    }
    builtin::all()
        .into_iter()
        .find(|p| p.rock == name || p.aliases.contains(&name))
}

/// A profile from `dir` whose rock or aliases match `name` (file `<name>.yaml` first).
fn find_in_dir(dir: &Path, name: &str) -> Option<HostProfile> {
    if let Ok(profile) = HostProfile::load(&dir.join(format!("{name}.yaml"))) {
        return Some(profile);
    }
    let entries = fs::read_dir(dir).ok()?;
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .filter_map(|p| HostProfile::load(&p).ok())
        .find(|p| p.rock == name || p.aliases.iter().any(|a| a == name))
}

impl HostProfile {
    /// Parses a profile from YAML (the fields of this struct, kebab-free).
    pub fn from_yaml(text: &str) -> Result<Self, Error> {
        serde_yaml_ng::from_str(text).map_err(|e| Error::Profile {
            path: PathBuf::new(),
            message: e.to_string(),
        })
    }

    /// Reads a profile file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = fs::read_to_string(path).map_err(|source| Error::io("reading", path, source))?;
        Self::from_yaml(&text).map_err(|e| match e {
            Error::Profile { message, .. } => Error::Profile {
                path: path.to_owned(),
                message,
            },
            other => other,
        })
    }

    /// The unmet requirements, as messages (empty when the host has everything).
    pub fn missing(&self) -> Vec<String> {
        self.requires
            .iter()
            .filter(|r| !r.path.exists())
            .map(|r| format!("{} is missing: {}", r.path.display(), r.hint))
            .collect()
    }

    /// The rock's layers, parsed and validated.
    pub fn pebble_layers(&self) -> Result<Vec<(String, Layer)>, Error> {
        self.layers
            .iter()
            .map(|(label, yaml)| {
                let layer_error = |message: String| Error::ProfileLayer {
                    rock: self.rock.clone(),
                    label: label.clone(),
                    message,
                };
                let layer = Layer::from_yaml(yaml).map_err(|e| layer_error(e.to_string()))?;
                layer.validate(label).map_err(|e| layer_error(e.to_string()))?;
                Ok((label.clone(), layer))
            })
            .collect()
    }

    /// The user map with targets that do not exist on this host replaced by `root`.
    fn host_users(&self) -> BTreeMap<String, String> {
        self.users
            .iter()
            .map(|(rock, host)| {
                let exists = nix::unistd::User::from_name(host).ok().flatten().is_some();
                (rock.clone(), if exists { host.clone() } else { "root".into() })
            })
            .collect()
    }

    /// Creates the profile's directories and files under `root`.
    pub fn prepare(&self, root: &Path) -> Result<(), Error> {
        let users = self.host_users();
        let io = |what: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| Error::Io { what, path, source }
        };
        for step in &self.prepare {
            match step {
                Prepare::Dir { path, mode, owner } => {
                    let full = root.join(path);
                    fs::create_dir_all(&full).map_err(io("creating", &full))?;
                    fs::set_permissions(&full, fs::Permissions::from_mode(mode.unwrap_or(0o755)))
                        .map_err(io("setting permissions of", &full))?;
                    if let Some(owner) = owner {
                        let host = users.get(owner).cloned().unwrap_or_else(|| owner.clone());
                        if let Ok(Some(user)) = nix::unistd::User::from_name(&host) {
                            std::os::unix::fs::chown(&full, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
                                .map_err(io("changing the owner of", &full))?;
                        }
                    }
                }
                Prepare::File { path, content, mode } => {
                    let full = root.join(path);
                    if let Some(parent) = full.parent() {
                        fs::create_dir_all(parent).map_err(io("creating", parent))?;
                    }
                    fs::write(&full, content).map_err(io("writing", &full))?;
                    fs::set_permissions(&full, fs::Permissions::from_mode(mode.unwrap_or(0o644)))
                        .map_err(io("setting permissions of", &full))?;
                }
                Prepare::Symlink { path, target } => {
                    let full = root.join(path);
                    if let Some(parent) = full.parent() {
                        fs::create_dir_all(parent).map_err(io("creating", parent))?;
                    }
                    if fs::symlink_metadata(&full).is_ok() {
                        fs::remove_file(&full).map_err(io("replacing", &full))?;
                    }
                    std::os::unix::fs::symlink(target, &full).map_err(io("linking", &full))?;
                }
            }
        }
        Ok(())
    }

    /// A sandbox for one container: prepares `root`, resolves relative binds under it, and
    /// fills in the environment and user map. The caller adds the hosts file, storage
    /// binds and the helper path as needed.
    pub fn sandbox(
        &self,
        name: impl Into<String>,
        root: &Path,
        address: Ipv4Addr,
        hostname: Option<String>,
    ) -> Result<Sandbox, Error> {
        self.prepare(root)?;
        let mut sandbox = Sandbox::new(name, root, address);
        sandbox.binds = self
            .binds
            .iter()
            .map(|bind| Bind {
                host: if bind.host.is_absolute() {
                    bind.host.clone()
                } else {
                    root.join(&bind.host)
                },
                target: bind.target.clone(),
                read_only: bind.read_only,
            })
            .collect();
        let host = hostname.clone().unwrap_or_default();
        sandbox.env = self
            .env
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.replace("{address}", &address.to_string())
                        .replace("{hostname}", &host),
                )
            })
            .collect();
        sandbox.users = self.host_users();
        sandbox.hostname = hostname;
        Ok(sandbox)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_yaml() {
        assert_eq!(
            bare_name("ghcr.io/canonical/charmed-zookeeper:3.8-22.04_edge"),
            "charmed-zookeeper"
        );
        assert_eq!(bare_name("zookeeper-image"), "zookeeper-image");
        assert!(profile_for("ghcr.io/canonical/charmed-zookeeper:3.8").is_some());
        assert!(profile_for("zookeeper-image").is_some());
        assert!(profile_for("charmed-kafka").is_some());
        assert!(profile_for("postgresql").is_some());
        assert!(profile_for("charmed-spark").is_some());
        assert!(profile_for("no-such-rock").is_none());
        let yaml = r##"
rock: my-rock
binds:
  - {host: data, target: /var/lib/mine}
  - {host: /usr/share/mine, target: /opt/mine, read_only: true}
env: {MY_ADDR: "{address}"}
prepare:
  - {kind: dir, path: data, mode: 0o700}
  - {kind: file, path: bin/run.sh, content: "#!/bin/sh\n", mode: 0o755}
layers:
  - [base, "services: {svc: {override: replace, command: /opt/mine/run}}"]
"##;
        let profile = HostProfile::from_yaml(yaml).unwrap();
        assert_eq!(profile.pebble_layers().unwrap().len(), 1);
        let dir = tempfile::tempdir().unwrap();
        let sandbox = profile
            .sandbox("u/0", dir.path(), "127.0.1.9".parse().unwrap(), None)
            .unwrap();
        assert_eq!(sandbox.binds[0].host, dir.path().join("data"));
        assert_eq!(sandbox.env["MY_ADDR"], "127.0.1.9");
        assert!(dir.path().join("bin/run.sh").exists());
        for p in builtin::all() {
            p.pebble_layers().unwrap();
        }
    }

    #[test]
    fn module_doc_example_parses() {
        let doc = include_str!("mod.rs");
        let yaml: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```yaml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| format!("{}\n", l.trim_start_matches("//!").strip_prefix(' ').unwrap_or("")))
            .collect();
        let profile = HostProfile::from_yaml(&yaml).unwrap();
        assert_eq!(profile.rock, "my-rock");
        assert_eq!(profile.binds.len(), 2);
        assert!(matches!(profile.prepare[0], Prepare::Dir { mode: Some(0o770), .. }));
        assert_eq!(profile.pebble_layers().unwrap().len(), 1);
    }
}
