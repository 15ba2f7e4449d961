//! A real ZooKeeper from Debian as a Pebble service in two "units" at once: two Pebble
//! servers with the `charmed-zookeeper` host profile, each with its own 127.0.1.N and the
//! same client port 2181, `zoo.cfg` pushed through the files API, the service started by
//! replan, `ruok` answered `imok` on both addresses, and no process left after shutdown.
//!
//! Needs Debian's `zookeeper` package; when it is missing the test installs nothing and
//! says loudly to run `scripts/install-deps.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pebble_common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::mpsc::channel;
use std::time::Duration;

use charm_sdk::pebble::{Client, Layer, MakeDirOptions, Pebble, PushOptions};
use local_model::pebble::{PebbleEvent, PebbleOptions, PebbleServer};
use local_model::profiles::profile_for;
use pebble_common::{alive, helper, need_root, wait_until};

const PORT: u16 = 2181;

/// Sends a four-letter word; the answer, or an empty string when nobody answers.
fn four_letter(address: Ipv4Addr, word: &str) -> String {
    let addr = SocketAddr::from((address, PORT));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(word.as_bytes()).is_err() {
        return String::new();
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn zoo_cfg(address: Ipv4Addr) -> String {
    format!(
        "tickTime=2000\n\
         initLimit=10\n\
         syncLimit=5\n\
         dataDir=/var/lib/zookeeper/data\n\
         clientPort={PORT}\n\
         clientPortAddress={address}\n\
         admin.enableServer=false\n\
         4lw.commands.whitelist=ruok,srvr,mntr\n"
    )
}

const LAYER: &str = r#"
summary: zookeeper (test charm)
services:
  zookeeper:
    override: replace
    summary: zookeeper
    command: /opt/zookeeper/bin/zkServer.sh --config /etc/zookeeper start-foreground
    startup: enabled
    user: zookeeper
    group: zookeeper
    environment:
      SERVER_JVMFLAGS: -Dzookeeper.local.model.test=true
"#;

/// Configures one unit through its Pebble exactly as a charm would.
fn configure(client: &Client, address: Ipv4Addr) {
    let owner = PushOptions::default().owner("zookeeper", "zookeeper");
    client
        .push(
            "/etc/zookeeper/zoo.cfg",
            zoo_cfg(address).as_bytes(),
            &owner.clone().make_dirs(),
        )
        .unwrap();
    let data = MakeDirOptions {
        make_parents: true,
        user: Some("zookeeper".into()),
        group: Some("zookeeper".into()),
        ..MakeDirOptions::default()
    };
    client.make_dir("/var/lib/zookeeper/data", &data).unwrap();
    client
        .add_layer("zookeeper", &Layer::from_yaml(LAYER).unwrap(), true)
        .unwrap();
    client.replan_services().unwrap();
}

#[test]
fn two_units_same_port_different_addresses() {
    if !need_root() {
        return;
    }
    let profile = profile_for("charmed-zookeeper").unwrap();
    let missing = profile.missing();
    if !missing.is_empty() {
        eprintln!(
            "\n*** SKIPPED zookeeper_two_units: Debian's ZooKeeper is not installed.\n\
             *** Run the project's install script: sudo scripts/install-deps.sh\n\
             *** ({})\n",
            missing.join("; ")
        );
        return;
    }
    let addresses = [Ipv4Addr::new(127, 0, 1, 231), Ipv4Addr::new(127, 0, 1, 232)];
    for address in addresses {
        assert!(
            four_letter(address, "ruok").is_empty(),
            "something already listens on {address}:{PORT}"
        );
    }
    let dir = tempfile::Builder::new().prefix("zk-two-units").tempdir().unwrap();
    let hosts = dir.path().join("hosts");
    std::fs::write(
        &hosts,
        "127.0.0.1 localhost\n\
         127.0.1.231 zookeeper-k8s-0.zookeeper-k8s-endpoints zookeeper-k8s-0\n\
         127.0.1.232 zookeeper-k8s-1.zookeeper-k8s-endpoints zookeeper-k8s-1\n",
    )
    .unwrap();

    // Servers are dropped (and their processes stopped) even if an assertion fails.
    let mut servers: Vec<PebbleServer> = Vec::new();
    let mut sockets = Vec::new();
    let (events, received) = channel();
    for (n, address) in addresses.iter().enumerate() {
        let pod = format!("zookeeper-k8s-{n}");
        let root = dir.path().join(&pod).join("zookeeper");
        let mut sandbox = profile
            .sandbox(format!("{pod}/zookeeper"), &root, *address, Some(pod.clone()))
            .unwrap();
        sandbox.hosts_file = Some(hosts.clone());
        sandbox.helper = Some(helper());
        let socket = dir.path().join(&pod).join("containers/zookeeper/pebble.socket");
        let options = PebbleOptions {
            layers: profile.pebble_layers().unwrap(),
            log_file: Some(dir.path().join(&pod).join("pebble.log")),
            ..PebbleOptions::default()
        };
        servers.push(PebbleServer::start_with(&socket, sandbox, options, events.clone()).unwrap());
        sockets.push(socket);
    }
    for _ in &servers {
        assert!(matches!(
            received.recv_timeout(Duration::from_secs(5)),
            Ok(PebbleEvent::Ready { .. })
        ));
    }
    for (socket, address) in sockets.iter().zip(addresses) {
        let client = Client::with_timeouts(socket, Duration::from_secs(10), Duration::from_secs(60)).unwrap();
        configure(&client, address);
    }

    for (n, address) in addresses.iter().enumerate() {
        let up = wait_until(Duration::from_secs(90), || four_letter(*address, "ruok") == "imok");
        if !up {
            let log =
                std::fs::read_to_string(dir.path().join(format!("zookeeper-k8s-{n}/pebble.log"))).unwrap_or_default();
            panic!("no imok from {address}:{PORT}; service output:\n{log}");
        }
        // `imok` only says the process runs; `srvr` answers once it serves requests.
        let mut srvr = String::new();
        let serving = wait_until(Duration::from_secs(60), || {
            srvr = four_letter(*address, "srvr");
            srvr.contains("Mode: standalone")
        });
        assert!(serving, "{srvr}");
        eprintln!("{address}:{PORT} srvr:\n{srvr}");
    }
    // Each unit's data went to its own directory, owned by the zookeeper user.
    for n in 0..2 {
        let data = dir
            .path()
            .join(format!("zookeeper-k8s-{n}/zookeeper/var-lib-zookeeper/data"));
        assert!(
            wait_until(Duration::from_secs(10), || data.join("version-2").exists()),
            "{} has no version-2",
            data.display()
        );
    }

    let mut pids = Vec::new();
    for server in &servers {
        let service = server.service_pids();
        assert_eq!(service.len(), 1, "{service:?}");
        let pid = service[0].1;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        assert!(
            String::from_utf8_lossy(&cmdline).contains("QuorumPeerMain"),
            "the service PID is the java process itself"
        );
        pids.extend(server.pids());
    }
    for server in servers.drain(..) {
        server.shutdown().unwrap();
    }
    for pid in &pids {
        assert!(!alive(*pid), "process {pid} survived shutdown");
    }
    for address in addresses {
        assert!(
            four_letter(address, "ruok").is_empty(),
            "{address}:{PORT} still answers"
        );
    }
    assert!(!Path::new(&sockets[0]).exists(), "the socket is removed");
}
