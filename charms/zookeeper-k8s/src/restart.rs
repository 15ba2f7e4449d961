//! The rolling-restart lock: one server restarts at a time, and only while the others serve.
//!
//! A unit whose running server loaded other files than it would write now asks for a restart
//! (`restart: requested` in its bag). The leader grants the lock (`restart-lock: <unit>` in
//! the application bag) to the lowest requester, but only when every *other* started server
//! answers `mntr` as a synced member — restarting one server then never costs the quorum.
//! The holder restarts, marks itself `restarted`, and clears the mark once its server serves
//! again; the leader then releases the lock and grants the next one. Nothing waits in a hook:
//! each step happens in whichever hook runs next (peer relation-changed, update-status).

use crate::peers::Server;

/// A change to the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockChange {
    /// Give it to this unit number (replacing a finished or gone holder).
    Grant(u32),
    /// Nobody needs it any more.
    Release,
}

/// The lock holder after this decision, given the current `lock`, the `servers` in the
/// relation and a health probe for a server (called only when a grant is considered).
/// `None` when nothing changes.
pub fn decide(lock: Option<u32>, servers: &[&Server], healthy: &mut dyn FnMut(&Server) -> bool) -> Option<LockChange> {
    let holder = lock.and_then(|n| servers.iter().find(|s| s.number == n));
    if holder.is_some_and(|s| s.restart().is_some()) {
        return None; // still restarting
    }
    let candidate = servers
        .iter()
        .filter(|s| s.restart().is_some())
        .min_by_key(|s| s.number);
    let grant = candidate.filter(|candidate| {
        servers
            .iter()
            .filter(|s| s.number != candidate.number && s.started())
            .all(|s| healthy(s))
    });
    match (grant, lock) {
        (Some(c), _) => Some(LockChange::Grant(c.number)),
        (None, Some(_)) => Some(LockChange::Release),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use charm_sdk::prelude::Databag;

    fn server(number: u32, restart: Option<&str>) -> Server {
        let mut bag: Databag = [("state".to_owned(), "started".to_owned())].into();
        if let Some(r) = restart {
            bag.insert("restart".into(), r.into());
        }
        Server { number, bag }
    }

    #[test]
    fn grants_the_lowest_requester_when_the_others_are_healthy() {
        let (a, b, c) = (
            server(0, None),
            server(1, Some("requested")),
            server(2, Some("requested")),
        );
        let servers = [&a, &b, &c];
        assert_eq!(decide(None, &servers, &mut |_| true), Some(LockChange::Grant(1)));
        assert_eq!(
            decide(None, &servers, &mut |s| s.number != 0),
            None,
            "unit 0 is down: wait"
        );
        assert_eq!(
            decide(Some(1), &servers, &mut |_| true),
            None,
            "holder still restarting"
        );
    }

    #[test]
    fn passes_on_or_releases_a_finished_lock() {
        let (a, b) = (server(0, None), server(1, Some("requested")));
        assert_eq!(decide(Some(0), &[&a, &b], &mut |_| true), Some(LockChange::Grant(1)));
        assert_eq!(decide(Some(0), &[&a], &mut |_| true), Some(LockChange::Release));
        assert_eq!(
            decide(Some(5), &[&a, &b], &mut |_| true),
            Some(LockChange::Grant(1)),
            "gone holder"
        );
        assert_eq!(decide(None, &[&a], &mut |_| true), None);
    }
}
