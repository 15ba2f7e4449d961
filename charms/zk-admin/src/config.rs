//! The dynamic ensemble configuration (`/zookeeper/config`) as typed data.
//!
//! Scaling a ZooKeeper application is a sequence of incremental reconfigs whose arguments and
//! results are `server.<id>=<host>:<quorum>:<election>:<role>;<client addr>:<port>` lines plus a
//! hexadecimal `version=` line. The charm compares these lines with the units it knows, so both
//! directions (parse and format) live here, independent of any connection.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// Whether a server votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Role {
    /// A voting member (the default when the line has no role).
    #[default]
    Participant,
    /// A non-voting member.
    Observer,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Participant => "participant",
            Role::Observer => "observer",
        })
    }
}

/// One `server.N=` line of the dynamic configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerLine {
    /// The server id (`myid`).
    pub id: u32,
    /// Host name or address used for quorum and election traffic.
    pub host: String,
    /// Quorum (follower to leader) port, 2888 by convention.
    pub quorum_port: u16,
    /// Leader election port, 3888 by convention.
    pub election_port: u16,
    /// Participant or observer.
    pub role: Role,
    /// Client listener `(address, port)`; `None` when the line has no `;` part.
    pub client: Option<(String, u16)>,
}

impl ServerLine {
    /// Parses a full line: `server.3=10.1.1.3:2888:3888:participant;0.0.0.0:2181`.
    pub fn parse(line: &str) -> Result<ServerLine, Error> {
        let bad = |why: &str| Error::Parse {
            what: "server line",
            detail: format!("{why}: {line:?}"),
        };
        let (key, value) = line.trim().split_once('=').ok_or_else(|| bad("missing '='"))?;
        let id = key
            .trim()
            .strip_prefix("server.")
            .and_then(|id| id.parse::<u32>().ok())
            .ok_or_else(|| bad("key is not server.<id>"))?;
        let (server_part, client_part) = match value.split_once(';') {
            Some((server, client)) => (server, Some(client)),
            None => (value, None),
        };
        let (host, rest) = split_host(server_part.trim()).ok_or_else(|| bad("bad host"))?;
        let mut fields = rest.split(':');
        let port = |field: Option<&str>| field.and_then(|p| p.parse::<u16>().ok());
        let quorum_port = port(fields.next()).ok_or_else(|| bad("bad quorum port"))?;
        let election_port = port(fields.next()).ok_or_else(|| bad("bad election port"))?;
        let role = match fields.next() {
            None | Some("participant") => Role::Participant,
            Some("observer") => Role::Observer,
            Some(_) => return Err(bad("unknown role")),
        };
        if fields.next().is_some() {
            return Err(bad("too many ':' fields"));
        }
        let client = client_part
            .map(|c| parse_client(c.trim()).ok_or_else(|| bad("bad client address")))
            .transpose()?;
        Ok(ServerLine {
            id,
            host: host.to_owned(),
            quorum_port,
            election_port,
            role,
            client,
        })
    }

    /// The client port, when the line has one.
    pub fn client_port(&self) -> Option<u16> {
        self.client.as_ref().map(|(_, port)| *port)
    }

    /// The value part only (what follows `server.N=`), the form `reconfig -add` also accepts
    /// after the key.
    pub fn value(&self) -> String {
        let mut out = format!(
            "{}:{}:{}:{}",
            bracket(&self.host),
            self.quorum_port,
            self.election_port,
            self.role
        );
        if let Some((addr, port)) = &self.client {
            out.push_str(&format!(";{}:{port}", bracket(addr)));
        }
        out
    }
}

impl fmt::Display for ServerLine {
    /// Formats as `server.<id>=<host>:<quorum>:<election>:<role>;<client addr>:<port>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server.{}={}", self.id, self.value())
    }
}

impl FromStr for ServerLine {
    type Err = Error;

    fn from_str(line: &str) -> Result<ServerLine, Error> {
        ServerLine::parse(line)
    }
}

/// Splits `host:rest` where host may be a bracketed IPv6 literal.
fn split_host(text: &str) -> Option<(&str, &str)> {
    if let Some(inner) = text.strip_prefix('[') {
        let (host, rest) = inner.split_once(']')?;
        Some((host, rest.strip_prefix(':')?))
    } else {
        let (host, rest) = text.split_once(':')?;
        (!host.is_empty()).then_some((host, rest))
    }
}

/// `addr:port` or a bare `port` (ZooKeeper then listens on all addresses).
fn parse_client(text: &str) -> Option<(String, u16)> {
    if let Ok(port) = text.parse::<u16>() {
        return Some(("0.0.0.0".to_owned(), port));
    }
    let (host, port) = if let Some(inner) = text.strip_prefix('[') {
        let (host, rest) = inner.split_once(']')?;
        (host, rest.strip_prefix(':')?)
    } else {
        text.rsplit_once(':')?
    };
    Some((host.to_owned(), port.parse().ok()?))
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// The content of `/zookeeper/config`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EnsembleConfig {
    /// The members, in the order ZooKeeper listed them.
    pub servers: Vec<ServerLine>,
    /// The configuration version (`version=<hex>`), usable as `reconfig`'s `from_version`.
    pub version: Option<i64>,
}

impl EnsembleConfig {
    /// Parses the node's text; unknown lines are rejected so a format change is noticed.
    pub fn parse(text: &str) -> Result<EnsembleConfig, Error> {
        let mut config = EnsembleConfig::default();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(hex) = line.strip_prefix("version=") {
                let version = i64::from_str_radix(hex.trim(), 16).map_err(|e| Error::Parse {
                    what: "config version",
                    detail: format!("{line:?}: {e}"),
                })?;
                config.version = Some(version);
            } else {
                config.servers.push(ServerLine::parse(line)?);
            }
        }
        Ok(config)
    }

    /// The member with this id.
    pub fn server(&self, id: u32) -> Option<&ServerLine> {
        self.servers.iter().find(|s| s.id == id)
    }

    /// Ids of the voting members.
    pub fn participants(&self) -> Vec<u32> {
        self.servers
            .iter()
            .filter(|s| s.role == Role::Participant)
            .map(|s| s.id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_the_charm_line() {
        let text = "server.1=zk-0.zk-endpoints:2888:3888:participant;0.0.0.0:2181";
        let line = ServerLine::parse(text).unwrap();
        assert_eq!(line.id, 1);
        assert_eq!(line.host, "zk-0.zk-endpoints");
        assert_eq!((line.quorum_port, line.election_port), (2888, 3888));
        assert_eq!(line.role, Role::Participant);
        assert_eq!(line.client, Some(("0.0.0.0".into(), 2181)));
        assert_eq!(line.to_string(), text);
    }

    #[test]
    fn accepts_short_forms_and_ipv6() {
        let line = ServerLine::parse("server.2=10.0.0.2:2888:3888").unwrap();
        assert_eq!((line.role, line.client.clone()), (Role::Participant, None));
        let line = ServerLine::parse("server.3=[::1]:2888:3888:observer;2181").unwrap();
        assert_eq!(line.host, "::1");
        assert_eq!(line.role, Role::Observer);
        assert_eq!(line.client, Some(("0.0.0.0".into(), 2181)));
        assert_eq!(line.to_string(), "server.3=[::1]:2888:3888:observer;0.0.0.0:2181");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "server.x=h:1:2",
            "peer.1=h:1:2",
            "server.1=h:1",
            "server.1=h:1:2:boss",
            "server.1=h:1:2;h:x",
        ] {
            assert!(ServerLine::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_config_node() {
        let text = "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\n\
                    server.2=127.0.0.1:2889:3889:observer;127.0.0.1:2182\nversion=100000003";
        let config = EnsembleConfig::parse(text).unwrap();
        assert_eq!(config.servers.len(), 2);
        assert_eq!(config.version, Some(0x1_0000_0003));
        assert_eq!(config.participants(), vec![1]);
        assert_eq!(config.server(2).map(|s| s.client_port()), Some(Some(2182)));
        assert!(EnsembleConfig::parse("version=zz").is_err());
    }
}
