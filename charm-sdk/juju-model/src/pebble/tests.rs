//! Unit tests for layer combination and plan validation, with cases taken from Pebble's
//! `internals/plan/plan_test.go` semantics.

use super::validate::{parse_command, shlex_split};
use super::*;

fn layer(yaml: &str) -> Layer {
    Layer::from_yaml(yaml).unwrap()
}

fn err(result: Result<impl fmt::Debug, PlanError>) -> String {
    result.unwrap_err().message().to_owned()
}

const BASE: &str = r#"
summary: base
services:
  srv1:
    override: replace
    summary: first
    command: cmd arg1 "arg2 arg3"
    startup: enabled
    after: [srv2]
    before: [srv3]
    requires: [srv2, srv3]
    environment: {VAR1: val1, VAR0: val0}
    user: bob
    on-success: shutdown
    backoff-delay: 1s
  srv2:
    override: replace
    command: srv2cmd
  srv3:
    override: replace
    command: srv3cmd
checks:
  chk-http:
    override: replace
    level: alive
    http: {url: "http://localhost:8080/", headers: {A: "1"}}
log-targets:
  loki:
    override: replace
    type: loki
    location: http://loki:3100
    services: [srv1]
    labels: {env: prod}
"#;

const MERGE: &str = r#"
summary: tuning
services:
  srv1:
    override: merge
    command: cmd2
    after: [srv4]
    requires: [srv4]
    environment: {VAR1: new, VAR2: val2}
    backoff-factor: 1.5
  srv4:
    override: replace
    command: srv4cmd
checks:
  chk-http:
    override: merge
    period: 20s
    http: {headers: {B: "2"}}
log-targets:
  loki:
    override: merge
    services: [srv2]
    labels: {team: data}
"#;

#[test]
fn merge_replaces_scalars_appends_lists_merges_maps() {
    let (base, merge) = (layer(BASE), layer(MERGE));
    let plan = Plan::from_layers([("base", &base), ("tuning", &merge)]).unwrap();
    let srv1 = &plan.services["srv1"];
    assert_eq!(srv1.command.as_deref(), Some("cmd2"));
    assert_eq!(
        srv1.summary.as_deref(),
        Some("first"),
        "unset scalar keeps the earlier value"
    );
    assert_eq!(srv1.user.as_deref(), Some("bob"));
    assert_eq!(srv1.startup, Some(Startup::Enabled));
    assert_eq!(srv1.after, ["srv2", "srv4"]);
    assert_eq!(srv1.before, ["srv3"]);
    assert_eq!(srv1.requires, ["srv2", "srv3", "srv4"]);
    assert_eq!(srv1.environment["VAR0"], "val0");
    assert_eq!(srv1.environment["VAR1"], "new");
    assert_eq!(srv1.environment["VAR2"], "val2");
    assert_eq!(srv1.on_success, Some(ServiceAction::Shutdown));
    assert_eq!(srv1.backoff_delay, Some(GoDuration::parse("1s").unwrap()));
    assert_eq!(srv1.backoff_factor, Some(1.5));
    assert_eq!(
        srv1.r#override,
        Some(Override::Replace),
        "merge keeps the first override"
    );
    let check = &plan.checks["chk-http"];
    assert_eq!(check.level, Some(CheckLevel::Alive));
    assert_eq!(check.period, Some(GoDuration::parse("20s").unwrap()));
    let http = check.http.as_ref().unwrap();
    assert_eq!(http.url.as_deref(), Some("http://localhost:8080/"));
    assert_eq!(http.headers.len(), 2);
    let loki = &plan.log_targets["loki"];
    assert_eq!(loki.services, ["srv1", "srv2"]);
    assert_eq!(loki.labels.len(), 2);
    let combined = combine_layers([("base", &base), ("tuning", &merge)]).unwrap();
    assert_eq!(
        combined.summary.as_deref(),
        Some("tuning"),
        "summary is the last layer's"
    );
}

#[test]
fn replace_discards_earlier_fields() {
    let later = layer("services:\n  srv1:\n    override: replace\n    command: other\n");
    let plan = Plan::from_layers([("base", &layer(BASE)), ("later", &later)]).unwrap();
    let srv1 = &plan.services["srv1"];
    assert_eq!(srv1.command.as_deref(), Some("other"));
    assert!(srv1.environment.is_empty() && srv1.after.is_empty() && srv1.user.is_none());
    assert_eq!(plan.services.len(), 3, "other services are untouched");
}

#[test]
fn merge_onto_nothing_copies_and_empty_strings_do_not_override() {
    let a = layer("services:\n  s:\n    override: merge\n    command: a\n    user: u\n");
    let b = layer("services:\n  s:\n    override: merge\n    user: ''\n");
    let plan = Plan::from_layers([("a", &a), ("b", &b)]).unwrap();
    assert_eq!(plan.services["s"].user.as_deref(), Some("u"));
    assert_eq!(plan.services["s"].r#override, Some(Override::Merge));
}

#[test]
fn missing_or_invalid_override_names_the_layer() {
    let no_override = layer("services:\n  svc:\n    command: x\n");
    assert_eq!(
        err(combine_layers([("x", &no_override)])),
        r#"layer "x" must define "override" for service "svc""#
    );
    let bad = layer("checks:\n  chk:\n    override: foo\n    tcp: {port: 1}\n");
    assert_eq!(
        err(combine_layers([("y", &bad)])),
        r#"layer "y" has invalid "override" value for check "chk""#
    );
    let target = layer("log-targets:\n  t:\n    type: loki\n");
    assert_eq!(
        err(combine_layers([("z", &target)])),
        r#"layer "z" must define "override" for log target "t""#
    );
}

#[test]
fn plan_requires_commands_complete_checks_and_log_targets() {
    let no_command = layer("services:\n  x:\n    override: replace\n    startup: enabled\n");
    assert_eq!(
        err(Plan::from_layers([("l", &no_command)])),
        r#"plan must define "command" for service "x""#
    );
    // A later merge supplies the command: valid.
    let with_command = layer("services:\n  x:\n    override: merge\n    command: run\n");
    assert!(Plan::from_layers([("l", &no_command), ("m", &with_command)]).is_ok());

    let cases = [
        (
            "checks:\n  c:\n    override: replace\n",
            r#"plan must specify one of "http", "tcp", or "exec" for check "c""#,
        ),
        (
            "checks:\n  c:\n    override: replace\n    http: {}\n",
            r#"plan must set "url" for http check "c""#,
        ),
        (
            "checks:\n  c:\n    override: replace\n    tcp: {host: h}\n",
            r#"plan must set "port" for tcp check "c""#,
        ),
        (
            "checks:\n  c:\n    override: replace\n    exec: {}\n",
            r#"plan must set "command" for exec check "c""#,
        ),
        (
            "checks:\n  c:\n    override: replace\n    tcp: {port: 1}\n    http: {url: 'http://x'}\n",
            r#"plan must specify one of "http", "tcp", or "exec" for check "c""#,
        ),
        (
            "checks:\n  c:\n    override: replace\n    exec: {command: ls, service-context: nope}\n",
            r#"plan check "c" service context specifies non-existent service "nope""#,
        ),
        (
            "log-targets:\n  t:\n    override: replace\n    location: x\n",
            r#"plan must define "type" ("loki", "opentelemetry" or "syslog") for log target "t""#,
        ),
        (
            "log-targets:\n  t:\n    override: replace\n    type: loki\n    services: [ghost]\n    location: x\n",
            r#"log target "t" specifies unknown service "ghost""#,
        ),
        (
            "log-targets:\n  t:\n    override: replace\n    type: syslog\n    services: [all, -all]\n",
            r#"plan must define "location" for log target "t""#,
        ),
    ];
    for (yaml, expected) in cases {
        assert_eq!(err(Plan::from_layers([("l", &layer(yaml))])), expected, "{yaml}");
    }
}

#[test]
fn plan_rejects_missing_requirements_and_loops() {
    let missing = layer("services:\n  a:\n    override: replace\n    command: a\n    requires: [b]\n");
    assert_eq!(
        err(Plan::from_layers([("l", &missing)])),
        r#"service "b" does not exist"#
    );
    let looped = layer(
        "services:\n  a:\n    override: replace\n    command: a\n    after: [b]\n  b:\n    override: replace\n    command: b\n    after: [c]\n  c:\n    override: replace\n    command: c\n    before: [b]\n    after: [a]\n",
    );
    assert_eq!(
        err(Plan::from_layers([("l", &looped)])),
        "services in before/after loop: a, b, c"
    );
    let fine = layer(
        "services:\n  a:\n    override: replace\n    command: a\n    after: [b, ghost]\n  b:\n    override: replace\n    command: b\n    before: [a]\n",
    );
    assert!(
        Plan::from_layers([("l", &fine)]).is_ok(),
        "after/before on unknown services is allowed"
    );
}

#[test]
fn layer_rules() {
    let cases = [
        (
            "services:\n  -x:\n    override: replace\n    command: x\n",
            r#"cannot use service name "-x": starting with "-" not allowed"#,
        ),
        (
            "services:\n  pebble:\n    override: replace\n    command: x\n",
            r#"cannot use reserved service name "pebble""#,
        ),
        (
            "services:\n  s:\n    override: replace\n    command: x\n    on-success: success-shutdown\n",
            r#"plan service "s" on-success action "success-shutdown" invalid"#,
        ),
        (
            "services:\n  s:\n    override: replace\n    command: x\n    on-check-failure: {c: explode}\n",
            r#"plan service "s" on-check-failure action "explode" invalid"#,
        ),
        (
            "services:\n  s:\n    override: replace\n    command: x\n    backoff-factor: 0.5\n",
            r#"plan service "s" backoff-factor must be 1.0 or greater, not 0.5"#,
        ),
        (
            "services:\n  s:\n    override: replace\n    command: '[ x ]'\n",
            r#"plan service "s" command invalid: cannot parse service "s" command: cannot start command with [ ... ] group"#,
        ),
        (
            "checks:\n  c:\n    override: replace\n    level: deep\n",
            r#"plan check "c" level must be "alive" or "ready""#,
        ),
        (
            "checks:\n  c:\n    override: replace\n    period: 0s\n",
            r#"plan check "c" period must not be zero"#,
        ),
        (
            "log-targets:\n  t:\n    override: replace\n    type: kafka\n",
            r#"log target "t" has unsupported type "kafka", must be "loki", "opentelemetry" or "syslog""#,
        ),
        (
            "log-targets:\n  t:\n    override: replace\n    labels: {pebble_service: x}\n",
            r#"log target "t": label "pebble_service" uses reserved prefix "pebble_""#,
        ),
    ];
    for (yaml, expected) in cases {
        assert_eq!(err(layer(yaml).validate("l")), expected, "{yaml}");
    }
    assert_eq!(
        err(Layer::default().validate("pebble-x")),
        r#"cannot use reserved label prefix "pebble-""#
    );
    assert!(layer(BASE).validate("base").is_ok());
    assert!(
        Layer::from_yaml("services:\n  s:\n    backoff-delay: 10\n").is_err(),
        "a duration needs a unit"
    );
}

#[test]
fn command_parsing() {
    assert_eq!(
        shlex_split(r#"cmd 'a b' "c \"d\"" e\ f"#).unwrap(),
        ["cmd", "a b", "c \"d\"", "e f"]
    );
    assert!(shlex_split("cmd 'open").is_err());
    let (base, extra) = parse_command("run --x [ --port 80 ]").unwrap();
    assert_eq!(
        (base, extra),
        (
            vec!["run".to_owned(), "--x".to_owned()],
            vec!["--port".to_owned(), "80".to_owned()]
        )
    );
    assert_eq!(
        parse_command("a [ b ] c").unwrap_err(),
        "cannot have any arguments after [ ... ] group"
    );
    assert_eq!(
        parse_command("a [ b [ c ] ]").unwrap_err(),
        "cannot nest [ ... ] groups"
    );
    assert_eq!(
        parse_command("a ]").unwrap_err(),
        "cannot have ] outside of [ ... ] group"
    );
}

#[test]
fn yaml_round_trips_without_inventing_defaults() {
    let base = layer(BASE);
    let again = Layer::from_yaml(&base.to_yaml()).unwrap();
    assert_eq!(again, base);
    let text = base.to_yaml();
    for absent in [
        "backoff-factor",
        "kill-delay",
        "threshold",
        "period",
        "on-failure",
        "working-dir",
    ] {
        assert!(!text.contains(absent), "{absent} invented in:\n{text}");
    }
    assert_eq!(Plan::default().to_yaml().trim(), "{}");
    assert_eq!(Plan::from_yaml("{}\n").unwrap(), Plan::default());
}

#[test]
fn combined_plan_carries_pebbles_visible_defaults_only() {
    let l = layer("checks:\n  c:\n    override: replace\n    tcp: {port: 80}\n");
    let plan = Plan::from_layers([("l", &l)]).unwrap();
    assert_eq!(plan.checks["c"].threshold, Some(3));
    assert_eq!(plan.checks["c"].period, None);
}

#[test]
fn plan_from_pebble_keeps_unknown_sections_and_parses_durations() {
    let yaml = "services:\n    svc:\n        override: replace\n        command: run\n        kill-delay: 1m0s\nworkloads:\n    w:\n        user: x\n";
    let plan = Plan::from_yaml(yaml).unwrap();
    assert!(plan.sections.contains_key("workloads"));
    assert_eq!(plan.services["svc"].kill_delay, Some(GoDuration::parse("60s").unwrap()));
    assert_eq!(Plan::from_yaml(&plan.to_yaml()).unwrap(), plan);
}

#[test]
fn with_layer_matches_combining_all_layers() {
    let (base, merge) = (layer(BASE), layer(MERGE));
    let all = Plan::from_layers([("base", &base), ("tuning", &merge)]).unwrap();
    let step = Plan::from_layers([("base", &base)])
        .unwrap()
        .with_layer("tuning", &merge)
        .unwrap();
    assert_eq!(step, all);
    // Re-adding the same replace-only layer changes nothing.
    let again = Plan::from_layers([("base", &base)])
        .unwrap()
        .with_layer("base", &base)
        .unwrap();
    assert_eq!(again, Plan::from_layers([("base", &base)]).unwrap());
}

#[test]
fn builders_make_valid_layers() {
    let l = Layer::default()
        .with_service("app", Service::replace("/bin/app").enabled().env("A", "1"))
        .with_check("up", Check::tcp(8080).level(CheckLevel::Alive));
    let plan = Plan::from_layers([("charm", &l)]).unwrap();
    assert_eq!(plan.services["app"].startup, Some(Startup::Enabled));
    assert_eq!(Layer::from_yaml(&l.to_yaml()).unwrap(), l);
}
