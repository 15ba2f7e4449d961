use std::collections::BTreeMap;

use juju_model::tools::{BagOwner, LogLevel, Port, SecretOwner};
use juju_model::{AppName, CharmMeta, RelationHook, RelationId, SecretUri, Status, UnitName};
use serde_json::Value;

use super::*;
use crate::error::RuleErrorKind;
use crate::order;
use crate::relation::RelationEnd;

const ZK: &str = r#"
name: zk
peers: {cluster: {interface: cluster}}
provides: {zookeeper: {interface: zookeeper}}
containers: {zookeeper: {resource: image}}
storage: {data: {type: filesystem, location: /var/lib/zookeeper}}
config: {options: {tick-time: {type: int, default: 2000}}}
actions:
  set-password:
    params: {username: {type: string, default: super}}
"#;

struct Fixture {
    model: Model,
    peer: RelationId,
    rel: RelationId,
}

fn fixture() -> Fixture {
    let mut model = Model::default();
    let zk = model
        .deploy("zk", CharmMeta::from_charmcraft_yaml(ZK).unwrap(), 3)
        .unwrap();
    let kafka = model.deploy("kafka", CharmMeta::default(), 2).unwrap();
    let rel = model
        .relate(RelationEnd::new(zk, "zookeeper"), RelationEnd::new(kafka, "zookeeper"))
        .unwrap();
    Fixture {
        model,
        peer: RelationId(0),
        rel,
    }
}

fn unit(name: &str) -> UnitName {
    UnitName::new(name).unwrap()
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn begin(model: &mut Model, unit_name: &str, hook: &str) -> Hook {
    Hook::begin(model, HookContext::hook(unit(unit_name), hook)).unwrap()
}

#[test]
fn failed_hook_discards_buffered_writes_but_keeps_immediate_effects() {
    let Fixture { mut model, rel, .. } = fixture();
    let before = model.clone();
    let mut hook = begin(&mut model, "zk/0", "config-changed");
    hook.relation_set(&model, Some(rel), false, &bag(&[("endpoints", "a")]))
        .unwrap();
    hook.relation_set(&model, Some(rel), true, &bag(&[("database", "/kafka")]))
        .unwrap();
    hook.state_set(&bag(&[("k", "v")])).unwrap();
    hook.open_port(Port::Tcp(2181), &[]).unwrap();
    hook.storage_add(&model, "data", 1).unwrap();
    let uri = hook
        .secret_add(&mut model, &bag(&[("password", "x")]), &SecretArgs::default())
        .unwrap();
    hook.status_set(&mut model, false, "maintenance", "configuring")
        .unwrap();
    hook.status_set(&mut model, true, "waiting", "app").unwrap();
    hook.application_version_set(&mut model, "3.9").unwrap();
    hook.juju_log(&mut model, LogLevel::Info, "hello").unwrap();

    // The hook sees its own writes.
    assert_eq!(hook.state_get_key(&model, "k", true).unwrap(), "v");
    assert_eq!(hook.opened_ports(&model).unwrap(), [Port::Tcp(2181)]);
    assert_eq!(
        hook.relation_get(&model, Some(rel), Some("zk"), true).unwrap()["database"],
        "/kafka"
    );
    assert_eq!(
        hook.secret_get(&mut model, Some(&uri), None, SecretRead::Pinned)
            .unwrap(),
        bag(&[("password", "x")])
    );
    assert_eq!(hook.secret_ids(&model), std::slice::from_ref(&uri));

    let finished = hook.discard(&mut model);
    assert_eq!(finished.committed, None);
    assert_eq!(finished.effects.unit_statuses, [Status::maintenance("configuring")]);
    assert_eq!(finished.effects.logs, [(LogLevel::Info, "hello".to_owned())]);
    let zk0 = model.unit(&unit("zk/0")).unwrap();
    assert_eq!(zk0.status, Status::maintenance("configuring"));
    assert_eq!(zk0.workload_version, "3.9");
    assert_eq!(model.apps[&AppName::new("zk").unwrap()].status, Status::waiting("app"));
    // Buffered writes are gone.
    assert_eq!(zk0.state, before.unit(&unit("zk/0")).unwrap().state);
    assert!(zk0.ports.is_empty());
    assert_eq!(zk0.storage.len(), 1);
    assert_eq!(model.relations[&rel], before.relations[&rel]);
    assert!(model.secrets.is_empty());
}

#[test]
fn successful_hook_commits_everything_and_reports_real_changes() {
    let Fixture { mut model, rel, .. } = fixture();
    let mut hook = begin(&mut model, "zk/0", "config-changed");
    hook.relation_set(&model, Some(rel), false, &bag(&[("endpoints", "a")]))
        .unwrap();
    hook.relation_set(&model, Some(rel), true, &bag(&[("private-address", "")]))
        .unwrap();
    hook.state_set(&bag(&[("k", "v")])).unwrap();
    hook.open_port(Port::Tcp(2181), &[]).unwrap();
    hook.storage_add(&model, "data", 2).unwrap();
    let finished = hook.commit(&mut model);
    let report = finished.committed.unwrap();
    assert_eq!(
        report.bags_changed,
        [(rel, BagOwner::Unit(unit("zk/0")))],
        "deleting a missing key is no change"
    );
    assert!(report.state_changed && report.ports_changed);
    assert_eq!(report.storage_added, ["data/3", "data/4"]);
    let zk0 = model.unit(&unit("zk/0")).unwrap();
    assert_eq!(zk0.state["k"], "v");
    assert_eq!(zk0.opened_ports(), [Port::Tcp(2181)]);
    assert_eq!(model.relations[&rel].unit_data[&unit("zk/0")]["endpoints"], "a");

    // Writing the same value again changes nothing, so nobody gets relation-changed.
    let mut again = begin(&mut model, "zk/0", "update-status");
    again
        .relation_set(&model, Some(rel), false, &bag(&[("endpoints", "a")]))
        .unwrap();
    assert!(again.commit(&mut model).committed.unwrap().bags_changed.is_empty());
}

#[test]
fn relation_tool_refusals_have_jujus_texts() {
    let Fixture { mut model, rel, peer } = fixture();
    let hook = begin(&mut model, "zk/1", "update-status");
    let text = |r: RuleResult<Databag>| r.unwrap_err().to_string();
    assert_eq!(
        text(hook.relation_get(&model, None, Some("kafka/0"), false)),
        "no relation id specified"
    );
    assert_eq!(
        text(hook.relation_get(&model, Some(RelationId(42)), Some("kafka/0"), false)),
        "relation not found"
    );
    assert_eq!(
        text(hook.relation_get(&model, Some(rel), Some("kafka"), false)),
        r#"expected unit name, got application name "kafka""#
    );
    assert_eq!(
        text(hook.relation_get(&model, Some(rel), None, false)),
        "no unit or application specified"
    );
    // Non-leader reading its own app bag: refused on a regular relation, fine on peers.
    let err = hook.relation_get(&model, Some(rel), Some("zk"), true).unwrap_err();
    assert_eq!(err.to_string(), "permission denied");
    assert_eq!(err.kind(), RuleErrorKind::PermissionDenied);
    assert!(hook.relation_get(&model, Some(peer), Some("zk"), true).is_ok());
    // Remote bags, and a unit name with --app, are fine.
    assert!(hook.relation_get(&model, Some(rel), Some("kafka"), true).is_ok());
    assert!(hook.relation_get(&model, Some(rel), Some("kafka/1"), true).is_ok());
    assert_eq!(
        hook.relation_get(&model, Some(rel), Some("kafka/1"), false).unwrap()["ingress-address"],
        "10.1.0.5"
    );

    let mut hook = hook;
    let err = hook
        .relation_set(&model, Some(rel), true, &bag(&[("a", "b")]))
        .unwrap_err();
    assert_eq!(err.to_string(), "cannot write relation settings");
    assert!(err
        .explain()
        .contains("unit zk/1 is not leader: only the leader may write app data on `zookeeper`"));
    assert_eq!(
        hook.relation_list(&model, Some(rel)).unwrap(),
        [unit("kafka/0"), unit("kafka/1")]
    );
    assert_eq!(
        hook.relation_list(&model, Some(peer)).unwrap(),
        [unit("zk/0"), unit("zk/2")]
    );
    assert_eq!(hook.relation_ids(&model, "zookeeper").unwrap(), [rel]);
    assert!(hook.relation_ids(&model, "nope").unwrap().is_empty());
}

#[test]
fn relation_get_defaults_to_remote_unit_then_remote_app() {
    let Fixture { mut model, rel, .. } = fixture();
    let changed =
        HookContext::relation(&model, unit("zk/0"), RelationHook::Changed, rel, Some(unit("kafka/1"))).unwrap();
    let hook = Hook::begin(&mut model, changed).unwrap();
    assert_eq!(
        hook.relation_get(&model, None, None, false).unwrap()["private-address"],
        "10.1.0.5"
    );

    let created = HookContext::relation(&model, unit("zk/0"), RelationHook::Created, rel, None).unwrap();
    let mut hook = Hook::begin(&mut model, created).unwrap();
    assert!(
        hook.relation_get(&model, None, None, false).unwrap().is_empty(),
        "remote app bag, empty"
    );
    hook.juju_log(&mut model, LogLevel::Debug, "in a relation hook")
        .unwrap();
    assert_eq!(
        model.log.last().unwrap().message,
        format!("zookeeper:{rel}: in a relation hook")
    );
}

#[test]
fn departed_units_bags_stay_readable() {
    let Fixture { mut model, rel, .. } = fixture();
    model.remove_unit(&unit("kafka/1")).unwrap();
    let hook = begin(&mut model, "zk/0", "update-status");
    assert_eq!(hook.relation_list(&model, Some(rel)).unwrap(), [unit("kafka/0")]);
    assert!(hook.relation_get(&model, Some(rel), Some("kafka/1"), false).is_ok());
    let err = hook
        .relation_get(&model, Some(rel), Some("kafka/9"), false)
        .unwrap_err();
    assert!(err.to_string().contains("settings not found"), "{err}");
}

#[test]
fn status_rules() {
    let Fixture { mut model, .. } = fixture();
    let mut hook = begin(&mut model, "zk/1", "update-status");
    let err = hook.status_set(&mut model, false, "error", "").unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"invalid status "error", expected one of [maintenance blocked waiting active]"#
    );
    assert_eq!(err.exit_code(), 2);
    let err = hook.status_set(&mut model, true, "active", "").unwrap_err();
    assert_eq!(err.to_string(), "this unit is not the leader");
    assert_eq!(
        hook.app_status_get(&model).unwrap_err().to_string(),
        "this unit is not the leader"
    );
    hook.status_set(&mut model, false, "blocked", "needs zookeeper")
        .unwrap();
    assert_eq!(hook.status_get(&model).unwrap().message, "needs zookeeper");
}

#[test]
fn unit_state_quota_and_strict_get() {
    let Fixture { mut model, .. } = fixture();
    let mut hook = begin(&mut model, "zk/0", "update-status");
    let err = hook.state_set(&bag(&[("k", &"v".repeat(65 * 1024))])).unwrap_err();
    assert_eq!(err.to_string(), "max allowed value length (65536) exceeded");
    assert_eq!(hook.state_get_key(&model, "missing", false).unwrap(), "");
    assert_eq!(
        hook.state_get_key(&model, "missing", true).unwrap_err().to_string(),
        r#""missing" not found"#
    );
    hook.state_set(&bag(&[("a", "1"), ("b", "2")])).unwrap();
    hook.state_delete("a").unwrap();
    assert_eq!(hook.state_get(&model).unwrap(), bag(&[("b", "2")]));
}

#[test]
fn actions_tools_and_defaults() {
    let Fixture { mut model, .. } = fixture();
    let mut hook = begin(&mut model, "zk/0", "update-status");
    assert_eq!(
        hook.action_get(&model).unwrap_err().to_string(),
        "not running an action"
    );
    assert_eq!(
        hook.action_log(&mut model, "x").unwrap_err().to_string(),
        "not running an action"
    );

    let ctx = HookContext::action(unit("zk/0"), "set-password", "7", serde_json::Map::new());
    let mut hook = Hook::begin(&mut model, ctx).unwrap();
    assert_eq!(hook.action_get(&model).unwrap()["username"], Value::from("super"));
    let err = hook.action_set(&mut model, &bag(&[("stdout", "x")])).unwrap_err();
    assert_eq!(err.to_string(), r#"cannot set reserved action key "stdout""#);
    hook.action_set(&mut model, &bag(&[("result.password", "p")])).unwrap();
    hook.action_log(&mut model, "working").unwrap();
    hook.action_fail(&mut model, "").unwrap();
    let finished = hook.commit(&mut model);
    let action = finished.effects.action.unwrap();
    assert_eq!(action.results["result.password"], "p");
    assert_eq!(action.failed.as_deref(), Some("action failed"));
    assert_eq!(action.status, ActionStatus::Failed);
    assert_eq!(action.logs, ["working"]);
}

fn uri_of(model: &Model) -> SecretUri {
    model.secrets.values().next().unwrap().uri.clone()
}

/// zk (leader) creates an app secret and grants it to kafka over `rel`.
fn shared_secret(model: &mut Model, rel: RelationId) -> SecretUri {
    let mut hook = begin(model, "zk/0", "update-status");
    let uri = hook
        .secret_add(
            model,
            &bag(&[("password", "one")]),
            &SecretArgs {
                label: Some("admin".into()),
                ..Default::default()
            },
        )
        .unwrap();
    hook.secret_grant(model, &uri, rel, None).unwrap();
    hook.commit(model).committed.unwrap();
    uri
}

#[test]
fn secret_creation_rules() {
    let Fixture { mut model, rel, .. } = fixture();
    let mut follower = begin(&mut model, "zk/1", "update-status");
    let content = bag(&[("password", "x")]);
    let err = follower
        .secret_add(&mut model, &content, &SecretArgs::default())
        .unwrap_err();
    assert_eq!(err.to_string(), "this unit is not the leader");
    let mine = follower
        .secret_add(
            &mut model,
            &content,
            &SecretArgs {
                owner: Some(SecretOwner::Unit),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(mine.id().len(), 20);
    assert_eq!(
        follower
            .secret_add(&mut model, &BTreeMap::new(), &SecretArgs::default())
            .unwrap_err()
            .to_string(),
        "empty secret value not valid"
    );
    let bad = SecretArgs {
        owner: Some(SecretOwner::Unit),
        ..Default::default()
    };
    assert_eq!(
        follower
            .secret_add(&mut model, &bag(&[("pw", "x")]), &bad)
            .unwrap_err()
            .to_string(),
        r#"key "pw" not valid"#
    );
    follower.commit(&mut model);

    let uri = shared_secret(&mut model, rel);
    // The follower reads the app-owned secret but cannot manage it.
    let mut follower = begin(&mut model, "zk/1", "update-status");
    assert_eq!(
        follower
            .secret_get(&mut model, Some(&uri), None, SecretRead::Pinned)
            .unwrap()["password"],
        "one"
    );
    let err = follower
        .secret_set(&model, &uri, Some(&bag(&[("password", "two")])), &SecretArgs::default())
        .unwrap_err();
    assert_eq!(err.to_string(), "this unit is not the leader");
    assert!(err.explain().contains("only its leader"), "{}", err.explain());
    assert_eq!(
        follower
            .secret_info_get(&model, Some(&uri), None)
            .unwrap_err()
            .to_string(),
        "this unit is not the leader"
    );
    assert_eq!(follower.secret_ids(&model), std::slice::from_ref(&mine));
    // Another unit of the app cannot read zk/1's unit-owned secret.
    let mut other = begin(&mut model, "zk/2", "update-status");
    assert_eq!(
        other
            .secret_get(&mut model, Some(&mine), None, SecretRead::Pinned)
            .unwrap_err()
            .to_string(),
        "permission denied"
    );
    // A duplicate owner label is refused.
    let mut leader = begin(&mut model, "zk/0", "update-status");
    let dup = SecretArgs {
        label: Some("admin".into()),
        ..Default::default()
    };
    assert_eq!(
        leader.secret_add(&mut model, &content, &dup).unwrap_err().to_string(),
        r#"secret with label "admin" already exists"#
    );
}

#[test]
fn consumers_need_a_grant_and_pin_peek_refresh() {
    let Fixture { mut model, rel, .. } = fixture();
    // Not granted yet: refused.
    let mut hook = begin(&mut model, "zk/0", "update-status");
    let uri = hook
        .secret_add(&mut model, &bag(&[("password", "one")]), &SecretArgs::default())
        .unwrap();
    hook.commit(&mut model);
    let mut consumer = begin(&mut model, "kafka/0", "update-status");
    let err = consumer
        .secret_get(&mut model, Some(&uri), None, SecretRead::Pinned)
        .unwrap_err();
    assert_eq!(err.to_string(), "permission denied");
    assert!(err.explain().contains("secret-grant"), "{}", err.explain());
    let missing = SecretUri::new("secret:d0000000000000000000").unwrap();
    assert_eq!(
        consumer
            .secret_get(&mut model, Some(&missing), None, SecretRead::Pinned)
            .unwrap_err()
            .to_string(),
        r#"secret "d0000000000000000000" not found"#
    );

    let mut hook = begin(&mut model, "zk/0", "update-status");
    hook.secret_grant(&model, &uri, rel, None).unwrap();
    hook.commit(&mut model);

    // First read pins revision 1 and sets the consumer's own label.
    let mut consumer = begin(&mut model, "kafka/0", "update-status");
    assert_eq!(
        consumer
            .secret_get(&mut model, Some(&uri), Some("zk-admin"), SecretRead::Pinned)
            .unwrap()["password"],
        "one"
    );
    consumer.discard(&mut model);
    assert_eq!(
        model.secrets[uri.id()].consumers[&unit("kafka/0")].revision,
        1,
        "pins survive a failed hook"
    );

    // The owner makes revision 2; the pinned consumer is told, the owner is not.
    let mut owner = begin(&mut model, "zk/0", "update-status");
    owner
        .secret_set(&model, &uri, Some(&bag(&[("password", "two")])), &SecretArgs::default())
        .unwrap();
    let report = owner.commit(&mut model).committed.unwrap();
    assert_eq!(report.secret_revisions, [(uri.id().to_owned(), 2)]);
    let next = order::after_commit(&model, &report).unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].unit, unit("kafka/0"));
    assert_eq!(next[0].name, "secret-changed");
    assert_eq!(next[0].secret.as_ref().unwrap().label.as_deref(), Some("zk-admin"));

    let mut consumer = begin(&mut model, "kafka/0", "secret-changed");
    let by_label =
        |h: &mut Hook, m: &mut Model, read| h.secret_get(m, None, Some("zk-admin"), read).unwrap()["password"].clone();
    assert_eq!(by_label(&mut consumer, &mut model, SecretRead::Pinned), "one");
    assert_eq!(by_label(&mut consumer, &mut model, SecretRead::Peek), "two");
    assert_eq!(
        by_label(&mut consumer, &mut model, SecretRead::Pinned),
        "one",
        "peek does not move the pin"
    );
    assert_eq!(by_label(&mut consumer, &mut model, SecretRead::Refresh), "two");
    assert_eq!(by_label(&mut consumer, &mut model, SecretRead::Pinned), "two");
    consumer.commit(&mut model);
    // Nobody is pinned to revision 1 any more (the owner never read it): Juju tells the owner.
    let removes = order::secret_unused_revisions(&model).unwrap();
    assert_eq!(
        removes
            .iter()
            .map(|h| (h.unit.to_string(), h.secret.as_ref().unwrap().revision))
            .collect::<Vec<_>>(),
        [("zk/0".to_owned(), Some(1))]
    );
}

#[test]
fn grants_are_per_relation_and_vanish_with_it() {
    let Fixture { mut model, rel, peer } = fixture();
    let uri = shared_secret(&mut model, rel);
    let mut hook = begin(&mut model, "zk/0", "update-status");
    let err = hook.secret_grant(&model, &uri, rel, Some(&unit("zk/1"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"cannot specify unit "zk/1" in relation to application "kafka""#
    );
    assert_eq!(
        hook.secret_grant(&model, &uri, RelationId(77), None)
            .unwrap_err()
            .to_string(),
        "relation not found"
    );
    let info = hook.secret_info_get(&model, None, Some("admin")).unwrap();
    assert_eq!(info.revision, 1);
    assert_eq!(info.access[0].target, "application-kafka");
    hook.discard(&mut model);

    let mut consumer = begin(&mut model, "kafka/1", "update-status");
    assert!(consumer
        .secret_get(&mut model, Some(&uri), None, SecretRead::Pinned)
        .is_ok());
    assert_eq!(
        consumer
            .secret_info_get(&model, Some(&uri), None)
            .unwrap_err()
            .to_string(),
        format!("secret {:?} not found", uri.id())
    );
    let err = consumer.secret_grant(&model, &uri, rel, None).unwrap_err();
    assert_eq!(err.to_string(), format!("secret {:?} not found", uri.id()));
    consumer.discard(&mut model);

    // Revoke app-wide, grant one unit, then app-wide needs the unit grant revoked first.
    let mut hook = begin(&mut model, "zk/0", "update-status");
    hook.secret_revoke(&model, &uri, Some(rel), None).unwrap();
    hook.commit(&mut model);
    let mut hook = begin(&mut model, "zk/0", "update-status");
    hook.secret_grant(&model, &uri, rel, Some(&unit("kafka/0"))).unwrap();
    hook.commit(&mut model);
    let mut hook = begin(&mut model, "zk/0", "update-status");
    let err = hook.secret_grant(&model, &uri, rel, None).unwrap_err();
    assert!(
        err.to_string().starts_with("any unit level grants need to be revoked"),
        "{err}"
    );
    hook.discard(&mut model);
    let mut other = begin(&mut model, "kafka/1", "update-status");
    assert_eq!(
        other
            .secret_get(&mut model, Some(&uri), None, SecretRead::Pinned)
            .unwrap_err()
            .to_string(),
        "permission denied"
    );
    other.discard(&mut model);

    model.unrelate(rel).unwrap();
    let mut kafka0 = begin(&mut model, "kafka/0", "update-status");
    assert_eq!(
        kafka0
            .secret_get(&mut model, Some(&uri), None, SecretRead::Pinned)
            .unwrap_err()
            .to_string(),
        "permission denied"
    );
    let _ = peer;
}

#[test]
fn secrets_created_in_the_hook_are_readable_and_removable_before_commit() {
    let Fixture { mut model, .. } = fixture();
    let mut hook = begin(&mut model, "zk/0", "update-status");
    let uri = hook
        .secret_add(
            &mut model,
            &bag(&[("password", "x")]),
            &SecretArgs {
                rotate: Some(juju_model::tools::RotatePolicy::Hourly),
                expire: Some("24h".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        hook.secret_get(&mut model, None, Some("nope"), SecretRead::Pinned)
            .unwrap_err()
            .to_string(),
        r#"secret "nope" not found"#
    );
    assert_eq!(
        hook.secret_get(&mut model, Some(&uri), Some("admin"), SecretRead::Pinned)
            .unwrap()["password"],
        "x"
    );
    assert_eq!(
        hook.secret_get(&mut model, None, Some("admin"), SecretRead::Peek)
            .unwrap()["password"],
        "x"
    );
    let info = hook.secret_info_get(&model, Some(&uri), None).unwrap();
    assert_eq!(info.label.as_deref(), Some("admin"));
    assert_eq!(info.expiry.as_deref(), Some("2026-01-02T00:00:00Z"));
    assert_eq!(info.rotates.as_deref(), Some("2026-01-01T01:00:00Z"));
    hook.commit(&mut model);
    assert_eq!(uri_of(&model), uri);

    model.advance(3600);
    assert_eq!(order::secret_rotations(&model).unwrap()[0].name, "secret-rotate");
    model.advance(86_400);
    let expired = order::secret_expiries(&model).unwrap();
    assert_eq!(expired[0].secret.as_ref().unwrap().revision, Some(1));

    let mut hook = begin(&mut model, "zk/0", "secret-expired");
    assert!(hook.secret_remove(&model, &uri, Some(5)).is_err());
    hook.secret_remove(&model, &uri, Some(1)).unwrap();
    let report = hook.commit(&mut model).committed.unwrap();
    assert_eq!(report.secrets_removed, [(uri.id().to_owned(), Some(1))]);
    assert!(
        model.secrets.is_empty(),
        "removing the last revision removes the secret"
    );
}

#[test]
fn network_storage_config_goal_state() {
    let Fixture { mut model, rel, .. } = fixture();
    let hook = begin(&mut model, "zk/2", "update-status");
    let net = hook.network_get(&model, "zookeeper", Some(rel)).unwrap();
    assert_eq!(net.ingress_address(), Some("10.1.0.3"));
    assert_eq!(
        hook.network_get(&model, "nope", None).unwrap_err().to_string(),
        r#"binding name "nope" not defined by the unit's charm"#
    );
    assert_eq!(hook.storage_list(&model, Some("data")).unwrap(), ["data/2"]);
    assert_eq!(
        hook.storage_get(&model, Some("data/2")).unwrap().location,
        "/var/lib/zookeeper"
    );
    assert_eq!(
        hook.storage_get(&model, None).unwrap_err().to_string(),
        "no storage instance specified"
    );
    assert_eq!(hook.config_get(&model).unwrap()["tick-time"], Value::from(2000));
    assert!(!hook.is_leader(&model));
    let goal = hook.goal_state(&model).unwrap();
    assert_eq!(goal.planned_units(), 3);
    assert!(goal.relations["zookeeper"].contains_key("kafka"));
    assert!(hook.credential_get().is_err());
    let mut hook = hook;
    assert_eq!(
        hook.storage_add(&model, "logs", 1).unwrap_err().to_string(),
        r#"charm storage "logs" not found"#
    );
}

#[test]
fn commit_fails_whole_when_a_relation_vanished_meanwhile() {
    let Fixture { mut model, rel, .. } = fixture();
    let mut hook = begin(&mut model, "zk/0", "update-status");
    hook.state_set(&bag(&[("k", "v")])).unwrap();
    hook.relation_set(&model, Some(rel), false, &bag(&[("a", "b")]))
        .unwrap();
    model.unrelate(rel).unwrap();
    let finished = hook.commit(&mut model);
    assert_eq!(finished.commit_error.unwrap().to_string(), "relation not found");
    assert!(model.unit(&unit("zk/0")).unwrap().state.is_empty(), "nothing applied");
}

#[test]
fn user_secrets_are_readable_by_granted_apps_only() {
    let Fixture { mut model, .. } = fixture();
    let uri = model
        .add_user_secret(bag(&[("token", "t0k3n")]), &[AppName::new("kafka").unwrap()])
        .unwrap();
    let mut kafka = begin(&mut model, "kafka/1", "config-changed");
    assert_eq!(
        kafka
            .secret_get(&mut model, Some(&uri), None, SecretRead::Pinned)
            .unwrap()["token"],
        "t0k3n"
    );
    let err = kafka
        .secret_set(&model, &uri, Some(&bag(&[("token", "x")])), &SecretArgs::default())
        .unwrap_err();
    assert_eq!(err.to_string(), "permission denied");
    let mut zk = begin(&mut model, "zk/0", "config-changed");
    assert_eq!(
        zk.secret_get(&mut model, Some(&uri), None, SecretRead::Pinned)
            .unwrap_err()
            .to_string(),
        "permission denied"
    );
    assert!(zk.secret_ids(&model).is_empty());
}
