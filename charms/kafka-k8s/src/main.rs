fn main() -> std::process::ExitCode {
    charm_sdk::main::<kafka_k8s::KafkaK8s>()
}
