//! The rendered files against a real ZooKeeper (Debian's `zookeeper` package, 3.8): two
//! servers on loopback addresses started exactly as the charm starts them — the first alone,
//! the second as an observer promoted with `reconfig` through the production zk-admin
//! adapter — then a chroot for a client, then the three-step switch to TLS quorum with a
//! server restarted at a time, checking after each restart that both still serve.
//!
//! Ignored by default (it needs java, the zookeeper package and free ports 2181/2182/2888/
//! 3888 on 127.0.42.1-2); run with
//! `cargo test -p zookeeper-k8s --test real_zookeeper -- --ignored`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use charm_interfaces::tls::keystore::truststore;
use charm_interfaces::tls::{CertRequest, CertificateAuthority, KeyAlgorithm, PrivateKey};
use zookeeper_k8s::admin::health::{probe, Health};
use zookeeper_k8s::admin::{AdminConnector, ClientAcl, ConnectOptions};
use zookeeper_k8s::render::dynamic::dynamic_file;
use zookeeper_k8s::render::{
    current_dynamic_file, server_jaas, zoo_cfg, Bind, Encryption, JaasUsers, Role, ServerLine, StorePasswords, ZooCfg,
};
use zookeeper_k8s::ZkAdminConnector;

const JARS: [&str; 5] = [
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/netty-codec.jar",
    "/usr/share/java/netty-resolver.jar",
    "/usr/share/java/netty-transport-native-unix-common.jar",
    "/usr/share/java/slf4j-simple.jar",
];
const SUPER_PW: &str = "real-test-super-pw";

fn ip(id: u32) -> String {
    format!("127.0.42.{id}")
}

fn line(id: u32, role: Role) -> ServerLine {
    ServerLine {
        id,
        host: ip(id),
        role,
        client_bind: ip(id),
    }
}

struct Server {
    id: u32,
    dir: PathBuf,
    child: Option<Child>,
}

impl Server {
    fn start(&mut self) {
        let log = std::fs::File::create(self.dir.join("zk.log")).unwrap();
        let child = Command::new("java")
            .args(["-Xmx128m", "-XX:+UseSerialGC", "-Dzookeeper.admin.enableServer=false"])
            .arg(format!(
                "-Djava.security.auth.login.config={}",
                self.dir.join("jaas.cfg").display()
            ))
            .args([
                "-Dzookeeper.superUser=super",
                "-Dzookeeper.requireClientAuthScheme=sasl",
            ])
            .args([
                "-cp",
                &JARS.join(":"),
                "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            ])
            .arg(self.dir.join("zoo.cfg"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("java");
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("zk.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// zoo.cfg as the charm renders it (keeping the dynamic file ZooKeeper uses now), minus the
/// Prometheus provider Debian does not ship.
fn write_cfg(server: &Server, encryption: Encryption) {
    let current = std::fs::read_to_string(server.dir.join("zoo.cfg")).ok();
    let dynamic = current
        .as_deref()
        .and_then(current_dynamic_file)
        .filter(|path| Path::new(path).exists())
        .unwrap_or_else(|| server.dir.join("zookeeper-dynamic.properties").display().to_string());
    let text = zoo_cfg(&ZooCfg {
        init_limit: 5,
        sync_limit: 2,
        tick_time: 2000,
        dynamic_config_file: dynamic,
        bind: Bind::Address(ip(server.id)),
        encryption,
    });
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("metricsProvider"))
        .map(|l| {
            let l = l.replace(
                "/var/lib/zookeeper/data-log",
                &server.dir.join("data-log").display().to_string(),
            );
            let l = l.replace(
                "/var/lib/zookeeper/data",
                &server.dir.join("data").display().to_string(),
            );
            l.replace("/etc/zookeeper/", &format!("{}/", server.dir.display()))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(server.dir.join("zoo.cfg"), text).unwrap();
}

fn users(quorum_users: &[(&str, &str)], learner: (&str, &str)) -> JaasUsers {
    JaasUsers {
        super_password: SUPER_PW.into(),
        quorum_users: quorum_users
            .iter()
            .map(|(u, p)| ((*u).to_owned(), (*p).to_owned()))
            .collect(),
        learner: (learner.0.to_owned(), learner.1.to_owned()),
        clients: BTreeMap::from([("relation-7".to_owned(), "relation-7-pw".to_owned())]),
    }
}

fn prepare(root: &Path, id: u32, seed: &[ServerLine]) -> Server {
    let dir = root.join(format!("zk{id}"));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/myid"), format!("{id}\n")).unwrap();
    std::fs::write(dir.join("zookeeper-dynamic.properties"), dynamic_file(seed)).unwrap();
    let users = users(&[("sync", "old-sync-pw")], ("sync", "old-sync-pw"));
    std::fs::write(dir.join("jaas.cfg"), server_jaas(&users)).unwrap();
    let server = Server { id, dir, child: None };
    write_cfg(&server, Encryption::default());
    server
}

fn wait_for(server: &Server, what: &str, ok: impl Fn(&Health) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let address = format!("{}:2181", ip(server.id));
    loop {
        let health = probe(&ZkAdminConnector, &address);
        if ok(&health) {
            return;
        }
        if Instant::now() > deadline {
            panic!("server {} never became {what}: {health:?}\n{}", server.id, server.log());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn serving(server: &Server) {
    wait_for(
        server,
        "a synced member",
        |h| matches!(h, Health::Serving { role, synced: true, .. } if role == "leader" || role == "follower"),
    );
}

fn stores(dir: &Path, ca: &CertificateAuthority, id: u32) -> StorePasswords {
    let key = PrivateKey::generate(KeyAlgorithm::default()).unwrap();
    let request = CertRequest::new(ip(id)).san(&ip(id));
    let issued = ca
        .sign_csr(&request.to_csr_pem(&key).unwrap(), false, Duration::from_secs(86_400))
        .unwrap();
    let passwords = StorePasswords {
        keystore: format!("ks-{id}-password"),
        truststore: format!("ts-{id}-password"),
    };
    let chain = vec![issued.certificate.clone(), ca.certificate().to_owned()];
    let ks = charm_interfaces::tls::keystore::keystore(&key, &chain, "zookeeper", &passwords.keystore).unwrap();
    let ts = truststore(&[ca.certificate().to_owned()], "ca", &passwords.truststore).unwrap();
    std::fs::write(dir.join("keystore.p12"), ks).unwrap();
    std::fs::write(dir.join("truststore.p12"), ts).unwrap();
    passwords
}

#[test]
#[ignore = "needs java and Debian's zookeeper package; run with --ignored"]
fn rendered_configuration_runs_a_real_ensemble_through_join_and_tls_switch() {
    for jar in JARS {
        assert!(Path::new(jar).exists(), "{jar} missing: apt-get install -y zookeeper");
    }
    let root = std::env::temp_dir().join(format!("zookeeper-k8s-real-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);

    // The first unit starts alone.
    let mut a = prepare(&root, 1, &[line(1, Role::Participant)]);
    a.start();
    wait_for(
        &a,
        "leader",
        |h| matches!(h, Health::Serving { role, .. } if role == "leader"),
    );

    // The second joins as an observer, then the leader promotes it.
    let mut b = prepare(&root, 2, &[line(1, Role::Participant), line(2, Role::Observer)]);
    b.start();
    // Outside the membership it serves as an observer or a non-voting follower.
    wait_for(&b, "synced", Health::is_healthy);
    let options = ConnectOptions {
        hosts: vec![format!("{}:2181", ip(1))],
        username: "super".into(),
        password: SUPER_PW.into(),
        timeout: Duration::from_secs(15),
    };
    let mut session = ZkAdminConnector.connect(&options).expect("connect as super");
    let config = session.config().expect("config");
    assert_eq!(config.servers.len(), 1);
    let config = session
        .reconfig(&[line(2, Role::Participant)], &[], config.version)
        .expect("reconfig");
    assert!(
        config.server(2).is_some_and(|s| s.role == Role::Participant),
        "{config:?}"
    );
    serving(&b);

    // A client's chroot, for its user only.
    let acl = ClientAcl {
        user: "relation-7".into(),
        password: "relation-7-pw".into(),
        perms: "cdrwa".into(),
    };
    session.ensure_chroot("/kafka", &acl).expect("chroot");
    drop(session);

    // Plain → TLS in three rolling steps, one server at a time, both serving in between.
    let ca = CertificateAuthority::new_root("real-test-ca", Duration::from_secs(86_400)).unwrap();
    let pw = [stores(&a.dir, &ca, 1), stores(&b.dir, &ca, 2)];
    let steps = [(true, false, true), (true, true, true), (true, true, false)];
    for (client_tls, ssl_quorum, port_unification) in steps {
        for (i, server) in [&mut a, &mut b].into_iter().enumerate() {
            let encryption = Encryption {
                stores: Some(pw[i].clone()),
                client_tls,
                ssl_quorum,
                port_unification,
            };
            write_cfg(server, encryption);
            server.stop();
            server.start();
            serving(server);
        }
        serving(&a);
        serving(&b);
    }
    let zoo = std::fs::read_to_string(a.dir.join("zoo.cfg")).unwrap();
    assert!(zoo.contains("sslQuorum=true") && !zoo.contains("portUnification"));

    // A TLS client as super on the secure port.
    let tls = zk_admin::Tls {
        ca_pem: ca.certificate().to_owned(),
        client_cert_pem: None,
        client_key_pem: None,
        verify_hostname: false,
    };
    let auth = zk_admin::Auth {
        username: "super".into(),
        password: SUPER_PW.into(),
    };
    let admin = zk_admin::Admin::connect(
        &[format!("{}:2182", ip(2))],
        Some(&auth),
        Some(&tls),
        Duration::from_secs(15),
    )
    .expect("TLS client");
    assert!(admin.exists("/kafka").expect("exists").is_some());
    drop(admin);

    // Rotating the quorum password: accept the other user, switch to it, drop the old one.
    let phases = [
        users(
            &[("sync", "old-sync-pw"), ("sync-alt", "new-sync-pw")],
            ("sync", "old-sync-pw"),
        ),
        users(
            &[("sync", "old-sync-pw"), ("sync-alt", "new-sync-pw")],
            ("sync-alt", "new-sync-pw"),
        ),
        users(&[("sync-alt", "new-sync-pw")], ("sync-alt", "new-sync-pw")),
    ];
    for jaas in &phases {
        for server in [&mut a, &mut b] {
            std::fs::write(server.dir.join("jaas.cfg"), server_jaas(jaas)).unwrap();
            server.stop();
            server.start();
            serving(server);
        }
        serving(&a);
        serving(&b);
    }

    // And back to plain quorum, again in three rolling steps.
    let steps = [(false, true, true), (false, false, true), (false, false, false)];
    for (client_tls, ssl_quorum, port_unification) in steps {
        for (i, server) in [&mut a, &mut b].into_iter().enumerate() {
            let encryption = Encryption {
                stores: Some(pw[i].clone()),
                client_tls,
                ssl_quorum,
                port_unification,
            };
            write_cfg(server, encryption);
            server.stop();
            server.start();
            serving(server);
        }
        serving(&a);
        serving(&b);
    }
    let zoo = std::fs::read_to_string(b.dir.join("zoo.cfg")).unwrap();
    assert!(!zoo.contains("ssl"), "{zoo}");
    a.stop();
    b.stop();
    let _ = std::fs::remove_dir_all(&root);
}
