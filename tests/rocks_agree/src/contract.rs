//! The `charm-contract` part of a rock: the paths the charm relies on, checked at build time.
//!
//! The part's `override-prime` defines a shell function `require <kind> <path>` and calls it
//! once per line; the build fails when a path is missing or, for `w`, not owned by the
//! workload user. These lines are the rock's side of the agreement with the charm: the tests
//! check that they cover every path the charm's Pebble layer and files use.

use crate::paths::{absolute, is_within};

/// What a required path must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `x`: an executable file.
    Executable,
    /// `f`: a regular file.
    File,
    /// `w`: a directory owned by the workload user (the charm or the workload writes in it).
    WorkloadDir,
}

/// One `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// What the path must be.
    pub kind: Kind,
    /// The absolute path in the rock.
    pub path: String,
}

/// How the contract covers a path the charm uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// Required as such.
    Shipped(Kind),
    /// Inside a workload directory: the charm or the workload creates it.
    InWorkloadDir(String),
    /// A directory holding something that is required (it exists because its content does).
    Ancestor,
}

/// The parsed contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// The `require` lines, in order.
    pub requirements: Vec<Requirement>,
    /// The `uid:gid` the `w` check compares `stat -c %u:%g` with.
    pub owner: (u32, u32),
}

impl Contract {
    /// Parses a `charm-contract` `override-prime` script.
    pub fn parse(script: &str) -> Result<Contract, String> {
        let mut requirements = Vec::new();
        for line in script.lines().map(str::trim) {
            let mut words = line.split_whitespace();
            if words.next() != Some("require") {
                continue;
            }
            let (kind, path) = match (words.next(), words.next(), words.next()) {
                (Some(kind), Some(path), None) => (kind, path),
                _ => return Err(format!("`{line}`: expected `require <x|f|w> <path>`")),
            };
            let kind = match kind {
                "x" => Kind::Executable,
                "f" => Kind::File,
                "w" => Kind::WorkloadDir,
                other => return Err(format!("`{line}`: unknown kind {other:?}")),
            };
            if path.starts_with('/') || path.contains("..") {
                return Err(format!("`{line}`: paths are relative to the prime directory"));
            }
            requirements.push(Requirement {
                kind,
                path: absolute(path),
            });
        }
        if requirements.is_empty() {
            return Err("no `require <kind> <path>` lines".to_owned());
        }
        Ok(Contract {
            requirements,
            owner: owner(script)?,
        })
    }

    /// The requirement for exactly `path`.
    pub fn get(&self, path: &str) -> Option<Kind> {
        self.requirements.iter().find(|r| r.path == path).map(|r| r.kind)
    }

    /// The `w` directories.
    pub fn workload_dirs(&self) -> impl Iterator<Item = &str> {
        self.requirements
            .iter()
            .filter(|r| r.kind == Kind::WorkloadDir)
            .map(|r| r.path.as_str())
    }

    /// How `path` is covered, if it is.
    pub fn covers(&self, path: &str) -> Option<Coverage> {
        if let Some(kind) = self.get(path) {
            return Some(Coverage::Shipped(kind));
        }
        if let Some(dir) = self.workload_dirs().find(|dir| is_within(path, dir)) {
            return Some(Coverage::InWorkloadDir(dir.to_owned()));
        }
        self.requirements
            .iter()
            .any(|r| is_within(&r.path, path))
            .then_some(Coverage::Ancestor)
    }
}

/// The `uid:gid` after `stat -c %u:%g "$2")" =` in the script.
fn owner(script: &str) -> Result<(u32, u32), String> {
    let marker = "stat -c %u:%g \"$2\")\" = ";
    let rest = script
        .split_once(marker)
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("no `{marker}<uid>:<gid>` ownership check for `w`"))?;
    let token: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == ':').collect();
    let (uid, gid) = token
        .split_once(':')
        .ok_or_else(|| format!("ownership check compares with {token:?}, not <uid>:<gid>"))?;
    let number = |s: &str| {
        s.parse::<u32>()
            .map_err(|e| format!("{s:?} in the ownership check: {e}"))
    };
    Ok((number(uid)?, number(gid)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = r#"
craftctl default
require() {
  case "$1" in
    w) test -d "$2" && test "$(stat -c %u:%g "$2")" = 1000:1001 ;;
  esac
}
require x opt/zk/bin/zkServer.sh
require w etc/zk
"#;

    #[test]
    fn parses_requirements_and_owner() {
        let contract = Contract::parse(SCRIPT).unwrap();
        assert_eq!(contract.owner, (1000, 1001));
        assert_eq!(contract.get("/opt/zk/bin/zkServer.sh"), Some(Kind::Executable));
        assert_eq!(
            contract.covers("/etc/zk/zoo.cfg"),
            Some(Coverage::InWorkloadDir("/etc/zk".into()))
        );
        assert_eq!(contract.covers("/opt/zk"), Some(Coverage::Ancestor));
        assert_eq!(contract.covers("/opt/zk/lib/x.jar"), None);
        assert!(Contract::parse("require q a").is_err());
        assert!(Contract::parse("require x /abs").is_err());
    }
}
