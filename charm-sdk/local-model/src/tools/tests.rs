//! The tools' syntax and output, against juju-rules directly (no processes): the forms
//! Python ops and our SDK send, and what Juju prints back.

use std::collections::BTreeMap;

use juju_model::{CharmMeta, RelationHook};
use juju_rules::{Hook, HookContext, Model, RelationEnd};

use super::{key_values, run, settings_file, Call, LeaderSettings};
use crate::proto::{FileContent, ToolResponse};

const META: &str = "name: zk\npeers: {cluster: {interface: c}}\nprovides: {zookeeper: {interface: zookeeper}}\n\
config: {options: {tick: {type: int, default: 2000}, name: {type: string}}}\n";

struct World {
    model: Model,
    rel: juju_model::RelationId,
}

fn world() -> World {
    let mut model = Model::default();
    let zk = model
        .deploy("zk", CharmMeta::from_charmcraft_yaml(META).unwrap(), 2)
        .unwrap();
    let kafka = model.deploy("kafka", CharmMeta::default(), 1).unwrap();
    let rel = model
        .relate(RelationEnd::new(zk, "zookeeper"), RelationEnd::new(kafka, "zookeeper"))
        .unwrap();
    World { model, rel }
}

fn call(
    model: &mut Model,
    hook: &mut Hook,
    tool: &str,
    args: &[&str],
    stdin: Option<&str>,
    files: &[(&str, &str)],
) -> ToolResponse {
    let files: BTreeMap<String, FileContent> = files
        .iter()
        .map(|(p, t)| ((*p).to_owned(), FileContent::Text((*t).to_owned())))
        .collect();
    let mut leader = LeaderSettings::default();
    let mut call = Call {
        model,
        hook,
        stdin,
        files: &files,
        leader: &mut leader,
    };
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    run(tool, &args, &mut call)
}

#[test]
fn ops_relation_forms() {
    let World { mut model, rel } = world();
    let ctx = HookContext::relation(
        &model,
        "zk/0".parse().unwrap(),
        RelationHook::Changed,
        rel,
        Some("kafka/0".parse().unwrap()),
    )
    .unwrap();
    let mut hook = Hook::begin(&mut model, ctx).unwrap();
    let r = rel.to_string();
    // ops 3: YAML on stdin; flags after positionals.
    let out = call(
        &mut model,
        &mut hook,
        "relation-set",
        &["-r", &r, "--app", "--file", "-"],
        Some("endpoints: zk-0:2181\nempty: ''\n"),
        &[],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = call(
        &mut model,
        &mut hook,
        "relation-get",
        &["-r", &r, "-", "zk", "--app", "--format=json"],
        None,
        &[],
    );
    assert_eq!(out.stdout, "{\"endpoints\":\"zk-0:2181\"}\n");
    let out = call(
        &mut model,
        &mut hook,
        "relation-ids",
        &["zookeeper", "--format=json"],
        None,
        &[],
    );
    assert_eq!(out.stdout, format!("[\"zookeeper:{r}\"]\n"));
    let out = call(&mut model, &mut hook, "relation-list", &["--format=json"], None, &[]);
    assert_eq!(out.stdout, "[\"kafka/0\"]\n");
    // The hook's remote unit is the default target; a missing key is null in JSON.
    let out = call(
        &mut model,
        &mut hook,
        "relation-get",
        &["--format=json", "nope"],
        None,
        &[],
    );
    assert_eq!(out.stdout, "null\n");
    let out = call(
        &mut model,
        &mut hook,
        "relation-get",
        &["-r", "zookeeper:99", "-", "kafka/0"],
        None,
        &[],
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "ERROR invalid value \"zookeeper:99\" for flag -r: relation not found\n"
        )
    );
}

#[test]
fn status_config_and_state_forms() {
    let World { mut model, .. } = world();
    let mut hook = Hook::begin(&mut model, HookContext::hook("zk/1".parse().unwrap(), "config-changed")).unwrap();
    let out = call(&mut model, &mut hook, "config-get", &["--format=json"], None, &[]);
    assert_eq!(out.stdout, "{\"tick\":2000}\n");
    let out = call(
        &mut model,
        &mut hook,
        "config-get",
        &["--all", "--format=json"],
        None,
        &[],
    );
    assert_eq!(out.stdout, "{\"name\":null,\"tick\":2000}\n");
    let out = call(&mut model, &mut hook, "config-get", &["tick"], None, &[]);
    assert_eq!(out.stdout, "2000\n");
    let out = call(&mut model, &mut hook, "is-leader", &[], None, &[]);
    assert_eq!(out.stdout, "False\n");
    let out = call(
        &mut model,
        &mut hook,
        "status-set",
        &["--application=True", "active", "--", "x"],
        None,
        &[],
    );
    assert_eq!(out.stderr, "ERROR this unit is not the leader\n");
    let out = call(
        &mut model,
        &mut hook,
        "status-set",
        &["--application=false", "waiting", "--", "-r odd"],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = call(
        &mut model,
        &mut hook,
        "status-get",
        &["--include-data", "--format=json", "--application=false"],
        None,
        &[],
    );
    assert_eq!(
        out.stdout,
        "{\"message\":\"-r odd\",\"status\":\"waiting\",\"status-data\":{}}\n"
    );
    let out = call(
        &mut model,
        &mut hook,
        "state-set",
        &["--file", "-", "b=2"],
        Some("{\"a\": \"1\"}"),
        &[],
    );
    assert_eq!(out.code, 0);
    let out = call(&mut model, &mut hook, "state-get", &["--format=json"], None, &[]);
    assert_eq!(out.stdout, "{\"a\":\"1\",\"b\":\"2\"}\n");
    let out = call(&mut model, &mut hook, "state-get", &["zz", "--strict"], None, &[]);
    assert_eq!(out.stderr, "ERROR \"zz\" not found\n");
    let out = call(
        &mut model,
        &mut hook,
        "network-get",
        &["cluster", "--format=json"],
        None,
        &[],
    );
    assert!(out.stdout.contains("\"ingress-addresses\""), "{out:?}");
    let out = call(
        &mut model,
        &mut hook,
        "juju-log",
        &["--log-level", "WARNING", "--", "hello", "there"],
        None,
        &[],
    );
    assert_eq!(out.code, 0);
    assert_eq!(model.log.last().unwrap().message, "hello there");
    let out = call(&mut model, &mut hook, "action-get", &[], None, &[]);
    assert_eq!(out.stderr, "ERROR not running an action\n");
    let out = call(&mut model, &mut hook, "leader-set", &["a=b"], None, &[]);
    assert!(out.stderr.contains("not the leader"), "{out:?}");
}

#[test]
fn secret_forms_ops_sends() {
    let World { mut model, .. } = world();
    let mut hook = Hook::begin(&mut model, HookContext::hook("zk/0".parse().unwrap(), "install")).unwrap();
    let out = call(
        &mut model,
        &mut hook,
        "secret-add",
        &[
            "--label",
            "creds",
            "--expire",
            "2030-01-01T00:00:00+00:00",
            "--owner",
            "application",
            "password#file=/tmp/x/password",
            "user=admin",
        ],
        None,
        &[("/tmp/x/password", "s3cret=\n")],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let uri = out.stdout.trim().to_owned();
    assert!(uri.starts_with("secret:"), "{uri}");
    let id = uri.trim_start_matches("secret:").to_owned();
    // ops canonicalises to secret://<model-uuid>/<id>.
    let long = format!("secret://{}/{id}", model.uuid);
    let out = call(
        &mut model,
        &mut hook,
        "secret-get",
        &[&long, "--format=json"],
        None,
        &[],
    );
    assert_eq!(out.stdout, "{\"password\":\"s3cret=\\n\",\"user\":\"admin\"}\n");
    let out = call(
        &mut model,
        &mut hook,
        "secret-get",
        &["--label", "creds", "user"],
        None,
        &[],
    );
    assert_eq!(out.stdout, "admin\n");
    let out = call(
        &mut model,
        &mut hook,
        "secret-info-get",
        &["--label", "creds", "--format=json"],
        None,
        &[],
    );
    let info: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(info[&id]["label"], "creds");
    assert_eq!(info[&id]["expiry"], "2030-01-01T00:00:00Z");
    assert_eq!(info[&id]["owner"], "application");
    let out = call(&mut model, &mut hook, "secret-add", &["--owner", "unit"], None, &[]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (2, "ERROR missing secret value or filename\n")
    );
    let out = call(
        &mut model,
        &mut hook,
        "secret-get",
        &[&uri, "--peek", "--refresh"],
        None,
        &[],
    );
    assert_eq!(out.code, 2);
    let out = call(&mut model, &mut hook, "secret-ids", &["--format=json"], None, &[]);
    assert_eq!(out.stdout, format!("[\"{uri}\"]\n"));
}

#[test]
fn settings_files_take_yaml_and_json() {
    let yaml = settings_file("a: 1\nb: two\nc:\n").unwrap();
    assert_eq!(yaml["a"], "1");
    assert_eq!(yaml["b"], "two");
    assert_eq!(yaml["c"], "");
    let json = settings_file("{\"x\": \"y: z\"}").unwrap();
    assert_eq!(json["x"], "y: z");
    assert!(settings_file("- a").is_err());
}

#[test]
fn key_values_split_on_the_first_equals() {
    let kv = key_values(&["a=b=c".to_owned(), "d=".to_owned()]).unwrap();
    assert_eq!(kv["a"], "b=c");
    assert_eq!(kv["d"], "");
    assert_eq!(key_values(&["x".to_owned()]).unwrap_err().code, 2);
}
