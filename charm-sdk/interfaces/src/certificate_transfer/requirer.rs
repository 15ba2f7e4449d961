//! The requirer side of certificate_transfer: announce v1, collect the trusted CAs.
//!
//! The leader writes `version` `"1"` (the library does it on relation-created; writing it
//! every time is a no-op after the first). CAs are read from the provider's app bag, and
//! when that holds none, from its units' v0 bags — the legacy fallback, which also covers
//! providers still on the v0 library. A relation whose data does not parse does not hide
//! the others: it is reported next to the certificates that could be read.

use std::collections::{BTreeMap, BTreeSet};

use charm_sdk::{Charm, Context, Leader};
use juju_model::RelationId;

use super::wire;
use crate::error::Error;
use crate::tls::CertificateInfo;

/// The CA certificates received, per relation, and what could not be read.
#[derive(Debug, Default)]
pub struct TrustedCertificates {
    /// PEMs per relation (each parsed as an X.509 certificate; trimmed).
    pub by_relation: BTreeMap<RelationId, BTreeSet<String>>,
    /// Bags or certificates that did not parse.
    pub invalid: Vec<Error>,
}

impl TrustedCertificates {
    /// Every certificate from every relation.
    pub fn all(&self) -> BTreeSet<String> {
        self.by_relation.values().flatten().cloned().collect()
    }
}

/// Receives CA certificates on one endpoint.
#[derive(Debug, Clone)]
pub struct CertificateTransferRequirer {
    endpoint: String,
}

impl CertificateTransferRequirer {
    /// A requirer on `endpoint`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
        }
    }

    /// Announces v1 (leader) and returns the certificates the providers send.
    pub fn reconcile<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: Option<&Leader>,
    ) -> Result<TrustedCertificates, Error> {
        let mut out = TrustedCertificates::default();
        for relation in ctx.relations(&self.endpoint)? {
            if let Some(leader) = leader {
                ctx.update_app_data(&relation, leader, &wire::requirer_app_bag())?;
            }
            let what = format!("{}:{}", relation.endpoint, relation.id);
            let app = ctx.remote_app_data(&relation)?;
            let mut found = match wire::read_app_bag(&app, &format!("{what} provider application data")) {
                Ok(certs) => certs.unwrap_or_default(),
                Err(e) => {
                    out.invalid.push(e);
                    BTreeSet::new()
                }
            };
            if found.is_empty() {
                for unit in ctx.remote_units(&relation)? {
                    let bag = ctx.unit_data(&relation, &unit)?;
                    match wire::read_unit_bag_v0(&bag, &format!("{what} unit {unit}")) {
                        Ok(certs) => found.extend(certs),
                        Err(e) => out.invalid.push(e),
                    }
                }
            }
            let mut valid = BTreeSet::new();
            for pem in found {
                match CertificateInfo::parse(&pem) {
                    Ok(_) => {
                        valid.insert(pem.trim().to_owned());
                    }
                    Err(e) => out.invalid.push(Error::remote(format!("{what} certificate"), e)),
                }
            }
            out.by_relation.insert(relation.id, valid);
        }
        Ok(out)
    }
}
