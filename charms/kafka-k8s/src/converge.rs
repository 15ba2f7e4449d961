//! Starts, restarts or leaves alone this unit's broker, and reloads its stores.
//!
//! - Not running: the files are written and the service started (first start, or after the
//!   pod was replaced). KRaft storage is formatted first, once.
//! - Running with the wanted configuration: nothing, except a certificate renewal or a new
//!   client CA, which Kafka loads without restart through dynamic broker config
//!   (`kafka-configs.sh --alter --add-config listener.name.<l>.ssl.{key,trust}store.location`
//!   with the same path, as the Python charm does for mTLS). If that fails the unit falls
//!   back to a rolling restart.
//! - Running with another configuration: it asks for the rolling-restart lock and restarts
//!   only while holding it.

use charm_sdk::pebble::{ExecRequest, Pebble};
use charm_sdk::prelude::*;

use crate::broker::{self, Desired, Started};
use crate::literals::*;
use crate::restart::RestartState;
use crate::workload::env::WORKLOAD_USER;
use crate::workload::paths::{BIN_DIR, CLIENT_PROPERTIES, KEYSTORE, TRUSTSTORE};
use crate::workload::{BrokerInputs, FormatCommand, Listener};

/// What converging the broker did, for statuses and the peer bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Running with the wanted configuration.
    Running,
    /// Waiting for the restart lock.
    RestartRequested,
    /// Restarted (now or earlier) but not running yet.
    Restarting(String),
    /// Prerequisites for the first start are missing.
    NotStarted(String),
    /// The workload cannot run here.
    Unavailable(String),
}

/// Whether a running broker needs a restart for `desired`.
pub fn needs_restart<C: Charm>(
    ctx: &mut Context<'_, C>,
    pebble: &dyn Pebble,
    desired: &Desired,
) -> Result<bool, Error> {
    if !broker::running(pebble)? {
        return Ok(false);
    }
    let loaded: Option<String> = ctx.unit_state(STATE_RUNNING_CONFIG)?;
    Ok(loaded.as_deref() != Some(desired.fingerprint().as_str()))
}

/// The trust salt: non-empty after a failed dynamic reload, which forces a restart.
pub fn trust_salt<C: Charm>(ctx: &mut Context<'_, C>) -> Result<String, Error> {
    Ok(ctx.unit_state::<String>(STATE_TRUST)?.unwrap_or_default())
}

/// Converges the service. `format` is the KRaft storage format command (KRaft only);
/// `holds_lock` whether this unit may restart now; `stores_changed` whether the keystore or
/// truststore was rewritten this run.
pub fn converge<C: Charm>(
    ctx: &mut Context<'_, C>,
    pebble: &dyn Pebble,
    inputs: &BrokerInputs,
    desired: &Desired,
    format: Option<&FormatCommand>,
    holds_lock: bool,
    stores_changed: bool,
) -> Result<Outcome, Error> {
    if let Some(why) = broker::unavailable(pebble)? {
        // The rendered configuration is still the charm's answer: write it, so operators
        // and actions (get-admin-credentials reads client.properties) see it even where no
        // broker can run.
        broker::write_files(pebble, desired)?;
        return Ok(Outcome::Unavailable(why));
    }
    let fingerprint = desired.fingerprint();
    if !broker::running(pebble)? {
        if let Some(command) = format {
            let formatted: Option<bool> = ctx.unit_state(STATE_FORMATTED)?;
            if formatted != Some(true) {
                // The format reads server.properties: write the files first.
                broker::write_files(pebble, desired)?;
                match broker::format_storage(pebble, command)? {
                    Ok(()) => ctx.set_unit_state(STATE_FORMATTED, &true)?,
                    Err(why) => return Ok(Outcome::Unavailable(why)),
                }
            }
        }
        return match broker::apply(pebble, desired, false)? {
            Started::Running => {
                ctx.set_unit_state(STATE_RUNNING_CONFIG, &fingerprint)?;
                ctx.info("kafka started");
                Ok(Outcome::Running)
            }
            Started::Failed(why) => Ok(Outcome::Unavailable(why)),
        };
    }
    let loaded: Option<String> = ctx.unit_state(STATE_RUNNING_CONFIG)?;
    if loaded.as_deref() == Some(fingerprint.as_str()) {
        if stores_changed && !reload_stores(pebble, inputs) {
            ctx.warn("the brokers could not reload their stores without restart; restarting instead");
            let salt = format!("{}-reload", loaded.unwrap_or_default());
            ctx.set_unit_state(STATE_TRUST, &salt)?;
        }
        return Ok(Outcome::Running);
    }
    if !holds_lock {
        return Ok(Outcome::RestartRequested);
    }
    ctx.info("rolling restart: restarting kafka with its new configuration");
    match broker::apply(pebble, desired, true)? {
        Started::Running => {
            ctx.set_unit_state(STATE_RUNNING_CONFIG, &fingerprint)?;
            Ok(Outcome::Running)
        }
        Started::Failed(why) => Ok(Outcome::Restarting(why)),
    }
}

/// The peer bag value of the restart progress for an outcome.
pub fn restart_mark(outcome: &Outcome) -> Option<RestartState> {
    match outcome {
        Outcome::RestartRequested => Some(RestartState::Requested),
        Outcome::Restarting(_) => Some(RestartState::Restarted),
        _ => None,
    }
}

/// Asks the running broker to reload its keystore and truststore on every TLS listener
/// (dynamic broker config with the same paths). Returns whether it worked.
pub fn reload_stores(pebble: &dyn Pebble, inputs: &BrokerInputs) -> bool {
    let tls_listeners: Vec<Listener> = inputs
        .listeners()
        .into_iter()
        .filter(|l| l.auth.protocol.is_tls())
        .collect();
    if tls_listeners.is_empty() {
        return true;
    }
    let internal = inputs.internal_listener();
    let entity = match &inputs.metadata {
        crate::workload::Metadata::KRaft(k) => k.node_id,
        crate::workload::Metadata::ZooKeeper(_) => inputs.unit_id,
    };
    let mut configs = Vec::new();
    for listener in &tls_listeners {
        let prefix = listener.prefix();
        configs.push(format!("{prefix}ssl.keystore.location={KEYSTORE}"));
        configs.push(format!("{prefix}ssl.truststore.location={TRUSTSTORE}"));
    }
    let argv: Vec<String> = vec![
        format!("{BIN_DIR}/bin/kafka-configs.sh"),
        "--bootstrap-server".to_owned(),
        format!("{}:{}", internal.advertised_host, internal.port()),
        "--command-config".to_owned(),
        CLIENT_PROPERTIES.to_owned(),
        "--entity-type".to_owned(),
        "brokers".to_owned(),
        "--entity-name".to_owned(),
        entity.to_string(),
        "--alter".to_owned(),
        "--add-config".to_owned(),
        configs.join(","),
    ];
    let request = ExecRequest::new(argv)
        .user(WORKLOAD_USER)
        .timeout(std::time::Duration::from_secs(60));
    matches!(pebble.exec(&request), Ok(out) if out.exit_code == 0)
}
