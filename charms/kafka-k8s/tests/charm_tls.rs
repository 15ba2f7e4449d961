//! TLS, mTLS and OAuth, in-process: the SASL_SSL listener and the stores once a certificate
//! arrives, the full chain trusted and sent to clients, mTLS with client CAs, a renewal
//! loaded without restart, and the OAUTHBEARER listener only with an oauth relation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charm_support;

use std::collections::BTreeSet;
use std::time::Duration;

use charm_interfaces::tls::{testing as tls_testing, CertificateAuthority};
use charm_sdk::Status;
use charm_support::*;
use charm_testing::{assert_status, Relation, RunOutput, TestEvent};

const DAY: Duration = Duration::from_secs(86_400);
const KEYSTORE: &str = "/etc/kafka/keystore.p12";
const TRUSTSTORE: &str = "/etc/kafka/truststore.jks";

/// A running leader with a client, then a certificates relation answered by `ca`.
fn tls_world(ca: &CertificateAuthority) -> (RunOutput, Relation, Relation) {
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let client = charm_interfaces::dataplatform::testing::kafka_client_requirer("kafka-client", "orders", "producer");
    let out = run(
        TestEvent::relation_changed(&client),
        first.state.relation(client.clone()),
    );
    let certs = tls_testing::provider_relation("certificates");
    let out = run(TestEvent::relation_created(&certs), out.state.relation(certs.clone()));
    assert_status(&out, Status::waiting("waiting for a signed certificate"));
    let asked = out.state.get_relation(&certs).unwrap().clone();
    let answered = tls_testing::answer_requests(&asked, ca, 30 * DAY).unwrap();
    let out = run(
        TestEvent::relation_changed(&answered),
        replace_relation(out.state, answered.clone()),
    );
    (out, client, answered)
}

#[test]
fn a_certificate_brings_sasl_ssl_listeners_and_stores() {
    reset();
    let root = CertificateAuthority::new_root("root-ca", 365 * DAY).unwrap();
    let issuer = root.new_intermediate("intermediate-ca", 365 * DAY).unwrap();
    let (out, client, _) = tls_world(&issuer);
    assert_status(&out, Status::active(""));

    let kafka = &out.state.get_container("kafka").unwrap().state;
    for path in [KEYSTORE, TRUSTSTORE] {
        let entry = &kafka.files[path];
        assert_eq!(entry.permissions, 0o600, "{path}");
        assert_eq!(entry.owner.user.as_deref(), Some("kafka"), "{path}");
        assert!(!entry.content.is_empty());
    }
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains("CLIENT_SASL_SSL_SCRAM_SHA_512://0.0.0.0:9093"),
        "{props}"
    );
    assert!(
        props.contains("INTERNAL_SASL_SSL_SCRAM_SHA_512://0.0.0.0:19093"),
        "{props}"
    );
    assert!(
        props.contains("ssl.keystore.location=/etc/kafka/keystore.p12"),
        "{props}"
    );
    assert!(!props.contains("CLIENT_SASL_PLAINTEXT"), "{props}");

    // Clients: TLS on, the whole chain as tls-ca, the TLS port.
    let id = client.id.0;
    let tls = out
        .state
        .secret_by_label(&format!("kafka-client.{id}.tls.secret"))
        .unwrap()
        .newest_content()
        .clone();
    assert_eq!(tls["tls"], "enabled");
    assert!(
        tls["tls-ca"].contains(issuer.certificate().trim()),
        "the issuing CA is sent"
    );
    assert!(
        tls["tls-ca"].contains(root.certificate().trim()),
        "and the root of the chain"
    );
    let bag = &out.state.get_relation(&client).unwrap().local_app_data;
    assert_eq!(bag["endpoints"], "kafka-k8s-0.kafka-k8s-endpoints:9093");
    // The running broker took the new listeners through a restart.
    assert!(starts(&out) >= 3, "first start, client listener, TLS");
}

#[test]
fn a_renewed_certificate_is_reloaded_without_a_restart() {
    reset();
    let ca = CertificateAuthority::new_root("ca", 365 * DAY).unwrap();
    let (out, _, answered) = tls_world(&ca);
    let before_starts = starts(&out);
    let keystore_before = out.state.get_container("kafka").unwrap().state.files[KEYSTORE]
        .content
        .clone();

    // The provider re-issues for the same request (a renewal from a rotated CA).
    let mut cleared = answered.clone();
    cleared.remote_app_data.clear();
    let ca2 = CertificateAuthority::new_root("ca-2", 365 * DAY).unwrap();
    let reissued = tls_testing::answer_requests(&cleared, &ca2, 30 * DAY).unwrap();
    let state = allow_reload(replace_relation(out.state.clone(), reissued.clone()));
    let out = run(TestEvent::relation_changed(&reissued), state);
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_ne!(kafka.files[KEYSTORE].content, keystore_before, "keystore rebuilt");
    assert_eq!(starts(&out), before_starts, "no restart for a renewal");
    let reload = kafka
        .exec_calls
        .iter()
        .find(|c| c.command[0].ends_with("kafka-configs.sh"))
        .expect("a dynamic reload");
    let args = reload.command.join(" ");
    assert!(args.contains("--entity-type brokers --entity-name 0 --alter"), "{args}");
    assert!(
        args.contains("listener.name.client_sasl_ssl_scram_sha_512.ssl.truststore.location=/etc/kafka/truststore.jks"),
        "{args}"
    );
}

#[test]
fn client_cas_enable_the_mtls_listener() {
    reset();
    let ca = CertificateAuthority::new_root("ca", 365 * DAY).unwrap();
    let (out, _, _) = tls_world(&ca);
    let client_ca = CertificateAuthority::new_root("clients-ca", 365 * DAY).unwrap();
    let cas: BTreeSet<String> = [client_ca.certificate().to_owned()].into();
    let transfer =
        charm_interfaces::certificate_transfer::testing::provider_relation("client-cas", &cas, true).unwrap();
    let truststore_before = out.state.get_container("kafka").unwrap().state.files[TRUSTSTORE]
        .content
        .clone();
    let out = run(
        TestEvent::relation_changed(&transfer),
        out.state.relation(transfer.clone()),
    );

    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(props.contains("CLIENT_SSL_SSL://0.0.0.0:9094"), "{props}");
    let kafka = &out.state.get_container("kafka").unwrap().state;
    assert_ne!(
        kafka.files[TRUSTSTORE].content, truststore_before,
        "the client CA joined the truststore"
    );
    // The requirer announced v1 on the relation.
    assert_eq!(
        out.state.get_relation(&transfer).unwrap().local_app_data["version"],
        "1"
    );
    assert_status(&out, Status::active(""));
}

#[test]
fn without_tls_client_cas_add_no_listener() {
    reset();
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let client_ca = CertificateAuthority::new_root("clients-ca", 365 * DAY).unwrap();
    let cas: BTreeSet<String> = [client_ca.certificate().to_owned()].into();
    let transfer =
        charm_interfaces::certificate_transfer::testing::provider_relation("client-cas", &cas, true).unwrap();
    let out = run(TestEvent::relation_changed(&transfer), first.state.relation(transfer));
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        !props.contains("SSL_SSL"),
        "mTLS needs the brokers' own certificate first: {props}"
    );
}

#[test]
fn the_oauth_listener_exists_only_with_the_oauth_relation() {
    reset();
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let props = file(&first, "/etc/kafka/server.properties").unwrap();
    assert!(!props.contains("OAUTHBEARER"), "{props}");

    let info = charm_interfaces::oauth::testing::hydra_info("https://iam.example.com");
    let (oauth, secrets) = charm_interfaces::oauth::testing::provider("oauth", &info, None);
    let mut state = first.state.relation(oauth.clone());
    for secret in secrets {
        state = state.secret(secret);
    }
    let out = run(TestEvent::relation_changed(&oauth), state);
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(
        props.contains("CLIENT_SASL_PLAINTEXT_OAUTHBEARER://0.0.0.0:9095"),
        "{props}"
    );
    assert!(props.contains("iam.example.com"), "{props}");
    // The client registration the Python charm makes.
    let bag = &out.state.get_relation(&oauth).unwrap().local_app_data;
    assert_eq!(bag["redirect_uri"], "https://kafka.local");
    assert_eq!(bag["scope"], "openid email");

    let out = next(&out, TestEvent::relation_broken(&oauth));
    let props = file(&out, "/etc/kafka/server.properties").unwrap();
    assert!(!props.contains("OAUTHBEARER"), "gone with the relation: {props}");
}

#[test]
fn certificate_requests_follow_the_ip_san_switch() {
    reset();
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let certs = tls_testing::provider_relation("certificates");
    let out = run(TestEvent::relation_created(&certs), first.state.relation(certs.clone()));
    let with_ip = out.state.get_relation(&certs).unwrap().local_unit_data["certificate_signing_requests"].clone();
    let out = run(
        TestEvent::config_changed(),
        out.state.config([("certificate-include-ip-sans", false)]),
    );
    let without_ip = out.state.get_relation(&certs).unwrap().local_unit_data["certificate_signing_requests"].clone();
    assert_ne!(with_ip, without_ip, "a new CSR without the IP SAN");
    let csr = |bag: &str| -> charm_interfaces::tls::CsrInfo {
        let v: serde_json::Value = serde_json::from_str(bag).unwrap();
        charm_interfaces::tls::CsrInfo::parse(v[0]["certificate_signing_request"].as_str().unwrap()).unwrap()
    };
    assert!(!csr(&with_ip).request.sans_ip.is_empty());
    assert!(csr(&without_ip).request.sans_ip.is_empty());
    assert!(csr(&without_ip)
        .request
        .sans_dns
        .contains("kafka-k8s-0.kafka-k8s-endpoints"));
}

#[test]
fn an_expired_certificate_secret_runs_the_reconcile() {
    reset();
    let ca = CertificateAuthority::new_root("ca", 365 * DAY).unwrap();
    let (out, _, _) = tls_world(&ca);
    let secret = out
        .state
        .secrets
        .iter()
        .find(|s| s.label.as_deref().is_some_and(|l| l.contains("certificates")) && s.expire.is_some())
        .expect("the certificate secret expires at renewal time")
        .clone();
    let again = run(TestEvent::secret_expired(&secret, 1), out.state.clone());
    // Not due yet: the reconcile keeps everything as it is.
    assert_eq!(again.state.get_container("kafka"), out.state.get_container("kafka"));
}
