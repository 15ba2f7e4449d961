//! The local model's host profile of a rock, checked against the rock and the charm.
//!
//! The local model fakes a rock with bind mounts over the host (`local_model::profiles`). A
//! path is *provided* when a bind covers it and, for a per-container bind, the profile
//! prepares it (a generated script, a directory owned by the mapped user). Paths outside every
//! bind are the host's own and are not judged here (the profile's `requires` are).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use local_model::profiles::{HostProfile, Prepare};

use crate::agree::CharmSide;
use crate::contract::{Coverage, Kind};
use crate::paths::is_within;
use crate::rock::Rock;

/// Why a path is not provided.
fn gap(profile: &HostProfile, path: &str, kind: Kind, owner: &str) -> Option<String> {
    let bind = profile
        .binds
        .iter()
        .filter(|b| is_within(path, &b.target.to_string_lossy()))
        .max_by_key(|b| b.target.as_os_str().len())?;
    let rest = Path::new(path).strip_prefix(&bind.target).unwrap_or(Path::new(""));
    if bind.host.is_absolute() {
        // The host's installation: judged by the profile's own `requires`, not here.
        return None;
    }
    let inside: PathBuf = bind.host.join(rest);
    let step = profile.prepare.iter().find(|step| match step {
        Prepare::Dir { path, .. } | Prepare::File { path, .. } | Prepare::Symlink { path, .. } => *path == inside,
    });
    match (kind, step) {
        (Kind::WorkloadDir, Some(Prepare::Dir { mode, owner: o, .. })) => {
            let writable = mode.unwrap_or(0o755) & 0o700 == 0o700 && o.as_deref() == Some(owner);
            (!writable).then(|| format!("not a directory owned by {owner} with mode u+rwx"))
        }
        (Kind::Executable, Some(Prepare::File { mode, .. })) => {
            (mode.unwrap_or(0o644) & 0o100 == 0).then(|| "prepared without the executable bit".to_owned())
        }
        (Kind::File, Some(Prepare::File { .. } | Prepare::Symlink { .. })) => None,
        (_, Some(_)) => Some("prepared as the wrong kind".to_owned()),
        (_, None) => Some(format!(
            "{} bound at {} holds nothing there",
            bind.host.display(),
            bind.target.display()
        )),
    }
}

/// The paths the charm needs from the container, with what they must be.
fn needed(rock: &Rock, charm: &CharmSide) -> Result<BTreeMap<String, Kind>, String> {
    let contract = rock.contract()?;
    let mut out = BTreeMap::new();
    let mut add = |path: &str, kind: Kind| {
        // A file in a workload directory needs the directory; the charm writes the file.
        match contract.covers(path) {
            Some(Coverage::InWorkloadDir(dir)) => out.insert(dir, Kind::WorkloadDir),
            _ => out.insert(path.to_owned(), kind),
        };
    };
    let mut executes = charm.executes.clone();
    executes.push(charm.program()?);
    executes.iter().for_each(|p| add(p, Kind::Executable));
    charm
        .ships
        .iter()
        .filter(|p| !charm.optional.contains(p))
        .for_each(|p| add(p, Kind::File));
    charm
        .writes
        .iter()
        .chain(&charm.dirs)
        .for_each(|p| add(p, Kind::WorkloadDir));
    for path in charm.layer_paths()? {
        match contract.covers(&path) {
            Some(Coverage::Shipped(kind)) if !charm.optional.contains(&path) => add(&path, kind),
            Some(Coverage::InWorkloadDir(dir)) => add(&dir, Kind::WorkloadDir),
            _ => {}
        }
    }
    Ok(out)
}

/// Every gap between the profile and what the rock gives the charm, as `(what, why)`:
/// paths the profile does not provide, image environment it lacks, users it does not map.
pub fn profile_gaps(profile: &HostProfile, rock: &Rock, charm: &CharmSide) -> Result<BTreeMap<String, String>, String> {
    let mut gaps = BTreeMap::new();
    // Storage is mounted by the model (Juju or the local model), not by the profile.
    let needed = needed(rock, charm)?;
    let from_profile = needed
        .into_iter()
        .filter(|(path, _)| !charm.storage.iter().any(|mount| is_within(path, mount)));
    for (path, kind) in from_profile {
        if let Some(why) = gap(profile, &path, kind, &charm.user) {
            gaps.insert(path, why);
        }
    }
    for (key, value) in &rock.environment {
        // The host's JVM stands in for the rock's: its JAVA_HOME differs by design.
        if key != "JAVA_HOME" && profile.env.get(key) != Some(value) {
            gaps.insert(
                format!("env {key}"),
                format!("the rock sets {value:?}, the profile {:?}", profile.env.get(key)),
            );
        }
    }
    for user in [&charm.user, &charm.group] {
        if !profile.users.contains_key(user) {
            gaps.insert(format!("user {user}"), "not mapped to a host user".to_owned());
        }
    }
    let layers = profile.pebble_layers().map_err(|e| e.to_string())?;
    let services: Vec<&String> = layers.iter().flat_map(|(_, l)| l.services.keys()).collect();
    if services != rock.services.keys().collect::<Vec<_>>() {
        gaps.insert(
            "services".to_owned(),
            format!("profile layers {services:?}, rock services {:?}", rock.services.keys()),
        );
    }
    Ok(gaps)
}
