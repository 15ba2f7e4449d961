//! The balancer role seen from a unit that runs a broker (or a controller): publish this
//! broker's capacity, and run Cruise Control where it belongs.

use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use crate::balancer::service::BalancerOutcome;
use crate::config::{Config, Roles};
use crate::converge::Outcome;
use crate::credentials::InternalPasswords;
use crate::peers::Cluster;
use crate::workload::BrokerInputs;

/// The balancer role of a unit that runs a broker: its capacity for the capacity file, and on
/// the leader Cruise Control itself once this broker runs and every broker reported. A
/// broker whose balancer is another application publishes the same for it; a
/// `controller,balancer` unit runs Cruise Control from the peer-cluster data.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_balancer<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    config: &Config,
    roles: Roles,
    inputs: &BrokerInputs,
    hosts: &[String],
    internal: &InternalPasswords,
    cluster: &mut Cluster,
    outcome: &Outcome,
    pebble: &dyn Pebble,
    unit_bag: &mut Databag,
) -> Result<BalancerOutcome, Error> {
    use crate::balancer::{service, split};
    // A secret from a revision before the balancer role has no balancer password until the
    // leader adds it: only Cruise Control waits for it, the broker runs meanwhile.
    const NO_PASSWORD: &str = "waiting for the leader to create the balancer user";
    if roles.balancer && !roles.broker {
        let Some(password) = internal.balancer.as_deref() else {
            return Ok(BalancerOutcome::Waiting(NO_PASSWORD.to_owned()));
        };
        return split::run(ctx, leader, config, roles, cluster, password, pebble);
    }
    if !roles.balancer {
        if roles.broker && inputs.balancer {
            // The balancer is the application on peer-cluster-orchestrator.
            service::publish_capacity(pebble, inputs, cluster, unit_bag)?;
            cluster.record_own(unit_bag);
            if let Some(leader) = leader {
                split::publish_to_balancer(ctx, leader, config, roles, inputs, cluster, &internal.admin)?;
            }
        }
        service::stop_if_started(ctx, pebble)?;
        return Ok(BalancerOutcome::NotHere);
    }
    service::publish_capacity(pebble, inputs, cluster, unit_bag)?;
    cluster.record_own(unit_bag);
    if !service::runs_here(roles, leader.is_some()) {
        service::stop_if_started(ctx, pebble)?;
        return Ok(BalancerOutcome::NotHere);
    }
    if *outcome != Outcome::Running {
        return Ok(BalancerOutcome::Waiting(
            "waiting for this unit's broker to run".to_owned(),
        ));
    }
    match service::own_capacities(cluster, inputs) {
        Err(missing) => Ok(BalancerOutcome::Waiting(format!(
            "waiting for the capacity of unit(s) {}",
            missing.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        ))),
        Ok(capacities) => {
            let Some(password) = internal.balancer.as_deref() else {
                return Ok(BalancerOutcome::Waiting(NO_PASSWORD.to_owned()));
            };
            let cc = service::combined_inputs(config, inputs, hosts, password, capacities);
            service::converge(ctx, pebble, &cc)
        }
    }
}
