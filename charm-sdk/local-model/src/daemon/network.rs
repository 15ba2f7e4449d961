//! Unit addresses and the /etc/hosts of their sandboxes.
//!
//! Every unit gets its own loopback address 127.0.1.N (Linux answers the whole 127/8 on
//! `lo`), so two units of one application can listen on the same port, as pods do. The
//! hosts file maps the Kubernetes-style names charms put in configs (`<app>-<n>.<app>-
//! endpoints`, the FQDN under `<model>.svc.cluster.local`, the pod name) to those
//! addresses. It is rewritten in place (same inode) whenever units come and go, so the
//! bind mounts of running sandboxes see the change.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::state::Controller;

/// The next free loopback address: 127.0.1.1, .2, ... then 127.0.2.1 ...
pub(crate) fn allocate(ctl: &mut Controller) -> Ipv4Addr {
    loop {
        let n = ctl.next_address;
        ctl.next_address += 1;
        let third = 1 + n / 254;
        let fourth = n % 254 + 1;
        let (Ok(third), Ok(fourth)) = (u8::try_from(third), u8::try_from(fourth)) else {
            // 64k units on one machine: start over, skipping addresses in use.
            ctl.next_address = 0;
            continue;
        };
        let address = Ipv4Addr::new(127, 0, third, fourth);
        if ctl.units.values().all(|u| u.address != address) {
            return address;
        }
    }
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
