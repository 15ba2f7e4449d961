//! Readers and checks for the agreement between rocks/, the charms, the local model's host
//! profiles and bundles/: a rock's `rockcraft.yaml` ([`rock`]), the `require` lines of its
//! `charm-contract` part ([`contract`]), what a charm relies on and the rock's problems with it
//! ([`agree`]), the host profile's gaps ([`profile`]), Juju bundles and overlays with Juju's
//! merge rules ([`bundle`]), absolute paths in command lines ([`paths`]) and the repository
//! layout ([`repo`]). The tests that use them are in `tests/`.
//!
//! The readers are strict on purpose (unknown keys are errors): a typo in a rockcraft.yaml or a
//! bundle only shows up on a real Ubuntu host or a real Juju otherwise, and neither is
//! available where this repository is built.

pub mod agree;
pub mod bundle;
pub mod contract;
pub mod paths;
pub mod profile;
pub mod repo;
pub mod rock;
