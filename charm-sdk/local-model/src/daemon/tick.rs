//! The controller's clock: update-status, secret rotation and expiry, hook retries.
//!
//! A timer thread calls [`tick`] a few times a second. update-status is queued on a unit
//! only when it is idle (as Juju's timer fires between hooks); a secret's rotate or expired
//! hook is repeated, at most once per interval, until the owner acts on it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use juju_model::UnitName;
use juju_rules::{order, HookContext};

use super::hooks::{enqueue, schedule};
use super::state::{now_timestamp, Controller};
use super::Shared;

/// One tick.
pub(crate) fn tick(shared: &Arc<Shared>, ctl: &mut Controller) {
    if ctl.shutting_down {
        return;
    }
    ctl.model.now = now_timestamp();
    let interval = ctl.options.update_status_interval;
    let due: Vec<UnitName> = ctl
        .units
        .iter()
        .filter(|(_, rt)| rt.installed && !rt.dying && rt.idle() && rt.last_update_status.elapsed() >= interval)
        .map(|(u, _)| u.clone())
        .collect();
    for unit in due {
        if let Some(rt) = ctl.units.get_mut(&unit) {
            rt.last_update_status = Instant::now();
        }
        enqueue(ctl, HookContext::hook(unit, "update-status"));
    }
    let repeat = interval.max(Duration::from_secs(60));
    let mut timed = Vec::new();
    if let Ok(hooks) = order::secret_rotations(&ctl.model) {
        timed.extend(hooks);
    }
    if let Ok(hooks) = order::secret_expiries(&ctl.model) {
        timed.extend(hooks);
    }
    for hook in timed {
        let Some(secret) = &hook.secret else { continue };
        let key = format!("{}:{}:{:?}", hook.name, secret.uri.id(), secret.revision);
        let fresh = ctl.timed_told.get(&key).is_none_or(|at| at.elapsed() >= repeat);
        if fresh {
            ctl.timed_told.insert(key, Instant::now());
            enqueue(ctl, hook);
        }
    }
    schedule(shared, ctl);
}
