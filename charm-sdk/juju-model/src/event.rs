//! `Event`: what woke the charm, lifted from a [`JujuEnv`].
//!
//! The event name comes from `JUJU_DISPATCH_PATH` (`hooks/<name>` or `actions/<name>`),
//! never from `JUJU_HOOK_NAME`, which is empty for actions. Templated hook names
//! (`<endpoint>-relation-changed`, `<container>-pebble-ready`, …) are matched by suffix; the
//! payload comes from the per-kind variables. A name we do not know becomes
//! [`Event::Unknown`]: a newer Juju must never crash an older charm.

use crate::env::JujuEnv;
use crate::names::{AppName, RelationId, SecretUri, UnitName};
use crate::Error;

/// The relation an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationRef {
    /// The local endpoint name (`JUJU_RELATION`).
    pub endpoint: String,
    /// The relation id (`JUJU_RELATION_ID`).
    pub id: RelationId,
    /// The remote application, when Juju exported it.
    pub remote_app: Option<AppName>,
}

/// Which relation hook ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationHook {
    /// `-relation-created`.
    Created,
    /// `-relation-joined`.
    Joined,
    /// `-relation-changed`.
    Changed,
    /// `-relation-departed`.
    Departed,
    /// `-relation-broken`.
    Broken,
}

/// Which Pebble hook ran for a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PebbleHook {
    /// `<container>-pebble-ready`.
    Ready,
    /// `<container>-pebble-custom-notice` with the notice's id, type and key.
    CustomNotice {
        /// `JUJU_NOTICE_ID`.
        id: String,
        /// `JUJU_NOTICE_TYPE`.
        kind: String,
        /// `JUJU_NOTICE_KEY`.
        key: String,
    },
    /// `<container>-pebble-check-failed`.
    CheckFailed {
        /// `JUJU_PEBBLE_CHECK_NAME`.
        check: String,
    },
    /// `<container>-pebble-check-recovered`.
    CheckRecovered {
        /// `JUJU_PEBBLE_CHECK_NAME`.
        check: String,
    },
}

/// Which secret hook ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretHook {
    /// `secret-changed` (observer side).
    Changed,
    /// `secret-rotate` (owner side).
    Rotate,
    /// `secret-expired` (owner side, with a revision).
    Expired,
    /// `secret-remove` (owner side, with a revision).
    Remove,
}

/// One event Juju can dispatch to a charm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `install`.
    Install,
    /// `start`.
    Start,
    /// `stop`.
    Stop,
    /// `remove`.
    Remove,
    /// `config-changed`.
    ConfigChanged,
    /// `update-status`.
    UpdateStatus,
    /// `upgrade-charm`.
    UpgradeCharm,
    /// `leader-elected`.
    LeaderElected,
    /// `leader-settings-changed`.
    LeaderSettingsChanged,
    /// `collect-metrics` (deprecated, not fired by recent Juju).
    CollectMetrics,
    /// `<endpoint>-relation-<hook>`.
    Relation {
        /// Which relation hook.
        hook: RelationHook,
        /// The relation.
        relation: RelationRef,
        /// `JUJU_REMOTE_UNIT`; `None` on created/broken and app-only changes.
        remote_unit: Option<UnitName>,
        /// `JUJU_DEPARTING_UNIT` on departed.
        departing_unit: Option<UnitName>,
    },
    /// `<storage>-storage-attached`.
    StorageAttached {
        /// Storage id, `<name>/<n>`.
        id: String,
        /// Mount location.
        location: Option<String>,
    },
    /// `<storage>-storage-detaching`.
    StorageDetaching {
        /// Storage id, `<name>/<n>`.
        id: String,
        /// Mount location.
        location: Option<String>,
    },
    /// `<container>-pebble-*`.
    Pebble {
        /// The container (`JUJU_WORKLOAD_NAME`).
        container: String,
        /// Which Pebble hook.
        hook: PebbleHook,
    },
    /// `secret-*`.
    Secret {
        /// Which secret hook.
        hook: SecretHook,
        /// `JUJU_SECRET_ID`.
        uri: SecretUri,
        /// `JUJU_SECRET_LABEL`.
        label: Option<String>,
        /// `JUJU_SECRET_REVISION` (expired and remove).
        revision: Option<u64>,
    },
    /// `actions/<name>`.
    Action {
        /// The action name.
        name: String,
        /// `JUJU_ACTION_UUID`.
        id: Option<String>,
    },
    /// A hook name this version does not know; logged and ignored.
    Unknown(String),
}

const RELATION_SUFFIXES: [(&str, RelationHook); 5] = [
    ("-relation-created", RelationHook::Created),
    ("-relation-joined", RelationHook::Joined),
    ("-relation-changed", RelationHook::Changed),
    ("-relation-departed", RelationHook::Departed),
    ("-relation-broken", RelationHook::Broken),
];

impl Event {
    /// Lifts the event from the environment. Errors only when a hook's own payload is
    /// missing (a relation hook without `JUJU_RELATION_ID`, say): that is a broken
    /// environment, not a new kind of event.
    pub fn from_env(env: &JujuEnv) -> Result<Self, Error> {
        let path = env.dispatch_path.trim_start_matches("./");
        if let Some(name) = path.strip_prefix("actions/") {
            return Ok(Event::Action {
                name: name.to_owned(),
                id: env.action_uuid.clone(),
            });
        }
        let Some(name) = path.strip_prefix("hooks/") else {
            return Ok(Event::Unknown(path.to_owned()));
        };
        Ok(match name {
            "install" => Event::Install,
            "start" => Event::Start,
            "stop" => Event::Stop,
            "remove" => Event::Remove,
            "config-changed" => Event::ConfigChanged,
            "update-status" => Event::UpdateStatus,
            "upgrade-charm" => Event::UpgradeCharm,
            "leader-elected" => Event::LeaderElected,
            "leader-settings-changed" => Event::LeaderSettingsChanged,
            "collect-metrics" => Event::CollectMetrics,
            "secret-changed" => secret(env, SecretHook::Changed)?,
            "secret-rotate" => secret(env, SecretHook::Rotate)?,
            "secret-expired" => secret(env, SecretHook::Expired)?,
            "secret-remove" => secret(env, SecretHook::Remove)?,
            other => templated(env, other)?,
        })
    }

    /// The hook or action name as Juju spells it (`db-relation-changed`, `get-password`).
    pub fn name(&self, env: &JujuEnv) -> String {
        let path = env.dispatch_path.trim_start_matches("./");
        path.split_once('/').map(|(_, n)| n).unwrap_or(path).to_owned()
    }

    /// Whether this is one of the "the world changed" events that run `reconcile`.
    pub fn is_reconcile(&self) -> bool {
        match self {
            Event::Install
            | Event::Start
            | Event::ConfigChanged
            | Event::UpdateStatus
            | Event::UpgradeCharm
            | Event::LeaderElected
            | Event::LeaderSettingsChanged
            | Event::Relation { .. }
            | Event::StorageAttached { .. }
            | Event::Pebble { .. } => true,
            Event::Secret { hook, .. } => *hook == SecretHook::Changed,
            Event::Stop
            | Event::Remove
            | Event::CollectMetrics
            | Event::StorageDetaching { .. }
            | Event::Action { .. }
            | Event::Unknown(_) => false,
        }
    }
}

fn secret(env: &JujuEnv, hook: SecretHook) -> Result<Event, Error> {
    Ok(Event::Secret {
        hook,
        uri: env
            .secret_id
            .clone()
            .ok_or_else(|| Error::MissingVariable("JUJU_SECRET_ID".to_owned()))?,
        label: env.secret_label.clone(),
        revision: env.secret_revision,
    })
}

fn templated(env: &JujuEnv, name: &str) -> Result<Event, Error> {
    for (suffix, hook) in RELATION_SUFFIXES {
        if let Some(endpoint) = name.strip_suffix(suffix) {
            let id = env
                .relation_id
                .ok_or_else(|| Error::MissingVariable("JUJU_RELATION_ID".to_owned()))?;
            return Ok(Event::Relation {
                hook,
                relation: RelationRef {
                    endpoint: env.relation.clone().unwrap_or_else(|| endpoint.to_owned()),
                    id,
                    remote_app: env.remote_app.clone(),
                },
                remote_unit: env.remote_unit.clone(),
                departing_unit: env.departing_unit.clone(),
            });
        }
    }
    if let Some(storage) = name.strip_suffix("-storage-attached") {
        return Ok(Event::StorageAttached {
            id: env.storage_id.clone().unwrap_or_else(|| format!("{storage}/0")),
            location: env.storage_location.clone(),
        });
    }
    if let Some(storage) = name.strip_suffix("-storage-detaching") {
        return Ok(Event::StorageDetaching {
            id: env.storage_id.clone().unwrap_or_else(|| format!("{storage}/0")),
            location: env.storage_location.clone(),
        });
    }
    let container = |suffix: &str| -> Option<String> {
        name.strip_suffix(suffix)
            .map(|c| env.workload_name.clone().unwrap_or_else(|| c.to_owned()))
    };
    let check = || {
        env.pebble_check_name
            .clone()
            .ok_or_else(|| Error::MissingVariable("JUJU_PEBBLE_CHECK_NAME".to_owned()))
    };
    if let Some(container) = container("-pebble-ready") {
        return Ok(Event::Pebble {
            container,
            hook: PebbleHook::Ready,
        });
    }
    if let Some(container) = container("-pebble-custom-notice") {
        let notice = |v: &Option<String>, var: &str| v.clone().ok_or_else(|| Error::MissingVariable(var.to_owned()));
        return Ok(Event::Pebble {
            container,
            hook: PebbleHook::CustomNotice {
                id: notice(&env.notice_id, "JUJU_NOTICE_ID")?,
                kind: notice(&env.notice_type, "JUJU_NOTICE_TYPE")?,
                key: notice(&env.notice_key, "JUJU_NOTICE_KEY")?,
            },
        });
    }
    if let Some(container) = container("-pebble-check-failed") {
        return Ok(Event::Pebble {
            container,
            hook: PebbleHook::CheckFailed { check: check()? },
        });
    }
    if let Some(container) = container("-pebble-check-recovered") {
        return Ok(Event::Pebble {
            container,
            hook: PebbleHook::CheckRecovered { check: check()? },
        });
    }
    Ok(Event::Unknown(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(path: &str, extra: &[(&str, &str)]) -> JujuEnv {
        let mut vars = vec![
            ("JUJU_DISPATCH_PATH".to_owned(), path.to_owned()),
            ("JUJU_UNIT_NAME".to_owned(), "zk/1".to_owned()),
            ("JUJU_MODEL_NAME".to_owned(), "m".to_owned()),
            ("JUJU_MODEL_UUID".to_owned(), "u".to_owned()),
        ];
        vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        JujuEnv::from_vars(vars).unwrap()
    }

    #[test]
    fn fixed_hooks() {
        for (name, want) in [
            ("install", Event::Install),
            ("start", Event::Start),
            ("stop", Event::Stop),
            ("remove", Event::Remove),
            ("config-changed", Event::ConfigChanged),
            ("update-status", Event::UpdateStatus),
            ("upgrade-charm", Event::UpgradeCharm),
            ("leader-elected", Event::LeaderElected),
            ("leader-settings-changed", Event::LeaderSettingsChanged),
            ("collect-metrics", Event::CollectMetrics),
        ] {
            assert_eq!(Event::from_env(&env(&format!("hooks/{name}"), &[])).unwrap(), want);
        }
    }

    #[test]
    fn relation_hooks_with_hyphenated_endpoints() {
        let e = env(
            "hooks/kafka-client-relation-departed",
            &[
                ("JUJU_RELATION", "kafka-client"),
                ("JUJU_RELATION_ID", "kafka-client:12"),
                ("JUJU_REMOTE_APP", "app"),
                ("JUJU_REMOTE_UNIT", "app/0"),
                ("JUJU_DEPARTING_UNIT", "app/0"),
            ],
        );
        let Event::Relation {
            hook,
            relation,
            departing_unit,
            ..
        } = Event::from_env(&e).unwrap()
        else {
            panic!("not a relation event")
        };
        assert_eq!(hook, RelationHook::Departed);
        assert_eq!(relation.endpoint, "kafka-client");
        assert_eq!(relation.id, RelationId(12));
        assert_eq!(departing_unit.unwrap().to_string(), "app/0");
    }

    #[test]
    fn pebble_and_secret_and_action() {
        let e = env(
            "hooks/zookeeper-pebble-custom-notice",
            &[
                ("JUJU_WORKLOAD_NAME", "zookeeper"),
                ("JUJU_NOTICE_ID", "3"),
                ("JUJU_NOTICE_TYPE", "custom"),
                ("JUJU_NOTICE_KEY", "canonical.com/zk/restart"),
            ],
        );
        assert!(matches!(
            Event::from_env(&e).unwrap(),
            Event::Pebble { ref container, hook: PebbleHook::CustomNotice { ref key, .. } }
                if container == "zookeeper" && key == "canonical.com/zk/restart"
        ));
        let e = env(
            "hooks/secret-remove",
            &[
                ("JUJU_SECRET_ID", "secret:cq5l0hvmp25c7d3sbjug"),
                ("JUJU_SECRET_REVISION", "2"),
            ],
        );
        assert!(matches!(
            Event::from_env(&e).unwrap(),
            Event::Secret {
                hook: SecretHook::Remove,
                revision: Some(2),
                ..
            }
        ));
        let e = env("actions/get-super-password", &[("JUJU_ACTION_UUID", "7")]);
        assert_eq!(
            Event::from_env(&e).unwrap(),
            Event::Action {
                name: "get-super-password".into(),
                id: Some("7".into())
            }
        );
    }

    #[test]
    fn unknown_names_are_not_errors() {
        assert_eq!(
            Event::from_env(&env("hooks/pre-series-upgrade", &[])).unwrap(),
            Event::Unknown("pre-series-upgrade".into())
        );
        assert_eq!(
            Event::from_env(&env("weird", &[])).unwrap(),
            Event::Unknown("weird".into())
        );
    }

    #[test]
    fn relation_hook_without_id_is_an_error() {
        assert!(Event::from_env(&env("hooks/db-relation-changed", &[])).is_err());
    }
}
