//! The rolling-restart lock: one broker restarts at a time, and only while the others run.
//!
//! A unit whose running broker loaded other files than it would write now asks for a restart
//! (`restart: requested` in its peer bag). The leader grants the lock (`restart-lock:
//! <unit>` in the peer application bag) to the lowest-numbered requester, but only when no
//! other started broker is itself restarting — so at most one broker is ever down for a
//! configuration change and partitions keep a leader. The holder restarts, marks itself
//! `restarted`, and clears the mark once its broker runs again; the leader then passes the
//! lock on. Nothing waits inside a hook and nothing is deferred: each step happens in
//! whichever hook runs next (peer relation-changed, update-status). This replaces the Python
//! charm's rolling_ops library (and its `restart` peer relation, issue canonical/kafka-operator#547).

/// A unit's progress through a rolling restart, from its peer bag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartState {
    /// It needs a restart and waits for the lock.
    Requested,
    /// It restarted under the lock and waits for its broker to run again.
    Restarted,
}

impl RestartState {
    /// As stored in the peer bag.
    pub fn as_str(self) -> &'static str {
        match self {
            RestartState::Requested => "requested",
            RestartState::Restarted => "restarted",
        }
    }

    /// Parses the peer bag value.
    pub fn parse(text: &str) -> Option<RestartState> {
        match text {
            "requested" => Some(RestartState::Requested),
            "restarted" => Some(RestartState::Restarted),
            _ => None,
        }
    }
}

/// What the leader knows about one unit for the lock decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The unit number.
    pub number: u32,
    /// Its restart progress.
    pub restart: Option<RestartState>,
}

/// A change to the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockChange {
    /// Give it to this unit number (replacing a finished or departed holder).
    Grant(u32),
    /// Nobody needs it any more.
    Release,
}

/// The lock after this decision, given its current holder and the members of the peer
/// relation (this unit included). `None` when nothing changes.
pub fn decide(lock: Option<u32>, members: &[Member]) -> Option<LockChange> {
    let holder = lock.and_then(|n| members.iter().find(|m| m.number == n));
    if holder.is_some_and(|m| m.restart.is_some()) {
        return None; // still restarting: keep it
    }
    let busy = members
        .iter()
        .any(|m| Some(m.number) != lock && m.restart == Some(RestartState::Restarted));
    let candidate = members
        .iter()
        .filter(|m| m.restart == Some(RestartState::Requested))
        .min_by_key(|m| m.number);
    match (candidate, busy, lock) {
        (Some(c), false, _) if Some(c.number) != lock => Some(LockChange::Grant(c.number)),
        (Some(_), false, _) => None,
        (None, _, Some(_)) => Some(LockChange::Release),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(number: u32, restart: Option<RestartState>) -> Member {
        Member { number, restart }
    }

    #[test]
    fn grants_the_lowest_requester_then_passes_it_on() {
        use RestartState::*;
        let members = [m(0, None), m(1, Some(Requested)), m(2, Some(Requested))];
        assert_eq!(decide(None, &members), Some(LockChange::Grant(1)));
        let members = [m(0, None), m(1, Some(Restarted)), m(2, Some(Requested))];
        assert_eq!(decide(Some(1), &members), None, "holder still restarting");
        let members = [m(0, None), m(1, None), m(2, Some(Requested))];
        assert_eq!(decide(Some(1), &members), Some(LockChange::Grant(2)));
        let members = [m(0, None), m(1, None), m(2, None)];
        assert_eq!(decide(Some(2), &members), Some(LockChange::Release));
        assert_eq!(decide(None, &members), None);
        assert_eq!(
            decide(Some(7), &[m(0, Some(Requested))]),
            Some(LockChange::Grant(0)),
            "departed holder"
        );
    }

    #[test]
    fn never_grants_while_another_unit_is_down() {
        use RestartState::*;
        let members = [m(0, Some(Restarted)), m(1, Some(Requested))];
        assert_eq!(decide(None, &members), None);
    }
}
