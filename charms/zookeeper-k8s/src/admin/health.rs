//! Is a server serving, and in which role? Read from its `mntr` answer.
//!
//! `ruok` answers `imok` as soon as the process runs, even outside any quorum, so it cannot
//! tell "restarted and rejoined" from "restarted and stuck". `mntr` answers only while the
//! server serves requests and says its role (`zk_server_state`) and whether it finished
//! syncing with the leader (`zk_peer_state` ends in `broadcast`).

use std::collections::BTreeMap;
use std::time::Duration;

use super::AdminConnector;

/// How long one four-letter word may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What `mntr` says about a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Serving requests.
    Serving {
        /// `leader`, `follower` or `observer`.
        role: String,
        /// Finished syncing with the leader (`zk_peer_state` … `broadcast`).
        synced: bool,
        /// `zk_version`, up to the first `-` (`3.8.4`).
        version: Option<String>,
    },
    /// Running but not serving (no quorum, still syncing, starting).
    NotServing,
    /// No answer at all.
    Unreachable(String),
}

impl Health {
    /// Serving and synced.
    pub fn is_healthy(&self) -> bool {
        matches!(self, Health::Serving { synced: true, .. })
    }

    /// A short text for statuses and logs.
    pub fn describe(&self) -> String {
        match self {
            Health::Serving { role, synced: true, .. } => role.clone(),
            Health::Serving {
                role, synced: false, ..
            } => format!("{role} (syncing)"),
            Health::NotServing => "not serving requests".to_owned(),
            Health::Unreachable(why) => format!("unreachable ({why})"),
        }
    }
}

/// Parses `mntr` output: `key<TAB>value` lines.
pub fn parse_mntr(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The health of the server at `address` (`host:port`).
pub fn probe<A: AdminConnector>(admin: &A, address: &str) -> Health {
    match admin.four_letter_word(address, "mntr", PROBE_TIMEOUT) {
        Err(e) => Health::Unreachable(e.to_string()),
        Ok(text) => {
            let metrics = parse_mntr(&text);
            match metrics.get("zk_server_state") {
                None => Health::NotServing,
                Some(role) => {
                    // `zk_peer_state` exists since 3.6; a leader is always synced.
                    let synced = role == "leader"
                        || metrics
                            .get("zk_peer_state")
                            .is_none_or(|state| state.ends_with("broadcast"));
                    let version = metrics
                        .get("zk_version")
                        .and_then(|v| v.split(['-', ',']).next())
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty());
                    Health::Serving {
                        role: role.clone(),
                        synced,
                        version,
                    }
                }
            }
        }
    }
}

/// Probes until healthy, at most `attempts` times with `pause` between tries.
pub fn wait_healthy<A: AdminConnector>(admin: &A, address: &str, attempts: u32, pause: Duration) -> Health {
    let mut health = probe(admin, address);
    for _ in 1..attempts {
        if health.is_healthy() {
            break;
        }
        admin.pause(pause);
        health = probe(admin, address);
    }
    health
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mntr_lines_are_split_on_tabs() {
        let m = parse_mntr("zk_version\t3.8.4-abc\nzk_server_state\tfollower\nnot a metric\n");
        assert_eq!(m["zk_server_state"], "follower");
        assert_eq!(m.len(), 2);
    }
}
