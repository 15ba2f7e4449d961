//! Shared support of the charm's in-process tests: a fake ZooKeeper store behind the
//! charm's `StoreConnector`, and the usual worlds (leader with peers, container, storage,
//! a zookeeper relation that has answered).
#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use charm_interfaces::dataplatform::testing as dp;
use charm_sdk::pebble::ExecOutput;
use charm_testing::pebble::{ContainerState, ServiceEvent};
use charm_testing::{Container, Context, PeerRelation, Relation, RunOutput, Secret, State, Storage, TestEvent};
use kafka_k8s::acl::AclBinding;
use kafka_k8s::error::Error;
use kafka_k8s::store::{MetadataStore, StoreConnector, ZkTarget};
use kafka_k8s::workload::Secret as Password;
use kafka_k8s::KafkaCharm;

pub mod kube;

/// One recorded store call (no passwords, only their length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// A session was opened.
    Connect {
        hosts: Vec<String>,
        chroot: String,
        username: String,
        tls: bool,
    },
    /// A user was created or its credential replaced.
    UpsertUser { user: String, password_len: usize },
    /// A user was deleted.
    DeleteUser { user: String },
    /// A principal's ACLs were synced to this many bindings.
    SyncAcls { principal: String, bindings: usize },
}

/// The fake ZooKeeper: users with their passwords, ACLs per principal.
#[derive(Debug, Default)]
pub struct FakeZk {
    /// Every call, in order.
    pub calls: Vec<Call>,
    /// Users and their current password.
    pub users: BTreeMap<String, String>,
    /// Bindings per principal.
    pub acls: BTreeMap<String, BTreeSet<AclBinding>>,
    /// Make `connect` fail with this message.
    pub refuse: Option<String>,
}

thread_local! {
    static ZK: RefCell<FakeZk> = RefCell::new(FakeZk::default());
}

/// Runs `f` on this test's fake ZooKeeper.
pub fn with_zk<R>(f: impl FnOnce(&mut FakeZk) -> R) -> R {
    ZK.with(|zk| f(&mut zk.borrow_mut()))
}

/// Forgets everything.
pub fn reset() {
    with_zk(|zk| *zk = FakeZk::default());
}

/// The connector the tests' charm uses.
#[derive(Debug, Default)]
pub struct FakeConnector;

struct FakeSession;

impl MetadataStore for FakeSession {
    fn upsert_user(&mut self, user: &str, password: &Password) -> Result<bool, Error> {
        with_zk(|zk| {
            zk.calls.push(Call::UpsertUser {
                user: user.to_owned(),
                password_len: password.expose().len(),
            });
            let changed = zk.users.get(user).map(String::as_str) != Some(password.expose());
            zk.users.insert(user.to_owned(), password.expose().to_owned());
            Ok(changed)
        })
    }

    fn delete_user(&mut self, user: &str) -> Result<bool, Error> {
        with_zk(|zk| {
            zk.calls.push(Call::DeleteUser { user: user.to_owned() });
            Ok(zk.users.remove(user).is_some())
        })
    }

    fn sync_acls(
        &mut self,
        principal: &str,
        _previous: &BTreeSet<AclBinding>,
        desired: &BTreeSet<AclBinding>,
    ) -> Result<bool, Error> {
        with_zk(|zk| {
            zk.calls.push(Call::SyncAcls {
                principal: principal.to_owned(),
                bindings: desired.len(),
            });
            let before = zk.acls.get(principal).cloned().unwrap_or_default();
            if desired.is_empty() {
                zk.acls.remove(principal);
            } else {
                zk.acls.insert(principal.to_owned(), desired.clone());
            }
            Ok(&before != desired)
        })
    }
}

impl StoreConnector for FakeConnector {
    fn zookeeper(&self, target: &ZkTarget) -> Result<Box<dyn MetadataStore>, Error> {
        with_zk(|zk| {
            zk.calls.push(Call::Connect {
                hosts: target.hosts.clone(),
                chroot: target.chroot.clone(),
                username: target.username.clone(),
                tls: target.tls.is_some(),
            });
            match &zk.refuse {
                Some(why) => Err(Error::StoreUnavailable(why.clone())),
                None => Ok(Box::new(FakeSession) as Box<dyn MetadataStore>),
            }
        })
    }
}

/// The charm under test.
pub type Charm = KafkaCharm<FakeConnector>;

/// The test context.
pub fn ctx() -> Context<Charm> {
    Context::<Charm>::new()
}

/// The start script the charm looks for.
pub const START_SCRIPT: &str = "/opt/kafka/bin/kafka-server-start.sh";
/// The ZooKeeper password zookeeper-k8s granted in these worlds.
pub const ZK_PASSWORD: &str = "zk-relation-password-0123";
/// The ZooKeeper servers.
pub const ZK_SERVERS: &str = "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181";

/// A reachable kafka container whose image has Kafka.
pub fn kafka_container() -> Container {
    Container::new("kafka").with_state(
        ContainerState::connectable()
            .with_file(START_SCRIPT, "#!/bin/sh\n")
            .with_file("/opt/kafka/libs/jmx_prometheus_javaagent.jar", "jar"),
    )
}

/// A reachable kafka container without Kafka (the local model's situation).
pub fn empty_container() -> Container {
    Container::new("kafka").with_state(ContainerState::connectable())
}

/// The peer relation with `peers` other units.
pub fn cluster(peers: u32) -> PeerRelation {
    PeerRelation::new("cluster").id(PEER_ID).peers(peers)
}

/// The peer relation's id (high, away from the generated ones).
pub const PEER_ID: u32 = 10_000;

/// The peer relation seen from a unit other than 0: the other units are `others`.
pub fn cluster_seen_from(others: &[u32]) -> PeerRelation {
    let mut peers = PeerRelation::new("cluster").id(PEER_ID);
    for n in others {
        peers = peers.peer_data(*n, [] as [(&str, &str); 0]);
    }
    peers
}

/// The zookeeper relation, answered, with its secrets.
pub fn zookeeper() -> (Relation, Vec<Secret>) {
    dp::zookeeper_provider_with_credentials("zookeeper", "/kafka-k8s", "relation-2", ZK_PASSWORD, ZK_SERVERS)
}

/// A world: leader or not, peers, container and storage, no relations.
pub fn base(leader: bool, peers: u32) -> State {
    base_with(leader, cluster(peers), kafka_container())
}

/// A world with this peer relation and container.
pub fn base_with(leader: bool, peers: charm_testing::PeerRelation, container: Container) -> State {
    State::default()
        .leader(leader)
        .peer(peers)
        .container(container)
        .storage(Storage::new("data").location("/var/lib/kafka/data"))
}

/// Adds the answered zookeeper relation.
pub fn with_zookeeper(state: State) -> State {
    with_zookeeper_rel(state).0
}

/// Adds the answered zookeeper relation, and returns it for events.
pub fn with_zookeeper_rel(mut state: State) -> (State, Relation) {
    let (relation, secrets) = zookeeper();
    state = state.relation(relation.clone());
    for secret in secrets {
        state = state.secret(secret);
    }
    (state, relation)
}

/// A kafka-client relation from data-integrator asking for `topic` with `roles`.
pub fn client(id: u32, topic: &str, roles: &str) -> Relation {
    dp::kafka_client_requirer("kafka-client", topic, roles).id(id)
}

/// Runs, panicking with the hook's message on failure.
#[track_caller]
pub fn run(event: TestEvent, state: State) -> RunOutput {
    match ctx().run(event, state) {
        Ok(out) => out,
        Err(e) => panic!("run failed: {e}"),
    }
}

/// A file the charm wrote in the kafka container.
pub fn file(out: &RunOutput, path: &str) -> Option<String> {
    out.state.get_container("kafka").and_then(|c| c.state.file_text(path))
}

/// The peer app bag after the run.
pub fn peer_app(out: &RunOutput) -> BTreeMap<String, String> {
    out.state
        .get_peer(&cluster(0))
        .map(|p| p.local_app_data.clone())
        .unwrap_or_default()
}

/// The unit's own peer bag after the run.
pub fn peer_unit(out: &RunOutput) -> BTreeMap<String, String> {
    out.state
        .get_peer(&cluster(0))
        .map(|p| p.local_unit_data.clone())
        .unwrap_or_default()
}

/// Runs `event` on the output state of a previous run, checking it succeeded.
#[track_caller]
pub fn next(out: &RunOutput, event: TestEvent) -> RunOutput {
    run(event, out.state.clone())
}

/// Everything a test could print or assert on, for leak checks.
pub fn observable(out: &RunOutput) -> String {
    let relations: Vec<String> = out
        .state
        .relations
        .iter()
        .map(|r| format!("{:?}{:?}{:?}", r.local_app_data, r.local_unit_data, r.remote_app_data))
        .collect();
    format!(
        "{:?}{:?}{:?}{:?}{:?}{relations:?}",
        out.logs, out.unit_status_history, out.app_status_history, out.state.unit_status, out.state.app_status
    )
}

/// How many times Pebble `service` was started in the kafka container, over the run history.
pub fn service_starts(out: &RunOutput, service: &str) -> usize {
    out.state
        .get_container("kafka")
        .unwrap()
        .state
        .service_log
        .iter()
        .filter(|e| matches!(e, ServiceEvent::Started(s) if s == service))
        .count()
}

/// How many times the broker (the `kafka` service) was started, over the run history.
pub fn starts(out: &RunOutput) -> usize {
    service_starts(out, "kafka")
}

/// `state` with `relation` in place of the relation of the same id (a provider's answer).
pub fn replace_relation(mut state: State, relation: Relation) -> State {
    state.relations.retain(|r| r.id != relation.id);
    state.relation(relation)
}

/// `state` whose containers answer `kafka-configs.sh`, so a store reload succeeds.
pub fn allow_reload(mut state: State) -> State {
    for container in &mut state.containers {
        container.state = container
            .state
            .clone()
            .on_exec(["/opt/kafka/bin/kafka-configs.sh"], ExecOutput::ok(""));
    }
    state
}
