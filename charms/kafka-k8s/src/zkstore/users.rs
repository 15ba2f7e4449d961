//! SCRAM users under `/config/users` (ZooKeeper mode).

use std::collections::BTreeMap;

use super::json::{decode_user_config, encode_user_config};
use super::{
    sanitize_entity_name, Change, KafkaZkStore, CONFIG_CHANGES_PATH, CONFIG_CHANGE_PREFIX, RETRIES, USERS_PATH,
};
use crate::error::Error;
use crate::scram::{ScramCredential, ScramMechanism, StoredCredential};
use crate::workload::inputs::check_username;
use crate::workload::Secret;

impl KafkaZkStore<'_> {
    /// The znode of `user`.
    pub fn user_path(&self, user: &str) -> String {
        self.path(&format!("{USERS_PATH}/{}", sanitize_entity_name(user)))
    }

    /// The user's config (mechanism → credential text, plus any quota keys), `None` when the
    /// user has no znode.
    pub fn user_config(&self, user: &str) -> Result<Option<BTreeMap<String, String>>, Error> {
        let path = self.user_path(user);
        match self.read(&path)? {
            None => Ok(None),
            Some((data, _)) => decode_user_config(&data)
                .map(Some)
                .map_err(|why| Error::ZnodeData { path, why }),
        }
    }

    /// Whether the user's stored `mechanism` credential was made from `password`.
    pub fn user_matches(&self, user: &str, mechanism: ScramMechanism, password: &Secret) -> Result<bool, Error> {
        let Some(config) = self.user_config(user)? else {
            return Ok(false);
        };
        Ok(config
            .get(mechanism.kafka_name())
            .and_then(|text| StoredCredential::parse(text).ok())
            .is_some_and(|stored| stored.matches(mechanism, password.expose())))
    }

    /// Creates or rotates the user's credential, as `kafka-configs.sh --alter --entity-type
    /// users --add-config SCRAM-SHA-512=[iterations=…,password=…]` does: other config keys of
    /// the user are kept, and a change notice tells running brokers. Unchanged (no write)
    /// when the stored credential already matches the password and iteration count.
    pub fn upsert_scram_user(
        &self,
        user: &str,
        mechanism: ScramMechanism,
        password: &Secret,
        iterations: u32,
    ) -> Result<Change, Error> {
        check_username(user).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        if password.is_empty() {
            return Err(Error::InvalidArgument(format!("empty password for {user}")));
        }
        let path = self.user_path(user);
        for _ in 0..RETRIES {
            let current = self.read(&path)?;
            let (mut config, version) = match &current {
                None => (BTreeMap::new(), None),
                Some((data, version)) => (
                    decode_user_config(data).map_err(|why| Error::ZnodeData {
                        path: path.clone(),
                        why,
                    })?,
                    Some(*version),
                ),
            };
            let up_to_date = config
                .get(mechanism.kafka_name())
                .and_then(|text| StoredCredential::parse(text).ok())
                .is_some_and(|stored| stored.iterations == iterations && stored.matches(mechanism, password.expose()));
            if up_to_date {
                return Ok(Change::Unchanged);
            }
            let credential =
                ScramCredential::generate(mechanism, password.expose(), iterations).map_err(|e| e.for_user(user))?;
            config.insert(mechanism.kafka_name().to_owned(), credential.to_kafka_string());
            if self.write(&path, &encode_user_config(&config), version)? {
                self.notify_user(user)?;
                return Ok(if version.is_none() {
                    Change::Created
                } else {
                    Change::Updated
                });
            }
        }
        Err(Error::Contended { path })
    }

    /// Removes the user's `mechanism` credential (`--delete-config SCRAM-SHA-512`); the znode
    /// goes when nothing is left in it, as Kafka's `tryCleanQuotaNodes` does.
    pub fn delete_scram_user(&self, user: &str, mechanism: ScramMechanism) -> Result<Change, Error> {
        check_username(user).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let path = self.user_path(user);
        for _ in 0..RETRIES {
            let Some((data, version)) = self.read(&path)? else {
                return Ok(Change::Unchanged);
            };
            let mut config = decode_user_config(&data).map_err(|why| Error::ZnodeData {
                path: path.clone(),
                why,
            })?;
            if config.remove(mechanism.kafka_name()).is_none() {
                return Ok(Change::Unchanged);
            }
            let has_children = !self.admin.get_children(&path)?.is_empty();
            let done = if config.is_empty() && !has_children {
                self.remove(&path, version)?
            } else {
                self.write(&path, &encode_user_config(&config), Some(version))?
            };
            if done {
                self.notify_user(user)?;
                return Ok(if config.is_empty() && !has_children {
                    Change::Deleted
                } else {
                    Change::Updated
                });
            }
        }
        Err(Error::Contended { path })
    }

    fn notify_user(&self, user: &str) -> Result<String, Error> {
        let body = format!(
            "{{\"version\":2,\"entity_path\":{}}}",
            serde_json::to_string(&format!("users/{}", sanitize_entity_name(user))).unwrap_or_default()
        );
        self.notify(CONFIG_CHANGES_PATH, CONFIG_CHANGE_PREFIX, body.as_bytes())
    }
}
