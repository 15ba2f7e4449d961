//! The `cluster` peer relation as typed values: what the application decided (leader-written
//! app bag) and what each server reports about itself (unit bags).
//!
//! All coordination between units goes through these bags: quorum membership
//! (`"<unit number>": "added" | "removed"`, the Python charm's keys), the rolling-restart lock,
//! the TLS switch, and each server's view of what its running process loaded. Reading them
//! once per run into a [`Cluster`] lets the decisions (`quorum`, `restart`, `encryption`) be
//! pure functions of it.

use std::collections::{BTreeMap, BTreeSet};

use charm_sdk::prelude::*;
use juju_model::UnitName;

use crate::literals::*;
use crate::render::dynamic::internal_address;
use crate::render::{server_line, Bind, Role, ServerLine};

/// A server's membership in the ensemble, as the leader recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// A voting member (or the initial server).
    Added,
    /// Removed from the ensemble (the unit left).
    Removed,
}

/// Quorum encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuorumEncryption {
    /// Plain quorum traffic (`non-ssl`).
    Plain,
    /// TLS quorum traffic (`ssl`).
    Ssl,
}

impl QuorumEncryption {
    /// As stored in the bags (the Python charm's values).
    pub fn as_str(self) -> &'static str {
        match self {
            QuorumEncryption::Plain => "non-ssl",
            QuorumEncryption::Ssl => "ssl",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "ssl" => Some(QuorumEncryption::Ssl),
            // "default - non-ssl" is what the Python charm writes at install.
            "non-ssl" | "default - non-ssl" => Some(QuorumEncryption::Plain),
            _ => None,
        }
    }
}

/// A server's progress through a rolling restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartState {
    /// It needs a restart and waits for the lock.
    Requested,
    /// It restarted under the lock and waits to be healthy again.
    Restarted,
}

/// The phase of a `sync` password rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncRotation {
    /// Servers also accept the other quorum user with the new password.
    Accept,
    /// Servers log in to their peers as the other user.
    Switch,
}

impl SyncRotation {
    /// As stored in the app bag.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncRotation::Accept => "accept",
            SyncRotation::Switch => "switch",
        }
    }
}

/// The application bag of the peer relation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppData(pub Databag);

impl AppData {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Recorded membership by unit number.
    pub fn members(&self) -> BTreeMap<u32, Membership> {
        self.0
            .iter()
            .filter_map(|(k, v)| {
                let n = k.parse::<u32>().ok()?;
                match v.as_str() {
                    "added" => Some((n, Membership::Added)),
                    "removed" => Some((n, Membership::Removed)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Unit numbers recorded as added.
    pub fn added(&self) -> BTreeSet<u32> {
        self.members()
            .into_iter()
            .filter(|(_, m)| *m == Membership::Added)
            .map(|(n, _)| n)
            .collect()
    }

    /// The quorum encryption the ensemble runs or moves to (plain when unset).
    pub fn quorum(&self) -> QuorumEncryption {
        self.get(APP_QUORUM)
            .and_then(QuorumEncryption::parse)
            .unwrap_or(QuorumEncryption::Plain)
    }

    /// Whether the ensemble is (moving to) TLS.
    pub fn tls(&self) -> bool {
        self.get(APP_TLS) == Some("enabled")
    }

    /// Whether the three-step encryption switch is running.
    pub fn switching(&self) -> bool {
        self.get(APP_SWITCHING).is_some()
    }

    /// The unit number holding the rolling-restart lock.
    pub fn restart_lock(&self) -> Option<u32> {
        self.get(APP_RESTART_LOCK)
            .and_then(|u| UnitName::new(u).ok())
            .map(|u| u.number())
    }

    /// The URI of the credentials secret.
    pub fn secret_uri(&self) -> Option<&str> {
        self.get(APP_SECRET_URI)
    }

    /// The quorum user servers log in as (`sync` unless rotated).
    pub fn sync_user(&self) -> &str {
        self.get(APP_SYNC_USER).unwrap_or(SYNC_USER)
    }

    /// The phase of a running `sync` rotation.
    pub fn sync_rotation(&self) -> Option<SyncRotation> {
        match self.get(APP_SYNC_ROTATION) {
            Some("accept") => Some(SyncRotation::Accept),
            Some("switch") => Some(SyncRotation::Switch),
            _ => None,
        }
    }

    /// The credentials version counter.
    pub fn credentials_version(&self) -> u64 {
        self.get(APP_CREDENTIALS_VERSION)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// ACL markers: relation id to the `<chroot>:<perms>` set up for it.
    pub fn chroot_markers(&self) -> BTreeMap<u32, String> {
        self.0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(APP_CHROOT_PREFIX)?.parse().ok()?, v.clone())))
            .filter(|(_, v): &(u32, String)| !v.is_empty())
            .collect()
    }
}

/// One server's unit bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// The unit number.
    pub number: u32,
    /// Its bag in the peer relation.
    pub bag: Databag,
}

impl Server {
    fn get(&self, key: &str) -> Option<&str> {
        self.bag.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Whether its server was started at least once.
    pub fn started(&self) -> bool {
        self.get(UNIT_STATE) == Some("started")
    }

    /// Its rolling-restart progress.
    pub fn restart(&self) -> Option<RestartState> {
        match self.get(UNIT_RESTART) {
            Some("requested") => Some(RestartState::Requested),
            Some("restarted") => Some(RestartState::Restarted),
            _ => None,
        }
    }

    /// Client users its running server knows.
    pub fn jaas_users(&self) -> BTreeSet<String> {
        self.get(UNIT_JAAS_USERS)
            .unwrap_or_default()
            .split(',')
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The credentials version its running server's JAAS file came from.
    pub fn credentials_version(&self) -> Option<u64> {
        self.get(UNIT_CREDENTIALS_VERSION).and_then(|v| v.parse().ok())
    }

    /// Quorum encryption of its running server (`None` before its first start).
    pub fn quorum(&self) -> Option<QuorumEncryption> {
        self.get(UNIT_QUORUM).and_then(QuorumEncryption::parse)
    }

    /// Whether its running server has `portUnification`.
    pub fn unified(&self) -> bool {
        self.get(UNIT_UNIFIED) == Some("true")
    }

    /// Whether its keystore and truststore are in place.
    pub fn tls_ready(&self) -> bool {
        self.get(UNIT_TLS_READY) == Some("true")
    }

    /// CA certificates it asks its peers to trust.
    pub fn tls_cas(&self) -> Vec<String> {
        self.get(UNIT_TLS_CAS)
            .and_then(|v| serde_json::from_str(v).ok())
            .unwrap_or_default()
    }

    /// Fingerprints of the CAs in its truststore.
    pub fn trusted(&self) -> BTreeSet<String> {
        self.get(UNIT_TLS_TRUSTED)
            .unwrap_or_default()
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Where its listeners bind (from the address Juju gives it).
    pub fn bind(&self) -> Bind {
        Bind::for_ingress(self.get(INGRESS_ADDRESS).unwrap_or_default())
    }

    /// Its server line.
    pub fn line(&self, app: &str, role: Role) -> ServerLine {
        server_line(app, self.number, role, self.bind().host())
    }

    /// `host:2181` for administration and four-letter words.
    pub fn client_address(&self, app: &str) -> String {
        format!("{}:{CLIENT_PORT}", internal_address(app, self.number))
    }
}

/// Everything the peer relation says, plus how many units Juju plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The application name.
    pub app: String,
    /// The application bag.
    pub app_data: AppData,
    /// This unit.
    pub me: Server,
    /// The other units in the relation.
    pub peers: Vec<Server>,
    /// Unit numbers Juju plans (goal state, not dying).
    pub planned: BTreeSet<u32>,
}

impl Cluster {
    /// Every server in the relation, this one included, by unit number.
    pub fn servers(&self) -> Vec<&Server> {
        let mut all: Vec<&Server> = std::iter::once(&self.me).chain(self.peers.iter()).collect();
        all.sort_by_key(|s| s.number);
        all
    }

    /// The server with this unit number.
    pub fn server(&self, number: u32) -> Option<&Server> {
        self.servers().into_iter().find(|s| s.number == number)
    }

    /// Whether every planned unit has joined the relation.
    pub fn all_related(&self) -> bool {
        self.planned.iter().all(|n| self.server(*n).is_some())
    }

    /// Servers started at least once.
    pub fn started(&self) -> Vec<&Server> {
        self.servers().into_iter().filter(|s| s.started()).collect()
    }

    /// Servers recorded as added and still present.
    pub fn members(&self) -> Vec<&Server> {
        let added = self.app_data.added();
        self.servers()
            .into_iter()
            .filter(|s| added.contains(&s.number))
            .collect()
    }

    /// `<app>/<n>`.
    pub fn unit_name(&self, number: u32) -> String {
        format!("{}/{number}", self.app)
    }
}

/// Reads the peer relation and the goal state into a [`Cluster`].
pub fn read_cluster<C: Charm>(ctx: &mut Context<'_, C>, peers: &Relation) -> Result<Cluster, Error> {
    let app_data = AppData(ctx.local_app_data(peers, None)?);
    let me = Server {
        number: ctx.unit().number(),
        bag: ctx.local_unit_data(peers)?,
    };
    let mut others = Vec::new();
    for unit in ctx.remote_units(peers)? {
        let bag = ctx.unit_data(peers, &unit)?;
        others.push(Server {
            number: unit.number(),
            bag,
        });
    }
    let goal = ctx.goal_state()?;
    let mut planned: BTreeSet<u32> = goal
        .units
        .iter()
        .filter(|(_, status)| status.status != "dying")
        .filter_map(|(name, _)| UnitName::new(name).ok())
        .map(|u| u.number())
        .collect();
    planned.insert(me.number);
    Ok(Cluster {
        app: ctx.app().to_string(),
        app_data,
        me,
        peers: others,
        planned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bag(pairs: &[(&str, &str)]) -> Databag {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn app_bag_is_read_like_the_python_charm_writes_it() {
        let app = AppData(bag(&[
            ("0", "added"),
            ("1", "removed"),
            ("2", "added"),
            ("quorum", "default - non-ssl"),
            ("restart-lock", "zookeeper-k8s/2"),
            ("chroot-7", "/kafka:cdrwa"),
        ]));
        assert_eq!(app.added(), [0, 2].into());
        assert_eq!(app.members()[&1], Membership::Removed);
        assert_eq!(app.quorum(), QuorumEncryption::Plain);
        assert_eq!(app.restart_lock(), Some(2));
        assert_eq!(app.chroot_markers()[&7], "/kafka:cdrwa");
        assert!(!app.tls() && !app.switching());
    }

    #[test]
    fn server_bag_accessors() {
        let s = Server {
            number: 1,
            bag: bag(&[
                ("state", "started"),
                ("restart", "requested"),
                ("jaas-users", "relation-3,relation-9"),
                ("ingress-address", "127.0.1.2"),
            ]),
        };
        assert!(s.started());
        assert_eq!(s.restart(), Some(RestartState::Requested));
        assert!(s.jaas_users().contains("relation-9"));
        assert_eq!(s.bind(), Bind::Address("127.0.1.2".into()));
        assert_eq!(s.client_address("zk"), "zk-1.zk-endpoints:2181");
    }
}
