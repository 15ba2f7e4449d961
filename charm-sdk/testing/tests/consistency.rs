//! The consistency checker refuses impossible states, naming every problem at once.

mod demo_charm;

use charm_testing::pebble::ContainerState;
use charm_testing::{
    assert_inconsistent, Container, Context, PeerRelation, Relation, RunError, Secret, State, Storage, TestEvent,
};
use demo_charm::Demo;

fn problems(result: Result<charm_testing::RunOutput, RunError>) -> Vec<String> {
    match result {
        Err(RunError::Inconsistent(problems)) => problems,
        Err(other) => panic!("expected an inconsistency, got {other}"),
        Ok(_) => panic!("expected an inconsistency, the hook ran"),
    }
}

#[test]
fn every_problem_is_reported_together() {
    let ctx = Context::<Demo>::new();
    let state = State::default()
        .config([("prot", 1)])
        .config([("port", "eighty")])
        .relation(Relation::new("dbx").id(7))
        .relation(Relation::new("cluster").id(8))
        .peer(PeerRelation::new("db").id(7))
        .container(Container::new("sidecar"))
        .storage(Storage::new("logs"));
    let found = problems(ctx.run(TestEvent::update_status(), state));
    let expect = [
        r#"config option "prot" is not declared in charmcraft.yaml (declared: admin-secret, fail, port, refresh)"#,
        r#"config option "port" has type int in charmcraft.yaml, but the state sets "eighty""#,
        r#"relation endpoint "dbx" is not declared"#,
        r#"endpoint "cluster" is a peer endpoint; use PeerRelation::new("cluster")"#,
        r#"endpoint "db" is not a peer endpoint; use Relation::new("db")"#,
        "relation id 7 is used twice",
        r#"container "sidecar" is not declared in charmcraft.yaml (declared: workload)"#,
        r#"storage "logs" is not declared in charmcraft.yaml (declared: data)"#,
    ];
    for needle in expect {
        assert!(
            found.iter().any(|p| p.contains(needle)),
            "missing {needle:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
}

#[test]
fn events_must_be_about_things_in_the_state() {
    let ctx = Context::<Demo>::new();
    let db = Relation::new("db").remote_units(2);
    let r = ctx.run(TestEvent::relation_changed(&db), State::default());
    assert_inconsistent(&r, "which is not in the state; add it with State::relation(...)");

    let r = ctx.run(
        TestEvent::relation_joined(&db, 5),
        State::default().relation(db.clone()),
    );
    assert_inconsistent(&r, "names remote unit remote/5, which is not in relation");

    let r = ctx.run(
        TestEvent::relation_created(&db).remote_unit(0),
        State::default().relation(db.clone()),
    );
    assert_inconsistent(&r, "cannot have a remote unit");

    let r = ctx.run(TestEvent::pebble_ready("workload"), State::default());
    assert_inconsistent(&r, r#"container "workload", which is not in the state"#);
    let r = ctx.run(
        TestEvent::pebble_ready("workload"),
        State::default().container(Container::new("workload")),
    );
    assert_inconsistent(&r, "cannot connect");
    let ok = State::default()
        .container(Container::new("workload").with_state(ContainerState::connectable().with_dir("/etc")));
    assert!(ctx.run(TestEvent::pebble_ready("workload"), ok).is_ok());

    let secret = Secret::new([("password", "x")]);
    assert_inconsistent(
        &ctx.run(TestEvent::secret_changed(&secret), State::default()),
        "which is not in the state",
    );
    let owned = Secret::new([("password", "x")]).owner_app();
    let r = ctx.run(
        TestEvent::secret_changed(&owned),
        State::default().leader(true).secret(owned.clone()),
    );
    assert_inconsistent(&r, "never to its owner");
    let r = ctx.run(
        TestEvent::secret_rotate(&secret),
        State::default().secret(secret.clone()),
    );
    assert_inconsistent(&r, "this charm does not own it");
    let r = ctx.run(TestEvent::secret_rotate(&owned), State::default().secret(owned.clone()));
    assert_inconsistent(&r, "goes to the leader");

    let data = Storage::new("data");
    assert_inconsistent(
        &ctx.run(TestEvent::storage_attached(&data), State::default()),
        "storage data/0",
    );

    assert_inconsistent(
        &ctx.run(TestEvent::action("reboot"), State::default()),
        r#"action "reboot" is not declared"#,
    );
    let r = ctx.run(TestEvent::action("set-greeting").param("greeting", 3), State::default());
    assert_inconsistent(&r, r#"parameter "greeting" must be of type string"#);

    assert_inconsistent(
        &ctx.run(TestEvent::leader_elected(), State::default()),
        "leader-elected fires only on the new leader",
    );
}

#[test]
fn relation_shapes_juju_forbids() {
    let ctx = Context::<Demo>::new();
    let two_backends = State::default()
        .relation(Relation::new("backend"))
        .relation(Relation::new("backend"));
    assert_inconsistent(&ctx.run(TestEvent::update_status(), two_backends), "has limit 1");

    let to_self = State::default().relation(Relation::new("db").remote_app("demo"));
    assert_inconsistent(
        &ctx.run(TestEvent::update_status(), to_self),
        "only through peer endpoints",
    );

    let wrong_interface = State::default().relation(Relation::new("db").interface("mysql"));
    assert_inconsistent(
        &ctx.run(TestEvent::update_status(), wrong_interface),
        r#"charmcraft.yaml declares "demo-db""#,
    );

    let self_as_peer = State::default().peer(PeerRelation::new("cluster").peer_data(0, [("a", "b")]));
    assert_inconsistent(
        &ctx.run(TestEvent::update_status(), self_as_peer),
        "but that is this unit",
    );

    let backend = Relation::new("backend");
    let secret = Secret::new([("password", "x")]).granted_by(&backend);
    assert_inconsistent(
        &ctx.run(TestEvent::update_status(), State::default().secret(secret)),
        "is not in the state",
    );

    let bad_secret_config = State::default().config([("admin-secret", "not a uri")]);
    assert_inconsistent(
        &ctx.run(TestEvent::update_status(), bad_secret_config),
        "must be a secret URI",
    );
}
