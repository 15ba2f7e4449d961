//! The charm's connector for tests that talk to the in-test Kubernetes API server
//! (`charm_kube::testing`, never a real one): the fake ZooKeeper, plus this thread's server.

use std::cell::RefCell;

use charm_kube::testing::FakeKube;
use charm_testing::{Context, RunOutput, State, TestEvent};
use kafka_k8s::error::Error;
use kafka_k8s::kube::{KubeClient, KubeError};
use kafka_k8s::store::{MetadataStore, StoreConnector, ZkTarget};
use kafka_k8s::KafkaCharm;

use super::FakeConnector;

thread_local! {
    static KUBE: RefCell<Option<FakeKube>> = const { RefCell::new(None) };
}

/// The tests' fake ZooKeeper, plus this thread's in-test API server.
#[derive(Debug, Default)]
pub struct KubeConnector;

impl StoreConnector for KubeConnector {
    fn zookeeper(&self, target: &ZkTarget) -> Result<Box<dyn MetadataStore>, Error> {
        FakeConnector.zookeeper(target)
    }

    fn kubernetes(&self, namespace: &str) -> Result<KubeClient, KubeError> {
        KUBE.with(|k| {
            k.borrow()
                .as_ref()
                .map(|kube| kube.client(namespace))
                .ok_or_else(|| KubeError::NotInCluster("no in-test API server".into()))
        })
    }
}

/// The charm with [`KubeConnector`].
pub type KubeCharm = KafkaCharm<KubeConnector>;

/// Makes `kube` this thread's API server; returns it.
pub fn install_kube(kube: FakeKube) -> FakeKube {
    KUBE.with(|k| *k.borrow_mut() = Some(kube.clone()));
    kube
}

/// Runs [`KubeCharm`], panicking with the hook's message on failure.
#[track_caller]
pub fn run_kube(event: TestEvent, state: State) -> RunOutput {
    match Context::<KubeCharm>::new().run(event, state) {
        Ok(out) => out,
        Err(e) => panic!("run failed: {e}"),
    }
}
