//! The fake Pebble (`charm_testing::pebble`): the same behaviours the SDK's client tests
//! check against a socket server, so a charm sees the same answers from both.

use std::sync::Arc;

use charm_sdk::pebble::{
    CheckStatus, ExecOutput, ExecRequest, FileType, MakeDirOptions, NoticeFilter, Pebble, PebbleConnector, PebbleError,
    PebbleExt, PushOptions, ServiceStatus,
};
use juju_model::pebble::{CheckLevel, Layer, Service};

use charm_testing::pebble::{ContainerState, ExecHandler, ExecResponse, FakeConnector, FakePebble, ServiceEvent};

const LAYER: &str = "
services:
  app:
    override: replace
    command: /bin/app
    startup: enabled
    requires: [db]
  db:
    override: replace
    command: /bin/db
  tool:
    override: replace
    command: /bin/tool
checks:
  up:
    override: replace
    level: alive
    tcp: {port: 80}
";

fn layer(yaml: &str) -> Layer {
    Layer::from_yaml(yaml).unwrap_or_else(|e| panic!("bad test layer: {e}"))
}

fn fake(state: ContainerState) -> FakePebble {
    FakePebble::new("workload", state)
}

#[test]
fn unreachable_container_is_a_connection_error() {
    let connector = FakeConnector::new([
        ("down", ContainerState::default()),
        ("up", ContainerState::connectable()),
    ]);
    assert!(connector.connect("down").map(|_| ()).unwrap_err().is_connection());
    assert!(connector.connect("nope").map(|_| ()).unwrap_err().is_connection());
    assert_eq!(
        connector.connect("up").unwrap().system_info().unwrap().version,
        "v1.19.0-fake"
    );
    let pebble = fake(ContainerState::default());
    assert!(pebble.pull("/x").unwrap_err().is_connection());
}

#[test]
fn layers_combine_and_fail_like_pebble() {
    let pebble = fake(ContainerState::connectable());
    pebble.add_layer("base", &layer(LAYER), false).unwrap();
    let err = pebble.add_layer("base", &layer(LAYER), false).unwrap_err();
    assert_eq!(err.to_string(), r#"layer "base" already exists"#);
    let merge = layer("services:\n  app:\n    override: merge\n    environment: {A: '1'}\n");
    pebble.add_layer("base", &merge, true).unwrap();
    assert_eq!(pebble.state().layers.len(), 1);
    assert_eq!(pebble.get_plan().unwrap().services["app"].environment["A"], "1");
    let err = pebble
        .add_layer("x", &layer("services:\n  s:\n    command: c\n"), false)
        .unwrap_err();
    assert_eq!(err.to_string(), r#"layer "x" must define "override" for service "s""#);
    let err = pebble
        .add_layer("y", &layer("services:\n  s:\n    override: merge\n"), false)
        .unwrap_err();
    assert_eq!(err.to_string(), r#"plan must define "command" for service "s""#);
    assert_eq!(pebble.state().layers.len(), 1, "failed adds change nothing");
}

#[test]
fn services_follow_pebble_start_stop_and_replan_rules() {
    let pebble = fake(ContainerState::connectable().with_layer("base", layer(LAYER)));
    pebble.replan_services().unwrap();
    let status = |name: &str| pebble.state().service_status(name);
    assert_eq!(
        (status("app"), status("db"), status("tool")),
        (ServiceStatus::Active, ServiceStatus::Active, ServiceStatus::Inactive)
    );
    pebble.stop_services(&["db"]).unwrap();
    assert_eq!(
        status("app"),
        ServiceStatus::Inactive,
        "stopping db stops what requires it"
    );
    let err = pebble.start_services(&["ghost"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"cannot start services: service "ghost" does not exist"#
    );
    assert_eq!(
        pebble.start_services(&[]).unwrap_err().to_string(),
        "must specify services for start action"
    );

    pebble.replan_services().unwrap();
    pebble.state_mut().service_log.clear();
    pebble.replan_services().unwrap();
    assert!(
        pebble.state().service_log.is_empty(),
        "replan with an unchanged plan restarts nothing"
    );
    let changed = Layer::default().with_service("app", Service::replace("/bin/app --v2").enabled());
    pebble.add_layer("base", &changed, true).unwrap();
    pebble.replan_services().unwrap();
    assert_eq!(
        pebble.state().service_log,
        [ServiceEvent::Stopped("app".into()), ServiceEvent::Started("app".into())],
        "replan restarts the changed service only"
    );

    pebble.state_mut().failing_services.insert("tool".into());
    match pebble.start_services(&["tool"]).unwrap_err() {
        PebbleError::Change { err, .. } => assert!(err.contains(r#"Start service "tool""#), "{err}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(status("tool"), ServiceStatus::Error);
    let infos = pebble.get_services(&["app", "tool"]).unwrap();
    assert_eq!(
        infos.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["app", "tool"]
    );
}

#[test]
fn files_follow_pebble_rules() {
    let pebble = fake(ContainerState::connectable().with_dir("/etc"));
    let err = pebble
        .push("/etc/app/app.conf", b"x", &PushOptions::default())
        .unwrap_err();
    assert!(
        matches!(&err, PebbleError::Path { kind, .. } if kind == "not-found"),
        "{err:?}"
    );
    let options = PushOptions::default()
        .make_dirs()
        .permissions(0o600)
        .owner("app", "app");
    pebble.push("/etc/app/app.conf", b"a=1", &options).unwrap();
    assert_eq!(pebble.pull("/etc/app/app.conf").unwrap(), b"a=1");
    assert_eq!(
        pebble.state().directories["/etc/app"].owner.user.as_deref(),
        Some("app")
    );
    let err = pebble.pull("/etc/nope").unwrap_err();
    assert_eq!(err.to_string(), "not-found: stat /etc/nope: no such file or directory");
    assert_eq!(pebble.pull("/etc").unwrap_err().kind(), Some("generic-file-error"));
    assert!(pebble
        .push("relative", b"", &PushOptions::default())
        .unwrap_err()
        .to_string()
        .contains("paths must be absolute"));

    pebble.push("/etc/app/b.yaml", b"b", &PushOptions::default()).unwrap();
    let listed = pebble.list_files("/etc/app", Some("*.yaml"), false).unwrap();
    assert_eq!(
        (listed.len(), listed[0].permissions, listed[0].size),
        (1, 0o644, Some(1))
    );
    let all = pebble.list_files("/etc", None, false).unwrap();
    assert_eq!(
        (all.len(), all[0].file_type, all[0].name.as_str()),
        (1, FileType::Directory, "app")
    );
    let conf = pebble.list_files("/etc/app/app.conf", None, false).unwrap();
    assert_eq!((conf[0].permissions, conf[0].user.as_deref()), (0o600, Some("app")));
    assert!(pebble.list_files("/var", None, false).unwrap_err().is_not_found());

    pebble
        .make_dir(
            "/srv/x",
            &MakeDirOptions {
                make_parents: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        pebble
            .make_dir("/srv/x", &MakeDirOptions::default())
            .unwrap_err()
            .to_string(),
        "generic-file-error: mkdir /srv/x: file exists"
    );
    assert!(pebble
        .make_dir("/a/b", &MakeDirOptions::default())
        .unwrap_err()
        .is_not_found());
    assert!(pebble
        .remove_path("/etc/app", false)
        .unwrap_err()
        .to_string()
        .contains("directory not empty"));
    pebble.remove_path("/etc/app", true).unwrap();
    assert!(pebble.state().files.is_empty());
    assert!(pebble.remove_path("/etc/app", false).unwrap_err().is_not_found());
    pebble.remove_path("/etc/app", true).unwrap();
}

#[test]
fn exec_uses_the_longest_prefix_and_records_calls() {
    let echo = Arc::new(|req: &ExecRequest| ExecOutput {
        exit_code: 0,
        stdout: req.stdin.clone().unwrap_or_default(),
        stderr: b"warn\n".to_vec(),
    });
    let state = ContainerState::connectable()
        .on_exec(["kafka-configs.sh"], ExecOutput::failed(1, "boom"))
        .on_exec(["kafka-configs.sh", "--describe"], ExecOutput::ok("ok"))
        .on_exec_fn(["cat"], move |req| echo(req));
    let mut state = state;
    state.exec_handlers.push(ExecHandler {
        prefix: vec!["sleep".into()],
        response: ExecResponse::Error(PebbleError::Timeout("timed out after 1s".into())),
    });
    let pebble = fake(state);
    assert_eq!(
        pebble
            .exec(&ExecRequest::new(["kafka-configs.sh", "--describe", "x"]))
            .unwrap()
            .stdout,
        b"ok"
    );
    let err = pebble
        .exec_checked(&ExecRequest::new(["kafka-configs.sh", "--alter"]))
        .unwrap_err();
    assert!(matches!(err, PebbleError::Exec { exit_code: 1, .. }));
    let split = pebble.exec(&ExecRequest::new(["cat"]).stdin("hi")).unwrap();
    assert_eq!((split.stdout, split.stderr), (b"hi".to_vec(), b"warn\n".to_vec()));
    let merged = pebble
        .exec(&ExecRequest::new(["cat"]).stdin("hi").combine_stderr())
        .unwrap();
    assert_eq!((merged.stdout, merged.stderr), (b"hiwarn\n".to_vec(), Vec::new()));
    assert!(matches!(
        pebble.exec(&ExecRequest::new(["sleep", "9"])),
        Err(PebbleError::Timeout(_))
    ));
    assert_eq!(
        pebble.exec(&ExecRequest::new(["ls"])).unwrap_err().to_string(),
        r#"cannot find executable "ls""#
    );
    assert_eq!(pebble.state().exec_calls.len(), 6);
    let copy = pebble.state().clone();
    assert_eq!(copy, *pebble.state(), "states compare, closures by identity");
}

#[test]
fn checks_notices_and_signals() {
    let pebble = fake(ContainerState::connectable().with_layer("base", layer(LAYER)));
    let checks = pebble.get_checks(Some(CheckLevel::Alive), &[]).unwrap();
    assert_eq!((checks[0].status, checks[0].threshold), (CheckStatus::Up, 3));
    assert_eq!(pebble.stop_checks(&["up"]).unwrap(), ["up"]);
    assert!(pebble.stop_checks(&["up"]).unwrap().is_empty());
    assert_eq!(pebble.get_checks(None, &[]).unwrap()[0].status, CheckStatus::Inactive);
    assert_eq!(
        pebble.start_checks(&["zz"]).unwrap_err().to_string(),
        "cannot start checks: cannot find checks in plan: zz"
    );

    let data = [("a".to_owned(), "1".to_owned())].into();
    let id = pebble.notify("example.com/thing", &data).unwrap();
    assert_eq!(pebble.notify("example.com/thing", &data).unwrap(), id);
    let notices = pebble
        .get_notices(&NoticeFilter {
            types: vec!["custom".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!((notices.len(), notices[0].occurrences), (1, 2));
    assert!(pebble.notify("Example/x", &data).is_err());
    assert!(pebble.notify("example.com", &data).is_err());

    assert!(pebble
        .send_signal("SIGHUP", &["app"])
        .unwrap_err()
        .to_string()
        .contains("service is not running"));
    pebble.replan_services().unwrap();
    pebble.send_signal("SIGHUP", &["app"]).unwrap();
    assert_eq!(pebble.state().signals.len(), 1);
}

#[test]
fn ensure_helpers_are_idempotent_on_the_fake() {
    let connector = FakeConnector::new([("w", ContainerState::connectable())]);
    {
        let pebble = connector.connect("w").unwrap();
        let options = PushOptions::default().make_dirs();
        assert!(pebble.ensure_file("/etc/a.conf", b"1", &options).unwrap());
        assert!(!pebble.ensure_file("/etc/a.conf", b"1", &options).unwrap());
        assert!(pebble.ensure_layer("charm", &layer(LAYER)).unwrap());
        assert!(!pebble.ensure_layer("charm", &layer(LAYER)).unwrap());
        assert!(pebble.restart_if_changed(true, &["app", "tool"]).unwrap());
    }
    let states = connector.into_states();
    let w = &states["w"];
    assert_eq!(w.layers.len(), 1);
    assert_eq!(w.service_status("app"), ServiceStatus::Active);
    assert_eq!(
        w.service_log,
        [
            ServiceEvent::Started("db".into()),
            ServiceEvent::Started("app".into()),
            ServiceEvent::Stopped("app".into()),
            ServiceEvent::Started("app".into()),
        ]
    );
}
