//! The `peer-cluster` / `peer-cluster-orchestrator` relations (split KRaft deployments) in the
//! Python charms' wire format, so that a Python controller application and this broker
//! application (or the reverse) can be related.
//!
//! The facts, from canonical/kafka-k8s-operator HEAD (4.x) — the 3.x branch `3/edge` uses the
//! same names for these fields (`tests/peer_cluster_contract.rs` cites the lines):
//! - each side's leader writes `requested-secrets` (a JSON list: the broker side asks for
//!   `balancer-username`, `balancer-password`, `balancer-uris`, `controller-password`; the
//!   controller side for `broker-username`, `broker-password`, `controller-password`) and its
//!   `roles` into its application bag when the relation is created;
//! - the broker side then writes `roles`, `cluster-uuid`, `broker-uris`, `racks`,
//!   `broker-capacities`, `super-users` as plain fields, and `broker-username`,
//!   `broker-password`, `broker-uris` into one application secret of group `broker`;
//! - the controller side writes `bootstrap-controller` (`host:port`), `bootstrap-unit-id`
//!   (its `node.id`), `bootstrap-replica-id` (its directory id) as plain fields and
//!   `controller-password` into a secret of group `controller`;
//! - a secret of group `<g>` is owned by the application, labelled
//!   `<endpoint>.<relation id>.<g>.secret`, granted to the relation, and its URI is the
//!   plain field `secret-<g>` (data_platform_libs `data_interfaces` v0);
//! - readers take secret fields from the secret and everything else from the bag; a field
//!   the other side did not put in a secret is read from the bag.
//!
//! A balancer application (`roles=balancer` or `controller,balancer`, requirer on
//! `peer-cluster`) takes part as well (same sources, balancer half):
//! - it asks for `broker-username`, `broker-password`, `broker-uris` (and, spelled so upstream,
//!   `controller-passwrod`, `zk-username`, `zk-password`, `zk-uris`) as secrets, and its leader
//!   writes `balancer-username` (`balancer`), `balancer-password` and `balancer-uris`
//!   (`<address>:9090`) into a secret of group `balancer`;
//! - the broker side adds the plain fields `racks` (the number of distinct `broker.rack`s, as
//!   text) and `broker-capacities` (JSON `{"brokerCapacities": [{"brokerId": "<id>",
//!   "capacity": {"DISK": {<log dir>: "<size>"}, "CPU": {"num.cores": "<n>"}, "NW_IN": "<kb/s>",
//!   "NW_OUT": "<kb/s>"}, "doc": ""}]}`, highest broker id first), which Cruise Control's
//!   capacity file is made of; the balancer logs in to the brokers with the `broker` group's
//!   admin user over `broker-uris`.

use charm_sdk::prelude::*;
use juju_model::SecretUri;

use crate::literals::*;
use crate::quorum::Bootstrap;

/// Application bag key: the sender's roles.
pub const ROLES: &str = "roles";
/// Application bag key: the secret fields the sender wants (JSON list).
pub const REQUESTED_SECRETS: &str = "requested-secrets";
/// Application bag key: the KRaft cluster id (broker side).
pub const CLUSTER_UUID: &str = "cluster-uuid";
/// Application bag key (and `broker` secret field): the brokers' internal bootstrap servers.
pub const BROKER_URIS: &str = "broker-uris";
/// Application bag key: the broker side's `super.users`.
pub const SUPER_USERS: &str = "super-users";
/// `broker` secret field: the admin user's name.
pub const BROKER_USERNAME: &str = "broker-username";
/// `broker` secret field: the admin user's password.
pub const BROKER_PASSWORD: &str = "broker-password";
/// `controller` secret field: the controller user's password.
pub const CONTROLLER_PASSWORD: &str = "controller-password";
/// The secret group of the broker side's credentials.
pub const GROUP_BROKER: &str = "broker";
/// The secret group of the controller side's credentials.
pub const GROUP_CONTROLLER: &str = "controller";

/// What the broker side asks to receive as secrets (upstream `BROKER.requested_secrets`).
pub const BROKER_REQUESTS: [&str; 4] = [
    "balancer-username",
    "balancer-password",
    "balancer-uris",
    CONTROLLER_PASSWORD,
];
/// What the controller side asks to receive as secrets (upstream `CONTROLLER.requested_secrets`).
pub const CONTROLLER_REQUESTS: [&str; 3] = [BROKER_USERNAME, BROKER_PASSWORD, CONTROLLER_PASSWORD];
/// What the balancer side asks to receive as secrets (upstream `BALANCER.requested_secrets`,
/// with its misspelt `controller-passwrod` and the 3.x ZooKeeper fields).
pub const BALANCER_REQUESTS: [&str; 7] = [
    BROKER_USERNAME,
    BROKER_PASSWORD,
    BROKER_URIS,
    "controller-passwrod",
    "zk-username",
    "zk-password",
    "zk-uris",
];
/// Application bag key: how many distinct racks the brokers are in (broker side).
pub const RACKS: &str = "racks";
/// Application bag key: the brokers' capacities, JSON (broker side).
pub const BROKER_CAPACITIES: &str = "broker-capacities";
/// `balancer` secret field: Cruise Control's web user.
pub const BALANCER_USERNAME: &str = "balancer-username";
/// `balancer` secret field: its password.
pub const BALANCER_PASSWORD: &str = "balancer-password";
/// `balancer` secret field: `host:port` of Cruise Control's web server.
pub const BALANCER_URIS: &str = "balancer-uris";
/// The secret group of the balancer side's credentials.
pub const GROUP_BALANCER: &str = "balancer";

/// The `requested-secrets` of an application with `roles` (upstream: the union of its roles'
/// lists; the balancer's fields first, then the controller's it does not already ask for).
pub fn requests_for(roles: &str) -> String {
    let has = |r: &str| roles.split(',').any(|x| x.trim() == r);
    let mut out: Vec<&str> = Vec::new();
    if has("balancer") {
        out.extend(BALANCER_REQUESTS);
    }
    if has("controller") {
        out.extend(
            CONTROLLER_REQUESTS
                .iter()
                .filter(|f| !out.contains(f))
                .collect::<Vec<_>>(),
        );
    }
    if has("broker") {
        out.extend(BROKER_REQUESTS.iter().filter(|f| !out.contains(f)).collect::<Vec<_>>());
    }
    json_list(&out)
}

/// What a balancer application publishes.
#[derive(Clone, PartialEq, Eq)]
pub struct BalancerSide {
    /// `roles`.
    pub roles: String,
    /// `balancer-username`.
    pub username: String,
    /// `balancer-password`.
    pub password: String,
    /// `balancer-uris`.
    pub uris: String,
}

impl std::fmt::Debug for BalancerSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BalancerSide")
            .field("roles", &self.roles)
            .field("username", &self.username)
            .field("uris", &self.uris)
            .finish_non_exhaustive()
    }
}

/// What the broker application publishes.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerSide {
    /// `roles`.
    pub roles: String,
    /// `cluster-uuid`.
    pub cluster_uuid: String,
    /// `broker-username`.
    pub broker_username: String,
    /// `broker-password`.
    pub broker_password: String,
    /// `broker-uris`.
    pub broker_uris: String,
    /// `super-users`.
    pub super_users: String,
}

impl std::fmt::Debug for BrokerSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerSide")
            .field("roles", &self.roles)
            .field("cluster_uuid", &self.cluster_uuid)
            .field("broker_username", &self.broker_username)
            .finish_non_exhaustive()
    }
}

/// What the controller application publishes.
#[derive(Clone, PartialEq, Eq)]
pub struct ControllerSide {
    /// `roles`.
    pub roles: String,
    /// `bootstrap-controller`, `bootstrap-unit-id`, `bootstrap-replica-id`.
    pub bootstrap: Bootstrap,
    /// `controller-password`.
    pub controller_password: String,
}

impl std::fmt::Debug for ControllerSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControllerSide")
            .field("roles", &self.roles)
            .field("bootstrap", &self.bootstrap)
            .finish_non_exhaustive()
    }
}

/// What a controller application reads from the broker side.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BrokerView {
    /// `cluster-uuid`.
    pub cluster_uuid: Option<String>,
    /// `broker-username`.
    pub broker_username: Option<String>,
    /// `broker-password`.
    pub broker_password: Option<String>,
    /// `super-users`.
    pub super_users: Option<String>,
    /// `broker-uris` (secret field, else plain).
    pub broker_uris: Option<String>,
    /// `racks`.
    pub racks: Option<String>,
    /// `broker-capacities` (JSON text).
    pub broker_capacities: Option<String>,
}

impl std::fmt::Debug for BrokerView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerView")
            .field("cluster_uuid", &self.cluster_uuid)
            .field("broker_username", &self.broker_username)
            .field("broker_uris", &self.broker_uris)
            .field("racks", &self.racks)
            .finish_non_exhaustive()
    }
}

/// What a broker application reads from the controller side.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ControllerView {
    /// `bootstrap-controller`.
    pub bootstrap_controller: Option<String>,
    /// `controller-password`.
    pub controller_password: Option<String>,
}

impl std::fmt::Debug for ControllerView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControllerView")
            .field("bootstrap_controller", &self.bootstrap_controller)
            .finish_non_exhaustive()
    }
}

/// `["a","b"]`: a JSON list as Python's `json.dumps` writes it (`", "` separators).
pub fn json_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i).unwrap_or_default())
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// The label of this application's secret of `group` on `relation`.
pub fn secret_label(relation: &Relation, group: &str) -> String {
    format!("{}.{}.{group}.secret", relation.endpoint, relation.id)
}

/// Leader of a broker-only application: its side of `peer-cluster-orchestrator`.
pub fn publish_broker_side<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    side: &BrokerSide,
) -> Result<(), Error> {
    let content: SecretContent = [
        (BROKER_USERNAME.to_owned(), side.broker_username.clone()),
        (BROKER_PASSWORD.to_owned(), side.broker_password.clone()),
        (BROKER_URIS.to_owned(), side.broker_uris.clone()),
    ]
    .into();
    let uri = shared_secret(ctx, leader, relation, GROUP_BROKER, &content)?;
    let bag: Databag = [
        (REQUESTED_SECRETS.to_owned(), json_list(&BROKER_REQUESTS)),
        (ROLES.to_owned(), side.roles.clone()),
        (CLUSTER_UUID.to_owned(), side.cluster_uuid.clone()),
        (BROKER_URIS.to_owned(), side.broker_uris.clone()),
        (SUPER_USERS.to_owned(), side.super_users.clone()),
        (format!("secret-{GROUP_BROKER}"), uri.to_string()),
    ]
    .into();
    ctx.update_app_data(relation, leader, &bag)?;
    Ok(())
}

/// Leader of a controller-only application: its side of `peer-cluster`.
pub fn publish_controller_side<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    side: &ControllerSide,
) -> Result<(), Error> {
    let content: SecretContent = [(CONTROLLER_PASSWORD.to_owned(), side.controller_password.clone())].into();
    let uri = shared_secret(ctx, leader, relation, GROUP_CONTROLLER, &content)?;
    let mut bag: Databag = [
        (REQUESTED_SECRETS.to_owned(), requests_for(&side.roles)),
        (ROLES.to_owned(), side.roles.clone()),
        (format!("secret-{GROUP_CONTROLLER}"), uri.to_string()),
    ]
    .into();
    bag.extend(side.bootstrap.to_bag());
    ctx.update_app_data(relation, leader, &bag)?;
    Ok(())
}

/// Leader of a broker application related to a balancer: the Cruise Control inputs,
/// `racks` and `broker-capacities` (plain fields, added to what [`publish_broker_side`] wrote).
pub fn publish_balancer_inputs<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    racks: usize,
    capacities: &str,
) -> Result<(), Error> {
    let bag: Databag = [
        (RACKS.to_owned(), racks.to_string()),
        (BROKER_CAPACITIES.to_owned(), capacities.to_owned()),
    ]
    .into();
    ctx.update_app_data(relation, leader, &bag)?;
    Ok(())
}

/// Leader of a balancer application: its side of `peer-cluster`.
pub fn publish_balancer_side<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    side: &BalancerSide,
) -> Result<(), Error> {
    let content: SecretContent = [
        (BALANCER_USERNAME.to_owned(), side.username.clone()),
        (BALANCER_PASSWORD.to_owned(), side.password.clone()),
        (BALANCER_URIS.to_owned(), side.uris.clone()),
    ]
    .into();
    let uri = shared_secret(ctx, leader, relation, GROUP_BALANCER, &content)?;
    let bag: Databag = [
        (REQUESTED_SECRETS.to_owned(), requests_for(&side.roles)),
        (ROLES.to_owned(), side.roles.clone()),
        (format!("secret-{GROUP_BALANCER}"), uri.to_string()),
    ]
    .into();
    ctx.update_app_data(relation, leader, &bag)?;
    Ok(())
}

/// The broker side, as a controller application reads it.
pub fn read_broker_side<C: Charm>(ctx: &mut Context<'_, C>, relation: &Relation) -> Result<BrokerView, Error> {
    let bag = ctx.remote_app_data(relation)?;
    let secret = read_secret(ctx, &bag, GROUP_BROKER)?;
    let field = |k: &str| pick(&bag, secret.as_ref(), k);
    Ok(BrokerView {
        cluster_uuid: plain(&bag, CLUSTER_UUID),
        broker_username: field(BROKER_USERNAME),
        broker_password: field(BROKER_PASSWORD),
        super_users: plain(&bag, SUPER_USERS),
        broker_uris: field(BROKER_URIS),
        racks: plain(&bag, RACKS),
        broker_capacities: plain(&bag, BROKER_CAPACITIES),
    })
}

/// The controller side, as a broker application reads it.
pub fn read_controller_side<C: Charm>(ctx: &mut Context<'_, C>, relation: &Relation) -> Result<ControllerView, Error> {
    let bag = ctx.remote_app_data(relation)?;
    let secret = read_secret(ctx, &bag, GROUP_CONTROLLER)?;
    let bootstrap = plain(&bag, APP_BOOTSTRAP_CONTROLLER).filter(|b| {
        b.rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
    });
    Ok(ControllerView {
        bootstrap_controller: bootstrap,
        controller_password: pick(&bag, secret.as_ref(), CONTROLLER_PASSWORD),
    })
}

fn plain(bag: &Databag, key: &str) -> Option<String> {
    bag.get(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A field from the secret, else from the bag (a provider without secrets).
fn pick(bag: &Databag, secret: Option<&SecretContent>, key: &str) -> Option<String> {
    secret
        .and_then(|s| s.get(key))
        .filter(|v| !v.is_empty())
        .cloned()
        .or_else(|| plain(bag, key))
}

/// The content of the other side's secret of `group`, latest revision.
fn read_secret<C: Charm>(ctx: &mut Context<'_, C>, bag: &Databag, group: &str) -> Result<Option<SecretContent>, Error> {
    let Some(uri) = plain(bag, &format!("secret-{group}")) else {
        return Ok(None);
    };
    let Ok(uri) = SecretUri::new(uri.as_str()) else {
        return Ok(None);
    };
    ctx.try_get_secret(&SecretRef::uri(uri), SecretRead::Refresh)
}

/// An application secret for the other side of `relation`, labelled as data_interfaces does,
/// kept up to date and granted.
fn shared_secret<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    group: &str,
    content: &SecretContent,
) -> Result<SecretUri, Error> {
    let meta = SecretMeta {
        label: Some(secret_label(relation, group)),
        description: Some(format!("KRaft {group} credentials for the peer cluster")),
        ..SecretMeta::default()
    };
    let mut created = false;
    let uri = ctx.ensure_app_secret(leader, meta, || {
        created = true;
        Ok(content.clone())
    })?;
    if created {
        ctx.grant_secret(&uri, relation, None)?;
    } else {
        ctx.update_secret(&uri, content)?;
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_secrets_are_the_union_of_the_roles_lists() {
        assert_eq!(requests_for("controller"), json_list(&CONTROLLER_REQUESTS));
        assert_eq!(requests_for("broker"), json_list(&BROKER_REQUESTS));
        let both: Vec<String> = serde_json::from_str(&requests_for("controller,balancer")).unwrap_or_default();
        assert_eq!(both.len(), 8, "{both:?}");
        assert!(both.iter().any(|f| f == CONTROLLER_PASSWORD));
        assert!(both.iter().any(|f| f == "controller-passwrod"));
    }

    #[test]
    fn json_lists_are_spelled_as_python_dumps_them() {
        assert_eq!(
            json_list(&CONTROLLER_REQUESTS),
            r#"["broker-username", "broker-password", "controller-password"]"#
        );
    }
}
