//! The blocking Pebble client against a Pebble-like server on a unix socket: envelopes,
//! changes and `/wait`, layers and plan, services, multipart files, exec over websockets
//! (real processes, large output, exit codes, timeouts), checks, notices, and the
//! idempotent `ensure_*` helpers.

mod pebble_server;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use charm_sdk::pebble::{
    CheckLevel, CheckStatus, Client, ExecRequest, FileType, Layer, MakeDirOptions, NoticeFilter, Pebble,
    PebbleConnector, PebbleError, PebbleExt, PushOptions, Service, ServiceStatus, SocketConnector,
};
use pebble_server::TestPebble;

fn layer(yaml: &str) -> Layer {
    Layer::from_yaml(yaml).unwrap_or_else(|e| panic!("bad test layer: {e}"))
}

const APP_LAYER: &str = "
summary: app
services:
  app:
    override: replace
    command: /bin/app --port 8080
    startup: enabled
    environment: {A: '1'}
  helper:
    override: replace
    command: /bin/helper
checks:
  up:
    override: replace
    level: alive
    tcp: {port: 8080}
";

#[test]
fn connector_reports_missing_socket_as_connection_error() {
    let server = TestPebble::start();
    let connector = SocketConnector::with_containers_dir(&server.containers_dir);
    let pebble = connector.connect("workload").unwrap();
    assert_eq!(pebble.system_info().unwrap().version, "v1.19.0-test");
    let err = connector.connect("missing").map(|_| ()).unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    assert!(err.to_string().contains("missing/pebble.socket"), "{err}");
    assert_eq!(
        SocketConnector::default().socket_path("kafka").to_str(),
        Some("/charm/containers/kafka/pebble.socket")
    );
}

#[test]
fn layers_combine_and_plan_round_trips() {
    let server = TestPebble::start();
    let pebble = server.client();
    assert_eq!(pebble.get_plan().unwrap(), Default::default());
    pebble.add_layer("base", &layer(APP_LAYER), false).unwrap();
    let tweak = layer("services:\n  app:\n    override: merge\n    environment: {B: '2'}\n    after: [helper]\n");
    pebble.add_layer("base", &tweak, true).unwrap();
    let plan = pebble.get_plan().unwrap();
    let app = &plan.services["app"];
    assert_eq!(app.environment.len(), 2);
    assert_eq!(app.after, ["helper"]);
    assert_eq!(plan.checks["up"].threshold, Some(3));
    assert_eq!(server.state().layers.len(), 1, "combine folds into the existing label");

    // Pebble's error envelope becomes an Api error with its message.
    let err = pebble.add_layer("base", &tweak, false).unwrap_err();
    assert_eq!(
        err,
        PebbleError::Api {
            status_code: 400,
            kind: String::new(),
            message: r#"layer "base" already exists"#.into()
        }
    );
    let no_override = layer("services:\n  x:\n    command: x\n");
    let err = pebble.add_layer("other", &no_override, false).unwrap_err();
    assert!(
        err.to_string()
            .contains(r#"layer "other" must define "override" for service "x""#),
        "{err}"
    );
    let no_command = layer("services:\n  y:\n    override: replace\n");
    let err = pebble.add_layer("other", &no_command, false).unwrap_err();
    assert_eq!(err.to_string(), r#"plan must define "command" for service "y""#);
}

#[test]
fn services_start_stop_replan_and_failed_changes() {
    let server = TestPebble::start();
    let pebble = server.client();
    pebble.add_layer("base", &layer(APP_LAYER), false).unwrap();
    let status = |name: &str| pebble.get_services(&[name]).unwrap()[0].current;
    assert_eq!(status("app"), ServiceStatus::Inactive);
    pebble.replan_services().unwrap();
    assert_eq!(status("app"), ServiceStatus::Active, "replan starts enabled services");
    assert_eq!(status("helper"), ServiceStatus::Inactive);
    pebble.start_services(&["helper"]).unwrap();
    assert!(pebble.get_services(&[]).unwrap().iter().all(|s| s.is_running()));
    pebble.stop_services(&["app", "helper"]).unwrap();
    assert_eq!(status("helper"), ServiceStatus::Inactive);
    pebble.restart_services(&["app"]).unwrap();
    assert_eq!(status("app"), ServiceStatus::Active);

    let err = pebble.start_services(&["ghost"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"cannot start services: service "ghost" does not exist"#
    );

    let extra = layer("services:\n  broken:\n    override: replace\n    command: /bin/false\n  slow:\n    override: replace\n    command: /bin/sleep 9\n");
    pebble.add_layer("extra", &extra, false).unwrap();
    match pebble.start_services(&["broken"]).unwrap_err() {
        PebbleError::Change { err, .. } => assert!(err.contains("exited quickly with code 1"), "{err}"),
        other => panic!("expected a change error, got {other:?}"),
    }
    // A change that takes longer than one /wait slice: the client re-asks after the 504.
    let patient = Client::with_timeouts(&server.socket, Duration::from_secs(2), Duration::from_secs(10)).unwrap();
    let started = Instant::now();
    patient.start_services(&["slow"]).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1400));
    assert!(
        server.count("GET /v1/changes/") >= 2,
        "waited twice: {:?}",
        server.state().log
    );
    // And a change that outlasts the change timeout is a Timeout.
    let hasty = Client::with_timeouts(&server.socket, Duration::from_secs(2), Duration::from_millis(300)).unwrap();
    assert!(matches!(
        hasty.restart_services(&["slow"]),
        Err(PebbleError::Timeout(_))
    ));
}

#[test]
fn push_pull_with_multipart_and_per_file_errors() {
    let server = TestPebble::start();
    let pebble = server.client();
    let content: Vec<u8> = (0..=255u8)
        .cycle()
        .take(70_000)
        .chain(b"\r\n--boundary--\r\n".iter().copied())
        .collect();
    let options = PushOptions::default()
        .permissions(0o600)
        .owner("kafka", "kafka")
        .make_dirs();
    pebble.push("/etc/kafka/server.properties", &content, &options).unwrap();
    {
        let st = server.state();
        let parts = &st.write_parts[0];
        assert_eq!(parts[0], ("request".to_owned(), None), "request part first");
        assert_eq!(
            parts[1],
            ("files".to_owned(), Some("/etc/kafka/server.properties".to_owned())),
            "absolute path"
        );
        let file = &st.files["/etc/kafka/server.properties"];
        assert_eq!((file.permissions, file.user.as_deref()), (0o600, Some("kafka")));
    }
    assert_eq!(pebble.pull("/etc/kafka/server.properties").unwrap(), content);

    // Per-file errors come in a 200 answer and become Path errors.
    let err = pebble.push("/nope/x.conf", b"x", &PushOptions::default()).unwrap_err();
    assert!(
        matches!(&err, PebbleError::Path { kind, path, .. } if kind == "not-found" && path == "/nope/x.conf"),
        "{err:?}"
    );
    let err = pebble
        .push("/forbidden/x", b"x", &PushOptions::default().make_dirs())
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    let err = pebble.pull("/etc/missing").unwrap_err();
    assert_eq!(
        err,
        PebbleError::Path {
            kind: "not-found".into(),
            path: "/etc/missing".into(),
            message: "stat /etc/missing: no such file or directory".into()
        }
    );
    let err = pebble.pull("/etc").unwrap_err();
    assert_eq!(err.kind(), Some("generic-file-error"));
}

#[test]
fn list_make_dirs_and_remove() {
    let server = TestPebble::start();
    let pebble = server.client();
    pebble
        .make_dir(
            "/srv/data/logs",
            &MakeDirOptions {
                make_parents: true,
                ..Default::default()
            },
        )
        .unwrap();
    let err = pebble.make_dir("/srv/data", &MakeDirOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "generic-file-error: mkdir /srv/data: file exists");
    let err = pebble.make_dir("/a/b", &MakeDirOptions::default()).unwrap_err();
    assert!(err.is_not_found());
    pebble
        .push("/srv/data/a.yaml", b"a: 1\n", &PushOptions::default())
        .unwrap();
    pebble.push("/srv/data/b.txt", b"b", &PushOptions::default()).unwrap();

    let all = pebble.list_files("/srv/data", None, false).unwrap();
    let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.yaml", "b.txt", "logs"]);
    let yaml = pebble.list_files("/srv/data", Some("*.yaml"), false).unwrap();
    assert_eq!(yaml.len(), 1);
    assert_eq!(
        (yaml[0].file_type, yaml[0].size, yaml[0].permissions),
        (FileType::File, Some(5), 0o644)
    );
    let itself = pebble.list_files("/srv/data", None, true).unwrap();
    assert_eq!((itself.len(), itself[0].file_type), (1, FileType::Directory));
    let err = pebble.list_files("/nowhere", None, false).unwrap_err();
    assert!(
        matches!(&err, PebbleError::Path { kind, .. } if kind == "not-found"),
        "{err:?}"
    );

    let err = pebble.remove_path("/srv/data", false).unwrap_err();
    assert!(err.to_string().contains("directory not empty"), "{err}");
    pebble.remove_path("/srv/data/b.txt", false).unwrap();
    pebble.remove_path("/srv", true).unwrap();
    assert!(pebble.list_files("/srv", None, false).unwrap_err().is_not_found());
    assert!(pebble.remove_path("/srv", false).unwrap_err().is_not_found());
}

#[test]
fn exec_echoes_stdin_and_splits_or_merges_stderr() {
    let server = TestPebble::start();
    let pebble = server.client();
    let out = pebble.exec(&ExecRequest::new(["cat"]).stdin("hello\nworld\n")).unwrap();
    assert_eq!(
        (out.exit_code, out.stdout_text(), out.stderr),
        (0, "hello\nworld\n".to_owned(), Vec::new())
    );
    let script = ["sh", "-c", "echo out; echo err >&2"];
    let split = pebble.exec(&ExecRequest::new(script)).unwrap();
    assert_eq!(
        (split.stdout_text(), split.stderr_text()),
        ("out\n".to_owned(), "err\n".to_owned())
    );
    let merged = pebble.exec(&ExecRequest::new(script).combine_stderr()).unwrap();
    assert_eq!(
        (merged.stdout_text(), merged.stderr.len()),
        ("out\nerr\n".to_owned(), 0)
    );
    assert!(server.count("WS ") >= 8, "control+stdio(+stderr) per exec");
    // No stdin: stdin is closed at once, so `cat` ends.
    assert_eq!(pebble.exec(&ExecRequest::new(["cat"])).unwrap().stdout, b"");
    let err = pebble.exec(&ExecRequest::new(["no-such-binary-xyz"])).unwrap_err();
    assert_eq!(err.to_string(), r#"cannot find executable "no-such-binary-xyz""#);
}

#[test]
fn exec_streams_large_output_without_deadlock() {
    let server = TestPebble::start();
    let pebble = server.client();
    let input: Vec<u8> = (0..3 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let out = pebble
        .exec(
            &ExecRequest::new(["cat"])
                .stdin(input.clone())
                .timeout(Duration::from_secs(60)),
        )
        .unwrap();
    assert_eq!(out.stdout.len(), input.len());
    assert!(out.stdout == input);
    let big = pebble
        .exec(&ExecRequest::new(["head", "-c", "2000000", "/dev/zero"]))
        .unwrap();
    assert_eq!(big.stdout.len(), 2_000_000);
}

#[test]
fn exec_exit_codes_and_timeouts() {
    let server = TestPebble::start();
    let pebble = server.client();
    let request = ExecRequest::new(["sh", "-c", "echo partial; echo oops >&2; exit 3"]);
    let out = pebble.exec(&request).unwrap();
    assert_eq!(out.exit_code, 3);
    match pebble.exec_checked(&request).unwrap_err() {
        PebbleError::Exec {
            exit_code,
            stdout,
            stderr,
            command,
        } => {
            assert_eq!(
                (exit_code, stdout, stderr),
                (3, b"partial\n".to_vec(), b"oops\n".to_vec())
            );
            assert_eq!(command[0], "sh");
        }
        other => panic!("expected an exec error, got {other:?}"),
    }
    assert_eq!(pebble.exec_checked(&ExecRequest::new(["true"])).unwrap().exit_code, 0);

    let started = Instant::now();
    let err = pebble
        .exec(&ExecRequest::new(["sleep", "10"]).timeout(Duration::from_millis(300)))
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    match err {
        PebbleError::Timeout(message) => assert!(message.contains("timed out after 300ms"), "{message}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn checks_notices_and_signals() {
    let server = TestPebble::start();
    let pebble = server.client();
    pebble.add_layer("base", &layer(APP_LAYER), false).unwrap();
    let checks = pebble.get_checks(Some(CheckLevel::Alive), &[]).unwrap();
    assert_eq!(
        (checks.len(), checks[0].status, checks[0].threshold),
        (1, CheckStatus::Up, 3)
    );
    assert!(pebble.get_checks(Some(CheckLevel::Ready), &[]).unwrap().is_empty());
    assert_eq!(pebble.stop_checks(&["up"]).unwrap(), ["up"]);
    assert_eq!(
        pebble.stop_checks(&["up"]).unwrap(),
        Vec::<String>::new(),
        "changed: null"
    );
    assert_eq!(
        pebble.get_checks(None, &["up"]).unwrap()[0].status,
        CheckStatus::Inactive
    );
    assert_eq!(pebble.start_checks(&["up"]).unwrap(), ["up"]);
    assert!(pebble
        .start_checks(&["nope"])
        .unwrap_err()
        .to_string()
        .contains("cannot find checks in plan: nope"));

    let data = BTreeMap::from([("reason".to_owned(), "ready".to_owned())]);
    let id = pebble.notify("example.com/db-ready", &data).unwrap();
    let notices = pebble
        .get_notices(&NoticeFilter {
            keys: vec!["example.com/db-ready".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (
            notices[0].id.as_str(),
            notices[0].last_data.get("reason").map(String::as_str)
        ),
        (id.as_str(), Some("ready"))
    );
    assert!(pebble.notify("bad-key", &BTreeMap::new()).is_err());

    let err = pebble.send_signal("SIGHUP", &["app"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"cannot send signal to "app": service is not running"#
    );
    pebble.replan_services().unwrap();
    pebble.send_signal("SIGHUP", &["app"]).unwrap();
    assert_eq!(server.state().signals, [("SIGHUP".to_owned(), vec!["app".to_owned()])]);
}

#[test]
fn ensure_file_writes_only_when_content_or_metadata_differ() {
    let server = TestPebble::start();
    let pebble: Box<dyn Pebble> = Box::new(server.client());
    let options = PushOptions::default().make_dirs();
    assert!(pebble.ensure_file("/etc/app/app.conf", b"a=1\n", &options).unwrap());
    assert!(!pebble.ensure_file("/etc/app/app.conf", b"a=1\n", &options).unwrap());
    assert_eq!(server.count("POST /v1/files write"), 1, "unchanged: no second write");
    assert!(
        pebble.ensure_file("/etc/app/app.conf", b"a=2\n", &options).unwrap(),
        "content differs"
    );
    assert!(
        pebble
            .ensure_file("/etc/app/app.conf", b"a=2\n", &options.clone().permissions(0o600))
            .unwrap(),
        "mode"
    );
    assert!(!pebble
        .ensure_file("/etc/app/app.conf", b"a=2\n", &options.clone().permissions(0o600))
        .unwrap());
    let owned = options.clone().permissions(0o600).owner("app", "app");
    assert!(
        pebble.ensure_file("/etc/app/app.conf", b"a=2\n", &owned).unwrap(),
        "owner"
    );
    assert!(!pebble.ensure_file("/etc/app/app.conf", b"a=2\n", &owned).unwrap());
    assert_eq!(server.count("POST /v1/files write"), 4);
}

#[test]
fn ensure_layer_adds_and_replans_only_when_the_plan_changes() {
    let server = TestPebble::start();
    let pebble = server.client();
    let charm_layer = layer(APP_LAYER);
    assert!(pebble.ensure_layer("charm", &charm_layer).unwrap());
    assert_eq!(pebble.get_services(&["app"]).unwrap()[0].current, ServiceStatus::Active);
    let (layers, replans) = (
        server.count("POST /v1/layers"),
        server.count("POST /v1/services replan"),
    );
    assert_eq!((layers, replans), (1, 1));
    assert!(!pebble.ensure_layer("charm", &charm_layer).unwrap());
    assert_eq!(server.count("POST /v1/layers"), 1, "unchanged: no add_layer");
    assert_eq!(server.count("POST /v1/services"), 1, "unchanged: no replan");

    let changed = Layer::default().with_service("app", Service::replace("/bin/app --port 9090").enabled());
    assert!(pebble.ensure_layer("charm", &changed).unwrap());
    assert_eq!(
        pebble.get_plan().unwrap().services["app"].command.as_deref(),
        Some("/bin/app --port 9090")
    );
    assert!(!pebble.ensure_started().unwrap(), "all enabled services run");

    assert!(!pebble.restart_if_changed(false, &["app"]).unwrap());
    assert!(
        !pebble.restart_if_changed(true, &["helper"]).unwrap(),
        "not running: left alone"
    );
    assert!(pebble.restart_if_changed(true, &["app"]).unwrap());
    assert_eq!(server.count("POST /v1/services restart"), 1);
}
