//! The sandbox: a process sees its binds at their targets (and writes land in the unit's
//! host directory), sees the model's `/etc/hosts` and its own hostname, runs in another
//! mount namespace, can drop to another user, and the host's mount table is unaffected.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pebble_common;

use std::net::Ipv4Addr;
use std::process::Output;

use local_model::sandbox::{Bind, RunOptions, Sandbox};
use pebble_common::{need_root, sandbox};

fn run(sandbox: &Sandbox, script: &str, options: &RunOptions) -> Output {
    sandbox
        .command_with(&["sh".into(), "-c".into(), script.into()], options)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mountinfo() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").unwrap()
}

#[test]
fn binds_hosts_hostname_and_namespace() {
    if !need_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("unit");
    let marker = format!("sandbox-test-{}", std::process::id());
    // Mount points that do not exist are created; keep the test's inside the temp dir.
    let app = dir.path().join("rock/opt/app");
    let app_text = app.to_string_lossy().into_owned();
    let mut sb = sandbox(
        "zookeeper-k8s-0",
        &unit,
        Ipv4Addr::new(127, 0, 1, 240),
        vec![
            Bind::new(unit.join("var-lib-zookeeper"), "/var/lib/zookeeper"),
            Bind::new(unit.join("opt-app"), &app),
            Bind::read_only(unit.join("conf"), app.join("conf")),
        ],
    );
    sb.hostname = Some("zookeeper-k8s-0".into());
    sb.env.insert("FROM_SANDBOX".into(), "yes".into());
    std::fs::create_dir_all(unit.join("conf")).unwrap();
    std::fs::write(unit.join("conf/app.cfg"), "ro=1\n").unwrap();
    let before = mountinfo();
    let own_ns = std::fs::read_link("/proc/self/ns/mnt").unwrap();

    let out = run(
        &sb,
        &format!(
            "echo hi > /var/lib/zookeeper/{marker} && cat /etc/hosts && hostname && readlink /proc/self/ns/mnt \
             && cat {app_text}/conf/app.cfg && echo $FROM_SANDBOX && pwd"
        ),
        &RunOptions::default(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("127.0.1.240 zookeeper-k8s-0-host.test-endpoints"),
        "{stdout}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"zookeeper-k8s-0"), "{stdout}");
    assert!(
        !lines.contains(&own_ns.to_string_lossy().as_ref()),
        "another mount namespace: {stdout}"
    );
    assert!(
        lines.contains(&"ro=1") && lines.contains(&"yes") && lines.last() == Some(&"/"),
        "{stdout}"
    );

    assert_eq!(
        std::fs::read_to_string(unit.join("var-lib-zookeeper").join(&marker)).unwrap(),
        "hi\n",
        "the write landed in the unit's host directory"
    );
    assert!(
        !std::path::Path::new("/var/lib/zookeeper").join(&marker).exists(),
        "not in the host's own /var/lib/zookeeper"
    );
    assert_eq!(mountinfo(), before, "the host's mount table is unchanged");
    let host_name = nix::unistd::gethostname().unwrap();
    assert_ne!(host_name.to_string_lossy(), "zookeeper-k8s-0");

    let ro = run(&sb, &format!("echo x > {app_text}/conf/new"), &RunOptions::default());
    assert!(!ro.status.success());
    assert!(
        text(&ro.stderr).contains("Read-only file system"),
        "{}",
        text(&ro.stderr)
    );
}

#[test]
fn working_dir_user_and_failures() {
    if !need_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("unit");
    let target = dir.path().join("rock/var/lib/data").to_string_lossy().into_owned();
    let sb = sandbox(
        "unit-1",
        &unit,
        Ipv4Addr::new(127, 0, 1, 241),
        vec![Bind::new(unit.join("data"), &target)],
    );
    let options = RunOptions {
        working_dir: Some(target.clone()),
        uid: Some(65534),
        gid: Some(65534),
        new_session: true,
    };
    let out = run(
        &sb,
        "pwd; id -u; id -g; ps -o sid= -p $$ | tr -d ' '; echo $$",
        &options,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(&lines[..3], [target.as_str(), "65534", "65534"]);
    assert_eq!(lines[3], lines[4], "new session: the command leads it");

    let missing = sb.command(&["no-such-program-xyz".into()]).output().unwrap();
    assert_eq!(missing.status.code(), Some(127));
    assert!(
        text(&missing.stderr).contains("cannot exec \"no-such-program-xyz\""),
        "{}",
        text(&missing.stderr)
    );

    let bad_dir = run(
        &sb,
        "true",
        &RunOptions {
            working_dir: Some("/no/such/dir".into()),
            ..RunOptions::default()
        },
    );
    assert_eq!(bad_dir.status.code(), Some(127));
    assert!(
        text(&bad_dir.stderr).contains("chdir /no/such/dir"),
        "{}",
        text(&bad_dir.stderr)
    );
}

#[test]
fn exec_keeps_the_pid() {
    if !need_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(
        "unit-2",
        &dir.path().join("unit"),
        Ipv4Addr::new(127, 0, 1, 242),
        Vec::new(),
    );
    let child = sb
        .command(&["sh".into(), "-c".into(), "echo $$".into()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        text(&out.stdout).trim(),
        pid.to_string(),
        "the workload is the process we spawned"
    );
}
