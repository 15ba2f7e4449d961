//! Server lines of ZooKeeper's dynamic configuration.
//!
//! `server.<id>=<host>:<quorum port>:<election port>:<role>;<client bind>:<client port>`, with
//! `id = unit number + 1`. The same text is what the charm seeds into the dynamic file before
//! a unit's first start and what the leader hands to `reconfig` when it promotes an observer,
//! so both go through [`server_line`]; ZooKeeper owns the file once the server runs.

use std::fmt;

use crate::literals::{CLIENT_PORT, ELECTION_PORT, SERVER_PORT};

/// A server's role in the ensemble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Votes (member of the quorum).
    Participant,
    /// Follows without voting (a unit joining, before the leader promotes it).
    Observer,
}

impl Role {
    /// As ZooKeeper spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Observer => "observer",
        }
    }
}

/// One server of the ensemble.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerLine {
    /// Server id (`myid`): unit number + 1.
    pub id: u32,
    /// Host the peers reach it at (`<app>-<n>.<app>-endpoints`).
    pub host: String,
    /// Its role.
    pub role: Role,
    /// The address its client port binds.
    pub client_bind: String,
}

impl ServerLine {
    /// The `server.<id>` key.
    pub fn key(&self) -> String {
        format!("server.{}", self.id)
    }

    /// The value after `=`.
    pub fn value(&self) -> String {
        format!(
            "{}:{SERVER_PORT}:{ELECTION_PORT}:{};{}:{CLIENT_PORT}",
            self.host,
            self.role.as_str(),
            self.client_bind
        )
    }

    /// Parses `server.<id>=<value>` as ZooKeeper prints it (in `config` answers and dynamic
    /// files); `None` for anything else (`version=…` lines).
    pub fn parse(line: &str) -> Option<Self> {
        let (key, value) = line.trim().split_once('=')?;
        let id = key.trim().strip_prefix("server.")?.parse().ok()?;
        let (quorum, client) = value.trim().split_once(';').unwrap_or((value.trim(), ""));
        let mut parts = quorum.split(':');
        let host = parts.next()?.to_owned();
        let role = match parts.nth(2) {
            Some("observer") => Role::Observer,
            _ => Role::Participant,
        };
        let client_bind = client.rsplit_once(':').map(|(h, _)| h.to_owned()).unwrap_or_default();
        Some(Self {
            id,
            host,
            role,
            client_bind,
        })
    }
}

impl fmt::Display for ServerLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key(), self.value())
    }
}

/// The server line of unit `number` of `app`.
pub fn server_line(app: &str, number: u32, role: Role, client_bind: &str) -> ServerLine {
    ServerLine {
        id: number + 1,
        host: internal_address(app, number),
        role,
        client_bind: client_bind.to_owned(),
    }
}

/// `<app>-<n>.<app>-endpoints`: the pod's name in Juju's headless service.
pub fn internal_address(app: &str, number: u32) -> String {
    format!("{app}-{number}.{app}-endpoints")
}

/// The dynamic file: one line per server, ordered by id, newline-terminated.
pub fn dynamic_file(lines: &[ServerLine]) -> String {
    let mut sorted = lines.to_vec();
    sorted.sort();
    sorted.iter().map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_render_and_parse_back() {
        let line = server_line("zookeeper-k8s", 2, Role::Observer, "0.0.0.0");
        let text = line.to_string();
        assert_eq!(
            text,
            "server.3=zookeeper-k8s-2.zookeeper-k8s-endpoints:2888:3888:observer;0.0.0.0:2181"
        );
        assert_eq!(ServerLine::parse(&text), Some(line));
        assert_eq!(ServerLine::parse("version=100000003"), None);
        let bare = ServerLine::parse("server.1=h:2888:3888;2181").expect("parses");
        assert_eq!(
            (bare.id, bare.role, bare.client_bind.as_str()),
            (1, Role::Participant, "")
        );
    }
}
