//! The COS side of the observability interfaces, for `charm-testing` states (feature
//! `testing`): Loki units that publish their push endpoint, and Prometheus and Grafana
//! applications related to the charm (they write nothing the charm reads; what the charm
//! writes for them is checked with [`scrape_jobs`] and [`dashboards`]).
//!
//! ```
//! use charm_interfaces::cos::testing;
//!
//! let loki = testing::loki_provider("logging", "http://loki-k8s-0.loki-k8s-endpoints:3100/loki/api/v1/push");
//! assert_eq!(
//!     loki.remote_units_data[&0]["endpoint"],
//!     r#"{"url": "http://loki-k8s-0.loki-k8s-endpoints:3100/loki/api/v1/push"}"#
//! );
//! ```

use charm_testing::Relation;

use super::grafana_dashboard::decode_dashboards;
use super::loki::ENDPOINT;
use crate::error::{Error, RelationLabel};
use crate::pyjson;

/// A relation on the charm's `loki_push_api` endpoint (`logging`) to loki-k8s with one unit
/// that has published `url` (`{"url": ...}` in its unit bag, as `LokiPushApiProvider`).
pub fn loki_provider(endpoint: &str, url: &str) -> Relation {
    loki_provider_units(endpoint, &[url])
}

/// Like [`loki_provider`] with one Loki unit per URL (`loki-k8s/0` publishes `urls[0]`…).
pub fn loki_provider_units(endpoint: &str, urls: &[&str]) -> Relation {
    let mut relation = Relation::new(endpoint)
        .interface("loki_push_api")
        .remote_app("loki-k8s")
        .remote_units(0);
    for (n, url) in (0u32..).zip(urls) {
        #[derive(serde::Serialize)]
        struct Url<'a> {
            url: &'a str,
        }
        let value = pyjson::dumps(&Url { url }).unwrap_or_default();
        relation = relation.remote_unit_data(n, [(ENDPOINT, value)]);
    }
    relation
}

/// A relation on the charm's `prometheus_scrape` endpoint (`metrics-endpoint`) to
/// prometheus-k8s.
pub fn prometheus_consumer(endpoint: &str) -> Relation {
    Relation::new(endpoint)
        .interface("prometheus_scrape")
        .remote_app("prometheus-k8s")
}

/// A relation on the charm's `grafana_dashboard` endpoint to grafana-k8s.
pub fn grafana_consumer(endpoint: &str) -> Relation {
    Relation::new(endpoint)
        .interface("grafana_dashboard")
        .remote_app("grafana-k8s")
}

/// The scrape jobs the charm published on `relation` (its app bag's `scrape_jobs`), as
/// Prometheus reads them; empty when none.
pub fn scrape_jobs(relation: &Relation) -> Result<Vec<serde_json::Value>, Error> {
    let Some(text) = relation.local_app_data.get("scrape_jobs") else {
        return Ok(Vec::new());
    };
    let label = RelationLabel::from_parts(relation.endpoint.clone(), relation.id.0, Some(&relation.remote_app));
    serde_json::from_str(text)
        .map_err(|e| Error::malformed(&label, crate::error::BagSide::RemoteApp, "scrape_jobs", &e))
}

/// The dashboards the charm published on `relation`, as Grafana decodes them: `(template
/// name, charm, dashboard JSON text)`.
pub fn dashboards(relation: &Relation) -> Result<Vec<(String, String, String)>, Error> {
    let label = RelationLabel::from_parts(relation.endpoint.clone(), relation.id.0, Some(&relation.remote_app));
    decode_dashboards(&relation.local_app_data, &label)
}
