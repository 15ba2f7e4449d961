//! A fixture charm for the local model's Pebble tests.
//!
//! Its `web` service (Python's http.server, started through a shell that records its PID in
//! `/srv/www/pid`) listens on the unit's own address, so several units share a port. An
//! exec check watches `/srv/www/healthy`, which reconcile restores: removing it wakes the
//! charm with check-failed, and the repair brings check-recovered. Every event is logged
//! as `probe-event <path> <notice key or check>`.

use charm_sdk::model::pebble::Layer;
use charm_sdk::pebble::ensure::{ensure_file, ensure_layer};
use charm_sdk::pebble::{ExecRequest, PushOptions};
use charm_sdk::prelude::*;
use serde::Deserialize;

/// Config.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Port.
    pub port: u16,
}

/// Actions.
#[derive(Debug, Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub enum Action {
    /// Run a shell command in the container.
    Exec {
        /// The command.
        command: String,
    },
    /// Record a custom notice.
    Notify {
        /// Its key.
        key: String,
    },
}

/// The charm.
#[derive(Debug)]
pub struct Web;

fn record(ctx: &mut Context<'_, Web>) {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let extra = format!("{}{}", var("JUJU_NOTICE_KEY"), var("JUJU_PEBBLE_CHECK_NAME"));
    ctx.info(format!("probe-event {} {extra}", var("JUJU_DISPATCH_PATH")).trim_end());
}

fn layer(address: &str, port: u16) -> Result<Layer, Error> {
    let yaml = format!(
        r#"summary: web
services:
  web:
    override: replace
    command: sh -c 'echo $$ > /srv/www/pid; exec python3 -m http.server {port} --bind {address} --directory /srv/www'
    startup: enabled
    on-failure: restart
    backoff-delay: 200ms
checks:
  healthy:
    override: replace
    period: 500ms
    timeout: 400ms
    threshold: 1
    exec:
      command: test -f /srv/www/healthy
"#
    );
    Layer::from_yaml(&yaml).map_err(|e| Error::msg(e.to_string()))
}

impl Charm for Web {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = Config;
    type Action = Action;

    fn new() -> Self {
        Web
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        record(ctx);
        let config = ctx.config()?;
        let address = ctx.ingress_address("peers")?.or_waiting("waiting for an address")?;
        let unit = ctx.unit().to_string();
        let web = ctx.container("web")?;
        let options = PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        }
        .permissions(0o644);
        ensure_file(
            web.as_ref(),
            "/srv/www/index.html",
            format!("web {unit}\n").as_bytes(),
            &options,
        )?;
        ensure_file(web.as_ref(), "/srv/www/healthy", b"yes\n", &options)?;
        ensure_layer(web.as_ref(), "web", &layer(&address, config.port)?)?;
        drop(web);
        ctx.add_status(Status::active(format!("serving {address}:{}", config.port)));
        Ok(())
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        record(ctx);
        let web = ctx.container("web").map_err(|_| ActionError::failed("no Pebble"))?;
        match action {
            Action::Exec { command } => {
                let request = ExecRequest {
                    command: vec!["sh".into(), "-c".into(), command],
                    ..ExecRequest::default()
                };
                let output = web.exec(&request)?;
                Ok(ActionResults::new().set("output", String::from_utf8_lossy(&output.stdout).into_owned())?)
            }
            Action::Notify { key } => {
                let id = web.notify(&key, &Default::default())?;
                Ok(ActionResults::new().set("id", id)?)
            }
        }
    }

    fn teardown(&self, ctx: &mut Context<'_, Self>, _teardown: Teardown) -> Result<(), Error> {
        record(ctx);
        Ok(())
    }
}
