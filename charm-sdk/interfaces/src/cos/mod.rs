//! The Canonical Observability Stack interfaces a workload charm provides or consumes:
//! `prometheus_scrape` (metrics and alert rules), `grafana_dashboard` (dashboards) and
//! `loki_push_api` (log forwarding through Pebble, and log alert rules).
//!
//! Why here: the COS charms are Python and read what their libraries write, including
//! key order inside JSON values (topology dicts, scrape jobs, rules) and the compressed
//! dashboard encoding. Each module says where it differs from the library and why.

pub mod alert_rules;
pub mod grafana_dashboard;
pub mod loki;
pub mod prometheus_scrape;
#[cfg(feature = "testing")]
pub mod testing;
pub mod topology;

pub use alert_rules::{AlertRules, Flavour};
pub use grafana_dashboard::{Dashboard, GrafanaDashboardProvider};
pub use loki::{log_forwarding_layer, LokiConsumer, LokiEndpoint};
pub use prometheus_scrape::{MetricsEndpointProvider, ScrapeJob, StaticConfig};
pub use topology::Topology;
