//! Every Kafka tool command line the charm builds uses only sub-commands and flags that
//! Kafka 3.9 defines, in the right place: options of the top level before the sub-command,
//! the sub-command's own after it. The definitions are extracted from Kafka's argparse4j
//! sources into `testdata/kafka-3.9.0-tool-flags.txt` (how: `testdata/README.md`). Kafka
//! cannot run here, so this is what stands between a typo and a failed `format` or
//! `add-controller` on a real cluster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use kafka_k8s::workload::quorum_tool::{add_controller_argv, remove_controller_argv};
use kafka_k8s::workload::{format_command, Credential, FormatRequest, InitialController, InitialControllers};

/// `(tool, scope, flag)` and `(tool, sub-command)` from the extracted list.
struct Definitions {
    flags: BTreeSet<(String, String, String)>,
    commands: BTreeSet<(String, String)>,
}

fn definitions() -> Definitions {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kafka-3.9.0-tool-flags.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut defs = Definitions {
        flags: BTreeSet::new(),
        commands: BTreeSet::new(),
    };
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [tool, scope, flag] => {
                defs.flags.insert(((*tool).into(), (*scope).into(), (*flag).into()));
            }
            [tool, command] => {
                defs.commands.insert(((*tool).into(), (*command).into()));
            }
            _ => panic!("unreadable line {line:?}"),
        }
    }
    defs
}

/// Checks one argv; returns the sub-command and the flags it used.
#[track_caller]
fn check(defs: &Definitions, argv: &[String]) -> (String, Vec<String>) {
    let program = argv[0].rsplit('/').next().unwrap().trim_end_matches(".sh").to_owned();
    let mut scope = "-".to_owned();
    let mut used = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let word = &argv[i];
        if let Some(flag) = word.strip_prefix("--").map(|f| format!("--{f}")) {
            assert!(
                defs.flags.contains(&(program.clone(), scope.clone(), flag.clone())),
                "{program}: {flag} is not an option of {scope} in Kafka 3.9: {argv:?}"
            );
            used.push(flag.clone());
            // Flags that take a value: the next word is the value. Kafka's store_true flags
            // are the ones below (argparse4j `storeTrue()` in the same sources).
            let boolean = [
                "--ignore-formatted",
                "--standalone",
                "--no-initial-controllers",
                "--dry-run",
                "--status",
                "--replication",
                "--human-readable",
            ];
            i += if boolean.contains(&flag.as_str()) { 1 } else { 2 };
            continue;
        }
        assert_eq!(scope, "-", "{program}: a second positional word {word:?}: {argv:?}");
        assert!(
            defs.commands.contains(&(program.clone(), word.clone())),
            "{program}: {word} is not a sub-command in Kafka 3.9: {argv:?}"
        );
        scope = word.clone();
        i += 1;
    }
    (scope, used)
}

fn users() -> Vec<Credential> {
    vec![
        Credential::new("admin", "admin-password-0123"),
        Credential::new("controller", "controller-password-0123"),
    ]
}

#[test]
fn the_extracted_definitions_are_the_ones_the_charm_relies_on() {
    let defs = definitions();
    for (tool, scope, flag) in [
        ("kafka-metadata-quorum", "-", "--bootstrap-controller"),
        ("kafka-metadata-quorum", "-", "--command-config"),
        ("kafka-metadata-quorum", "remove-controller", "--controller-id"),
        (
            "kafka-metadata-quorum",
            "remove-controller",
            "--controller-directory-id",
        ),
        ("kafka-storage", "format", "--initial-controllers"),
        ("kafka-storage", "format", "--no-initial-controllers"),
        ("kafka-storage", "format", "--standalone"),
    ] {
        assert!(
            defs.flags.contains(&(tool.into(), scope.into(), flag.into())),
            "{tool} {scope} {flag}"
        );
    }
    // add-controller has no options of its own but --dry-run: what it adds comes from
    // --command-config, which is why the charm runs it in the joining controller's container.
    let add: Vec<_> = defs
        .flags
        .iter()
        .filter(|(t, s, _)| t == "kafka-metadata-quorum" && s == "add-controller")
        .map(|(_, _, f)| f.as_str())
        .collect();
    assert_eq!(add, ["--dry-run"]);
}

#[test]
fn every_format_command_uses_kafkas_flags_and_one_quorum_mode_at_most() {
    let defs = definitions();
    let bootstrap = InitialController {
        id: 100,
        host: "kafka-k8s-0.kafka-k8s-endpoints".into(),
        port: 9097,
        directory_id: "pbvuBlaTTwKRxS5NLJwRFQ".into(),
    };
    for (controllers, kraft_version) in [
        (InitialControllers::Initial(vec![bootstrap]), Some(1)),
        (InitialControllers::NoInitialControllers, None),
        (InitialControllers::Standalone, None),
    ] {
        let command = format_command(&FormatRequest {
            cluster_id: "MkU3OEVBNTcwNTJENDM2Qk".into(),
            kraft_version,
            controllers,
            users: users(),
            iterations: 4096,
        })
        .unwrap();
        let (scope, used) = check(&defs, command.argv());
        assert_eq!(scope, "format");
        let modes = used
            .iter()
            .filter(|f| ["--standalone", "--initial-controllers", "--no-initial-controllers"].contains(&f.as_str()))
            .count();
        assert_eq!(modes, 1, "mutually exclusive in StorageTool.parseArguments: {used:?}");
        for required in ["--cluster-id", "--config"] {
            assert!(used.iter().any(|f| f == required), "{required} is required: {used:?}");
        }
        // Formatter.effectiveKRaftFeatureLevel: kraft.version=1 only with KIP-853 flags.
        assert_eq!(
            used.iter().any(|f| f == "--feature"),
            kraft_version.is_some(),
            "{used:?}"
        );
    }
}

#[test]
fn the_quorum_commands_use_kafkas_flags() {
    let defs = definitions();
    let bootstrap = vec![
        "kafka-k8s-0.kafka-k8s-endpoints:9097".to_owned(),
        "kafka-k8s-1.kafka-k8s-endpoints:9097".to_owned(),
    ];
    let (scope, used) = check(&defs, &add_controller_argv(&bootstrap));
    assert_eq!(scope, "add-controller");
    assert_eq!(used, ["--bootstrap-controller", "--command-config"]);
    let (scope, used) = check(
        &defs,
        &remove_controller_argv(&bootstrap, 102, "pbvuBlaTTwKRxS5NLJwRFQ"),
    );
    assert_eq!(scope, "remove-controller");
    assert_eq!(
        used,
        [
            "--bootstrap-controller",
            "--command-config",
            "--controller-id",
            "--controller-directory-id"
        ]
    );
}

#[test]
fn the_checker_catches_what_kafka_would_refuse() {
    let defs = definitions();
    let bad = [
        vec![
            "/opt/kafka/bin/kafka-metadata-quorum.sh",
            "add-controller",
            "--bootstrap-controller",
            "x:1",
        ],
        vec![
            "/opt/kafka/bin/kafka-metadata-quorum.sh",
            "--bootstrap-controller",
            "x:1",
            "remove-voter",
        ],
        vec!["/opt/kafka/bin/kafka-storage.sh", "format", "--initial-voters", "x"],
    ];
    for argv in bad {
        let argv: Vec<String> = argv.into_iter().map(str::to_owned).collect();
        let result = std::panic::catch_unwind(|| check(&defs, &argv));
        assert!(result.is_err(), "{argv:?} should be refused");
    }
}
