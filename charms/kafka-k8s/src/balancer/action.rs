//! The `rebalance` action's entry point: who may run it, what Cruise Control knows, and the
//! results. The protocol itself is [`super::rebalance`].

use charm_sdk::prelude::*;

use super::capacity::broker_ids;
use super::client::CruiseControlClient;
use super::rebalance::{self, Mode, Polling};
use super::render::CC_CAPACITY;
use super::response::clean;
use crate::literals::{BALANCER_USER, CONTAINER};
use crate::store::StoreConnector;
use crate::workload::Secret;
use crate::{credentials, peers, KafkaCharm};

/// Runs `rebalance` (leader of an application with the balancer role).
pub fn run<S: StoreConnector>(
    ctx: &mut Context<'_, KafkaCharm<S>>,
    mode: Mode,
    dryrun: bool,
    brokerid: Option<i64>,
) -> Result<ActionResults, ActionError> {
    let config = ctx.config()?;
    let roles = config
        .roles()
        .map_err(|e| ActionError::failed(format!("the roles are not valid: {e}")))?;
    if !roles.balancer {
        return Err(ActionError::failed(
            "rebalance must be run on an application with the balancer role (roles=broker,balancer or balancer)",
        ));
    }
    if ctx.leader()?.is_none() {
        return Err(ActionError::failed(
            "rebalance must be run on the leader unit of the balancer application",
        ));
    }
    let cluster = peers::read(ctx)?.ok_or_else(|| ActionError::failed("the peer relation does not exist yet"))?;
    let passwords = credentials::read(ctx, &cluster.app_data)?
        .ok_or_else(|| ActionError::failed("the balancer user does not exist yet"))?;
    let pebble = ctx
        .container(CONTAINER)
        .map_err(|_| ActionError::failed("the kafka container is not reachable"))?;
    let known = match pebble.pull(CC_CAPACITY) {
        Ok(bytes) => broker_ids(&String::from_utf8_lossy(&bytes)),
        Err(e) if e.is_not_found() => {
            return Err(ActionError::failed(
                "Cruise Control is not configured on this unit yet (no capacity file)",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let request = rebalance::validate(mode, dryrun, brokerid, &known).map_err(ActionError::failed)?;
    let balancer_password = passwords
        .balancer
        .ok_or_else(|| ActionError::failed("the balancer user does not exist yet"))?;
    let client = CruiseControlClient::local(BALANCER_USER, Secret::new(balancer_password));
    ctx.info(&format!(
        "rebalance: mode {}, dryrun {}{}",
        mode.as_str(),
        dryrun,
        request.broker_id.map(|b| format!(", broker {b}")).unwrap_or_default()
    ));
    let outcome =
        rebalance::run(&client, request, Polling::default()).map_err(|e| ActionError::failed(e.to_string()))?;
    let message = outcome.follow_message().unwrap_or_default();
    match outcome {
        rebalance::Outcome::Done(answer) => Ok(ActionResults::from_serialize(&clean(&answer))?),
        rebalance::Outcome::StillRunning { task, .. } => {
            // Past the wait cap: the task goes on in Cruise Control; say how to follow it.
            ctx.info(&message);
            Ok(ActionResults::new()
                .set("user-task-id", task)?
                .set("message", message)?)
        }
    }
}
