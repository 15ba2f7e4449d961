//! The `local-model` binary: the CLI, the controller, the sandbox helper, and, under a
//! hook tool's name, the hook-tool client.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args();
    let argv0 = args.next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if local_model::tools::is_tool(&name) {
        return local_model::toolclient::run(&name, args.collect());
    }
    if std::env::args().nth(1).as_deref() == Some(local_model::sandbox::SANDBOX_EXEC_SUBCOMMAND) {
        local_model::sandbox::sandbox_exec_main(std::env::args().skip(2));
    }
    local_model::cli::main()
}
