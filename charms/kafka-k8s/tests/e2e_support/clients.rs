//! The client side: what a related application receives from kafka-k8s.
//!
//! Read the way an operator reads it, with the data-integrator stand-in's `get-credentials`
//! action (the provider's answer with its secrets resolved by the client), and the provider's
//! relation data with `show-unit` (secret URIs only: a password must never be in plain
//! relation data).

use serde_json::Value;

use super::model::Model;

/// What kafka-k8s published for one client.
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaCredentials {
    /// `relation-<id>`.
    pub username: String,
    /// Its password.
    pub password: String,
    /// Bootstrap servers, `host:port,…`.
    pub endpoints: String,
    /// The topic granted.
    pub topic: String,
    /// The consumer group prefix.
    pub consumer_group_prefix: String,
    /// `zookeeper-uris` (ZooKeeper mode): servers and chroot.
    pub zookeeper_uris: String,
    /// `enabled` or `disabled`.
    pub tls: String,
}

impl std::fmt::Debug for KafkaCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaCredentials")
            .field("username", &self.username)
            .field("endpoints", &self.endpoints)
            .field("topic", &self.topic)
            .field("consumer_group_prefix", &self.consumer_group_prefix)
            .field("zookeeper_uris", &self.zookeeper_uris)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// The `kafka` credentials `unit` (a data-integrator) shows, once the provider answered.
pub fn kafka_credentials(model: &Model, unit: &str) -> Result<KafkaCredentials, String> {
    let results = model.try_action(unit, "get-credentials", &[])?;
    let kafka = results
        .get("kafka")
        .ok_or_else(|| format!("no kafka answer: {:?}", results.keys().collect::<Vec<_>>()))?;
    let field = |k: &str| {
        kafka
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no {k} in the kafka answer"))
    };
    Ok(KafkaCredentials {
        username: field("username")?,
        password: field("password")?,
        endpoints: field("endpoints")?,
        topic: field("topic")?,
        consumer_group_prefix: field("consumer-group-prefix")?,
        zookeeper_uris: field("zookeeper-uris")?,
        tls: field("tls")?,
    })
}

/// The `user` secret label kafka-k8s gives a client relation (data_interfaces' scheme).
pub fn user_secret_label(relation_id: u32) -> String {
    format!("kafka-client.{relation_id}.user.secret")
}

/// The ZooKeeper user and password `unit` (a data-integrator related to zookeeper-k8s) got.
pub fn zookeeper_login(model: &Model, unit: &str) -> Result<super::zk::Login, String> {
    let results = model.try_action(unit, "get-credentials", &[])?;
    let zk = results.get("zookeeper").ok_or("no zookeeper answer")?;
    let field = |k: &str| {
        zk.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no {k} in the zookeeper answer"))
    };
    Ok(super::zk::Login {
        user: field("username")?,
        password: field("password")?,
    })
}
