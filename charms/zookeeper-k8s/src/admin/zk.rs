//! The production [`AdminConnector`]: the `zk-admin` crate against real servers.
//!
//! Placeholder until zk-admin's API lands: every call fails with a clear message, so the
//! charm reports "cannot reach the ensemble" instead of doing anything half-way.

use std::time::Duration;

use super::{AdminConnector, AdminError, AdminSession, ConnectOptions};

/// Talks to ZooKeeper through zk-admin.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZkAdminConnector;

impl AdminConnector for ZkAdminConnector {
    fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn AdminSession>, AdminError> {
        Err(AdminError(format!("cannot connect to {}: the administration client is not built in", options.hosts.join(","))))
    }

    fn four_letter_word(&self, address: &str, word: &str, _timeout: Duration) -> Result<String, AdminError> {
        Err(AdminError(format!("cannot send {word} to {address}: the administration client is not built in")))
    }

    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
