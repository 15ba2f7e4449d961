//! kafka-k8s: Apache Kafka on Kubernetes, a drop-in for Canonical's Python charm.
//!
//! Minimal crate root created by the workload work; the charm logic (reconcile, relations,
//! actions, status) is added around it.

pub mod acl;
pub mod cilium;
pub mod config;
pub mod literals;
pub mod scram;
pub mod workload;
pub mod zkstore;
