//! Write Juju Kubernetes sidecar charms in Rust.
//!
//! (Crate guide being written.)

pub mod backend;
pub mod pebble;
pub mod process;

pub use backend::{Backend, HookToolError, ToolErrorKind, ToolResult};
pub use process::ProcessBackend;
