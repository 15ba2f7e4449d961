//! data_interfaces v1 on the wire, against the bytes the Python v1 library writes.
//!
//! The constants below were produced by running data-platform-libs
//! `lib/charms/data_platform_libs/v1/data_interfaces.py` (LIBAPI 1, LIBPATCH 3) with ops 3.9,
//! pydantic 2.13 and ops-scenario 8.9: a `ResourceRequirerEventHandler` with
//! `KafkaRequestModel(resource="events", salt="0123456789abcdef",
//! extra_user_roles="producer")`, and a `ResourceProviderEventHandler` answering it with
//! `KafkaResponseModel(username="relation-7", password="pw", endpoints="k:9092", tls=False,
//! consumer_group_prefix="relation-7-")`. Secret URIs are replaced by `{user}`, `{tls}`,
//! `{extra}`. The same run showed that the Python v1 provider answers v1 to a bag that
//! also holds the flat v0 request (the fallback layout), identically.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use charm_interfaces::dataplatform::kafka::{KafkaProvider, KafkaRequirer, KafkaResponse, TopicRequest};
use charm_interfaces::dataplatform::{testing, Credentials, FlagSpelling, RequirerProtocol, Tls};
use charm_sdk::prelude::*;
use charm_testing::{Relation, RunOutput, Secret, TestEvent};
use interop_support::{
    ask, assert_called, hand_over, provider_answers, read_back, relation_in, rerun, run_leader, test_charm,
    without_juju_keys,
};
use juju_model::{Databag, StatusKind};

const SALT: &str = "0123456789abcdef";
const REQUEST_ID: &str = "057678bf9c162eb0";
const PY_REQUESTS: &str = r#"[{"resource": "events", "request-id": "057678bf9c162eb0", "salt": "0123456789abcdef", "extra-user-roles": "producer", "extra-group-roles": null, "external-node-connectivity": false, "entity-type": null, "entity-permissions": null, "secret-mtls": null, "consumer-group-prefix": null}]"#;
const PY_PROVIDER_DATA: &str = r#"{"057678bf9c162eb0": {"resource": "events", "request-id": "057678bf9c162eb0", "salt": "0123456789abcdef", "extra-user-roles": "producer"}}"#;
const PY_RESPONSES: &str = r#"[{"resource": "events", "request-id": "057678bf9c162eb0", "salt": "0123456789abcdef", "endpoints": "k:9092", "read-only-endpoints": null, "secret-user": "{user}", "secret-tls": "{tls}", "secret-extra": "{extra}", "secret-entity": null, "version": null}]"#;
const PY_REQUIRER_DATA: &str = r#"{"057678bf9c162eb0": {"resource": "events", "request-id": "057678bf9c162eb0", "salt": "0123456789abcdef", "endpoints": "k:9092", "secret-user": "{user}", "secret-tls": "{tls}", "secret-extra": "{extra}"}}"#;

const CLIENT_YAML: &str = "name: client\nrequires: {kafka-cluster: {interface: kafka_client, limit: 1}}\n";
const BROKER_YAML: &str = "name: kafka\nprovides: {kafka-client: {interface: kafka_client}}\n";

fn client(ctx: &mut charm_sdk::Context<'_, impl Charm>, protocol: RequirerProtocol) -> Result<(), Stop> {
    let kafka = KafkaRequirer::new("kafka-cluster", TopicRequest::new("events").roles("producer"))
        .protocol(protocol)
        .salt(SALT);
    let conn = kafka.reconcile(ctx)?.or_blocked("needs kafka")?;
    ctx.add_status(Status::active(format!(
        "{} {} {} tls={:?} prefix={:?}",
        conn.credentials.username,
        conn.credentials.password.expose(),
        conn.endpoints,
        conn.tls.map(|t| t.enabled),
        conn.consumer_group_prefix
    )));
    Ok(())
}

test_charm!(V1Client, CLIENT_YAML, |ctx| { client(ctx, RequirerProtocol::V1) });
test_charm!(FallbackClient, CLIENT_YAML, |ctx| {
    client(ctx, RequirerProtocol::V1WithV0Fallback)
});

test_charm!(Broker, BROKER_YAML, |ctx| {
    let provider = KafkaProvider::new("kafka-client");
    let Some(leader) = ctx.leader()? else { return Ok(()) };
    for relation in provider.requests(ctx)? {
        for request in relation.try_requests()? {
            let response = KafkaResponse {
                endpoints: "k:9092".into(),
                credentials: Credentials::new("relation-7", "pw"),
                consumer_group_prefix: Some("relation-7-".into()),
                zookeeper_uris: None,
                tls: Some(Tls::disabled()),
                tls_spelling: FlagSpelling::EnabledDisabled,
                entity: None,
            };
            provider.publish(ctx, &leader, &relation, request, &response)?;
            if let Some(cert) = provider.mtls_cert(ctx, &relation, request)? {
                ctx.add_status(Status::active(format!("mtls {} bytes", cert.len())));
            }
        }
    }
    Ok(())
});

const ACTIVE: &str = "relation-7 pw k:9092 tls=Some(false) prefix=Some(\"relation-7-\")";

fn client_rel() -> Relation {
    Relation::new("kafka-cluster")
        .interface("kafka_client")
        .remote_app("kafka")
}

/// `text` with the provider's secret URIs (by the group in their label) put in.
fn with_uris(text: &str, out: &RunOutput, id: u32) -> String {
    ["user", "tls", "extra"].iter().fold(text.to_owned(), |acc, group| {
        let label = format!("kafka-client.{id}.{REQUEST_ID}.{group}.secret");
        let uri = out.state.secret_by_label(&label).expect("secret").uri();
        acc.replace(&format!("{{{group}}}"), &uri)
    })
}

#[test]
fn the_v1_request_is_the_python_librarys_bytes() {
    let (out, asked) = ask::<V1Client>(&client_rel());
    let expected: Databag = [("version", "v1"), ("requests", PY_REQUESTS)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(asked.local_app_data, expected);
    assert!(
        without_juju_keys(&asked.local_unit_data).is_empty(),
        "no v0 lists, no data before an answer: {:?}",
        asked.local_unit_data
    );
    assert_eq!(out.unit_status().kind, StatusKind::Waiting, "{:?}", out.unit_status());

    // Reconciling again keeps the salt, hence the request id, and writes nothing.
    let again = rerun::<V1Client>(&out);
    assert_eq!(again.calls_to("relation-set"), 0, "{:?}", again.calls);
}

#[test]
fn the_v1_answer_is_the_python_librarys_bytes() {
    let rel = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("client")
        .remote_app_data([("version", "v1"), ("requests", PY_REQUESTS)]);
    let out = run_leader::<Broker>(TestEvent::relation_changed(&rel), &rel, Vec::new());
    let answer = &relation_in(&out, &rel).local_app_data;
    assert_eq!(answer["version"], "v1");
    assert_eq!(answer["data"], PY_PROVIDER_DATA);
    assert_eq!(answer["requests"], with_uris(PY_RESPONSES, &out, rel.id.0));
    assert_eq!(answer.len(), 3, "{answer:?}");
    let content = |group: &str| {
        out.state
            .secret_by_label(&format!("kafka-client.{}.{REQUEST_ID}.{group}.secret", rel.id))
            .unwrap()
            .newest_content()
            .clone()
    };
    assert_eq!(content("user")["username"], "relation-7");
    assert_eq!(content("user")["password"], "pw");
    assert_eq!(content("tls")["tls"], "false", "TlsSecretBool: a JSON boolean");
    assert_eq!(content("extra")["consumer-group-prefix"], "relation-7-");

    let again = rerun::<Broker>(&out);
    assert_eq!(again.calls_to("relation-set") + again.calls_to("secret-set"), 0);
}

#[test]
fn the_python_providers_answer_reads_back_with_v1_labels() {
    let rel = client_rel();
    let secrets = [
        ("user", vec![("username", "relation-7"), ("password", "pw")]),
        ("tls", vec![("tls", "false")]),
        ("extra", vec![("consumer-group-prefix", "relation-7-")]),
    ]
    .map(|(group, content)| (group, Secret::new(content).granted_by(&rel)));
    let fill = |text: &str| {
        secrets.iter().fold(text.to_owned(), |acc, (g, s)| {
            acc.replace(&format!("{{{g}}}"), &s.uri())
        })
    };
    let rel = rel.remote_app_data([
        ("version", "v1".to_owned()),
        ("requests", fill(PY_RESPONSES)),
        ("data", PY_PROVIDER_DATA.to_owned()),
    ]);
    let out = run_leader::<V1Client>(
        TestEvent::relation_changed(&rel),
        &rel,
        secrets.iter().map(|(_, s)| s.clone()).collect(),
    );
    assert_eq!(out.unit_status(), &Status::active(ACTIVE));
    assert_eq!(
        relation_in(&out, &rel).local_unit_data["data"],
        fill(PY_REQUIRER_DATA),
        "the unit's bookkeeping is the Python requirer's"
    );
    let label = format!("kafka-cluster.{}.{REQUEST_ID}.user.secret", rel.id);
    assert_called(&out, "secret-get", &label);

    // A non-leader unit cannot read its application's bag: it finds the response by
    // resource and keeps only its own bookkeeping.
    let mut state = charm_testing::State::default().relation(rel.clone());
    state.secrets = secrets.iter().map(|(_, s)| s.clone()).collect();
    let follower = charm_testing::Context::<V1Client>::new()
        .run(TestEvent::relation_changed(&rel), state)
        .unwrap();
    assert_eq!(follower.unit_status(), &Status::active(ACTIVE));
    assert!(relation_in(&follower, &rel).local_app_data.is_empty());
}

#[test]
fn our_v1_requirer_and_provider_agree() {
    let (client_out, asked) = ask::<V1Client>(&client_rel());
    let (broker_out, broker_rel) = provider_answers::<Broker>(&asked, "kafka-client", "kafka_client", "client");
    let out = read_back::<V1Client>(&client_out, &asked, &broker_out, &broker_rel);
    assert_eq!(out.unit_status(), &Status::active(ACTIVE));
    let again = rerun::<V1Client>(&out);
    assert_eq!(again.calls_to("relation-set"), 0, "{:?}", again.calls);
}

#[test]
fn the_fallback_layout_gets_v1_from_v1_providers_and_v0_from_v0_providers() {
    let (client_out, asked) = ask::<FallbackClient>(&client_rel());
    let app = &asked.local_app_data;
    assert_eq!(app["version"], "v1");
    assert_eq!(app["requests"], PY_REQUESTS);
    assert_eq!(app["topic"], "events");
    assert_eq!(app["extra-user-roles"], "producer");
    assert!(app["requested-secrets"].starts_with(r#"["username", "password""#));

    // A v1 provider picks v1 by `version`.
    let (broker_out, broker_rel) = provider_answers::<Broker>(&asked, "kafka-client", "kafka_client", "client");
    let answered = &relation_in(&broker_out, &broker_rel).local_app_data;
    assert_eq!(answered["version"], "v1");
    assert!(!answered.contains_key("topic"), "no flat answer: {answered:?}");
    let out = read_back::<FallbackClient>(&client_out, &asked, &broker_out, &broker_rel);
    assert_eq!(out.unit_status(), &Status::active(ACTIVE));

    // A v0 provider (kafka-k8s on the v0 library) answers the flat request.
    let (v0, secrets) =
        testing::kafka_provider_with_credentials("kafka-cluster", "events", "relation-7", "pw", "k:9092");
    let out = run_leader::<FallbackClient>(TestEvent::relation_changed(&v0), &v0, secrets);
    assert_eq!(
        out.unit_status(),
        &Status::active("relation-7 pw k:9092 tls=Some(false) prefix=Some(\"relation-7-\")")
    );
    assert!(relation_in(&out, &v0).local_unit_data["data"].contains("\"secret-user\": \"secret:"));

    // The v1-only requirer waits for that provider, as the Python v1 library does.
    let out = run_leader::<V1Client>(TestEvent::relation_changed(&v0), &v0, Vec::new());
    assert_eq!(out.unit_status().kind, StatusKind::Waiting, "{:?}", out.unit_status());
}

test_charm!(MtlsClient, CLIENT_YAML, |ctx| {
    let mut request = TopicRequest::new("events");
    request.mtls_cert = Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into());
    KafkaRequirer::new("kafka-cluster", request)
        .protocol(RequirerProtocol::V1WithV0Fallback)
        .salt(SALT)
        .request(ctx)?;
    Ok(())
});

#[test]
fn v1_mtls_certificates_travel_in_a_per_request_secret() {
    let (client_out, asked) = ask::<MtlsClient>(&client_rel());
    let label = format!("kafka-cluster.{}.{REQUEST_ID}.mtls.secret", asked.id);
    let secret = client_out.state.secret_by_label(&label).expect("v1 mtls secret");
    assert!(asked.local_app_data["requests"].contains(&format!("\"secret-mtls\": \"{}\"", secret.uri())));
    assert_eq!(
        asked.local_app_data["secret-mtls"],
        secret.uri(),
        "the flat layout points at the same secret"
    );
    assert!(!asked.local_app_data.contains_key("mtls-cert"));

    // The broker reads it with its v1 label.
    let broker_rel = Relation::new("kafka-client")
        .interface("kafka_client")
        .remote_app("client");
    let (broker_rel, secrets) = hand_over(&client_out, &asked, broker_rel);
    let out = run_leader::<Broker>(TestEvent::relation_changed(&broker_rel), &broker_rel, secrets);
    assert_eq!(out.unit_status(), &Status::active("mtls 58 bytes"), "{:?}", out.calls);
    let broker_label = format!("kafka-client.{}.{REQUEST_ID}.mtls.secret", broker_rel.id);
    assert_called(&out, "secret-get", &broker_label);
}
