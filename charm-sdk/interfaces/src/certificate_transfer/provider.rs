//! The provider side of certificate_transfer: publish a set of CA certificates.
//!
//! The Python provider picks the format per relation from what the requirer announced:
//! v1 (app bag) when the requirer's app bag says `version` `"1"`, else the v0 unit bag.
//! One idempotent call does that for every relation; the leader writes (as in the library,
//! whose methods return early on non-leaders), and switching format clears the other one.

use std::collections::BTreeSet;

use charm_sdk::{Charm, Context, Leader};

use super::wire;
use crate::error::Error;

/// Publishes CA certificates on one endpoint.
#[derive(Debug, Clone)]
pub struct CertificateTransferProvider {
    endpoint: String,
}

impl CertificateTransferProvider {
    /// A provider on `endpoint` (Canonical's charms call it `send-ca-cert`).
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
        }
    }

    /// Makes every relation carry exactly `certificates` (PEMs), in the format its
    /// requirer speaks. Leader only.
    pub fn reconcile<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        certificates: &BTreeSet<String>,
    ) -> Result<(), Error> {
        let certificates: BTreeSet<String> = certificates.iter().map(|c| c.trim().to_owned()).collect();
        for relation in ctx.relations(&self.endpoint)? {
            let remote = ctx.remote_app_data(&relation)?;
            if wire::requirer_speaks_v1(&remote) {
                ctx.update_app_data(&relation, leader, &wire::provider_app_bag(&certificates)?)?;
                let ours = ctx.local_unit_data(&relation)?;
                if wire::V0_KEYS.iter().any(|k| ours.contains_key(*k)) {
                    ctx.update_unit_data(&relation, &wire::provider_unit_bag_v0(&BTreeSet::new())?)?;
                }
            } else {
                ctx.update_unit_data(&relation, &wire::provider_unit_bag_v0(&certificates)?)?;
                let ours = ctx.local_app_data(&relation, Some(leader))?;
                if ours.contains_key(wire::CERTIFICATES_KEY) {
                    let clear = [wire::CERTIFICATES_KEY, wire::VERSION_KEY].map(|k| (k.to_owned(), String::new()));
                    ctx.update_app_data(&relation, leader, &clear.into())?;
                }
            }
        }
        Ok(())
    }
}
