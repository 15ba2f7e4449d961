//! ZooKeeper four-letter words (`ruok`, `mntr`, `srvr`, ...) over a plain TCP socket.
//!
//! The charm's health check and its scaling gate (is a joiner `broadcast`-ing, is any follower
//! still syncing) read these. They need no session and no authentication, which is exactly why
//! they work while a server is not yet part of the quorum; they are only answered when the
//! command is in `4lw.commands.whitelist`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::Error;

/// Largest reply accepted; `mntr` on a big server is a few KiB.
const MAX_REPLY: u64 = 1 << 20;

/// Sends a four-letter word (`ruok`, `mntr`, `srvr`, `stat`, `conf`...) to `addr` (`host:port`)
/// and returns the server's reply. Fails when the command is not whitelisted on the server.
pub fn four_letter_word(addr: &str, cmd: &str, timeout: Duration) -> Result<String, Error> {
    let fail = |reason: String| Error::FourLetterWord {
        addr: addr.to_owned(),
        cmd: cmd.to_owned(),
        reason,
    };
    if cmd.len() != 4 || !cmd.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(Error::InvalidArgument(format!("{cmd:?} is not a four-letter word")));
    }
    let deadline = Instant::now() + timeout;
    let targets = addr.to_socket_addrs().map_err(|e| fail(format!("resolving: {e}")))?;
    let mut last_err = format!("{addr} resolved to no address");
    let mut stream = None;
    for target in targets {
        match TcpStream::connect_timeout(&target, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = format!("connecting to {target}: {e}"),
        }
    }
    let mut stream = stream.ok_or_else(|| fail(last_err))?;
    let remaining = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    stream
        .set_read_timeout(Some(remaining))
        .map_err(|e| fail(e.to_string()))?;
    stream
        .set_write_timeout(Some(remaining))
        .map_err(|e| fail(e.to_string()))?;
    stream
        .write_all(cmd.as_bytes())
        .map_err(|e| fail(format!("sending: {e}")))?;
    let mut reply = String::new();
    stream
        .take(MAX_REPLY)
        .read_to_string(&mut reply)
        .map_err(|e| fail(format!("reading: {e}")))?;
    if reply.contains("is not executed because it is not in the whitelist") {
        return Err(fail("not in the server's 4lw.commands.whitelist".into()));
    }
    Ok(reply)
}

/// Parses `mntr` output (`key<TAB>value` lines) into a map, e.g. `zk_server_state` → `leader`.
pub fn parse_mntr(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// Parses `srvr`/`stat` output (`Label: value` lines) into a map, e.g. `Mode` → `follower`,
/// `Zxid` → `0x100000002`. The client list that `stat` adds is skipped.
pub fn parse_srvr(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| !line.starts_with(' ') && !line.starts_with('/'))
        .filter_map(|line| line.split_once(": "))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mntr_is_tab_separated() {
        let map = parse_mntr("zk_version\t3.8.0-1\nzk_server_state\tleader\nzk_synced_followers\t2\n");
        assert_eq!(map.get("zk_server_state").map(String::as_str), Some("leader"));
        assert_eq!(map.get("zk_synced_followers").map(String::as_str), Some("2"));
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn srvr_is_colon_separated() {
        let text = "Zookeeper version: 3.8.0-1, built on 2023-01-01 00:00 UTC\nLatency min/avg/max: 0/0.0/0\n\
                    Zxid: 0x100000002\nMode: follower\nNode count: 5\n";
        let map = parse_srvr(text);
        assert_eq!(map.get("Mode").map(String::as_str), Some("follower"));
        assert_eq!(map.get("Zxid").map(String::as_str), Some("0x100000002"));
        assert!(map.get("Zookeeper version").is_some_and(|v| v.starts_with("3.8.0")));
    }

    #[test]
    fn rejects_bad_commands_before_connecting() {
        assert!(matches!(
            four_letter_word("127.0.0.1:1", "ruok\n", Duration::from_millis(10)),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn unreachable_server_names_the_address() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        drop(listener);
        let err = four_letter_word(&addr, "ruok", Duration::from_millis(200)).unwrap_err();
        assert!(err.to_string().contains(&addr), "{err}");
    }
}
