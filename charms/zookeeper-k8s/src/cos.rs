//! Observability: metrics and alert rules for Prometheus, a dashboard for Grafana, and log
//! forwarding to Loki through Pebble.
//!
//! Metrics come from ZooKeeper's own Prometheus provider on port 7000 (which also exports
//! the JVM's heap, threads and file descriptors) and, when the image ships it, the JMX
//! exporter on 9998 — the Python charm's two targets. The rules and the dashboard are this
//! charm's own files (`alert_rules/`, `grafana_dashboards/`), compiled in and also shipped
//! in the charm for operators to read.

use charm_interfaces::cos::prometheus_scrape::StaticConfig;
use charm_interfaces::cos::{
    AlertRules, Dashboard, Flavour, GrafanaDashboardProvider, LokiConsumer, MetricsEndpointProvider, ScrapeJob,
    Topology,
};
use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use crate::literals::{
    CONTAINER, GRAFANA_ENDPOINT, JMX_PORT, LOGGING_ENDPOINT, METRICS_ENDPOINT, METRICS_PROVIDER_PORT,
};

/// The Prometheus alert rules file.
pub const ALERT_RULES: &str = include_str!("../alert_rules/zookeeper.rules");
/// The Grafana dashboard.
pub const DASHBOARD: &str = include_str!("../grafana_dashboards/zookeeper.json");

/// The scrape job: every unit's metrics provider, and its JMX exporter when shipped.
pub fn scrape_job(jmx_exporter: bool) -> ScrapeJob {
    let mut targets = vec![format!("*:{METRICS_PROVIDER_PORT}")];
    if jmx_exporter {
        targets.push(format!("*:{JMX_PORT}"));
    }
    ScrapeJob::on_port(METRICS_PROVIDER_PORT, "/metrics").static_configs(vec![StaticConfig { targets, labels: None }])
}

/// Publishes scrape jobs, rules and dashboards, and points Pebble's log forwarding at the
/// related Loki units.
pub fn reconcile<C: Charm>(ctx: &mut Context<'_, C>, pebble: &dyn Pebble, jmx_exporter: bool) -> Result<(), Stop> {
    let topology = Topology::from_context(ctx);
    let mut rules = AlertRules::new();
    rules
        .add_file("zookeeper.rules", ALERT_RULES, Some(&topology), Flavour::Prometheus)
        .map_err(|e| e.into_stop())?;
    MetricsEndpointProvider::new(METRICS_ENDPOINT, vec![scrape_job(jmx_exporter)], rules)
        .reconcile(ctx)
        .map_err(|e| e.into_stop())?;
    let dashboard = Dashboard::from_file("zookeeper.json", DASHBOARD).map_err(|e| e.into_stop())?;
    GrafanaDashboardProvider::new(GRAFANA_ENDPOINT, vec![dashboard])
        .reconcile(ctx)
        .map_err(|e| e.into_stop())?;
    let endpoints = LokiConsumer::new(LOGGING_ENDPOINT, AlertRules::new())
        .reconcile(ctx)
        .map_err(|e| e.into_stop())?;
    charm_interfaces::cos::loki::apply_log_forwarding(pebble, CONTAINER, &endpoints, &topology)
        .map_err(|e| e.into_stop())?;
    Ok(())
}
