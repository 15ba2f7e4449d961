//! Actions, in-process: result keys as the Python charm's, password rotation that keeps every
//! client working, and the network policies export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use charm_support::*;
use charm_testing::{RunOutput, TestEvent};

/// A running leader with one client relation; returns the output and the relation.
fn running_with_client() -> (RunOutput, charm_testing::Relation) {
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let client = charm_interfaces::dataplatform::testing::kafka_client_requirer("kafka-client", "orders", "producer");
    let out = run(
        TestEvent::relation_changed(&client),
        first.state.relation(client.clone()),
    );
    (out, client)
}

fn results(out: &RunOutput) -> std::collections::BTreeMap<String, String> {
    let action = out.action.as_ref().expect("an action ran");
    assert!(action.failed.is_none(), "action failed: {:?}", action.failed);
    action.results.clone()
}

fn failure(out: &RunOutput) -> String {
    out.action
        .as_ref()
        .and_then(|a| a.failed.clone())
        .expect("the action failed")
}

#[test]
fn get_admin_credentials_gives_the_admin_user_and_client_properties() {
    reset();
    let (out, _) = running_with_client();
    let secret = out
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()
        .clone();
    let got = run(TestEvent::action("get-admin-credentials"), out.state.clone());
    let r = results(&got);
    assert_eq!(r["username"], "admin");
    assert_eq!(r["password"], secret["admin-password"]);
    let props = &r["client-properties"];
    assert!(props.contains("bootstrap.servers="), "{props}");
    assert!(props.contains("sasl.mechanism=SCRAM-SHA-512"), "{props}");
    assert!(!props.lines().any(|l| l.starts_with("ssl.")), "{props}");
    assert_eq!(
        r.keys().cloned().collect::<Vec<_>>(),
        ["client-properties", "password", "username"]
    );

    // A unit that has not written client.properties yet says so.
    let mut state = out.state.clone();
    for container in &mut state.containers {
        container.state.files.remove("/etc/kafka/client.properties");
    }
    let got = run(TestEvent::action("get-admin-credentials"), state);
    assert!(failure(&got).contains("client.properties not found"));
}

#[test]
fn get_listeners_reports_each_listener_with_the_python_keys() {
    reset();
    let (out, _) = running_with_client();
    let r = results(&run(TestEvent::action("get-listeners"), out.state.clone()));
    let key = "client-sasl-plaintext-scram-sha-512";
    assert_eq!(r[&format!("{key}.name")], "CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512");
    assert_eq!(r[&format!("{key}.scope")], "CLIENT");
    assert_eq!(r[&format!("{key}.port")], "9092");
    assert_eq!(r[&format!("{key}.protocol")], "SASL_PLAINTEXT");
    assert_eq!(r[&format!("{key}.auth-mechanism")], "SCRAM-SHA-512");
    assert_eq!(
        r[&format!("{key}.advertised-listener")],
        "CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://kafka-k8s-0.kafka-k8s-endpoints:9092"
    );
    assert_eq!(r["internal-sasl-plaintext-scram-sha-512.port"], "19092");
    assert_eq!(r.len(), 12, "two listeners, six keys each: {r:?}");
}

#[test]
fn rotating_the_sync_password_updates_zookeeper_the_secret_and_the_peers() {
    reset();
    let (out, client) = running_with_client();
    let version_before = peer_app(&out).get("credentials-version").cloned();
    let client_bag_before = out.state.get_relation(&client).unwrap().local_app_data.clone();
    let got = run(
        TestEvent::action("set-password")
            .param("username", "sync")
            .param("password", "a-new-sync-password"),
        out.state.clone(),
    );
    assert_eq!(results(&got)["sync-password"], "a-new-sync-password");
    assert_eq!(with_zk(|zk| zk.users["sync"].clone()), "a-new-sync-password");
    let secret = got.state.secret_by_label("cluster.kafka-k8s.app").unwrap();
    assert_eq!(secret.newest_content()["sync-password"], "a-new-sync-password");
    assert_ne!(
        peer_app(&got).get("credentials-version").cloned(),
        version_before,
        "peers are woken"
    );
    assert_eq!(
        got.state.get_relation(&client).unwrap().local_app_data,
        client_bag_before,
        "clients untouched"
    );

    // The next hook re-renders with the new password and restarts under the lock, once.
    let after = next(&got, TestEvent::update_status());
    let props = file(&after, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains("a-new-sync-password"),
        "the inter-broker JAAS has the new password"
    );
    assert_eq!(after.unit_status().kind, charm_sdk::model::StatusKind::Active);
}

#[test]
fn rotating_a_client_password_bumps_its_secret_without_breaking_the_relation() {
    reset();
    let (out, client) = running_with_client();
    let id = client.id.0;
    let label = format!("kafka-client.{id}.user.secret");
    let before = out.state.secret_by_label(&label).unwrap().clone();
    let bag_before = out.state.get_relation(&client).unwrap().local_app_data.clone();
    let user = format!("relation-{id}");

    let got = run(
        TestEvent::action("set-password").param("username", user.as_str()),
        out.state.clone(),
    );
    let new = results(&got)[&format!("{user}-password")].clone();
    assert_eq!(new.len(), 32);
    assert_eq!(
        with_zk(|zk| zk.users[&user].clone()),
        new,
        "the store has the new credential"
    );
    let after = got.state.secret_by_label(&label).unwrap();
    assert_eq!(after.id, before.id, "same secret, new revision");
    assert_eq!(after.newest_content()["password"], new);
    assert_eq!(
        got.state.get_relation(&client).unwrap().local_app_data,
        bag_before,
        "relation unchanged"
    );

    // The next reconcile keeps it (no second rotation, nothing republished).
    let again = next(&got, TestEvent::update_status());
    assert_eq!(
        again.state.secret_by_label(&label).unwrap().newest_content()["password"],
        new
    );
}

#[test]
fn set_password_refuses_bad_requests() {
    reset();
    let (out, _) = running_with_client();
    for (user, password, needle) in [
        ("root", Some("long-enough-pw"), "can only set"),
        ("admin", Some("short"), "at least 8"),
        ("admin", Some("has\"quote-123"), "cannot be written"),
        ("relation-999", None, "not a client user"),
    ] {
        let mut event = TestEvent::action("set-password").param("username", user);
        if let Some(p) = password {
            event = event.param("password", p);
        }
        let got = run(event, out.state.clone());
        assert!(failure(&got).contains(needle), "{user}: {}", failure(&got));
    }
    let mut state = out.state.clone();
    state.leader = false;
    let got = run(TestEvent::action("set-password").param("username", "admin"), state);
    assert!(failure(&got).contains("leader"));
}

#[test]
fn a_store_failure_during_rotation_changes_nothing() {
    reset();
    let (out, _) = running_with_client();
    let before = out
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()
        .clone();
    with_zk(|zk| zk.refuse = Some("connection refused".into()));
    let result = ctx().run(
        TestEvent::action("set-password")
            .param("username", "admin")
            .param("password", "another-admin-pw"),
        out.state.clone(),
    );
    let failed = charm_testing::assert_hook_failed(result, "cannot write admin's credential");
    let after = failed
        .state
        .secret_by_label("cluster.kafka-k8s.app")
        .unwrap()
        .newest_content()
        .clone();
    assert_eq!(after, before, "the hook's writes were discarded");
}

#[test]
fn export_network_policies_gives_one_policy_per_client() {
    reset();
    let (out, client) = running_with_client();
    let r = results(&run(TestEvent::action("export-network-policies"), out.state.clone()));
    assert_eq!(r["count"], "1");
    let policies = &r["policies"];
    assert!(policies.contains("kind: CiliumNetworkPolicy"), "{policies}");
    assert!(policies.contains("data-integrator"), "{policies}");
    assert!(policies.contains("9092"), "{policies}");
    let docs: Vec<serde_yaml_ng::Value> = policies
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_yaml_ng::from_str(d).expect("valid YAML"))
        .collect();
    assert_eq!(docs.len(), 2, "the application's own policy and the client's");
    assert!(policies.contains(&client.id.0.to_string()));
}
