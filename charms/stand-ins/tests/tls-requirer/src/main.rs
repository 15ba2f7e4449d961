//! The fixture's binary: all logic is in the library.

fn main() -> std::process::ExitCode {
    charm_sdk::main::<stand_in_tls_requirer::TlsRequirerFixture>()
}
