//! `prometheus_scrape` provider (`metrics-endpoint`): tell Prometheus what to scrape and
//! which alerts to load.
//!
//! Source: prometheus_k8s v0 `prometheus_scrape.py` LIBPATCH 38, `MetricsEndpointProvider`:
//! - every unit writes `prometheus_scrape_unit_address` (its bind address, or the host of
//!   the external URL), `prometheus_scrape_unit_name` (`app/0`) and
//!   `prometheus_scrape_unit_path` (the external URL's path; the library writes `""`,
//!   which deletes the key);
//! - the leader writes `scrape_metadata` (topology), `scrape_jobs` (sanitised jobs, or
//!   the default job) and, when there are rules, `alert_rules`.
//!
//! Jobs keep the library's key order: `sanitize_scrape_config` starts from a copy of
//! `DEFAULT_JOB` (`metrics_path`, `static_configs`) and updates it with the charm's job, so
//! those two keys always come first, then the charm's other keys in the order given.

use charm_sdk::{Charm, Context};
use juju_model::Databag;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::alert_rules::AlertRules;
use super::topology::Topology;
use crate::error::{Error, RelationLabel};
use crate::pyjson::{self, Ordered};

/// The keys `sanitize_scrape_config` keeps.
pub const ALLOWED_KEYS: [&str; 16] = [
    "job_name",
    "metrics_path",
    "static_configs",
    "scrape_interval",
    "scrape_timeout",
    "proxy_url",
    "relabel_configs",
    "metrics_relabel_configs",
    "sample_limit",
    "label_limit",
    "label_name_length_limit",
    "label_value_length_limit",
    "scheme",
    "basic_auth",
    "tls_config",
    "authorization",
];

/// One `static_configs` entry. `*` as host means "each unit's address" (the consumer
/// expands it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StaticConfig {
    /// `host:port` targets.
    pub targets: Vec<String>,
    /// Extra labels, in the order given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Ordered<String>>,
}

/// One Prometheus scrape job.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeJob {
    metrics_path: String,
    static_configs: Vec<StaticConfig>,
    rest: Vec<(String, Value)>,
}

impl Default for ScrapeJob {
    /// `DEFAULT_JOB`: `/metrics` on every unit's port 80.
    fn default() -> Self {
        Self {
            metrics_path: "/metrics".into(),
            static_configs: vec![StaticConfig {
                targets: vec!["*:80".into()],
                labels: None,
            }],
            rest: Vec::new(),
        }
    }
}

impl ScrapeJob {
    /// A job scraping `path` on every unit's `port` (`*:<port>`).
    pub fn on_port(port: u16, path: impl Into<String>) -> Self {
        Self {
            metrics_path: path.into(),
            static_configs: vec![StaticConfig {
                targets: vec![format!("*:{port}")],
                labels: None,
            }],
            rest: Vec::new(),
        }
    }

    /// Replaces `static_configs`.
    pub fn static_configs(mut self, configs: Vec<StaticConfig>) -> Self {
        self.static_configs = configs;
        self
    }

    /// Sets `job_name` (the consumer prefixes it with the topology).
    pub fn job_name(self, name: impl Into<String>) -> Self {
        self.with("job_name", Value::String(name.into()))
    }

    /// Sets `scheme` (`http`/`https`).
    pub fn scheme(self, scheme: impl Into<String>) -> Self {
        self.with("scheme", Value::String(scheme.into()))
    }

    /// Sets `scrape_interval` (`30s`).
    pub fn scrape_interval(self, interval: impl Into<String>) -> Self {
        self.with("scrape_interval", Value::String(interval.into()))
    }

    /// Sets any other allowed key; keys outside [`ALLOWED_KEYS`] are dropped, as the
    /// library's sanitiser does. A key set twice keeps its first position.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        match key {
            "metrics_path" => {
                if let Value::String(p) = value {
                    self.metrics_path = p;
                }
            }
            "static_configs" => {
                if let Ok(configs) = serde_json::from_value::<Vec<StaticConfigIn>>(value) {
                    self.static_configs = configs.into_iter().map(StaticConfigIn::into_config).collect();
                }
            }
            k if ALLOWED_KEYS.contains(&k) => match self.rest.iter_mut().find(|(existing, _)| existing == k) {
                Some(slot) => slot.1 = value,
                None => self.rest.push((k.to_owned(), value)),
            },
            _ => {}
        }
        self
    }
}

#[derive(serde::Deserialize)]
struct StaticConfigIn {
    targets: Vec<String>,
    #[serde(default)]
    labels: Option<std::collections::BTreeMap<String, String>>,
}

impl StaticConfigIn {
    fn into_config(self) -> StaticConfig {
        StaticConfig {
            targets: self.targets,
            labels: self.labels.map(|l| Ordered(l.into_iter().collect())),
        }
    }
}

impl Serialize for ScrapeJob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2 + self.rest.len()))?;
        map.serialize_entry("metrics_path", &self.metrics_path)?;
        map.serialize_entry("static_configs", &self.static_configs)?;
        for (k, v) in &self.rest {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The unit-bag keys.
pub const UNIT_ADDRESS: &str = "prometheus_scrape_unit_address";
/// The unit-bag keys.
pub const UNIT_NAME: &str = "prometheus_scrape_unit_name";
/// The unit-bag keys.
pub const UNIT_PATH: &str = "prometheus_scrape_unit_path";

/// The application bag the leader writes (pure).
pub fn app_bag(topology: &Topology, jobs: &[ScrapeJob], rules: &AlertRules) -> Databag {
    let default = [ScrapeJob::default()];
    let jobs = if jobs.is_empty() { &default[..] } else { jobs };
    let mut bag = Databag::new();
    bag.insert("scrape_metadata".into(), pyjson::dumps(topology).unwrap_or_default());
    bag.insert("scrape_jobs".into(), pyjson::dumps(jobs).unwrap_or_default());
    if !rules.is_empty() {
        bag.insert("alert_rules".into(), rules.to_json());
    }
    bag
}

/// The unit bag every unit writes (pure). With an external URL (ingress), its host and
/// path replace the bind address.
pub fn unit_bag(unit: &str, bind_address: &str, external_url: Option<&str>) -> Databag {
    let (address, path) = match external_url.and_then(split_url) {
        Some((host, path)) => (host, path),
        None => (bind_address.to_owned(), String::new()),
    };
    [
        (UNIT_ADDRESS.to_owned(), address),
        (UNIT_PATH.to_owned(), path),
        (UNIT_NAME.to_owned(), unit.to_owned()),
    ]
    .into()
}

/// `urlparse(url)` → (hostname, path); a URL without scheme gets `http://` first.
fn split_url(url: &str) -> Option<(String, String)> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) if rest[i..].starts_with('/') => {
            let p = &rest[i..];
            (&rest[..i], p.split(['?', '#']).next().unwrap_or(p))
        }
        Some(i) => (&rest[..i], ""),
        None => (rest, ""),
    };
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    (!host.is_empty()).then(|| (host.to_ascii_lowercase(), path.to_owned()))
}

/// The metrics provider of one endpoint.
#[derive(Debug, Clone)]
pub struct MetricsEndpointProvider {
    endpoint: String,
    jobs: Vec<ScrapeJob>,
    rules: AlertRules,
    external_url: Option<String>,
}

impl MetricsEndpointProvider {
    /// A provider on `endpoint` (usually `metrics-endpoint`) with these jobs (empty: the
    /// default job) and rules.
    pub fn new(endpoint: impl Into<String>, jobs: Vec<ScrapeJob>, rules: AlertRules) -> Self {
        Self {
            endpoint: endpoint.into(),
            jobs,
            rules,
            external_url: None,
        }
    }

    /// Advertise this URL's host and path instead of the bind address.
    pub fn with_external_url(mut self, url: impl Into<String>) -> Self {
        self.external_url = Some(url.into());
        self
    }

    /// Writes the unit bag (every unit) and the application bag (leader) on every
    /// relation; idempotent.
    pub fn reconcile<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        let relations = ctx.relations(&self.endpoint)?;
        if relations.is_empty() {
            return Ok(());
        }
        let topology = Topology::from_context(ctx);
        // `get_binding(relation).network.bind_address`, else `socket.getfqdn()` (the pod's
        // FQDN on Kubernetes).
        let network = ctx.network(&self.endpoint).ok();
        let bound = network
            .as_ref()
            .and_then(|n| n.bind_address().or(n.ingress_address()))
            .map(str::to_owned);
        let address = bound.unwrap_or_else(|| {
            crate::ingress::default_host(&ctx.unit().to_string(), ctx.app().as_str(), ctx.model_name())
        });
        let unit = unit_bag(&ctx.unit().to_string(), &address, self.external_url.as_deref());
        let app = app_bag(&topology, &self.jobs, &self.rules);
        let leader = ctx.leader()?;
        for relation in relations {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            ctx.update_unit_data(&relation, &unit)
                .map_err(|e| Error::from(e).on(&label))?;
            if let Some(leader) = &leader {
                ctx.update_app_data(&relation, leader, &app)
                    .map_err(|e| Error::from(e).on(&label))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_job_is_the_library_default() {
        assert_eq!(
            pyjson::dumps(&[ScrapeJob::default()]).unwrap(),
            r#"[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:80"]}]}]"#
        );
    }

    #[test]
    fn sanitised_jobs_keep_default_keys_first() {
        let job = ScrapeJob::on_port(9101, "/metrics")
            .job_name("kafka")
            .with("bogus", Value::Bool(true))
            .scheme("https");
        assert_eq!(
            pyjson::dumps(&job).unwrap(),
            r#"{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:9101"]}], "job_name": "kafka", "scheme": "https"}"#
        );
    }

    #[test]
    fn unit_bag_uses_external_url_host_and_path() {
        let bag = unit_bag(
            "kafka/0",
            "10.1.2.3",
            Some("https://Kafka.example.com:443/model-kafka/"),
        );
        assert_eq!(bag[UNIT_ADDRESS], "kafka.example.com");
        assert_eq!(bag[UNIT_PATH], "/model-kafka/");
        let bag = unit_bag("kafka/0", "10.1.2.3", None);
        assert_eq!(bag[UNIT_ADDRESS], "10.1.2.3");
        assert_eq!(bag[UNIT_PATH], "");
        assert_eq!(bag[UNIT_NAME], "kafka/0");
    }
}
