//! The `local-model` binary: the CLI, the controller, the sandbox helper, and, under a
//! hook tool's name, the hook-tool client. All of it is [`local_model::entry`].

fn main() -> std::process::ExitCode {
    local_model::entry()
}
