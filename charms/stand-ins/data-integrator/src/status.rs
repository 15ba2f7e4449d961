//! The Python charm's statuses once the config is usable: related or not, and whether the
//! config still says what the providers granted.
//!
//! A provider grants one topic or database per relation; the Python charm never asks for a
//! second one on the same relation and instead tells the operator to re-integrate. The
//! stand-in keeps those words and that order, so the same runbooks apply.

use crate::config::Config;
use crate::products::{Observed, Product};

/// Blocked: no provider has answered with credentials.
pub const NOT_RELATED: &str = "Please relate the data-integrator with the desired product";
/// Blocked: `extra-user-roles` differs from what a provider echoes.
pub const ROLES_CHANGED: &str = "To change role info, please remove relation and add it again";

/// The Blocked message for what the relations say, or `None` (Active).
pub fn blocked(config: &Config, observed: &[Observed]) -> Option<String> {
    if !observed.iter().any(Observed::has_credentials) {
        return Some(NOT_RELATED.to_owned());
    }
    // `_get_active_value`: the first related product (databases first) says what is active.
    let roles = observed.first().and_then(|o| o.field("extra-user-roles"));
    if roles.is_some_and(|r| Some(r) != config.roles()) {
        return Some(ROLES_CHANGED.to_owned());
    }
    let kafka = observed.iter().find(|o| o.product == Product::Kafka);
    if let Some(kafka) = kafka.filter(|k| k.has_credentials()) {
        if kafka.active() != config.topic() {
            return Some(change("topic", kafka.active()));
        }
    }
    let databases: Vec<&Observed> = observed.iter().filter(|o| o.product.is_database()).collect();
    if databases.iter().any(|o| o.has_credentials()) {
        let active: Vec<&str> = databases.iter().filter_map(|o| o.active()).collect();
        if active.iter().any(|a| Some(*a) != config.database()) {
            return Some(change("database name", active.first().copied()));
        }
    }
    None
}

/// `To change topic: events, please remove relation and add it again` (Python prints a
/// missing value as `None`).
fn change(what: &str, active: Option<&str>) -> String {
    format!(
        "To change {what}: {}, please remove relation and add it again",
        active.unwrap_or("None")
    )
}
