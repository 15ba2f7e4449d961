use juju_model::CharmMeta;

use super::*;
use crate::hook::Hook;
use crate::relation::RelationEnd;

const ZK: &str = r#"
name: zk
peers: {cluster: {interface: cluster}}
provides: {zookeeper: {interface: zookeeper}}
containers: {zookeeper: {resource: image}}
storage: {data: {type: filesystem, location: /var/lib/zookeeper}}
"#;

fn unit(name: &str) -> UnitName {
    UnitName::new(name).unwrap()
}

/// `unit: hook [remote]` lines, for readable comparisons.
fn lines(hooks: &[HookContext]) -> Vec<String> {
    hooks
        .iter()
        .map(|h| {
            let mut line = format!("{}: {}", h.unit, h.name);
            if let Some(remote) = &h.remote_unit {
                line.push_str(&format!(" {remote}"));
            }
            if let Some(departing) = &h.departing_unit {
                line.push_str(&format!(" departing={departing}"));
            }
            line
        })
        .collect()
}

fn for_unit(hooks: &[HookContext], name: &str) -> Vec<String> {
    lines(hooks)
        .into_iter()
        .filter(|l| l.starts_with(&format!("{name}: ")))
        .collect()
}

fn zk_and_kafka() -> (Model, AppName, AppName, RelationId) {
    let mut model = Model::default();
    let zk = model
        .deploy("zk", CharmMeta::from_charmcraft_yaml(ZK).unwrap(), 2)
        .unwrap();
    let kafka = model.deploy("kafka", CharmMeta::default(), 1).unwrap();
    let rel = model
        .relate(
            RelationEnd::new(zk.clone(), "zookeeper"),
            RelationEnd::new(kafka.clone(), "zookeeper"),
        )
        .unwrap();
    (model, zk, kafka, rel)
}

#[test]
fn deploy_follows_juju_order_per_unit() {
    let mut model = Model::default();
    let zk = model
        .deploy("zk", CharmMeta::from_charmcraft_yaml(ZK).unwrap(), 2)
        .unwrap();
    let hooks = deploy(&model, &zk).unwrap();
    assert_eq!(
        for_unit(&hooks, "zk/0"),
        [
            "zk/0: install",
            "zk/0: cluster-relation-created",
            "zk/0: leader-elected",
            "zk/0: config-changed",
            "zk/0: start",
            "zk/0: data-storage-attached",
            "zk/0: zookeeper-pebble-ready",
            "zk/0: cluster-relation-joined zk/1",
            "zk/0: cluster-relation-changed zk/1",
        ]
    );
    assert_eq!(for_unit(&hooks, "zk/1")[2], "zk/1: leader-settings-changed");
    let created = hooks.iter().find(|h| h.name == "cluster-relation-created").unwrap();
    let env = created.to_env(&model).unwrap();
    assert_eq!(env.remote_unit, None, "JUJU_REMOTE_UNIT is empty on -created");
    assert_eq!(env.remote_app.as_ref(), Some(&zk));
    let storage = hooks
        .iter()
        .find(|h| h.name == "data-storage-attached")
        .unwrap()
        .to_env(&model)
        .unwrap();
    assert_eq!(storage.storage_location.as_deref(), Some("/var/lib/zookeeper"));
    let ready = hooks
        .iter()
        .find(|h| h.name == "zookeeper-pebble-ready")
        .unwrap()
        .to_env(&model)
        .unwrap();
    assert_eq!(ready.workload_name.as_deref(), Some("zookeeper"));
}

#[test]
fn a_single_unit_gets_no_peer_joined() {
    let mut model = Model::default();
    let zk = model
        .deploy("zk", CharmMeta::from_charmcraft_yaml(ZK).unwrap(), 1)
        .unwrap();
    assert!(deploy(&model, &zk)
        .unwrap()
        .iter()
        .all(|h| !h.name.ends_with("-relation-joined")));
}

#[test]
fn relate_creates_everywhere_then_joins_and_changes_per_remote_unit() {
    let (model, _, _, rel) = zk_and_kafka();
    let hooks = relate(&model, rel).unwrap();
    let all = lines(&hooks);
    assert_eq!(
        all,
        [
            "kafka/0: zookeeper-relation-created",
            "zk/0: zookeeper-relation-created",
            "zk/1: zookeeper-relation-created",
            "kafka/0: zookeeper-relation-joined zk/0",
            "kafka/0: zookeeper-relation-changed zk/0",
            "kafka/0: zookeeper-relation-joined zk/1",
            "kafka/0: zookeeper-relation-changed zk/1",
            "zk/0: zookeeper-relation-joined kafka/0",
            "zk/0: zookeeper-relation-changed kafka/0",
            "zk/1: zookeeper-relation-joined kafka/0",
            "zk/1: zookeeper-relation-changed kafka/0",
        ]
    );
}

#[test]
fn unrelate_departs_each_remote_unit_then_breaks() {
    let (model, _, _, rel) = zk_and_kafka();
    let hooks = unrelate(&model, rel).unwrap();
    assert_eq!(
        for_unit(&hooks, "kafka/0"),
        [
            "kafka/0: zookeeper-relation-departed zk/0 departing=zk/0",
            "kafka/0: zookeeper-relation-departed zk/1 departing=zk/1",
            "kafka/0: zookeeper-relation-broken",
        ]
    );
    let broken = hooks
        .iter()
        .find(|h| h.name.ends_with("broken"))
        .unwrap()
        .to_env(&model)
        .unwrap();
    assert_eq!(broken.remote_unit, None, "JUJU_REMOTE_UNIT is empty on -broken");
}

#[test]
fn scale_up_starts_the_new_unit_and_joins_both_ways() {
    let (mut model, zk, _, rel) = zk_and_kafka();
    let new = model.add_unit(&zk).unwrap();
    let hooks = scale_up(&model, &new).unwrap();
    assert_eq!(
        for_unit(&hooks, "zk/2"),
        [
            "zk/2: install",
            "zk/2: cluster-relation-created",
            "zk/2: zookeeper-relation-created",
            "zk/2: leader-settings-changed",
            "zk/2: config-changed",
            "zk/2: start",
            "zk/2: data-storage-attached",
            "zk/2: zookeeper-pebble-ready",
            "zk/2: cluster-relation-joined zk/0",
            "zk/2: cluster-relation-changed zk/0",
            "zk/2: cluster-relation-joined zk/1",
            "zk/2: cluster-relation-changed zk/1",
            "zk/2: zookeeper-relation-joined kafka/0",
            "zk/2: zookeeper-relation-changed kafka/0",
        ]
    );
    assert_eq!(
        for_unit(&hooks, "kafka/0"),
        [
            "kafka/0: zookeeper-relation-joined zk/2",
            "kafka/0: zookeeper-relation-changed zk/2"
        ]
    );
    assert_eq!(
        for_unit(&hooks, "zk/0"),
        [
            "zk/0: cluster-relation-joined zk/2",
            "zk/0: cluster-relation-changed zk/2"
        ]
    );
    let _ = rel;
}

#[test]
fn scale_down_departs_breaks_and_tears_down_then_elects() {
    let (model, _, _, _) = zk_and_kafka();
    let leaving = unit("zk/0");
    let hooks = scale_down(&model, &leaving).unwrap();
    assert_eq!(
        for_unit(&hooks, "zk/0"),
        [
            "zk/0: cluster-relation-departed zk/1 departing=zk/0",
            "zk/0: zookeeper-relation-departed kafka/0 departing=zk/0",
            "zk/0: zookeeper-relation-broken",
            "zk/0: data-storage-detaching",
            "zk/0: stop",
            "zk/0: remove",
        ]
    );
    assert_eq!(
        for_unit(&hooks, "zk/1"),
        [
            "zk/1: cluster-relation-departed zk/0 departing=zk/0",
            "zk/1: leader-elected"
        ]
    );
    assert_eq!(
        for_unit(&hooks, "kafka/0"),
        ["kafka/0: zookeeper-relation-departed zk/0 departing=zk/0"]
    );
}

#[test]
fn remove_app_tears_down_every_unit() {
    let (model, _, kafka, _) = zk_and_kafka();
    let hooks = remove_app(&model, &kafka).unwrap();
    assert_eq!(
        for_unit(&hooks, "kafka/0"),
        [
            "kafka/0: zookeeper-relation-departed zk/0 departing=zk/0",
            "kafka/0: zookeeper-relation-departed zk/1 departing=zk/1",
            "kafka/0: zookeeper-relation-broken",
            "kafka/0: stop",
            "kafka/0: remove",
        ]
    );
    assert_eq!(
        for_unit(&hooks, "zk/1"),
        [
            "zk/1: zookeeper-relation-departed kafka/0 departing=kafka/0",
            "zk/1: zookeeper-relation-broken"
        ]
    );
}

#[test]
fn upgrade_and_config_change() {
    let (model, zk, _, _) = zk_and_kafka();
    let hooks = upgrade(&model, &zk).unwrap();
    assert_eq!(
        for_unit(&hooks, "zk/1"),
        [
            "zk/1: stop",
            "zk/1: upgrade-charm",
            "zk/1: config-changed",
            "zk/1: leader-settings-changed",
            "zk/1: start",
            "zk/1: zookeeper-pebble-ready",
        ]
    );
    assert!(!for_unit(&hooks, "zk/0")
        .iter()
        .any(|l| l.contains("leader-settings-changed")));
    assert_eq!(
        lines(&config_changed(&model, &zk).unwrap()),
        ["zk/0: config-changed", "zk/1: config-changed"]
    );
}

#[test]
fn relation_changed_goes_to_the_other_side_not_the_writer() {
    let (mut model, _, _, rel) = zk_and_kafka();
    let peer = RelationId(0);
    let mut hook = Hook::begin(&mut model, HookContext::hook(unit("zk/0"), "update-status")).unwrap();
    let data = [("k".to_owned(), "v".to_owned())].into();
    hook.relation_set(&model, Some(rel), false, &data).unwrap();
    hook.relation_set(&model, Some(rel), true, &data).unwrap();
    hook.relation_set(&model, Some(peer), false, &data).unwrap();
    hook.relation_set(&model, Some(peer), true, &data).unwrap();
    let report = hook.commit(&mut model).committed.unwrap();
    let hooks = after_commit(&model, &report).unwrap();
    assert_eq!(
        lines(&hooks),
        [
            // zk/0's unit bag on `zookeeper`: only kafka's units, not zk/1.
            "kafka/0: zookeeper-relation-changed zk/0",
            // zk's app bag on `zookeeper`: kafka's units, no remote unit.
            "kafka/0: zookeeper-relation-changed",
            // Peer unit bag and peer app bag: the other peers, never the writer.
            "zk/1: cluster-relation-changed zk/0",
            "zk/1: cluster-relation-changed",
        ]
    );
    let app_changed = hooks[1].to_env(&model).unwrap();
    assert_eq!(app_changed.remote_unit, None);
    assert_eq!(app_changed.remote_app.map(|a| a.to_string()).as_deref(), Some("zk"));
}

#[test]
fn leader_change_tells_everyone() {
    let (model, _, _, _) = zk_and_kafka();
    assert_eq!(
        lines(&leader_change(&model, &unit("zk/1")).unwrap()),
        ["zk/1: leader-elected", "zk/0: leader-settings-changed"]
    );
}
