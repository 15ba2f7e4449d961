//! The KRaft `kafka-storage.sh format` argv: flags, and `--add-scram` values parsed the way
//! Kafka 4's `ScramParser` parses them (split on `,`, one pair of quotes stripped, standard
//! base64), checked to carry the credential of the password.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kafka_k8s::scram::{ScramCredential, ScramMechanism, DEFAULT_ITERATIONS};
use kafka_k8s::workload::storage::add_scram_argument;
use kafka_k8s::workload::{format_command, Credential, FormatRequest, InitialController, InitialControllers};

/// Kafka's `ScramParser.parsePerMechanismArgument` + `PerMechanismData(String)`.
fn parse_like_kafka(argument: &str) -> (String, BTreeMap<String, String>) {
    let (mechanism, config) = argument.trim().split_once('=').unwrap();
    let inner = config.strip_prefix('[').unwrap().strip_suffix(']').unwrap();
    let mut components = BTreeMap::new();
    for component in inner.split(',') {
        let (key, value) = component.split_once('=').unwrap();
        let value = if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
            &value[1..value.len() - 1]
        } else {
            value
        };
        components.insert(key.to_owned(), value.to_owned());
    }
    (mechanism.to_owned(), components)
}

fn request(controllers: InitialControllers) -> FormatRequest {
    FormatRequest {
        cluster_id: "MkU3OEVBNTcwNTJENDM2Qk".into(),
        kraft_version: Some(1),
        controllers,
        users: vec![
            Credential::new("operator", "operator-pw-123"),
            Credential::new("replication", "replication-pw-456"),
        ],
        iterations: DEFAULT_ITERATIONS,
    }
}

#[test]
fn format_argv_has_the_flags_and_one_credential_per_user() {
    let command = format_command(&request(InitialControllers::Standalone)).unwrap();
    let argv = command.argv();
    assert_eq!(
        &argv[..10],
        [
            "/opt/kafka/bin/kafka-storage.sh",
            "format",
            "--ignore-formatted",
            "--cluster-id",
            "MkU3OEVBNTcwNTJENDM2Qk",
            "--config",
            "/etc/kafka/server.properties",
            "--feature",
            "kraft.version=1",
            "--standalone"
        ]
    );
    assert_eq!(argv.iter().filter(|a| *a == "--add-scram").count(), 2);
    let values: Vec<&String> = argv
        .windows(2)
        .filter(|w| w[0] == "--add-scram")
        .map(|w| &w[1])
        .collect();
    for (value, (user, password)) in values
        .iter()
        .zip([("operator", "operator-pw-123"), ("replication", "replication-pw-456")])
    {
        let (mechanism, components) = parse_like_kafka(value);
        assert_eq!(mechanism, "SCRAM-SHA-512");
        assert_eq!(
            components.keys().collect::<Vec<_>>(),
            ["iterations", "name", "salt", "saltedpassword"]
        );
        assert_eq!(components["name"], user);
        assert_eq!(components["iterations"], "4096");
        let salt = STANDARD.decode(&components["salt"]).unwrap();
        let salted = STANDARD.decode(&components["saltedpassword"]).unwrap();
        let expected = ScramCredential::with_salt(ScramMechanism::Sha512, password, &salt, 4096).unwrap();
        assert_eq!(salted, expected.salted_password(), "{user}");
        assert!(!value.contains(password), "the clear password is on the command line");
    }
    let shown = format!("{command:?}");
    assert!(
        !shown.contains("saltedpassword") && shown.contains("<scram credential>"),
        "{shown}"
    );
}

#[test]
fn initial_controllers_and_other_quorum_flags() {
    let voters = InitialControllers::Initial(vec![
        InitialController {
            id: 0,
            host: "controller-0.controller-endpoints".into(),
            port: 9098,
            directory_id: "pbvuBlaTTwKRxS5NLJwRFQ".into(),
        },
        InitialController {
            id: 1,
            host: "controller-1.controller-endpoints".into(),
            port: 9098,
            directory_id: "QjGvKx1yS6aA0iJ9YV4EqA".into(),
        },
    ]);
    let argv = format_command(&request(voters)).unwrap().argv().to_vec();
    let i = argv.iter().position(|a| a == "--initial-controllers").unwrap();
    assert_eq!(
        argv[i + 1],
        "0@controller-0.controller-endpoints:9098:pbvuBlaTTwKRxS5NLJwRFQ,1@controller-1.controller-endpoints:9098:QjGvKx1yS6aA0iJ9YV4EqA"
    );
    let argv = format_command(&request(InitialControllers::NoInitialControllers))
        .unwrap()
        .argv()
        .to_vec();
    assert!(argv.contains(&"--no-initial-controllers".to_owned()));
    let mut static_quorum = request(InitialControllers::Static);
    static_quorum.kraft_version = None;
    let argv = format_command(&static_quorum).unwrap().argv().to_vec();
    assert!(!argv.iter().any(|a| a.starts_with("--standalone") || a == "--feature"));
}

#[test]
fn arguments_the_parser_would_misread_are_refused() {
    let mut bad = request(InitialControllers::Standalone);
    bad.users = vec![Credential::new("operator", "comma,in-password")];
    let err = format_command(&bad).unwrap_err().to_string();
    assert!(!err.contains("comma,in"), "{err}");
    let mut bad = request(InitialControllers::Standalone);
    bad.users = vec![Credential::new("a,b", "fine")];
    assert!(format_command(&bad).is_err());
    let mut bad = request(InitialControllers::Standalone);
    bad.iterations = 1000;
    assert!(format_command(&bad).is_err());
    let mut bad = request(InitialControllers::Standalone);
    bad.cluster_id = "not a uuid!".into();
    assert!(format_command(&bad).is_err());
    // A precomputed credential renders deterministically.
    let c = ScramCredential::with_salt(ScramMechanism::Sha512, "pw", b"salt", 4096).unwrap();
    let arg = add_scram_argument("controller", &c).unwrap();
    assert!(
        arg.starts_with("SCRAM-SHA-512=[name=controller,salt=\"c2FsdA==\",saltedpassword=\""),
        "{arg}"
    );
    assert!(arg.ends_with("\",iterations=4096]"));
}
