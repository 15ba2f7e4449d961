//! Client users with ACLs written into a real ZooKeeper through the charm's own store.
//!
//! One ZooKeeper server (Debian's 3.8 jars, started here on a free loopback port, SASL
//! DIGEST-MD5 enforced as zookeeper-k8s configures it, killed by PID on drop) with a chroot
//! owned by Kafka's ZooKeeper user, as zookeeper-k8s grants it. Each client is what the
//! leader's `kafka-client` hook does for a new relation: open a session as Kafka's ZooKeeper
//! user (`ZkStoreConnector`, the production connector), upsert the SCRAM-SHA-512 credential
//! (4096 PBKDF2 iterations) and sync the principal's ACLs (topic producer+consumer, prefixed
//! group). Then the same 100 again in one session, all unchanged (what a leader that lost its
//! unit state re-checks), and their removal (relation-broken).

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kafka_k8s::acl::{client_acls, AclBinding, ClientRequest};
use kafka_k8s::store::{MetadataStore, StoreConnector, ZkTarget};
use kafka_k8s::workload::Secret;
use kafka_k8s::ZkStoreConnector;
use zk_admin::{four_letter_word, Acl, Admin, Auth, Perms};

const JARS: [&str; 5] = [
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/netty-codec.jar",
    "/usr/share/java/netty-resolver.jar",
    "/usr/share/java/netty-transport-native-unix-common.jar",
    "/usr/share/java/slf4j-simple.jar",
];
const SUPER_PW: &str = "bench-super-Pw-1";
const KAFKA_USER: (&str, &str) = ("relation-1", "bench-kafka-Pw-1");
const CHROOT: &str = "/kafka-k8s";
const TIMEOUT: Duration = Duration::from_secs(10);

/// One ZooKeeper server started by the bench; killed (by PID) on drop.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    fn start(dir: PathBuf) -> Result<Server, String> {
        if let Some(jar) = JARS.iter().find(|j| !Path::new(j).exists()) {
            return Err(format!("{jar} missing: run scripts/install-deps.sh"));
        }
        let io = |e: std::io::Error| e.to_string();
        std::fs::create_dir_all(dir.join("data")).map_err(io)?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(io)?
            .port();
        let jaas = format!(
            "Server {{\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    \
             user_super=\"{SUPER_PW}\"\n    user_{}=\"{}\";\n}};\n",
            KAFKA_USER.0, KAFKA_USER.1
        );
        std::fs::write(dir.join("jaas.conf"), jaas).map_err(io)?;
        let cfg = format!(
            "tickTime=2000\ndataDir={}/data\nclientPort={port}\nclientPortAddress=127.0.0.1\n\
             admin.enableServer=false\n4lw.commands.whitelist=ruok,srvr\n\
             authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n\
             enforce.auth.enabled=true\nenforce.auth.schemes=sasl\n",
            dir.display()
        );
        std::fs::write(dir.join("zoo.cfg"), cfg).map_err(io)?;
        let log = std::fs::File::create(dir.join("zk.log")).map_err(io)?;
        let child = Command::new("java")
            .args(["-Xmx256m", "-XX:+UseSerialGC"])
            .arg(format!(
                "-Djava.security.auth.login.config={}",
                dir.join("jaas.conf").display()
            ))
            .args(["-Dzookeeper.superUser=super", "-cp", &JARS.join(":")])
            .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
            .arg(dir.join("zoo.cfg"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(io)?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting java: {e}"))?;
        let server = Server { child, port, dir };
        let start = Instant::now();
        let serving = |addr: &str| {
            four_letter_word(addr, "srvr", Duration::from_secs(1)).is_ok_and(|r| r.contains("Mode: standalone"))
        };
        while !serving(&server.addr()) {
            if start.elapsed() > Duration::from_secs(60) {
                let log = std::fs::read_to_string(server.dir.join("zk.log")).unwrap_or_default();
                return Err(format!("ZooKeeper did not start:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the user benchmark measured.
pub(crate) struct Figures {
    /// How many clients.
    pub(crate) users: usize,
    /// Each client's session + credential + ACLs, in creation order.
    pub(crate) per_user: Vec<Duration>,
    /// All of them.
    pub(crate) total: Duration,
    /// Opening one session (median of the per-user opens).
    pub(crate) session: Duration,
    /// Every client again, unchanged, in one session.
    pub(crate) unchanged: Duration,
    /// Removing every client (ACLs and credential), in one session.
    pub(crate) removal: Duration,
}

fn request(i: usize) -> (String, BTreeSet<AclBinding>) {
    let user = format!("relation-{}", 100 + i);
    let bindings = client_acls(&ClientRequest {
        username: user.clone(),
        topic: format!("topic-{i}"),
        extra_user_roles: "producer,consumer".to_owned(),
        consumer_group_prefix: None,
    })
    .bindings;
    (user, bindings)
}

fn open(target: &ZkTarget) -> Result<Box<dyn MetadataStore>, String> {
    ZkStoreConnector.zookeeper(target).map_err(|e| e.to_string())
}

/// Starts the server under `scratch`, creates `users` clients, re-syncs and removes them.
pub(crate) fn run(scratch: &Path, users: usize) -> Result<Figures, String> {
    let server = Server::start(scratch.join("zookeeper"))?;
    let auth = Auth {
        username: "super".to_owned(),
        password: SUPER_PW.to_owned(),
    };
    let root = Admin::connect(&[server.addr()], Some(&auth), None, TIMEOUT).map_err(|e| e.to_string())?;
    root.ensure_chroot(CHROOT, &[Acl::sasl(KAFKA_USER.0, Perms::ALL)])
        .map_err(|e| e.to_string())?;
    let target = ZkTarget {
        hosts: vec![server.addr()],
        chroot: CHROOT.to_owned(),
        username: KAFKA_USER.0.to_owned(),
        password: Secret::new(KAFKA_USER.1),
        tls: None,
        timeout: TIMEOUT,
    };
    let passwords: Vec<String> = (0..users)
        .map(|_| charm_sdk::generate_password(32).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let none = BTreeSet::new();

    let mut per_user = Vec::with_capacity(users);
    let mut sessions = Vec::with_capacity(users);
    let start = Instant::now();
    for (i, password) in passwords.iter().enumerate() {
        let one = Instant::now();
        let mut store = open(&target)?;
        sessions.push(one.elapsed());
        let (user, bindings) = request(i);
        let fail = |e: kafka_k8s::error::Error| format!("{user}: {e}");
        store.upsert_user(&user, &Secret::new(password.clone())).map_err(fail)?;
        store
            .sync_acls(&format!("User:{user}"), &none, &bindings)
            .map_err(fail)?;
        per_user.push(one.elapsed());
    }
    let total = start.elapsed();
    sessions.sort();

    let again = Instant::now();
    let mut store = open(&target)?;
    for (i, password) in passwords.iter().enumerate() {
        let (user, bindings) = request(i);
        let wrote = store
            .upsert_user(&user, &Secret::new(password.clone()))
            .map_err(|e| e.to_string())?
            | store
                .sync_acls(&format!("User:{user}"), &bindings, &bindings)
                .map_err(|e| e.to_string())?;
        if wrote {
            return Err(format!("re-syncing an unchanged {user} wrote to ZooKeeper"));
        }
    }
    let unchanged = again.elapsed();

    let gone = Instant::now();
    for i in 0..users {
        let (user, bindings) = request(i);
        store
            .sync_acls(&format!("User:{user}"), &bindings, &none)
            .map_err(|e| e.to_string())?;
        store.delete_user(&user).map_err(|e| e.to_string())?;
    }
    let removal = gone.elapsed();
    drop(store);
    drop(server);
    Ok(Figures {
        users,
        per_user,
        total,
        session: sessions.get(sessions.len() / 2).copied().unwrap_or_default(),
        unchanged,
        removal,
    })
}
