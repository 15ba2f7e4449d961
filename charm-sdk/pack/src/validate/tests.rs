use super::*;

const GOOD: &str = r#"
name: web-k8s
type: charm
title: Web
summary: s
description: d
base: ubuntu@22.04
platforms: {amd64: }
parts:
  charm: {plugin: dump, source: ., prime: [dispatch, bin/web, templates]}
containers:
  web: {resource: web-image, mounts: [{storage: data, location: /srv}]}
resources:
  web-image: {type: oci-image}
storage:
  data: {type: filesystem}
peers: {cluster: {interface: web-peers}}
requires: {db: {interface: pg, limit: 1}}
config:
  options:
    port: {type: int, default: 80}
    ratio: {type: float, default: 1}
actions:
  do_it: {description: x}
  get-password:
"#;

fn check(text: &str, files: &[&str]) -> Result<(), Problems> {
    let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
    validate(
        &Charmcraft::parse(text).unwrap(),
        Shipped {
            binary: "web",
            extra_files: &files,
        },
    )
}

fn problems(text: &str) -> Problems {
    check(text, &[]).unwrap_err()
}

#[test]
fn good_project_passes() {
    check(GOOD, &["templates/a.j2"]).unwrap();
}

#[test]
fn required_top_level_keys() {
    let p = problems("name: Web_K8s\nsummary: s\ndescription: d\nfoo: 1\nbases: []\nlinks: {home: x}\n");
    for needle in [
        "type: missing",
        "name: \"Web_K8s\" may contain only",
        "base: missing",
        "platforms: missing",
        "parts: missing",
        "foo: unknown key",
        "bases: legacy",
        "links.home: unknown key",
    ] {
        assert!(p.mentions(needle), "{needle} not in {p}");
    }
}

#[test]
fn container_resource_rules() {
    let p = problems(&GOOD.replace(
        "{resource: web-image, mounts: [{storage: data, location: /srv}]}",
        "{mounts: [{storage: nope, location: /x}]}",
    ));
    assert!(p.mentions("containers.web: has no oci-image resource"), "{p}");
    assert!(
        p.mentions("containers.web.mounts[0].storage: storage \"nope\" is not declared"),
        "{p}"
    );
    let p = problems(&GOOD.replace("web-image: {type: oci-image}", "other: {type: oci-image}"));
    assert!(
        p.mentions("containers.web.resource: resource \"web-image\" is not declared under resources:"),
        "{p}"
    );
    let p = problems(&GOOD.replace("web-image: {type: oci-image}", "web-image: {type: file, filename: x}"));
    assert!(p.mentions("needs an oci-image resource"), "{p}");
}

#[test]
fn config_and_action_rules() {
    let p = problems(&GOOD.replace("{type: int, default: 80}", "{type: integer, default: 80}"));
    assert!(p.mentions("config.options.port.type: \"integer\" is not one of"), "{p}");
    let p = problems(&GOOD.replace("{type: int, default: 80}", "{type: int, default: \"80\"}"));
    assert!(
        p.mentions("config.options.port.default: \"80\" does not fit type int"),
        "{p}"
    );
    let p = problems(&GOOD.replace("do_it:", "9lives:").replace("get-password:", "class:"));
    assert!(
        p.mentions("actions.9lives: \"9lives\" is not a valid action name"),
        "{p}"
    );
    assert!(p.mentions("actions.class: \"class\" is a reserved keyword"), "{p}");
}

#[test]
fn parts_must_prime_what_is_shipped() {
    let p = check(GOOD, &["src/dash.json"]).unwrap_err();
    assert!(p.mentions("parts.charm.prime: does not prime \"src/dash.json\""), "{p}");
    let p = problems(&GOOD.replace(
        "{plugin: dump, source: ., prime: [dispatch, bin/web, templates]}",
        "{plugin: charm}",
    ));
    assert!(p.mentions("parts.charm.plugin: plugin \"charm\""), "{p}");
    assert!(p.mentions("parts: no `plugin: dump` part"), "{p}");
    let p = problems(&GOOD.replace(", prime: [dispatch, bin/web, templates]", ""));
    assert!(p.mentions("parts.charm.prime: missing"), "{p}");
}

#[test]
fn relation_rules() {
    let p = problems(
        &GOOD
            .replace("{interface: pg, limit: 1}", "{limit: x}")
            .replace("cluster:", "db:"),
    );
    assert!(p.mentions("requires.db.interface: missing"), "{p}");
    assert!(p.mentions("requires.db.limit: must be a non-negative integer"), "{p}");
    assert!(p.mentions("requires.db: endpoint name used twice"), "{p}");
}
