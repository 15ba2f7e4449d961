//! The demo charm's worlds as fake-Juju fixtures, shared by the process tests and the
//! benchmark: a leader with a peer and a client, a follower, and the steady state after a
//! successful install, with the calls a reconcile makes in it.

use serde_json::json;

use super::juju::{Answer, FakeJuju, APP, UNIT};

/// The admin secret's URI (also what the fake `secret-add` prints).
pub(crate) const ADMIN_URI: &str = "secret:d1e2m3o4s5e6c7r8e9t0";
/// The peer relation `cluster:1`, with `demo/1`.
pub(crate) const PEER: u32 = 1;
/// The provided relation `website:3`, with `client/0`.
pub(crate) const WEBSITE: u32 = 3;
/// The required relation `backend:5`, with `upstream/0` (only where a test adds it).
pub(crate) const BACKEND: u32 = 5;

/// A leader whose admin secret exists and is published to the peers, with one client on
/// `website:3` whose bags are still empty.
pub(crate) fn leader(base: FakeJuju) -> FakeJuju {
    base.leader(true)
        .peer("cluster", PEER, &["demo/1"])
        .bag(PEER, APP, true, json!({"admin-secret": ADMIN_URI}))
        .owned_secret("admin-password", ADMIN_URI)
        .relation("website", WEBSITE, "client", &["client/0"])
}

/// A non-leader that finds the admin secret's URI in the peer application bag.
pub(crate) fn follower(base: FakeJuju) -> FakeJuju {
    base.leader(false)
        .peer("cluster", PEER, &["demo/1"])
        .bag(PEER, APP, true, json!({"admin-secret": ADMIN_URI}))
        .relation("website", WEBSITE, "client", &["client/0"])
}

/// [`leader`] after a successful install: the client bags hold what the charm writes and
/// port 8080 is open, so a reconcile has nothing to change.
pub(crate) fn steady_leader(base: FakeJuju) -> FakeJuju {
    leader(base)
        .bag(
            WEBSITE,
            UNIT,
            false,
            json!({"hostname": "10.1.2.3", "port": "8080", "ingress-address": "10.1.2.3"}),
        )
        .bag(
            WEBSITE,
            APP,
            true,
            json!({"url": "http://demo-endpoints:8080/", "secret-user": ADMIN_URI}),
        )
        .answer("opened-ports", &[], Answer::json(json!(["8080/tcp"])))
}

/// Every call of a [`steady_leader`]'s reconcile: one read per fact, no write but the
/// status (the grant is made only when the client app bag changes).
pub(crate) const STEADY_LEADER: [&str; 11] = [
    "config-get --format=json --all",
    "is-leader --format=json",
    "relation-ids cluster --format=json",
    "relation-get --format=json -r 1 --app - demo",
    "relation-ids backend --format=json",
    "opened-ports --format=json",
    "network-get --format=json website",
    "relation-ids website --format=json",
    "relation-get --format=json -r 3 - demo/0",
    "relation-get --format=json -r 3 --app - demo",
    "status-set --application=false active -- \"serving on :8080\"",
];

/// What a reconcile that changes nothing asks Pebble: compare the page, compare the plan.
pub(crate) const STEADY_PEBBLE: [&str; 3] = ["GET /v1/files list", "GET /v1/files read", "GET /v1/plan"];
