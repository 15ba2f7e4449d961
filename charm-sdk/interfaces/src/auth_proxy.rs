//! `auth_proxy` v0 requirer: ask Oathkeeper to put authentication in front of URLs.
//!
//! Source: oathkeeper `lib/charms/oathkeeper/v0/auth_proxy.py` LIBPATCH 6 (copy in
//! spark-history-server-k8s-operator). The requirer leader writes three app keys, each a
//! `json.dumps` list: `protected_urls`, `allowed_endpoints`, `headers`. The provider writes
//! nothing. LIBPATCH 6 validates `headers` against `X-User`, `X-Email`, `X-Name` (the
//! interface schema also lists `X-Roles` and `X-Groups`; a LIBPATCH 6 Oathkeeper rejects
//! the whole request if they are sent), and URLs must be `http(s)://`.

use charm_sdk::{Charm, Context};
use juju_model::Databag;

use crate::dataplatform::protocol::decode_list;
use crate::error::{BagSide, Error, RelationLabel};
use crate::pyjson;

/// A header Oathkeeper can set on proxied requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// `X-User`.
    User,
    /// `X-Email`.
    Email,
    /// `X-Name`.
    Name,
    /// `X-Roles` (newer Oathkeeper only).
    Roles,
    /// `X-Groups` (newer Oathkeeper only).
    Groups,
}

impl Header {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Header::User => "X-User",
            Header::Email => "X-Email",
            Header::Name => "X-Name",
            Header::Roles => "X-Roles",
            Header::Groups => "X-Groups",
        }
    }

    /// Parses the wire text.
    pub fn parse(text: &str) -> Option<Self> {
        [Header::User, Header::Email, Header::Name, Header::Roles, Header::Groups]
            .into_iter()
            .find(|h| h.as_str() == text)
    }
}

/// What to protect (`AuthProxyConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthProxyConfig {
    /// `protected_urls`: the application's public URLs.
    pub protected_urls: Vec<String>,
    /// `allowed_endpoints`: paths reachable without authentication.
    pub allowed_endpoints: Vec<String>,
    /// `headers` to add to authenticated requests.
    pub headers: Vec<Header>,
}

impl AuthProxyConfig {
    /// The requirer's application bag (pure), or why the config is invalid.
    pub fn app_bag(&self, relation: &RelationLabel) -> Result<Databag, Error> {
        for url in &self.protected_urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
                return Err(Error::invalid(
                    relation,
                    format!("protected URL {url:?} is not an http(s) URL"),
                ));
            }
        }
        let headers: Vec<&str> = self.headers.iter().map(|h| h.as_str()).collect();
        Ok([
            (
                "protected_urls".to_owned(),
                pyjson::dumps(&self.protected_urls).unwrap_or_default(),
            ),
            (
                "allowed_endpoints".to_owned(),
                pyjson::dumps(&self.allowed_endpoints).unwrap_or_default(),
            ),
            ("headers".to_owned(), pyjson::dumps(&headers).unwrap_or_default()),
        ]
        .into())
    }

    /// Decodes a requirer's bag (provider side; pure, total): `Ok(None)` while empty.
    pub fn decode(bag: &Databag, relation: &RelationLabel) -> Result<Option<AuthProxyConfig>, Error> {
        let side = BagSide::RemoteApp;
        let Some(protected_urls) = decode_list(bag, "protected_urls", relation, side)? else {
            return Ok(None);
        };
        let allowed_endpoints = decode_list(bag, "allowed_endpoints", relation, side)?
            .ok_or_else(|| Error::missing(relation, side, "allowed_endpoints"))?;
        let headers = decode_list(bag, "headers", relation, side)?
            .ok_or_else(|| Error::missing(relation, side, "headers"))?
            .iter()
            .map(|h| {
                Header::parse(h).ok_or_else(|| {
                    Error::wrong_type(
                        relation,
                        side,
                        "headers",
                        "X-User, X-Email, X-Name, X-Roles or X-Groups",
                        "another header",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(AuthProxyConfig {
            protected_urls,
            allowed_endpoints,
            headers,
        }))
    }
}

/// An application's side of `auth_proxy`.
#[derive(Debug, Clone)]
pub struct AuthProxyRequirer {
    endpoint: String,
    config: AuthProxyConfig,
}

impl AuthProxyRequirer {
    /// A requirer on `endpoint` (usually `auth-proxy`) asking for `config`.
    pub fn new(endpoint: impl Into<String>, config: AuthProxyConfig) -> Self {
        Self {
            endpoint: endpoint.into(),
            config,
        }
    }

    /// Writes the config on every relation (leader only; idempotent). Returns whether a
    /// relation exists.
    pub fn reconcile<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<bool, Error> {
        let relations = ctx.relations(&self.endpoint)?;
        let any = !relations.is_empty();
        let Some(leader) = ctx.leader()? else { return Ok(any) };
        for relation in relations {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            let bag = self.config.app_bag(&label)?;
            ctx.update_app_data(&relation, &leader, &bag)
                .map_err(|e| Error::from(e).on(&label))?;
        }
        Ok(any)
    }
}

/// The other side of `auth_proxy`, for `charm-testing` states (feature `testing`).
///
/// ```
/// use charm_interfaces::auth_proxy::testing;
///
/// let oathkeeper = testing::provider("auth-proxy");
/// assert!(oathkeeper.remote_app_data.is_empty(), "Oathkeeper writes nothing");
/// ```
#[cfg(feature = "testing")]
pub mod testing {
    use charm_testing::Relation;

    use super::AuthProxyConfig;
    use crate::error::{Error, RelationLabel};

    /// A relation on the charm's `auth_proxy` endpoint to oathkeeper (which writes nothing
    /// on this interface: the charm's config is what the relation carries).
    pub fn provider(endpoint: &str) -> Relation {
        Relation::new(endpoint).interface("auth_proxy").remote_app("oathkeeper")
    }

    /// A relation on an Oathkeeper-like provider's endpoint to `remote_app`, which has
    /// asked for `config`.
    pub fn requirer(endpoint: &str, remote_app: &str, config: &AuthProxyConfig) -> Result<Relation, Error> {
        let relation = Relation::new(endpoint).interface("auth_proxy").remote_app(remote_app);
        let label = RelationLabel::from_parts(endpoint, relation.id.0, Some(remote_app));
        Ok(relation.remote_app_data(config.app_bag(&label)?))
    }

    /// The config the charm wrote on `relation` (its app bag), as Oathkeeper decodes it.
    pub fn written(relation: &Relation) -> Result<Option<AuthProxyConfig>, Error> {
        let label = RelationLabel::from_parts(relation.endpoint.clone(), relation.id.0, Some(&relation.remote_app));
        AuthProxyConfig::decode(&relation.local_app_data, &label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_python_json_and_round_trip() {
        let label = RelationLabel::from_parts("auth-proxy", 2, Some("oathkeeper"));
        let config = AuthProxyConfig {
            protected_urls: vec!["https://example.com/dev-app".into()],
            allowed_endpoints: vec!["health".into(), "metrics".into()],
            headers: vec![Header::User, Header::Email],
        };
        let bag = config.app_bag(&label).unwrap();
        assert_eq!(bag["headers"], r#"["X-User", "X-Email"]"#);
        assert_eq!(bag["allowed_endpoints"], r#"["health", "metrics"]"#);
        assert_eq!(AuthProxyConfig::decode(&bag, &label).unwrap(), Some(config));
        let bad = AuthProxyConfig {
            protected_urls: vec!["ftp://x".into()],
            allowed_endpoints: vec![],
            headers: vec![],
        };
        assert!(bad.app_bag(&label).is_err());
    }
}
