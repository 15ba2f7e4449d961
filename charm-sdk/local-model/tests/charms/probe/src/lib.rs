//! A fixture charm for the local model's end-to-end tests.
//!
//! It logs `probe-event <JUJU_DISPATCH_PATH>` for every event (so a test reads each
//! unit's hook sequence from the debug log), writes stable relation data (`unit`,
//! `greeting`; the leader `app`), shares an application secret labelled `shared` with
//! every `server` client through the relation (`secret-uri` in the app bag), and fails the
//! hook named by the `fail-hook` option once, after buffering writes that must then be
//! discarded. Its actions report unit state, probe Juju's refusals through the real hook
//! tools, and read or rotate the shared secret.

use std::process::Command;

use charm_sdk::prelude::*;
use serde::Deserialize;

/// Label of the secret the server shares with clients.
pub const SECRET_LABEL: &str = "shared";

/// Config.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// Hook to fail once.
    pub fail_hook: String,
    /// Text published to relations.
    pub greeting: String,
}

/// Actions.
#[derive(Debug, Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub enum Action {
    /// Unit state.
    State,
    /// Refused hook-tool calls.
    Probe,
    /// Read the shared secret.
    GetSecret {
        /// Move the pin to the latest revision.
        refresh: bool,
    },
    /// New revision of the shared secret.
    Rotate,
    /// action-fail.
    Fail,
}

/// The charm.
#[derive(Debug)]
pub struct Probe;

fn dispatch_path() -> String {
    std::env::var("JUJU_DISPATCH_PATH").unwrap_or_default()
}

fn record(ctx: &mut Context<'_, Probe>) {
    ctx.info(&format!("probe-event {}", dispatch_path()));
}

/// Runs a hook tool and reports (exit code, stderr).
fn tool(name: &str, args: &[&str]) -> (i32, String) {
    match Command::new(name).args(args).output() {
        Ok(out) => (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ),
        Err(e) => (-1, e.to_string()),
    }
}

impl Charm for Probe {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = Config;
    type Action = Action;

    fn new() -> Self {
        Probe
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        record(ctx);
        let config = ctx.config()?;
        let leader = ctx.leader()?;
        let hook = dispatch_path().trim_start_matches("hooks/").to_owned();
        let unit = ctx.unit().to_string();
        let bag = [
            ("unit".to_owned(), unit.clone()),
            ("greeting".to_owned(), config.greeting.clone()),
        ]
        .into();
        for endpoint in ["peers", "server", "client"] {
            for rel in ctx.relations(endpoint)? {
                ctx.update_unit_data(&rel, &bag)?;
                if let Some(leader) = &leader {
                    let app = [("app".to_owned(), ctx.app().to_string())].into();
                    ctx.update_app_data(&rel, leader, &app)?;
                }
            }
        }
        if let Some(leader) = &leader {
            let clients = ctx.relations("server")?;
            if !clients.is_empty() {
                let meta = SecretMeta {
                    label: Some(SECRET_LABEL.to_owned()),
                    ..SecretMeta::default()
                };
                let uri = ctx.ensure_app_secret(leader, meta, || {
                    Ok([("password".to_owned(), "first-password".to_owned())].into())
                })?;
                for rel in clients {
                    ctx.grant_secret(&uri, &rel, None)?;
                    let bag = [("secret-uri".to_owned(), uri.to_string())].into();
                    ctx.update_app_data(&rel, leader, &bag)?;
                }
            }
        }
        if !config.fail_hook.is_empty() && config.fail_hook == hook {
            let marker = std::path::Path::new(&format!(".failed-{hook}")).to_path_buf();
            if !marker.exists() {
                let _ = std::fs::write(&marker, "1");
                ctx.set_unit_state("doomed", &hook)?;
                for rel in ctx.relations("peers")? {
                    let bag = [("doomed".to_owned(), "yes".to_owned())].into();
                    ctx.update_unit_data(&rel, &bag)?;
                }
                return Err(Stop::Failed(Error::msg(format!("failing {hook} once, as configured"))));
            }
        }
        ctx.set_unit_state("last-hook", &hook)?;
        ctx.add_status(Status::active(format!("{} from {unit}", config.greeting)));
        Ok(())
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        record(ctx);
        match action {
            Action::State => {
                let last: Option<String> = ctx.unit_state("last-hook")?;
                let doomed: Option<String> = ctx.unit_state("doomed")?;
                Ok(ActionResults::new()
                    .set("last-hook", last.unwrap_or_default())?
                    .set("doomed", doomed.unwrap_or_else(|| "no".to_owned()))?)
            }
            Action::Probe => {
                let peers = ctx.relations("peers")?;
                let peer = peers
                    .first()
                    .map(|r| r.id.to_string())
                    .unwrap_or_else(|| "0".to_owned());
                let calls: Vec<(&str, &str, Vec<&str>)> = vec![
                    ("app-write", "relation-set", vec!["-r", &peer, "--app", "k=v"]),
                    ("app-status", "status-set", vec!["--application", "active", "x"]),
                    ("bad-relation", "relation-get", vec!["-r", "99", "-", "probe/0"]),
                    ("bad-status", "status-set", vec!["bogus"]),
                    ("no-secret", "secret-get", vec!["secret:d0000000000000000000"]),
                    ("app-secret", "secret-add", vec!["--owner", "application", "pass=word"]),
                    ("bad-key", "secret-add", vec!["--owner", "unit", "x=1"]),
                    ("bad-flag", "relation-ids", vec!["--nope"]),
                    ("big-state", "state-set", vec![]),
                ];
                let mut results = ActionResults::new();
                for (name, tool_name, args) in calls {
                    let (code, stderr) = if name == "big-state" {
                        let arg = format!("{}=v", "k".repeat(300));
                        tool(tool_name, &[arg.as_str()])
                    } else {
                        tool(tool_name, &args)
                    };
                    results = results
                        .set(format!("{name}.code"), code.to_string())?
                        .set(format!("{name}.err"), stderr)?;
                }
                Ok(results)
            }
            Action::GetSecret { refresh } => {
                let client = ctx
                    .relation("client")?
                    .ok_or_else(|| ActionError::failed("no client relation"))?;
                let bag = ctx.remote_app_data(&client)?;
                let uri = bag
                    .get("secret-uri")
                    .ok_or_else(|| ActionError::failed("no secret-uri yet"))?;
                let uri = juju_model::SecretUri::new(uri.as_str()).map_err(|e| ActionError::failed(e.to_string()))?;
                let read = if refresh {
                    SecretRead::Refresh
                } else {
                    SecretRead::Pinned
                };
                let content = ctx.get_secret(&SecretRef::uri(uri), read)?;
                Ok(ActionResults::new().set("password", content.get("password").cloned().unwrap_or_default())?)
            }
            Action::Rotate => {
                let leader = ctx.leader()?.ok_or_else(|| ActionError::failed("not the leader"))?;
                let meta = SecretMeta {
                    label: Some(SECRET_LABEL.to_owned()),
                    ..SecretMeta::default()
                };
                let uri = ctx.ensure_app_secret(&leader, meta, || {
                    Ok([("password".to_owned(), "first-password".to_owned())].into())
                })?;
                let content = [("password".to_owned(), "second-password".to_owned())].into();
                let changed = ctx.update_secret(&uri, &content)?;
                Ok(ActionResults::new().set("changed", changed.to_string())?)
            }
            Action::Fail => Err(ActionError::failed("asked to fail")),
        }
    }

    fn teardown(&self, ctx: &mut Context<'_, Self>, _teardown: Teardown) -> Result<(), Error> {
        record(ctx);
        Ok(())
    }

    fn secret_lifecycle(&self, ctx: &mut Context<'_, Self>, _event: SecretLifecycle) -> Result<(), Error> {
        record(ctx);
        Ok(())
    }
}
