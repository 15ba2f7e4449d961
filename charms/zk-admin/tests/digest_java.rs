//! The `digest` ACL ids we compute must equal what ZooKeeper itself generates, or
//! `addauth digest` sessions would never match the ACL. ZooKeeper's jar has a `main` for that.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use zk_admin::digest_id;

#[test]
fn digest_matches_zookeepers_generate_digest() {
    support::require_zookeeper();
    let pairs = [
        ("super", "superpw"),
        ("relation-7", "p@ss:w0rd with space"),
        ("sync", "Ünïcødé-🔑"),
    ];
    // A UTF-8 locale so the JVM decodes the non-ASCII argument the way ZooKeeper's server
    // decodes passwords (UTF-8).
    let output = Command::new("java")
        .env("LC_ALL", "C.UTF-8")
        .args([
            "-cp",
            "/usr/share/java/zookeeper.jar",
            "org.apache.zookeeper.server.auth.DigestAuthenticationProvider",
        ])
        .args(pairs.iter().map(|(u, p)| format!("{u}:{p}")))
        .output()
        .expect("run java");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let java: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_once("->").map(|(_, id)| id))
        .collect();
    let ours: Vec<String> = pairs.iter().map(|(u, p)| digest_id(u, p)).collect();
    assert_eq!(java, ours);
}
