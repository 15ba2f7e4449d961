//! A small charm exercising most of the SDK, shared by the integration tests.

use charm_sdk::pebble::PushOptions;
use charm_sdk::prelude::*;
use juju_model::SecretUri;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Config {
    port: u16,
    fail: bool,
    refresh: bool,
    admin_secret: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub(crate) enum Action {
    GetPassword,
    SetGreeting { greeting: String, loud: Option<bool> },
}

pub(crate) struct Demo;

impl Charm for Demo {
    const CHARMCRAFT: &'static str = r#"
name: demo
peers: {cluster: {interface: demo-peers}}
provides: {db: {interface: demo-db}}
requires: {backend: {interface: demo-backend, limit: 1}}
containers: {workload: {resource: image}}
storage: {data: {type: filesystem, location: /srv/data}}
config:
  options:
    port: {type: int, default: 8080}
    fail: {type: boolean, default: false}
    refresh: {type: boolean, default: false}
    admin-secret: {type: secret}
actions:
  get-password: {}
  set-greeting:
    params:
      greeting: {type: string, default: hello}
      loud: {type: boolean}
    additionalProperties: false
"#;
    type Config = Config;
    type Action = Action;

    fn new() -> Self {
        Demo
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let config = ctx.config()?;
        ctx.set_unit_state("seen", &"yes")?;
        ctx.open_ports(&[Port::Tcp(config.port)])?;
        let leader = ctx.leader()?;
        for rel in ctx.relations("db")? {
            let port = config.port.to_string();
            ctx.update_unit_data(&rel, &[("port".to_owned(), port.clone())].into())?;
            let units = ctx.remote_units(&rel)?.len();
            ctx.set_unit_state("db-units", &units)?;
            if let Some(leader) = &leader {
                let uri = ctx.ensure_app_secret(
                    leader,
                    SecretMeta {
                        label: Some("admin".into()),
                        ..SecretMeta::default()
                    },
                    || Ok([("password".to_owned(), "s3cret".to_owned())].into()),
                )?;
                ctx.grant_secret(&uri, &rel, None)?;
                let bag = [
                    ("endpoint".to_owned(), format!("demo:{port}")),
                    ("secret-user".to_owned(), uri.to_string()),
                ];
                ctx.update_app_data(&rel, leader, &bag.into())?;
            }
        }
        if let Some(uri) = &config.admin_secret {
            let uri = SecretUri::new(uri.clone()).map_err(|e| Stop::Failed(Error::msg(e.to_string())))?;
            let read = if config.refresh {
                SecretRead::Refresh
            } else {
                SecretRead::Pinned
            };
            let content = ctx.get_secret(&SecretRef::uri(uri), read)?;
            let user = content.get("username").cloned().unwrap_or_default();
            ctx.set_unit_state("admin-user", &user)?;
        }
        if config.fail {
            return Err(Stop::Failed(Error::msg("asked to fail")));
        }
        let pebble = ctx.container("workload")?;
        pebble
            .push(
                "/etc/demo.conf",
                format!("port={}\n", config.port).as_bytes(),
                &PushOptions::default(),
            )
            .map_err(|e| Stop::Failed(Error::msg(e.to_string())))?;
        Ok(())
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        match action {
            Action::GetPassword => {
                let content = ctx.get_secret(&SecretRef::label("admin"), SecretRead::Pinned)?;
                let password = content.get("password").cloned().unwrap_or_default();
                Ok(ActionResults::new().set("password", password)?)
            }
            Action::SetGreeting { greeting, loud } => {
                if greeting == "fail" {
                    return Err(ActionError::failed("nope"));
                }
                ctx.action_log("setting the greeting")?;
                let greeting = if loud == Some(true) {
                    greeting.to_uppercase()
                } else {
                    greeting
                };
                Ok(ActionResults::new().set("greeting", greeting)?)
            }
        }
    }
}
