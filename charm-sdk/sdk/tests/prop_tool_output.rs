//! Property tests of the hook-tool output parsers (`process/parse.rs`) and of the error
//! classifier, through the public `ProcessBackend`.
//!
//! The parsers are `pub(crate)`, so they are reached the way production reaches them: a
//! directory of fake tools (`ProcessBackend::with_tool_dir`) that all print the same bytes,
//! and every `Backend` method that parses output is called on them. Properties: no method
//! panics on any output; every failure is a `BadOutput` error (the tools exit 0); and the
//! methods whose output may hold secrets (`secret-get`, `action-get`, `credential-get`)
//! never quote it in their error.
//!
//! The SDK has no proptest dev-dependency, so inputs come from a seeded SplitMix64
//! generator: random bytes, realistic outputs mutated or truncated, random JSON, and
//! secret-looking prefixes with junk. A failure prints the seed (`PROP_SEED=<n>` replays it).
//! Each case starts about 22 processes, so the process property runs `PROPTEST_CASES / 20`
//! cases (default 100, about 3 s); the classifier runs `PROPTEST_CASES` (default 2000).

// Test helpers: a failed setup step should stop the test right there.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::{symlink, PermissionsExt};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use charm_sdk::{Backend, HookToolError, ProcessBackend, SecretRead, SecretRef, ToolErrorKind, ToolResult};
use juju_model::{AppName, RelationId};

const MARKER: &str = "S3CR3T-MARKER";

/// SplitMix64: small, fast, and good enough to drive a fuzzer.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Text with the characters that break parsers: quotes, escapes, control characters,
    /// multi-byte and invalid-looking Unicode, separators of names and ids.
    fn text(&mut self) -> String {
        const PIECES: [&str; 20] = [
            "a", "z", "0", "9", "-", "/", ":", "\"", "\\", "\\u0000", "é", "日本", "🦀", "\u{202e}", " ", "\n",
            "secret:", "db:3", "mysql/0", MARKER,
        ];
        (0..self.below(6)).map(|_| *self.pick(&PIECES)).collect()
    }

    fn json(&mut self, depth: usize) -> String {
        match self.below(if depth == 0 { 5 } else { 7 }) {
            0 => "null".to_owned(),
            1 => ["true", "false"][self.below(2)].to_owned(),
            2 => ["0", "-1", "1e400", "18446744073709551616", "3.5", "-0.0", "4294967296"][self.below(7)].to_owned(),
            3 | 4 => format!("{:?}", self.text()),
            5 => {
                let items: Vec<String> = (0..self.below(4)).map(|_| self.json(depth - 1)).collect();
                format!("[{}]", items.join(","))
            }
            _ => {
                let items: Vec<String> = (0..self.below(4))
                    .map(|_| format!("{:?}:{}", self.text(), self.json(depth - 1)))
                    .collect();
                format!("{{{}}}", items.join(","))
            }
        }
    }
}

/// What the real tools print, one per parser.
const SAMPLES: [&str; 21] = [
    r#"{"port": 8080, "name": "x", "on": true, "unset": null}"#,
    "true\n",
    r#"["db:3", "db:7"]"#,
    r#"["mysql/0", "mysql/1"]"#,
    r#""mysql""#,
    r#"{"a": "b", "ingress-address": "10.0.0.1"}"#,
    r#"{"uuid": "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"}"#,
    r#"{"status": "active", "message": "ok", "status-data": {}}"#,
    r#"{"application-status": {"status": "blocked", "message": "m"}, "units": {"a/0": {"status": "active"}}}"#,
    r#"{"lines": 10, "nested": {"x": [1, 2]}}"#,
    r#"["80/tcp", "8000-8100/udp", "icmp", "443/tcp (website,admin)"]"#,
    r#"{"bind-addresses": [{"mac-address": "", "interface-name": "eth0", "addresses": [{"hostname": "", "value": "10.1.2.3", "cidr": "10.1.2.0/24"}]}], "egress-subnets": ["10.1.2.3/32"], "ingress-addresses": ["10.1.2.3"]}"#,
    r#"{"restarts": "1", "k": "v"}"#,
    "secret:cq5l0hvmp25c7d3sbjug\n",
    r#"{"password": "S3CR3T-MARKER"}"#,
    r#"["secret:cq5l0hvmp25c7d3sbjug", "secret://0a1b/cq5l0hvmp25c7d3sbjuh"]"#,
    r#"{"cq5l0hvmp25c7d3sbjug": {"revision": 2, "label": "", "owner": "application", "rotation": "monthly", "access": [{"target": "app", "scope": "relation-3", "role": "view"}]}}"#,
    r#"{"kind": "filesystem", "location": "/srv/www"}"#,
    r#"["data/0", "logs/1"]"#,
    "/var/lib/juju/agents/unit-demo-0/resources/web/web.tar\n",
    r#"{"units": {"a/0": {"status": "active", "since": "2026-01-01T00:00:00Z"}}, "relations": {"db": {"mysql": {"status": "joined"}}}}"#,
];

fn output(rng: &mut Rng) -> Vec<u8> {
    let sample = rng.pick(&SAMPLES).as_bytes().to_vec();
    match rng.below(6) {
        0 => rng.bytes(64),
        1 => {
            let mut bytes = sample;
            for _ in 0..=rng.below(4) {
                let at = rng.below(bytes.len() + 1);
                match rng.below(3) {
                    0 if at < bytes.len() => bytes[at] = rng.next() as u8,
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, *rng.pick(b"\"{}[],:\\0a-/\n\xff")),
                }
            }
            bytes
        }
        2 => {
            let cut = rng.below(sample.len() + 1);
            sample[..cut].to_vec()
        }
        3 => rng.json(3).into_bytes(),
        4 => {
            let mut bytes = format!("{{\"password\": \"{MARKER}").into_bytes();
            bytes.extend(rng.bytes(8));
            bytes
        }
        _ => sample,
    }
}

/// A directory where every hook tool prints the content of `<dir>/out`.
fn fake_tools(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    let script = dir.join("print-out");
    std::fs::write(&script, format!("#!/bin/sh\nexec cat '{}'\n", out.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    for tool in [
        "config-get",
        "is-leader",
        "relation-ids",
        "relation-list",
        "relation-get",
        "relation-model-get",
        "status-get",
        "action-get",
        "opened-ports",
        "network-get",
        "state-get",
        "secret-add",
        "secret-get",
        "secret-ids",
        "secret-info-get",
        "storage-get",
        "storage-list",
        "resource-get",
        "credential-get",
        "goal-state",
    ] {
        symlink(&script, dir.join(tool)).unwrap();
    }
    out
}

/// Calls every parsing method; returns `(method, sensitive, result)` per call.
fn call_all(backend: &mut ProcessBackend) -> Vec<(&'static str, bool, ToolResult<()>)> {
    let rel = RelationId(3);
    let app = juju_model::tools::BagOwner::App(AppName::new("mysql").unwrap());
    let unit_ref = SecretRef::label("admin");
    let mut results = Vec::new();
    macro_rules! call {
        ($name:literal, $sensitive:literal, $expr:expr) => {
            let result = catch_unwind(AssertUnwindSafe(|| $expr.map(drop)));
            match result {
                Ok(result) => results.push(($name, $sensitive, result)),
                Err(_) => results.push(($name, $sensitive, Err(panicked($name)))),
            }
        };
    }
    call!("config_get", false, backend.config_get());
    call!("is_leader", false, backend.is_leader());
    call!("relation_ids", false, backend.relation_ids("db"));
    call!("relation_list", false, backend.relation_list(rel));
    call!("relation_remote_app", false, backend.relation_remote_app(rel));
    call!("relation_get", false, backend.relation_get(rel, &app));
    call!("relation_model_get", false, backend.relation_model_get(rel));
    call!("status_get", false, backend.status_get());
    call!("app_status_get", false, backend.app_status_get());
    call!("action_get", true, backend.action_get());
    call!("opened_ports", false, backend.opened_ports());
    call!("network_get", false, backend.network_get("website", None));
    call!("state_get", false, backend.state_get());
    call!(
        "secret_add",
        false,
        backend.secret_add(&[("password".to_owned(), "x".to_owned())].into(), &Default::default())
    );
    call!("secret_get", true, backend.secret_get(&unit_ref, SecretRead::Peek));
    call!("secret_ids", false, backend.secret_ids());
    call!("secret_info_get", false, backend.secret_info_get(&unit_ref));
    call!("storage_get", false, backend.storage_get(Some("data/0")));
    call!("storage_list", false, backend.storage_list(None));
    call!("resource_get", false, backend.resource_get("web"));
    call!("credential_get", true, backend.credential_get());
    call!("goal_state", false, backend.goal_state());
    results
}

fn panicked(method: &str) -> HookToolError {
    HookToolError {
        tool: method.to_owned(),
        kind: ToolErrorKind::Other,
        message: "PANICKED".to_owned(),
        code: None,
    }
}

fn seed() -> u64 {
    std::env::var("PROP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        })
}

fn cases(divisor: usize, default: usize) -> usize {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .map(|c| (c / divisor).max(1))
        .unwrap_or(default)
}

#[test]
fn parsers_never_panic_and_never_quote_secret_output() {
    let seed = seed();
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let out = fake_tools(dir.path());
    let mut backend = ProcessBackend::with_tool_dir(dir.path());
    let mut problems = Vec::new();
    for case in 0..cases(20, 100) {
        let bytes = output(&mut rng);
        std::fs::write(&out, &bytes).unwrap();
        for (method, sensitive, result) in call_all(&mut backend) {
            let Err(error) = result else { continue };
            let problem = if error.message == "PANICKED" {
                Some("panicked")
            } else if error.kind != ToolErrorKind::BadOutput {
                Some("failed with a kind other than BadOutput")
            } else if sensitive && error.message.contains(MARKER) {
                Some("quoted its sensitive output in the error")
            } else {
                None
            };
            if let Some(problem) = problem {
                problems.push(format!(
                    "case {case}: {method} {problem}: {error:?}\n  output: {:?}",
                    String::from_utf8_lossy(&bytes)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "PROP_SEED={seed}\n{}", problems.join("\n"));
}

#[test]
fn every_realistic_output_parses_for_its_own_tool() {
    let dir = tempfile::tempdir().unwrap();
    let out = fake_tools(dir.path());
    let mut backend = ProcessBackend::with_tool_dir(dir.path());
    let own: [(&str, usize); 12] = [
        ("config_get", 0),
        ("is_leader", 1),
        ("relation_ids", 2),
        ("relation_list", 3),
        ("relation_remote_app", 4),
        ("relation_get", 5),
        ("relation_model_get", 6),
        ("status_get", 7),
        ("app_status_get", 8),
        ("opened_ports", 10),
        ("network_get", 11),
        ("secret_info_get", 16),
    ];
    for (method, sample) in own {
        std::fs::write(&out, SAMPLES[sample]).unwrap();
        let results = call_all(&mut backend);
        let (_, _, result) = results.iter().find(|(m, _, _)| *m == method).unwrap();
        assert!(
            result.is_ok(),
            "{method} rejected its own sample {:?}: {result:?}",
            SAMPLES[sample]
        );
    }
}

#[test]
fn classifying_any_stderr_never_panics() {
    let seed = seed();
    let mut rng = Rng(seed);
    let tools = ["relation-get", "secret-get", "network-get", "status-set", "", "secret-"];
    for _ in 0..cases(1, 2000) {
        let stderr = match rng.below(3) {
            0 => String::from_utf8_lossy(&rng.bytes(48)).into_owned(),
            1 => format!("ERROR {}", rng.text()),
            _ => rng.text(),
        };
        let code = [None, Some(0), Some(1), Some(2), Some(-1), Some(i32::MAX)][rng.below(6)];
        let tool = *rng.pick(&tools);
        let result = catch_unwind(|| HookToolError::classify(tool, &stderr, code));
        assert!(
            result.is_ok(),
            "PROP_SEED={seed}: classify({tool:?}, {stderr:?}, {code:?}) panicked"
        );
    }
}
