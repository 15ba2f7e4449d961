//! Debian's real ZooKeeper as the Pebble service of a charm, in two units: each server
//! listens on its unit's own loopback address and the same ports (2181, 2888, 3888), and
//! the two form an ensemble from the addresses the charm learnt through the peer relation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{eventually, four_letter, zk_charm, Model};

#[test]
fn a_two_unit_zookeeper_ensemble_on_one_port() {
    if !std::path::Path::new("/usr/share/java/zookeeper.jar").exists()
        || !std::path::Path::new("/usr/bin/java").exists()
    {
        eprintln!("SKIPPED: Debian's zookeeper package is not installed (scripts/install-deps.sh)");
        return;
    }
    let charm = zk_charm();
    let model = Model::up("1h");
    model.ok(&["deploy", charm.to_str().unwrap(), "zk", "-n", "2"]);
    model.ok(&["wait-for-idle", "--timeout", "180"]);
    let status = model.status();
    let addresses: Vec<String> = ["zk/0", "zk/1"]
        .iter()
        .map(|u| {
            assert_eq!(
                status["applications"]["zk"]["units"][u]["workload-status"]["message"],
                "2 servers"
            );
            status["applications"]["zk"]["units"][u]["address"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_ne!(addresses[0], addresses[1]);
    let mut modes = Vec::new();
    for address in &addresses {
        let mut mode = String::new();
        eventually(120, "the ensemble to form", || {
            let answer = four_letter(address, 2181, "srvr").unwrap_or_default();
            match answer.lines().find_map(|l| l.strip_prefix("Mode: ")) {
                Some(m) if m == "leader" || m == "follower" => {
                    mode = m.to_owned();
                    true
                }
                _ => false,
            }
        });
        modes.push(mode);
    }
    modes.sort();
    assert_eq!(modes, ["follower", "leader"], "one leader, one follower");
}
