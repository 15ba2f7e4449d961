//! Rolling restarts across units, in-process: a configuration change restarts one broker at
//! a time, holding the lock in the peer application bag.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use std::collections::BTreeMap;

use charm_sdk::model::StatusKind;
use charm_support::*;
use charm_testing::{PeerRelation, RunOutput, State, TestEvent};

/// The peer relation seen from unit `me` of three, with the given app bag and peers' bags.
fn peers_of(me: u32, app: &BTreeMap<String, String>, bags: &[(u32, &[(&str, &str)])]) -> PeerRelation {
    let mut peers = PeerRelation::new("cluster").id(PEER_ID).local_app_data(app.clone());
    for n in (0..3).filter(|n| *n != me) {
        let pairs: Vec<(String, String)> = bags
            .iter()
            .find(|(u, _)| *u == n)
            .map(|(_, p)| p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
            .unwrap_or_default();
        peers = peers.peer_data(n, pairs);
    }
    peers
}

/// Unit `me` (not the leader) started with the leader's secrets and app bag.
fn started_follower(me: u32, leader: &RunOutput) -> RunOutput {
    let secret = leader.state.secret_by_label("cluster.kafka-k8s.app").unwrap().clone();
    let state = with_zookeeper(base_with(
        false,
        peers_of(me, &peer_app(leader), &[]),
        kafka_container(),
    ))
    .unit_number(me)
    .secret(secret);
    let out = run(TestEvent::config_changed(), state);
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{}", out.unit_status());
    out
}

fn with_peers(mut state: State, peers: PeerRelation) -> State {
    state.peers = vec![peers];
    state
}

#[test]
fn a_config_change_restarts_one_broker_at_a_time() {
    reset();
    let leader = run(
        TestEvent::config_changed(),
        with_zookeeper(base_with(true, peers_of(0, &BTreeMap::new(), &[]), kafka_container())),
    );
    let follower = started_follower(1, &leader);
    let app = peer_app(&leader);

    // The follower sees the new option: it asks for the lock and keeps running.
    let change = [("log-retention-ms", "3600000")];
    let out = run(TestEvent::config_changed(), follower.state.clone().config(change));
    assert_eq!(peer_unit(&out)["restart"], "requested");
    assert_eq!(out.unit_status().kind, StatusKind::Waiting, "{}", out.unit_status());
    assert_eq!(starts(&out), 1, "no restart without the lock");
    assert!(!file(&out, "/etc/kafka/server.properties")
        .unwrap()
        .contains("log.retention.ms=3600000"));

    // The leader needs it too: it restarts itself first, then hands the lock to unit 1.
    let peers = peers_of(0, &app, &[(1, &[("restart", "requested"), ("state", "started")])]);
    let out = run(
        TestEvent::config_changed(),
        with_peers(leader.state.clone(), peers).config(change),
    );
    assert_eq!(starts(&out), 2, "the leader restarted once");
    assert!(file(&out, "/etc/kafka/server.properties")
        .unwrap()
        .contains("log.retention.ms=3600000"));
    assert_eq!(peer_app(&out)["restart-lock"], "kafka-k8s/1");
    let app = peer_app(&out);

    // Unit 1 holds the lock: it restarts and is done.
    let peers = peers_of(1, &app, &[]);
    let out1 = run(
        TestEvent::relation_changed(&peers),
        with_peers(follower.state.clone(), peers).config(change),
    );
    assert_eq!(starts(&out1), 2);
    assert_eq!(peer_unit(&out1).get("restart"), None);
    assert_eq!(out1.unit_status().kind, StatusKind::Active, "{}", out1.unit_status());

    // Unit 2, while unit 1 still counts as restarting, waits for its turn.
    let follower2 = started_follower(2, &leader);
    let peers = peers_of(2, &app, &[(1, &[("restart", "restarted")])]);
    let out2 = run(
        TestEvent::relation_changed(&peers),
        with_peers(follower2.state.clone(), peers).config(change),
    );
    assert_eq!(starts(&out2), 1);
    assert_eq!(peer_unit(&out2)["restart"], "requested");
}

#[test]
fn the_leader_releases_the_lock_when_nobody_needs_it() {
    reset();
    let leader = run(
        TestEvent::config_changed(),
        with_zookeeper(base_with(true, peers_of(0, &BTreeMap::new(), &[]), kafka_container())),
    );
    let mut app = peer_app(&leader);
    app.insert("restart-lock".into(), "kafka-k8s/2".into());
    let peers = peers_of(0, &app, &[(2, &[("state", "started")])]);
    let out = run(TestEvent::update_status(), with_peers(leader.state.clone(), peers));
    assert_eq!(peer_app(&out).get("restart-lock"), None);
}
