//! Pure functions from the charm's inputs to the workload's files and Pebble layer.
//!
//! Nothing here talks to Juju or Pebble: every file is a function of plain values, so the
//! tests compare them byte for byte with golden files, and the reconcile decides separately
//! when to write them (files the running server reads are only written when the unit
//! (re)starts, see `workload`).

pub mod dynamic;
pub mod jaas;
pub mod jvm;
pub mod layer;
pub mod zoo_cfg;

pub use dynamic::{server_line, Role, ServerLine};
pub use jaas::{client_jaas, server_jaas, JaasUsers};
pub use jvm::{jmx_exporter_config, logback_xml, server_jvmflags};
pub use layer::zookeeper_layer;
pub use zoo_cfg::{current_dynamic_file, zoo_cfg, Encryption, StorePasswords, ZooCfg};

/// Where a server binds its listeners.
///
/// On Kubernetes every pod has its own network namespace and binds all interfaces
/// (`0.0.0.0`), as the Python charm does. In the local test model all units share the
/// host's network and each has its own loopback address (`127.0.1.N`), so listeners must
/// bind that address or the units would fight over the same ports. The unit's ingress
/// address tells which case we are in: Kubernetes never hands out loopback addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    /// Every interface (Kubernetes).
    All,
    /// One loopback address (the local model).
    Address(String),
}

impl Bind {
    /// The bind for a unit whose ingress address is `ingress` (empty when unknown).
    pub fn for_ingress(ingress: &str) -> Self {
        match ingress.parse::<std::net::IpAddr>() {
            Ok(ip) if ip.is_loopback() => Bind::Address(ingress.to_owned()),
            _ => Bind::All,
        }
    }

    /// The address to put in `host:port` bind settings (`0.0.0.0` for all).
    pub fn host(&self) -> &str {
        match self {
            Bind::All => "0.0.0.0",
            Bind::Address(address) => address,
        }
    }

    /// The address a local client (health check) connects to.
    pub fn local_host(&self) -> &str {
        match self {
            Bind::All => "localhost",
            Bind::Address(address) => address,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_ingress_binds_that_address_and_others_bind_all() {
        assert_eq!(Bind::for_ingress("127.0.1.3"), Bind::Address("127.0.1.3".into()));
        assert_eq!(Bind::for_ingress("10.1.2.3"), Bind::All);
        assert_eq!(Bind::for_ingress(""), Bind::All);
        assert_eq!(Bind::All.host(), "0.0.0.0");
        assert_eq!(Bind::All.local_host(), "localhost");
    }
}
