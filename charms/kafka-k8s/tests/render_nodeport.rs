//! EXTERNAL (NodePort) listeners in `server.properties` beyond the golden scenarios: every
//! auth map's listener is complete (protocol map, SASL mechanism and JAAS), OAuth included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_fixtures;

use kafka_k8s::workload::{server_properties, AuthMap, ExternalAccess};

#[track_caller]
fn lines(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} missing:\n{text}"))
        .to_owned()
}

#[test]
fn external_oauth_listener_validates_tokens_like_the_client_one() {
    let mut inputs = render_fixtures::zk_oauth();
    inputs.external = Some(ExternalAccess {
        host: "10.0.0.5".into(),
        node_ports: [(AuthMap::SASL_SSL_SCRAM, 31093), (AuthMap::SASL_SSL_OAUTH, 31096)].into(),
    });
    let text = server_properties(&inputs).unwrap().render();
    assert!(lines(&text, "advertised.listeners").contains("EXTERNAL_SASL_SSL_OAUTHBEARER://10.0.0.5:31096"));
    assert!(lines(&text, "listener.security.protocol.map").contains("EXTERNAL_SASL_SSL_OAUTHBEARER:SASL_SSL"));
    let prefix = "listener.name.external_sasl_ssl_oauthbearer.";
    assert_eq!(lines(&text, &format!("{prefix}sasl.enabled.mechanisms")), "OAUTHBEARER");
    let jaas = lines(&text, &format!("{prefix}oauthbearer.sasl.jaas.config"));
    assert!(
        jaas.contains("oauth.config.id=\"EXTERNAL_SASL_SSL_OAUTHBEARER\""),
        "{jaas}"
    );
    assert!(
        jaas.contains("oauth.valid.issuer.uri=\"https://hydra.example.com/\""),
        "{jaas}"
    );
    let client = lines(
        &text,
        "listener.name.client_sasl_ssl_oauthbearer.oauthbearer.sasl.jaas.config",
    );
    assert_eq!(
        client.replace("CLIENT_", "EXTERNAL_"),
        jaas,
        "same validation apart from the config id"
    );
    assert!(text.contains(&format!("{prefix}oauthbearer.sasl.server.callback.handler.class=")));
}

#[test]
fn auth_maps_without_a_node_port_get_no_external_listener() {
    let mut inputs = render_fixtures::zk_mtls();
    inputs.external = Some(ExternalAccess {
        host: "10.0.0.5".into(),
        node_ports: [(AuthMap::SSL, 31094)].into(),
    });
    let text = server_properties(&inputs).unwrap().render();
    let listeners = lines(&text, "listeners");
    assert!(listeners.contains("EXTERNAL_SSL_SSL://0.0.0.0:29094"), "{listeners}");
    assert!(!listeners.contains("EXTERNAL_SASL_PLAINTEXT"), "{listeners}");
    // A node port for an auth map no client uses is ignored too.
    inputs.external = Some(ExternalAccess {
        host: "10.0.0.5".into(),
        node_ports: [(AuthMap::SASL_PLAINTEXT_OAUTH, 31095)].into(),
    });
    let text = server_properties(&inputs).unwrap().render();
    assert!(!text.contains("EXTERNAL_"), "{text}");
}
