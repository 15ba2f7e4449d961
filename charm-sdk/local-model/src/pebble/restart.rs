//! What a Pebble "shutdown" means here: Kubernetes restarting the workload container.
//!
//! When a service's `on-success`/`on-failure`/`on-check-failure` action is `shutdown`,
//! Pebble exits and Kubernetes restarts the container: its services are gone, the plan is
//! back to the rock's layers (layers added through the API live in memory only), while
//! changes and notices survive (they are in Pebble's state file on a volume). Juju then fires
//! `<container>-pebble-ready` again. This module does exactly that to the running server,
//! with a crash-loop delay that doubles per restart (capped at 30 s).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::logs::Entry;
use super::state::Shared;
use super::{checks, layers, services, PebbleEvent};

const MAX_DELAY: Duration = Duration::from_secs(30);

/// Starts a container restart in the background (ignored while one is running or during
/// shutdown).
pub(crate) fn trigger(shared: &Arc<Shared>, reason: String) {
    {
        let mut st = shared.lock();
        if st.stopping || st.restarting {
            return;
        }
        st.restarting = true;
    }
    shared.write_log(&Entry {
        time: SystemTime::now(),
        service: "pebble".into(),
        message: format!("{reason}: restarting the container (Pebble shutdown action)\n"),
    });
    let shared = shared.clone();
    tokio::spawn(async move {
        services::stop_all(&shared).await;
        let delay = {
            let mut st = shared.lock();
            checks::stop_all(&mut st);
            if st.stopping {
                st.restarting = false;
                return;
            }
            st.layers = shared.options.layers.clone();
            st.plan = layers::plan_of(&st.layers).unwrap_or_default();
            st.services.clear();
            st.restarts += 1;
            checks::plan_changed(&shared, &mut st);
            let doublings = st.restarts.saturating_sub(1).min(16);
            shared
                .options
                .restart_delay
                .saturating_mul(1 << doublings)
                .min(MAX_DELAY)
        };
        tokio::time::sleep(delay).await;
        let name = {
            let mut st = shared.lock();
            st.restarting = false;
            if st.stopping {
                return;
            }
            shared.sandbox.name.clone()
        };
        shared.emit(PebbleEvent::Ready { sandbox: name });
    });
}
