//! The `oauth` relation: register a client with the identity provider (Hydra) and turn its
//! endpoints into an OAUTHBEARER listener.
//!
//! The client registered is the Python charm's (`https://kafka.local`, scopes `openid email`,
//! grant `client_credentials`); Kafka never uses its secret — brokers only validate tokens,
//! against the issuer's JWKS when tokens are JWTs, else with the introspection endpoint.
//! The Python charm decided whether the issuer's certificate is publicly trusted by making an
//! HTTPS request from the hook; this charm makes no network calls from hooks: when the
//! provider sends a `ca_chain`, that chain is added to the truststore and the validator is
//! pointed at it, otherwise the JVM's default trust is used.

use charm_interfaces::oauth::{ClientConfig, OAuthRequirer};
use charm_sdk::prelude::*;

use crate::literals::OAUTH;
use crate::workload::{OAuth, TokenValidation};

/// What the oauth relation gives the run.
#[derive(Debug, Clone, Default)]
pub struct OAuthState {
    /// The relation exists.
    pub related: bool,
    /// The listener configuration, once the provider published its endpoints.
    pub listener: Option<OAuth>,
    /// CA certificates the provider asks us to trust.
    pub ca_chain: Vec<String>,
}

/// The client the charm registers.
pub fn client_config() -> ClientConfig {
    ClientConfig::new("https://kafka.local", "openid email", &["client_credentials"])
}

/// Registers the client (leader) and reads the provider's endpoints.
pub fn reconcile<C: Charm>(ctx: &mut Context<'_, C>) -> Result<OAuthState, Stop> {
    let related = ctx.relation(OAUTH)?.is_some();
    if !related {
        return Ok(OAuthState::default());
    }
    let info = OAuthRequirer::new(OAUTH, client_config())
        .reconcile(ctx)
        .map_err(Stop::from)?;
    let Some(info) = info else {
        return Ok(OAuthState {
            related,
            ..OAuthState::default()
        });
    };
    let provider = info.provider;
    let validation = if provider.jwt_access_token {
        TokenValidation::Jwks(provider.jwks_endpoint.clone())
    } else {
        TokenValidation::Introspection(provider.introspection_endpoint.clone())
    };
    Ok(OAuthState {
        related,
        listener: Some(OAuth {
            issuer_url: provider.issuer_url.clone(),
            validation,
            issuer_publicly_trusted: provider.ca_chain.is_empty(),
        }),
        ca_chain: provider.ca_chain,
    })
}
