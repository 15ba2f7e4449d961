//! The charm's binary: everything is in the library, so tests run the same code in-process.
fn main() -> std::process::ExitCode {
    charm_sdk::main::<kafka_k8s::KafkaK8s>()
}
