//! End-to-end tests of [`ProcessBackend`] against small `#!/bin/sh` fake tools in a temp dir.
//!
//! The pure argv and parse layers have their own tests; these prove the wiring (each
//! trait method runs the right tool with the right argv and stdin and parses its output)
//! and everything only a real process shows: exit codes and stderr, missing tools, secret
//! files on disk, signals, and large stdin/stdout.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use juju_model::tools::{RotatePolicy, SecretOwner};
use juju_model::StatusKind;
use serde_json::json;

use super::*;
use crate::backend::{HookToolError, ToolErrorKind};

/// Every tool name the backend runs.
const TOOLS: [&str; 36] = [
    "config-get",
    "is-leader",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "relation-model-get",
    "status-set",
    "status-get",
    "application-version-set",
    "action-get",
    "action-set",
    "action-fail",
    "action-log",
    "juju-log",
    "open-port",
    "close-port",
    "opened-ports",
    "network-get",
    "state-get",
    "state-set",
    "state-delete",
    "secret-add",
    "secret-get",
    "secret-set",
    "secret-remove",
    "secret-grant",
    "secret-revoke",
    "secret-ids",
    "secret-info-get",
    "storage-get",
    "storage-list",
    "storage-add",
    "resource-get",
    "credential-get",
    "goal-state",
];

/// Records its name, argv (one per line) and stdin into `<dir>/log`, prints
/// `<dir>/<name>.out` if present.
const RECORDER: &str = r#"#!/bin/sh
d=$(dirname "$0"); n=$(basename "$0")
{ printf '== %s\n' "$n"; for a in "$@"; do printf '%s\n' "$a"; done; printf -- '-- stdin\n'; cat; printf '\n'; } >> "$d/log"
if [ -e "$d/$n.out" ]; then cat "$d/$n.out"; fi
"#;

struct Fakes {
    dir: tempfile::TempDir,
}

impl Fakes {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn tool(&self, name: &str, script: &str) -> &Self {
        let path = self.path().join(name);
        fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    /// Every tool is the recorder.
    fn recorders() -> Self {
        let fakes = Self::new();
        let recorder = fakes.path().join("recorder");
        fs::write(&recorder, RECORDER).unwrap();
        fs::set_permissions(&recorder, fs::Permissions::from_mode(0o755)).unwrap();
        for tool in TOOLS {
            std::os::unix::fs::symlink(&recorder, fakes.path().join(tool)).unwrap();
        }
        fakes
    }

    fn output(&self, tool: &str, stdout: &str) {
        fs::write(self.path().join(format!("{tool}.out")), stdout).unwrap();
    }

    /// The recorded calls since the last take: `[tool, args…, "-- stdin", stdin]`.
    fn take(&self) -> Vec<String> {
        let log = self.path().join("log");
        let text = fs::read_to_string(&log).unwrap_or_default();
        let _ = fs::remove_file(&log);
        text.lines().map(str::to_owned).collect()
    }

    fn backend(&self) -> ProcessBackend {
        ProcessBackend::with_tool_dir(self.path())
    }
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// What the recorder logs for a call without stdin.
fn rec(tool: &str, args: &[&str]) -> Vec<String> {
    rec_in(tool, args, "")
}

fn rec_in(tool: &str, args: &[&str], stdin: &str) -> Vec<String> {
    let mut lines = vec![format!("== {tool}")];
    lines.extend(args.iter().map(|a| a.to_string()));
    lines.push("-- stdin".to_owned());
    lines.extend(stdin.lines().map(str::to_owned));
    if stdin.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn uri() -> SecretUri {
    SecretUri::new("secret:cq5l0hvmp25c7d3sbjug").unwrap()
}

#[test]
fn every_reading_method_runs_its_tool_and_parses_the_output() {
    let fx = Fakes::recorders();
    let mut b = fx.backend();

    fx.output("config-get", r#"{"log-level":"INFO","port":9092,"password":null}"#);
    let config = b.config_get().unwrap();
    assert_eq!(config["port"], 9092);
    assert!(config["password"].is_null());
    assert_eq!(fx.take(), rec("config-get", &["--format=json", "--all"]));

    fx.output("is-leader", "true\n");
    assert!(b.is_leader().unwrap());
    assert_eq!(fx.take(), rec("is-leader", &["--format=json"]));

    fx.output("relation-ids", r#"["db:3","db:7"]"#);
    assert_eq!(b.relation_ids("db").unwrap(), [RelationId(3), RelationId(7)]);
    assert_eq!(fx.take(), rec("relation-ids", &["db", "--format=json"]));

    fx.output("relation-list", r#"["mysql/0","mysql/1"]"#);
    assert_eq!(b.relation_list(RelationId(3)).unwrap().len(), 2);
    assert_eq!(fx.take(), rec("relation-list", &["--format=json", "-r", "3"]));

    fx.output("relation-list", r#""mysql""#);
    assert_eq!(
        b.relation_remote_app(RelationId(3)).unwrap(),
        Some(AppName::new("mysql").unwrap())
    );
    assert_eq!(fx.take(), rec("relation-list", &["--format=json", "--app", "-r", "3"]));

    fx.output("relation-get", r#"{"host":"10.0.0.1"}"#);
    let owner = BagOwner::App(AppName::new("mysql").unwrap());
    assert_eq!(
        b.relation_get(RelationId(3), &owner).unwrap(),
        bag(&[("host", "10.0.0.1")])
    );
    assert_eq!(
        fx.take(),
        rec("relation-get", &["--format=json", "-r", "3", "--app", "-", "mysql"])
    );

    fx.output(
        "relation-model-get",
        r#"{"uuid":"0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"}"#,
    );
    assert_eq!(
        b.relation_model_get(RelationId(3)).unwrap(),
        "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
    );
    assert_eq!(fx.take(), rec("relation-model-get", &["--format=json", "-r", "3"]));

    fx.output("status-get", r#"{"message":"ok","status":"active","status-data":{}}"#);
    assert_eq!(b.status_get().unwrap().status, StatusKind::Active);
    assert_eq!(
        fx.take(),
        rec(
            "status-get",
            &["--include-data", "--format=json", "--application=false"]
        )
    );

    fx.output(
        "status-get",
        r#"{"application-status":{"message":"","status":"waiting","status-data":{}},"units":{"a/0":{"message":"","status":"waiting","status-data":{}}}}"#,
    );
    let app = b.app_status_get().unwrap();
    assert_eq!(app.application.status, StatusKind::Waiting);
    assert_eq!(app.units.len(), 1);
    assert_eq!(
        fx.take(),
        rec("status-get", &["--include-data", "--format=json", "--application=true"])
    );

    fx.output("action-get", r#"{"username":"admin","nested":{"a":1}}"#);
    assert_eq!(b.action_get().unwrap()["nested"], json!({"a": 1}));
    assert_eq!(fx.take(), rec("action-get", &["--format=json"]));

    fx.output("opened-ports", r#"["80/tcp","icmp"]"#);
    assert_eq!(b.opened_ports().unwrap(), [Port::Tcp(80), Port::Icmp]);
    assert_eq!(fx.take(), rec("opened-ports", &["--format=json"]));

    fx.output(
        "network-get",
        r#"{"bind-addresses":[{"mac-address":"","interface-name":"eth0","addresses":[{"hostname":"","value":"10.1.2.3","cidr":"10.1.2.0/24"}]}],"egress-subnets":["10.1.2.3/32"],"ingress-addresses":["10.1.2.3"]}"#,
    );
    assert_eq!(
        b.network_get("db", Some(RelationId(3))).unwrap().ingress_address(),
        Some("10.1.2.3")
    );
    assert_eq!(fx.take(), rec("network-get", &["--format=json", "-r", "3", "db"]));

    fx.output("state-get", "null\n");
    assert!(b.state_get().unwrap().is_empty());
    assert_eq!(fx.take(), rec("state-get", &["--format=json"]));

    fx.output("secret-get", r#"{"password":"hunter2"}"#);
    let content = b.secret_get(&SecretRef::uri(uri()), SecretRead::Refresh).unwrap();
    assert_eq!(content, bag(&[("password", "hunter2")]));
    assert_eq!(
        fx.take(),
        rec(
            "secret-get",
            &["--format=json", "secret:cq5l0hvmp25c7d3sbjug", "--refresh"]
        )
    );

    fx.output("secret-ids", r#"["secret:cq5l0hvmp25c7d3sbjug"]"#);
    assert_eq!(b.secret_ids().unwrap(), [uri()]);
    assert_eq!(fx.take(), rec("secret-ids", &["--format=json"]));

    fx.output(
        "secret-info-get",
        r#"{"cq5l0hvmp25c7d3sbjug":{"revision":3,"label":"db","owner":"application","rotation":"daily"}}"#,
    );
    let info = b.secret_info_get(&SecretRef::label("db")).unwrap();
    assert_eq!(
        (info.uri, info.revision, info.rotation),
        (Some(uri()), 3, Some(RotatePolicy::Daily))
    );
    assert_eq!(fx.take(), rec("secret-info-get", &["--format=json", "--label", "db"]));

    fx.output("storage-get", r#"{"kind":"filesystem","location":"/srv/data"}"#);
    assert_eq!(b.storage_get(Some("data/0")).unwrap().location, "/srv/data");
    assert_eq!(fx.take(), rec("storage-get", &["--format=json", "-s", "data/0"]));

    fx.output("storage-list", r#"["data/0"]"#);
    assert_eq!(b.storage_list(Some("data")).unwrap(), ["data/0"]);
    assert_eq!(fx.take(), rec("storage-list", &["--format=json", "data"]));

    fx.output("resource-get", "/var/lib/juju/resources/jar/kafka.jar\n");
    assert_eq!(
        b.resource_get("jar").unwrap(),
        PathBuf::from("/var/lib/juju/resources/jar/kafka.jar")
    );
    assert_eq!(fx.take(), rec("resource-get", &["jar"]));

    fx.output("credential-get", r#"{"type":"kubernetes","name":"k8s"}"#);
    assert_eq!(b.credential_get().unwrap()["type"], "kubernetes");
    assert_eq!(fx.take(), rec("credential-get", &["--format=json"]));

    fx.output(
        "goal-state",
        r#"{"units":{"a/0":{"status":"active","since":"2025-01-01T00:00:00Z"}},"relations":{}}"#,
    );
    assert_eq!(b.goal_state().unwrap().planned_units(), 1);
    assert_eq!(fx.take(), rec("goal-state", &["--format=json"]));

    assert_eq!(b.calls().len(), 21);
    assert_eq!(b.calls()[0], "config-get");
    assert_eq!(b.calls()[20], "goal-state");
}

#[test]
fn every_writing_method_runs_its_tool() {
    let fx = Fakes::recorders();
    let mut b = fx.backend();

    b.relation_set(RelationId(3), true, &bag(&[("host", "10.0.0.1"), ("old", "")]))
        .unwrap();
    assert_eq!(
        fx.take(),
        rec_in(
            "relation-set",
            &["-r", "3", "--app", "--file", "-"],
            r#"{"host":"10.0.0.1","old":""}"#
        )
    );

    b.status_set(StatusTarget::Application, &Status::blocked("message"))
        .unwrap();
    assert_eq!(
        fx.take(),
        rec("status-set", &["--application=true", "blocked", "--", "message"])
    );

    b.application_version_set("3.9").unwrap();
    assert_eq!(fx.take(), rec("application-version-set", &["--", "3.9"]));

    b.action_set(&bag(&[("user.name", "admin"), ("ok", "true")])).unwrap();
    assert_eq!(fx.take(), rec("action-set", &["ok=true", "user.name=admin"]));
    b.action_set(&BTreeMap::new()).unwrap();
    assert!(fx.take().is_empty());

    b.action_fail("boom").unwrap();
    assert_eq!(fx.take(), rec("action-fail", &["--", "boom"]));

    b.action_log("step").unwrap();
    assert_eq!(fx.take(), rec("action-log", &["--", "step"]));

    b.juju_log(LogLevel::Warning, "msg").unwrap();
    assert_eq!(fx.take(), rec("juju-log", &["--log-level", "WARNING", "--", "msg"]));

    b.open_port(Port::Tcp(80), &["a".to_owned(), "b".to_owned()]).unwrap();
    assert_eq!(fx.take(), rec("open-port", &["--endpoints", "a,b", "80/tcp"]));

    b.close_port(Port::UdpRange(1, 2), &[]).unwrap();
    assert_eq!(fx.take(), rec("close-port", &["1-2/udp"]));

    b.state_set(&bag(&[("k", "v")])).unwrap();
    assert_eq!(fx.take(), rec_in("state-set", &["--file", "-"], r#"{"k":"v"}"#));

    b.state_delete("k").unwrap();
    assert_eq!(fx.take(), rec("state-delete", &["k"]));

    b.secret_set(
        &uri(),
        None,
        &SecretMeta {
            description: Some("d".into()),
            ..SecretMeta::default()
        },
    )
    .unwrap();
    assert_eq!(
        fx.take(),
        rec("secret-set", &["--description", "d", "secret:cq5l0hvmp25c7d3sbjug"])
    );

    b.secret_remove(&uri(), Some(1)).unwrap();
    assert_eq!(
        fx.take(),
        rec("secret-remove", &["secret:cq5l0hvmp25c7d3sbjug", "--revision", "1"])
    );

    let unit = UnitName::new("mysql/0").unwrap();
    b.secret_grant(&uri(), RelationId(3), Some(&unit)).unwrap();
    assert_eq!(
        fx.take(),
        rec(
            "secret-grant",
            &["--relation", "3", "--unit", "mysql/0", "secret:cq5l0hvmp25c7d3sbjug"]
        )
    );

    b.secret_revoke(&uri(), RelationId(3), None).unwrap();
    assert_eq!(
        fx.take(),
        rec("secret-revoke", &["--relation", "3", "secret:cq5l0hvmp25c7d3sbjug"])
    );

    b.storage_add("data", 2).unwrap();
    assert_eq!(fx.take(), rec("storage-add", &["data=2"]));

    assert_eq!(b.calls().len(), 16);
}

#[test]
fn fake_tools_answer_and_fail_like_juju() {
    let fx = Fakes::new();
    fx.tool("is-leader", "echo true")
        .tool("relation-get", "echo 'ERROR relation not found' >&2; exit 1")
        .tool(
            "relation-list",
            "echo 'ERROR invalid value \"99\" for option -r: relation not found' >&2; exit 2",
        )
        .tool("status-set", "echo 'ERROR this unit is not the leader' >&2; exit 1");
    let mut b = fx.backend();
    assert!(b.is_leader().unwrap());

    let owner = BagOwner::Unit(UnitName::new("mysql/0").unwrap());
    let err = b.relation_get(RelationId(3), &owner).unwrap_err();
    assert_eq!(
        err,
        HookToolError {
            tool: "relation-get".into(),
            kind: ToolErrorKind::RelationNotFound,
            message: "relation not found".into(),
            code: Some(1),
        }
    );
    let err = b.relation_list(RelationId(99)).unwrap_err();
    assert_eq!((err.kind, err.code), (ToolErrorKind::RelationNotFound, Some(2)));
    let err = b
        .status_set(StatusTarget::Application, &Status::active(""))
        .unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::NotLeader);
    assert_eq!(err.to_string(), "status-set failed: this unit is not the leader");

    // Missing tools are Unavailable and named; the attempt is still counted.
    let err = b.goal_state().unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::Unavailable);
    assert!(
        err.message.contains("goal-state") && err.message.contains("PATH"),
        "{}",
        err.message
    );
    assert_eq!(
        b.calls(),
        ["is-leader", "relation-get", "relation-list", "status-set", "goal-state"]
    );
}

#[test]
fn missing_tool_on_path_is_unavailable() {
    let mut b = ProcessBackend::new();
    let err = b.storage_add("no-such-charm-sdk-test-storage", 1);
    // `storage-add` only exists inside a Juju hook.
    if let Err(err) = err {
        if err.kind == ToolErrorKind::Unavailable {
            assert!(err.message.contains("`storage-add` on PATH"), "{}", err.message);
        }
    }
    assert_eq!(b.calls(), ["storage-add"]);
}

#[test]
fn secret_values_go_through_private_files_that_are_removed() {
    let fx = Fakes::new();
    fx.tool(
        "secret-add",
        r#"d=$(dirname "$0")
for a in "$@"; do
  printf 'arg %s\n' "$a" >> "$d/calls"
  case "$a" in
*'#file='*)
  f=${a#*#file=}
  printf 'file %s %s %s\n' "$(stat -c %a "$f")" "$(stat -c %a "$(dirname "$f")")" "$f" >> "$d/calls"
  printf 'value %s\n' "$(cat "$f")" >> "$d/calls";;
  esac
done
echo secret:cq5l0hvmp25c7d3sbjug"#,
    );
    let mut b = fx.backend();
    let content = bag(&[("password", "hunter2"), ("username", "admin")]);
    let meta = SecretMeta {
        label: Some("x".into()),
        owner: Some(SecretOwner::Unit),
        ..SecretMeta::default()
    };
    assert_eq!(b.secret_add(&content, &meta).unwrap(), uri());

    let log = fs::read_to_string(fx.path().join("calls")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines[..4], ["arg --label", "arg x", "arg --owner", "arg unit"]);
    let args: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("arg ")).collect();
    assert_eq!(args.len(), 6);
    assert!(
        args[4].starts_with("password#file=/") && args[5].starts_with("username#file=/"),
        "{args:?}"
    );
    assert!(!args.iter().any(|a| a.contains("hunter2")));
    let files: Vec<(&str, &str, &str)> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("file "))
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap())
        })
        .collect();
    assert_eq!(files.len(), 2);
    for (mode, dir_mode, path) in &files {
        assert_eq!((*mode, *dir_mode), ("600", "700"), "{path}");
        assert!(!Path::new(path).exists(), "{path} left behind");
        assert!(
            !Path::new(path).parent().unwrap().exists(),
            "{path}'s directory left behind"
        );
    }
    let values: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("value ")).collect();
    assert_eq!(values, ["hunter2", "admin"]);
}

#[test]
fn secret_files_are_removed_when_the_tool_fails() {
    let fx = Fakes::new();
    fx.tool("secret-set", r#"for a in "$@"; do printf '%s\n' "${a#*#file=}"; done > "$(dirname "$0")/args"; echo 'ERROR secret "cq5l0hvmp25c7d3sbjug" not found' >&2; exit 1"#);
    let mut b = fx.backend();
    let err = b
        .secret_set(&uri(), Some(&bag(&[("token", "t0ken")])), &SecretMeta::default())
        .unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::SecretNotFound);
    assert_eq!(err.message, r#"secret "cq5l0hvmp25c7d3sbjug" not found"#);
    let args = fs::read_to_string(fx.path().join("args")).unwrap();
    let file = args.lines().last().unwrap();
    assert!(file.starts_with('/') && !Path::new(file).exists(), "{file}");

    // A key Juju would refuse never reaches the disk or the tool.
    let err = b
        .secret_add(&bag(&[("../x", "v")]), &SecretMeta::default())
        .unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::InvalidArgument);
}

#[test]
fn unparsable_secret_output_is_not_echoed() {
    let fx = Fakes::new();
    fx.tool("secret-get", r#"printf '{"password": "hunter2", "n": 5}'"#);
    fx.tool("credential-get", "echo 'type: kubernetes, token: abcdef'");
    let mut b = fx.backend();
    let err = b.secret_get(&SecretRef::label("db"), SecretRead::Pinned).unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::BadOutput);
    assert!(
        !err.to_string().contains("hunter2") && !format!("{err:?}").contains("hunter2"),
        "{err}"
    );
    let err = b.credential_get().unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::BadOutput);
    assert!(!err.message.contains("abcdef"), "{err}");
}

#[test]
fn long_logs_are_split_into_several_calls() {
    let fx = Fakes::new();
    fx.tool(
        "juju-log",
        r#"printf '%s %s\n' "$2" "${#4}" >> "$(dirname "$0")/lengths""#,
    );
    let mut b = fx.backend();
    b.juju_log(LogLevel::Info, &"x".repeat(300_000)).unwrap();
    assert_eq!(b.calls(), ["juju-log"; 4]);
    let lengths = fs::read_to_string(fx.path().join("lengths")).unwrap();
    assert_eq!(lengths, "INFO 64\nINFO 131071\nINFO 131071\nINFO 37858\n");
    b.juju_log(LogLevel::Info, "").unwrap();
    assert_eq!(b.calls().len(), 4);
}

#[test]
fn large_stdin_and_stdout_do_not_deadlock() {
    let fx = Fakes::new();
    // Echoes everything back before exiting: stdout fills while stdin is still coming.
    fx.tool("relation-set", "cat");
    fx.tool("state-set", "echo 'ERROR cannot write relation settings' >&2; exit 1");
    let mut b = fx.backend();
    let big = bag(&[("blob", &"b".repeat(4 << 20))]);
    b.relation_set(RelationId(1), false, &big).unwrap();
    // A tool that exits without reading stdin reports its own error, not a broken pipe.
    let err = b.state_set(&big).unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::NotLeader);
}

#[test]
fn error_texts_map_to_kinds() {
    let fx = Fakes::new();
    let cases: [(&str, &str, i32, ToolErrorKind); 9] = [
        (
            "relation-get",
            "ERROR relation not found",
            1,
            ToolErrorKind::RelationNotFound,
        ),
        (
            "network-get",
            "ERROR relation not found",
            1,
            ToolErrorKind::RelationNotFound,
        ),
        (
            "secret-info-get",
            "ERROR secret \"x\" not found",
            1,
            ToolErrorKind::SecretNotFound,
        ),
        (
            "secret-grant",
            "ERROR this unit is not the leader",
            1,
            ToolErrorKind::NotLeader,
        ),
        (
            "relation-set",
            "ERROR cannot write relation settings",
            1,
            ToolErrorKind::NotLeader,
        ),
        (
            "relation-get",
            "ERROR permission denied",
            1,
            ToolErrorKind::PermissionDenied,
        ),
        (
            "status-set",
            "ERROR flag provided but not defined: --bogus",
            2,
            ToolErrorKind::InvalidArgument,
        ),
        (
            "action-set",
            "ERROR unrecognized args: [\"x\"]",
            2,
            ToolErrorKind::InvalidArgument,
        ),
        (
            "resource-get",
            "ERROR resource \"jar\" not found",
            1,
            ToolErrorKind::Other,
        ),
    ];
    for (tool, stderr, code, kind) in cases {
        fx.tool(
            tool,
            &format!("echo '{}' >&2; exit {code}", stderr.replace('\'', "'\\''")),
        );
        let mut b = fx.backend();
        let unit = UnitName::new("mysql/0").unwrap();
        let err = match tool {
            "relation-get" => b.relation_get(RelationId(3), &BagOwner::Unit(unit)).map(drop),
            "network-get" => b.network_get("db", Some(RelationId(3))).map(drop),
            "secret-info-get" => b.secret_info_get(&SecretRef::uri(uri())).map(drop),
            "secret-grant" => b.secret_grant(&uri(), RelationId(3), None),
            "relation-set" => b.relation_set(RelationId(3), true, &bag(&[("a", "b")])),
            "status-set" => b.status_set(StatusTarget::Unit, &Status::active("")),
            "action-set" => b.action_set(&bag(&[("a", "b")])),
            "resource-get" => b.resource_get("jar").map(drop),
            other => panic!("no case for {other}"),
        }
        .unwrap_err();
        assert_eq!(
            (err.tool.as_str(), err.kind, err.code),
            (tool, kind, Some(code)),
            "{stderr}"
        );
        assert_eq!(err.message, stderr.trim_start_matches("ERROR "));
    }
}

#[test]
fn silent_failures_and_signals_are_described() {
    let fx = Fakes::new();
    fx.tool("state-delete", "exit 3").tool("action-log", "kill -9 $$");
    let mut b = fx.backend();
    let err = b.state_delete("k").unwrap_err();
    assert_eq!(
        (err.kind, err.code, err.message.as_str()),
        (ToolErrorKind::Other, Some(3), "exited with status 3")
    );
    let err = b.action_log("m").unwrap_err();
    assert_eq!((err.code, err.message.as_str()), (None, "killed by signal 9"));
}
