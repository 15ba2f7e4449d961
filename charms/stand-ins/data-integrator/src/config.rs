//! The config, and the Python charm's first two reasons to be Blocked.
//!
//! data-integrator is useless until it knows what to ask for, and the operator learns that
//! from its status. The messages are the Python charm's (they name options it has and the
//! stand-in does not, such as index or prefix), so runbooks and tests that wait for them
//! keep working.

use serde::Deserialize;

/// Blocked: nothing to ask for.
pub const NOTHING_TO_ASK: &str = "Please specify either topic, index, database name, keyspace name, or prefix";
/// Blocked: a topic Kafka would refuse.
pub const BAD_TOPIC: &str = "Please pass an acceptable topic value";

/// The options of charmcraft.yaml (all unset by default). An empty string counts as unset,
/// as in the Python charm.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// `topic-name`.
    pub topic_name: Option<String>,
    /// `database-name`.
    pub database_name: Option<String>,
    /// `extra-user-roles`.
    pub extra_user_roles: Option<String>,
    /// `consumer-group-prefix`.
    pub consumer_group_prefix: Option<String>,
}

impl Config {
    /// The topic, if set.
    pub fn topic(&self) -> Option<&str> {
        non_empty(&self.topic_name)
    }

    /// The database (or ZooKeeper chroot), if set.
    pub fn database(&self) -> Option<&str> {
        non_empty(&self.database_name)
    }

    /// The extra user roles, if set.
    pub fn roles(&self) -> Option<&str> {
        non_empty(&self.extra_user_roles)
    }

    /// The consumer group prefix, if set.
    pub fn consumer_group_prefix(&self) -> Option<&str> {
        non_empty(&self.consumer_group_prefix)
    }

    /// The Blocked message when the config cannot lead to any request.
    pub fn problem(&self) -> Option<&'static str> {
        if self.topic().is_none() && self.database().is_none() {
            return Some(NOTHING_TO_ASK);
        }
        if self.topic().is_some_and(|t| !topic_is_acceptable(t)) {
            return Some(BAD_TOPIC);
        }
        None
    }
}

/// The library's rule: no `*` in a topic's first three characters.
pub fn topic_is_acceptable(topic: &str) -> bool {
    charm_interfaces::dataplatform::kafka::TopicRequest::topic_is_acceptable(topic)
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_in_the_python_order() {
        assert_eq!(Config::default().problem(), Some(NOTHING_TO_ASK));
        let empty = Config {
            topic_name: Some(String::new()),
            ..Config::default()
        };
        assert_eq!(empty.problem(), Some(NOTHING_TO_ASK));
        let wildcard = Config {
            topic_name: Some("*abc".into()),
            ..Config::default()
        };
        assert_eq!(wildcard.problem(), Some(BAD_TOPIC));
        let database = Config {
            database_name: Some("app".into()),
            ..Config::default()
        };
        assert_eq!(database.problem(), None);
    }
}
