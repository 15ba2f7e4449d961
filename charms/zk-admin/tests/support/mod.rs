//! Real ZooKeeper 3.8 servers (Debian's `zookeeper` package) as child processes of the test.
//!
//! Configured like Canonical's charm renders zoo.cfg (SASL DIGEST-MD5 enforced for clients and
//! for the quorum, `reconfigEnabled`, dynamic config, a whitelisted set of four-letter words,
//! a Netty secure client port with mutual TLS), but on loopback with free ports. Each server is
//! a `java ... QuorumPeerMain zoo.cfg` child we own; `Drop` kills exactly those PIDs.

#![allow(dead_code)]

pub(crate) mod certs;

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zk_admin::{four_letter_word, parse_mntr};

pub(crate) const SUPER_PW: &str = "Sup3r-Secr3t-pw";
pub(crate) const SYNC_PW: &str = "sync-Qu0rum-pw";
/// Client users the server's JAAS knows, with their passwords.
pub(crate) const USERS: [(&str, &str); 2] = [("relation-7", "r7-Pa55word"), ("relation-8", "r8-Pa55word")];

const JARS: [&str; 5] = [
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/netty-codec.jar",
    "/usr/share/java/netty-resolver.jar",
    "/usr/share/java/netty-transport-native-unix-common.jar",
    "/usr/share/java/slf4j-simple.jar",
];

/// Fails loudly (rather than skipping) when the Debian package is missing.
pub(crate) fn require_zookeeper() {
    for jar in JARS {
        assert!(
            Path::new(jar).exists(),
            "{jar} missing: run scripts/install-deps.sh (apt-get install -y zookeeper)"
        );
    }
}

/// A port nobody listens on right now (the OS picks it; we release it just before use).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) struct Node {
    pub(crate) id: u32,
    pub(crate) client_port: u16,
    pub(crate) secure_port: u16,
    pub(crate) quorum_port: u16,
    pub(crate) election_port: u16,
    dir: PathBuf,
    child: Child,
}

pub(crate) struct Ensemble {
    pub(crate) nodes: Vec<Node>,
    pub(crate) pki: certs::Pki,
    _dir: tempfile::TempDir,
}

impl Ensemble {
    /// Starts `participants` as the voting ensemble and `joiners` as observers that know the
    /// ensemble (the charm's way of bringing up a unit before `reconfig -add`).
    pub(crate) fn start(participants: &[u32], joiners: &[u32]) -> Ensemble {
        require_zookeeper();
        let mut dir = tempfile::tempdir().unwrap();
        // ZK_ADMIN_KEEP_DIR=1 keeps configs and server logs for debugging.
        dir.disable_cleanup(std::env::var_os("ZK_ADMIN_KEEP_DIR").is_some());
        let pki = certs::make_pki("zk-test-ca");
        std::fs::write(dir.path().join("ca.pem"), &pki.ca_pem).unwrap();
        std::fs::write(
            dir.path().join("server.pem"),
            format!("{}{}", pki.server_key_pem, pki.server_cert_pem),
        )
        .unwrap();
        std::fs::write(dir.path().join("jaas.conf"), jaas()).unwrap();
        let ids: Vec<u32> = participants.iter().chain(joiners).copied().collect();
        let ports: Vec<[u16; 4]> = ids
            .iter()
            .map(|_| [free_port(), free_port(), free_port(), free_port()])
            .collect();
        let line = |i: usize, role: &str| {
            let [client, _, quorum, election] = ports[i];
            format!(
                "server.{}=127.0.0.1:{quorum}:{election}:{role};127.0.0.1:{client}",
                ids[i]
            )
        };
        let ensemble_lines: Vec<String> = (0..participants.len()).map(|i| line(i, "participant")).collect();
        let mut nodes = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let mut dynamic = ensemble_lines.clone();
            if i >= participants.len() {
                dynamic.push(line(i, "observer"));
            }
            let node_dir = dir.path().join(format!("zk{id}"));
            std::fs::create_dir_all(node_dir.join("data")).unwrap();
            std::fs::write(node_dir.join("data/myid"), format!("{id}\n")).unwrap();
            std::fs::write(node_dir.join("zoo.cfg.dynamic"), dynamic.join("\n") + "\n").unwrap();
            std::fs::write(node_dir.join("zoo.cfg"), zoo_cfg(dir.path(), &node_dir, ports[i][1])).unwrap();
            let child = spawn_server(dir.path(), &node_dir);
            let [client_port, secure_port, quorum_port, election_port] = ports[i];
            nodes.push(Node {
                id: *id,
                client_port,
                secure_port,
                quorum_port,
                election_port,
                dir: node_dir,
                child,
            });
        }
        let ensemble = Ensemble { nodes, pki, _dir: dir };
        ensemble.wait_serving(Duration::from_secs(40));
        ensemble
    }

    pub(crate) fn node(&self, id: u32) -> &Node {
        self.nodes.iter().find(|n| n.id == id).unwrap()
    }

    pub(crate) fn plain_hosts(&self, ids: &[u32]) -> Vec<String> {
        ids.iter()
            .map(|id| format!("127.0.0.1:{}", self.node(*id).client_port))
            .collect()
    }

    pub(crate) fn secure_hosts(&self, ids: &[u32]) -> Vec<String> {
        ids.iter()
            .map(|id| format!("127.0.0.1:{}", self.node(*id).secure_port))
            .collect()
    }

    /// The `server.N=` line for `id` with `role`, as the charm would pass to reconfig.
    pub(crate) fn server_line(&self, id: u32, role: &str) -> String {
        let n = self.node(id);
        format!(
            "server.{id}=127.0.0.1:{}:{}:{role};127.0.0.1:{}",
            n.quorum_port, n.election_port, n.client_port
        )
    }

    /// `mntr`'s `zk_server_state` of one node, if it is serving.
    pub(crate) fn state(&self, id: u32) -> Option<String> {
        let addr = format!("127.0.0.1:{}", self.node(id).client_port);
        let text = four_letter_word(&addr, "mntr", Duration::from_secs(2)).ok()?;
        parse_mntr(&text).get("zk_server_state").cloned()
    }

    /// Waits until every node answers `ruok` and reports a quorum role in `mntr`.
    pub(crate) fn wait_serving(&self, limit: Duration) {
        let start = Instant::now();
        for node in &self.nodes {
            loop {
                let addr = format!("127.0.0.1:{}", node.client_port);
                let ok = four_letter_word(&addr, "ruok", Duration::from_secs(1)).is_ok_and(|r| r == "imok")
                    && self
                        .state(node.id)
                        .is_some_and(|s| ["leader", "follower", "observer"].contains(&s.as_str()));
                if ok {
                    break;
                }
                assert!(
                    start.elapsed() < limit,
                    "server {} not serving after {limit:?}:\n{}",
                    node.id,
                    self.logs()
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }

    /// Waits until node `id` reports `state` in `mntr`.
    pub(crate) fn wait_state(&self, id: u32, state: &str, limit: Duration) {
        let start = Instant::now();
        while self.state(id).as_deref() != Some(state) {
            assert!(
                start.elapsed() < limit,
                "server {id} not {state} after {limit:?}:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Whether any server's log contains `text`.
    pub(crate) fn log_contains(&self, text: &str) -> bool {
        self.nodes
            .iter()
            .any(|n| std::fs::read_to_string(n.dir.join("zk.log")).is_ok_and(|log| log.contains(text)))
    }

    /// The last lines of every server log, for assertion messages.
    pub(crate) fn logs(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            let log = std::fs::read_to_string(node.dir.join("zk.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(25).collect();
            let _ = writeln!(out, "--- server {} ---", node.id);
            for line in tail.iter().rev() {
                let _ = writeln!(out, "{line}");
            }
        }
        out
    }
}

impl Drop for Ensemble {
    /// Stops exactly the JVMs this ensemble started, by PID.
    fn drop(&mut self) {
        for node in &mut self.nodes {
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
    }
}

fn jaas() -> String {
    let users: String = USERS.iter().map(|(u, p)| format!("    user_{u}=\"{p}\"\n")).collect();
    format!(
        "Server {{\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    user_super=\"{SUPER_PW}\"\n\
         {users}    user_sync=\"{SYNC_PW}\";\n}};\n\
         QuorumServer {{\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    user_sync=\"{SYNC_PW}\";\n}};\n\
         QuorumLearner {{\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    username=\"sync\"\n    password=\"{SYNC_PW}\";\n}};\n"
    )
}

fn zoo_cfg(root: &Path, node_dir: &Path, secure_port: u16) -> String {
    let (root, node) = (root.display(), node_dir.display());
    format!(
        "tickTime=1000\ninitLimit=10\nsyncLimit=5\ndataDir={node}/data\ndynamicConfigFile={node}/zoo.cfg.dynamic\n\
         admin.enableServer=false\nreconfigEnabled=true\nstandaloneEnabled=false\n\
         4lw.commands.whitelist=mntr,srvr,stat,ruok\n\
         authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n\
         enforce.auth.enabled=true\nenforce.auth.schemes=sasl,digest\n\
         quorum.auth.enableSasl=true\nquorum.auth.learnerRequireSasl=true\nquorum.auth.serverRequireSasl=true\n\
         serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n\
         secureClientPort={secure_port}\nsecureClientPortAddress=127.0.0.1\n\
         ssl.keyStore.location={root}/server.pem\nssl.keyStore.type=PEM\n\
         ssl.trustStore.location={root}/ca.pem\nssl.trustStore.type=PEM\nssl.clientAuth=need\n"
    )
}

fn spawn_server(root: &Path, node_dir: &Path) -> Child {
    let log = std::fs::File::create(node_dir.join("zk.log")).unwrap();
    Command::new("java")
        .args([
            "-Xmx128m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Dzookeeper.admin.enableServer=false",
        ])
        .arg(format!(
            "-Djava.security.auth.login.config={}",
            root.join("jaas.conf").display()
        ))
        .arg("-Dzookeeper.superUser=super")
        .args([
            "-cp",
            &JARS.join(":"),
            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        ])
        .arg(node_dir.join("zoo.cfg"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start java (is a JRE installed?)")
}
