//! Shared helpers of the interface contract tests: schema validation through the reference
//! `validate.py`, bag builders, and "take the provider's output, hand it to the requirer"
//! plumbing over charm-testing states.
//!
//! The schemas live in the shared reference folder next to the repository
//! (`<repo>/../shared/reference/interfaces`); `validate.py` needs Python's `jsonschema`
//! (`pip install jsonschema`; CI installs it). A missing interpreter or package fails the
//! test with that instruction rather than skipping it.

// Test support: a failed setup step is a failed test; not every test uses every helper.
#![allow(dead_code, unused_macros, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use charm_sdk::Charm;
use charm_testing::{Context, Relation, RunOutput, Secret, State, TestEvent, JUJU_UNIT_KEYS};
use juju_model::Databag;

/// Declares a tiny test charm: a unit struct whose charmcraft.yaml is `$yaml` and whose
/// reconcile is `$body` with the run context bound to `$ctx`.
///
/// ```ignore
/// test_charm!(Client, "name: c\nrequires: {db: {interface: postgresql_client}}", |ctx| { Ok(()) });
/// ```
macro_rules! test_charm {
    ($(#[$meta:meta])* $name:ident, $yaml:expr, |$ctx:ident| $body:block) => {
        $(#[$meta])*
        struct $name;

        impl charm_sdk::Charm for $name {
            const CHARMCRAFT: &'static str = $yaml;
            type Config = serde_json::Value;
            type Action = charm_sdk::NoActions;

            fn new() -> Self {
                $name
            }

            fn reconcile(
                &self,
                $ctx: &mut charm_sdk::Context<'_, Self>,
            ) -> Result<(), charm_sdk::Stop> {
                $body
            }
        }
    };
}
pub(crate) use test_charm;

/// The reference schema folder.
pub(crate) fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/interfaces")
}

/// Builds a bag from pairs.
pub(crate) fn bag(pairs: &[(&str, &str)]) -> Databag {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// A bag without the keys Juju writes itself.
pub(crate) fn without_juju_keys(bag: &Databag) -> Databag {
    bag.iter()
        .filter(|(k, _)| !JUJU_UNIT_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Validates `{"app": app, "unit": unit}` against `schema` (file stem, e.g.
/// `kafka_client-v0-provider`) with the reference `validate.py`; panics with its output.
#[track_caller]
pub(crate) fn validate(schema: &str, app: &Databag, unit: Option<&Databag>) {
    let dir = schema_dir();
    let schema_path = dir.join(format!("{schema}.json"));
    assert!(
        schema_path.exists(),
        "schema {} not found (is the shared reference folder next to the repo?)",
        schema_path.display()
    );
    let mut doc = serde_json::json!({ "app": app });
    if let Some(unit) = unit {
        doc["unit"] = serde_json::to_value(without_juju_keys(unit)).unwrap();
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(serde_json::to_string_pretty(&doc).unwrap().as_bytes())
        .unwrap();
    let out = Command::new("python3")
        .arg(dir.join("validate.py"))
        .arg(&schema_path)
        .arg(file.path())
        .output()
        .expect("python3 is needed for the schema contract tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'jsonschema'"),
        "the contract tests need Python's jsonschema: pip install jsonschema"
    );
    assert!(
        out.status.success(),
        "{schema} rejects the databags:\n{stdout}{stderr}\ndatabags: {}",
        serde_json::to_string_pretty(&doc).unwrap()
    );
}

/// Runs a Python snippet with `arg` as `sys.argv[1]` and returns its stdout.
pub(crate) fn python(code: &str, arg: &str) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(code)
        .arg(arg)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The relation `rel` (by id) in `out`'s state.
pub(crate) fn relation_in<'a>(out: &'a RunOutput, rel: &Relation) -> &'a Relation {
    out.state
        .relations
        .iter()
        .find(|r| r.id == rel.id)
        .expect("relation still there")
}

/// The provider's answer as the requirer sees it: a relation whose remote app bag is the
/// provider's app bag, plus the provider's secrets granted over that relation (content
/// as the provider last wrote it).
///
/// The secrets get fresh ids (and the bag's URIs follow): charm-testing allocates the ids
/// of new secrets per run from the model uuid and a counter starting at 1, so a secret
/// carried over from another charm's run can share its id with one the reader creates.
pub(crate) fn hand_over(
    provider_out: &RunOutput,
    provider_rel: &Relation,
    requirer_rel: Relation,
) -> (Relation, Vec<Secret>) {
    let written = relation_in(provider_out, provider_rel);
    let mut bag = written.local_app_data.clone();
    let mut secrets = Vec::new();
    for s in provider_out
        .state
        .secrets
        .iter()
        .filter(|s| s.remote_grants.contains_key(&provider_rel.id))
    {
        let granted = Secret::new(s.newest_content().clone()).granted_by(&requirer_rel);
        for value in bag.values_mut() {
            *value = value.replace(&s.uri(), &granted.uri());
        }
        secrets.push(granted);
    }
    (requirer_rel.remote_app_data(bag), secrets)
}

/// Runs `event` on the leader of charm `C` with `relation` (and `secrets`) as its state.
pub(crate) fn run_leader<C: Charm>(event: TestEvent, relation: &Relation, secrets: Vec<Secret>) -> RunOutput {
    let mut state = State::default().leader(true).relation(relation.clone());
    state.secrets = secrets;
    Context::<C>::new().run(event, state).unwrap()
}

/// Asserts that the run called `tool` with `needle` in its arguments (a secret read with
/// our label: `assert_called(&out, "secret-get", &label)`).
#[track_caller]
pub(crate) fn assert_called(out: &RunOutput, tool: &str, needle: &str) {
    assert!(
        out.calls
            .iter()
            .any(|c| c.split(' ').next() == Some(tool) && c.contains(needle)),
        "no {tool} with {needle:?} in {:?}",
        out.calls
    );
}

/// Charm `C` reconciles again (`update-status`) in the state `out` left: what an
/// idempotent reconcile must leave alone.
pub(crate) fn rerun<C: Charm>(out: &RunOutput) -> RunOutput {
    Context::<C>::new()
        .run(TestEvent::update_status(), out.state.clone())
        .unwrap()
}

/// The requirer side asked on `relation` (a `relation-created` on its leader): the run and
/// the relation as it left it.
pub(crate) fn ask<C: Charm>(relation: &Relation) -> (RunOutput, Relation) {
    let out = run_leader::<C>(TestEvent::relation_created(relation), relation, Vec::new());
    let asked = relation_in(&out, relation).clone();
    (out, asked)
}

/// The provider `P` answers what the requirer wrote in `asked`, on a fresh relation on its
/// `endpoint` (`interface`) to `requirer_app`: the run and that relation.
pub(crate) fn provider_answers<P: Charm>(
    asked: &Relation,
    endpoint: &str,
    interface: &str,
    requirer_app: &str,
) -> (RunOutput, Relation) {
    let relation = Relation::new(endpoint)
        .interface(interface)
        .remote_app(requirer_app)
        .remote_app_data(asked.local_app_data.clone());
    let out = run_leader::<P>(TestEvent::relation_changed(&relation), &relation, Vec::new());
    (out, relation)
}

/// The requirer `C` reads the provider's answer: its own state from `asked_out` with the
/// relation `asked` now holding the provider's bag and the provider's granted secrets.
pub(crate) fn read_back<C: Charm>(
    asked_out: &RunOutput,
    asked: &Relation,
    provider_out: &RunOutput,
    provider_rel: &Relation,
) -> RunOutput {
    let (relation, secrets) = hand_over(provider_out, provider_rel, asked.clone());
    let mut state = asked_out.state.clone();
    state.relations = vec![relation.clone()];
    state.secrets = secrets;
    Context::<C>::new()
        .run(TestEvent::relation_changed(&relation), state)
        .unwrap()
}

/// Runs `command` with `input` on stdin; its stdout. Fails, with the command's stderr, when it
/// cannot start or exits unsuccessfully.
#[track_caller]
pub(crate) fn stdout_with_input(command: &mut Command, input: &[u8]) -> Vec<u8> {
    let name = command.get_program().to_string_lossy().into_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{name}` ({e}): run scripts/install-deps.sh"));
    child.stdin.take().expect("stdin").write_all(input).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `python3 -c script` with `input` on stdin; its stdout. Fails without python3 and
/// `cryptography`: scripts/install-deps.sh installs them wherever tests run.
#[track_caller]
pub(crate) fn python_cryptography(script: &str, input: &str) -> String {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 with `cryptography` is missing: run scripts/install-deps.sh (pip install cryptography)"
    );
    let out = stdout_with_input(Command::new("python3").args(["-c", script]), input.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

/// `keytool -list -v` of a PKCS#12 file. Fails without `keytool`: scripts/install-deps.sh
/// installs a JRE wherever tests run.
#[track_caller]
pub(crate) fn keytool_list(path: &Path, password: &str) -> String {
    let out = Command::new("keytool")
        .args(["-list", "-v", "-storetype", "PKCS12", "-keystore"])
        .arg(path)
        .args(["-storepass", password])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `keytool` ({e}): run scripts/install-deps.sh (apt-get install -y default-jre-headless)")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "keytool failed:\n{text}");
    text
}
