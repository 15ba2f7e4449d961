//! The built-in host profiles, one file per rock.

mod kafka;
mod postgresql;
mod spark;
mod zookeeper;

use std::path::PathBuf;

use super::{HostProfile, Prepare, Requirement};
use crate::sandbox::Bind;

/// Every built-in profile.
pub(super) fn all() -> Vec<HostProfile> {
    vec![
        zookeeper::profile(),
        kafka::profile(),
        spark::profile(),
        postgresql::profile(),
    ]
}

/// The hint for packages the project's install script installs.
const INSTALL_HINT: &str = "run the project's scripts/install-deps.sh (it installs the workloads' Debian packages)";

/// A per-container directory `dir` (under the container root) bound at `target`, created
/// owned by `owner` with mode 0o770 as in the rocks.
fn unit_dir(dir: &str, target: &str, owner: Option<&str>) -> (Bind, Prepare) {
    (
        Bind::new(dir, target),
        Prepare::Dir {
            path: PathBuf::from(dir),
            mode: Some(0o770),
            owner: owner.map(str::to_owned),
        },
    )
}

/// A generated executable script.
fn script(path: &str, content: &str) -> Prepare {
    Prepare::File {
        path: PathBuf::from(path),
        content: content.to_owned(),
        mode: Some(0o755),
    }
}

fn requirement(path: &str, hint: &str) -> Requirement {
    Requirement {
        path: PathBuf::from(path),
        hint: hint.to_owned(),
    }
}

/// Adds per-container directories to a profile.
fn with_unit_dirs(profile: &mut HostProfile, dirs: &[(&str, &str)], owner: Option<&str>) {
    for (dir, target) in dirs {
        let (bind, prepare) = unit_dir(dir, target, owner);
        profile.binds.push(bind);
        profile.prepare.push(prepare);
    }
}
