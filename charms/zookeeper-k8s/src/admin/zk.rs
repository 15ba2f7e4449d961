//! The production [`AdminConnector`]: the `zk-admin` crate against real servers.
//!
//! The only file that knows zk-admin's types: it maps the charm's small trait onto
//! `Admin::connect` (SASL as `super`, plain client port), `config`, `reconfig`,
//! `ensure_chroot` with a SASL and a digest ACL for the client user, and four-letter words.

use std::time::Duration;

use zk_admin::{Acl, Admin, Auth, Perms};

use super::{AdminConnector, AdminSession, ClientAcl, ConnectOptions, EnsembleConfig};
use crate::error::Error;
use crate::render::ServerLine;

/// Talks to ZooKeeper through zk-admin.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZkAdminConnector;

/// A membership error from zk-admin's (whose text names the hosts).
fn membership(operation: &'static str) -> impl Fn(zk_admin::Error) -> Error {
    move |e| Error::Membership {
        operation,
        message: e.to_string(),
    }
}

/// zk-admin's configuration in the charm's terms (version -1 when ZooKeeper gave none).
fn convert(config: &zk_admin::EnsembleConfig) -> EnsembleConfig {
    EnsembleConfig {
        version: config.version.unwrap_or(-1),
        servers: config
            .servers
            .iter()
            .filter_map(|s| ServerLine::parse(&s.to_string()))
            .collect(),
    }
}

struct ZkSession {
    admin: Admin,
}

impl AdminSession for ZkSession {
    fn config(&mut self) -> Result<EnsembleConfig, Error> {
        self.admin.config().map(|c| convert(&c)).map_err(membership("config"))
    }

    fn reconfig(
        &mut self,
        joining: &[ServerLine],
        leaving: &[u32],
        from_version: i64,
    ) -> Result<EnsembleConfig, Error> {
        let joining: Vec<String> = joining.iter().map(ToString::to_string).collect();
        let version = (from_version >= 0).then_some(from_version);
        self.admin
            .reconfig(&joining, leaving, version)
            .map(|c| convert(&c))
            .map_err(membership("reconfig"))
    }

    fn ensure_chroot(&mut self, path: &str, acl: &ClientAcl) -> Result<(), Error> {
        let chroot_error = |e: zk_admin::Error| Error::Chroot {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let perms = Perms::from_letters(&acl.perms).map_err(chroot_error)?;
        let acls = [
            Acl::sasl(&acl.user, perms),
            Acl::digest(&acl.user, &acl.password, perms),
        ];
        self.admin.ensure_chroot(path, &acls).map(|_| ()).map_err(chroot_error)
    }
}

impl AdminConnector for ZkAdminConnector {
    fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn AdminSession>, Error> {
        let auth = Auth {
            username: options.username.clone(),
            password: options.password.clone(),
        };
        let admin = Admin::connect(&options.hosts, Some(&auth), None, options.timeout).map_err(|e| Error::Connect {
            hosts: options.hosts.clone(),
            message: e.to_string(),
        })?;
        Ok(Box::new(ZkSession { admin }))
    }

    fn four_letter_word(&self, address: &str, word: &str, timeout: Duration) -> Result<String, Error> {
        zk_admin::four_letter_word(address, word, timeout).map_err(|e| Error::FourLetterWord {
            address: address.to_owned(),
            word: word.to_owned(),
            message: e.to_string(),
        })
    }

    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
