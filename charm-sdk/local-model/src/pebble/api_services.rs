//! `POST /v1/services`: start, stop, restart, autostart and replan as changes.
//!
//! The request is checked and turned into stop and start *lanes* synchronously (errors are
//! 400s with Pebble's texts: `replan accepts no service names`, `must specify services for
//! start action`, `cannot start services: service "x" does not exist`), then a change with
//! one task per service is returned at once and run in the background: stop lanes first,
//! then start lanes, lanes in parallel, tasks of a lane in order; a failed task holds the
//! rest of its lane, and a failed stop holds every start.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use super::changes::Status;
use super::checks;
use super::layers::{start_order, stop_order};
use super::response::{accepted, bad_request, error, HttpResponse};
use super::services::{self, replan_sets};
use super::state::Shared;

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(default)]
    action: String,
    #[serde(default)]
    services: Option<Vec<String>>,
}

fn title(action: &str) -> String {
    let mut chars = action.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Keeps, in `lanes`' order, only the services in `names`.
fn intersect(names: &[String], lanes: Vec<Vec<String>>) -> Vec<Vec<String>> {
    lanes
        .into_iter()
        .map(|lane| lane.into_iter().filter(|n| names.contains(n)).collect::<Vec<_>>())
        .filter(|lane| !lane.is_empty())
        .collect()
}

type Lanes = Vec<Vec<(String, String)>>;

/// `POST /v1/services`.
pub(crate) fn post(shared: &Arc<Shared>, body: &[u8]) -> HttpResponse {
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("cannot decode data from request body: {e}")),
    };
    let action = payload.action.as_str();
    let names = payload.services.unwrap_or_default();
    match action {
        "replan" | "autostart" if !names.is_empty() => {
            return bad_request(format!("{action} accepts no service names"));
        }
        "replan" | "autostart" => {}
        _ if names.is_empty() => return bad_request(format!("must specify services for {action} action")),
        _ => {}
    }
    let mut st = shared.lock();
    if st.stopping {
        return error(500, "", "Pebble is shutting down");
    }
    let plan = st.plan.clone();
    let lanes = match action {
        "start" => start_order(&plan, &names).map(|start| (Vec::new(), start)),
        "autostart" => {
            let enabled: Vec<String> = plan
                .services
                .iter()
                .filter(|(_, s)| s.startup == Some(juju_model::pebble::Startup::Enabled))
                .map(|(n, _)| n.clone())
                .collect();
            if enabled.is_empty() {
                return error(400, "no-default-services", "no default services");
            }
            start_order(&plan, &enabled).map(|start| (Vec::new(), start))
        }
        "stop" => stop_order(&plan, &names).map(|stop| (stop, Vec::new())),
        "restart" => stop_order(&plan, &names).and_then(|stop| {
            let stop = intersect(&names, stop);
            start_order(&plan, &names).map(|start| (stop, start))
        }),
        "replan" => {
            let (stop, start) = replan_sets(&mut st);
            let lanes = stop_order(&plan, &stop).and_then(|stop| start_order(&plan, &start).map(|start| (stop, start)));
            checks::replan(shared, &mut st);
            lanes
        }
        other => return bad_request(format!("invalid action {other:?}")),
    };
    let (stop, start) = match lanes {
        Ok(lanes) => lanes,
        Err(e) => return bad_request(format!("cannot {action} services: {e}")),
    };
    let affected: BTreeSet<String> = stop.iter().chain(start.iter()).flatten().cloned().collect();
    let mut tasks = Vec::new();
    for name in stop.iter().flatten() {
        tasks.push(("stop".to_owned(), format!("Stop service {name:?}")));
    }
    for name in start.iter().flatten() {
        tasks.push(("start".to_owned(), format!("Start service {name:?}")));
    }
    let shown: Vec<String> = if names.is_empty() {
        affected.iter().cloned().collect()
    } else {
        names.clone()
    };
    let summary = match (tasks.is_empty(), shown.first()) {
        (true, _) | (_, None) => format!("{} - no services", title(action)),
        (false, Some(first)) if affected.len() <= 1 => format!("{} service {first:?}", title(action)),
        (false, Some(first)) => format!("{} service {first:?} and {} more", title(action), affected.len() - 1),
    };
    let (change_id, task_ids) = st.new_change(action, summary, &tasks, shown);
    drop(st);
    shared.bump();
    let mut ids = task_ids.into_iter();
    let mut assign = |lanes: Vec<Vec<String>>| -> Lanes {
        lanes
            .into_iter()
            .map(|lane| {
                lane.into_iter()
                    .filter_map(|name| ids.next().map(|id| (id, name)))
                    .collect()
            })
            .collect()
    };
    let stop = assign(stop);
    let start = assign(start);
    if !stop.is_empty() || !start.is_empty() {
        tokio::spawn(run(shared.clone(), change_id.clone(), stop, start));
    }
    accepted(&change_id, Value::Null)
}

async fn run(shared: Arc<Shared>, change_id: String, stop: Lanes, start: Lanes) {
    let stops = stop.iter().map(|lane| run_lane(&shared, &change_id, lane, false));
    let stop_ok = futures_util::future::join_all(stops).await.into_iter().all(|ok| ok);
    if stop_ok {
        let starts = start.iter().map(|lane| run_lane(&shared, &change_id, lane, true));
        futures_util::future::join_all(starts).await;
    } else {
        for (task, _) in start.iter().flatten() {
            shared.task(&change_id, task, Status::Hold, None);
        }
    }
}

/// Runs a lane's tasks in order; false when one failed (the rest are held).
async fn run_lane(shared: &Arc<Shared>, change_id: &str, lane: &[(String, String)], start: bool) -> bool {
    for (i, (task, name)) in lane.iter().enumerate() {
        shared.task(change_id, task, Status::Doing, None);
        let outcome = if start {
            services::start(shared, name).await
        } else {
            services::stop(shared, name).await
        };
        {
            let mut st = shared.lock();
            for line in &outcome.info {
                st.log_task(change_id, task, "INFO", line);
            }
        }
        match outcome.error {
            None => shared.task(change_id, task, Status::Done, None),
            Some(e) => {
                shared.task(change_id, task, Status::Error, Some(("ERROR", &e)));
                for (held, _) in &lane[i + 1..] {
                    shared.task(change_id, held, Status::Hold, None);
                }
                return false;
            }
        }
    }
    true
}
