//! Looking at the ensemble from outside: four-letter words and real client sessions.
//!
//! `mntr` needs no session, so it tells each server's role even while the quorum is being
//! rebuilt; sessions (zk-admin: SASL DIGEST-MD5, optionally TLS) check what a client can and
//! cannot do.

use std::collections::BTreeMap;
use std::time::Duration;

use zk_admin::{Admin, Auth, Tls};

/// The plain client port.
pub const PLAIN: u16 = 2181;
/// The TLS client port.
pub const SECURE: u16 = 2182;
/// Bound for connecting and for each request.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// `mntr` of the server at `address` (plain port), or `None` when it does not answer.
pub fn mntr(address: &str) -> Option<BTreeMap<String, String>> {
    let text = zk_admin::four_letter_word(&format!("{address}:{PLAIN}"), "mntr", Duration::from_secs(2)).ok()?;
    let map = zk_admin::parse_mntr(&text);
    (!map.is_empty()).then_some(map)
}

/// The role (`leader`, `follower`, `observer`) of the server at `address`, when it serves.
pub fn role(address: &str) -> Option<String> {
    mntr(address).and_then(|m| m.get("zk_server_state").cloned())
}

/// `role` of every address, in order.
pub fn roles(addresses: &[String]) -> Vec<Option<String>> {
    addresses.iter().map(|a| role(a)).collect()
}

/// Whether exactly one of `addresses` leads and every other one follows.
pub fn one_leader_rest_followers(roles: &[Option<String>]) -> bool {
    let count = |r: &str| roles.iter().filter(|x| x.as_deref() == Some(r)).count();
    count("leader") == 1 && count("follower") == roles.len() - 1
}

/// `host:port` for each address.
pub fn hosts(addresses: &[String], port: u16) -> Vec<String> {
    addresses.iter().map(|a| format!("{a}:{port}")).collect()
}

/// A session as `user` (SASL), over TLS when `tls` is given.
pub fn session(hosts: &[String], user: &str, password: &str, tls: Option<&Tls>) -> Result<Admin, zk_admin::Error> {
    let auth = Auth {
        username: user.to_owned(),
        password: password.to_owned(),
    };
    Admin::connect(hosts, Some(&auth), tls, TIMEOUT)
}

/// A session without credentials.
pub fn anonymous(hosts: &[String]) -> Result<Admin, zk_admin::Error> {
    Admin::connect(hosts, None, None, TIMEOUT)
}

/// TLS settings trusting `ca_pem`, checking the server's name against the address dialled
/// (the charm asks for IP SANs by default).
pub fn tls(ca_pem: &str) -> Tls {
    Tls {
        ca_pem: ca_pem.to_owned(),
        client_cert_pem: None,
        client_key_pem: None,
        verify_hostname: true,
    }
}

/// The voting member ids of the ensemble's configuration, sorted, and the number of servers
/// it lists in any role.
pub fn participants(admin: &Admin) -> (Vec<u32>, usize) {
    let config = admin.config().expect("reading /zookeeper/config");
    let mut ids = config.participants();
    ids.sort_unstable();
    (ids, config.servers.len())
}
