//! Kafka ACLs as data, and the ACLs a `kafka-client` relation gets.
//!
//! The model is Kafka's (`org.apache.kafka.common.acl`, `…resource`): a binding of a resource
//! pattern (type, name, LITERAL or PREFIXED) to an entry (principal, host, operation,
//! allow/deny). The names are written as Kafka writes them into ZooKeeper
//! (`SecurityUtils.resourceTypeName/operationName/permissionTypeName`: PascalCase, `Topic`,
//! `DescribeConfigs`, `Allow`).
//!
//! What a client gets follows the Python charm (`src/managers/auth.py`, `AuthManager`):
//! - `producer`: `Create`, `Write`, `Describe` on the topic;
//! - `consumer`: `Read`, `Describe` on the topic and `Read` on its consumer groups, a
//!   PREFIXED pattern on `consumer-group-prefix` (default `<username>-`,
//!   `KafkaClient.consumer_group_prefix` in `src/core/models.py`);
//! - `admin`: no ACL at all; the user becomes a super user (`super.users`), which needs a
//!   broker restart ([`ClientAcls::super_user`]);
//! - a topic longer than 3 characters ending in `*` is PREFIXED (without the `*`), any other
//!   topic LITERAL, so `*` alone is Kafka's literal wildcard (every topic), as upstream.
//!
//! One addition: a consumer group prefix of `*` becomes the literal wildcard group (every
//! group) instead of a PREFIXED pattern on the character `*`, which would match nothing.

use std::collections::BTreeSet;
use std::fmt;

/// A Kafka resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    /// A topic.
    Topic,
    /// A consumer group.
    Group,
    /// The cluster (name `kafka-cluster`).
    Cluster,
    /// A transactional id.
    TransactionalId,
    /// A delegation token.
    DelegationToken,
    /// A user (for delegation tokens).
    User,
}

impl ResourceType {
    /// Every concrete type (Kafka's `AclEntry.RESOURCE_TYPES`).
    pub const ALL: [ResourceType; 6] = [
        ResourceType::Topic,
        ResourceType::Group,
        ResourceType::Cluster,
        ResourceType::TransactionalId,
        ResourceType::DelegationToken,
        ResourceType::User,
    ];

    /// PascalCase, as in znode paths (`/kafka-acl/Topic/…`).
    pub fn pascal(self) -> &'static str {
        match self {
            ResourceType::Topic => "Topic",
            ResourceType::Group => "Group",
            ResourceType::Cluster => "Cluster",
            ResourceType::TransactionalId => "TransactionalId",
            ResourceType::DelegationToken => "DelegationToken",
            ResourceType::User => "User",
        }
    }

    /// The Java enum name (`TOPIC`), as in change notifications.
    pub fn upper(self) -> &'static str {
        match self {
            ResourceType::Topic => "TOPIC",
            ResourceType::Group => "GROUP",
            ResourceType::Cluster => "CLUSTER",
            ResourceType::TransactionalId => "TRANSACTIONAL_ID",
            ResourceType::DelegationToken => "DELEGATION_TOKEN",
            ResourceType::User => "USER",
        }
    }

    /// Parses either spelling (Kafka accepts both).
    pub fn parse(text: &str) -> Option<ResourceType> {
        ResourceType::ALL
            .into_iter()
            .find(|t| t.pascal() == text || t.upper() == text)
    }
}

/// How a resource name is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatternType {
    /// The exact name (or `*`, every resource of the type).
    Literal,
    /// Every name starting with the given one.
    Prefixed,
}

impl PatternType {
    /// The Java enum name.
    pub fn upper(self) -> &'static str {
        match self {
            PatternType::Literal => "LITERAL",
            PatternType::Prefixed => "PREFIXED",
        }
    }
}

/// An ACL operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Every operation.
    All,
    /// Read.
    Read,
    /// Write.
    Write,
    /// Create.
    Create,
    /// Delete.
    Delete,
    /// Alter.
    Alter,
    /// Describe.
    Describe,
    /// Cluster action (inter-broker).
    ClusterAction,
    /// Describe configs.
    DescribeConfigs,
    /// Alter configs.
    AlterConfigs,
    /// Idempotent write.
    IdempotentWrite,
    /// Create delegation tokens.
    CreateTokens,
    /// Describe delegation tokens.
    DescribeTokens,
}

impl Operation {
    const NAMES: [(Operation, &'static str); 13] = [
        (Operation::All, "All"),
        (Operation::Read, "Read"),
        (Operation::Write, "Write"),
        (Operation::Create, "Create"),
        (Operation::Delete, "Delete"),
        (Operation::Alter, "Alter"),
        (Operation::Describe, "Describe"),
        (Operation::ClusterAction, "ClusterAction"),
        (Operation::DescribeConfigs, "DescribeConfigs"),
        (Operation::AlterConfigs, "AlterConfigs"),
        (Operation::IdempotentWrite, "IdempotentWrite"),
        (Operation::CreateTokens, "CreateTokens"),
        (Operation::DescribeTokens, "DescribeTokens"),
    ];

    /// PascalCase, as stored in ZooKeeper.
    pub fn pascal(self) -> &'static str {
        Operation::NAMES
            .iter()
            .find(|(op, _)| *op == self)
            .map(|(_, name)| *name)
            .unwrap_or("Unknown")
    }

    /// Parses PascalCase or UPPER_SNAKE (`DESCRIBE_CONFIGS`).
    pub fn parse(text: &str) -> Option<Operation> {
        let squashed: String = text.chars().filter(|c| *c != '_').collect::<String>().to_lowercase();
        Operation::NAMES
            .iter()
            .find(|(_, name)| name.to_lowercase() == squashed)
            .map(|(op, _)| *op)
    }
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Allow.
    Allow,
    /// Deny.
    Deny,
}

impl Permission {
    /// PascalCase, as stored.
    pub fn pascal(self) -> &'static str {
        match self {
            Permission::Allow => "Allow",
            Permission::Deny => "Deny",
        }
    }

    /// Parses either case.
    pub fn parse(text: &str) -> Option<Permission> {
        match text.to_ascii_lowercase().as_str() {
            "allow" => Some(Permission::Allow),
            "deny" => Some(Permission::Deny),
            _ => None,
        }
    }
}

/// A resource pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourcePattern {
    /// The type.
    pub resource_type: ResourceType,
    /// The name (or prefix).
    pub name: String,
    /// How `name` matches.
    pub pattern_type: PatternType,
}

impl ResourcePattern {
    /// A pattern.
    pub fn new(resource_type: ResourceType, name: impl Into<String>, pattern_type: PatternType) -> ResourcePattern {
        ResourcePattern {
            resource_type,
            name: name.into(),
            pattern_type,
        }
    }
}

impl fmt::Display for ResourcePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.pattern_type.upper(),
            self.resource_type.pascal(),
            self.name
        )
    }
}

/// One ACL entry of a resource (Kafka's `AclEntry`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AclEntry {
    /// `User:<name>`.
    pub principal: String,
    /// Allow or deny.
    pub permission: Permission,
    /// The operation.
    pub operation: Operation,
    /// The client host, `*` for any.
    pub host: String,
}

impl AclEntry {
    /// Allows `operation` to `User:<user>` from any host.
    pub fn allow_user(user: &str, operation: Operation) -> AclEntry {
        AclEntry {
            principal: format!("User:{user}"),
            permission: Permission::Allow,
            operation,
            host: "*".to_owned(),
        }
    }
}

/// A resource pattern and one entry on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AclBinding {
    /// The resource.
    pub pattern: ResourcePattern,
    /// The entry.
    pub entry: AclEntry,
}

/// The roles a client asks for in `extra-user-roles` (comma separated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientRoles {
    /// `producer`.
    pub producer: bool,
    /// `consumer`.
    pub consumer: bool,
    /// `admin`.
    pub admin: bool,
}

impl ClientRoles {
    /// Parses `extra-user-roles`; unknown roles are ignored as upstream ignores them.
    pub fn parse(extra_user_roles: &str) -> ClientRoles {
        let roles: BTreeSet<String> = extra_user_roles
            .split(',')
            .map(|r| r.trim().to_ascii_lowercase())
            .filter(|r| !r.is_empty())
            .collect();
        ClientRoles {
            producer: roles.contains("producer"),
            consumer: roles.contains("consumer"),
            admin: roles.contains("admin"),
        }
    }
}

/// What a `kafka-client` relation asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequest {
    /// The client's user, `relation-<id>`.
    pub username: String,
    /// The `topic` field.
    pub topic: String,
    /// The `extra-user-roles` field.
    pub extra_user_roles: String,
    /// The `consumer-group-prefix` field, if the client sent one.
    pub consumer_group_prefix: Option<String>,
}

/// The ACLs of one client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientAcls {
    /// The bindings to have.
    pub bindings: BTreeSet<AclBinding>,
    /// Whether the user must be in `super.users` (role `admin`).
    pub super_user: bool,
}

/// The topic pattern of a requested topic (upstream rule, see the module docs).
pub fn topic_pattern(topic: &str) -> ResourcePattern {
    if topic.chars().count() > 3 && topic.ends_with('*') {
        ResourcePattern::new(ResourceType::Topic, topic.trim_end_matches('*'), PatternType::Prefixed)
    } else {
        ResourcePattern::new(ResourceType::Topic, topic, PatternType::Literal)
    }
}

/// The consumer-group pattern: PREFIXED on the prefix, the literal wildcard for `*`.
pub fn group_pattern(prefix: &str) -> ResourcePattern {
    if prefix == "*" {
        ResourcePattern::new(ResourceType::Group, "*", PatternType::Literal)
    } else {
        ResourcePattern::new(ResourceType::Group, prefix, PatternType::Prefixed)
    }
}

/// The consumer group prefix a client gets: its own, else `<username>-`.
pub fn consumer_group_prefix(request: &ClientRequest) -> String {
    request
        .consumer_group_prefix
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}-", request.username))
}

/// The ACLs a client gets for its roles and topic. An empty topic gets no topic ACLs.
pub fn client_acls(request: &ClientRequest) -> ClientAcls {
    let roles = ClientRoles::parse(&request.extra_user_roles);
    let mut bindings = BTreeSet::new();
    let topic = request.topic.trim();
    let mut add = |pattern: &ResourcePattern, operations: &[Operation]| {
        for op in operations {
            bindings.insert(AclBinding {
                pattern: pattern.clone(),
                entry: AclEntry::allow_user(&request.username, *op),
            });
        }
    };
    if !topic.is_empty() {
        let topic = topic_pattern(topic);
        if roles.producer {
            add(&topic, &[Operation::Create, Operation::Write, Operation::Describe]);
        }
        if roles.consumer {
            add(&topic, &[Operation::Read, Operation::Describe]);
        }
    }
    if roles.consumer {
        add(&group_pattern(&consumer_group_prefix(request)), &[Operation::Read]);
    }
    ClientAcls {
        bindings,
        super_user: roles.admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in ResourceType::ALL {
            assert_eq!(ResourceType::parse(t.pascal()), Some(t));
            assert_eq!(ResourceType::parse(t.upper()), Some(t));
        }
        assert_eq!(Operation::parse("DESCRIBE_CONFIGS"), Some(Operation::DescribeConfigs));
        assert_eq!(Operation::parse("IdempotentWrite"), Some(Operation::IdempotentWrite));
        assert_eq!(Operation::DescribeConfigs.pascal(), "DescribeConfigs");
        assert_eq!(Permission::parse("ALLOW"), Some(Permission::Allow));
    }

    #[test]
    fn topic_patterns_follow_upstream() {
        assert_eq!(topic_pattern("orders*").pattern_type, PatternType::Prefixed);
        assert_eq!(topic_pattern("orders*").name, "orders");
        assert_eq!(topic_pattern("ab*").pattern_type, PatternType::Literal);
        assert_eq!(topic_pattern("*").name, "*");
        assert_eq!(topic_pattern("orders").pattern_type, PatternType::Literal);
    }
}
