//! Runs what [`crate::quorum`] decides: `kafka-metadata-quorum.sh add-controller` /
//! `remove-controller` through Pebble exec, the directory id read back from
//! `meta.properties`, and the leader's voter record in the peer bag.
//!
//! A failed quorum command never fails the hook: the unit reports Waiting and the next
//! reconcile (update-status at the latest) tries again. Kafka answers a repeated add with
//! `DuplicateVoterException` and a repeated removal with `VoterNotFoundException`; both count
//! as done, which makes every step idempotent.

use std::time::Duration;

use charm_sdk::pebble::{ExecRequest, Pebble};
use charm_sdk::prelude::*;

use crate::literals::*;
use crate::peers::Cluster;
use crate::quorum::{self, QuorumView, Removal, Step};
use crate::workload::env::WORKLOAD_USER;
use crate::workload::paths::{CONF_DIR, META_PROPERTIES};
use crate::workload::quorum_tool::{
    add_controller_argv, already_voter, directory_id, not_a_voter, remove_controller_argv,
};

/// How long one quorum command may take (a JVM start plus the admin client's 20 s timeout).
const TOOL_TIMEOUT: Duration = Duration::from_secs(90);

/// Runs a quorum command; `Err` carries its whole output (for the exception names) and a
/// first line for statuses.
fn run(pebble: &dyn Pebble, argv: Vec<String>) -> Result<(), (String, String)> {
    let request = ExecRequest::new(argv)
        .user(WORKLOAD_USER)
        .working_dir(CONF_DIR)
        .timeout(TOOL_TIMEOUT);
    match pebble.exec(&request) {
        Ok(out) if out.exit_code == 0 => Ok(()),
        Ok(out) => {
            let text = format!("{}\n{}", out.stderr_text(), out.stdout_text());
            let first: String = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("no output")
                .chars()
                .take(160)
                .collect();
            Err((
                text,
                format!("kafka-metadata-quorum.sh exited with {}: {first}", out.exit_code),
            ))
        }
        Err(e) => {
            let text = e.to_string();
            Err((text.clone(), format!("kafka-metadata-quorum.sh: {text}")))
        }
    }
}

/// This unit's metadata directory id: from `meta.properties` once formatted, else (the
/// bootstrap controller) the id the leader drew for it.
pub fn read_directory_id(pebble: &dyn Pebble, metadata_log_dir: &str) -> Result<Option<String>, Error> {
    let path = format!("{}/{META_PROPERTIES}", metadata_log_dir.trim_end_matches('/'));
    match pebble.pull(&path) {
        Ok(bytes) => Ok(directory_id(&String::from_utf8_lossy(&bytes))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A departing controller whose turn it is ([`quorum::my_step`]): leave the voters, then stop
/// the service — only once the removal succeeded, so that the quorum keeps its majority (see
/// [`crate::quorum`] for why this order differs from Kafka 3.9's guide). A failed removal
/// leaves the service running and returns Waiting: the next hook tries again (and the leader
/// removes the voter if the unit is gone first). Returns the status to report.
pub fn leave<C: Charm>(
    ctx: &mut Context<'_, C>,
    pebble: &dyn Pebble,
    removal: &Removal,
    unit_bag: &mut Databag,
) -> Result<Status, Error> {
    match remove(pebble, removal) {
        Ok(()) => {
            ctx.info(&format!(
                "removed controller {} (directory {}) from the KRaft quorum",
                removal.node_id, removal.directory_id
            ));
            unit_bag.insert(UNIT_ADDED_TO_QUORUM.to_owned(), String::new());
            crate::broker::stop(pebble)?;
            Ok(Status::maintenance("left the controller quorum; unit departing"))
        }
        Err(why) => {
            ctx.warn(&format!(
                "cannot leave the controller quorum yet (retried on the next hook): {why}"
            ));
            Ok(Status::waiting(format!(
                "unit departing; waiting to leave the controller quorum: {why}"
            )))
        }
    }
}

fn remove(pebble: &dyn Pebble, removal: &Removal) -> Result<(), String> {
    let argv = remove_controller_argv(&removal.bootstrap, removal.node_id, &removal.directory_id);
    match run(pebble, argv) {
        Ok(()) => Ok(()),
        Err((text, _)) if not_a_voter(&text) => Ok(()),
        Err((_, why)) => Err(why),
    }
}

/// A running controller that is not a voter yet: add it. Records the result in `unit_bag`;
/// returns a Waiting status while it cannot.
pub fn join<C: Charm>(
    ctx: &mut Context<'_, C>,
    pebble: &dyn Pebble,
    view: &QuorumView,
    running: bool,
    directory_id: Option<&str>,
    unit_bag: &mut Databag,
) -> Result<Option<Status>, Error> {
    match quorum::my_step(view, running) {
        Step::Nothing | Step::Remove(_) => Ok(None),
        Step::Wait(why) => Ok(Some(Status::waiting(why))),
        Step::Add { bootstrap } => {
            let Some(directory_id) = directory_id else {
                return Ok(Some(Status::waiting(
                    "waiting for this controller's directory id (meta.properties)",
                )));
            };
            match run(pebble, add_controller_argv(&bootstrap)) {
                Ok(()) => {}
                Err((text, _)) if already_voter(&text) => {}
                Err((_, why)) => {
                    ctx.warn(&format!("cannot join the controller quorum yet: {why}"));
                    return Ok(Some(Status::waiting(format!(
                        "waiting to join the controller quorum: {why}"
                    ))));
                }
            }
            ctx.info(&format!(
                "joined the KRaft controller quorum (directory {directory_id})"
            ));
            unit_bag.insert(UNIT_ADDED_TO_QUORUM.to_owned(), "true".to_owned());
            Ok(None)
        }
    }
}

/// The leader: keep the voter record, remove the voters of units gone from the model (when
/// this unit can run Kafka's tools), move the bootstrap controller off a gone unit.
pub fn leader_bookkeeping<C: Charm>(
    ctx: &mut Context<'_, C>,
    pebble: Option<&dyn Pebble>,
    view: &QuorumView,
    cluster: &mut Cluster,
    app_changes: &mut Databag,
) -> Result<(), Error> {
    let work = quorum::leader_work(view);
    let mut record = work.record.clone();
    for removal in &work.removals {
        let Some(pebble) = pebble else { break };
        match remove(pebble, removal) {
            Ok(()) => {
                ctx.info(&format!(
                    "removed controller {} of the departed unit {}/{} from the KRaft quorum",
                    removal.node_id, view.app, removal.unit
                ));
                record.remove(&removal.unit);
            }
            Err(why) => ctx.warn(&format!(
                "cannot remove controller {} of the departed unit {}/{} yet: {why}",
                removal.node_id, view.app, removal.unit
            )),
        }
    }
    let mut changes = Databag::new();
    let encoded = quorum::encode_voters(&record);
    if cluster
        .app_data
        .0
        .get(APP_KRAFT_VOTERS)
        .map(String::as_str)
        .unwrap_or("")
        != encoded
    {
        changes.insert(APP_KRAFT_VOTERS.to_owned(), encoded);
    }
    if let Some(bootstrap) = &work.new_bootstrap {
        ctx.info(&format!("the KRaft quorum now bootstraps from {}", bootstrap.endpoint));
        changes.extend(bootstrap.to_bag());
    }
    app_changes.extend(changes.clone());
    cluster.record_app(&changes);
    Ok(())
}
