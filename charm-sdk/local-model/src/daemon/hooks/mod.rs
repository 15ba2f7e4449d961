//! Running hooks: one at a time per unit, as real processes, committed on exit 0.
//!
//! [`schedule`] looks at every unit that is not running a hook and starts the next step of
//! its queue (or the retry of a failed hook once its backoff has passed). A hook is a
//! process of the unit's `dispatch` ([`start`]) with the exact `JUJU_*` environment; a
//! thread waits for it and [`finish`] commits or discards the hook's session, queues the
//! hooks the commit triggers on other units (`order::after_commit`), and schedules again.
//! What goes into a queue, and what coalesces there, is [`queue`]'s business.

mod finish;
mod queue;
mod start;

use std::sync::Arc;
use std::time::Instant;

use juju_model::UnitName;

use super::state::{Controller, Item};
use super::{topology, Shared};

pub(crate) use queue::{enqueue, enqueue_action};
use start::start;

/// Starts whatever can start now on every unit.
pub(crate) fn schedule(shared: &Arc<Shared>, ctl: &mut Controller) {
    if ctl.shutting_down {
        return;
    }
    let names: Vec<UnitName> = ctl.units.keys().cloned().collect();
    for unit in names {
        run_next(shared, ctl, &unit);
    }
    shared.changed.notify_all();
}

fn run_next(shared: &Arc<Shared>, ctl: &mut Controller, unit: &UnitName) {
    loop {
        let Some(rt) = ctl.units.get_mut(unit) else { return };
        if rt.running.is_some() {
            return;
        }
        if let Some(failure) = &rt.failure {
            let action_first = matches!(rt.queue.front(), Some(Item::Hook(h)) if h.action.is_some());
            if !action_first {
                if Instant::now() < failure.retry_at {
                    return;
                }
                let (hook, attempts) = (failure.hook.clone(), failure.attempts);
                if start(shared, ctl, unit, hook, attempts) {
                    return;
                }
                if let Some(rt) = ctl.units.get_mut(unit) {
                    rt.failure = None;
                }
                continue;
            }
        }
        let Some(item) = rt.queue.pop_front() else { return };
        match item {
            Item::Hook(ctx) => {
                if let Some(container) = ctx.name.strip_suffix("-pebble-ready").map(str::to_owned) {
                    if let Some(c) = rt.containers.get_mut(&container) {
                        if !c.ready {
                            c.awaiting_ready = true;
                            continue;
                        }
                    }
                }
                if start(shared, ctl, unit, *ctx, 0) {
                    return;
                }
            }
            Item::Upgrade => topology::upgrade_unit(shared, ctl, unit),
            Item::SwapCharm => topology::swap_charm(ctl, unit),
            Item::RemoveUnit => {
                topology::finalize_unit(ctl, unit);
                return;
            }
            Item::LeaveRelation(id) => topology::leave_relation(ctl, id),
        }
    }
}
