//! Readers for the files whose agreement the tests in `tests/` check: a rock's
//! `rockcraft.yaml` ([`rock`]), the `require` lines of its `charm-contract` part
//! ([`contract`]), Juju bundles and overlays with Juju's merge rules ([`bundle`]), absolute
//! paths inside command lines and JVM flags ([`paths`]) and where things are in the
//! repository ([`repo`]).
//!
//! The readers are strict on purpose (unknown keys are errors): a typo in a rockcraft.yaml or a
//! bundle only shows up on a real Ubuntu host or a real Juju otherwise, and neither is
//! available where this repository is built.

pub mod bundle;
pub mod contract;
pub mod paths;
pub mod repo;
pub mod rock;
