//! Runs the demo charm through `Context::run`: commits, discards, secrets, env, actions.

mod demo_charm;

use charm_testing::pebble::ContainerState;
use charm_testing::{
    assert_action_results, assert_calls, assert_hook_failed, assert_opened_ports, assert_relation_app_data,
    assert_relation_unit_data, assert_status, Container, Context, PeerRelation, Relation, RunError, Secret,
    SecretOwnership, State, TestEvent,
};
use demo_charm::Demo;
use juju_model::tools::Port;
use juju_model::Status;

fn ready() -> State {
    State::default().container(Container::new("workload").with_state(ContainerState::connectable().with_dir("/etc")))
}

#[test]
fn leader_publishes_commits_and_triggers_remote_units() {
    let ctx = Context::<Demo>::new();
    let db = Relation::new("db").remote_app("client").remote_units(2);
    let state = ready().leader(true).config([("port", 9000)]).relation(db.clone());
    let out = ctx.run(TestEvent::relation_changed(&db), state).unwrap();

    assert_status(&out, Status::active(""));
    assert_relation_unit_data(&out, &db, [("port", "9000")]);
    let secret = out
        .state
        .secret_by_label("admin")
        .expect("the leader created the secret");
    assert_eq!(secret.owner, SecretOwnership::App);
    assert_eq!(secret.tracked_content["password"], "s3cret");
    assert_eq!(secret.remote_grants[&db.id].iter().collect::<Vec<_>>(), ["client"]);
    assert_relation_app_data(
        &out,
        &db,
        [("endpoint", "demo:9000"), ("secret-user", secret.uri().as_str())],
    );
    assert_opened_ports(&out, [Port::Tcp(9000)]);
    assert_eq!(out.state.unit_state["seen"], "\"yes\"");
    assert_eq!(out.state.unit_state["db-units"], "2");
    let conf = out
        .state
        .get_container("workload")
        .unwrap()
        .state
        .file_text("/etc/demo.conf");
    assert_eq!(conf.as_deref(), Some("port=9000\n"));
    assert_calls(&out, "secret-add", 1);
    assert_calls(&out, "relation-set", 2);
    assert!(
        out.calls.iter().all(|c| !c.contains("s3cret")),
        "secret values never appear in calls: {:?}",
        out.calls
    );

    // The remote units (not this one) get relation-changed for both bags.
    let triggered: Vec<String> = out
        .triggered
        .iter()
        .map(|h| {
            format!(
                "{} {}",
                h.unit,
                h.remote_unit.as_ref().map(ToString::to_string).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        triggered,
        ["client/0 demo/0", "client/1 demo/0", "client/0 ", "client/1 "]
    );

    // Running again changes nothing: no relation-set, no new secret.
    let again = ctx.run(TestEvent::update_status(), out.state.clone()).unwrap();
    assert_calls(&again, "relation-set", 0);
    assert_calls(&again, "secret-add", 0);
    assert_eq!(again.state.secrets, out.state.secrets);
}

#[test]
fn non_leader_writes_only_its_own_unit_bag() {
    let ctx = Context::<Demo>::new();
    let db = Relation::new("db");
    let out = ctx
        .run(TestEvent::config_changed(), ready().leader(false).relation(db.clone()))
        .unwrap();
    assert_relation_app_data(&out, &db, [] as [(&str, &str); 0]);
    assert_relation_unit_data(&out, &db, [("port", "8080")]);
    assert!(out.state.secrets.is_empty());
    assert!(
        out.refusals.is_empty(),
        "the SDK never asks what Juju would refuse: {:?}",
        out.refusals
    );
}

#[test]
fn failed_hook_discards_every_buffered_write() {
    let ctx = Context::<Demo>::new();
    let db = Relation::new("db").remote_app("client");
    let state = ready()
        .leader(true)
        .config([("fail", true)])
        .relation(db.clone())
        .unit_status(Status::maintenance("before"));
    let output = assert_hook_failed(ctx.run(TestEvent::config_changed(), state.clone()), "asked to fail");

    // Relation data, unit state, ports and the new secret are all gone...
    assert_eq!(output.state.relations, state.relations);
    assert_eq!(output.state.unit_state, state.unit_state);
    assert!(output.state.opened_ports.is_empty());
    assert!(output.state.secrets.is_empty());
    // ...but the calls happened, and the log line went out at once.
    assert_calls(&output, "relation-set", 2);
    assert!(
        output.logs.iter().any(|(_, l)| l.contains("asked to fail")),
        "{:?}",
        output.logs
    );
    assert_eq!(
        output.state.unit_status,
        Status::maintenance("before"),
        "no status was set"
    );
}

#[test]
fn unreachable_pebble_waits_and_still_commits() {
    let ctx = Context::<Demo>::new();
    let out = ctx
        .run(
            TestEvent::config_changed(),
            State::default().container(Container::new("workload")),
        )
        .unwrap();
    assert_status(&out, Status::waiting("waiting for Pebble in container workload"));
    assert_eq!(out.state.unit_state["seen"], "\"yes\"");
    assert_eq!(
        out.unit_status_history,
        [Status::waiting("waiting for Pebble in container workload")]
    );
}

#[test]
fn secrets_pin_and_refresh() {
    let ctx = Context::<Demo>::new();
    let secret = Secret::new([("username", "admin")]).latest_content([("username", "root")]);
    let state = ready().config([("admin-secret", secret.uri())]).secret(secret.clone());

    let pinned = ctx.run(TestEvent::config_changed(), state.clone()).unwrap();
    assert_eq!(pinned.state.unit_state["admin-user"], "\"admin\"");
    let after = pinned.state.get_secret(&secret.id).unwrap();
    assert_eq!(after.tracked_content["username"], "admin");
    assert_eq!(after.latest_content.as_ref().unwrap()["username"], "root");

    let refreshed = ctx
        .run(TestEvent::secret_changed(&secret), state.config([("refresh", true)]))
        .unwrap();
    assert_eq!(refreshed.state.unit_state["admin-user"], "\"root\"");
    let after = refreshed.state.get_secret(&secret.id).unwrap();
    assert_eq!(after.tracked_content["username"], "root");
    assert_eq!(after.latest_content, None);
}

#[test]
fn another_apps_secret_is_readable_only_through_its_relation() {
    let ctx = Context::<Demo>::new();
    let backend = Relation::new("backend").remote_app("vault");
    let secret = Secret::new([("username", "svc")])
        .granted_by(&backend)
        .label("vault-creds");
    let state = ready()
        .config([("admin-secret", secret.uri())])
        .relation(backend.clone())
        .secret(secret.clone());
    let out = ctx.run(TestEvent::config_changed(), state).unwrap();
    assert_eq!(out.state.unit_state["admin-user"], "\"svc\"");
    assert_eq!(
        out.state.get_secret(&secret.id).unwrap().label.as_deref(),
        Some("vault-creds")
    );
}

#[test]
fn environment_is_what_juju_exports() {
    let ctx = Context::<Demo>::new();
    let db = Relation::new("db").remote_app("client").remote_units(2);
    let cluster = PeerRelation::new("cluster").peers(2);
    let state = ready().relation(db.clone()).peer(cluster.clone());

    let out = ctx.run(TestEvent::relation_created(&db), state.clone()).unwrap();
    assert_eq!(out.env.dispatch_path, "hooks/db-relation-created");
    assert_eq!(out.env.remote_unit, None);
    assert_eq!(
        out.env.remote_app.as_ref().map(ToString::to_string).as_deref(),
        Some("client")
    );
    assert_eq!(out.env.relation_id, Some(db.id));

    let out = ctx.run(TestEvent::relation_changed(&db), state.clone()).unwrap();
    assert_eq!(
        out.env.remote_unit.as_ref().map(ToString::to_string).as_deref(),
        Some("client/0")
    );
    let out = ctx
        .run(TestEvent::relation_changed(&db).app_only(), state.clone())
        .unwrap();
    assert_eq!(out.env.remote_unit, None);

    // The departing unit has left: the charm counts one remote unit.
    let out = ctx.run(TestEvent::relation_departed(&db, 1), state.clone()).unwrap();
    assert_eq!(
        out.env.departing_unit.as_ref().map(ToString::to_string).as_deref(),
        Some("client/1")
    );
    assert_eq!(out.state.unit_state["db-units"], "1");

    let out = ctx.run(TestEvent::relation_joined(&cluster, 2), state.clone()).unwrap();
    assert_eq!(
        out.env.remote_unit.as_ref().map(ToString::to_string).as_deref(),
        Some("demo/2")
    );

    let out = ctx.run(TestEvent::pebble_ready("workload"), state.clone()).unwrap();
    assert_eq!(out.env.workload_name.as_deref(), Some("workload"));
    assert_eq!(out.env.hook_name.as_deref(), Some("workload-pebble-ready"));
}

#[test]
fn relation_broken_leaves_the_relation_out() {
    let ctx = Context::<Demo>::new();
    let db = Relation::new("db").remote_app("client");
    let out = ctx
        .run(TestEvent::relation_broken(&db), ready().relation(db.clone()))
        .unwrap();
    assert_eq!(out.env.remote_unit, None);
    // reconcile did not see the broken relation, so it wrote nothing there.
    assert_relation_unit_data(&out, &db, [] as [(&str, &str); 0]);
}

#[test]
fn actions_report_results_failures_and_defaults() {
    let ctx = Context::<Demo>::new();
    let out = ctx
        .run(TestEvent::action("set-greeting").param("loud", true), ready())
        .unwrap();
    assert_action_results(&out, [("greeting", "HELLO")]);
    let action = out.action.as_ref().unwrap();
    assert_eq!(action.logs, ["setting the greeting"]);
    assert_eq!(out.env.hook_name, None, "JUJU_HOOK_NAME is empty for actions");
    assert_eq!(out.env.action_name.as_deref(), Some("set-greeting"));

    let out = ctx
        .run(TestEvent::action("set-greeting").param("greeting", "fail"), ready())
        .unwrap();
    assert_eq!(out.action.unwrap().failed.as_deref(), Some("nope"));

    let admin = Secret::new([("password", "pw")]).owner_app().label("admin");
    let out = ctx
        .run(TestEvent::action("get-password"), ready().leader(true).secret(admin))
        .unwrap();
    assert_action_results(&out, [("password", "pw")]);

    let err = ctx
        .run(TestEvent::action("set-greeting").param("volume", 11), ready())
        .unwrap_err();
    assert!(
        matches!(&err, RunError::Inconsistent(p) if p[0].contains("unknown parameter \"volume\"")),
        "{err}"
    );
}

#[test]
fn teardown_events_run() {
    let ctx = Context::<Demo>::new();
    assert!(ctx.run(TestEvent::stop(), ready()).is_ok());
    assert!(ctx.run(TestEvent::remove(), ready()).is_ok());
}
