//! The charm-sdk example charm: a small static web service in the `web` container.
//!
//! It shows every part of the SDK on one page of code: typed config with validation,
//! leadership, a generated admin password in an application-owned secret, peer data, a
//! provided relation (URL in databags, the secret granted to the client), an optional
//! required relation, unit state, ports, network addresses, a Pebble layer, files and exec,
//! status collection, actions, teardown and secret rotation.
//!
//! `reconcile` is the whole charm: read inputs, compute the desired files and layer, write
//! them only when they differ. It never asks which event woke it.

mod workload;

use charm_sdk::config::ensure;
use charm_sdk::prelude::*;
use juju_model::tools::RotatePolicy;
use serde::Deserialize;

pub use workload::{page, web_layer, PAGE_PATH};

/// Owner label of the admin password secret.
pub const ADMIN_SECRET_LABEL: &str = "admin-password";
/// Peer app-data key where the leader publishes the admin secret's URI.
pub const ADMIN_SECRET_KEY: &str = "admin-secret";
/// Unit-state key counting restarts of the web service.
pub const RESTARTS_KEY: &str = "restarts";

/// The charm's config, as declared in charmcraft.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// TCP port of the web server.
    pub port: u16,
    /// Text of the page.
    pub greeting: String,
    /// Log level of the service.
    pub log_level: String,
}

impl Config {
    /// Checks what serde cannot: ranges and enumerations. Errors name the option.
    pub fn validate(&self) -> Result<(), Error> {
        ensure(
            self.port >= 1024,
            "port",
            format!("{} is a privileged port; use 1024-65535", self.port),
        )?;
        ensure(
            matches!(self.log_level.as_str(), "DEBUG" | "INFO" | "WARNING" | "ERROR"),
            "log-level",
            format!("{:?} is not one of DEBUG, INFO, WARNING, ERROR", self.log_level),
        )?;
        ensure(!self.greeting.trim().is_empty(), "greeting", "must not be empty")
    }
}

/// The charm's actions.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub enum Action {
    /// Show the admin password.
    GetAdminPassword,
    /// Replace the admin password.
    RotateAdminPassword {
        /// The new password; generated when absent.
        password: Option<String>,
    },
    /// Show the first lines of the served page, read through Pebble exec.
    ShowPage {
        /// How many lines.
        lines: u32,
    },
}

/// The demo charm.
#[derive(Debug)]
pub struct Demo;

impl Charm for Demo {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = Config;
    type Action = Action;

    fn new() -> Self {
        Demo
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let config = ctx.config()?;
        config.validate()?;
        let leader = ctx.leader()?;
        let peers = ctx.relation("cluster")?.or_waiting("waiting for the peer relation")?;

        // The admin password: the leader creates it once and tells the peers where it is.
        // The URI in peer data is the fast path: no secret-info-get once it is published.
        let published = ctx
            .local_app_data(&peers, leader.as_ref())?
            .get(ADMIN_SECRET_KEY)
            .cloned();
        let admin = match (&leader, published) {
            (_, Some(uri)) => juju_model::SecretUri::new(uri)?,
            (Some(leader), None) => {
                let uri = ctx.ensure_app_secret(leader, admin_secret_meta(), new_admin_content)?;
                let bag = [(ADMIN_SECRET_KEY.to_owned(), uri.to_string())].into();
                ctx.update_app_data(&peers, leader, &bag)?;
                uri
            }
            (None, None) => return Err(Stop::waiting("waiting for the leader to create the admin password")),
        };

        // An optional upstream, from the backend relation's application data.
        let upstream = match ctx.relation("backend")? {
            Some(backend) => ctx.remote_app_data(&backend)?.get("url").cloned(),
            None => None,
        };

        // The workload: page, layer, restart only when the layer changed.
        let web = ctx.container("web")?;
        let page = page(&config.greeting, ctx.unit().to_string().as_str(), upstream.as_deref());
        workload::push_page(web.as_ref(), &page)?;
        if workload::ensure_service(web.as_ref(), &config)? {
            let restarts: u64 = ctx.unit_state(RESTARTS_KEY)?.unwrap_or(0);
            ctx.set_unit_state(RESTARTS_KEY, &(restarts + 1))?;
            ctx.info(&format!("web service (re)started on port {}", config.port));
        }
        ctx.open_ports(&[Port::Tcp(config.port)])?;

        // Clients: each unit publishes its address; the leader publishes the URL and grants
        // the admin secret to every client relation.
        let address = ctx
            .ingress_address("website")?
            .or_waiting("waiting for a network address")?;
        for client in ctx.relations("website")? {
            let unit_bag = [
                ("hostname".to_owned(), address.clone()),
                ("port".to_owned(), config.port.to_string()),
            ]
            .into();
            ctx.update_unit_data(&client, &unit_bag)?;
            if let Some(leader) = &leader {
                let url = format!("http://{}-endpoints:{}/", ctx.app(), config.port);
                let app_bag = [("url".to_owned(), url), ("secret-user".to_owned(), admin.to_string())].into();
                // The grant and the bag commit together, so an unchanged bag means the
                // grant is already there: no secret-grant on every hook.
                if ctx.update_app_data(&client, leader, &app_bag)? {
                    ctx.grant_secret(&admin, &client, None)?;
                }
            }
        }

        ctx.add_status(Status::active(format!("serving on :{}", config.port)));
        Ok(())
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        match action {
            Action::GetAdminPassword => {
                let content = ctx
                    .try_get_secret(&SecretRef::label(ADMIN_SECRET_LABEL), SecretRead::Peek)?
                    .ok_or_else(|| ActionError::failed("the admin password does not exist yet"))?;
                let password = content.get("password").cloned().unwrap_or_default();
                Ok(ActionResults::new()
                    .set("username", "admin")?
                    .set("password", password)?)
            }
            Action::RotateAdminPassword { password } => {
                let leader = ctx.leader()?.ok_or_else(|| {
                    ActionError::failed("only the leader can rotate the password; run it on the leader unit")
                })?;
                let uri = ctx.ensure_app_secret(&leader, admin_secret_meta(), new_admin_content)?;
                let password = match password {
                    Some(p) if p.len() < 8 => {
                        return Err(ActionError::failed("the password must be at least 8 characters"))
                    }
                    Some(p) => p,
                    None => charm_sdk::generate_password(32)?,
                };
                let content = [("password".to_owned(), password)].into();
                let changed = ctx.update_secret(&uri, &content)?;
                Ok(ActionResults::new().set("changed", changed.to_string())?)
            }
            Action::ShowPage { lines } => {
                let web = ctx
                    .container("web")
                    .map_err(|_| ActionError::failed("the web container is not reachable"))?;
                match workload::head(web.as_ref(), lines) {
                    Ok(page) => Ok(ActionResults::new().set("page", page)?),
                    // The page may not exist yet: that is the operator's answer, not a crash.
                    Err(e @ charm_sdk::pebble::PebbleError::Exec { .. }) => {
                        Err(ActionError::failed(format!("cannot read the page: {e}")))
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    fn teardown(&self, ctx: &mut Context<'_, Self>, teardown: Teardown) -> Result<(), Error> {
        if teardown == Teardown::Stop {
            if let Ok(web) = ctx.container("web") {
                workload::stop(web.as_ref())?;
            }
        }
        Ok(())
    }

    fn secret_lifecycle(&self, ctx: &mut Context<'_, Self>, event: SecretLifecycle) -> Result<(), Error> {
        if let SecretLifecycle::Rotate { uri, label } = event {
            if label.as_deref() == Some(ADMIN_SECRET_LABEL) && ctx.leader()?.is_some() {
                ctx.update_secret(&uri, &new_admin_content()?)?;
            }
        }
        Ok(())
    }
}

fn new_admin_content() -> Result<SecretContent, Error> {
    Ok([("password".to_owned(), charm_sdk::generate_password(32)?)].into())
}

fn admin_secret_meta() -> SecretMeta {
    SecretMeta {
        label: Some(ADMIN_SECRET_LABEL.to_owned()),
        description: Some("admin password of the demo web service".to_owned()),
        rotate: Some(RotatePolicy::Monthly),
        ..SecretMeta::default()
    }
}
