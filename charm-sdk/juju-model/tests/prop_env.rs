//! Property tests of the environment → event path: `JujuEnv::from_vars` and `Event::from_env`
//! never panic, whatever Juju (or anyone) exports, and a record that parsed writes back to
//! variables that parse to the same record and the same event.
//!
//! Why: these run first in every hook; a panic there is a charm that can never run, and a
//! lossy round trip would make the testing harness (which builds envs with `to_vars`) test
//! something other than production. Values mix Juju's real shapes (relation ids, unit names,
//! secret URIs, dispatch paths) with junk and arbitrary Unicode, so both the happy and the
//! error paths are exercised. Cases: `PROPTEST_CASES` or 2000 (about a second).

use juju_model::{Event, JujuEnv};
use proptest::prelude::*;

/// `PROPTEST_CASES` when set, else `default`.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    // Failures print the minimal input; no regression file is written next to the tests.
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Every variable the model reads.
const NAMES: [&str; 39] = [
    "JUJU_DISPATCH_PATH",
    "JUJU_HOOK_NAME",
    "JUJU_UNIT_NAME",
    "JUJU_MODEL_NAME",
    "JUJU_MODEL_UUID",
    "JUJU_VERSION",
    "JUJU_CHARM_DIR",
    "CHARM_DIR",
    "JUJU_CONTEXT_ID",
    "JUJU_AGENT_SOCKET_ADDRESS",
    "JUJU_AGENT_SOCKET_NETWORK",
    "JUJU_API_ADDRESSES",
    "JUJU_MACHINE_ID",
    "JUJU_PRINCIPAL_UNIT",
    "JUJU_AVAILABILITY_ZONE",
    "JUJU_RELATION",
    "JUJU_RELATION_ID",
    "JUJU_REMOTE_UNIT",
    "JUJU_REMOTE_APP",
    "JUJU_DEPARTING_UNIT",
    "JUJU_ACTION_NAME",
    "JUJU_ACTION_UUID",
    "JUJU_ACTION_TAG",
    "JUJU_WORKLOAD_NAME",
    "JUJU_NOTICE_ID",
    "JUJU_NOTICE_TYPE",
    "JUJU_NOTICE_KEY",
    "JUJU_PEBBLE_CHECK_NAME",
    "JUJU_SECRET_ID",
    "JUJU_SECRET_LABEL",
    "JUJU_SECRET_REVISION",
    "JUJU_STORAGE_ID",
    "JUJU_STORAGE_LOCATION",
    "JUJU_STORAGE_KIND",
    "JUJU_DEBUG",
    "JUJU_DEBUG_AT",
    "JUJU_TRACE_ID",
    "PATH",
    "HOME",
];

const HOOKS: [&str; 18] = [
    "install",
    "start",
    "stop",
    "remove",
    "config-changed",
    "update-status",
    "upgrade-charm",
    "leader-elected",
    "leader-settings-changed",
    "collect-metrics",
    "secret-changed",
    "secret-rotate",
    "secret-expired",
    "secret-remove",
    "pre-series-upgrade",
    "meter-status-changed",
    "",
    "hooks",
];

const SUFFIXES: [&str; 11] = [
    "-relation-created",
    "-relation-joined",
    "-relation-changed",
    "-relation-departed",
    "-relation-broken",
    "-storage-attached",
    "-storage-detaching",
    "-pebble-ready",
    "-pebble-custom-notice",
    "-pebble-check-failed",
    "-pebble-check-recovered",
];

fn app_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9]{0,8}(-[a-z][a-z0-9]{0,5}){0,2}",
        "[a-z0-9-]{0,6}",
        Just("db-01".to_owned()),
        any::<String>(),
    ]
}

fn unit_name() -> impl Strategy<Value = String> {
    prop_oneof![
        (app_name(), any::<u32>()).prop_map(|(a, n)| format!("{a}/{n}")),
        (app_name(), "[0-9+-]{0,12}").prop_map(|(a, n)| format!("{a}/{n}")),
        any::<String>(),
    ]
}

fn dispatch_path() -> impl Strategy<Value = String> {
    let name = prop_oneof!["[a-z][a-z0-9-]{0,12}", any::<String>()];
    prop_oneof![
        prop::sample::select(HOOKS.to_vec()).prop_map(|h| format!("hooks/{h}")),
        (name.clone(), prop::sample::select(SUFFIXES.to_vec())).prop_map(|(n, s)| format!("hooks/{n}{s}")),
        (name.clone(), prop::sample::select(SUFFIXES.to_vec())).prop_map(|(n, s)| format!("./hooks/{n}{s}")),
        name.clone().prop_map(|n| format!("actions/{n}")),
        name,
    ]
}

/// A value shaped like something Juju exports, or junk.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => Just(String::new()),
        2 => unit_name(),
        2 => app_name(),
        2 => (app_name(), any::<u32>()).prop_map(|(e, n)| format!("{e}:{n}")),
        1 => "[0-9:+-]{0,24}",
        2 => "[a-z0-9]{1,24}".prop_map(|id| format!("secret:{id}")),
        1 => ("[a-f0-9-]{8,36}", "[a-zA-Z0-9/:]{0,24}").prop_map(|(m, id)| format!("secret://{m}/{id}")),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        2 => dispatch_path(),
        1 => "[ ,a-z0-9.:]{0,40}",
    ]
}

fn var_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(NAMES.to_vec()).prop_map(str::to_owned),
        1 => "JUJU_[A-Z_]{0,12}",
        1 => any::<String>(),
    ]
}

/// The four variables `from_vars` requires, mostly valid, then anything else.
fn vars() -> impl Strategy<Value = Vec<(String, String)>> {
    let required = (
        prop_oneof![4 => dispatch_path(), 1 => value()],
        prop_oneof![4 => unit_name(), 1 => value()],
        prop_oneof![4 => "[a-z][a-z0-9-]{0,10}", 1 => value()],
        prop_oneof![4 => "[a-f0-9-]{36}", 1 => value()],
    );
    (required, prop::collection::vec((var_name(), value()), 0..24)).prop_map(|((path, unit, model, uuid), rest)| {
        let mut all = vec![
            ("JUJU_DISPATCH_PATH".to_owned(), path),
            ("JUJU_UNIT_NAME".to_owned(), unit),
            ("JUJU_MODEL_NAME".to_owned(), model),
            ("JUJU_MODEL_UUID".to_owned(), uuid),
        ];
        all.extend(rest);
        all
    })
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn parsing_any_environment_never_panics(vars in vars()) {
        if let Ok(env) = JujuEnv::from_vars(vars) {
            if let Ok(event) = Event::from_env(&env) {
                let _ = event.name(&env);
                let _ = event.is_reconcile();
            }
        }
    }

    #[test]
    fn a_parsed_environment_round_trips_through_its_variables(vars in vars()) {
        let Ok(env) = JujuEnv::from_vars(vars) else { return Ok(()) };
        let again = JujuEnv::from_vars(env.to_vars());
        prop_assert_eq!(again.as_ref(), Ok(&env), "to_vars: {:?}", env.to_vars());
        let event = Event::from_env(&env);
        prop_assert_eq!(Event::from_env(&env), event);
    }

    #[test]
    fn relation_hooks_of_any_endpoint_name_carry_their_relation(
        endpoint in "[a-z][a-z0-9-]{0,20}",
        id in any::<u32>(),
        suffix in prop::sample::select(SUFFIXES[..5].to_vec()),
        remote in "[a-z][a-z0-9]{0,8}",
        unit in any::<u32>(),
    ) {
        let env = JujuEnv::from_vars([
            ("JUJU_DISPATCH_PATH".to_owned(), format!("hooks/{endpoint}{suffix}")),
            ("JUJU_UNIT_NAME".to_owned(), "demo/0".to_owned()),
            ("JUJU_MODEL_NAME".to_owned(), "m".to_owned()),
            ("JUJU_MODEL_UUID".to_owned(), "u".to_owned()),
            ("JUJU_RELATION".to_owned(), endpoint.clone()),
            ("JUJU_RELATION_ID".to_owned(), format!("{endpoint}:{id}")),
            ("JUJU_REMOTE_APP".to_owned(), remote.clone()),
            ("JUJU_REMOTE_UNIT".to_owned(), format!("{remote}/{unit}")),
        ]);
        prop_assert!(env.is_ok(), "{env:?}");
        let env = env.unwrap_or_default();
        match Event::from_env(&env) {
            Ok(Event::Relation { relation, remote_unit, .. }) => {
                prop_assert_eq!(relation.endpoint, endpoint);
                prop_assert_eq!(relation.id.0, id);
                prop_assert_eq!(remote_unit.map(|u| u.to_string()), Some(format!("{remote}/{unit}")));
            }
            other => prop_assert!(false, "not a relation event: {other:?}"),
        }
        prop_assert_eq!(JujuEnv::from_vars(env.to_vars()), Ok(env));
    }

    #[test]
    fn actions_of_any_name_are_actions(name in any::<String>(), id in "[0-9a-f-]{0,36}") {
        let env = JujuEnv::from_vars([
            ("JUJU_DISPATCH_PATH", format!("actions/{name}").as_str()),
            ("JUJU_HOOK_NAME", ""),
            ("JUJU_UNIT_NAME", "demo/0"),
            ("JUJU_MODEL_NAME", "m"),
            ("JUJU_MODEL_UUID", "u"),
            ("JUJU_ACTION_UUID", id.as_str()),
        ]);
        let env = env.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let expected = Event::Action { name: name.clone(), id: (!id.is_empty()).then_some(id) };
        prop_assert_eq!(Event::from_env(&env), Ok(expected));
    }
}
