//! The process tests' entry points: the built binary, the worlds of [`super::worlds`] on
//! a fresh fake Juju with the `/bin/sh` tools, and the test Pebble of the `web` container.

use std::path::Path;

use super::juju::{Event, FakeJuju, Run};
use super::pebble::TestPebble;
use super::worlds;

#[allow(unused_imports)]
pub(crate) use super::worlds::{ADMIN_URI, BACKEND, PEER, STEADY_LEADER, STEADY_PEBBLE, WEBSITE};

/// The demo charm binary Cargo built for these tests.
pub(crate) fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_demo-charm"))
}

fn fresh() -> FakeJuju {
    FakeJuju::new().unwrap_or_else(|e| panic!("cannot set up the fake Juju: {e}"))
}

/// See [`worlds::leader`].
pub(crate) fn leader() -> FakeJuju {
    worlds::leader(fresh())
}

/// See [`worlds::follower`].
pub(crate) fn follower() -> FakeJuju {
    worlds::follower(fresh())
}

/// See [`worlds::steady_leader`].
pub(crate) fn steady_leader() -> FakeJuju {
    worlds::steady_leader(fresh())
}

/// Starts the `web` container's Pebble where the charm will look for it.
pub(crate) fn pebble(fake: &FakeJuju) -> TestPebble {
    TestPebble::start(&fake.containers_dir(), "web").unwrap_or_else(|e| panic!("cannot start the test Pebble: {e}"))
}

/// The test Pebble after the charm's install hook: page written, layer added, service up.
pub(crate) fn warm_pebble(fake: &FakeJuju) -> TestPebble {
    let pebble = pebble(fake);
    let install = run_charm(fake, &Event::hook("install"));
    assert_eq!(
        install.code,
        Some(0),
        "install failed while warming Pebble: {install:?}"
    );
    pebble.take_log();
    pebble
}

/// Runs the demo binary for `event`.
pub(crate) fn run_charm(fake: &FakeJuju, event: &Event) -> Run {
    fake.run(binary(), event)
        .unwrap_or_else(|e| panic!("running {} failed: {e}", event.dispatch_path()))
}
