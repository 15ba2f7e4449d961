//! Validation refuses bad charmcraft.yaml files before anything is built, naming each
//! problem's key.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use std::process::Command;

use charm_pack::{check, Error};
use common::*;

fn problems_of(edit: impl Fn(String) -> String) -> charm_pack::Problems {
    let krate = fixture_crate(edit, "", &[]);
    match check(krate.path(), None) {
        Err(Error::Invalid(p)) => p,
        other => panic!("expected validation problems, got {other:?}"),
    }
}

#[test]
fn container_without_resource_and_bad_action_name() {
    let p = problems_of(|y| {
        y.replace("    resource: web-image\n", "")
            .replace("  show-page:", "  show page:")
    });
    assert!(
        p.mentions("containers.web: has no oci-image resource: add `resource: web-image`"),
        "{p}"
    );
    assert!(
        p.mentions(
            r#"actions.show page: "show page" is not a valid action name (must match ^[a-zA-Z_][a-zA-Z0-9-_]*$)"#
        ),
        "{p}"
    );
    assert_eq!(p.0.len(), 2, "{p}");
}

#[test]
fn resource_that_is_not_an_image_and_bad_option_type() {
    let p = problems_of(|y| {
        y.replace("type: oci-image", "type: file")
            .replace("type: int", "type: integer")
    });
    assert!(
        p.mentions("resources.web-image: a file resource needs `filename:`"),
        "{p}"
    );
    assert!(
        p.mentions("containers.web.resource: resource \"web-image\" has type \"file\""),
        "{p}"
    );
    assert!(
        p.mentions("config.options.port.type: \"integer\" is not one of string, int, float, boolean, secret"),
        "{p}"
    );
}

#[test]
fn missing_type_base_platforms_and_parts_that_do_not_prime_the_binary() {
    let p = problems_of(|y| {
        y.replace("type: charm\n", "")
            .replace("base: ubuntu@22.04\n", "")
            .replace("platforms:\n  amd64:\n", "")
            .replace("prime: [dispatch, bin/demo-charm]", "prime: [dispatch]")
    });
    for needle in [
        "type: missing: add `type: charm`",
        "base: missing",
        "platforms: missing or empty",
        "parts.charm.prime: does not prime \"bin/demo-charm\"",
    ] {
        assert!(p.mentions(needle), "{needle:?} not in {p}");
    }
}

#[test]
fn cli_prints_every_problem_and_fails() {
    let krate = fixture_crate(
        |y| {
            y.replace("    resource: web-image\n", "")
                .replace("  show-page:", "  9-show:")
        },
        "",
        &[],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_charm-pack"))
        .arg(krate.path())
        .arg("--check")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("charmcraft.yaml is not valid (2 problem(s)):"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  - containers.web: has no oci-image resource"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  - actions.9-show: \"9-show\" is not a valid action name"),
        "{stderr}"
    );
}

#[test]
fn extra_file_patterns_must_match_and_not_escape() {
    let krate = fixture_crate(|y| y, r#"files = ["templates/*.j2", "../secrets"]"#, &[]);
    let Err(Error::Invalid(p)) = check(krate.path(), None) else {
        panic!("expected problems")
    };
    assert!(p.mentions("files \"templates/*.j2\": matches no file"), "{p}");
    assert!(p.mentions("files \"../secrets\": must not contain"), "{p}");
}

#[test]
fn values_yaml_1_1_reads_differently_must_be_quoted() {
    let p = problems_of(|y| y.replace("default: INFO", "default: on"));
    assert!(
        p.mentions("unquoted \"on\" is a boolean in YAML 1.1 (charmcraft, Juju) but a string in YAML 1.2; quote it"),
        "{p}"
    );
    assert_eq!(p.0.len(), 1, "{p}");
}
