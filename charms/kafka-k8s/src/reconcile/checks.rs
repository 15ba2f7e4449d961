//! The checks that come before anything is written: the metadata backend (`metadata-mode`)
//! must agree with the relations that exist.

use charm_sdk::prelude::*;

use crate::config::MetadataMode;
use crate::literals::*;

/// The metadata backend must agree with the relations: Blocked naming the option otherwise.
pub(super) fn check_mode_relations<C: Charm>(ctx: &mut Context<'_, C>, mode: MetadataMode) -> Result<(), Stop> {
    match mode {
        MetadataMode::Kraft if ctx.relation(ZOOKEEPER)?.is_some() => Err(Stop::blocked(
            "invalid config option 'metadata-mode': kraft, but a zookeeper relation exists (remove it, or set metadata-mode=zookeeper)",
        )),
        MetadataMode::ZooKeeper
            if ctx.relation(PEER_CLUSTER)?.is_some() || ctx.relation(PEER_CLUSTER_ORCHESTRATOR)?.is_some() =>
        {
            Err(Stop::blocked(
                "invalid config option 'metadata-mode': zookeeper, but a peer-cluster relation exists (KRaft only; set metadata-mode=kraft)",
            ))
        }
        _ => Ok(()),
    }
}
