//! The other side of certificate_transfer, for `charm-testing` states (feature `testing`):
//! a provider that already sent CAs, in either format, as the Python libraries write them.

use std::collections::BTreeSet;

use charm_testing::Relation;

use super::wire;
use crate::error::Error;

/// A relation on the charm's `requires` endpoint to a provider (`self-signed-certificates`)
/// that sends `cas`: in its app bag (v1) or, with `v1 = false`, in its unit bag (v0).
pub fn provider_relation(endpoint: &str, cas: &BTreeSet<String>, v1: bool) -> Result<Relation, Error> {
    let relation = Relation::new(endpoint)
        .interface("certificate_transfer")
        .remote_app("self-signed-certificates");
    Ok(if v1 {
        relation.remote_app_data(wire::provider_app_bag(cas)?)
    } else {
        let bag = wire::provider_unit_bag_v0(cas)?;
        relation.remote_unit_data(0, bag.into_iter().filter(|(_, v)| !v.is_empty()))
    })
}
