//! A fake Juju for running a charm *binary*: a directory of fake hook tools, the canned
//! answers they give, the `JUJU_*` environment of each event kind, and the log of every call.
//!
//! Why a directory and not a mock: the point of the process tests and of the benchmark is
//! the real `ProcessBackend` (argv, stdin, secret files, exit codes, output parsing) and the
//! real `main`, so the charm runs exactly as under Juju, with the tools on PATH.
//!
//! The layout, shared by the `/bin/sh` fake (tests) and the compiled `fake-hook-tool`
//! (benchmark), under one root (`FAKE_JUJU_DIR`):
//! - `bin/<tool>`: one entry per hook tool, all the same program; it learns its name from
//!   `argv[0]`.
//! - `fixtures/<tool>.<key>.{out,err,rc}`: what the tool prints on stdout and stderr and its
//!   exit code for one argv; `<key>` is the argv without `--format=json`, joined with `_`,
//!   `/` written as `~` ([`fixture_key`]). When no file of that key exists the tool-wide
//!   `fixtures/<tool>.{out,err,rc}` answer; when neither exists, the tool prints nothing and
//!   exits 0 (what write tools do).
//! - `calls.log`: one record per call, ended by RS (0x1E); three sections separated by GS
//!   (0x1D): argv (tool then arguments, separated by US 0x1F), stdin, and the content of
//!   every `key#file=<path>` argument as `key=content` (US separated). Separators that cannot
//!   occur in a charm's arguments keep newlines, tabs and quotes intact.

mod calls;
mod event;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use super::tmp::TempDir;

pub(crate) use self::calls::{parse_calls, Call};
pub(crate) use self::event::Event;

/// Every hook tool `ProcessBackend` can run.
pub(crate) const TOOLS: [&str; 36] = [
    "config-get",
    "is-leader",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "relation-model-get",
    "status-set",
    "status-get",
    "application-version-set",
    "action-get",
    "action-set",
    "action-fail",
    "action-log",
    "juju-log",
    "open-port",
    "close-port",
    "opened-ports",
    "network-get",
    "state-get",
    "state-set",
    "state-delete",
    "secret-add",
    "secret-get",
    "secret-set",
    "secret-remove",
    "secret-grant",
    "secret-revoke",
    "secret-ids",
    "secret-info-get",
    "storage-get",
    "storage-list",
    "storage-add",
    "resource-get",
    "credential-get",
    "goal-state",
];

/// This unit.
pub(crate) const UNIT: &str = "demo/0";
/// This application.
pub(crate) const APP: &str = "demo";
/// The model uuid in the environment.
pub(crate) const MODEL_UUID: &str = "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";

/// The `/bin/sh` fake: the same rules as the compiled one, in POSIX sh (dash).
const SHELL_TOOL: &str = include_str!("fake-hook-tool.sh");

/// The fixture key of one argv (see the module docs): arguments without `--format=json`,
/// joined with `_`, `/` as `~`. Empty for a call with no other argument.
pub(crate) fn fixture_key<S: AsRef<str>>(args: &[S]) -> String {
    args.iter()
        .map(AsRef::as_ref)
        .filter(|a| *a != "--format=json")
        .collect::<Vec<_>>()
        .join("_")
        .replace('/', "~")
}

/// What a fake tool answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Answer {
    /// Stdout.
    pub(crate) out: Option<Vec<u8>>,
    /// Stderr.
    pub(crate) err: Option<String>,
    /// Exit code.
    pub(crate) rc: Option<i32>,
}

impl Answer {
    /// Prints `value` as JSON, exits 0.
    pub(crate) fn json(value: Value) -> Self {
        Self {
            out: Some(format!("{value}\n").into_bytes()),
            ..Self::default()
        }
    }

    /// Prints `text` as is, exits 0.
    pub(crate) fn text(text: impl Into<String>) -> Self {
        Self {
            out: Some(text.into().into_bytes()),
            ..Self::default()
        }
    }

    /// Fails like Juju: `ERROR <message>` on stderr, exit code `rc`.
    pub(crate) fn error(rc: i32, message: &str) -> Self {
        Self {
            out: None,
            err: Some(format!("ERROR {message}\n")),
            rc: Some(rc),
        }
    }
}

/// Which program plays every hook tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tools {
    /// The `/bin/sh` script above (about a millisecond per call: fine for tests).
    Shell,
    /// A compiled multi-call binary following the same rules (the benchmark's).
    Binary(PathBuf),
}

/// The result of one charm run.
#[derive(Debug)]
pub(crate) struct Run {
    /// The dispatch path that ran.
    pub(crate) event: String,
    /// The exit code (`None`: killed by a signal).
    pub(crate) code: Option<i32>,
    /// The charm's stdout.
    pub(crate) stdout: String,
    /// The charm's stderr.
    pub(crate) stderr: String,
    /// Every hook tool call, in order.
    pub(crate) calls: Vec<Call>,
    /// Files left in the charm's TMPDIR (secret value files must all be gone).
    pub(crate) leftovers: Vec<PathBuf>,
}

/// A fake Juju: tools, fixtures, environment, call log, all under one temporary root.
#[derive(Debug)]
pub(crate) struct FakeJuju {
    root: TempDir,
    tools: Tools,
    answers: BTreeMap<String, Answer>,
    relation_ids: BTreeMap<String, Vec<String>>,
}

impl FakeJuju {
    /// A fake with the `/bin/sh` tools and the answers of a fresh, non-leader unit: default
    /// config, no relations, no ports, no unit state, no secrets, an address on `website`.
    pub(crate) fn new() -> io::Result<Self> {
        Self::with_tools(Tools::Shell)
    }

    /// Same, with the tools given.
    pub(crate) fn with_tools(tools: Tools) -> io::Result<Self> {
        let fake = Self {
            root: TempDir::new("fakejuju")?,
            tools,
            answers: BTreeMap::new(),
            relation_ids: BTreeMap::new(),
        };
        for dir in ["bin", "fixtures", "tmp", "containers", "charm"] {
            fs::create_dir(fake.root.path().join(dir))?;
        }
        Ok(fake
            .leader(false)
            .config(json!({"port": 8080, "greeting": "Hello from Rust", "log-level": "INFO"}))
            .default_answer("relation-ids", Answer::json(json!([])))
            .default_answer(
                "relation-get",
                Answer::error(1, "relation not found (no fixture for this bag)"),
            )
            .default_answer("relation-list", Answer::error(1, "relation not found (no fixture)"))
            .default_answer("opened-ports", Answer::json(json!([])))
            .default_answer("state-get", Answer::json(json!({})))
            .default_answer("action-get", Answer::json(json!({})))
            .default_answer("secret-info-get", Answer::error(1, "secret not found"))
            .default_answer("secret-get", Answer::error(1, "secret not found"))
            .default_answer("secret-add", Answer::text("secret:d1e2m3o4s5e6c7r8e9t0\n"))
            .default_answer("secret-ids", Answer::json(json!([])))
            .network("website", "10.1.2.3"))
    }

    /// The root directory (`FAKE_JUJU_DIR`).
    pub(crate) fn root(&self) -> &Path {
        self.root.path()
    }

    /// The directory the charm looks for Pebble sockets in (`CHARM_SDK_PEBBLE_DIR`).
    pub(crate) fn containers_dir(&self) -> PathBuf {
        self.root.path().join("containers")
    }

    /// What `tool` answers when called with exactly `args` (as `ProcessBackend` sends them).
    pub(crate) fn answer(mut self, tool: &str, args: &[&str], answer: Answer) -> Self {
        self.set_answer(tool, args, answer);
        self
    }

    /// Same as [`FakeJuju::answer`], in place (between runs).
    pub(crate) fn set_answer(&mut self, tool: &str, args: &[&str], answer: Answer) {
        let key = fixture_key(args);
        let name = if key.is_empty() {
            tool.to_owned()
        } else {
            format!("{tool}.{key}")
        };
        self.answers.insert(name, answer);
    }

    /// What `tool` answers for any argv without its own answer.
    pub(crate) fn default_answer(mut self, tool: &str, answer: Answer) -> Self {
        self.answers.insert(tool.to_owned(), answer);
        self
    }

    /// `is-leader`.
    pub(crate) fn leader(self, leader: bool) -> Self {
        self.default_answer("is-leader", Answer::json(json!(leader)))
    }

    /// `config-get --all`: the whole config, defaults included.
    pub(crate) fn config(self, config: Value) -> Self {
        self.default_answer("config-get", Answer::json(config))
    }

    /// A relation on `endpoint` with `remote_app` and its `units`: `relation-ids`,
    /// `relation-list` (both forms) and empty bags for every unit and both applications.
    pub(crate) fn relation(mut self, endpoint: &str, id: u32, remote_app: &str, units: &[&str]) -> Self {
        self.relation_ids
            .entry(endpoint.to_owned())
            .or_default()
            .push(format!("{endpoint}:{id}"));
        let rid = id.to_string();
        self.set_answer("relation-list", &["-r", &rid], Answer::json(json!(units)));
        self.set_answer("relation-list", &["--app", "-r", &rid], Answer::json(json!(remote_app)));
        for unit in units.iter().copied().chain([UNIT]) {
            self.set_answer("relation-get", &["-r", &rid, "-", unit], Answer::json(json!({})));
        }
        for app in [remote_app, APP] {
            self.set_answer(
                "relation-get",
                &["-r", &rid, "--app", "-", app],
                Answer::json(json!({})),
            );
        }
        self
    }

    /// The peer relation on `endpoint`, with the other peer units.
    pub(crate) fn peer(self, endpoint: &str, id: u32, peers: &[&str]) -> Self {
        self.relation(endpoint, id, APP, peers)
    }

    /// The bag of `unit` (or, with `--app`, of application `owner`) in relation `id`.
    pub(crate) fn bag(mut self, id: u32, owner: &str, app: bool, bag: Value) -> Self {
        let rid = id.to_string();
        let args: Vec<&str> = if app {
            vec!["-r", &rid, "--app", "-", owner]
        } else {
            vec!["-r", &rid, "-", owner]
        };
        self.set_answer("relation-get", &args, Answer::json(bag));
        self
    }

    /// `network-get <binding>` with one address.
    pub(crate) fn network(self, binding: &str, address: &str) -> Self {
        let network = json!({
            "bind-addresses": [{"mac-address": "", "interface-name": "eth0",
                                "addresses": [{"hostname": "", "value": address, "cidr": "10.1.2.0/24"}]}],
            "egress-subnets": [format!("{address}/32")],
            "ingress-addresses": [address],
        });
        self.answer("network-get", &[binding], Answer::json(network))
    }

    /// `secret-info-get --label <label>` finds the owned secret `uri` (revision 1).
    pub(crate) fn owned_secret(self, label: &str, uri: &str) -> Self {
        let id = uri.trim_start_matches("secret:");
        let info = json!({id: {"revision": 1, "label": label, "owner": "application", "rotation": "monthly"}});
        self.answer("secret-info-get", &["--label", label], Answer::json(info))
    }

    /// Writes the tools and fixtures, and empties the call log and TMPDIR.
    pub(crate) fn install(&self) -> io::Result<()> {
        let bin = self.root.path().join("bin");
        let program = match &self.tools {
            Tools::Shell => {
                let script = bin.join("fake-hook-tool.sh");
                if !script.exists() {
                    fs::write(&script, SHELL_TOOL)?;
                    fs::set_permissions(&script, fs::Permissions::from_mode(0o755))?;
                }
                script
            }
            Tools::Binary(path) => path.clone(),
        };
        for tool in TOOLS {
            let link = bin.join(tool);
            if fs::symlink_metadata(&link).is_err() {
                symlink(&program, &link)?;
            }
        }
        let fixtures = self.root.path().join("fixtures");
        fs::remove_dir_all(&fixtures)?;
        fs::create_dir(&fixtures)?;
        let mut answers = self.answers.clone();
        for (endpoint, ids) in &self.relation_ids {
            // An answer set explicitly (a failure, say) wins over the listing.
            answers
                .entry(format!("relation-ids.{endpoint}"))
                .or_insert_with(|| Answer::json(json!(ids)));
        }
        for (name, answer) in &answers {
            if let Some(out) = &answer.out {
                fs::write(fixtures.join(format!("{name}.out")), out)?;
            }
            if let Some(err) = &answer.err {
                fs::write(fixtures.join(format!("{name}.err")), err)?;
            }
            if let Some(rc) = answer.rc {
                fs::write(fixtures.join(format!("{name}.rc")), rc.to_string())?;
            }
        }
        self.clear_log()?;
        let tmp = self.root.path().join("tmp");
        fs::remove_dir_all(&tmp)?;
        fs::create_dir(&tmp)
    }

    /// Empties the call log.
    pub(crate) fn clear_log(&self) -> io::Result<()> {
        fs::write(self.root.path().join("calls.log"), "")
    }

    /// The calls recorded since the log was last emptied.
    pub(crate) fn calls(&self) -> io::Result<Vec<Call>> {
        Ok(parse_calls(&fs::read_to_string(self.root.path().join("calls.log"))?))
    }

    /// The complete environment of a charm process for `event` (nothing is inherited).
    pub(crate) fn env(&self, event: &Event) -> Vec<(OsString, OsString)> {
        let root = self.root.path();
        let mut path = OsString::from(root.join("bin"));
        path.push(":/usr/bin:/bin");
        let context = format!(
            "{UNIT}-{}-1",
            event.dispatch_path().rsplit('/').next().unwrap_or_default()
        );
        let mut env: Vec<(OsString, OsString)> = [
            ("JUJU_UNIT_NAME", UNIT),
            ("JUJU_MODEL_NAME", "test"),
            ("JUJU_MODEL_UUID", MODEL_UUID),
            ("JUJU_VERSION", "3.6.4"),
            ("JUJU_CONTEXT_ID", context.as_str()),
            (
                "JUJU_AGENT_SOCKET_ADDRESS",
                "@/var/lib/juju/agents/unit-demo-0/agent.socket",
            ),
            ("JUJU_AGENT_SOCKET_NETWORK", "unix"),
            ("JUJU_API_ADDRESSES", "10.0.0.1:17070"),
            ("JUJU_MACHINE_ID", ""),
            ("JUJU_AVAILABILITY_ZONE", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        env.push(("JUJU_CHARM_DIR".into(), root.join("charm").into()));
        env.push(("CHARM_DIR".into(), root.join("charm").into()));
        env.push(("PATH".into(), path));
        env.push(("FAKE_JUJU_DIR".into(), root.into()));
        env.push(("TMPDIR".into(), root.join("tmp").into()));
        env.push(("CHARM_SDK_PEBBLE_DIR".into(), self.containers_dir().into()));
        env.extend(event.vars().iter().map(|(k, v)| (k.into(), v.into())));
        env
    }

    /// A command running `program` as Juju would for `event` (cwd = the charm dir).
    pub(crate) fn command(&self, program: &Path, event: &Event) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .envs(self.env(event))
            .current_dir(self.root.path().join("charm"));
        command
    }

    /// Installs the fixtures, runs `program` for `event` and collects what happened.
    pub(crate) fn run(&self, program: &Path, event: &Event) -> io::Result<Run> {
        self.install()?;
        let output = self.command(program, event).output()?;
        let leftovers = fs::read_dir(self.root.path().join("tmp"))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Run {
            event: event.dispatch_path().to_owned(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            calls: self.calls()?,
            leftovers,
        })
    }
}
