//! The same hooks in-process: `charm_sdk::dispatch` of the demo charm with charm-testing's
//! `MemoryBackend` (an in-memory Juju that counts calls) and its fake Pebble, through
//! `charm_testing::Context::run`. No process is spawned, so this is the charm's and the
//! SDK's own cost — plus the emulator's (building the model, checking Juju's rules,
//! committing), which makes it an upper bound of the charm's share.

use std::time::{Duration, Instant};

use charm_testing::pebble::ContainerState;
use charm_testing::{Container, Context, PeerRelation, Relation, State, TestEvent};
use demo_charm::Demo;

/// The timings and calls of one hook, in-process.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The hook.
    pub(crate) hook: &'static str,
    /// One duration per run.
    pub(crate) times: Vec<Duration>,
    /// Hook tool calls of the last run.
    pub(crate) calls: Vec<String>,
}

fn greeting(state: State, text: &str) -> State {
    state.config([
        ("port", serde_json::json!(8080)),
        ("greeting", serde_json::json!(text)),
        ("log-level", serde_json::json!("INFO")),
    ])
}

/// Runs update-status and config-changed `runs` times each from the state an install left.
pub(crate) fn measure(runs: usize) -> Result<Vec<Row>, String> {
    let ctx = Context::<Demo>::new();
    let initial = greeting(State::default().app_name("demo").leader(true), "Hello from Rust")
        .peer(PeerRelation::new("cluster").peers(1))
        .relation(Relation::new("website").remote_app("client").remote_units(1))
        .container(Container::new("web").with_state(ContainerState::connectable()));
    let warm = ctx
        .run(TestEvent::install(), initial)
        .map_err(|e| format!("in-process install failed: {e}"))?
        .state;
    let mut rows = Vec::new();
    for hook in ["update-status", "config-changed"] {
        let mut row = Row {
            hook,
            times: Vec::with_capacity(runs),
            calls: Vec::new(),
        };
        for i in 0..runs {
            let (event, state) = match hook {
                "update-status" => (TestEvent::update_status(), warm.clone()),
                _ => (
                    TestEvent::config_changed(),
                    greeting(warm.clone(), if i % 2 == 0 { "Hi" } else { "Hello" }),
                ),
            };
            let start = Instant::now();
            let out = ctx
                .run(event, state)
                .map_err(|e| format!("in-process {hook} failed: {e}"))?;
            row.times.push(start.elapsed());
            row.calls = out.calls;
        }
        rows.push(row);
    }
    Ok(rows)
}
