//! `postgresql_client` and `zookeeper`: both speak the library's `DatabaseRequires` /
//! `DatabaseProvides`; for ZooKeeper the "database" is the chroot zNode (`/myapp`) and
//! `extra-user-roles` its ACL (`cdrwa`).
//!
//! Provider fields from `DatabaseProviderData` (v0, LIBPATCH 59) plus what the ZooKeeper
//! charm writes (zookeeper-k8s-operator `src/charm.py` `update_client_data`: `endpoints`,
//! `tls` as `enabled`/`disabled`, `username`, `password`, `database`, the deprecated
//! `chroot`, and `uris` = endpoints + chroot).

use super::common::{Credentials, EntityCredentials, EntityRequest, FlagSpelling, Tls};
use super::interface::{default_requested_plus, required, Interface, Provider, Requirer};
use super::protocol::parse_flag;
use super::provider::Spec;
use super::request::RemoteRequest;
use super::requirer::Answer;
use crate::error::{BagSide, Error, RelationLabel};
use crate::sensitive::Sensitive;

/// The postgresql_client spec.
pub const POSTGRESQL_CLIENT: Spec = Spec {
    interface: "postgresql_client",
    resource_field: "database",
    ready_keys: &["database"],
    v1_extra_secrets: &[],
    v1_request_fields: &[],
    provider_mirror: true,
    requirer_mirror: true,
};

/// The zookeeper spec.
pub const ZOOKEEPER: Spec = Spec {
    interface: "zookeeper",
    resource_field: "database",
    ready_keys: &["database"],
    v1_extra_secrets: &[],
    v1_request_fields: &[],
    provider_mirror: true,
    requirer_mirror: true,
};

/// The postgresql_client interface.
#[derive(Debug, Clone, Copy)]
pub enum PostgresqlClient {}

/// The zookeeper interface.
#[derive(Debug, Clone, Copy)]
pub enum ZooKeeper {}

/// What a database client asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatabaseRequest {
    /// `database` (for ZooKeeper: the chroot, `/myapp`).
    pub database: String,
    /// `extra-user-roles` (for ZooKeeper: the ACL, `cdrwa`).
    pub extra_user_roles: Option<String>,
    /// `external-node-connectivity`: `"true"` when set.
    pub external_node_connectivity: bool,
    /// `prefix-matching`.
    pub prefix_matching: Option<String>,
    /// `entity-*` fields.
    pub entity: EntityRequest,
}

impl DatabaseRequest {
    /// A request for `database`.
    pub fn new(database: impl Into<String>) -> Self {
        Self {
            database: database.into(),
            ..Self::default()
        }
    }

    /// Sets `extra-user-roles`.
    pub fn roles(mut self, roles: impl Into<String>) -> Self {
        self.extra_user_roles = Some(roles.into());
        self
    }

    /// A ZooKeeper chroot request as the library's users make it: a leading `/` is
    /// added when missing (the ZooKeeper charm does the same on its side).
    pub fn chroot(chroot: &str) -> Self {
        let chroot = if chroot.starts_with('/') {
            chroot.to_owned()
        } else {
            format!("/{chroot}")
        };
        Self::new(chroot)
    }
}

/// What the database answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatabaseResponse {
    /// `database`: the granted name (ZooKeeper: chroot).
    pub database: Option<String>,
    /// `endpoints`: `host:port,…` of the primary / the ensemble.
    pub endpoints: String,
    /// `read-only-endpoints`.
    pub read_only_endpoints: Option<String>,
    /// `version` of the workload.
    pub version: Option<String>,
    /// `username`/`password`.
    pub credentials: Option<Credentials>,
    /// `uris`: connection strings (ZooKeeper: `host:port,…/chroot`).
    pub uris: Option<Sensitive>,
    /// `read-only-uris`.
    pub read_only_uris: Option<Sensitive>,
    /// `tls`/`tls-ca`.
    pub tls: Option<Tls>,
    /// How to spell `tls` (ZooKeeper: `enabled`/`disabled`).
    pub tls_spelling: FlagSpelling,
    /// `subordinated`: `"true"` for subordinate routers.
    pub subordinated: bool,
    /// `prefix-databases`: comma list, sorted (`set_prefix_databases`).
    pub prefix_databases: Option<Vec<String>>,
    /// `chroot`: the deprecated ZooKeeper duplicate of `database`.
    pub chroot: Option<String>,
    /// `entity-name`/`entity-password`.
    pub entity: Option<EntityCredentials>,
}

/// What a client gets once the database has answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConnection {
    /// `database`.
    pub database: Option<String>,
    /// `endpoints`.
    pub endpoints: String,
    /// `read-only-endpoints`.
    pub read_only_endpoints: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `username`/`password`.
    pub credentials: Credentials,
    /// `uris`.
    pub uris: Option<Sensitive>,
    /// `read-only-uris`.
    pub read_only_uris: Option<Sensitive>,
    /// `tls`/`tls-ca`.
    pub tls: Option<Tls>,
    /// `subordinated`.
    pub subordinated: bool,
    /// `prefix-databases`.
    pub prefix_databases: Vec<String>,
    /// Entity credentials.
    pub entity: Option<EntityCredentials>,
}

fn encode_request(request: &DatabaseRequest, relation: &RelationLabel) -> Result<Vec<(String, String)>, Error> {
    if request.database.is_empty() {
        return Err(Error::invalid(relation, "the requested database name is empty"));
    }
    let mut fields = vec![
        ("database".to_owned(), request.database.clone()),
        (
            "extra-user-roles".to_owned(),
            request.extra_user_roles.clone().unwrap_or_default(),
        ),
        (
            "prefix-matching".to_owned(),
            request.prefix_matching.clone().unwrap_or_default(),
        ),
        (
            "external-node-connectivity".to_owned(),
            if request.external_node_connectivity {
                "true".into()
            } else {
                String::new()
            },
        ),
    ];
    fields.extend(request.entity.fields());
    Ok(fields)
}

fn decode_request(raw: &RemoteRequest, relation: &RelationLabel) -> Result<DatabaseRequest, Error> {
    let get = |k: &str| raw.field(k).map(str::to_owned);
    let external = match raw.field("external-node-connectivity") {
        None => false,
        Some(text) => parse_flag(text).ok_or_else(|| {
            Error::wrong_type(
                relation,
                BagSide::RemoteApp,
                "external-node-connectivity",
                "true or false",
                "another word",
            )
        })?,
    };
    Ok(DatabaseRequest {
        database: raw.resource.clone(),
        extra_user_roles: get("extra-user-roles"),
        external_node_connectivity: external,
        prefix_matching: get("prefix-matching"),
        entity: EntityRequest::read(get, relation)?,
    })
}

fn encode_response(response: &DatabaseResponse, raw: &RemoteRequest) -> Vec<(String, String)> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let secret = |v: &Option<Sensitive>| v.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
    let mut prefixes = response.prefix_databases.clone().unwrap_or_default();
    prefixes.sort();
    let mut fields = vec![
        (
            "database".to_owned(),
            response.database.clone().unwrap_or_else(|| raw.resource.clone()),
        ),
        ("endpoints".to_owned(), response.endpoints.clone()),
        ("read-only-endpoints".to_owned(), text(&response.read_only_endpoints)),
        ("version".to_owned(), text(&response.version)),
        (
            "subordinated".to_owned(),
            if response.subordinated {
                "true".into()
            } else {
                String::new()
            },
        ),
        ("prefix-databases".to_owned(), prefixes.join(",")),
        ("chroot".to_owned(), text(&response.chroot)),
        (
            "username".to_owned(),
            response
                .credentials
                .as_ref()
                .map(|c| c.username.clone())
                .unwrap_or_default(),
        ),
        (
            "password".to_owned(),
            response
                .credentials
                .as_ref()
                .map(|c| c.password.expose().to_owned())
                .unwrap_or_default(),
        ),
        ("uris".to_owned(), secret(&response.uris)),
        ("read-only-uris".to_owned(), secret(&response.read_only_uris)),
    ];
    fields.extend(Tls::fields(response.tls.as_ref(), response.tls_spelling));
    fields.extend(EntityCredentials::fields(response.entity.as_ref()));
    fields
}

fn decode_answer(answer: &Answer) -> Result<DatabaseConnection, Error> {
    let get = |k: &str| answer.get(k).map(str::to_owned);
    let username = required(answer, "username")?;
    let password = required(answer, "password")?;
    let endpoints = required(answer, "endpoints")?;
    let subordinated = match answer.get("subordinated") {
        None => false,
        Some(text) => parse_flag(text).ok_or_else(|| {
            Error::wrong_type(
                &answer.label,
                BagSide::RemoteApp,
                "subordinated",
                "true or false",
                "another word",
            )
        })?,
    };
    Ok(DatabaseConnection {
        database: get("database"),
        endpoints,
        read_only_endpoints: get("read-only-endpoints"),
        version: get("version"),
        credentials: Credentials {
            username,
            password: Sensitive::new(password),
        },
        uris: get("uris").map(Sensitive::new),
        read_only_uris: get("read-only-uris").map(Sensitive::new),
        tls: Tls::read(get, &answer.label)?,
        subordinated,
        prefix_databases: answer
            .get("prefix-databases")
            .map(|p| p.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default(),
        entity: EntityCredentials::read(|k| answer.get(k).map(str::to_owned)),
    })
}

macro_rules! database_interface {
    ($ty:ty, $spec:expr) => {
        impl Interface for $ty {
            const SPEC: Spec = $spec;
            type Request = DatabaseRequest;
            type Response = DatabaseResponse;
            type Connection = DatabaseConnection;

            fn encode_request(
                request: &DatabaseRequest,
                relation: &RelationLabel,
            ) -> Result<Vec<(String, String)>, Error> {
                encode_request(request, relation)
            }
            fn decode_request(raw: &RemoteRequest, relation: &RelationLabel) -> Result<DatabaseRequest, Error> {
                decode_request(raw, relation)
            }
            fn requested_secrets(_request: &DatabaseRequest) -> Vec<String> {
                default_requested_plus(&[])
            }
            fn provided_secrets(_request: &DatabaseRequest) -> Vec<String> {
                super::protocol::DEFAULT_PROVIDED_SECRETS
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect()
            }
            fn encode_response(response: &DatabaseResponse, raw: &RemoteRequest) -> Vec<(String, String)> {
                encode_response(response, raw)
            }
            fn decode_answer(answer: &Answer) -> Result<DatabaseConnection, Error> {
                decode_answer(answer)
            }
        }
    };
}

database_interface!(PostgresqlClient, POSTGRESQL_CLIENT);
database_interface!(ZooKeeper, ZOOKEEPER);

/// A PostgreSQL (provider) charm's side of `postgresql_client`.
pub type PostgresqlProvider = Provider<PostgresqlClient>;
/// A client charm's side of `postgresql_client`.
pub type PostgresqlRequirer = Requirer<PostgresqlClient>;
/// A ZooKeeper (provider) charm's side of `zookeeper`.
pub type ZooKeeperProvider = Provider<ZooKeeper>;
/// A client charm's side of `zookeeper` (Kafka in ZooKeeper mode).
pub type ZooKeeperRequirer = Requirer<ZooKeeper>;
