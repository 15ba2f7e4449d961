//! The actions: the Python charm's `get-admin-credentials`, `set-password` and
//! `get-listeners` with their result keys, `set-tls-private-key` (in `crate::tls`), and
//! `export-network-policies`.
//!
//! `set-password` changes a password without breaking any client: the new credential is
//! written to the metadata store in the same hook as the secret (a failure discards both),
//! internal users then reach every broker through a rolling restart, and a client user's
//! published secret gets a new revision, which the client sees as `secret-changed`.

use charm_interfaces::tls::set_private_key_action;
use charm_sdk::prelude::*;
use serde::Deserialize;

use crate::active::{from_server_properties, ActiveListener};
use crate::cilium::{client_policies, ClientGrant, PolicyTarget, L7};
use crate::clients::{LazyStore, StoredCredentials};
use crate::config::MetadataMode;
use crate::credentials::{self, ClientPasswords};
use crate::literals::*;
use crate::peers;
use crate::store::kraft::KraftAdmin;
use crate::store::{StoreConnector, ZkTarget};
use crate::workload::paths::{CLIENT_PROPERTIES, SERVER_PROPERTIES};
use crate::workload::{Listener, Scope, Secret};
use crate::KafkaCharm;

/// The charm's actions.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
pub enum Action {
    /// Admin credentials and a `client.properties` for the command-line tools.
    GetAdminCredentials,
    /// Rotate a password.
    SetPassword {
        /// `admin`, `sync` or `relation-<id>`.
        username: String,
        /// The new password; generated when absent.
        password: Option<String>,
    },
    /// The running listeners.
    GetListeners,
    /// CiliumNetworkPolicies for the client relations.
    ExportNetworkPolicies {
        /// Emit Kafka L7 rules on plaintext SASL ports (see `crate::cilium`).
        #[serde(default)]
        l7: bool,
    },
    /// Replace this unit's TLS private key and request a certificate for it (any unit).
    SetTlsPrivateKey {
        /// PEM or base64-encoded PEM (RSA ≥ 2048 bits or ECDSA P-256/P-384); a new key is
        /// generated when absent.
        #[serde(rename = "internal-key")]
        internal_key: Option<charm_interfaces::sensitive::Sensitive>,
    },
    /// Cruise Control proposal or rebalance (leader of an application with the balancer role).
    Rebalance {
        /// `full`, `add` or `remove`.
        mode: crate::balancer::rebalance::Mode,
        /// Only compute the proposal (default).
        #[serde(default = "default_true")]
        dryrun: bool,
        /// The broker to add or remove (`add`/`remove` only).
        brokerid: Option<i64>,
    },
    /// Checks the cluster and prepares an in-place upgrade (leader; `crate::upgrade`).
    PreUpgradeCheck,
    /// Lets the remaining units upgrade after the first one did (leader; `crate::upgrade`).
    ResumeUpgrade,
}

fn default_true() -> bool {
    true
}

/// Runs an action.
pub fn run<S: StoreConnector>(
    ctx: &mut Context<'_, KafkaCharm<S>>,
    connector: &S,
    action: Action,
) -> Result<ActionResults, ActionError> {
    match action {
        Action::GetAdminCredentials => get_admin_credentials(ctx),
        Action::SetPassword { username, password } => set_password(ctx, connector, &username, password),
        Action::GetListeners => get_listeners(ctx),
        Action::ExportNetworkPolicies { l7 } => export_network_policies(ctx, l7),
        Action::SetTlsPrivateKey { internal_key } => set_private_key_action(
            ctx,
            CERTIFICATES,
            "internal-key",
            internal_key.as_ref(),
            crate::tls::key_request,
        ),
        Action::Rebalance { mode, dryrun, brokerid } => crate::balancer::action::run(ctx, mode, dryrun, brokerid),
        Action::PreUpgradeCheck => crate::upgrade::pre_upgrade_check_action::<S, _>(ctx),
        Action::ResumeUpgrade => crate::upgrade::resume_upgrade_action::<S, _>(ctx),
    }
}

fn pull_text<C: Charm>(ctx: &mut Context<'_, C>, path: &str) -> Result<Option<String>, ActionError> {
    let pebble = ctx
        .container(CONTAINER)
        .map_err(|_| ActionError::failed("the kafka container is not reachable"))?;
    match pebble.pull(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Any unit may answer (the Python charm's docs say "leader", its code does not check): the
/// password comes from the shared secret, `client.properties` from this unit.
fn get_admin_credentials<C: Charm>(ctx: &mut Context<'_, C>) -> Result<ActionResults, ActionError> {
    let cluster = peers::read(ctx)?.ok_or_else(|| ActionError::failed("the peer relation does not exist yet"))?;
    let passwords = credentials::read(ctx, &cluster.app_data)?
        .ok_or_else(|| ActionError::failed("the admin user does not exist yet"))?;
    let properties = pull_text(ctx, CLIENT_PROPERTIES)?
        .ok_or_else(|| ActionError::failed("client.properties not found on this unit yet"))?;
    // As upstream: the TLS lines are the operator's own to add (paths and passwords of the
    // unit's stores mean nothing outside the container).
    let client_properties: Vec<&str> = properties
        .lines()
        .filter(|l| !l.trim_start().starts_with("ssl."))
        .collect();
    Ok(ActionResults::new()
        .set("username", ADMIN_USER)?
        .set("password", passwords.admin)?
        .set("client-properties", client_properties.join("\n"))?)
}

fn set_password<S: StoreConnector>(
    ctx: &mut Context<'_, KafkaCharm<S>>,
    connector: &S,
    user: &str,
    password: Option<String>,
) -> Result<ActionResults, ActionError> {
    let Some(leader) = ctx.leader()? else {
        return Err(ActionError::failed("set-password must be run on the leader unit"));
    };
    crate::upgrade::refuse_while_upgrading(ctx)?;
    let client_id = user
        .strip_prefix(CLIENT_USER_PREFIX)
        .and_then(|id| id.parse::<u32>().ok());
    if user != ADMIN_USER && user != SYNC_USER && client_id.is_none() {
        return Err(ActionError::failed(format!(
            "can only set the password of admin, sync or a client user relation-<id>, not {user:?}"
        )));
    }
    let password = match password {
        Some(p) => p,
        None => credentials::generate()?,
    };
    if password.len() < 8 {
        return Err(ActionError::failed("the password must be at least 8 characters"));
    }
    Secret::new(password.clone())
        .check_quotable("the password")
        .map_err(|e| ActionError::failed(e.to_string()))?;
    let cluster = peers::read(ctx)?.ok_or_else(|| ActionError::failed("the peer relation does not exist yet"))?;
    let internal = credentials::read(ctx, &cluster.app_data)?
        .ok_or_else(|| ActionError::failed("the internal users do not exist yet"))?;
    if [&internal.admin, &internal.sync, &internal.controller].contains(&&password) {
        return Err(ActionError::failed("password already in use, choose a different one"));
    }

    // The store the credential goes to.
    let config = ctx.config()?;
    let mode = config.metadata_mode()?;
    let pebble = ctx
        .container(CONTAINER)
        .map_err(|_| ActionError::failed("the kafka container is not reachable"))?;
    let mut store = match mode {
        MetadataMode::ZooKeeper => {
            let zk = match crate::zookeeper::reconcile(ctx)
                .map_err(|_| ActionError::failed("cannot read the zookeeper relation"))?
            {
                Ok(zk) => zk,
                Err(_) => return Err(ActionError::failed("zookeeper is not related or has not answered yet")),
            };
            let tls = if zk.tls {
                // ZooKeeper's CA is ours (the same certificates provider): the bundle of the
                // certificate this unit holds.
                let bundle: Option<String> = ctx.unit_state(crate::tls::STATE_CA_BUNDLE)?;
                let ca_pem = bundle
                    .ok_or_else(|| ActionError::failed("zookeeper speaks TLS and this unit has no certificate yet"))?;
                Some(zk_admin::Tls {
                    ca_pem,
                    client_cert_pem: None,
                    client_key_pem: None,
                    verify_hostname: true,
                })
            } else {
                None
            };
            let target = ZkTarget {
                hosts: zk.endpoints.clone(),
                chroot: zk.chroot.clone(),
                username: zk.username.clone(),
                password: zk.password.clone(),
                tls,
                timeout: crate::reconcile::ZK_TIMEOUT,
            };
            LazyStore::new(move || connector.zookeeper(&target))
        }
        MetadataMode::Kraft => {
            if !crate::broker::running(pebble.as_ref())? {
                return Err(ActionError::failed(
                    "the broker is not running: cannot change a KRaft password now",
                ));
            }
            let host = crate::peers::internal_address(&cluster.app, cluster.me.number);
            let pebble_ref: &dyn charm_sdk::pebble::Pebble = pebble.as_ref();
            let bootstrap = format!("{host}:{}", internal_port(ctx.unit().number(), pebble_ref)?);
            LazyStore::new(move || Ok(Box::new(KraftAdmin::new(pebble_ref, bootstrap.clone())) as Box<_>))
        }
    };
    let mut stored = StoredCredentials::load(ctx)?;

    if let Some(id) = client_id {
        let mut passwords = ClientPasswords::load(ctx, &leader)?;
        if passwords.get(id).is_none() {
            return Err(ActionError::failed(format!(
                "{user} is not a client user of a live kafka-client relation"
            )));
        }
        passwords.set(id, password.clone());
        passwords.save(ctx, &leader)?;
        store
            .get()
            .and_then(|s| s.upsert_user(user, &Secret::new(password.clone())))
            .map_err(|e| ActionError::Error(Error::msg(format!("cannot write {user}'s credential: {e}"))))?;
        stored.record(user, &password);
        stored.save(ctx)?;
        update_published_password(ctx, id, &password)?;
    } else {
        let changes = credentials::set_internal(ctx, &leader, &cluster.app_data, user, &password)?;
        store
            .get()
            .and_then(|s| s.upsert_user(user, &Secret::new(password.clone())))
            .map_err(|e| ActionError::Error(Error::msg(format!("cannot write {user}'s credential: {e}"))))?;
        stored.record(user, &password);
        stored.save(ctx)?;
        ctx.update_app_data(&cluster.relation, &leader, &changes)?;
    }
    ctx.info(&format!("the password of {user} was changed"));
    Ok(ActionResults::new().set(format!("{user}-password"), password)?)
}

/// The internal listener's port of the running broker (from its server.properties).
fn internal_port(_unit: u32, pebble: &dyn charm_sdk::pebble::Pebble) -> Result<u16, ActionError> {
    let text = match pebble.pull(SERVER_PROPERTIES) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.is_not_found() => return Err(ActionError::failed("server.properties not found on this unit")),
        Err(e) => return Err(e.into()),
    };
    from_server_properties(&text)
        .into_iter()
        .find(|l| l.listener.scope == Scope::Internal)
        .map(|l| l.port)
        .ok_or_else(|| ActionError::failed("the broker has no internal listener"))
}

/// Puts the new password into the client's published `user` secret (a new revision, so the
/// client gets `secret-changed`). Clients without secrets get it at the next reconcile.
fn update_published_password<C: Charm>(ctx: &mut Context<'_, C>, id: u32, password: &str) -> Result<(), Error> {
    let label = charm_interfaces::dataplatform::protocol::SecretGroup::User.label(KAFKA_CLIENT, id);
    let Ok(info) = ctx.secret_info(&SecretRef::label(label)) else {
        return Ok(());
    };
    let Some(uri) = info.uri else { return Ok(()) };
    let mut content = ctx.get_secret(&SecretRef::uri(uri.clone()), SecretRead::Peek)?;
    if content.contains_key("password") {
        content.insert("password".to_owned(), password.to_owned());
        ctx.update_secret(&uri, &content)?;
    }
    Ok(())
}

fn running_listeners<C: Charm>(ctx: &mut Context<'_, C>) -> Result<Vec<ActiveListener>, ActionError> {
    let text = pull_text(ctx, SERVER_PROPERTIES)?
        .ok_or_else(|| ActionError::failed("server.properties not found on this unit yet"))?;
    Ok(from_server_properties(&text))
}

fn get_listeners<C: Charm>(ctx: &mut Context<'_, C>) -> Result<ActionResults, ActionError> {
    let mut results = ActionResults::new();
    for active in running_listeners(ctx)? {
        let name = active.listener.name();
        let key = name.replace('_', "-").to_lowercase();
        results = results
            .set(format!("{key}.name"), name.clone())?
            .set(format!("{key}.scope"), active.scope_name())?
            .set(format!("{key}.port"), active.port.to_string())?
            .set(format!("{key}.protocol"), active.listener.auth.protocol.as_str())?
            .set(format!("{key}.auth-mechanism"), active.listener.auth.mechanism.as_str())?
            .set(format!("{key}.advertised-listener"), active.advertised.clone())?;
    }
    Ok(results)
}

fn export_network_policies<C: Charm>(ctx: &mut Context<'_, C>, l7: bool) -> Result<ActionResults, ActionError> {
    let listeners: Vec<Listener> = running_listeners(ctx)?
        .into_iter()
        .filter(|a| a.listener.scope == Scope::Client)
        .map(|a| a.listener)
        .collect();
    let target = PolicyTarget {
        kafka_app: ctx.app().to_string(),
        namespace: ctx.model_name().to_owned(),
        listeners,
    };
    let mut grants = Vec::new();
    let relations = charm_interfaces::dataplatform::kafka::KafkaProvider::new(KAFKA_CLIENT)
        .requests(ctx)
        .map_err(|e| ActionError::failed(format!("cannot read the kafka-client relations: {e}")))?;
    for relation in &relations {
        let id = relation.incoming.relation.id.0;
        let app = relation
            .incoming
            .label
            .remote_app
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let Ok(requests) = relation.try_requests() else {
            continue;
        };
        for request in requests {
            grants.push(ClientGrant {
                relation_id: id,
                client_app: app.clone(),
                client_namespace: None,
                topic: request.typed.topic.clone(),
                extra_user_roles: request.typed.extra_user_roles.clone().unwrap_or_default(),
            });
        }
    }
    let mode = if l7 { L7::Enforce } else { L7::Off };
    let policies = client_policies(&target, &grants, mode);
    Ok(ActionResults::new()
        .set("policies", policies)?
        .set("count", grants.len().to_string())?)
}
