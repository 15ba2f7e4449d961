//! Unit addresses and the /etc/hosts of their sandboxes.
//!
//! Every unit gets its own loopback address 127.0.1.N (Linux answers the whole 127/8 on
//! `lo`), so two units of one application can listen on the same port, as pods do. The
//! hosts file maps the Kubernetes-style names charms put in configs (`<app>-<n>.<app>-
//! endpoints`, the FQDN under `<model>.svc.cluster.local`, the pod name) to those
//! addresses. It is rewritten in place (same inode) whenever units come and go, so the
//! bind mounts of running sandboxes see the change.
//!
//! Several models may run on one machine (a test suite next to the main job): each address
//! is claimed machine-wide with an exclusive `flock` on `<tmp>/local-model-addresses/<ip>`,
//! held by the controller as long as the unit exists and dropped by the kernel when the
//! controller ends, however it ends. Addresses another live controller holds are skipped, and
//! so are addresses something already listens on (models of older binaries, which claim
//! nothing).

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::net::Ipv4Addr;

use nix::fcntl::{Flock, FlockArg};

use super::state::Controller;

/// A machine-wide claim on a unit's address (released when dropped).
pub(crate) type AddressClaim = Flock<File>;

/// How many addresses 127.0.1.1 to 127.0.255.254 hold.
const ADDRESSES: u32 = 255 * 254;

/// The next free loopback address: 127.0.1.1, .2, ... then 127.0.2.1 ..., skipping those of
/// this model's units and those another live controller claims. The claim is `None` only
/// when claims cannot be made at all (no writable temporary directory).
pub(crate) fn allocate(ctl: &mut Controller) -> (Ipv4Addr, Option<AddressClaim>) {
    let listening = listening_addresses();
    for _ in 0..ADDRESSES {
        let n = ctl.next_address;
        ctl.next_address = (n + 1) % ADDRESSES;
        let (Ok(third), Ok(fourth)) = (u8::try_from(1 + n / 254), u8::try_from(n % 254 + 1)) else {
            continue;
        };
        let address = Ipv4Addr::new(127, 0, third, fourth);
        if listening.contains(&address) || ctl.units.values().any(|u| u.address == address) {
            continue;
        }
        match claim(address) {
            Ok(Some(lock)) => return (address, Some(lock)),
            Ok(None) => continue,
            Err(()) => return (address, None),
        }
    }
    // Every address of the range is taken: share one, as before claims existed.
    (Ipv4Addr::new(127, 0, 1, 1), None)
}

/// The IPv4 addresses (plain or IPv4-mapped IPv6, as Java binds) with a listening TCP socket.
fn listening_addresses() -> std::collections::BTreeSet<Ipv4Addr> {
    let mut out = std::collections::BTreeSet::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st …; the address is the in-memory u32, in hex.
            let (Some(local), Some(&"0A")) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            let hex = local.split(':').next().unwrap_or_default();
            let v4 = hex.strip_prefix("0000000000000000FFFF0000").unwrap_or(hex);
            if let Ok(raw) = u32::from_str_radix(v4, 16).map(u32::to_le_bytes) {
                if v4.len() == 8 {
                    out.insert(Ipv4Addr::from(raw));
                }
            }
        }
    }
    out
}

/// An exclusive, non-blocking `flock` on `address`'s claim file: `Ok(None)` when another
/// process holds it, `Err(())` when the file cannot be opened.
fn claim(address: Ipv4Addr) -> Result<Option<AddressClaim>, ()> {
    let dir = std::env::temp_dir().join("local-model-addresses");
    std::fs::create_dir_all(&dir).map_err(|_| ())?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(address.to_string()))
        .map_err(|_| ())?;
    Ok(Flock::lock(file, FlockArg::LockExclusiveNonblock).ok())
}

/// The hosts file content for the model as it stands.
pub(crate) fn hosts(ctl: &Controller) -> String {
    let model = &ctl.model.name;
    let mut out = String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    let mut first_of_app: std::collections::BTreeMap<String, Ipv4Addr> = Default::default();
    for (unit, rt) in &ctl.units {
        let app = unit.app().as_str();
        let pod = unit.pod_name();
        let _ = writeln!(
            out,
            "{}\t{pod}.{app}-endpoints.{model}.svc.cluster.local {pod}.{app}-endpoints {pod}",
            rt.address
        );
        first_of_app.entry(app.to_owned()).or_insert(rt.address);
    }
    // The application's service names resolve to one of its units (Kubernetes would
    // give a service address or every pod).
    for (app, address) in first_of_app {
        let _ = writeln!(
            out,
            "{address}\t{app}.{model}.svc.cluster.local {app}-endpoints.{model}.svc.cluster.local {app} {app}-endpoints"
        );
    }
    out
}

/// Rewrites every unit's hosts file.
pub(crate) fn write_hosts(ctl: &Controller) {
    let text = hosts(ctl);
    for unit in ctl.units.keys() {
        let path = ctl.layout.hosts(unit);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        // In place, not by rename: bind mounts follow the inode.
        let _ = std::fs::write(&path, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_are_seen_and_claims_are_exclusive() {
        let listener = std::net::TcpListener::bind("127.0.1.249:0").unwrap();
        assert!(listening_addresses().contains(&Ipv4Addr::new(127, 0, 1, 249)));
        drop(listener);
        // flock is per open file description: a second claim, even from this process, fails.
        let address = Ipv4Addr::new(127, 0, 1, 248);
        let held = claim(address).unwrap().expect("a free claim");
        assert!(claim(address).unwrap().is_none(), "claimed twice");
        drop(held);
        assert!(claim(address).unwrap().is_some(), "released on drop");
    }
}
