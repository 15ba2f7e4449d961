//! Every interface's `testing` builders in use: a tiny charm using this crate's requirer or
//! provider runs (charm-testing, Juju's rules) against the other side the builder made,
//! and reads it correctly. tls and certificate_transfer have theirs in `tls_testing.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use charm_interfaces::auth_proxy::{self, AuthProxyConfig, AuthProxyRequirer, Header};
use charm_interfaces::azure_storage::{self, AzureStorageProvider, AzureStorageRequirer, ConnectionProtocol};
use charm_interfaces::cos::alert_rules::AlertRules;
use charm_interfaces::cos::grafana_dashboard::{Dashboard, GrafanaDashboardProvider};
use charm_interfaces::cos::loki::LokiConsumer;
use charm_interfaces::cos::prometheus_scrape::{MetricsEndpointProvider, ScrapeJob};
use charm_interfaces::cos::testing as cos;
use charm_interfaces::dataplatform::database::{
    DatabaseRequest, PostgresqlProvider, PostgresqlRequirer, ZooKeeperProvider, ZooKeeperRequirer,
};
use charm_interfaces::dataplatform::kafka::{KafkaClient, KafkaProvider, KafkaRequirer, KafkaResponse, TopicRequest};
use charm_interfaces::dataplatform::{testing, Credentials, FlagSpelling, RequirerProtocol, Tls};
use charm_interfaces::ingress::{self, IngressRequest, IngressRequirer};
use charm_interfaces::oauth::{self, ClientConfig, OAuthRequirer};
use charm_interfaces::s3::{self, S3Provider, S3Requirer, S3Version};
use charm_interfaces::spark_service_account::{self, SparkServiceAccountProvider, SparkServiceAccountRequirer};
use charm_sdk::prelude::*;
use charm_testing::{Relation, RunOutput, Secret, TestEvent};
use interop_support::{relation_in, run_leader, test_charm};

/// Runs charm `C` (leader, `relation-changed`) against the builder's relation and secrets.
fn run<C: Charm>((relation, secrets): (Relation, Vec<Secret>)) -> (RunOutput, Relation) {
    let out = run_leader::<C>(TestEvent::relation_changed(&relation), &relation, secrets);
    (out, relation)
}

// ---- kafka_client ---------------------------------------------------------------------

test_charm!(
    Kafka,
    "name: kafka-k8s\nprovides: {kafka-client: {interface: kafka_client}}\n",
    |ctx| {
        let provider = KafkaProvider::new("kafka-client");
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        for relation in provider.requests(ctx)? {
            for request in relation.try_requests()? {
                let response = KafkaResponse {
                    endpoints: "kafka-k8s-0.kafka-k8s-endpoints:9092".into(),
                    credentials: Credentials::new("relation-1", "pw"),
                    consumer_group_prefix: None,
                    zookeeper_uris: None,
                    tls: Some(Tls::disabled()),
                    tls_spelling: FlagSpelling::EnabledDisabled,
                    entity: None,
                };
                provider.publish(ctx, &leader, &relation, request, &response)?;
                ctx.add_status(Status::active(format!(
                    "{} for {}",
                    request.typed.topic,
                    request.typed.extra_user_roles.clone().unwrap_or_default()
                )));
            }
        }
        Ok(())
    }
);

test_charm!(
    KafkaUser,
    "name: kafka-user\nrequires: {kafka-cluster: {interface: kafka_client, limit: 1}}\n",
    |ctx| {
        let kafka = KafkaRequirer::new("kafka-cluster", TopicRequest::new("events"));
        let conn = kafka.reconcile(ctx)?.or_waiting("waiting for kafka")?;
        ctx.add_status(Status::active(format!(
            "{} {}:{} prefix {:?}",
            conn.endpoints,
            conn.credentials.username,
            conn.credentials.password.expose(),
            conn.consumer_group_prefix
        )));
        Ok(())
    }
);

#[test]
fn kafka_client_requirer_is_what_data_integrator_asks() {
    let relation = testing::kafka_client_requirer("kafka-client", "events", "producer,consumer");
    assert_eq!(relation.remote_app, "data-integrator");
    let (out, relation) = run::<Kafka>((relation, Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("events for producer,consumer"));
    let answer = &relation_in(&out, &relation).local_app_data;
    assert!(answer["secret-user"].starts_with("secret:"), "{answer:?}");
}

#[test]
fn kafka_provider_with_credentials_is_read_through_its_secrets() {
    let built = testing::kafka_provider_with_credentials("kafka-cluster", "events", "relation-4", "pw", "k-0:9092");
    let (out, _) = run::<KafkaUser>(built);
    assert_eq!(
        out.unit_status(),
        &Status::active("k-0:9092 relation-4:pw prefix Some(\"relation-4-\")")
    );
}

test_charm!(
    KafkaUserV1,
    "name: kafka-user\nrequires: {kafka-cluster: {interface: kafka_client, limit: 1}}\n",
    |ctx| {
        let kafka = KafkaRequirer::new("kafka-cluster", TopicRequest::new("events")).protocol(RequirerProtocol::V1);
        let conn = kafka.reconcile(ctx)?.or_waiting("waiting for kafka")?;
        ctx.add_status(Status::active(conn.credentials.password.expose().to_owned()));
        Ok(())
    }
);

#[test]
fn the_v1_builders_speak_v1() {
    let response = KafkaResponse {
        endpoints: "k:9092".into(),
        credentials: Credentials::new("relation-9", "v1-pw"),
        consumer_group_prefix: Some("relation-9-".into()),
        zookeeper_uris: None,
        tls: None,
        tls_spelling: FlagSpelling::Lower,
        entity: None,
    };
    let built = testing::provider_v1::<KafkaClient>(
        "kafka-cluster",
        "kafka-k8s",
        &TopicRequest::new("events"),
        &response,
        "abcdefghijklmnop",
    )
    .unwrap();
    assert_eq!(built.0.remote_app_data["version"], "v1");
    let (out, _) = run::<KafkaUserV1>(built);
    assert_eq!(out.unit_status(), &Status::active("v1-pw"));

    let asked = testing::requirer_v1::<KafkaClient>(
        "kafka-client",
        "data-integrator",
        &TopicRequest::new("events").roles("admin"),
        "abcdefghijklmnop",
    )
    .unwrap();
    let (out, relation) = run::<Kafka>((asked, Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("events for admin"));
    assert_eq!(relation_in(&out, &relation).local_app_data["version"], "v1");
}

// ---- zookeeper ------------------------------------------------------------------------

test_charm!(
    KafkaOnZooKeeper,
    "name: kafka-k8s\nrequires: {zookeeper: {interface: zookeeper, limit: 1}}\n",
    |ctx| {
        let zk = ZooKeeperRequirer::new("zookeeper", DatabaseRequest::chroot("kafka-k8s").roles("cdrwa"));
        let conn = zk.reconcile(ctx)?.or_waiting("waiting for zookeeper")?;
        ctx.add_status(Status::active(format!(
            "{} {} tls={:?}",
            conn.uris.map(|u| u.expose().to_owned()).unwrap_or_default(),
            conn.credentials.password.expose(),
            conn.tls.map(|t| t.enabled)
        )));
        Ok(())
    }
);

test_charm!(
    ZooKeeperK8s,
    "name: zookeeper-k8s\nprovides: {zookeeper: {interface: zookeeper}}\n",
    |ctx| {
        for relation in ZooKeeperProvider::new("zookeeper").requests(ctx)? {
            for request in relation.try_requests()? {
                ctx.add_status(Status::active(format!(
                    "{} {}",
                    request.typed.database,
                    request.typed.extra_user_roles.clone().unwrap_or_default()
                )));
            }
        }
        Ok(())
    }
);

#[test]
fn zookeeper_builders_match_both_charms() {
    let built = testing::zookeeper_provider_with_credentials(
        "zookeeper",
        "/kafka-k8s",
        "relation-2",
        "zk-pw",
        "zookeeper-k8s-0.zookeeper-k8s-endpoints:2181",
    );
    assert_eq!(built.0.remote_app_data["chroot"], "/kafka-k8s");
    let (out, _) = run::<KafkaOnZooKeeper>(built);
    assert_eq!(
        out.unit_status(),
        &Status::active("zookeeper-k8s-0.zookeeper-k8s-endpoints:2181/kafka-k8s zk-pw tls=Some(false)")
    );

    let (out, _) = run::<ZooKeeperK8s>((
        testing::zookeeper_requirer("zookeeper", "kafka-k8s", "cdrwa"),
        Vec::new(),
    ));
    assert_eq!(out.unit_status(), &Status::active("/kafka-k8s cdrwa"));
}

// ---- postgresql_client ----------------------------------------------------------------

test_charm!(
    PgUser,
    "name: app\nrequires: {database: {interface: postgresql_client, limit: 1}}\n",
    |ctx| {
        let pg = PostgresqlRequirer::new("database", DatabaseRequest::new("app"));
        let conn = pg.reconcile(ctx)?.or_waiting("waiting for postgresql")?;
        ctx.add_status(Status::active(format!(
            "{} {} {}",
            conn.endpoints,
            conn.uris.map(|u| u.expose().to_owned()).unwrap_or_default(),
            conn.version.unwrap_or_default()
        )));
        Ok(())
    }
);

test_charm!(
    PostgresqlK8s,
    "name: postgresql-k8s\nprovides: {database: {interface: postgresql_client}}\n",
    |ctx| {
        for relation in PostgresqlProvider::new("database").requests(ctx)? {
            for request in relation.try_requests()? {
                ctx.add_status(Status::active(format!("database {}", request.typed.database)));
            }
        }
        Ok(())
    }
);

#[test]
fn postgresql_builders_match_both_charms() {
    let built = testing::postgresql_provider_with_credentials("database", "app", "relation_id_5", "pw", "pg-primary");
    let (out, _) = run::<PgUser>(built);
    assert_eq!(
        out.unit_status(),
        &Status::active("pg-primary:5432 postgresql://relation_id_5:pw@pg-primary:5432/app 16.6")
    );
    let (out, _) = run::<PostgresqlK8s>((testing::postgresql_client_requirer("database", "app"), Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("database app"));
}

// ---- s3 -------------------------------------------------------------------------------

test_charm!(
    S3UserV0,
    "name: app\nrequires: {s3-credentials: {interface: s3, limit: 1}}\n",
    |ctx| { s3_user(ctx, S3Version::V0) }
);
test_charm!(
    S3UserV1,
    "name: app\nrequires: {s3-credentials: {interface: s3, limit: 1}}\n",
    |ctx| { s3_user(ctx, S3Version::V1) }
);

fn s3_user<C: Charm>(ctx: &mut charm_sdk::Context<'_, C>, version: S3Version) -> Result<(), Stop> {
    let info = S3Requirer::new("s3-credentials", version, None)
        .reconcile(ctx)?
        .or_waiting("waiting for s3")?;
    ctx.add_status(Status::active(format!(
        "{} {} {}",
        info.bucket.unwrap_or_default(),
        info.access_key.expose(),
        info.secret_key.expose()
    )));
    Ok(())
}

test_charm!(
    S3Integrator,
    "name: s3-integrator\nprovides: {s3-credentials: {interface: s3}}\n",
    |ctx| {
        for request in S3Provider::new("s3-credentials").requests(ctx)? {
            let request = request?;
            ctx.add_status(Status::active(format!(
                "{:?} {:?}",
                request.version,
                request.requested_bucket()
            )));
        }
        Ok(())
    }
);

#[test]
fn s3_builders_in_both_generations() {
    let info = s3::testing::info("history", "https://s3.example.com", "AKIA", "SECRET");
    for version in [S3Version::V0, S3Version::V1] {
        let built = s3::testing::provider("s3-credentials", version, &info);
        assert_eq!(built.1.len(), usize::from(version == S3Version::V1));
        let out = match version {
            S3Version::V0 => run::<S3UserV0>(built).0,
            S3Version::V1 => run::<S3UserV1>(built).0,
        };
        assert_eq!(out.unit_status(), &Status::active("history AKIA SECRET"), "{version:?}");
    }
    let asked = s3::testing::requirer(
        "s3-credentials",
        "spark-history-server-k8s",
        S3Version::V1,
        Some("logs"),
    );
    let (out, _) = run::<S3Integrator>((asked, Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("V1 Some(\"logs\")"));
    let asked = s3::testing::requirer("s3-credentials", "old-app", S3Version::V0, None);
    let (out, _) = run::<S3Integrator>((asked, Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("V0 None"));
}

// ---- azure_storage --------------------------------------------------------------------

test_charm!(
    AzureUser,
    "name: app\nrequires: {azure-storage-credentials: {interface: azure_storage, limit: 1}}\n",
    |ctx| {
        let azure = AzureStorageRequirer::new(
            "azure-storage-credentials",
            azure_storage::ContainerRequest {
                container: Some("logs".into()),
            },
        );
        let info = azure.reconcile(ctx)?.or_waiting("waiting for azure")?;
        ctx.add_status(Status::active(format!(
            "{} {}",
            info.derived_endpoint(),
            info.secret_key.expose()
        )));
        Ok(())
    }
);

test_charm!(
    AzureIntegrator,
    "name: azure-storage-integrator\nprovides: {azure-storage-credentials: {interface: azure_storage}}\n",
    |ctx| {
        for relation in AzureStorageProvider::new("azure-storage-credentials").requests(ctx)? {
            for request in relation.try_requests()? {
                ctx.add_status(Status::active(format!("{:?}", request.typed.container)));
            }
        }
        Ok(())
    }
);

#[test]
fn azure_storage_builders_match_both_charms() {
    let built = azure_storage::testing::provider(
        "azure-storage-credentials",
        "logs",
        "acct",
        "key==",
        ConnectionProtocol::Abfss,
    );
    let (out, _) = run::<AzureUser>(built);
    assert_eq!(
        out.unit_status(),
        &Status::active("abfss://logs@acct.dfs.core.windows.net/ key==")
    );
    let asked = azure_storage::testing::requirer("azure-storage-credentials", "spark", None);
    let id = asked.id;
    let (out, _) = run::<AzureIntegrator>((asked, Vec::new()));
    assert_eq!(out.unit_status(), &Status::active(format!("Some(\"relation-{id}\")")));
}

// ---- spark_service_account -----------------------------------------------------------

test_charm!(
    Kyuubi,
    "name: kyuubi-k8s\nrequires: {spark-service-account: {interface: spark_service_account, limit: 1}}\n",
    |ctx| {
        let request = charm_interfaces::spark_service_account::ServiceAccountRequest {
            namespace: "spark".into(),
            name: "kyuubi".into(),
            skip_creation: false,
        };
        let grant = SparkServiceAccountRequirer::new("spark-service-account", request)
            .reconcile(ctx)?
            .or_waiting("waiting for the hub")?;
        ctx.add_status(Status::active(format!(
            "{} {:?}",
            grant.service_account, grant.spark_properties
        )));
        Ok(())
    }
);

test_charm!(
    Hub,
    "name: spark-integration-hub-k8s\nprovides: {spark-service-account: {interface: spark_service_account}}\n",
    |ctx| {
        for relation in SparkServiceAccountProvider::new("spark-service-account").requests(ctx)? {
            for request in relation.try_requests()? {
                ctx.add_status(Status::active(request.typed.wire()));
            }
        }
        Ok(())
    }
);

#[test]
fn spark_service_account_builders_match_both_charms() {
    let built = spark_service_account::testing::provider(
        "spark-service-account",
        "spark",
        "kyuubi",
        &[("spark.executor.instances", "2")],
    );
    let (out, _) = run::<Kyuubi>(built);
    assert_eq!(
        out.unit_status(),
        &Status::active("spark:kyuubi {\"spark.executor.instances\": \"2\"}")
    );
    let asked = spark_service_account::testing::requirer("spark-service-account", "kyuubi-k8s", "spark", "kyuubi");
    let (out, _) = run::<Hub>((asked, Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("spark:kyuubi"));
}

// ---- COS --------------------------------------------------------------------------------

const OBSERVED_YAML: &str = "name: app
provides:
  metrics-endpoint: {interface: prometheus_scrape}
  grafana-dashboard: {interface: grafana_dashboard}
requires:
  logging: {interface: loki_push_api}
";

test_charm!(Observed, OBSERVED_YAML, |ctx| {
    let jobs = vec![ScrapeJob::on_port(9100, "/metrics")];
    MetricsEndpointProvider::new("metrics-endpoint", jobs, AlertRules::new()).reconcile(ctx)?;
    let dashboard = Dashboard::from_file("app.json", r#"{"title": "App"}"#)?;
    GrafanaDashboardProvider::new("grafana-dashboard", vec![dashboard]).reconcile(ctx)?;
    let loki = LokiConsumer::new("logging", AlertRules::new()).reconcile(ctx)?;
    let urls: Vec<String> = loki.iter().map(|e| format!("{} {}", e.unit, e.url)).collect();
    ctx.add_status(Status::active(urls.join(", ")));
    Ok(())
});

#[test]
fn cos_builders_feed_and_read_the_charms_relations() {
    let loki = cos::loki_provider("logging", "http://loki-0:3100/loki/api/v1/push");
    let prometheus = cos::prometheus_consumer("metrics-endpoint");
    let grafana = cos::grafana_consumer("grafana-dashboard");
    let state = charm_testing::State::default()
        .leader(true)
        .relation(loki)
        .relation(prometheus.clone())
        .relation(grafana.clone());
    let out = charm_testing::Context::<Observed>::new()
        .run(TestEvent::update_status(), state)
        .unwrap();
    assert_eq!(
        out.unit_status(),
        &Status::active("loki-k8s/0 http://loki-0:3100/loki/api/v1/push")
    );
    let jobs = cos::scrape_jobs(relation_in(&out, &prometheus)).unwrap();
    assert_eq!(jobs[0]["static_configs"][0]["targets"][0], "*:9100");
    let dashboards = cos::dashboards(relation_in(&out, &grafana)).unwrap();
    assert_eq!(dashboards[0].0, "file:app");
    assert!(dashboards[0].2.contains("\"App\""), "{:?}", dashboards[0].2);

    let two = cos::loki_provider_units("logging", &["http://a/push", "http://b/push"]);
    let state = charm_testing::State::default().leader(true).relation(two);
    let out = charm_testing::Context::<Observed>::new()
        .run(TestEvent::update_status(), state)
        .unwrap();
    assert_eq!(
        out.unit_status(),
        &Status::active("loki-k8s/0 http://a/push, loki-k8s/1 http://b/push")
    );
}

// ---- ingress ------------------------------------------------------------------------------

test_charm!(
    Web,
    "name: web\nrequires: {ingress: {interface: ingress, limit: 1}}\n",
    |ctx| {
        let url = IngressRequirer::new("ingress", 8080)
            .reconcile(ctx)?
            .or_waiting("waiting for ingress")?;
        ctx.add_status(Status::active(url));
        Ok(())
    }
);

test_charm!(
    Traefik,
    "name: traefik-k8s\nprovides: {ingress: {interface: ingress}}\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        for relation in ctx.relations("ingress")? {
            let label = charm_interfaces::error::RelationLabel::new(&relation, ctx.remote_app(&relation)?);
            let request = IngressRequest::decode(&ctx.remote_app_data(&relation)?, &label)?;
            let url = format!("http://ingress.example.com/{}-{}", request.model, request.name);
            ingress::publish_url(ctx, &leader, &relation, &label, &url)?;
            ctx.add_status(Status::active(format!("{url} -> :{}", request.port)));
        }
        Ok(())
    }
);

#[test]
fn ingress_builders_match_both_charms() {
    let (out, _) = run::<Web>((
        ingress::testing::provider("ingress", "http://example.com/m-web"),
        Vec::new(),
    ));
    assert_eq!(out.unit_status(), &Status::active("http://example.com/m-web"));

    let asked = ingress::testing::requirer("ingress", "web", 8080, 2);
    assert_eq!(
        asked.remote_units_data[&1]["host"],
        "\"web-1.web-endpoints.test-model.svc.cluster.local\""
    );
    let (out, relation) = run::<Traefik>((asked, Vec::new()));
    assert_eq!(
        out.unit_status(),
        &Status::active("http://ingress.example.com/test-model-web -> :8080")
    );
    let published = ingress::decode_url(
        &relation_in(&out, &relation).local_app_data,
        &charm_interfaces::error::RelationLabel::from_parts("ingress", relation.id.0, None),
    )
    .unwrap();
    assert_eq!(published.as_deref(), Some("http://ingress.example.com/test-model-web"));
}

// ---- auth_proxy and oauth -------------------------------------------------------------

fn proxy_config() -> AuthProxyConfig {
    AuthProxyConfig {
        protected_urls: vec!["https://example.com/app".into()],
        allowed_endpoints: vec!["health".into()],
        headers: vec![Header::User],
    }
}

test_charm!(
    Protected,
    "name: app\nrequires: {auth-proxy: {interface: auth_proxy, limit: 1}}\n",
    |ctx| {
        let related = AuthProxyRequirer::new("auth-proxy", proxy_config()).reconcile(ctx)?;
        ctx.add_status(Status::active(format!("related {related}")));
        Ok(())
    }
);

test_charm!(
    Oathkeeper,
    "name: oathkeeper\nprovides: {auth-proxy: {interface: auth_proxy}}\n",
    |ctx| {
        for relation in ctx.relations("auth-proxy")? {
            let label = charm_interfaces::error::RelationLabel::new(&relation, ctx.remote_app(&relation)?);
            let config = AuthProxyConfig::decode(&ctx.remote_app_data(&relation)?, &label)?;
            let urls = config.map(|c| c.protected_urls.join(",")).unwrap_or_default();
            ctx.add_status(Status::active(urls));
        }
        Ok(())
    }
);

#[test]
fn auth_proxy_builders_match_both_charms() {
    let (out, relation) = run::<Protected>((auth_proxy::testing::provider("auth-proxy"), Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("related true"));
    assert_eq!(
        auth_proxy::testing::written(relation_in(&out, &relation)).unwrap(),
        Some(proxy_config())
    );
    let asked = auth_proxy::testing::requirer("auth-proxy", "app", &proxy_config()).unwrap();
    let (out, _) = run::<Oathkeeper>((asked, Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("https://example.com/app"));
}

fn client_config() -> ClientConfig {
    ClientConfig::new(
        "https://app.example.com/callback",
        "openid email",
        &["authorization_code"],
    )
}

test_charm!(
    OAuthClient,
    "name: app\nrequires: {oauth: {interface: oauth, limit: 1}}\n",
    |ctx| {
        let info = OAuthRequirer::new("oauth", client_config())
            .reconcile(ctx)?
            .or_waiting("waiting for hydra")?;
        let client = info
            .client
            .map(|(id, secret)| format!("{id}:{}", secret.expose()))
            .unwrap_or_default();
        ctx.add_status(Status::active(format!("{} {client}", info.provider.token_endpoint)));
        Ok(())
    }
);

test_charm!(Hydra, "name: hydra\nprovides: {oauth: {interface: oauth}}\n", |ctx| {
    for relation in ctx.relations("oauth")? {
        let label = charm_interfaces::error::RelationLabel::new(&relation, ctx.remote_app(&relation)?);
        let config = ClientConfig::decode(&ctx.remote_app_data(&relation)?, &label)?;
        ctx.add_status(Status::active(config.map(|c| c.redirect_uri).unwrap_or_default()));
    }
    Ok(())
});

#[test]
fn oauth_builders_match_both_charms() {
    let info = oauth::testing::hydra_info("https://iam.example.com/");
    let (out, _) = run::<OAuthClient>(oauth::testing::provider("oauth", &info, Some(("client-1", "s3cr3t"))));
    assert_eq!(
        out.unit_status(),
        &Status::active("https://iam.example.com/oauth2/token client-1:s3cr3t")
    );
    let (out, _) = run::<OAuthClient>(oauth::testing::provider("oauth", &info, None));
    assert_eq!(
        out.unit_status(),
        &Status::active("https://iam.example.com/oauth2/token ")
    );

    let asked = oauth::testing::requirer("oauth", "app", &client_config()).unwrap();
    let (out, _) = run::<Hydra>((asked, Vec::new()));
    assert_eq!(out.unit_status(), &Status::active("https://app.example.com/callback"));
}
