//! Unit queues: what is queued where, and which hooks coalesce with one already queued.

use juju_rules::HookContext;

use crate::daemon::state::{Controller, Item};

/// Hooks that coalesce with an identical one still queued, as Juju's uniter does.
fn coalesces(name: &str) -> bool {
    name.ends_with("-relation-changed")
        || name.ends_with("-pebble-ready")
        || matches!(
            name,
            "config-changed" | "update-status" | "leader-settings-changed" | "secret-changed" | "upgrade-charm"
        )
}

/// Queues `ctx` on its unit (dropped when the unit is gone, or is dying and the hook is
/// not part of its teardown).
pub(crate) fn enqueue(ctl: &mut Controller, ctx: HookContext) {
    let Some(rt) = ctl.units.get_mut(&ctx.unit) else { return };
    if rt.dying
        && ctx.relation.is_none()
        && !matches!(ctx.name.as_str(), "stop" | "remove")
        && !ctx.name.ends_with("-storage-detaching")
    {
        return;
    }
    if coalesces(&ctx.name) && rt.queue.iter().any(|i| matches!(i, Item::Hook(q) if **q == ctx)) {
        return;
    }
    rt.queue.push_back(Item::Hook(Box::new(ctx)));
}

/// Queues an action ahead of hooks (after other queued actions), as Juju runs pending
/// actions before new hooks.
pub(crate) fn enqueue_action(ctl: &mut Controller, ctx: HookContext) {
    let Some(rt) = ctl.units.get_mut(&ctx.unit) else { return };
    let at = rt
        .queue
        .iter()
        .position(|i| !matches!(i, Item::Hook(h) if h.action.is_some()))
        .unwrap_or(rt.queue.len());
    rt.queue.insert(at, Item::Hook(Box::new(ctx)));
}
