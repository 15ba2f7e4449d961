//! Shared test support: the fake ensemble, the multi-unit world, golden files.
#![allow(dead_code, unreachable_pub, clippy::expect_used)]

pub mod fake_zk;
pub mod golden;
pub mod sim;
pub mod tls;
