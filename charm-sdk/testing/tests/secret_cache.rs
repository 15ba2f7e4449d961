//! The run's secret cache: a peeked secret is read once, the run's own writes are what later
//! peeks see (as in Juju's hook context), metadata is asked once until a write, and
//! `ensure_app_secret_at` skips the label lookup while the known URI is valid.

use charm_sdk::prelude::*;
use charm_testing::{assert_calls, Context as Harness, Secret, State, TestEvent};
use juju_model::SecretUri;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Config {
    known: Option<String>,
}

struct Cache;

const LABEL: &str = "passwords";

impl Charm for Cache {
    const CHARMCRAFT: &'static str = r#"
name: cache
config:
  options:
    known: {type: string}
"#;
    type Config = Config;
    type Action = NoActions;

    fn new() -> Self {
        Cache
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let config = ctx.config()?;
        let leader = ctx.leader()?.or_waiting("leader only")?;
        let known = config.known.map(SecretUri::new).transpose()?;
        let meta = SecretMeta {
            label: Some(LABEL.to_owned()),
            ..SecretMeta::default()
        };
        let uri = ctx.ensure_app_secret_at(&leader, known.as_ref(), meta, || {
            Ok([("password".to_owned(), "one".to_owned())].into())
        })?;
        let by_uri = SecretRef::uri(uri.clone());
        let first = ctx.get_secret(&by_uri, SecretRead::Peek)?;
        let again = ctx.get_secret(&by_uri, SecretRead::Peek)?;
        if first != again {
            return Err(Stop::blocked("two peeks differ"));
        }
        ctx.secret_info(&SecretRef::label(LABEL))?;
        ctx.secret_info(&SecretRef::label(LABEL))?;
        ctx.update_secret(&uri, &[("password".to_owned(), "two".to_owned())].into())?;
        let after = ctx.get_secret(&by_uri, SecretRead::Peek)?;
        ctx.set_unit_state("after-write", &after["password"])?;
        // Metadata is asked again after a write.
        ctx.secret_info(&SecretRef::label(LABEL))?;
        Ok(())
    }
}

fn existing() -> Secret {
    Secret::new([("password", "one")]).owner_app().label(LABEL)
}

#[test]
fn peeks_and_metadata_are_read_once_and_writes_are_seen() {
    let secret = existing();
    let state = State::default().leader(true).secret(secret);
    let out = Harness::<Cache>::new()
        .run(TestEvent::update_status(), state)
        .unwrap_or_else(|e| panic!("{e}"));
    // ensure_app_secret_at without a known URI: the label lookup (cached for the explicit
    // secret_info), one peek, one write, then metadata asked again after the write.
    assert_calls(&out, "secret-info-get", 2);
    assert_calls(&out, "secret-get", 1);
    assert_calls(&out, "secret-set", 1);
    assert_eq!(out.state.unit_state["after-write"], "\"two\"");
}

#[test]
fn a_known_uri_spares_the_label_lookup() {
    let secret = existing();
    let uri = secret.uri();
    let state = State::default()
        .leader(true)
        .config([("known", uri.as_str())])
        .secret(secret);
    let out = Harness::<Cache>::new()
        .run(TestEvent::update_status(), state)
        .unwrap_or_else(|e| panic!("{e}"));
    // One peek by URI serves ensure and both reads; secret_info by label once before and
    // once after the write.
    assert_calls(&out, "secret-get", 1);
    assert_calls(&out, "secret-info-get", 2);
    assert_calls(&out, "secret-set", 1);
    assert_eq!(out.state.unit_state["after-write"], "\"two\"");
}

#[test]
fn a_stale_known_uri_falls_back_to_the_label() {
    let secret = existing();
    let state = State::default()
        .leader(true)
        .config([("known", "secret:d0000000000000000000")])
        .secret(secret);
    let out = Harness::<Cache>::new()
        .run(TestEvent::update_status(), state)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_calls(&out, "secret-add", 0);
    assert_eq!(out.state.unit_state["after-write"], "\"two\"");
}

/// Peeks a secret, then records what `{ctx:?}` shows of it.
struct Printer;

const VALUE: &str = "s3cret-Value-never-printed";

impl Charm for Printer {
    const CHARMCRAFT: &'static str = "name: printer\n";
    type Config = Config;
    type Action = NoActions;

    fn new() -> Self {
        Printer
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let content = ctx.get_secret(&SecretRef::label(LABEL), SecretRead::Peek)?;
        if content.get("password").map(String::as_str) != Some(VALUE) {
            return Err(Stop::blocked("peek did not return the secret"));
        }
        let printed = format!("{ctx:?}");
        ctx.set_unit_state("shows-value", &printed.contains(VALUE))?;
        ctx.set_unit_state("shows-key", &printed.contains("password"))?;
        Ok(())
    }
}

#[test]
fn debug_of_the_context_names_peeked_keys_but_never_values() {
    let secret = Secret::new([("password", VALUE)]).owner_app().label(LABEL);
    let state = State::default().leader(true).secret(secret);
    let out = Harness::<Printer>::new()
        .run(TestEvent::update_status(), state)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_calls(&out, "secret-get", 1);
    assert_eq!(out.state.unit_state["shows-value"], "false");
    assert_eq!(out.state.unit_state["shows-key"], "true");
}
