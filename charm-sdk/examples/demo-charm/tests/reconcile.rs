//! In-process state-transition tests of the demo charm: a State in, an event, a State out.
//!
//! They run the real `dispatch` against `charm-testing`'s in-memory Juju (Juju's access
//! rules and hook transactions) and its fake Pebble, so each test reads like the scenario
//! an operator would see.

use charm_sdk::model::tools::{Port, RotatePolicy};
use charm_sdk::pebble::ExecOutput;
use charm_sdk::pebble::ServiceStatus;
use charm_sdk::Status;
use charm_testing::pebble::ContainerState;
use charm_testing::{
    assert_action_results, assert_calls, assert_opened_ports, assert_relation_app_data, assert_relation_unit_data,
    assert_status, assert_unit_state, Container, Context, PeerRelation, Relation, RunError, RunOutput, Secret, State,
    TestEvent,
};
use demo_charm::{Demo, ADMIN_SECRET_KEY, ADMIN_SECRET_LABEL, PAGE_PATH, RESTARTS_KEY};

fn ctx() -> Context<Demo> {
    Context::<Demo>::new()
}

fn web() -> Container {
    Container::new("web").with_state(ContainerState::connectable())
}

fn cluster() -> PeerRelation {
    // A fixed id, so the relation built for the input and the one asserted on are the same.
    PeerRelation::new("cluster").id(1).peers(2)
}

/// A leader with its peers and a reachable container: the usual world of reconcile.
fn leader_state() -> State {
    State::default().leader(true).peer(cluster()).container(web())
}

fn admin_secret() -> Secret {
    Secret::new([("password", "s3cret-admin-pw")])
        .owner_app()
        .label(ADMIN_SECRET_LABEL)
}

#[track_caller]
fn run(event: TestEvent, state: State) -> RunOutput {
    match ctx().run(event, state) {
        Ok(out) => out,
        Err(e) => panic!("run failed: {e}"),
    }
}

#[test]
fn leader_creates_the_admin_secret_starts_the_service_and_opens_the_port() {
    let out = run(TestEvent::config_changed(), leader_state());

    assert_status(&out, Status::active("serving on :8080"));
    let secret = out
        .state
        .secret_by_label(ADMIN_SECRET_LABEL)
        .expect("admin secret created");
    assert_eq!(secret.newest_content()["password"].len(), 32);
    assert_relation_app_data(&out, &cluster(), [(ADMIN_SECRET_KEY, secret.uri())]);

    let web = &out.state.get_container("web").expect("container").state;
    assert_eq!(web.service_status("web"), ServiceStatus::Active);
    let plan = web.plan().expect("plan");
    assert_eq!(
        plan.services["web"].command.as_deref(),
        Some("python3 -m http.server 8080 --directory /srv/www")
    );
    assert!(web
        .file_text(PAGE_PATH)
        .expect("page written")
        .contains("Hello from Rust"));
    assert_opened_ports(&out, [Port::Tcp(8080)]);
    assert_unit_state(&out, [(RESTARTS_KEY, "1")]);
}

#[test]
fn a_second_run_changes_nothing_and_asks_each_fact_once() {
    let first = run(TestEvent::config_changed(), leader_state());
    let second = run(TestEvent::update_status(), first.state.clone());

    assert_eq!(second.state, first.state, "an idempotent reconcile writes nothing new");
    assert_calls(&second, "config-get", 1);
    assert_calls(&second, "is-leader", 1);
    assert_calls(&second, "relation-set", 0);
    assert_calls(&second, "state-set", 0);
    assert_calls(&second, "open-port", 0);
    assert_calls(&second, "status-set", 1);
}

#[test]
fn changing_the_port_restarts_once_and_moves_the_opened_port() {
    let first = run(TestEvent::config_changed(), leader_state());
    let state = first.state.clone().config([("port", 9090)]);
    let out = run(TestEvent::config_changed(), state);

    assert_status(&out, Status::active("serving on :9090"));
    assert_opened_ports(&out, [Port::Tcp(9090)]);
    assert_unit_state(&out, [(RESTARTS_KEY, "2")]);
}

#[test]
fn invalid_config_blocks_naming_the_option_and_touches_nothing() {
    for (option, value, needle) in [
        ("port", serde_json::json!(80), "'port'"),
        ("port", serde_json::json!(70000), "'port'"),
        ("log-level", serde_json::json!("LOUD"), "'log-level'"),
        ("greeting", serde_json::json!("  "), "'greeting'"),
    ] {
        let out = run(
            TestEvent::config_changed(),
            leader_state().config([(option, value.clone())]),
        );
        let status = out.unit_status().clone();
        assert_eq!(
            status.kind,
            charm_sdk::model::StatusKind::Blocked,
            "{option}={value}: {status}"
        );
        assert!(status.message.contains(needle), "{option}={value}: {status}");
        assert!(out
            .state
            .get_container("web")
            .expect("web")
            .state
            .plan()
            .expect("plan")
            .services
            .is_empty());
        assert!(out.state.opened_ports.is_empty());
    }
}

#[test]
fn without_pebble_the_unit_waits() {
    let state = State::default()
        .leader(true)
        .peer(cluster())
        .container(Container::new("web"));
    let out = run(TestEvent::install(), state);
    assert_status(&out, Status::waiting("waiting for Pebble in container web"));
}

#[test]
fn a_non_leader_waits_for_the_leader_then_uses_its_secret() {
    let state = State::default().leader(false).peer(cluster()).container(web());
    let out = run(TestEvent::config_changed(), state);
    assert_status(
        &out,
        Status::waiting("waiting for the leader to create the admin password"),
    );

    let secret = admin_secret();
    let peers = cluster().local_app_data([(ADMIN_SECRET_KEY, secret.uri())]);
    let state = State::default()
        .leader(false)
        .peer(peers)
        .container(web())
        .secret(secret);
    let out = run(TestEvent::config_changed(), state);
    assert_status(&out, Status::active("serving on :8080"));
}

#[test]
fn the_leader_publishes_url_and_grants_the_secret_to_clients() {
    let client = Relation::new("website").remote_app("browser").remote_units(2);
    let out = run(
        TestEvent::relation_joined(&client, 0),
        leader_state().relation(client.clone()),
    );

    let secret = out.state.secret_by_label(ADMIN_SECRET_LABEL).expect("secret");
    assert_relation_app_data(
        &out,
        &client,
        [
            ("url", "http://demo-charm-endpoints:8080/".to_owned()),
            ("secret-user", secret.uri()),
        ],
    );
    assert_relation_unit_data(
        &out,
        &client,
        [("hostname", charm_testing::DEFAULT_ADDRESS), ("port", "8080")],
    );
    assert!(
        !format!("{:?}", out.state.get_relation(&client)).contains("s3cret"),
        "no secret value in relation data"
    );
}

#[test]
fn a_non_leader_writes_only_its_unit_data() {
    let secret = admin_secret();
    let peers = cluster().local_app_data([(ADMIN_SECRET_KEY, secret.uri())]);
    let client = Relation::new("website").remote_app("browser");
    let state = State::default()
        .leader(false)
        .peer(peers)
        .container(web())
        .secret(secret)
        .relation(client.clone());
    let out = run(TestEvent::relation_changed(&client), state);

    assert_relation_app_data(&out, &client, [] as [(&str, &str); 0]);
    assert_relation_unit_data(
        &out,
        &client,
        [("hostname", charm_testing::DEFAULT_ADDRESS), ("port", "8080")],
    );
    assert!(out.refusals.is_empty(), "no access rule was broken: {:?}", out.refusals);
}

#[test]
fn the_backend_url_appears_on_the_page() {
    let backend = Relation::new("backend")
        .remote_app("upstream")
        .remote_app_data([("url", "http://up:1/")]);
    let out = run(TestEvent::relation_changed(&backend), leader_state().relation(backend));
    let page = out
        .state
        .get_container("web")
        .expect("web")
        .state
        .file_text(PAGE_PATH)
        .expect("page");
    assert!(page.contains("upstream: <a href=\"http://up:1/\">"), "{page}");
}

#[test]
fn relation_broken_is_invisible_to_reconcile() {
    let client = Relation::new("website").remote_app("browser");
    let first = run(
        TestEvent::relation_joined(&client, 0),
        leader_state().relation(client.clone()),
    );
    // On broken, reconcile must not write to the dying relation again.
    let out = run(TestEvent::relation_broken(&client), first.state.clone());
    assert_calls(&out, "relation-set", 0);
    assert_calls(&out, "secret-grant", 0);
}

#[test]
fn get_admin_password_action_returns_the_secret() {
    let out = run(
        TestEvent::action("get-admin-password"),
        leader_state().secret(admin_secret()),
    );
    assert_action_results(&out, [("username", "admin"), ("password", "s3cret-admin-pw")]);
}

#[test]
fn rotate_admin_password_validates_and_updates() {
    let out = run(
        TestEvent::action("rotate-admin-password").param("password", "short"),
        leader_state().secret(admin_secret()),
    );
    assert_eq!(
        out.action.as_ref().and_then(|a| a.failed.clone()).as_deref(),
        Some("the password must be at least 8 characters")
    );

    let out = run(
        TestEvent::action("rotate-admin-password").param("password", "a-much-longer-one"),
        leader_state().secret(admin_secret()),
    );
    assert_action_results(&out, [("changed", "true")]);
    let secret = out.state.secret_by_label(ADMIN_SECRET_LABEL).expect("secret");
    assert_eq!(secret.newest_content()["password"], "a-much-longer-one");

    let out = run(
        TestEvent::action("rotate-admin-password").param("password", "a-much-longer-one"),
        State::default().leader(false).peer(cluster()).container(web()),
    );
    assert!(out
        .action
        .expect("action")
        .failed
        .expect("failed")
        .contains("only the leader"));
}

#[test]
fn show_page_runs_head_in_the_container() {
    let container = Container::new("web").with_state(ContainerState::connectable().on_exec(
        ["head", "-n", "3"],
        ExecOutput {
            exit_code: 0,
            stdout: b"<!doctype html>\n".to_vec(),
            stderr: vec![],
        },
    ));
    let state = State::default().leader(true).peer(cluster()).container(container);
    let out = run(TestEvent::action("show-page").param("lines", 3), state);
    assert_action_results(&out, [("page", "<!doctype html>\n")]);
}

#[test]
fn action_with_bad_params_fails_clearly() {
    let err = ctx()
        .run(TestEvent::action("show-page").param("lines", "many"), leader_state())
        .unwrap_err();
    assert!(
        matches!(err, RunError::Inconsistent(ref p) if p.iter().any(|m| m.contains("lines"))),
        "{err}"
    );
}

#[test]
fn secret_rotation_makes_a_new_revision() {
    let secret = admin_secret().rotate(RotatePolicy::Monthly);
    let out = run(TestEvent::secret_rotate(&secret), leader_state().secret(secret.clone()));
    let after = out.state.secret_by_label(ADMIN_SECRET_LABEL).expect("secret");
    assert_ne!(after.newest_content()["password"], "s3cret-admin-pw");
}

#[test]
fn stop_stops_the_service() {
    let first = run(TestEvent::config_changed(), leader_state());
    let out = run(TestEvent::stop(), first.state);
    assert_eq!(
        out.state.get_container("web").expect("web").state.service_status("web"),
        ServiceStatus::Inactive
    );
}

#[test]
fn secret_values_never_reach_logs_or_calls() {
    let out = run(
        TestEvent::action("get-admin-password"),
        leader_state().secret(admin_secret()),
    );
    let haystack = format!("{:?}{:?}", out.logs, out.calls);
    assert!(!haystack.contains("s3cret-admin-pw"), "{haystack}");
}
