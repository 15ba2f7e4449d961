//! The charm's binary: all logic is in the library, so tests run it in-process.

fn main() -> std::process::ExitCode {
    charm_sdk::main::<data_integrator::DataIntegrator>()
}
