//! Support of the demo charm's process tests (`tests/process_*.rs`): a fake Juju of hook
//! tool executables ([`juju`]), a test Pebble on a unix socket ([`pebble`]), ready-made
//! worlds of the demo charm ([`scenario`]) and assertions that print expected and got in
//! full ([`assert`]).
//!
//! Each `process_*.rs` is its own test binary and uses part of this, hence `dead_code`.
//! `juju`, `pebble`, `tmp` and `worlds` use only std, serde_json and juju-model (no
//! `env!`, no panics on I/O) because the benchmark (`charm-sdk/bench`) compiles the same
//! files: the benchmark measures exactly the world these tests check.

#![allow(dead_code)]

pub(crate) mod assert;
pub(crate) mod juju;
pub(crate) mod pebble;
pub(crate) mod scenario;
pub(crate) mod tmp;
pub(crate) mod worlds;
