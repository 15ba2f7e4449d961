//! The zk fixture charm's binary.

fn main() -> std::process::ExitCode {
    charm_sdk::main::<local_model_zk::Zk>()
}
