//! The ACLs a `kafka-client` relation gets, per `extra-user-roles`, as the Python charm's
//! `AuthManager` computes them (3.x `src/managers/auth.py`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use kafka_k8s::acl::{
    client_acls, consumer_group_prefix, AclBinding, AclEntry, ClientRequest, Operation, PatternType, ResourcePattern,
    ResourceType,
};

fn request(topic: &str, roles: &str, prefix: Option<&str>) -> ClientRequest {
    ClientRequest {
        username: "relation-7".into(),
        topic: topic.into(),
        extra_user_roles: roles.into(),
        consumer_group_prefix: prefix.map(str::to_owned),
    }
}

fn bindings(pattern: &ResourcePattern, ops: &[Operation]) -> BTreeSet<AclBinding> {
    ops.iter()
        .map(|op| AclBinding {
            pattern: pattern.clone(),
            entry: AclEntry::allow_user("relation-7", *op),
        })
        .collect()
}

#[test]
fn producer_gets_create_write_describe_on_the_topic() {
    let acls = client_acls(&request("orders", "producer", None));
    let topic = ResourcePattern::new(ResourceType::Topic, "orders", PatternType::Literal);
    assert_eq!(
        acls.bindings,
        bindings(&topic, &[Operation::Create, Operation::Write, Operation::Describe])
    );
    assert!(!acls.super_user);
}

#[test]
fn consumer_gets_read_describe_and_its_group_prefix() {
    let acls = client_acls(&request("orders", "consumer", None));
    let topic = ResourcePattern::new(ResourceType::Topic, "orders", PatternType::Literal);
    let group = ResourcePattern::new(ResourceType::Group, "relation-7-", PatternType::Prefixed);
    let mut expected = bindings(&topic, &[Operation::Read, Operation::Describe]);
    expected.extend(bindings(&group, &[Operation::Read]));
    assert_eq!(acls.bindings, expected);
    // An explicit prefix wins; `*` is every group.
    let acls = client_acls(&request("orders", "consumer", Some("analytics-")));
    assert!(acls
        .bindings
        .iter()
        .any(|b| b.pattern.name == "analytics-" && b.pattern.pattern_type == PatternType::Prefixed));
    let acls = client_acls(&request("orders", "consumer", Some("*")));
    assert!(acls.bindings.contains(
        &bindings(
            &ResourcePattern::new(ResourceType::Group, "*", PatternType::Literal),
            &[Operation::Read]
        )
        .into_iter()
        .next()
        .unwrap()
    ));
    assert_eq!(
        consumer_group_prefix(&request("t", "consumer", Some("  "))),
        "relation-7-"
    );
}

#[test]
fn both_roles_union_and_admin_is_a_super_user_without_acls() {
    let acls = client_acls(&request("orders", "producer, consumer", None));
    let ops: BTreeSet<Operation> = acls
        .bindings
        .iter()
        .filter(|b| b.pattern.resource_type == ResourceType::Topic)
        .map(|b| b.entry.operation)
        .collect();
    assert_eq!(
        ops,
        [
            Operation::Read,
            Operation::Write,
            Operation::Create,
            Operation::Describe
        ]
        .into()
    );
    let admin = client_acls(&request("orders", "admin", None));
    assert!(admin.super_user && admin.bindings.is_empty());
    assert!(client_acls(&request("orders", "", None)).bindings.is_empty());
    assert!(client_acls(&request("orders", "unknown-role", None))
        .bindings
        .is_empty());
}

#[test]
fn trailing_star_topics_are_prefixed_like_upstream() {
    let acls = client_acls(&request("metrics-*", "producer", None));
    assert!(acls
        .bindings
        .iter()
        .all(|b| b.pattern == ResourcePattern::new(ResourceType::Topic, "metrics-", PatternType::Prefixed)));
    // Three characters or fewer stay LITERAL (upstream's `len(topic) > 3`); `*` alone is the
    // literal wildcard, i.e. every topic.
    let acls = client_acls(&request("ab*", "producer", None));
    assert!(acls
        .bindings
        .iter()
        .all(|b| b.pattern.pattern_type == PatternType::Literal && b.pattern.name == "ab*"));
    let acls = client_acls(&request("*", "consumer", None));
    assert!(acls
        .bindings
        .iter()
        .any(|b| b.pattern.name == "*" && b.pattern.resource_type == ResourceType::Topic));
}
