//! ingress v2, auth_proxy and oauth requirers through charm runs, checked against the
//! schemas and against Python's json for the pydantic `DatabagModel` encoding.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use charm_interfaces::auth_proxy::{AuthProxyConfig, AuthProxyRequirer, Header};
use charm_interfaces::error::RelationLabel;
use charm_interfaces::ingress::{decode_url, provider_bag, IngressRequest, IngressRequirer, IngressUnit, Scheme};
use charm_interfaces::oauth::{publish_client, ClientConfig, OAuthRequirer, ProviderInfo};
use charm_interfaces::pyjson;
use charm_sdk::prelude::*;
use charm_testing::{Context, Relation, Secret, State, TestEvent};
use interop_support::{python, relation_in, run_leader, test_charm, validate};
use juju_model::{Databag, StatusKind};
use proptest::prelude::*;

test_charm!(
    HistoryServer,
    "name: spark-history-server-k8s\nrequires:\n  ingress: {interface: ingress, limit: 1}\n  auth-proxy: {interface: auth_proxy, limit: 1}\n  oauth: {interface: oauth, limit: 1}\n",
    |ctx| {
    let url = IngressRequirer::new("ingress", 18080)
        .strip_prefix(true)
        .reconcile(ctx)?;
    let config = AuthProxyConfig {
        protected_urls: vec![url.clone().unwrap_or_else(|| "https://example.com/shs".into())],
        allowed_endpoints: vec!["health".into()],
        headers: vec![Header::User],
    };
    AuthProxyRequirer::new("auth-proxy", config).reconcile(ctx)?;
    let client = ClientConfig::new(
        "https://example.com/shs/callback",
        "openid email",
        &["authorization_code"],
    );
    let oauth = OAuthRequirer::new("oauth", client).reconcile(ctx)?;
    let registered = oauth.as_ref().and_then(|o| o.client.as_ref()).map(|(id, _)| id.clone());
    ctx.add_status(Status::active(format!("url={url:?} client={registered:?}")));
    Ok(())
    }
);

test_charm!(Hydra, "name: hydra\nprovides: {oauth: {interface: oauth}}\n", |ctx| {
    let Some(leader) = ctx.leader()? else { return Ok(()) };
    for relation in ctx.relations("oauth")? {
        let label = RelationLabel::new(&relation, ctx.remote_app(&relation)?);
        let requested = ClientConfig::decode(&ctx.remote_app_data(&relation)?, &label)?;
        let client = requested.map(|_| ("client-123", "hydra-client-secret"));
        publish_client(ctx, &leader, &relation, &label, &provider_info(), client)?;
    }
    Ok(())
});

fn provider_info() -> ProviderInfo {
    ProviderInfo {
        issuer_url: "https://example.com/iam-hydra".into(),
        authorization_endpoint: "https://example.com/iam-hydra/oauth2/auth".into(),
        token_endpoint: "https://example.com/iam-hydra/oauth2/token".into(),
        introspection_endpoint: "https://example.com/iam-hydra/admin/oauth2/introspect".into(),
        userinfo_endpoint: "https://example.com/iam-hydra/userinfo".into(),
        jwks_endpoint: "https://example.com/iam-hydra/.well-known/jwks.json".into(),
        scope: "openid profile email phone".into(),
        groups: None,
        ca_chain: vec![],
        jwt_access_token: false,
    }
}

fn shs_state() -> State {
    State::default()
        .leader(true)
        .model("spark", "2f1a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8")
}

#[test]
fn ingress_v2_bags_are_pydantic_json() {
    let rel = Relation::new("ingress").interface("ingress").remote_app("traefik-k8s");
    let out = Context::<HistoryServer>::new()
        .run(TestEvent::relation_joined(&rel, 0), shs_state().relation(rel.clone()))
        .unwrap();
    let written = relation_in(&out, &rel);
    validate(
        "ingress-v2-requirer",
        &written.local_app_data,
        Some(&written.local_unit_data),
    );
    // What pydantic's model_dump(exclude_defaults=True) + json.dumps gives.
    let expected = python(
        r#"
import json, sys
d = {"model": "spark", "name": "spark-history-server-k8s", "port": 18080, "strip-prefix": True}
print(json.dumps({k: json.dumps(v) for k, v in d.items()}, sort_keys=True), end="")
"#,
        "",
    );
    let expected: Databag = serde_json::from_str(&expected).unwrap();
    assert_eq!(written.local_app_data, expected);
    assert_eq!(
        written.local_unit_data["host"],
        "\"spark-history-server-k8s-0.spark-history-server-k8s-endpoints.spark.svc.cluster.local\""
    );
    assert_eq!(written.local_unit_data["ip"], "\"192.0.2.0\"");

    let served = rel.remote_app_data(provider_bag("http://example.com/spark-spark-history-server-k8s"));
    validate("ingress-v2-provider", &served.remote_app_data, None);
    let mut state = out.state.clone();
    state.relations = vec![served.clone()];
    let out = Context::<HistoryServer>::new()
        .run(TestEvent::relation_changed(&served), state)
        .unwrap();
    assert!(
        out.unit_status()
            .message
            .contains("url=Some(\"http://example.com/spark-spark-history-server-k8s\")"),
        "{:?}",
        out.unit_status()
    );
}

#[test]
fn bad_ingress_url_blocks_naming_the_relation() {
    let rel = Relation::new("ingress")
        .interface("ingress")
        .remote_app("traefik-k8s")
        .remote_app_data([("ingress", "{\"url\": 7}")]);
    let out = Context::<HistoryServer>::new()
        .run(TestEvent::relation_changed(&rel), shs_state().relation(rel.clone()))
        .unwrap();
    assert_eq!(out.unit_status().kind, StatusKind::Blocked);
    assert!(out
        .unit_status()
        .message
        .contains(&format!("ingress:{} (traefik-k8s)", rel.id)));
}

#[test]
fn auth_proxy_lists_validate() {
    let rel = Relation::new("auth-proxy")
        .interface("auth_proxy")
        .remote_app("oathkeeper");
    let out = Context::<HistoryServer>::new()
        .run(TestEvent::relation_created(&rel), shs_state().relation(rel.clone()))
        .unwrap();
    let app = &relation_in(&out, &rel).local_app_data;
    assert_eq!(app["headers"], r#"["X-User"]"#);
    assert_eq!(app["protected_urls"], r#"["https://example.com/shs"]"#);
    validate("auth_proxy-v0-requirer", app, None);
    validate("auth_proxy-v0-provider", &Databag::new(), None);
}

#[test]
fn oauth_client_registers_and_reads_its_secret() {
    let rel = Relation::new("oauth").interface("oauth").remote_app("hydra");
    let client = Context::<HistoryServer>::new()
        .run(TestEvent::relation_created(&rel), shs_state().relation(rel.clone()))
        .unwrap();
    let asked = relation_in(&client, &rel);
    validate("oauth-v0-requirer", &asked.local_app_data, None);

    let hydra_rel = Relation::new("oauth")
        .interface("oauth")
        .remote_app("spark-history-server-k8s")
        .remote_app_data(asked.local_app_data.clone());
    let hydra = run_leader::<Hydra>(TestEvent::relation_changed(&hydra_rel), &hydra_rel, Vec::new());
    let answer = &relation_in(&hydra, &hydra_rel).local_app_data;
    validate("oauth-v0-provider", answer, None);
    let secret = hydra
        .state
        .secret_by_label(&format!("client_secret_{}", hydra_rel.id))
        .unwrap();
    assert_eq!(secret.newest_content()["secret"], "hydra-client-secret");

    let (rel2, secrets) = interop_support::hand_over(&hydra, &hydra_rel, asked.clone());
    let mut state = client.state.clone();
    state.relations = vec![rel2.clone()];
    state.secrets = secrets;
    let out = Context::<HistoryServer>::new()
        .run(TestEvent::relation_changed(&rel2), state)
        .unwrap();
    assert!(
        out.unit_status().message.contains("client=Some(\"client-123\")"),
        "{:?}",
        out.unit_status()
    );
}

#[test]
fn oauth_secret_not_granted_blocks() {
    let stray = Secret::new([("secret", "x")]);
    let mut bag = provider_info().app_bag();
    bag.insert("client_id".into(), "c".into());
    bag.insert("client_secret_id".into(), "secret:cv5r2b0mg4a7btr2p5zz".into());
    let rel = Relation::new("oauth")
        .interface("oauth")
        .remote_app("hydra")
        .remote_app_data(bag);
    let out = Context::<HistoryServer>::new()
        .run(
            TestEvent::relation_changed(&rel),
            shs_state().relation(rel.clone()).secret(stray),
        )
        .unwrap();
    assert_eq!(out.unit_status().kind, StatusKind::Blocked, "{:?}", out.unit_status());
    assert!(out.unit_status().message.contains("secret:cv5r2b0mg4a7btr2p5zz"));
}

#[test]
fn pyjson_strings_match_python() {
    for s in [
        "plain",
        "quote\" back\\slash",
        "tab\tnew\nline",
        "é ü 😀",
        "\u{7f}\u{1}",
        "",
    ] {
        let ours = pyjson::dumps_str(s);
        assert_eq!(
            ours,
            python("import json, sys; print(json.dumps(sys.argv[1]), end='')", s),
            "{s:?}"
        );
    }
}

proptest! {
    #[test]
    fn http_decoders_never_panic(bag in proptest::collection::btree_map(
        prop_oneof![proptest::sample::select(&["model", "name", "port", "strip-prefix", "scheme", "host", "ip", "ingress", "protected_urls", "headers", "allowed_endpoints", "redirect_uri", "grant_types", "audience", "issuer_url", "scope", "jwt_access_token", "ca_chain"][..]).prop_map(str::to_owned), "[a-z_-]{1,8}"],
        prop_oneof![any::<String>(), "[\\[\\]{}\":,0-9a-z ]{0,24}", Just("\"x\"".to_owned()), Just("65535".to_owned())],
        0..10)) {
        let label = RelationLabel::from_parts("x", 1, None);
        let _ = IngressRequest::decode(&bag, &label);
        let _ = IngressUnit::decode(&bag, &label);
        let _ = decode_url(&bag, &label);
        let _ = AuthProxyConfig::decode(&bag, &label);
        let _ = ClientConfig::decode(&bag, &label);
        let _ = ProviderInfo::decode(&bag, &label);
    }

    #[test]
    fn pyjson_output_is_ascii_and_parses_back(s in any::<String>()) {
        let out = pyjson::dumps_str(&s);
        prop_assert!(out.is_ascii());
        prop_assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s.clone());
        prop_assert_eq!(pyjson::dumps(&s).unwrap(), out);
    }

    #[test]
    fn ingress_requests_round_trip(port in 1u16..65535, strip in any::<bool>(), redirect in any::<bool>(), scheme in 0..3u8, name in "[a-z][a-z0-9-]{0,20}") {
        let scheme = [Scheme::Http, Scheme::Https, Scheme::H2c][scheme as usize];
        let req = IngressRequest { model: "m".into(), name, port, strip_prefix: strip, redirect_https: redirect, scheme };
        let label = RelationLabel::from_parts("ingress", 1, None);
        prop_assert_eq!(IngressRequest::decode(&req.app_bag(), &label).unwrap(), req);
    }
}
