//! The in-test Kubernetes API server, shared with the other charms: `charm_kube::testing`
//! (an HTTPS server answering with the API's response shapes; never a real API server).
#![allow(unused_imports, unreachable_pub)]

pub use charm_kube::testing::{ApiState, FakeKube, Seen, TOKEN};
