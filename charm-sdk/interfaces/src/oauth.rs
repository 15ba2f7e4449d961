//! `oauth` v0 requirer: register an OAuth client with Hydra and read the provider's
//! endpoints and the client credentials.
//!
//! Source: hydra `lib/charms/hydra/v0/oauth.py` LIBPATCH 9 (copy in kafka-operator).
//! - requirer app (leader): `redirect_uri`, `scope` (space-separated), `grant_types` and
//!   `audience` (JSON lists), `token_endpoint_auth_method`;
//! - provider app: `issuer_url`, `authorization_endpoint`, `token_endpoint`,
//!   `introspection_endpoint`, `userinfo_endpoint`, `jwks_endpoint`, `scope`,
//!   `jwt_access_token` (`str(bool)`: `True`/`False`), optional `groups` and `ca_chain`
//!   (JSON list), and once the client exists `client_id` and `client_secret_id`, the URI of
//!   an application secret (label `client_secret_<relation id>`) whose key `secret` holds
//!   the client secret.

use charm_sdk::{Charm, Context, Leader, Relation};
use juju_model::Databag;

use crate::dataplatform::protocol::decode_list;
use crate::dataplatform::secrets::{publish_owned, read_shared};
use crate::error::{BagSide, Error, RelationLabel};
use crate::pyjson;
use crate::sensitive::Sensitive;

/// `ALLOWED_GRANT_TYPES`.
pub const ALLOWED_GRANT_TYPES: [&str; 4] = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
];
/// `ALLOWED_CLIENT_AUTHN_METHODS`.
pub const ALLOWED_AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];
/// The secret content key of the client secret.
pub const CLIENT_SECRET_FIELD: &str = "secret";

/// The client to register (`ClientConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// `redirect_uri`.
    pub redirect_uri: String,
    /// `scope`: space-separated scopes (`openid profile email`).
    pub scope: String,
    /// `grant_types`.
    pub grant_types: Vec<String>,
    /// `audience`.
    pub audience: Vec<String>,
    /// `token_endpoint_auth_method` (library default `client_secret_basic`).
    pub token_endpoint_auth_method: String,
}

impl ClientConfig {
    /// A config with the library defaults (`audience: []`, `client_secret_basic`).
    pub fn new(redirect_uri: impl Into<String>, scope: impl Into<String>, grant_types: &[&str]) -> Self {
        Self {
            redirect_uri: redirect_uri.into(),
            scope: scope.into(),
            grant_types: grant_types.iter().map(|g| (*g).to_owned()).collect(),
            audience: Vec::new(),
            token_endpoint_auth_method: "client_secret_basic".into(),
        }
    }

    /// The requirer's application bag (pure), or why the config is invalid
    /// (`ClientConfig.validate`).
    pub fn app_bag(&self, relation: &RelationLabel) -> Result<Databag, Error> {
        if !(self.redirect_uri.starts_with("http://") || self.redirect_uri.starts_with("https://")) {
            return Err(Error::invalid(
                relation,
                format!("redirect URI {:?} is not an http(s) URL", self.redirect_uri),
            ));
        }
        if let Some(bad) = self
            .grant_types
            .iter()
            .find(|g| !ALLOWED_GRANT_TYPES.contains(&g.as_str()))
        {
            return Err(Error::invalid(
                relation,
                format!("grant type {bad:?} is not one of {ALLOWED_GRANT_TYPES:?}"),
            ));
        }
        if !ALLOWED_AUTH_METHODS.contains(&self.token_endpoint_auth_method.as_str()) {
            return Err(Error::invalid(
                relation,
                format!(
                    "client auth method {:?} is not one of {ALLOWED_AUTH_METHODS:?}",
                    self.token_endpoint_auth_method
                ),
            ));
        }
        Ok([
            ("redirect_uri".to_owned(), self.redirect_uri.clone()),
            ("scope".to_owned(), self.scope.clone()),
            (
                "grant_types".to_owned(),
                pyjson::dumps(&self.grant_types).unwrap_or_default(),
            ),
            ("audience".to_owned(), pyjson::dumps(&self.audience).unwrap_or_default()),
            (
                "token_endpoint_auth_method".to_owned(),
                self.token_endpoint_auth_method.clone(),
            ),
        ]
        .into())
    }

    /// Decodes a requirer's bag (provider side; pure, total): `Ok(None)` while empty.
    pub fn decode(bag: &Databag, relation: &RelationLabel) -> Result<Option<ClientConfig>, Error> {
        let side = BagSide::RemoteApp;
        let Some(redirect_uri) = bag.get("redirect_uri").filter(|v| !v.is_empty()).cloned() else {
            return Ok(None);
        };
        Ok(Some(ClientConfig {
            redirect_uri,
            scope: bag.get("scope").cloned().unwrap_or_default(),
            grant_types: decode_list(bag, "grant_types", relation, side)?.unwrap_or_default(),
            audience: decode_list(bag, "audience", relation, side)?.unwrap_or_default(),
            token_endpoint_auth_method: bag
                .get("token_endpoint_auth_method")
                .cloned()
                .unwrap_or_else(|| "client_secret_basic".into()),
        }))
    }
}

/// The provider's endpoints (`OauthProviderConfig` without the client).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderInfo {
    /// `issuer_url`.
    pub issuer_url: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `introspection_endpoint`.
    pub introspection_endpoint: String,
    /// `userinfo_endpoint`.
    pub userinfo_endpoint: String,
    /// `jwks_endpoint`.
    pub jwks_endpoint: String,
    /// `scope`.
    pub scope: String,
    /// `groups`.
    pub groups: Option<String>,
    /// `ca_chain`.
    pub ca_chain: Vec<String>,
    /// `jwt_access_token`.
    pub jwt_access_token: bool,
}

const PROVIDER_REQUIRED: [&str; 7] = [
    "issuer_url",
    "authorization_endpoint",
    "token_endpoint",
    "introspection_endpoint",
    "userinfo_endpoint",
    "jwks_endpoint",
    "scope",
];

impl ProviderInfo {
    /// The provider's application bag (pure).
    pub fn app_bag(&self) -> Databag {
        let mut bag: Databag = [
            ("issuer_url", &self.issuer_url),
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            ("introspection_endpoint", &self.introspection_endpoint),
            ("userinfo_endpoint", &self.userinfo_endpoint),
            ("jwks_endpoint", &self.jwks_endpoint),
            ("scope", &self.scope),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect();
        bag.insert(
            "jwt_access_token".into(),
            if self.jwt_access_token { "True" } else { "False" }.into(),
        );
        if let Some(groups) = self.groups.as_ref().filter(|g| !g.is_empty()) {
            bag.insert("groups".into(), groups.clone());
        }
        if !self.ca_chain.is_empty() {
            bag.insert("ca_chain".into(), pyjson::dumps(&self.ca_chain).unwrap_or_default());
        }
        bag
    }

    /// Decodes the provider's bag (pure, total): `Ok(None)` while empty.
    pub fn decode(bag: &Databag, relation: &RelationLabel) -> Result<Option<ProviderInfo>, Error> {
        let side = BagSide::RemoteApp;
        if !bag.keys().any(|k| PROVIDER_REQUIRED.contains(&k.as_str())) {
            return Ok(None);
        }
        let get = |k: &str| bag.get(k).filter(|v| !v.is_empty()).cloned();
        let req = |k: &str| get(k).ok_or_else(|| Error::missing(relation, side, k));
        let jwt_access_token = match get("jwt_access_token").as_deref() {
            None => false,
            Some(text) => crate::dataplatform::protocol::parse_flag(text).ok_or_else(|| {
                Error::wrong_type(relation, side, "jwt_access_token", "True or False", "another word")
            })?,
        };
        Ok(Some(ProviderInfo {
            issuer_url: req("issuer_url")?,
            authorization_endpoint: req("authorization_endpoint")?,
            token_endpoint: req("token_endpoint")?,
            introspection_endpoint: req("introspection_endpoint")?,
            userinfo_endpoint: req("userinfo_endpoint")?,
            jwks_endpoint: req("jwks_endpoint")?,
            scope: req("scope")?,
            groups: get("groups"),
            ca_chain: decode_list(bag, "ca_chain", relation, side)?.unwrap_or_default(),
            jwt_access_token,
        }))
    }
}

/// What a client gets: the provider's endpoints and, once registered, its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthInfo {
    /// The endpoints.
    pub provider: ProviderInfo,
    /// `client_id` and the client secret, once the client is registered.
    pub client: Option<(String, Sensitive)>,
}

/// A client application's side of `oauth`.
#[derive(Debug, Clone)]
pub struct OAuthRequirer {
    endpoint: String,
    config: ClientConfig,
}

impl OAuthRequirer {
    /// A requirer on `endpoint` (usually `oauth`) registering `config`.
    pub fn new(endpoint: impl Into<String>, config: ClientConfig) -> Self {
        Self {
            endpoint: endpoint.into(),
            config,
        }
    }

    /// Writes the client config (leader) and reads the first relation's answer:
    /// `Ok(None)` with no relation or no provider data yet.
    pub fn reconcile<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Option<OAuthInfo>, Error> {
        let relations = ctx.relations(&self.endpoint)?;
        let leader = ctx.leader()?;
        let mut first = None;
        for relation in relations {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            if let Some(leader) = &leader {
                let bag = self.config.app_bag(&label)?;
                ctx.update_app_data(&relation, leader, &bag)
                    .map_err(|e| Error::from(e).on(&label))?;
            }
            if first.is_none() {
                first = Some((relation, label));
            }
        }
        let Some((relation, label)) = first else {
            return Ok(None);
        };
        let bag = ctx.remote_app_data(&relation).map_err(|e| Error::from(e).on(&label))?;
        let Some(provider) = ProviderInfo::decode(&bag, &label)? else {
            return Ok(None);
        };
        let client = match (
            bag.get("client_id").filter(|v| !v.is_empty()),
            bag.get("client_secret_id").filter(|v| !v.is_empty()),
        ) {
            (Some(id), Some(uri)) => {
                let content = read_shared(ctx, &label, "client_secret_id", uri, None)?;
                let secret = content
                    .get(CLIENT_SECRET_FIELD)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| Error::missing(&label, BagSide::Secret, CLIENT_SECRET_FIELD))?;
                Some((id.clone(), Sensitive::new(secret.clone())))
            }
            _ => None,
        };
        Ok(Some(OAuthInfo { provider, client }))
    }
}

/// The provider side, for test charms: publish endpoints and a client's credentials
/// (the secret is created once, labelled `client_secret_<id>`, and granted).
pub fn publish_client<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &Relation,
    label: &RelationLabel,
    info: &ProviderInfo,
    client: Option<(&str, &str)>,
) -> Result<bool, Error> {
    let on = |e: charm_sdk::Error| Error::from(e).on(label);
    let mut bag = info.app_bag();
    if let Some((client_id, client_secret)) = client {
        let secret_label = format!("client_secret_{}", relation.id);
        let updates = [(CLIENT_SECRET_FIELD.to_owned(), client_secret.to_owned())];
        let uri = publish_owned(ctx, leader, relation, label, &secret_label, &updates)?
            .ok_or_else(|| Error::Input("the OAuth client secret is empty".into()))?;
        bag.insert("client_id".into(), client_id.to_owned());
        bag.insert("client_secret_id".into(), uri.to_string());
    }
    ctx.update_app_data(relation, leader, &bag).map_err(on)
}

/// The other side of `oauth`, for `charm-testing` states (feature `testing`): a Hydra that
/// has published its endpoints and, optionally, registered the charm's client.
///
/// ```
/// use charm_interfaces::oauth::testing;
///
/// let (hydra, secrets) = testing::provider("oauth", &testing::hydra_info("https://iam.example.com"), Some(("client-1", "s3cr3t")));
/// assert_eq!(hydra.remote_app_data["client_id"], "client-1");
/// assert_eq!(hydra.remote_app_data["client_secret_id"], secrets[0].uri());
/// ```
#[cfg(feature = "testing")]
pub mod testing {
    use charm_testing::{Relation, Secret};

    use super::{ClientConfig, ProviderInfo, CLIENT_SECRET_FIELD};
    use crate::error::{Error, RelationLabel};

    /// The endpoints Hydra publishes for the issuer `base` (`https://iam.example.com`).
    pub fn hydra_info(base: &str) -> ProviderInfo {
        let base = base.trim_end_matches('/');
        ProviderInfo {
            issuer_url: base.to_owned(),
            authorization_endpoint: format!("{base}/oauth2/auth"),
            token_endpoint: format!("{base}/oauth2/token"),
            introspection_endpoint: format!("{base}/admin/oauth2/introspect"),
            userinfo_endpoint: format!("{base}/userinfo"),
            jwks_endpoint: format!("{base}/.well-known/jwks.json"),
            scope: "openid profile email phone".to_owned(),
            groups: None,
            ca_chain: Vec::new(),
            jwt_access_token: false,
        }
    }

    /// A relation on the charm's `oauth` endpoint to hydra, which has published `info`
    /// and, with `client = Some((id, secret))`, registered the client: `client_id` and
    /// `client_secret_id` pointing at a Hydra-owned secret (key `secret`) granted over the
    /// relation, returned for the state.
    pub fn provider(endpoint: &str, info: &ProviderInfo, client: Option<(&str, &str)>) -> (Relation, Vec<Secret>) {
        let relation = Relation::new(endpoint).interface("oauth").remote_app("hydra");
        let mut bag = info.app_bag();
        let mut secrets = Vec::new();
        if let Some((id, secret)) = client {
            let secret = Secret::new([(CLIENT_SECRET_FIELD, secret)]).granted_by(&relation);
            bag.insert("client_id".to_owned(), id.to_owned());
            bag.insert("client_secret_id".to_owned(), secret.uri());
            secrets.push(secret);
        }
        (relation.remote_app_data(bag), secrets)
    }

    /// A relation on a Hydra-like provider's endpoint to `remote_app`, which has asked to
    /// register `config`.
    pub fn requirer(endpoint: &str, remote_app: &str, config: &ClientConfig) -> Result<Relation, Error> {
        let relation = Relation::new(endpoint).interface("oauth").remote_app(remote_app);
        let label = RelationLabel::from_parts(endpoint, relation.id.0, Some(remote_app));
        Ok(relation.remote_app_data(config.app_bag(&label)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_config_encodes_lists_and_validates() {
        let label = RelationLabel::from_parts("oauth", 4, Some("hydra"));
        let config = ClientConfig::new(
            "https://app.example.com/callback",
            "openid email",
            &["authorization_code", "refresh_token"],
        );
        let bag = config.app_bag(&label).unwrap();
        assert_eq!(bag["grant_types"], r#"["authorization_code", "refresh_token"]"#);
        assert_eq!(bag["audience"], "[]");
        assert_eq!(ClientConfig::decode(&bag, &label).unwrap(), Some(config.clone()));
        let bad = ClientConfig {
            grant_types: vec!["password".into()],
            ..config
        };
        assert!(bad.app_bag(&label).is_err());
    }

    #[test]
    fn provider_info_round_trips() {
        let label = RelationLabel::from_parts("oauth", 4, Some("hydra"));
        let info = ProviderInfo {
            issuer_url: "https://hydra/".into(),
            authorization_endpoint: "https://hydra/oauth2/auth".into(),
            token_endpoint: "https://hydra/oauth2/token".into(),
            introspection_endpoint: "https://hydra/admin/oauth2/introspect".into(),
            userinfo_endpoint: "https://hydra/userinfo".into(),
            jwks_endpoint: "https://hydra/.well-known/jwks.json".into(),
            scope: "openid profile email phone".into(),
            groups: None,
            ca_chain: vec![],
            jwt_access_token: false,
        };
        let bag = info.app_bag();
        assert_eq!(bag["jwt_access_token"], "False");
        assert_eq!(ProviderInfo::decode(&bag, &label).unwrap(), Some(info));
        assert_eq!(ProviderInfo::decode(&Databag::new(), &label).unwrap(), None);
    }
}
