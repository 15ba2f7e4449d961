//! `TestEvent`: the event a test fires, named like ops-scenario's `ctx.on.*`.
//!
//! An event refers to parts of the [`crate::State`] (a relation, a container, a secret,
//! a storage instance) by name or id; the consistency checker refuses an event whose
//! subject is not in the state. The run turns the event into the exact `JUJU_*`
//! environment Juju would export (`JUJU_REMOTE_UNIT` empty on created/broken, and so on).

use juju_model::{RelationHook, RelationId, SecretHook};
use serde_json::Value;

use crate::relation::RelationLike;
use crate::secret::Secret;
use crate::workload::Storage;

/// Which event, with its subject.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A hook with no subject: `install`, `start`, `config-changed`, ….
    Plain(String),
    /// A relation hook.
    Relation {
        /// Which one.
        hook: RelationHook,
        /// The relation id.
        relation: RelationId,
        /// This charm's endpoint.
        endpoint: String,
        /// Whether it is a peer relation.
        peer: bool,
        /// The remote unit's number (`JUJU_REMOTE_UNIT`), if any.
        remote_unit: Option<u32>,
        /// The departing unit's number (relation-departed); `None` with `departing_self`
        /// false means the remote unit.
        departing_unit: Option<u32>,
        /// relation-departed: this unit is the one leaving.
        departing_self: bool,
    },
    /// `<container>-pebble-ready`.
    PebbleReady {
        /// The container.
        container: String,
    },
    /// `<container>-pebble-custom-notice`.
    PebbleCustomNotice {
        /// The container.
        container: String,
        /// The notice key (`example.com/x`).
        key: String,
        /// The notice id.
        id: String,
    },
    /// `<container>-pebble-check-failed` / `-recovered`.
    PebbleCheck {
        /// The container.
        container: String,
        /// The check name.
        check: String,
        /// Failed (true) or recovered.
        failed: bool,
    },
    /// `secret-*`.
    Secret {
        /// Which one.
        hook: SecretHook,
        /// The secret id.
        id: String,
        /// The revision (expired, remove).
        revision: Option<u64>,
    },
    /// `<storage>-storage-attached` / `-detaching`.
    Storage {
        /// The storage instance id, `<name>/<n>`.
        id: String,
        /// The storage name.
        name: String,
        /// Attached (true) or detaching.
        attached: bool,
    },
    /// An action.
    Action {
        /// The action name.
        name: String,
        /// Parameters.
        params: serde_json::Map<String, Value>,
        /// The action id (`JUJU_ACTION_UUID`).
        id: String,
    },
}

/// An event to run.
///
/// ```
/// use charm_testing::{Relation, TestEvent};
///
/// let rel = Relation::new("zookeeper").remote_units(2);
/// let joined = TestEvent::relation_joined(&rel, 1);
/// let action = TestEvent::action("set-password").param("username", "super");
/// assert_eq!(joined.hook_name(), "zookeeper-relation-joined");
/// assert_eq!(action.hook_name(), "set-password");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TestEvent {
    /// What happened.
    pub kind: EventKind,
}

impl TestEvent {
    fn plain(name: &str) -> Self {
        Self {
            kind: EventKind::Plain(name.to_owned()),
        }
    }

    /// `install`.
    pub fn install() -> Self {
        Self::plain("install")
    }
    /// `start`.
    pub fn start() -> Self {
        Self::plain("start")
    }
    /// `stop`.
    pub fn stop() -> Self {
        Self::plain("stop")
    }
    /// `remove`.
    pub fn remove() -> Self {
        Self::plain("remove")
    }
    /// `config-changed`.
    pub fn config_changed() -> Self {
        Self::plain("config-changed")
    }
    /// `update-status`.
    pub fn update_status() -> Self {
        Self::plain("update-status")
    }
    /// `upgrade-charm`.
    pub fn upgrade_charm() -> Self {
        Self::plain("upgrade-charm")
    }
    /// `leader-elected` (the state must say `leader(true)`).
    pub fn leader_elected() -> Self {
        Self::plain("leader-elected")
    }
    /// `leader-settings-changed`.
    pub fn leader_settings_changed() -> Self {
        Self::plain("leader-settings-changed")
    }

    fn relation(hook: RelationHook, relation: &impl RelationLike, remote_unit: Option<u32>) -> Self {
        Self {
            kind: EventKind::Relation {
                hook,
                relation: relation.relation_id(),
                endpoint: relation.endpoint().to_owned(),
                peer: relation.is_peer(),
                remote_unit,
                departing_unit: None,
                departing_self: false,
            },
        }
    }

    /// `<endpoint>-relation-created` (no remote unit).
    pub fn relation_created(relation: &impl RelationLike) -> Self {
        Self::relation(RelationHook::Created, relation, None)
    }

    /// `<endpoint>-relation-joined` for remote unit `remote_unit`.
    pub fn relation_joined(relation: &impl RelationLike, remote_unit: u32) -> Self {
        Self::relation(RelationHook::Joined, relation, Some(remote_unit))
    }

    /// `<endpoint>-relation-changed` for the first remote unit (see
    /// [`TestEvent::remote_unit`] and [`TestEvent::app_only`]).
    pub fn relation_changed(relation: &impl RelationLike) -> Self {
        Self::relation(
            RelationHook::Changed,
            relation,
            relation.remote_unit_numbers().first().copied(),
        )
    }

    /// `<endpoint>-relation-departed`: `remote_unit` left (it is also the departing unit
    /// unless [`TestEvent::departing_self`] says this unit is leaving).
    pub fn relation_departed(relation: &impl RelationLike, remote_unit: u32) -> Self {
        Self::relation(RelationHook::Departed, relation, Some(remote_unit))
    }

    /// `<endpoint>-relation-broken` (no remote unit).
    pub fn relation_broken(relation: &impl RelationLike) -> Self {
        Self::relation(RelationHook::Broken, relation, None)
    }

    /// Relation events: sets `JUJU_REMOTE_UNIT` to remote unit `n`.
    pub fn remote_unit(mut self, n: u32) -> Self {
        if let EventKind::Relation { remote_unit, .. } = &mut self.kind {
            *remote_unit = Some(n);
        }
        self
    }

    /// relation-changed for an application-bag change: no remote unit.
    pub fn app_only(mut self) -> Self {
        if let EventKind::Relation { remote_unit, .. } = &mut self.kind {
            *remote_unit = None;
        }
        self
    }

    /// relation-departed: this unit is the one leaving the relation.
    pub fn departing_self(mut self) -> Self {
        if let EventKind::Relation { departing_self, .. } = &mut self.kind {
            *departing_self = true;
        }
        self
    }

    /// `<container>-pebble-ready`.
    pub fn pebble_ready(container: impl Into<String>) -> Self {
        Self {
            kind: EventKind::PebbleReady {
                container: container.into(),
            },
        }
    }

    /// `<container>-pebble-custom-notice` for a notice with `key` (id `1`).
    pub fn custom_notice(container: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            kind: EventKind::PebbleCustomNotice {
                container: container.into(),
                key: key.into(),
                id: "1".to_owned(),
            },
        }
    }

    /// `<container>-pebble-check-failed`.
    pub fn check_failed(container: impl Into<String>, check: impl Into<String>) -> Self {
        Self {
            kind: EventKind::PebbleCheck {
                container: container.into(),
                check: check.into(),
                failed: true,
            },
        }
    }

    /// `<container>-pebble-check-recovered`.
    pub fn check_recovered(container: impl Into<String>, check: impl Into<String>) -> Self {
        Self {
            kind: EventKind::PebbleCheck {
                container: container.into(),
                check: check.into(),
                failed: false,
            },
        }
    }

    fn secret(hook: SecretHook, secret: &Secret, revision: Option<u64>) -> Self {
        Self {
            kind: EventKind::Secret {
                hook,
                id: secret.id.clone(),
                revision,
            },
        }
    }

    /// `secret-changed` (to a unit that reads, not owns, the secret).
    pub fn secret_changed(secret: &Secret) -> Self {
        Self::secret(SecretHook::Changed, secret, None)
    }

    /// `secret-rotate` (to the owner).
    pub fn secret_rotate(secret: &Secret) -> Self {
        Self::secret(SecretHook::Rotate, secret, None)
    }

    /// `secret-expired` for `revision` (to the owner).
    pub fn secret_expired(secret: &Secret, revision: u64) -> Self {
        Self::secret(SecretHook::Expired, secret, Some(revision))
    }

    /// `secret-remove` for `revision` (to the owner).
    pub fn secret_remove(secret: &Secret, revision: u64) -> Self {
        Self::secret(SecretHook::Remove, secret, Some(revision))
    }

    /// `<name>-storage-attached`.
    pub fn storage_attached(storage: &Storage) -> Self {
        Self {
            kind: EventKind::Storage {
                id: storage.id(),
                name: storage.name.clone(),
                attached: true,
            },
        }
    }

    /// `<name>-storage-detaching`.
    pub fn storage_detaching(storage: &Storage) -> Self {
        Self {
            kind: EventKind::Storage {
                id: storage.id(),
                name: storage.name.clone(),
                attached: false,
            },
        }
    }

    /// The action `name` (id `1`); add parameters with [`TestEvent::param`].
    pub fn action(name: impl Into<String>) -> Self {
        Self {
            kind: EventKind::Action {
                name: name.into(),
                params: serde_json::Map::new(),
                id: "1".to_owned(),
            },
        }
    }

    /// Actions: sets a parameter.
    pub fn param(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        if let EventKind::Action { params, .. } = &mut self.kind {
            params.insert(key.into(), value.into());
        }
        self
    }

    /// The hook name Juju would use (`zookeeper-relation-joined`), or the action name.
    pub fn hook_name(&self) -> String {
        match &self.kind {
            EventKind::Plain(name) => name.clone(),
            EventKind::Relation { hook, endpoint, .. } => {
                let suffix = match hook {
                    RelationHook::Created => "created",
                    RelationHook::Joined => "joined",
                    RelationHook::Changed => "changed",
                    RelationHook::Departed => "departed",
                    RelationHook::Broken => "broken",
                };
                format!("{endpoint}-relation-{suffix}")
            }
            EventKind::PebbleReady { container } => format!("{container}-pebble-ready"),
            EventKind::PebbleCustomNotice { container, .. } => format!("{container}-pebble-custom-notice"),
            EventKind::PebbleCheck {
                container,
                failed: true,
                ..
            } => format!("{container}-pebble-check-failed"),
            EventKind::PebbleCheck {
                container,
                failed: false,
                ..
            } => format!("{container}-pebble-check-recovered"),
            EventKind::Secret { hook, .. } => match hook {
                SecretHook::Changed => "secret-changed",
                SecretHook::Rotate => "secret-rotate",
                SecretHook::Expired => "secret-expired",
                SecretHook::Remove => "secret-remove",
            }
            .to_owned(),
            EventKind::Storage {
                name, attached: true, ..
            } => format!("{name}-storage-attached"),
            EventKind::Storage {
                name, attached: false, ..
            } => format!("{name}-storage-detaching"),
            EventKind::Action { name, .. } => name.clone(),
        }
    }
}
