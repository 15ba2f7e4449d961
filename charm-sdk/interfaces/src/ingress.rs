//! `ingress` v2 (ingress per application, as traefik-k8s serves it).
//!
//! Source: traefik_k8s v2 `ingress.py` LIBPATCH 13 and charm-relation-interfaces
//! `interfaces/ingress/v2`. It is a pydantic `DatabagModel` library: **every** value is
//! `json.dumps`ed (a string carries its quotes: `"\"myapp\""`), fields equal to their
//! default are left out (`exclude_defaults`), and readers `json.loads` each key they know.
//! - requirer app (leader): `model`, `name`, `port`, then `strip-prefix`,
//!   `redirect-https` (default false) and `scheme` (default `http`);
//! - requirer unit: `host` and, when known, `ip`;
//! - provider app: `ingress` = `{"url": "..."}`.

use charm_sdk::{Charm, Context, Leader};
use juju_model::Databag;
use serde_json::Value;

use crate::error::{kind_of, BagSide, Error, RelationLabel};
use crate::pyjson;

/// The URL scheme the ingress should use towards the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// `http` (default: not written).
    #[default]
    Http,
    /// `https`.
    Https,
    /// `h2c` (HTTP/2 cleartext, for gRPC).
    H2c,
}

impl Scheme {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::H2c => "h2c",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "http" => Some(Scheme::Http),
            "https" => Some(Scheme::Https),
            "h2c" => Some(Scheme::H2c),
            _ => None,
        }
    }
}

/// What the application asks the ingress for (`IngressRequirerAppData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressRequest {
    /// `model`: this application's model.
    pub model: String,
    /// `name`: this application.
    pub name: String,
    /// `port` the application listens on (1..=65534).
    pub port: u16,
    /// `strip-prefix`.
    pub strip_prefix: bool,
    /// `redirect-https`.
    pub redirect_https: bool,
    /// `scheme`.
    pub scheme: Scheme,
}

/// Where a unit is reachable (`IngressRequirerUnitData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressUnit {
    /// `host`: the unit's hostname (the library defaults to `socket.getfqdn()`).
    pub host: String,
    /// `ip`: its address, when Juju gave one.
    pub ip: Option<String>,
}

impl IngressRequest {
    /// The requirer's application bag (pure).
    pub fn app_bag(&self) -> Databag {
        let mut bag = Databag::new();
        bag.insert("model".into(), pyjson::dumps_str(&self.model));
        bag.insert("name".into(), pyjson::dumps_str(&self.name));
        bag.insert("port".into(), self.port.to_string());
        if self.strip_prefix {
            bag.insert("strip-prefix".into(), "true".into());
        }
        if self.redirect_https {
            bag.insert("redirect-https".into(), "true".into());
        }
        if self.scheme != Scheme::Http {
            bag.insert("scheme".into(), pyjson::dumps_str(self.scheme.as_str()));
        }
        bag
    }

    /// Decodes a requirer's application bag (provider side; pure, total).
    pub fn decode(bag: &Databag, relation: &RelationLabel) -> Result<IngressRequest, Error> {
        let side = BagSide::RemoteApp;
        let model =
            json_string(bag, "model", relation, side)?.ok_or_else(|| Error::missing(relation, side, "model"))?;
        let name = json_string(bag, "name", relation, side)?.ok_or_else(|| Error::missing(relation, side, "name"))?;
        let port = match json_value(bag, "port", relation, side)? {
            None => return Err(Error::missing(relation, side, "port")),
            Some(Value::Number(n)) => n
                .as_u64()
                .filter(|p| (1..65535).contains(p))
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| {
                    Error::wrong_type(
                        relation,
                        side,
                        "port",
                        "an integer in 1..65534",
                        "a number out of range",
                    )
                })?,
            Some(other) => {
                return Err(Error::wrong_type(
                    relation,
                    side,
                    "port",
                    "an integer in 1..65534",
                    kind_of(&other),
                ))
            }
        };
        let flag = |key: &str| -> Result<bool, Error> {
            match json_value(bag, key, relation, side)? {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(b),
                Some(other) => Err(Error::wrong_type(
                    relation,
                    side,
                    key,
                    "a JSON boolean",
                    kind_of(&other),
                )),
            }
        };
        let scheme = match json_string(bag, "scheme", relation, side)? {
            None => Scheme::Http,
            Some(s) => Scheme::parse(&s)
                .ok_or_else(|| Error::wrong_type(relation, side, "scheme", "http, https or h2c", "another word"))?,
        };
        Ok(IngressRequest {
            model,
            name,
            port,
            strip_prefix: flag("strip-prefix")?,
            redirect_https: flag("redirect-https")?,
            scheme,
        })
    }
}

impl IngressUnit {
    /// The requirer's unit bag (pure).
    pub fn unit_bag(&self) -> Databag {
        let mut bag: Databag = [("host".to_owned(), pyjson::dumps_str(&self.host))].into();
        if let Some(ip) = &self.ip {
            bag.insert("ip".into(), pyjson::dumps_str(ip));
        }
        bag
    }

    /// Decodes a requirer unit bag (provider side).
    pub fn decode(bag: &Databag, relation: &RelationLabel) -> Result<IngressUnit, Error> {
        let side = BagSide::RemoteUnit;
        let host = json_string(bag, "host", relation, side)?.ok_or_else(|| Error::missing(relation, side, "host"))?;
        let ip = match json_value(bag, "ip", relation, side)? {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                return Err(Error::wrong_type(
                    relation,
                    side,
                    "ip",
                    "a JSON string",
                    kind_of(&other),
                ))
            }
        };
        Ok(IngressUnit { host, ip })
    }
}

/// The provider's `ingress` value for `url` (pure).
pub fn provider_bag(url: &str) -> Databag {
    #[derive(serde::Serialize)]
    struct IngressUrl<'a> {
        url: &'a str,
    }
    [(
        "ingress".to_owned(),
        pyjson::dumps(&IngressUrl { url }).unwrap_or_default(),
    )]
    .into()
}

/// Reads the provider's URL (requirer side): `Ok(None)` until published.
pub fn decode_url(bag: &Databag, relation: &RelationLabel) -> Result<Option<String>, Error> {
    let side = BagSide::RemoteApp;
    let Some(value) = json_value(bag, "ingress", relation, side)? else {
        return Ok(None);
    };
    match value.get("url") {
        Some(Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => Ok(Some(url.clone())),
        Some(Value::String(_)) => Err(Error::wrong_type(
            relation,
            side,
            "ingress",
            "an object with an http(s) `url`",
            "a URL of another scheme",
        )),
        Some(other) => Err(Error::wrong_type(
            relation,
            side,
            "ingress",
            "an object with a string `url`",
            format!("`url` holding {}", kind_of(other)),
        )),
        None => Err(Error::wrong_type(
            relation,
            side,
            "ingress",
            "an object with a string `url`",
            kind_of(&value),
        )),
    }
}

fn json_value(bag: &Databag, key: &str, relation: &RelationLabel, side: BagSide) -> Result<Option<Value>, Error> {
    match bag.get(key).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| Error::malformed(relation, side, key, &e)),
    }
}

fn json_string(bag: &Databag, key: &str, relation: &RelationLabel, side: BagSide) -> Result<Option<String>, Error> {
    match json_value(bag, key, relation, side)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::wrong_type(relation, side, key, "a JSON string", kind_of(&other))),
    }
}

/// An application's side of `ingress` (v2).
#[derive(Debug, Clone)]
pub struct IngressRequirer {
    endpoint: String,
    port: u16,
    strip_prefix: bool,
    redirect_https: bool,
    scheme: Scheme,
    host: Option<String>,
}

impl IngressRequirer {
    /// A requirer on `endpoint` (usually `ingress`) exposing `port`.
    pub fn new(endpoint: impl Into<String>, port: u16) -> Self {
        Self {
            endpoint: endpoint.into(),
            port,
            strip_prefix: false,
            redirect_https: false,
            scheme: Scheme::Http,
            host: None,
        }
    }

    /// Sets `strip-prefix`.
    pub fn strip_prefix(mut self, on: bool) -> Self {
        self.strip_prefix = on;
        self
    }

    /// Sets `redirect-https`.
    pub fn redirect_https(mut self, on: bool) -> Self {
        self.redirect_https = on;
        self
    }

    /// Sets `scheme`.
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Publishes this hostname instead of the Kubernetes FQDN the charm derives.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Writes the app bag (leader) and this unit's bag, then returns the URL of the first
    /// relation: `Ok(None)` with no relation or no URL yet.
    pub fn reconcile<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Option<String>, Error> {
        if self.port == 0 || self.port == 65535 {
            return Err(Error::Input(format!(
                "ingress port {} is out of range 1..65534",
                self.port
            )));
        }
        let relations = ctx.relations(&self.endpoint)?;
        let request = IngressRequest {
            model: ctx.model_name().to_owned(),
            name: ctx.app().to_string(),
            port: self.port,
            strip_prefix: self.strip_prefix,
            redirect_https: self.redirect_https,
            scheme: self.scheme,
        };
        let leader = ctx.leader()?;
        let mut url = None;
        for relation in relations {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            let on = |e: charm_sdk::Error| Error::from(e).on(&label);
            let ip = ctx
                .network(&self.endpoint)
                .ok()
                .and_then(|n| n.bind_address().map(str::to_owned));
            let host = self
                .host
                .clone()
                .unwrap_or_else(|| default_host(ctx.unit().to_string().as_str(), ctx.app().as_str(), ctx.model_name()));
            ctx.update_unit_data(&relation, &IngressUnit { host, ip }.unit_bag())
                .map_err(on)?;
            if let Some(leader) = &leader {
                ctx.update_app_data(&relation, leader, &request.app_bag()).map_err(on)?;
            }
            if url.is_none() {
                let bag = ctx.remote_app_data(&relation).map_err(on)?;
                url = decode_url(&bag, &label)?;
            }
        }
        Ok(url)
    }
}

/// The Kubernetes FQDN `socket.getfqdn()` gives in a sidecar charm:
/// `<app>-<n>.<app>-endpoints.<model>.svc.cluster.local`.
pub fn default_host(unit: &str, app: &str, model: &str) -> String {
    let n = unit.rsplit('/').next().unwrap_or("0");
    format!("{app}-{n}.{app}-endpoints.{model}.svc.cluster.local")
}

/// The ingress (provider) side, for test charms and proxies: publish a URL.
pub fn publish_url<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    relation: &charm_sdk::Relation,
    label: &RelationLabel,
    url: &str,
) -> Result<bool, Error> {
    ctx.update_app_data(relation, leader, &provider_bag(url))
        .map_err(|e| Error::from(e).on(label))
}

/// The other side of `ingress` (v2), for `charm-testing` states (feature `testing`).
///
/// ```
/// use charm_interfaces::ingress::testing;
///
/// let traefik = testing::provider("ingress", "http://example.com/test-model-myapp");
/// assert_eq!(traefik.remote_app_data["ingress"], r#"{"url": "http://example.com/test-model-myapp"}"#);
/// ```
#[cfg(feature = "testing")]
pub mod testing {
    use charm_testing::{ModelInfo, Relation};

    use super::{default_host, provider_bag, IngressRequest, IngressUnit, Scheme};

    /// A relation on the charm's `ingress` endpoint to traefik-k8s, which has published
    /// `url` for the application.
    pub fn provider(endpoint: &str, url: &str) -> Relation {
        Relation::new(endpoint)
            .interface("ingress")
            .remote_app("traefik-k8s")
            .remote_app_data(provider_bag(url))
    }

    /// A relation on an ingress provider's endpoint to `remote_app` (in charm-testing's
    /// default model) with `units` units, which asks for `port` as the traefik library's
    /// requirer writes it (every unit publishes its Kubernetes FQDN as `host`).
    pub fn requirer(endpoint: &str, remote_app: &str, port: u16, units: u32) -> Relation {
        let model = ModelInfo::default().name;
        let request = IngressRequest {
            model: model.clone(),
            name: remote_app.to_owned(),
            port,
            strip_prefix: false,
            redirect_https: false,
            scheme: Scheme::Http,
        };
        let mut relation = Relation::new(endpoint)
            .interface("ingress")
            .remote_app(remote_app)
            .remote_units(units)
            .remote_app_data(request.app_bag());
        for n in 0..units {
            let unit = IngressUnit {
                host: default_host(&format!("{remote_app}/{n}"), remote_app, &model),
                ip: None,
            };
            relation = relation.remote_unit_data(n, unit.unit_bag());
        }
        relation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label() -> RelationLabel {
        RelationLabel::from_parts("ingress", 9, Some("traefik"))
    }

    #[test]
    fn every_value_is_json_and_defaults_are_omitted() {
        let req = IngressRequest {
            model: "dev".into(),
            name: "shs".into(),
            port: 18080,
            strip_prefix: true,
            redirect_https: false,
            scheme: Scheme::Http,
        };
        let bag = req.app_bag();
        assert_eq!(bag["model"], "\"dev\"");
        assert_eq!(bag["port"], "18080");
        assert_eq!(bag["strip-prefix"], "true");
        assert!(!bag.contains_key("redirect-https") && !bag.contains_key("scheme"));
        assert_eq!(IngressRequest::decode(&bag, &label()).unwrap(), req);
        let unit = IngressUnit {
            host: "shs-0.shs-endpoints.dev.svc.cluster.local".into(),
            ip: Some("10.1.1.1".into()),
        };
        assert_eq!(unit.unit_bag()["ip"], "\"10.1.1.1\"");
        assert_eq!(IngressUnit::decode(&unit.unit_bag(), &label()).unwrap(), unit);
    }

    #[test]
    fn provider_url_round_trips() {
        let bag = provider_bag("http://foo.bar/dev-shs");
        assert_eq!(bag["ingress"], r#"{"url": "http://foo.bar/dev-shs"}"#);
        assert_eq!(
            decode_url(&bag, &label()).unwrap().as_deref(),
            Some("http://foo.bar/dev-shs")
        );
        let bad: Databag = [
            ("port".to_owned(), "\"80\"".to_owned()),
            ("model".into(), "\"m\"".into()),
            ("name".into(), "\"n\"".into()),
        ]
        .into();
        assert!(matches!(
            IngressRequest::decode(&bad, &label()),
            Err(Error::WrongType { .. })
        ));
    }
}
