//! `local-model`: a Juju model on one machine.
//!
//! It runs packed `.charm` files (ours, or unmodified Python `ops` charms) as real
//! processes with real hook tools, so real workloads run under real charms end to end,
//! without Juju or Kubernetes. The pieces:
//!
//! - [`daemon`]: the controller of one model directory: the model in memory (a
//!   `juju_rules::Model`), a hook queue per unit, hooks as processes of the charm's
//!   `dispatch`, committed only on exit 0, events in Juju's order
//!   (`juju_rules::order`), timers (update-status, secrets, retries);
//! - [`tools`] and [`toolclient`]: the hook tools: one multi-call executable on the hooks'
//!   PATH that forwards argv/stdin/files to the controller, which parses them with Juju's
//!   syntax and answers with Juju's output and error texts;
//! - [`sandbox`], [`pebble`], [`profiles`]: each unit's private mount namespaces and a
//!   Pebble server per container (the workload side);
//! - [`cli`]: the `local-model` command (`up`, `deploy`, `integrate`, `run`, `status`...).
//!
//! The crate never depends on `charm-sdk`: the Juju side and the charm side are two
//! independent implementations of one protocol.

pub mod bundle;
pub mod charm;
pub mod cli;
pub mod client;
pub mod daemon;
pub mod error;
pub mod layout;
pub mod pebble;
pub mod process;
pub mod profiles;
pub mod proto;
pub mod sandbox;
pub mod status;
pub mod toolclient;
pub mod tools;

pub use error::{Error, Result};

/// The `local-model` executable's entry point: a hook tool when called by a tool's name
/// (argv\[0\]), the sandbox helper for `__sandbox-exec`, else the CLI (which includes the
/// hidden `__controller`). Programs that embed the model (the benchmark) call it too, so
/// they can serve as the local-model binary for the processes they start.
pub fn entry() -> std::process::ExitCode {
    let mut args = std::env::args();
    let argv0 = args.next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if tools::is_tool(&name) {
        return toolclient::run(&name, args.collect());
    }
    if std::env::args().nth(1).as_deref() == Some(sandbox::SANDBOX_EXEC_SUBCOMMAND) {
        sandbox::sandbox_exec_main(std::env::args().skip(2));
    }
    cli::main()
}
