//! Contract tests of the `upgrade` peer protocol (data-platform-libs `upgrade.py`, LIBPATCH 19):
//! the bags' bytes as the library writes them, the decisions as its handlers make them, and
//! the `Context` layer in process with a small charm.
//!
//! Facts from the library's source: the stack is `json.dumps(list_of_ints)` in the app bag
//! under `upgrade-stack`, LIFO (index -1 upgrades first), built on K8s as
//! `sorted(unit numbers)`; `dependencies` is `json.dumps(model.dict())`; unit `state` is one of
//! `STATES = ["recovery", "failed", "idle", "ready", "upgrading", "completed"]` and
//! `cluster_state` is the lowest of them (`None` if any unit has another value).

// Test code: a failed setup step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use charm_interfaces::upgrade::decide::{self, LeaderStep, NotReady, PreCheck, Turn, View};
use charm_interfaces::upgrade::wire::{Dependencies, Dependency, UnitState, UpgradeStack};
use charm_interfaces::upgrade::{DataUpgrade, ROLLBACK_INSTRUCTIONS};
use charm_sdk::prelude::*;
use charm_testing::{PeerRelation, State, TestContext, TestEvent};
use interop_support::stdout_with_input;

/// What Python's `json.dumps` writes for the ZooKeeper charm's `DEPENDENCIES`
/// (zookeeper-k8s-operator `src/literals.py`).
const ZK_DEPENDENCIES: &str =
    r#"{"service": {"dependencies": {}, "name": "zookeeper", "upgrade_supported": "^3.6", "version": "3.9.2"}}"#;
/// KK3's (kafka-k8s-operator 3/edge `src/literals.py`).
const KAFKA_DEPENDENCIES: &str = r#"{"kafka_service": {"dependencies": {"zookeeper": ">3.6"}, "name": "kafka", "upgrade_supported": "^3", "version": "3.9.0"}}"#;

fn zk_deps() -> Dependencies {
    Dependencies(vec![(
        "service".into(),
        Dependency {
            dependencies: vec![],
            name: "zookeeper".into(),
            upgrade_supported: "^3.6".into(),
            version: "3.9.2".into(),
        },
    )])
}

fn kafka_deps() -> Dependencies {
    Dependencies(vec![(
        "kafka_service".into(),
        Dependency {
            dependencies: vec![("zookeeper".into(), ">3.6".into())],
            name: "kafka".into(),
            upgrade_supported: "^3".into(),
            version: "3.9.0".into(),
        },
    )])
}

#[test]
fn dependencies_are_the_bytes_python_writes() {
    assert_eq!(zk_deps().encode(), ZK_DEPENDENCIES);
    assert_eq!(kafka_deps().encode(), KAFKA_DEPENDENCIES);
    assert_eq!(Dependencies::decode(KAFKA_DEPENDENCIES), Ok(kafka_deps()));
    // json.loads tolerates any spelling; so do we.
    let compact = r#"{"service":{"version":"3.9.2","name":"zookeeper","upgrade_supported":"^3.6","dependencies":{}}}"#;
    assert_eq!(Dependencies::decode(compact), Ok(zk_deps()));
    assert!(Dependencies::decode(r#"{"service": {"name": "zookeeper"}}"#).is_err());
}

#[test]
fn the_stack_is_a_python_list_of_ints() {
    assert_eq!(UpgradeStack(vec![0, 1, 2]).encode(), "[0, 1, 2]");
    assert_eq!(UpgradeStack(vec![]).encode(), "[]");
    assert_eq!(
        UpgradeStack::decode(Some("[5, 2, 4, 1, 3]")).map(|s| s.top()),
        Ok(Some(3))
    );
    assert_eq!(UpgradeStack::decode(Some("[0,1]")), Ok(UpgradeStack(vec![0, 1])));
    assert_eq!(UpgradeStack::decode(None), Ok(UpgradeStack::default()));
    assert_eq!(UpgradeStack::decode(Some("")), Ok(UpgradeStack::default()));
    assert!(UpgradeStack::decode(Some("[\"0\"]")).is_err());
}

/// Python's own `json.dumps` of the same values gives our bytes (python3 is installed by
/// scripts/install-deps.sh wherever tests run; without it this fails).
#[test]
fn python_json_dumps_agrees_with_ours() {
    let script = "import json\n\
        print(json.dumps([0, 1, 2]))\n\
        print(json.dumps({'service': {'dependencies': {}, 'name': 'zookeeper', 'upgrade_supported': '^3.6', 'version': '3.9.2'}}))\n\
        print(json.dumps({'kafka_service': {'dependencies': {'zookeeper': '>3.6'}, 'name': 'kafka', 'upgrade_supported': '^3', 'version': '3.9.0'}}))";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .output()
        .unwrap_or_else(|e| panic!("cannot run `python3` ({e}): run scripts/install-deps.sh"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            UpgradeStack(vec![0, 1, 2]).encode(),
            zk_deps().encode(),
            kafka_deps().encode()
        ]
    );
}

#[test]
fn states_and_cluster_state_follow_the_library_order() {
    let names: Vec<&str> = UnitState::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["recovery", "failed", "idle", "ready", "upgrading", "completed"]);
    let mut view = view3(&["ready", "upgrading", "completed"]);
    assert_eq!(view.cluster_state(), Some(UnitState::Ready));
    view.states.insert(1, String::new());
    assert_eq!(view.cluster_state(), None, "an unset state leaves no cluster state");
    view.states.insert(1, "bogus".into());
    assert_eq!(view.cluster_state(), None);
}

fn view3(states: &[&str]) -> View {
    View {
        me: 0,
        leader: true,
        states: states
            .iter()
            .enumerate()
            .map(|(n, s)| (n as u32, (*s).to_owned()))
            .collect(),
        ..View::default()
    }
}

#[test]
fn pre_upgrade_check_refusals_and_plan() {
    let idle = view3(&["idle", "idle", "idle"]);
    let follower = View {
        leader: false,
        ..idle.clone()
    };
    assert_eq!(
        decide::pre_upgrade_check(&follower, || Ok(())),
        Err(decide::NOT_LEADER.to_owned())
    );
    let busy = View {
        stack: UpgradeStack(vec![0, 1]),
        ..view3(&["ready", "ready", "completed"])
    };
    assert_eq!(
        decide::pre_upgrade_check(&busy, || Ok(())),
        Err(decide::ALREADY_UPGRADING.to_owned())
    );
    let sick = decide::pre_upgrade_check(&idle, || {
        Err(NotReady::pre("Some quorum members are still syncing data"))
    });
    assert_eq!(
        sick,
        Err("Pre-upgrade check failed and cannot safely upgrade: Some quorum members are still syncing data".into())
    );
    assert_eq!(
        decide::pre_upgrade_check(&idle, || Ok(())),
        Ok(PreCheck::Start {
            stack: UpgradeStack(vec![0, 1, 2]),
            partition: 2
        })
    );
    // A failed unit: recovery, completed units back just below the top.
    let failed = View {
        stack: UpgradeStack(vec![0, 1]),
        ..view3(&["ready", "failed", "completed"])
    };
    assert_eq!(
        decide::pre_upgrade_check(&failed, || panic!("no health check in recovery")),
        Ok(PreCheck::Recovery {
            stack: UpgradeStack(vec![0, 2, 1])
        })
    );
}

#[test]
fn resume_only_after_the_first_unit() {
    let mut view = View {
        stack: UpgradeStack(vec![0, 1, 2]),
        ..view3(&["ready", "ready", "upgrading"])
    };
    assert_eq!(decide::resume_upgrade(&view), Err(decide::RESUME_ONCE.to_owned()));
    view.stack = UpgradeStack(vec![0, 1]);
    let resume = decide::resume_upgrade(&view).expect("resumable");
    assert_eq!(
        (resume.partition, resume.message.as_str()),
        (1, "Upgrade will resume on unit 1")
    );
    view.stack = UpgradeStack(vec![0]);
    assert_eq!(decide::resume_upgrade(&view), Err(decide::RESUME_ONCE.to_owned()));
    view.stack = UpgradeStack::default();
    assert_eq!(decide::resume_upgrade(&view), Err(decide::NOTHING_TO_RESUME.to_owned()));
    view.leader = false;
    assert_eq!(decide::resume_upgrade(&view), Err(decide::NOT_LEADER.to_owned()));
}

/// The whole sequence on three units, each step a pure decision on the bags.
#[test]
fn a_three_unit_upgrade_walks_the_stack_top_down_with_one_pause() {
    let mut view = view3(&["idle", "idle", "idle"]);
    let PreCheck::Start { stack, partition } = decide::pre_upgrade_check(&view, || Ok(())).expect("healthy") else {
        panic!("not a start")
    };
    view.stack = stack;
    view.partition = Some(partition);
    // upgrade-charm everywhere: ready.
    for n in 0..3 {
        let unit = View { me: n, ..view.clone() };
        assert_eq!(decide::on_upgrade_charm(&unit), Some(UnitState::Ready));
        view.states.insert(n, "ready".into());
    }
    let turns = |v: &View| -> Vec<Turn> { (0..3).map(|n| decide::turn(&View { me: n, ..v.clone() })).collect() };
    assert_eq!(turns(&view)[2], Turn::Go);
    assert!(matches!(turns(&view)[1], Turn::Wait(_)));
    view.states.insert(2, "upgrading".into());
    assert_eq!(turns(&view)[2], Turn::Go, "still its turn while upgrading");
    view.states.insert(2, "completed".into());
    let step = decide::leader_step(&view);
    assert_eq!(
        step,
        LeaderStep {
            stack: Some(UpgradeStack(vec![0, 1])),
            partition: None
        }
    );
    view.stack = UpgradeStack(vec![0, 1]);
    // Unit 1 is on top but below the partition: it waits for resume-upgrade.
    assert_eq!(
        turns(&view)[1],
        Turn::Wait("unit 2 upgraded; waiting for resume-upgrade".into())
    );
    let resume = decide::resume_upgrade(&view).expect("resumable");
    view.partition = Some(resume.partition);
    assert_eq!(turns(&view)[1], Turn::Go);
    view.states.insert(1, "completed".into());
    let step = decide::leader_step(&view);
    assert_eq!(
        step,
        LeaderStep {
            stack: Some(UpgradeStack(vec![0])),
            partition: Some(Some(0))
        }
    );
    view.stack = UpgradeStack(vec![0]);
    view.partition = Some(0);
    assert_eq!(turns(&view)[0], Turn::Go);
    view.states.insert(0, "completed".into());
    view.stack = decide::leader_step(&view).stack.expect("popped");
    assert!(view.stack.is_empty());
    assert_eq!(turns(&view), [Turn::Finish, Turn::Finish, Turn::Finish]);
    for n in 0..3 {
        view.states.insert(n, "idle".into());
    }
    assert_eq!(
        decide::leader_step(&view).partition,
        Some(None),
        "the partition key goes at the end"
    );
}

#[test]
fn a_failed_unit_halts_everyone_and_nobody_pops() {
    let view = View {
        stack: UpgradeStack(vec![0, 1]),
        partition: Some(1),
        ..view3(&["ready", "ready", "failed"])
    };
    assert_eq!(decide::turn(&View { me: 1, ..view.clone() }), Turn::Halted);
    assert!(decide::leader_step(&view).is_empty());
    // The rollback: recovery on the leader, the failed unit gets the old charm back and goes first.
    // (Unit 2 failed on top of the stack, so nothing was popped.)
    let on_top = View {
        stack: UpgradeStack(vec![0, 1, 2]),
        ..view.clone()
    };
    let PreCheck::Recovery { stack } = decide::pre_upgrade_check(&on_top, || Ok(())).expect("recovery") else {
        panic!("not a recovery")
    };
    assert_eq!(stack, UpgradeStack(vec![0, 1, 2]));
    let mut rollback = View { stack, ..on_top };
    rollback.states.insert(0, "recovery".into());
    let failed = View {
        me: 2,
        ..rollback.clone()
    };
    assert_eq!(decide::on_upgrade_charm(&failed), Some(UnitState::Ready));
    rollback.states.insert(2, "ready".into());
    assert_eq!(
        decide::turn(&View {
            me: 2,
            ..rollback.clone()
        }),
        Turn::Go
    );
}

#[test]
fn one_unit_at_a_time_even_if_the_stack_is_rewritten() {
    let view = View {
        me: 1,
        stack: UpgradeStack(vec![0, 1]),
        partition: Some(0),
        ..view3(&["upgrading", "ready", "completed"])
    };
    assert_eq!(decide::turn(&view), Turn::Wait(decide::WAITING_TURN.into()));
}

#[test]
fn version_checks_between_charms() {
    assert_eq!(decide::upgrade_supported(Some(&zk_deps()), &zk_deps()), Ok(()));
    assert_eq!(decide::upgrade_supported(None, &zk_deps()), Ok(()));
    let old = Dependencies(vec![(
        "service".into(),
        Dependency {
            version: "3.5.9".into(),
            ..zk_deps().0[0].1.clone()
        },
    )]);
    assert_eq!(
        decide::upgrade_supported(Some(&old), &zk_deps()),
        Err("Versions incompatible, service 3.5.9 can not be upgraded to 3.9.2".into())
    );
}

// ---- The Context layer, in process ----

/// A charm that only speaks the upgrade protocol; its "workload" is healthy unless the
/// `sick` config option says otherwise.
struct Upgrader;

#[derive(serde::Deserialize)]
#[serde(tag = "name", content = "params", rename_all = "kebab-case")]
enum Action {
    PreUpgradeCheck,
    ResumeUpgrade,
    SetPassword,
}

impl Upgrader {
    fn upgrade() -> DataUpgrade {
        DataUpgrade::new("upgrade", zk_deps())
    }
}

impl Charm for Upgrader {
    const CHARMCRAFT: &'static str = "name: up\npeers: {upgrade: {interface: upgrade}}\n\
        config: {options: {sick: {type: boolean, default: false}}}\n\
        actions: {pre-upgrade-check: {}, resume-upgrade: {}, set-password: {}}\n";
    type Config = serde_json::Value;
    type Action = Action;
    fn new() -> Self {
        Upgrader
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let mut run = Self::upgrade().read(ctx)?.or_waiting("no upgrade relation")?;
        run.on_hook(ctx)?;
        match run.turn() {
            Turn::Go => {
                run.set_state(ctx, UnitState::Upgrading)?;
                let sick = ctx.config()?["sick"].as_bool().unwrap_or(false);
                if sick {
                    run.set_failed(ctx, "zookeeper did not rejoin the quorum")?;
                } else {
                    run.set_completed(ctx)?;
                }
            }
            Turn::Finish => run.finish(ctx)?,
            _ => {}
        }
        if let Some(status) = run.status() {
            ctx.add_status(status);
        }
        Ok(())
    }

    fn run_action(&self, ctx: &mut Context<'_, Self>, action: Action) -> Result<ActionResults, ActionError> {
        let mut run = Self::upgrade()
            .read_all(ctx)?
            .ok_or_else(|| ActionError::failed("Could not find upgrade relation."))?;
        match action {
            Action::PreUpgradeCheck => {
                let sick = ctx.config()?["sick"].as_bool().unwrap_or(false);
                run.pre_upgrade_check(ctx, || {
                    if sick {
                        Err(NotReady::pre("Quorum leader not found"))
                    } else {
                        Ok(())
                    }
                })
            }
            Action::ResumeUpgrade => run.resume_upgrade(ctx),
            Action::SetPassword => {
                run.refuse_while_upgrading("set password")?;
                Ok(ActionResults::new().set("done", "yes")?)
            }
        }
    }
}

fn peers(unit_states: &[(u32, &str)]) -> PeerRelation {
    let mut rel = PeerRelation::new("upgrade");
    for (n, s) in unit_states {
        rel = rel.peer_data(*n, [("state", *s)]);
    }
    rel
}

#[test]
fn relation_created_sets_idle_and_the_leader_records_dependencies() {
    let rel = PeerRelation::new("upgrade").peers(2);
    let state = State::default().leader(true).peer(rel.clone());
    let out = TestContext::<Upgrader>::new()
        .run(TestEvent::relation_created(&rel), state)
        .expect("runs");
    let after = out.state.get_peer(&rel).expect("peer");
    assert_eq!(after.local_unit_data["state"], "idle");
    assert_eq!(after.local_app_data["dependencies"], ZK_DEPENDENCIES);
}

#[test]
fn pre_upgrade_check_writes_the_stack_and_refuses_when_unhealthy_or_not_leader() {
    let rel = peers(&[(1, "idle"), (2, "idle")]).local_unit_data([("state", "idle")]);
    let ctx = TestContext::<Upgrader>::new();
    let out = ctx
        .run(
            TestEvent::action("pre-upgrade-check"),
            State::default().leader(true).peer(rel.clone()),
        )
        .expect("runs");
    let action = out.action.as_ref().expect("action");
    assert_eq!(action.failed, None);
    assert_eq!(action.results["upgrade-stack"], "[0, 1, 2]");
    let app = &out.state.get_peer(&rel).expect("peer").local_app_data;
    assert_eq!(app["upgrade-stack"], "[0, 1, 2]");
    assert_eq!(app["upgrade-partition"], "2");

    let mut sick = State::default().leader(true).peer(rel.clone());
    sick.config.insert("sick".into(), true.into());
    let out = ctx.run(TestEvent::action("pre-upgrade-check"), sick).expect("runs");
    let failed = out.action.expect("action").failed.expect("failed");
    assert!(
        failed.starts_with(decide::PRE_CHECK_FAILED) && failed.contains("Quorum leader not found"),
        "{failed}"
    );
    assert!(!out
        .state
        .get_peer(&rel)
        .expect("peer")
        .local_app_data
        .contains_key("upgrade-stack"));

    let out = ctx
        .run(
            TestEvent::action("pre-upgrade-check"),
            State::default().leader(false).peer(rel.clone()),
        )
        .expect("runs");
    assert_eq!(out.action.expect("action").failed.as_deref(), Some(decide::NOT_LEADER));
}

#[test]
fn upgrade_charm_with_a_python_written_stack_and_a_password_action_refused() {
    // Bags exactly as the Python library leaves them after pre-upgrade-check on 3 units.
    let rel = peers(&[(1, "idle"), (2, "idle")])
        .local_unit_data([("state", "idle")])
        .local_app_data([("upgrade-stack", "[0, 1, 2]"), ("dependencies", ZK_DEPENDENCIES)]);
    let ctx = TestContext::<Upgrader>::new();
    let out = ctx
        .run(
            TestEvent::upgrade_charm(),
            State::default().leader(false).peer(rel.clone()),
        )
        .expect("runs");
    assert_eq!(
        out.state.get_peer(&rel).expect("peer").local_unit_data["state"],
        "ready"
    );
    assert_eq!(out.unit_status(), &Status::waiting(decide::WAITING_TURN));

    let out = ctx
        .run(
            TestEvent::action("set-password"),
            State::default().leader(true).peer(rel.clone()),
        )
        .expect("runs");
    assert_eq!(
        out.action.expect("action").failed.as_deref(),
        Some("Cannot set password while upgrading (upgrade_stack: [0, 1, 2])")
    );
}

#[test]
fn the_top_unit_completes_and_the_leader_pops_it_in_the_same_hook() {
    let rel = peers(&[(0, "ready"), (1, "ready")])
        .local_unit_data([("state", "ready")])
        .local_app_data([
            ("upgrade-stack", "[0, 1, 2]"),
            ("upgrade-partition", "2"),
            ("dependencies", ZK_DEPENDENCIES),
        ]);
    let mut state = State::default().leader(true).peer(rel.clone());
    state.unit_number = 2;
    let out = TestContext::<Upgrader>::new()
        .run(TestEvent::relation_changed(&rel), state)
        .expect("runs");
    let after = out.state.get_peer(&rel).expect("peer");
    assert_eq!(after.local_unit_data["state"], "completed");
    assert_eq!(after.local_app_data["upgrade-stack"], "[0, 1]");
    assert_eq!(out.unit_status(), &Status::maintenance("upgrade completed"));
}

#[test]
fn a_failing_unit_is_blocked_with_the_cause_and_logs_rollback_instructions() {
    let rel = peers(&[(0, "ready"), (1, "ready")])
        .local_unit_data([("state", "ready")])
        .local_app_data([("upgrade-stack", "[0, 1, 2]"), ("upgrade-partition", "2")]);
    let mut state = State::default().leader(false).peer(rel.clone());
    state.unit_number = 2;
    state.config.insert("sick".into(), true.into());
    let out = TestContext::<Upgrader>::new()
        .run(TestEvent::relation_changed(&rel), state)
        .expect("runs");
    assert_eq!(
        out.state.get_peer(&rel).expect("peer").local_unit_data["state"],
        "failed"
    );
    assert_eq!(
        out.unit_status(),
        &Status::blocked("upgrade failed: zookeeper did not rejoin the quorum")
    );
    assert!(out.logs.iter().any(|(_, l)| l == ROLLBACK_INSTRUCTIONS));
}

// ---- The real Python library ----

/// A venv with ops, pydantic 1 and poetry-core (the library's PYDEPS), cached under the target
/// directory; `None` (loudly) when it cannot be made.
fn library_python() -> Option<(std::path::PathBuf, String)> {
    let Ok(libs) = std::env::var("DATA_PLATFORM_LIBS") else {
        eprintln!("the real-library check needs DATA_PLATFORM_LIBS set to a checkout of canonical/data-platform-libs");
        return None;
    };
    let target =
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| format!("{}/../../target", env!("CARGO_MANIFEST_DIR")));
    let venv = std::path::Path::new(&target).join("tmp/upgrade-lib-venv");
    let python = venv.join("bin/python3");
    let ready = |p: &std::path::Path| {
        std::process::Command::new(p)
            .args(["-c", "import ops, pydantic, poetry.core"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready(&python) {
        let made = std::process::Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status();
        let installed = made.is_ok_and(|s| s.success())
            && std::process::Command::new(venv.join("bin/pip"))
                .args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "ops",
                    "pydantic<2",
                    "poetry-core",
                ])
                .status()
                .is_ok_and(|s| s.success());
        if !installed || !ready(&python) {
            eprintln!("!!! SKIPPING the real-library check: cannot install ops, pydantic<2, poetry-core");
            return None;
        }
    }
    Some((python, libs))
}

fn harness(python: &std::path::Path, libs: &str, mode: &str, input: &str) -> serde_json::Value {
    let script = format!(
        "{}/tests/interop_support/upgrade_harness.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = stdout_with_input(
        std::process::Command::new(python)
            .args([script.as_str(), mode])
            .env("DATA_PLATFORM_LIBS", libs),
        input.as_bytes(),
    );
    serde_json::from_slice(&out).expect("JSON from the harness")
}

/// data-platform-libs' own `upgrade.py` (ops Harness) writes the bytes we write, and reads
/// ours as we mean them: the stack, the states, the dependencies, and resumes on the same unit.
#[test]
#[ignore = "needs DATA_PLATFORM_LIBS=<checkout of canonical/data-platform-libs>: the library is on no registry reachable here"]
fn the_python_library_writes_and_reads_the_same_bags() {
    let (python, libs) = library_python().expect("DATA_PLATFORM_LIBS set and a venv with ops, pydantic 1, poetry-core");
    let theirs = harness(&python, &libs, "python-writes", "");
    assert_eq!(theirs["app"]["upgrade-stack"], UpgradeStack(vec![0, 1, 2]).encode());
    assert_eq!(theirs["app"]["dependencies"], zk_deps().encode());
    assert_eq!(theirs["unit0"]["state"], UnitState::Idle.as_str());

    // Our bags mid-upgrade: unit 2 completed and popped, the others ready.
    let view = View {
        stack: UpgradeStack(vec![0, 1]),
        partition: Some(2),
        ..view3(&["ready", "ready", "completed"])
    };
    let ours = decide::resume_upgrade(&view).expect("resumable");
    let input = serde_json::json!({
        "app": {"upgrade-stack": view.stack.encode(), "upgrade-partition": "2", "dependencies": zk_deps().encode()},
        "states": {"zookeeper-k8s/1": "ready", "zookeeper-k8s/2": "completed"},
    });
    let read = harness(&python, &libs, "rust-writes", &input.to_string());
    assert_eq!(read["stack"], serde_json::json!([0, 1]));
    assert_eq!(read["other_states"], serde_json::json!(["completed", "ready"]));
    assert_eq!(read["dependencies"]["service"]["upgrade_supported"], "^3.6");
    assert_eq!(read["resume"]["message"], ours.message);
    assert_eq!(read["partitions"], serde_json::json!([ours.partition]));
}

#[test]
fn an_idle_unit_does_not_read_its_peers_states_in_hooks() {
    let idle = peers(&[(1, "idle"), (2, "idle")]).local_unit_data([("state", "idle")]);
    let ctx = TestContext::<Upgrader>::new();
    let out = ctx
        .run(
            TestEvent::update_status(),
            State::default().leader(false).peer(idle.clone()),
        )
        .expect("runs");
    assert_eq!(out.calls_to("relation-list"), 0, "{:?}", out.calls);
    let busy = idle.local_app_data([("upgrade-stack", "[0, 1, 2]")]);
    let out = ctx
        .run(TestEvent::update_status(), State::default().leader(false).peer(busy))
        .expect("runs");
    assert_eq!(out.calls_to("relation-list"), 1, "{:?}", out.calls);
}
