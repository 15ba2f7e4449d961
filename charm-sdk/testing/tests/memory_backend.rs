//! `MemoryBackend` directly: Juju's refusals reach the SDK's error classification with
//! Juju's exact texts, calls are recorded, and the transaction holds.
// Test fixtures: a failed setup should panic at once.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use charm_sdk::backend::StatusTarget;
use charm_sdk::{Backend, SecretMeta, SecretRead, SecretRef, ToolErrorKind};
use charm_testing::MemoryBackend;
use juju_model::tools::{BagOwner, SecretOwner};
use juju_model::{AppName, CharmMeta, RelationId, SecretUri, Status, UnitName};
use juju_rules::{HookContext, Model, RelationEnd};

const ZK: &str = "name: zk\npeers: {cluster: {interface: c}}\nprovides: {zookeeper: {interface: zookeeper}}\n";

fn model() -> (Model, RelationId) {
    let mut model = Model::default();
    let zk = model
        .deploy("zk", CharmMeta::from_charmcraft_yaml(ZK).unwrap(), 2)
        .unwrap();
    let kafka = model.deploy("kafka", CharmMeta::default(), 1).unwrap();
    let rel = model
        .relate(RelationEnd::new(zk, "zookeeper"), RelationEnd::new(kafka, "zookeeper"))
        .unwrap();
    (model, rel)
}

fn unit(name: &str) -> UnitName {
    UnitName::new(name).unwrap()
}

fn backend(model: Model, unit_name: &str) -> MemoryBackend {
    MemoryBackend::new(model, HookContext::hook(unit(unit_name), "update-status")).unwrap()
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn refusals_carry_jujus_text_and_the_sdks_classification() {
    let (model, rel) = model();
    let mut follower = backend(model, "zk/1");

    let err = follower.relation_set(rel, true, &bag(&[("a", "b")])).unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ToolErrorKind::NotLeader, "cannot write relation settings")
    );

    let err = follower
        .relation_get(rel, &BagOwner::App(AppName::new("zk").unwrap()))
        .unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ToolErrorKind::PermissionDenied, "permission denied")
    );

    let err = follower.relation_list(RelationId(99)).unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ToolErrorKind::RelationNotFound, "relation not found")
    );

    let err = follower
        .status_set(StatusTarget::Application, &Status::active(""))
        .unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ToolErrorKind::NotLeader, "this unit is not the leader")
    );

    let missing = SecretUri::new("secret:d0000000000000000000").unwrap();
    let err = follower
        .secret_get(&SecretRef::uri(missing), SecretRead::Pinned)
        .unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (
            ToolErrorKind::SecretNotFound,
            r#"secret "d0000000000000000000" not found"#
        )
    );

    let err = follower
        .secret_add(&bag(&[("password", "x")]), &SecretMeta::default())
        .unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::NotLeader);

    let err = follower.action_get().unwrap_err();
    assert_eq!(err.message, "not running an action");

    let err = follower.state_set(&bag(&[("k", &"v".repeat(70_000))])).unwrap_err();
    assert_eq!(err.message, "max allowed value length (65536) exceeded");

    // Every refusal is kept with the rule's explanation.
    let explained: Vec<&str> = follower.refusals().iter().map(|(_, e)| e.explain()).collect();
    assert!(
        explained[0].contains("unit zk/1 is not leader: only the leader may write app data on `zookeeper`"),
        "{explained:?}"
    );
    assert_eq!(follower.calls().len(), 8);
}

#[test]
fn consumers_read_only_granted_secrets_and_pins_hold() {
    let (model, rel) = model();
    let mut leader = backend(model, "zk/0");
    let uri = leader
        .secret_add(&bag(&[("password", "one")]), &SecretMeta::default())
        .unwrap();
    assert_eq!(leader.calls(), ["secret-add password"], "keys only, never values");
    let finish = leader.finish(true);

    let mut kafka = backend(finish.model, "kafka/0");
    let err = kafka
        .secret_get(&SecretRef::uri(uri.clone()), SecretRead::Pinned)
        .unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ToolErrorKind::PermissionDenied, "permission denied")
    );
    let model = kafka.finish(true).model;

    let mut leader = backend(model, "zk/0");
    leader.secret_grant(&uri, rel, None).unwrap();
    let model = leader.finish(true).model;

    let mut kafka = backend(model, "kafka/0");
    let labelled = SecretRef {
        uri: Some(uri.clone()),
        label: Some("zk-password".into()),
    };
    assert_eq!(
        kafka.secret_get(&labelled, SecretRead::Pinned).unwrap()["password"],
        "one"
    );
    let model = kafka.finish(false).model;

    let mut leader = backend(model, "zk/0");
    leader
        .secret_set(&uri, Some(&bag(&[("password", "two")])), &SecretMeta::default())
        .unwrap();
    let finish = leader.finish(true);
    let report = finish.finished.committed.unwrap();
    let next = juju_rules::order::after_commit(&finish.model, &report).unwrap();
    assert_eq!(
        next.iter()
            .map(|h| (h.unit.to_string(), h.name.clone()))
            .collect::<Vec<_>>(),
        [("kafka/0".to_owned(), "secret-changed".to_owned())]
    );
    assert_eq!(
        next[0].secret.as_ref().unwrap().label.as_deref(),
        Some("zk-password"),
        "the consumer's own label"
    );

    let mut kafka = backend(finish.model, "kafka/0");
    let by_label = SecretRef::label("zk-password");
    assert_eq!(
        kafka.secret_get(&by_label, SecretRead::Pinned).unwrap()["password"],
        "one"
    );
    assert_eq!(
        kafka.secret_get(&by_label, SecretRead::Peek).unwrap()["password"],
        "two"
    );
    assert_eq!(
        kafka.secret_get(&by_label, SecretRead::Pinned).unwrap()["password"],
        "one"
    );
    assert_eq!(
        kafka.secret_get(&by_label, SecretRead::Refresh).unwrap()["password"],
        "two"
    );
    assert_eq!(
        kafka.secret_get(&by_label, SecretRead::Pinned).unwrap()["password"],
        "two"
    );
}

#[test]
fn unit_owned_secrets_need_no_leadership_and_stay_private() {
    let (model, _) = model();
    let mut follower = backend(model, "zk/1");
    let meta = SecretMeta {
        owner: Some(SecretOwner::Unit),
        label: Some("mine".into()),
        ..SecretMeta::default()
    };
    let uri = follower.secret_add(&bag(&[("token", "t")]), &meta).unwrap();
    assert_eq!(follower.secret_ids().unwrap(), std::slice::from_ref(&uri));
    let info = follower.secret_info_get(&SecretRef::label("mine")).unwrap();
    assert_eq!(info.owner, SecretOwner::Unit);
    let model = follower.finish(true).model;

    let mut other = backend(model, "zk/0");
    let err = other.secret_get(&SecretRef::uri(uri), SecretRead::Pinned).unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::PermissionDenied);
}

#[test]
fn discard_keeps_status_and_drops_writes() {
    let (model, rel) = model();
    let mut leader = backend(model, "zk/0");
    leader
        .relation_set(rel, true, &bag(&[("endpoints", "zk-0:2181")]))
        .unwrap();
    leader.state_set(&bag(&[("k", "v")])).unwrap();
    leader
        .status_set(StatusTarget::Unit, &Status::maintenance("working"))
        .unwrap();
    assert_eq!(
        leader
            .relation_get(rel, &BagOwner::App(AppName::new("zk").unwrap()))
            .unwrap()["endpoints"],
        "zk-0:2181"
    );
    let finish = leader.finish(false);
    assert!(finish.finished.committed.is_none());
    let zk0 = finish.model.unit(&unit("zk/0")).unwrap();
    assert!(zk0.state.is_empty());
    assert_eq!(zk0.status, Status::maintenance("working"));
    assert!(!finish.model.relations[&rel].app_data[&AppName::new("zk").unwrap()].contains_key("endpoints"));
}
