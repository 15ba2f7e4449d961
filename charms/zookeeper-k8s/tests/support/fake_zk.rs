//! A fake ZooKeeper ensemble behind the charm's `AdminConnector` trait.
//!
//! `Context::run` builds the charm with `Default`, so the fake's state lives in a
//! thread-local (each test runs on its own thread): tests script servers' `mntr` answers
//! and read back every call the charm made (connect, config, reconfig, ensure_chroot).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use zookeeper_k8s::admin::{AdminConnector, AdminSession, ClientAcl, ConnectOptions, EnsembleConfig};
use zookeeper_k8s::error::Error;
use zookeeper_k8s::render::{Role, ServerLine};

/// What a server answers to `mntr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeServer {
    /// Serving in a role, synced or not.
    Serving { role: String, synced: bool },
    /// Running, not serving.
    NotServing,
    /// Not answering.
    Down,
}

/// One recorded administration call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// A session was opened to these hosts as this user.
    Connect { hosts: Vec<String>, username: String },
    /// `config`.
    Config,
    /// `reconfig`.
    Reconfig {
        joining: Vec<String>,
        leaving: Vec<u32>,
        from_version: i64,
    },
    /// `ensure_chroot` (password length only, never the password).
    EnsureChroot {
        path: String,
        user: String,
        perms: String,
        password_len: usize,
    },
}

/// The fake ensemble.
#[derive(Debug, Default)]
pub struct FakeZk {
    /// Current membership.
    pub config: EnsembleConfig,
    /// Answers by `host:port`; unknown addresses are down.
    pub servers: BTreeMap<String, FakeServer>,
    /// Answers that win over `servers` (tests script special cases here).
    pub overrides: BTreeMap<String, FakeServer>,
    /// Every call, in order.
    pub calls: Vec<Call>,
    /// Chroots created, with their ACL.
    pub chroots: BTreeMap<String, ClientAcl>,
    /// Make `connect` fail with this message.
    pub refuse_connections: Option<String>,
    /// The last password `super` connected with.
    pub last_super_password: Option<String>,
    /// The in-test Kubernetes API server `kubernetes` connects to (`None`: not in a pod).
    pub kube: Option<charm_kube::testing::FakeKube>,
}

thread_local! {
    static ZK: RefCell<FakeZk> = RefCell::new(FakeZk::default());
}

/// Runs `f` on this test's fake ensemble.
pub fn with_zk<R>(f: impl FnOnce(&mut FakeZk) -> R) -> R {
    ZK.with(|zk| f(&mut zk.borrow_mut()))
}

/// Forgets everything.
pub fn reset() {
    with_zk(|zk| *zk = FakeZk::default());
}

/// The reconfig calls so far.
pub fn reconfigs() -> Vec<Call> {
    with_zk(|zk| {
        zk.calls
            .iter()
            .filter(|c| matches!(c, Call::Reconfig { .. }))
            .cloned()
            .collect()
    })
}

/// The ensure_chroot calls so far.
pub fn chroot_calls() -> Vec<Call> {
    with_zk(|zk| {
        zk.calls
            .iter()
            .filter(|c| matches!(c, Call::EnsureChroot { .. }))
            .cloned()
            .collect()
    })
}

/// `mntr` text for a server in `role`.
pub fn mntr(role: &str, synced: bool) -> String {
    let peer_state = match (role, synced) {
        ("leader", _) => "leading - broadcast",
        ("observer", true) => "observing - broadcast",
        ("observer", false) => "observing - synchronization",
        (_, true) => "following - broadcast",
        (_, false) => "following - synchronization",
    };
    format!("zk_version\t3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12\nzk_server_state\t{role}\nzk_peer_state\t{peer_state}\nzk_znode_count\t5\n")
}

/// The charm-side connector used by the tests' charm type.
#[derive(Debug, Default)]
pub struct FakeAdmin;

struct FakeSession;

impl AdminSession for FakeSession {
    fn config(&mut self) -> Result<EnsembleConfig, Error> {
        with_zk(|zk| {
            zk.calls.push(Call::Config);
            Ok(zk.config.clone())
        })
    }

    fn reconfig(
        &mut self,
        joining: &[ServerLine],
        leaving: &[u32],
        from_version: i64,
    ) -> Result<EnsembleConfig, Error> {
        with_zk(|zk| {
            zk.calls.push(Call::Reconfig {
                joining: joining.iter().map(ToString::to_string).collect(),
                leaving: leaving.to_vec(),
                from_version,
            });
            if from_version != zk.config.version {
                return Err(Error::Membership {
                    operation: "reconfig",
                    message: format!("bad version {from_version}, have {}", zk.config.version),
                });
            }
            zk.config
                .servers
                .retain(|s| !leaving.contains(&s.id) && !joining.iter().any(|j| j.id == s.id));
            zk.config.servers.extend(joining.iter().cloned());
            zk.config.servers.sort();
            zk.config.version += 1;
            Ok(zk.config.clone())
        })
    }

    fn ensure_chroot(&mut self, path: &str, acl: &ClientAcl) -> Result<(), Error> {
        with_zk(|zk| {
            zk.calls.push(Call::EnsureChroot {
                path: path.to_owned(),
                user: acl.user.clone(),
                perms: acl.perms.clone(),
                password_len: acl.password.len(),
            });
            zk.chroots.insert(path.to_owned(), acl.clone());
            Ok(())
        })
    }
}

impl AdminConnector for FakeAdmin {
    fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn AdminSession>, Error> {
        with_zk(|zk| {
            zk.calls.push(Call::Connect {
                hosts: options.hosts.clone(),
                username: options.username.clone(),
            });
            zk.last_super_password = Some(options.password.clone());
            match &zk.refuse_connections {
                Some(why) => Err(Error::Connect {
                    hosts: options.hosts.clone(),
                    message: why.clone(),
                }),
                None => Ok(Box::new(FakeSession) as Box<dyn AdminSession>),
            }
        })
    }

    fn four_letter_word(&self, address: &str, word: &str, _timeout: Duration) -> Result<String, Error> {
        with_zk(|zk| {
            let server = zk.overrides.get(address).or_else(|| zk.servers.get(address)).cloned();
            match (server, word) {
                (Some(FakeServer::Serving { role, synced }), "mntr") => Ok(mntr(&role, synced)),
                (Some(FakeServer::Serving { .. } | FakeServer::NotServing), "ruok") => Ok("imok".to_owned()),
                (Some(FakeServer::NotServing), _) => {
                    Ok("This ZooKeeper instance is not currently serving requests\n".to_owned())
                }
                _ => Err(Error::FourLetterWord {
                    address: address.to_owned(),
                    word: word.to_owned(),
                    message: format!("connection refused: {address}"),
                }),
            }
        })
    }

    fn pause(&self, _duration: Duration) {}

    fn kubernetes(&self, namespace: &str) -> Result<charm_kube::KubeClient, charm_kube::KubeError> {
        with_zk(|zk| match &zk.kube {
            Some(kube) => Ok(kube.client(namespace)),
            None => Err(charm_kube::KubeError::NotInCluster("no in-test API server".into())),
        })
    }
}

/// Members of the fake ensemble as (id, role).
pub fn members() -> Vec<(u32, Role)> {
    with_zk(|zk| zk.config.servers.iter().map(|s| (s.id, s.role)).collect())
}
