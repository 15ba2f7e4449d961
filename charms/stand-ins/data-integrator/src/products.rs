//! The three data products the stand-in speaks to, each through the data-platform
//! requirer of `charm-interfaces`: what to ask for, and what the provider answered.
//!
//! Asking and reading are separate because the Python charm asks only until the provider
//! has granted a resource (after that a changed `topic-name` blocks instead of asking for a
//! second topic), while `get-credentials` reads without ever writing.

use charm_interfaces::dataplatform::database::{DatabaseRequest, PostgresqlRequirer, ZooKeeperRequirer};
use charm_interfaces::dataplatform::kafka::{KafkaRequirer, TopicRequest};
use charm_interfaces::dataplatform::{Interface, Requirer};
use charm_interfaces::error::Error;
use charm_sdk::prelude::*;

use crate::config::Config;

/// The `kafka` endpoint (kafka_client).
pub const KAFKA: &str = "kafka";
/// The `zookeeper` endpoint (zookeeper).
pub const ZOOKEEPER: &str = "zookeeper";
/// The `postgresql` endpoint (postgresql_client).
pub const POSTGRESQL: &str = "postgresql";

/// One endpoint of the charm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// `postgresql`: asks for `database-name`.
    Postgresql,
    /// `zookeeper`: asks for `database-name` (the chroot).
    ZooKeeper,
    /// `kafka`: asks for `topic-name`.
    Kafka,
}

/// Every product, in the order the Python charm looks for the active roles (its databases
/// first, PostgreSQL before ZooKeeper, then Kafka).
pub const PRODUCTS: [Product; 3] = [Product::Postgresql, Product::ZooKeeper, Product::Kafka];

impl Product {
    /// The endpoint name.
    pub fn endpoint(self) -> &'static str {
        match self {
            Product::Postgresql => POSTGRESQL,
            Product::ZooKeeper => ZOOKEEPER,
            Product::Kafka => KAFKA,
        }
    }

    /// Whether the resource is a database (`database-name`), not a topic.
    pub fn is_database(self) -> bool {
        self != Product::Kafka
    }

    /// The key under which the provider echoes the granted resource.
    pub fn resource_key(self) -> &'static str {
        if self.is_database() {
            "database"
        } else {
            "topic"
        }
    }

    /// The resource the config asks for on this endpoint.
    pub fn wanted(self, config: &Config) -> Option<&str> {
        if self.is_database() {
            config.database()
        } else {
            config.topic()
        }
    }
}

/// What the provider on one endpoint has published, secrets resolved.
#[derive(Debug, Clone)]
pub struct Observed {
    /// Which endpoint.
    pub product: Product,
    /// Every field (username, password, endpoints, tls, …); empty until it answers.
    pub fields: Databag,
    /// The provider's `data` copy of our request, shown by `get-credentials` as upstream.
    pub data: Option<String>,
}

impl Observed {
    /// The `_check_for_credentials` test: a user and its password, or an entity.
    pub fn has_credentials(&self) -> bool {
        (self.has("username") && self.has("password")) || self.has("entity-name")
    }

    /// The resource the provider granted (`topic` / `database`).
    pub fn active(&self) -> Option<&str> {
        self.field(self.product.resource_key())
    }

    /// A non-empty field.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn has(&self, key: &str) -> bool {
        self.field(key).is_some()
    }
}

/// What the provider on `product`'s endpoint answered; `None` without a relation. Reads
/// only (the provider's secrets get our labels, as the library sets them).
pub fn observe<C: Charm>(
    ctx: &mut Context<'_, C>,
    product: Product,
    config: &Config,
) -> Result<Option<Observed>, Error> {
    match product {
        Product::Kafka => observe_with(ctx, product, &kafka(config)),
        Product::ZooKeeper => observe_with(ctx, product, &ZooKeeperRequirer::new(ZOOKEEPER, database(config))),
        Product::Postgresql => observe_with(ctx, product, &PostgresqlRequirer::new(POSTGRESQL, database(config))),
    }
}

/// Writes the request the config asks for on `product`'s endpoint (the leader writes the
/// request, every unit its bookkeeping), as the library does at relation-created.
pub fn request<C: Charm>(ctx: &mut Context<'_, C>, product: Product, config: &Config) -> Result<(), Error> {
    match product {
        Product::Kafka => kafka(config).request(ctx),
        Product::ZooKeeper => ZooKeeperRequirer::new(ZOOKEEPER, database(config)).request(ctx),
        Product::Postgresql => PostgresqlRequirer::new(POSTGRESQL, database(config)).request(ctx),
    }
}

/// The topic request data-integrator writes: topic, roles, consumer group prefix.
fn kafka(config: &Config) -> KafkaRequirer {
    let mut request = TopicRequest::new(config.topic().unwrap_or_default());
    request.extra_user_roles = config.roles().map(str::to_owned);
    request.consumer_group_prefix = config.consumer_group_prefix().map(str::to_owned);
    KafkaRequirer::new(KAFKA, request)
}

/// The database request data-integrator writes: database, roles, and
/// `external-node-connectivity` (it serves clients outside the model).
fn database(config: &Config) -> DatabaseRequest {
    let mut request = DatabaseRequest::new(config.database().unwrap_or_default());
    request.extra_user_roles = config.roles().map(str::to_owned);
    request.external_node_connectivity = true;
    request
}

fn observe_with<C: Charm, I: Interface>(
    ctx: &mut Context<'_, C>,
    product: Product,
    requirer: &Requirer<I>,
) -> Result<Option<Observed>, Error>
where
    I::Request: std::fmt::Debug,
{
    let Some((relation, label)) = requirer.core().relations(ctx)?.into_iter().next() else {
        return Ok(None);
    };
    let answer = requirer.core().read(ctx, &relation, &label)?;
    let remote = ctx.remote_app_data(&relation).map_err(|e| Error::from(e).on(&label))?;
    Ok(Some(Observed {
        product,
        fields: answer.fields,
        data: remote.get("data").filter(|d| !d.is_empty()).cloned(),
    }))
}
