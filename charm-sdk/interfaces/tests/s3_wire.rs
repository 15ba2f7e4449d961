//! s3 (v0 and v1), azure_storage and spark_service_account: both sides through charm runs,
//! bags validated against the reference schemas, real-shaped bags read back, and every
//! decoder over arbitrary bags.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::collections::BTreeMap;

use charm_interfaces::azure_storage::{
    AzureStorage, AzureStorageInfo, AzureStorageProvider, AzureStorageRequirer, ConnectionProtocol, ContainerRequest,
};
use charm_interfaces::dataplatform::requirer::Answer;
use charm_interfaces::dataplatform::Interface;
use charm_interfaces::error::RelationLabel;
use charm_interfaces::s3::{decode_request, S3Info, S3Provider, S3Requirer, S3Version, UriStyle};
use charm_interfaces::spark_service_account::{
    ServiceAccountGrant, ServiceAccountRequest, SparkServiceAccount, SparkServiceAccountProvider,
    SparkServiceAccountRequirer,
};
use charm_sdk::prelude::*;
use charm_testing::Relation;
use interop_support::{ask, bag, provider_answers, read_back, relation_in, test_charm, validate};
use juju_model::{Databag, StatusKind};
use proptest::prelude::*;

// ---- s3 --------------------------------------------------------------------------------

struct S3Client<const V1: bool>;

impl<const V1: bool> Charm for S3Client<V1> {
    const CHARMCRAFT: &'static str =
        "name: spark-history-server-k8s\nrequires: {s3-credentials: {interface: s3, limit: 1}}\n";
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        S3Client
    }

    fn reconcile(&self, ctx: &mut charm_sdk::Context<'_, Self>) -> Result<(), Stop> {
        let version = if V1 { S3Version::V1 } else { S3Version::V0 };
        let s3 = S3Requirer::new("s3-credentials", version, None).with_path("spark-events");
        let info = s3.reconcile(ctx)?.or_blocked("needs s3")?;
        ctx.add_status(Status::active(format!(
            "{} {:?}",
            info.endpoint.unwrap_or_default(),
            info.tls_ca_chain
        )));
        Ok(())
    }
}

test_charm!(
    S3Integrator,
    "name: s3-integrator\nprovides: {s3-credentials: {interface: s3}}\n",
    |ctx| {
        let provider = S3Provider::new("s3-credentials");
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        for request in provider.requests(ctx)? {
            let request = request?;
            let info = S3Info {
                access_key: "AKIAEXAMPLE".into(),
                secret_key: "wJalrXUtnFEMI/K7MDENG".into(),
                bucket: Some(request.requested_bucket().unwrap_or("history").to_owned()),
                endpoint: Some("https://s3.example.com".into()),
                region: Some("eu-west-1".into()),
                uri_style: Some(UriStyle::Path),
                tls_ca_chain: Some(vec![
                    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into()
                ]),
                attributes: Some(vec!["x-amz-acl:private".into()]),
                ..S3Info::default()
            };
            provider.publish(ctx, &leader, &request, &info)?;
        }
        Ok(())
    }
);

fn client_rel() -> Relation {
    Relation::new("s3-credentials")
        .interface("s3")
        .remote_app("s3-integrator")
}

#[test]
fn s3_v0_round_trip_with_plaintext_keys() {
    let rel = client_rel();
    let (client, asked) = ask::<S3Client<false>>(&rel);
    let asked = &asked;
    assert_eq!(
        asked.local_app_data,
        bag(&[("bucket", &format!("relation-{}", rel.id))])
    );
    validate("s3-v0-requirer", &asked.local_app_data, None);

    let (prov, prov_rel) = provider_answers::<S3Integrator>(asked, "s3-credentials", "s3", "spark");
    let answer = &relation_in(&prov, &prov_rel).local_app_data;
    assert_eq!(answer["access-key"], "AKIAEXAMPLE");
    assert_eq!(
        answer["bucket"], "history",
        "a v0 requirer's generated bucket is ignored"
    );
    assert_eq!(
        answer["tls-ca-chain"],
        r#"["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"]"#
    );
    assert!(answer.contains_key("data"));
    validate("s3-v0-provider", answer, None);
    assert_eq!(prov.calls_to("secret-add"), 0);

    let out = read_back::<S3Client<false>>(&client, asked, &prov, &prov_rel);
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{:?}", out.unit_status());
}

#[test]
fn s3_v1_round_trip_with_secret_extra() {
    let rel = client_rel();
    let (client, asked) = ask::<S3Client<true>>(&rel);
    let asked = &asked;
    assert_eq!(asked.local_app_data["lib-version"], "1.0");
    assert_eq!(
        asked.local_app_data["requested-secrets"],
        r#"["access-key", "secret-key"]"#
    );
    assert_eq!(asked.local_app_data["path"], "spark-events");
    validate("s3-v1-requirer", &asked.local_app_data, Some(&asked.local_unit_data));

    let (prov, prov_rel) = provider_answers::<S3Integrator>(asked, "s3-credentials", "s3", "spark");
    let answer = &relation_in(&prov, &prov_rel).local_app_data;
    assert!(!answer.contains_key("access-key") && !answer.contains_key("secret-key"));
    assert_eq!(answer["lib-version"], "1.0");
    validate("s3-v1-provider", answer, None);
    let secret = prov
        .state
        .secret_by_label(&format!("s3-credentials.{}.extra.secret", prov_rel.id))
        .unwrap();
    assert_eq!(
        secret.newest_content().keys().collect::<Vec<_>>(),
        ["access-key", "secret-key"]
    );

    let out = read_back::<S3Client<true>>(&client, asked, &prov, &prov_rel);
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{:?}", out.unit_status());
    assert!(out.unit_status().message.contains("https://s3.example.com"));
}

#[test]
fn s3_integrator_bag_reads_back() {
    // s3-integrator (v0 lib) after `juju config s3-integrator tls-ca-chain=...`.
    let provider = bag(&[
        ("access-key", "AKIA"),
        ("secret-key", "SECRET"),
        ("bucket", "relation-7"),
        ("endpoint", "http://10.0.0.1:9000"),
        ("s3-uri-style", "path"),
        ("delete-older-than-days", "7"),
        ("attributes", r#"["a:1", "b:2"]"#),
        (
            "tls-ca-chain",
            r#"["-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----"]"#,
        ),
        ("data", r#"{"bucket": "relation-7"}"#),
    ]);
    validate("s3-v0-provider", &provider, None);
    let info = S3Info::decode(
        &provider,
        &RelationLabel::from_parts("s3-credentials", 7, Some("s3-integrator")),
    )
    .unwrap();
    assert_eq!(info.delete_older_than_days, Some(7));
    assert_eq!(info.tls_ca_chain.unwrap().len(), 2);
    assert_eq!(info.access_key.expose(), "AKIA");
}

// ---- azure_storage ---------------------------------------------------------------------

test_charm!(
    AzureClient,
    "name: spark-history-server-k8s\nrequires: {azure-storage-credentials: {interface: azure_storage, limit: 1}}\n",
    |ctx| {
        let azure = AzureStorageRequirer::new("azure-storage-credentials", ContainerRequest::default());
        let info = azure.reconcile(ctx)?.or_blocked("needs azure")?;
        ctx.add_status(Status::active(info.derived_endpoint()));
        Ok(())
    }
);

test_charm!(
    AzureIntegrator,
    "name: azure-storage-integrator\nprovides: {azure-storage-credentials: {interface: azure_storage}}\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        AzureStorageProvider::new("azure-storage-credentials").answer_all(ctx, &leader, |_, request| {
            Some(AzureStorageInfo {
                container: request.typed.container.clone().unwrap_or_default(),
                storage_account: "sparkstore".into(),
                secret_key: "azure-key==".into(),
                connection_protocol: ConnectionProtocol::Abfss,
                endpoint: None,
                path: Some("spark-events".into()),
                resource_group: None,
            })
        })?;
        Ok(())
    }
);

#[test]
fn azure_storage_both_sides() {
    let rel = Relation::new("azure-storage-credentials")
        .interface("azure_storage")
        .remote_app("azure-storage-integrator");
    let (client, asked) = ask::<AzureClient>(&rel);
    let asked = &asked;
    assert_eq!(asked.local_app_data["container"], format!("relation-{}", rel.id));
    assert_eq!(asked.local_app_data["requested-secrets"], r#"["secret-key"]"#);
    assert_eq!(
        asked.local_app_data["provided-secrets"],
        r#"["username", "password", "uris", "read-only-uris", "tls", "tls-ca", "mtls-cert", "entity-name", "entity-password"]"#
    );
    validate(
        "azure_storage-v0-requirer",
        &asked.local_app_data,
        Some(&asked.local_unit_data),
    );

    let (prov, prov_rel) =
        provider_answers::<AzureIntegrator>(asked, "azure-storage-credentials", "azure_storage", "spark");
    let answer = &relation_in(&prov, &prov_rel).local_app_data;
    assert_eq!(
        answer["endpoint"],
        format!("abfss://relation-{}@sparkstore.dfs.core.windows.net/", rel.id)
    );
    assert!(answer["secret-extra"].starts_with("secret:"));
    validate("azure_storage-v0-provider", answer, None);

    let out = read_back::<AzureClient>(&client, asked, &prov, &prov_rel);
    assert_eq!(out.unit_status().kind, StatusKind::Active, "{:?}", out.unit_status());
}

// ---- spark_service_account -------------------------------------------------------------

test_charm!(
    Kyuubi,
    "name: kyuubi-k8s\nrequires: {spark-service-account: {interface: spark_service_account, limit: 1}}\n",
    |ctx| {
        let request = ServiceAccountRequest {
            namespace: "spark".into(),
            name: "kyuubi".into(),
            skip_creation: false,
        };
        let hub = SparkServiceAccountRequirer::new("spark-service-account", request);
        let grant = hub.reconcile(ctx)?.or_blocked("needs the integration hub")?;
        ctx.add_status(Status::active(format!("{} props", grant.spark_properties.len())));
        Ok(())
    }
);

test_charm!(
    Hub,
    "name: spark-integration-hub-k8s\nprovides: {spark-service-account: {interface: spark_service_account}}\n",
    |ctx| {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        SparkServiceAccountProvider::new("spark-service-account").answer_all(ctx, &leader, |_, request| {
            Some(ServiceAccountGrant {
                service_account: request.typed.wire(),
                spark_properties: BTreeMap::from([
                    ("spark.kubernetes.namespace".to_owned(), "spark".to_owned()),
                    ("spark.eventLog.enabled".to_owned(), "true".to_owned()),
                ]),
                resource_manifest: Some("apiVersion: v1\nkind: ServiceAccount\n".into()),
            })
        })?;
        Ok(())
    }
);

#[test]
fn spark_service_account_both_sides() {
    let rel = Relation::new("spark-service-account")
        .interface("spark_service_account")
        .remote_app("integration-hub");
    let (client, asked) = ask::<Kyuubi>(&rel);
    let asked = &asked;
    assert_eq!(asked.local_app_data["service-account"], "spark:kyuubi");
    assert_eq!(asked.local_app_data["skip-creation"], "false");
    assert!(asked.local_app_data["requested-secrets"]
        .ends_with(r#""entity-password", "spark-properties", "resource-manifest"]"#));
    validate(
        "spark_service_account-v0-requirer",
        &asked.local_app_data,
        Some(&asked.local_unit_data),
    );

    let (prov, prov_rel) = provider_answers::<Hub>(asked, "spark-service-account", "spark_service_account", "kyuubi");
    let answer = &relation_in(&prov, &prov_rel).local_app_data;
    validate("spark_service_account-v0-provider", answer, None);
    let extra = prov
        .state
        .secret_by_label(&format!("spark-service-account.{}.extra.secret", prov_rel.id))
        .unwrap();
    assert_eq!(
        extra.newest_content()["spark-properties"],
        r#"{"spark.eventLog.enabled": "true", "spark.kubernetes.namespace": "spark"}"#
    );

    let out = read_back::<Kyuubi>(&client, asked, &prov, &prov_rel);
    assert_eq!(out.unit_status(), &Status::active("2 props"));
}

// ---- decoders over arbitrary bags --------------------------------------------------------

fn bags() -> impl Strategy<Value = Databag> {
    const KEYS: [&str; 19] = [
        "bucket",
        "path",
        "lib-version",
        "requested-secrets",
        "access-key",
        "secret-key",
        "tls-ca-chain",
        "attributes",
        "delete-older-than-days",
        "s3-uri-style",
        "container",
        "storage-account",
        "connection-protocol",
        "secret-key",
        "service-account",
        "skip-creation",
        "spark-properties",
        "resource-manifest",
        "secret-extra",
    ];
    let key = prop_oneof![
        proptest::sample::select(&KEYS[..]).prop_map(str::to_owned),
        "[a-z-]{1,10}"
    ];
    let value = prop_oneof![
        any::<String>(),
        Just("[\"a\", 1]".to_owned()),
        Just("{\"a\": [1]}".to_owned()),
        Just("1.0".to_owned()),
        "[\\[\\]{}\":,0-9a-z]{0,16}"
    ];
    proptest::collection::btree_map(key, value, 0..10)
}

fn answer(fields: Databag) -> Answer {
    Answer {
        relation: charm_sdk::Relation {
            id: juju_model::RelationId(1),
            endpoint: "x".into(),
            peer: false,
        },
        label: RelationLabel::from_parts("x", 1, None),
        fields,
    }
}

proptest! {
    #[test]
    fn storage_decoders_never_panic(bag in bags()) {
        let label = RelationLabel::from_parts("x", 1, None);
        let _ = S3Info::decode(&bag, &label);
        let rel = charm_sdk::Relation { id: juju_model::RelationId(1), endpoint: "x".into(), peer: false };
        let _ = decode_request(rel, label.clone(), bag.clone());
        let a = answer(bag.clone());
        let _ = AzureStorage::decode_answer(&a);
        let _ = SparkServiceAccount::decode_answer(&a);
        for spec in [&charm_interfaces::azure_storage::AZURE_STORAGE, &charm_interfaces::spark_service_account::SPARK_SERVICE_ACCOUNT] {
            if let Ok(data) = charm_interfaces::dataplatform::request::decode_requirer_bag(&bag, spec, &label) {
                for raw in &data.requests {
                    let _ = AzureStorage::decode_request(raw, &label);
                    let _ = SparkServiceAccount::decode_request(raw, &label);
                }
            }
        }
    }
}
