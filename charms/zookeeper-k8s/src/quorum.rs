//! Ordered membership: who may start, with which servers, and what the leader changes.
//!
//! ZooKeeper keeps its quorum only if members join and leave one at a time, so (as the Python
//! charm does, reference sheet §6.3):
//! - a fresh ensemble starts with the lowest unit alone (the "init leader");
//! - every later unit starts as an *observer* next to the members already added, and only
//!   when it is the lowest unit not yet added and no other unit is still joining;
//! - the leader promotes a started observer to participant with `reconfig` once it has
//!   synced, and removes departed units with `reconfig` before anything else;
//! - the leader records each change in the application bag (`"<n>": "added" | "removed"`).
//!
//! These are pure functions of the [`Cluster`]; the leader's side effects are in `leader`.

use crate::peers::{Cluster, Server};
use crate::render::{Role, ServerLine};

/// What this unit should do about starting its server for the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Startup {
    /// Start with this dynamic configuration.
    Start(Vec<ServerLine>),
    /// Not yet; the reason, for the status.
    Wait(String),
}

/// The lowest unit of a fresh ensemble: the first to start.
pub fn init_leader(cluster: &Cluster) -> Option<u32> {
    cluster
        .planned
        .iter()
        .copied()
        .chain(cluster.servers().iter().map(|s| s.number))
        .min()
}

/// Whether this unit may start now, and with which servers. Called only while its server is
/// not running; a unit that was a member before (pod restarted) rejoins at once.
pub fn startup(cluster: &Cluster) -> Startup {
    let app = &cluster.app;
    let me = &cluster.me;
    let members = cluster.members();
    let member_lines = |extra: Option<ServerLine>| -> Vec<ServerLine> {
        let mut lines: Vec<ServerLine> = members
            .iter()
            .filter(|s| s.number != me.number)
            .map(|s| s.line(app, Role::Participant))
            .collect();
        lines.extend(extra);
        lines.sort();
        lines
    };
    let is_member = members.iter().any(|s| s.number == me.number);
    if is_member {
        return Startup::Start(member_lines(Some(me.line(app, Role::Participant))));
    }
    if !cluster.all_related() {
        let present = cluster.planned.iter().filter(|n| cluster.server(**n).is_some()).count();
        return Startup::Wait(format!(
            "waiting for all units to join the peer relation ({present}/{})",
            cluster.planned.len()
        ));
    }
    if members.is_empty() {
        // A fresh ensemble (or every member gone): the lowest unit starts alone.
        let Some(first) = init_leader(cluster) else {
            return Startup::Wait("waiting for the peer relation".to_owned());
        };
        if first == me.number {
            return Startup::Start(vec![me.line(app, Role::Participant)]);
        }
        let started = cluster.server(first).is_some_and(Server::started);
        return Startup::Wait(if started {
            format!(
                "waiting for the leader to add {} to the quorum",
                cluster.unit_name(first)
            )
        } else {
            format!("waiting for {} to start the ensemble", cluster.unit_name(first))
        });
    }
    if me.started() {
        // Started as an observer before this pod restarted: same configuration again.
        return Startup::Start(member_lines(Some(me.line(app, Role::Observer))));
    }
    if let Some(joining) = cluster
        .servers()
        .into_iter()
        .find(|s| s.started() && !is_added(cluster, s.number))
    {
        return Startup::Wait(format!(
            "waiting for {} to join the quorum first",
            cluster.unit_name(joining.number)
        ));
    }
    let next = cluster
        .servers()
        .into_iter()
        .find(|s| !is_added(cluster, s.number))
        .map(|s| s.number);
    if next != Some(me.number) {
        let next = next.map(|n| cluster.unit_name(n)).unwrap_or_default();
        return Startup::Wait(format!("waiting for {next} to join the quorum first"));
    }
    Startup::Start(member_lines(Some(me.line(app, Role::Observer))))
}

fn is_added(cluster: &Cluster, number: u32) -> bool {
    cluster.app_data.added().contains(&number)
}

/// What the leader has to change in the membership.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipWork {
    /// The init leader started: record it as added (no reconfig needed).
    pub init_started: Option<u32>,
    /// Members whose units left: remove them (unit numbers).
    pub departed: Vec<u32>,
    /// A started observer to promote (the lowest one).
    pub joiner: Option<u32>,
}

impl MembershipWork {
    /// Whether a session with the ensemble is needed.
    pub fn needs_ensemble(&self) -> bool {
        !self.departed.is_empty() || self.joiner.is_some()
    }
}

/// The leader's membership work for `cluster`.
pub fn membership_work(cluster: &Cluster) -> MembershipWork {
    let added = cluster.app_data.added();
    let present: Vec<u32> = cluster.servers().iter().map(|s| s.number).collect();
    let departed: Vec<u32> = added.iter().copied().filter(|n| !present.contains(n)).collect();
    let live_members = added.iter().filter(|n| present.contains(n)).count();
    if live_members == 0 {
        let init_started = init_leader(cluster).filter(|n| cluster.server(*n).is_some_and(Server::started));
        return MembershipWork {
            init_started,
            departed,
            joiner: None,
        };
    }
    let joiner = cluster
        .started()
        .into_iter()
        .find(|s| !added.contains(&s.number))
        .map(|s| s.number);
    MembershipWork {
        init_started: None,
        departed,
        joiner,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::AppData;
    use crate::peers::Server;
    use charm_sdk::prelude::Databag;

    fn server(number: u32, started: bool) -> Server {
        let mut bag = Databag::new();
        if started {
            bag.insert("state".into(), "started".into());
        }
        Server { number, bag }
    }

    fn cluster(me: u32, servers: &[(u32, bool)], app: &[(&str, &str)]) -> Cluster {
        let all: Vec<Server> = servers.iter().map(|(n, s)| server(*n, *s)).collect();
        Cluster {
            app: "zk".into(),
            app_data: AppData(app.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            me: all.iter().find(|s| s.number == me).cloned().expect("me"),
            peers: all.iter().filter(|s| s.number != me).cloned().collect(),
            planned: servers.iter().map(|(n, _)| *n).collect(),
        }
    }

    #[test]
    fn the_lowest_unit_starts_alone_and_the_others_wait() {
        let first = cluster(0, &[(0, false), (1, false)], &[]);
        let Startup::Start(lines) = startup(&first) else {
            panic!("unit 0 waits")
        };
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0].to_string(),
            "server.1=zk-0.zk-endpoints:2888:3888:participant;0.0.0.0:2181"
        );
        let second = cluster(1, &[(0, false), (1, false)], &[]);
        assert_eq!(
            startup(&second),
            Startup::Wait("waiting for zk/0 to start the ensemble".into())
        );
    }

    #[test]
    fn later_units_join_in_order_as_observers() {
        let c = cluster(2, &[(0, true), (1, false), (2, false)], &[("0", "added")]);
        assert_eq!(
            startup(&c),
            Startup::Wait("waiting for zk/1 to join the quorum first".into())
        );
        let c = cluster(1, &[(0, true), (1, false), (2, false)], &[("0", "added")]);
        let Startup::Start(lines) = startup(&c) else {
            panic!("unit 1 waits")
        };
        assert_eq!(lines[1].role, Role::Observer);
        let c = cluster(2, &[(0, true), (1, true), (2, false)], &[("0", "added")]);
        assert_eq!(
            startup(&c),
            Startup::Wait("waiting for zk/1 to join the quorum first".into())
        );
    }

    #[test]
    fn leader_work_marks_init_promotes_and_removes() {
        let c = cluster(0, &[(0, true), (1, false)], &[]);
        assert_eq!(membership_work(&c).init_started, Some(0));
        let c = cluster(0, &[(0, true), (1, true), (2, true)], &[("0", "added")]);
        assert_eq!(membership_work(&c).joiner, Some(1));
        let c = cluster(
            0,
            &[(0, true), (2, true)],
            &[("0", "added"), ("1", "added"), ("2", "added")],
        );
        let work = membership_work(&c);
        assert_eq!((work.departed.as_slice(), work.joiner), (&[1][..], None));
    }
}
