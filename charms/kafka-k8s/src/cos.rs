//! Observability: scrape jobs and alert rules for Prometheus, a dashboard for Grafana, and
//! log forwarding to Loki through Pebble.
//!
//! Metrics come from the Prometheus JMX exporter agent each broker loads (port and rules are
//! the workload module's). The rules and the dashboard are this charm's own files
//! (`src/alert_rules/`, `src/grafana_dashboards/`), compiled in and also shipped in the charm
//! for operators to read. Logs: when `logging` is related, Pebble forwards the `kafka`
//! service's output to every Loki unit (the 4.x charm's LogForwarder behaviour); the broker
//! logs to stdout as well as to files, so `server.log` content reaches Loki.

use charm_interfaces::cos::loki::apply_log_forwarding;
use charm_interfaces::cos::{
    AlertRules, Dashboard, Flavour, GrafanaDashboardProvider, LokiConsumer, MetricsEndpointProvider, ScrapeJob,
    Topology,
};
use charm_sdk::pebble::Pebble;
use charm_sdk::prelude::*;

use crate::literals::{CONTAINER, GRAFANA_DASHBOARD, LOGGING, METRICS_ENDPOINT};
use crate::workload::paths::JMX_EXPORTER_PORT;

/// The Prometheus alert rules.
pub const ALERT_RULES: &str = include_str!("alert_rules/kafka.rules");
/// The Grafana dashboard.
pub const DASHBOARD: &str = include_str!("grafana_dashboards/kafka.json");

/// The scrape job: every unit's JMX exporter.
pub fn scrape_job() -> ScrapeJob {
    ScrapeJob::on_port(JMX_EXPORTER_PORT, "/metrics").job_name("kafka")
}

/// The scrape job of Cruise Control's JMX exporter (balancer role; only the leader unit runs
/// it, so the other units' targets are down, as with the Python charm's static `*:9102`).
pub fn cruise_control_scrape_job() -> ScrapeJob {
    ScrapeJob::on_port(crate::balancer::render::CC_JMX_EXPORTER_PORT, "/metrics").job_name("cruise-control")
}

/// Publishes the scrape jobs (Cruise Control's too with the balancer role), rules and
/// dashboard, and points Pebble's log forwarding at the related Loki units (only when the
/// container is reachable).
pub fn reconcile<C: Charm>(ctx: &mut Context<'_, C>, pebble: Option<&dyn Pebble>, balancer: bool) -> Result<(), Stop> {
    let topology = Topology::from_context(ctx);
    let mut rules = AlertRules::new();
    rules
        .add_file("kafka.rules", ALERT_RULES, Some(&topology), Flavour::Prometheus)
        .map_err(|e| e.into_stop())?;
    let mut jobs = vec![scrape_job()];
    if balancer {
        jobs.push(cruise_control_scrape_job());
    }
    MetricsEndpointProvider::new(METRICS_ENDPOINT, jobs, rules)
        .reconcile(ctx)
        .map_err(|e| e.into_stop())?;
    let dashboard = Dashboard::from_file("kafka.json", DASHBOARD).map_err(|e| e.into_stop())?;
    GrafanaDashboardProvider::new(GRAFANA_DASHBOARD, vec![dashboard])
        .reconcile(ctx)
        .map_err(|e| e.into_stop())?;
    let endpoints = LokiConsumer::new(LOGGING, AlertRules::new())
        .reconcile(ctx)
        .map_err(|e| e.into_stop())?;
    if let Some(pebble) = pebble {
        apply_log_forwarding(pebble, CONTAINER, &endpoints, &topology).map_err(|e| e.into_stop())?;
    }
    Ok(())
}
