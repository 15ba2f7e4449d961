//! The charm's side of the agreement and the checks of a rock against it.
//!
//! A [`CharmSide`] is built by the tests from what the charm crates expose (their Pebble layer
//! and path constants); [`rock_problems`] lists every way the rock fails it. Each problem is a
//! sentence naming both sides, so a failing test says which file to change.

use juju_model::pebble::{Layer, Service};

use crate::contract::{Coverage, Kind};
use crate::paths::absolute_paths;
use crate::rock::Rock;

/// What a charm relies on in its workload container.
#[derive(Debug, Clone)]
pub struct CharmSide {
    /// The charm's name (for messages).
    pub charm: String,
    /// The Pebble layer the charm adds, rendered with its JMX exporter enabled.
    pub layer: Layer,
    /// The layer's service.
    pub service: String,
    /// The workload user and group the charm runs the service as and owns its files by.
    pub user: String,
    /// See [`CharmSide::user`].
    pub group: String,
    /// Programs the charm runs (its layer command and the tools it execs).
    pub executes: Vec<String>,
    /// Files the charm expects the image to ship (jars, agents).
    pub ships: Vec<String>,
    /// Of [`CharmSide::ships`], those the charm looks for and does without.
    pub optional: Vec<String>,
    /// Files the charm writes.
    pub writes: Vec<String>,
    /// Directories the charm or its workload writes in (config, data, logs).
    pub dirs: Vec<String>,
    /// Where the charm's storage is mounted (charmcraft.yaml `location`s): the model provides
    /// these, the rock only has the mount points.
    pub storage: Vec<String>,
    /// Ports the workload listens on.
    pub ports: Vec<u16>,
}

impl CharmSide {
    /// The layer's service.
    pub fn layer_service(&self) -> Result<&Service, String> {
        self.layer
            .services
            .get(&self.service)
            .ok_or_else(|| format!("{}: the layer has no service {:?}", self.charm, self.service))
    }

    /// The program of the layer's command (its first word).
    pub fn program(&self) -> Result<String, String> {
        let command = self.layer_service()?.command.clone().unwrap_or_default();
        command
            .split_whitespace()
            .next()
            .map(str::to_owned)
            .ok_or_else(|| format!("{}: the layer's service has no command", self.charm))
    }

    /// Every absolute path in the layer's command and environment values.
    pub fn layer_paths(&self) -> Result<Vec<String>, String> {
        let service = self.layer_service()?;
        let mut texts = vec![service.command.clone().unwrap_or_default()];
        texts.extend(service.environment.values().cloned());
        let mut paths = Vec::new();
        for text in texts {
            for path in absolute_paths(&text) {
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
        Ok(paths)
    }
}

/// Every disagreement between `rock` and `charm`; empty when they agree.
pub fn rock_problems(rock: &Rock, charm: &CharmSide) -> Vec<String> {
    let mut report = Report {
        prefix: format!("{} vs rock {}", charm.charm, rock.name),
        problems: Vec::new(),
    };
    let checks: [Check; 4] = [check_service, check_accounts, check_paths, check_environment];
    for check in checks {
        if let Err(e) = check(rock, charm, &mut report) {
            report.push(e);
        }
    }
    report.problems
}

/// One group of checks; an `Err` is a problem that stops the group.
type Check = fn(&Rock, &CharmSide, &mut Report) -> Result<(), String>;

/// Problems, each prefixed with who disagrees with whom.
struct Report {
    prefix: String,
    problems: Vec<String>,
}

impl Report {
    fn push(&mut self, text: String) {
        self.problems.push(format!("{}: {text}", self.prefix));
    }
}

/// One definition of the service, the charm's: a rock service must be the same one.
fn check_service(rock: &Rock, charm: &CharmSide, report: &mut Report) -> Result<(), String> {
    let service = charm.layer_service()?;
    for (name, defined) in &rock.services {
        let same = name == &charm.service
            && defined.command == service.command
            && defined.user == service.user
            && defined.group == service.group;
        if !same {
            report.push(format!(
                "rockcraft.yaml service {name:?} differs from the charm's layer"
            ));
        }
    }
    Ok(())
}

/// The user and group the service runs as exist, and own the workload directories.
fn check_accounts(rock: &Rock, charm: &CharmSide, report: &mut Report) -> Result<(), String> {
    let service = charm.layer_service()?;
    if service.user.as_deref() != Some(&charm.user) || service.group.as_deref() != Some(&charm.group) {
        report.push(format!(
            "the layer runs as {:?}:{:?}, the charm's files are owned by {}:{}",
            service.user, service.group, charm.user, charm.group
        ));
    }
    let (users, groups) = (rock.users()?, rock.groups()?);
    let (Some(user), Some(&gid)) = (users.get(&charm.user), groups.get(&charm.group)) else {
        report.push(format!(
            "no user {:?} and group {:?} in the overlay script (users {:?}, groups {:?})",
            charm.user,
            charm.group,
            users.keys().collect::<Vec<_>>(),
            groups.keys().collect::<Vec<_>>()
        ));
        return Ok(());
    };
    if user.group != charm.group && user.group != gid.to_string() {
        report.push(format!(
            "user {} has primary group {}, not {}",
            charm.user, user.group, charm.group
        ));
    }
    let contract = rock.contract()?;
    if contract.owner != (user.uid, gid) {
        report.push(format!(
            "charm-contract checks `w` directories for {:?}, the user is {}:{gid}",
            contract.owner, user.uid
        ));
    }
    let permissions = rock.permissions();
    for dir in contract.workload_dirs() {
        let entry = permissions.get(dir.trim_start_matches('/'));
        let mode = entry
            .and_then(|p| p.mode.as_deref())
            .and_then(|m| u32::from_str_radix(m, 8).ok());
        let owned = entry.is_some_and(|p| p.owner == Some(user.uid) && p.group == Some(gid));
        if !owned || mode.is_none_or(|m| m & 0o700 != 0o700) {
            report.push(format!(
                "{dir} needs a permissions entry owner {}, group {gid}, mode u+rwx",
                user.uid
            ));
        }
    }
    // A non-root workload cannot bind privileged ports.
    for port in charm.ports.iter().filter(|p| **p <= 1024) {
        report.push(format!("port {port} is privileged; {} cannot bind it", charm.user));
    }
    Ok(())
}

/// Everything the charm runs, expects, writes or mentions is in the rock.
fn check_paths(rock: &Rock, charm: &CharmSide, report: &mut Report) -> Result<(), String> {
    let contract = rock.contract()?;
    let mut executes = charm.executes.clone();
    executes.push(charm.program()?);
    for path in executes {
        if contract.get(&path) != Some(Kind::Executable) {
            report.push(format!(
                "the charm runs {path}, which charm-contract does not `require x`"
            ));
        }
    }
    for path in &charm.ships {
        if !matches!(contract.get(path), Some(Kind::File | Kind::Executable)) {
            report.push(format!(
                "the charm expects {path} in the image; charm-contract does not `require f` it"
            ));
        }
    }
    for path in &charm.writes {
        if !matches!(contract.covers(path), Some(Coverage::InWorkloadDir(_))) {
            report.push(format!(
                "the charm writes {path}, which is not in a `w` directory of the rock"
            ));
        }
    }
    for dir in charm.dirs.iter().chain(&charm.storage) {
        let writable = matches!(
            contract.covers(dir),
            Some(Coverage::Shipped(Kind::WorkloadDir) | Coverage::InWorkloadDir(_))
        );
        if !writable {
            report.push(format!(
                "the workload writes in {dir}, which is not a `w` directory of the rock"
            ));
        }
    }
    for path in charm.layer_paths()? {
        if contract.covers(&path).is_none() {
            report.push(format!(
                "the layer mentions {path}, which the rock neither ships nor lets the charm write"
            ));
        }
    }
    Ok(())
}

/// One value per environment variable, and the image's JAVA_HOME holds a java.
fn check_environment(rock: &Rock, charm: &CharmSide, report: &mut Report) -> Result<(), String> {
    for (key, value) in &charm.layer_service()?.environment {
        match rock.environment.get(key) {
            Some(image) if image != value => {
                report.push(format!("{key} is {value:?} in the layer and {image:?} in the image"))
            }
            _ => {}
        }
    }
    if let Some(java_home) = rock.environment.get("JAVA_HOME") {
        let java = format!("{java_home}/bin/java");
        if rock.contract()?.get(&java) != Some(Kind::Executable) {
            report.push(format!(
                "JAVA_HOME is {java_home} but charm-contract does not `require x` {java}"
            ));
        }
    }
    Ok(())
}
