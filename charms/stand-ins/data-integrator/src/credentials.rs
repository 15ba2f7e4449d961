//! `get-credentials`: what every provider published, as the Python charm shows it.
//!
//! The Python action flattens `{"ok": True, "kafka": {...}, "postgresql": {...}}` into
//! `ok`, `kafka.username`, `kafka.password`, `kafka.endpoints`, `kafka.tls`, … — every field
//! the provider published, secrets resolved. Scripts parse exactly those keys, so they are
//! kept, including the provider's `data` copy of the request.

use charm_sdk::prelude::*;
use juju_model::tools::{valid_action_key, RESERVED_ACTION_KEYS};

use crate::products::{self, Observed, PRODUCTS};
use crate::DataIntegrator;

/// Failure: nothing configured.
pub const NOT_SPECIFIED: &str =
    "The database name, topic name, index name, keyspace name, or prefix is not specified in the config.";
/// Failure: no provider has answered.
pub const NOT_RELATED: &str = "The action can be run only after relation is created.";

/// Runs `get-credentials`.
pub fn get_credentials(ctx: &mut Context<'_, DataIntegrator>) -> Result<ActionResults, ActionError> {
    let config = ctx.config()?;
    if config.topic().is_none() && config.database().is_none() {
        return Err(ActionError::failed(NOT_SPECIFIED));
    }
    let mut observed = Vec::new();
    for product in PRODUCTS {
        let seen = products::observe(ctx, product, &config).map_err(|e| ActionError::failed(e.to_string()))?;
        observed.extend(seen);
    }
    if !observed.iter().any(Observed::has_credentials) {
        return Err(ActionError::failed(NOT_RELATED));
    }
    let mut results = ActionResults::new().set("ok", "True")?;
    for seen in &observed {
        // Databases are shown once they name the database, Kafka once it gave a user.
        let shown = if seen.product.is_database() {
            seen.active().is_some()
        } else {
            seen.has_credentials()
        };
        if !shown {
            continue;
        }
        let data = seen.data.as_ref().map(|d| ("data".to_owned(), d.clone()));
        for (key, value) in seen.fields.clone().into_iter().chain(data) {
            let full = format!("{}.{key}", seen.product.endpoint());
            if valid_action_key(&full) && !RESERVED_ACTION_KEYS.contains(&key.as_str()) {
                results = results.set(full, value)?;
            } else {
                ctx.debug(&format!(
                    "get-credentials: skipped the field {key:?}, not a valid action result key"
                ));
            }
        }
    }
    Ok(results)
}
