//! The KRaft controller quorum as a dynamic voter set (KIP-853, Kafka 3.9): who bootstraps it,
//! how each node formats its storage, and who joins or leaves the voters when controllers are
//! added or removed. Pure functions over a [`QuorumView`]; `crate::kraft` gathers the view
//! and `crate::reconcile` runs the commands they ask for.
//!
//! The shape follows the Python charms (3.x track branch `3/edge` and 4.x,
//! `src/events/controller.py`), whose peer keys this charm shares:
//! - the leader picks one **bootstrap controller** and draws its metadata directory id in
//!   advance (`bootstrap-controller`, `bootstrap-unit-id`, `bootstrap-replica-id`). This charm
//!   picks the lowest unit (planned or present), not the leader: on Kubernetes units are
//!   removed from the top, so unit 0 is the last controller to go, and the choice never
//!   moves with leadership (no restarts on leader change);
//! - the bootstrap controller formats with `--initial-controllers <id>@<host>:<port>:<dir>` —
//!   a voter set of one whose directory id is known before the format runs; every other node
//!   (later controllers and brokers) formats with `--no-initial-controllers`, as Kafka's
//!   operations guide says for nodes joining an existing cluster (the Python charms pass the
//!   bootstrap's `--initial-controllers` to every node instead);
//! - every node finds the quorum through `controller.quorum.bootstrap.servers` = the
//!   bootstrap controller, which does not change when controllers come and go, so scaling
//!   restarts nobody;
//! - a new controller, once its service runs, adds itself (`add-controller` must run on the
//!   node being added: it reads that node's configuration and `meta.properties`), one unit at
//!   a time, lowest first (Kafka refuses concurrent voter changes), and records
//!   `added-to-quorum` / `directory-id` in its peer bag;
//! - a departing controller removes itself in its own `cluster-relation-departed` (the hook
//!   upstream uses: the first one in which the unit knows it is leaving, while its container,
//!   its directory id and the rest of the quorum are all still there; `storage-detaching`
//!   comes after the unit has left every relation). Departures are serialised: a departing
//!   voter announces itself in its peer bag (`leaving-quorum`), and only the highest-numbered
//!   leaving voter acts, and only while every voter that stays runs; the others report
//!   Waiting and try again on their next hook (Kafka also refuses concurrent voter changes).
//!   It stops its service only once `remove-controller` succeeded. Kafka 3.9's guide
//!   (`docs/ops.html`, "Controller membership changes" → "Remove Controller") recommends
//!   shutting the controller down *before* `remove-controller` until KIP-996 (pre-vote) ships,
//!   because a removed controller that still runs may disturb elections; but stopping first
//!   loses the majority whenever two voters are left (or when two departures overlap), and
//!   then no removal can commit at all. Removing first keeps a majority at every step; the
//!   window in which a removed controller still runs is the few seconds until its stop in the
//!   same hook. When the removal cannot succeed (the tool fails) the service keeps running
//!   and the unit waits; if Juju removes the unit anyway, the leader's fallback below
//!   removes its voter;
//! - the leader keeps the voter set in its peer bag (`kraft-voters`) and removes the voters
//!   of units that are gone from the model altogether — the fallback when a departing unit
//!   could not remove itself.

use std::collections::{BTreeMap, BTreeSet};

use charm_sdk::model::Databag;

use crate::config::Roles;
use crate::literals::*;
use crate::peers::internal_address;
use crate::workload::{kraft_node_id, InitialController, InitialControllers};

/// The controller the dynamic quorum is bootstrapped from: the one initial voter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrap {
    /// Its `node.id`.
    pub node_id: u32,
    /// `host:port` of its controller listener.
    pub endpoint: String,
    /// Its metadata directory id.
    pub directory_id: String,
}

impl Bootstrap {
    /// Reads the three keys from a bag (peer app bag, or the controller side of
    /// peer-cluster); `None` when one is missing or malformed.
    pub fn from_bag(bag: &Databag) -> Option<Bootstrap> {
        let get = |k: &str| bag.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let endpoint = get(APP_BOOTSTRAP_CONTROLLER)?;
        let (host, port) = endpoint.rsplit_once(':')?;
        if host.is_empty() || port.parse::<u16>().is_err() || endpoint.contains(',') {
            return None;
        }
        let directory_id = get(APP_BOOTSTRAP_REPLICA_ID)?;
        if !crate::workload::quorum_tool::is_kafka_uuid(directory_id) {
            return None;
        }
        Some(Bootstrap {
            node_id: get(APP_BOOTSTRAP_UNIT_ID)?.parse().ok()?,
            endpoint: endpoint.to_owned(),
            directory_id: directory_id.to_owned(),
        })
    }

    /// The three keys.
    pub fn to_bag(&self) -> Databag {
        [
            (APP_BOOTSTRAP_CONTROLLER.to_owned(), self.endpoint.clone()),
            (APP_BOOTSTRAP_UNIT_ID.to_owned(), self.node_id.to_string()),
            (APP_BOOTSTRAP_REPLICA_ID.to_owned(), self.directory_id.clone()),
        ]
        .into()
    }

    /// The `--initial-controllers` entry.
    pub fn initial_controller(&self) -> Option<InitialController> {
        let (host, port) = self.endpoint.rsplit_once(':')?;
        Some(InitialController {
            id: self.node_id,
            host: host.to_owned(),
            port: port.parse().ok()?,
            directory_id: self.directory_id.clone(),
        })
    }
}

/// What one controller unit reports in its peer bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Unit number.
    pub number: u32,
    /// Its service ran at least once.
    pub started: bool,
    /// It added itself to the voters.
    pub added: bool,
    /// Its metadata directory id, once formatted.
    pub directory_id: Option<String>,
}

/// Everything the decisions depend on, for an application that runs controllers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumView {
    /// The application name.
    pub app: String,
    /// Its roles (node ids depend on them).
    pub roles: Roles,
    /// The controller listener's port.
    pub port: u16,
    /// This unit's number.
    pub me: u32,
    /// The units in the peer relation, this one included.
    pub members: Vec<Member>,
    /// Units that still exist in the model (goal state, dying ones included, and members).
    pub existing: BTreeSet<u32>,
    /// The recorded bootstrap controller.
    pub bootstrap: Option<Bootstrap>,
    /// The leader's record of voters: unit number → directory id.
    pub voters: BTreeMap<u32, String>,
    /// This unit is leaving (Juju named it the departing unit, or goal state says dying).
    pub departing: bool,
    /// The other units known to be leaving: goal state says dying, Juju named one the
    /// departing unit of this hook, or its peer bag says `leaving-quorum`.
    pub leaving: BTreeSet<u32>,
}

/// Peer unit key: this unit is leaving and will remove itself from the voters.
pub const UNIT_LEAVING_QUORUM: &str = "leaving-quorum";

/// What this unit does about its own membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing.
    Nothing,
    /// Run `add-controller` against these bootstrap controllers.
    Add {
        /// `host:port` to reach the quorum through.
        bootstrap: Vec<String>,
    },
    /// Not yet (the reason, for the status).
    Wait(String),
    /// Run `remove-controller` for this node, then (once it succeeded) stop the service.
    Remove(Removal),
}

/// One `remove-controller`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// The unit number the voter belonged to.
    pub unit: u32,
    /// `--controller-id`.
    pub node_id: u32,
    /// `--controller-directory-id`.
    pub directory_id: String,
    /// `host:port` of the remaining voters to reach the quorum through.
    pub bootstrap: Vec<String>,
}

/// The leader's bookkeeping for one run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LeaderWork {
    /// The voter record to keep (unit → directory id), before the removals below.
    pub record: BTreeMap<u32, String>,
    /// Voters of units gone from the model.
    pub removals: Vec<Removal>,
    /// A new bootstrap controller, when the recorded one's unit is gone.
    pub new_bootstrap: Option<Bootstrap>,
}

impl QuorumView {
    /// `host:port` of a unit's controller listener.
    pub fn endpoint(&self, unit: u32) -> String {
        format!("{}:{}", internal_address(&self.app, unit), self.port)
    }

    /// A unit's `node.id`.
    pub fn node_id(&self, unit: u32) -> u32 {
        kraft_node_id(unit, self.roles)
    }

    fn bootstrap_unit(&self) -> Option<u32> {
        let bootstrap = self.bootstrap.as_ref()?;
        self.existing
            .iter()
            .chain(self.voters.keys())
            .copied()
            .find(|n| self.node_id(*n) == bootstrap.node_id)
    }

    fn member(&self, unit: u32) -> Option<&Member> {
        self.members.iter().find(|m| m.number == unit)
    }

    fn is_voter(&self, unit: u32) -> bool {
        self.bootstrap_unit() == Some(unit)
            || self.member(unit).is_some_and(|m| m.added)
            || (self.member(unit).is_none() && self.voters.contains_key(&unit))
    }

    fn directory_of(&self, unit: u32) -> Option<String> {
        if self.bootstrap_unit() == Some(unit) {
            return self.bootstrap.as_ref().map(|b| b.directory_id.clone());
        }
        self.member(unit)
            .and_then(|m| m.directory_id.clone())
            .or_else(|| self.voters.get(&unit).cloned())
    }
}

/// The lowest unit, planned or present: the bootstrap controller of a new quorum.
pub fn bootstrap_for(
    app: &str,
    roles: Roles,
    port: u16,
    units: &BTreeSet<u32>,
    directory_id: &str,
) -> Option<Bootstrap> {
    let first = *units.iter().next()?;
    Some(Bootstrap {
        node_id: kraft_node_id(first, roles),
        endpoint: format!("{}:{port}", internal_address(app, first)),
        directory_id: directory_id.to_owned(),
    })
}

/// How this unit formats its storage.
pub fn format_flags(view: &QuorumView) -> InitialControllers {
    match (&view.bootstrap, view.bootstrap_unit()) {
        (Some(bootstrap), Some(unit)) if unit == view.me => match bootstrap.initial_controller() {
            Some(initial) => InitialControllers::Initial(vec![initial]),
            None => InitialControllers::NoInitialControllers,
        },
        _ => InitialControllers::NoInitialControllers,
    }
}

/// What this unit does about its membership; `running` is whether its service runs now.
pub fn my_step(view: &QuorumView, running: bool) -> Step {
    if !view.roles.controller {
        return Step::Nothing;
    }
    let me = view.me;
    if view.departing {
        if !view.is_voter(me) {
            return Step::Nothing;
        }
        let voters = voter_units(view);
        // One departure at a time: the highest-numbered leaving voter goes first.
        if let Some(first) = voters.iter().rev().find(|n| **n > me && view.leaving.contains(n)) {
            return Step::Wait(format!(
                "waiting for {}/{first} to leave the controller quorum first",
                view.app
            ));
        }
        // The voters that stay must all run, so that the removal commits with a majority.
        let staying: Vec<u32> = voters
            .iter()
            .copied()
            .filter(|n| *n != me && !view.leaving.contains(n))
            .collect();
        if let Some(down) = staying.iter().find(|n| !view.member(**n).is_some_and(|m| m.started)) {
            return Step::Wait(format!(
                "waiting for the controller of {}/{down} to run before leaving the controller quorum",
                view.app
            ));
        }
        let others: Vec<String> = voters
            .into_iter()
            .filter(|n| *n != me && view.existing.contains(n))
            .map(|n| view.endpoint(n))
            .collect();
        return match (view.directory_of(me), others.is_empty()) {
            // The last voter has nobody to hand the quorum to.
            (_, true) | (None, _) => Step::Nothing,
            (Some(directory_id), false) => Step::Remove(Removal {
                unit: me,
                node_id: view.node_id(me),
                directory_id,
                bootstrap: others,
            }),
        };
    }
    if view.is_voter(me) || !running {
        return Step::Nothing;
    }
    let Some(bootstrap) = &view.bootstrap else {
        return Step::Wait("waiting for the bootstrap controller to be chosen".to_owned());
    };
    if let Some(first) = view
        .members
        .iter()
        .find(|m| m.number < me && m.started && !view.is_voter(m.number))
    {
        return Step::Wait(format!(
            "waiting for {}/{} to join the controller quorum first",
            view.app, first.number
        ));
    }
    Step::Add {
        bootstrap: vec![bootstrap.endpoint.clone()],
    }
}

/// The voters as this run knows them: a present unit by its own report (it clears
/// `added-to-quorum` once it left), a unit no longer in the peer relation by the leader's record.
fn voter_units(view: &QuorumView) -> BTreeSet<u32> {
    let mut units: BTreeSet<u32> = view
        .voters
        .keys()
        .copied()
        .filter(|n| view.member(*n).is_none())
        .collect();
    units.extend(view.bootstrap_unit());
    units.extend(view.members.iter().filter(|m| m.added).map(|m| m.number));
    units
}

/// The leader's bookkeeping: record the voters the units reported, remove the voters of units
/// that are gone from the model, and move the bootstrap controller off a gone unit.
pub fn leader_work(view: &QuorumView) -> LeaderWork {
    let mut record = view.voters.clone();
    if let (Some(unit), Some(bootstrap)) = (view.bootstrap_unit(), &view.bootstrap) {
        record.insert(unit, bootstrap.directory_id.clone());
    }
    for member in &view.members {
        if let (true, Some(dir)) = (member.added, &member.directory_id) {
            record.insert(member.number, dir.clone());
        }
    }
    let (gone, kept): (Vec<u32>, Vec<u32>) = record.keys().copied().partition(|n| !view.existing.contains(n));
    let remaining: Vec<String> = kept.iter().map(|n| view.endpoint(*n)).collect();
    let removals = if remaining.is_empty() {
        Vec::new()
    } else {
        gone.iter()
            .map(|n| Removal {
                unit: *n,
                node_id: view.node_id(*n),
                directory_id: record[n].clone(),
                bootstrap: remaining.clone(),
            })
            .collect()
    };
    let new_bootstrap = match view.bootstrap_unit() {
        Some(unit) if !view.existing.contains(&unit) => kept.first().map(|n| Bootstrap {
            node_id: view.node_id(*n),
            endpoint: view.endpoint(*n),
            directory_id: record[n].clone(),
        }),
        _ => None,
    };
    LeaderWork {
        record,
        removals,
        new_bootstrap,
    }
}

/// Encodes the voter record for [`APP_KRAFT_VOTERS`].
pub fn encode_voters(voters: &BTreeMap<u32, String>) -> String {
    if voters.is_empty() {
        String::new()
    } else {
        serde_json::to_string(voters).unwrap_or_default()
    }
}

/// Decodes [`APP_KRAFT_VOTERS`] (empty on garbage).
pub fn decode_voters(text: Option<&str>) -> BTreeMap<u32, String> {
    text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTL: Roles = Roles {
        broker: false,
        controller: true,
        balancer: false,
    };

    fn member(number: u32, started: bool, added: bool, dir: Option<&str>) -> Member {
        Member {
            number,
            started,
            added,
            directory_id: dir.map(str::to_owned),
        }
    }

    fn view(me: u32, members: Vec<Member>) -> QuorumView {
        let existing = members.iter().map(|m| m.number).collect();
        QuorumView {
            app: "ctl".into(),
            roles: CTL,
            port: 9097,
            me,
            members,
            existing,
            bootstrap: bootstrap_for("ctl", CTL, 9097, &[0].into(), "AAAAAAAAAAAAAAAAAAAAAQ"),
            voters: BTreeMap::new(),
            departing: false,
            leaving: BTreeSet::new(),
        }
    }

    #[test]
    fn only_the_bootstrap_controller_formats_with_initial_controllers() {
        let v = view(0, vec![member(0, false, false, None)]);
        assert_eq!(
            format_flags(&v),
            InitialControllers::Initial(vec![InitialController {
                id: 0,
                host: "ctl-0.ctl-endpoints".into(),
                port: 9097,
                directory_id: "AAAAAAAAAAAAAAAAAAAAAQ".into()
            }])
        );
        let v = view(1, vec![member(0, true, false, None), member(1, false, false, None)]);
        assert_eq!(format_flags(&v), InitialControllers::NoInitialControllers);
    }

    #[test]
    fn new_controllers_join_one_at_a_time_lowest_first() {
        let members = vec![
            member(0, true, false, None),
            member(1, true, false, Some("BBBBBBBBBBBBBBBBBBBBBQ")),
            member(2, true, false, Some("CCCCCCCCCCCCCCCCCCCCCQ")),
        ];
        assert_eq!(
            my_step(&view(0, members.clone()), true),
            Step::Nothing,
            "bootstrap is a voter"
        );
        assert_eq!(
            my_step(&view(1, members.clone()), true),
            Step::Add {
                bootstrap: vec!["ctl-0.ctl-endpoints:9097".into()]
            }
        );
        assert_eq!(
            my_step(&view(2, members.clone()), true),
            Step::Wait("waiting for ctl/1 to join the controller quorum first".into())
        );
        assert_eq!(my_step(&view(1, members), false), Step::Nothing, "not before it runs");
    }

    #[test]
    fn a_departing_voter_removes_itself_through_the_others() {
        let members = vec![
            member(0, true, false, None),
            member(1, true, true, Some("BBBBBBBBBBBBBBBBBBBBBQ")),
        ];
        let mut v = view(1, members);
        v.departing = true;
        assert_eq!(
            my_step(&v, true),
            Step::Remove(Removal {
                unit: 1,
                node_id: 1,
                directory_id: "BBBBBBBBBBBBBBBBBBBBBQ".into(),
                bootstrap: vec!["ctl-0.ctl-endpoints:9097".into()],
            })
        );
        // The last voter keeps its quorum.
        let mut alone = view(0, vec![member(0, true, false, None)]);
        alone.departing = true;
        assert_eq!(my_step(&alone, true), Step::Nothing);
    }

    #[test]
    fn departing_voters_leave_one_at_a_time_highest_first_while_the_rest_runs() {
        let members = vec![
            member(0, true, false, None),
            member(1, true, true, Some("BBBBBBBBBBBBBBBBBBBBBQ")),
            member(2, true, true, Some("CCCCCCCCCCCCCCCCCCCCCQ")),
        ];
        // 3 → 1: units 1 and 2 both leave. Unit 1 waits for unit 2.
        let mut one = view(1, members.clone());
        one.departing = true;
        one.leaving = [2].into();
        assert_eq!(
            my_step(&one, true),
            Step::Wait("waiting for ctl/2 to leave the controller quorum first".into())
        );
        let mut two = view(2, members.clone());
        two.departing = true;
        two.leaving = [1].into();
        assert_eq!(
            my_step(&two, true),
            Step::Remove(Removal {
                unit: 2,
                node_id: 2,
                directory_id: "CCCCCCCCCCCCCCCCCCCCCQ".into(),
                bootstrap: vec!["ctl-0.ctl-endpoints:9097".into(), "ctl-1.ctl-endpoints:9097".into()],
            })
        );
        // Once unit 2 is no voter any more, unit 1 goes.
        let mut after = members.clone();
        after[2].added = false;
        let mut one = view(1, after);
        one.departing = true;
        one.leaving = [2].into();
        assert!(matches!(my_step(&one, true), Step::Remove(r) if r.bootstrap == ["ctl-0.ctl-endpoints:9097"]));
        // A staying voter that does not run holds every departure.
        let mut down = members;
        down[0].started = false;
        let mut two = view(2, down);
        two.departing = true;
        assert_eq!(
            my_step(&two, true),
            Step::Wait("waiting for the controller of ctl/0 to run before leaving the controller quorum".into())
        );
    }

    #[test]
    fn the_leader_removes_voters_of_units_gone_from_the_model() {
        let mut v = view(0, vec![member(0, true, false, None)]);
        v.voters = [
            (0, "AAAAAAAAAAAAAAAAAAAAAQ".into()),
            (2, "CCCCCCCCCCCCCCCCCCCCCQ".into()),
        ]
        .into();
        let work = leader_work(&v);
        assert_eq!(work.removals.len(), 1);
        assert_eq!(work.removals[0].node_id, 2);
        assert_eq!(work.removals[0].bootstrap, vec!["ctl-0.ctl-endpoints:9097".to_owned()]);
        assert_eq!(work.new_bootstrap, None);
        // A dying unit still exists: its own hook removes it.
        v.existing.insert(2);
        assert!(leader_work(&v).removals.is_empty());
    }

    #[test]
    fn bags_round_trip_and_reject_lists() {
        let b = bootstrap_for("ctl", CTL, 9097, &[3, 5].into(), "AAAAAAAAAAAAAAAAAAAAAQ").unwrap();
        assert_eq!(b.node_id, 3);
        assert_eq!(Bootstrap::from_bag(&b.to_bag()), Some(b.clone()));
        let mut bag = b.to_bag();
        bag.insert(APP_BOOTSTRAP_CONTROLLER.into(), "a:1,b:2".into());
        assert_eq!(Bootstrap::from_bag(&bag), None);
        let voters: BTreeMap<u32, String> = [(1, "x".into())].into();
        assert_eq!(decode_voters(Some(&encode_voters(&voters))), voters);
        assert!(decode_voters(Some("{garbage")).is_empty());
    }
}
