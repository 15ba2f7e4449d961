//! The `local-model` command line: clap definitions and what each command does.
//!
//! Commands mirror `juju`'s (deploy, integrate, config, add-unit, run, status,
//! debug-log...) and talk to the model's controller over its socket; `up`/`destroy`
//! manage the controller itself ([`lifecycle`]). Output formatting is in [`print`].

pub mod lifecycle;
mod print;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde_json::Value;

use crate::client::call_ok;
use crate::daemon::Options;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::proto::{DeployRequest, Request};

/// A Juju model on this machine: deploy packed charms and run them for real.
#[derive(Debug, Parser)]
#[command(name = "local-model", version)]
pub struct Cli {
    /// The model directory (default: $LOCAL_MODEL_DIR).
    #[arg(short = 'm', long = "model", global = true, env = "LOCAL_MODEL_DIR")]
    model: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the model's controller in the background.
    Up {
        /// The model directory.
        dir: Option<PathBuf>,
        /// Interval of update-status hooks.
        #[arg(long, default_value = "5m")]
        update_status_interval: String,
        /// First retry delay of a failed hook (doubles up to 5m).
        #[arg(long, default_value = "5s")]
        retry_delay: String,
        /// The model name (default: the directory's name).
        #[arg(long)]
        model_name: Option<String>,
    },
    /// Stop the controller and everything it started.
    Destroy {
        /// The model directory.
        dir: Option<PathBuf>,
    },
    /// Run the controller in the foreground (what `up` starts).
    #[command(name = "__controller", hide = true)]
    Controller {
        dir: PathBuf,
        #[arg(long, default_value = "5m")]
        update_status_interval: String,
        #[arg(long, default_value = "5s")]
        retry_delay: String,
        #[arg(long, default_value = "local")]
        model_name: String,
    },
    /// Deploy a .charm, a charm directory, a Rust charm crate, or a bundle.
    Deploy {
        /// The charm or bundle.
        charm: PathBuf,
        /// The application name.
        app: Option<String>,
        /// Number of units.
        #[arg(short = 'n', long = "num-units", default_value_t = 1)]
        units: u32,
        /// Config values `key=value`.
        #[arg(long = "config")]
        config: Vec<String>,
        /// Resources `name=path-or-rock`.
        #[arg(long = "resource")]
        resources: Vec<String>,
        /// Bundle overlays.
        #[arg(long = "overlay")]
        overlays: Vec<PathBuf>,
    },
    /// Relate two applications (`app[:endpoint]`).
    #[command(alias = "relate")]
    Integrate {
        /// One side.
        a: String,
        /// The other side.
        b: String,
    },
    /// Remove a relation.
    RemoveRelation {
        /// One side.
        a: String,
        /// The other side.
        b: String,
    },
    /// Show or change an application's config.
    Config {
        /// The application.
        app: String,
        /// `key=value` settings.
        settings: Vec<String>,
        /// Options to reset to their defaults.
        #[arg(long)]
        reset: Vec<String>,
        /// Output format when showing: yaml or json.
        #[arg(long, default_value = "yaml")]
        format: String,
    },
    /// Add units.
    AddUnit {
        /// The application.
        app: String,
        /// How many.
        #[arg(short = 'n', long = "num-units", default_value_t = 1)]
        units: u32,
    },
    /// Remove units.
    RemoveUnit {
        /// The units.
        #[arg(required = true)]
        units: Vec<String>,
    },
    /// Replace an application's charm.
    Refresh {
        /// The application.
        app: String,
        /// The new charm.
        #[arg(long)]
        path: PathBuf,
        /// Swap the charm in each unit without replacing its "pod": workloads keep running and
        /// the charm restarts them itself (stands in for a StatefulSet partition; see README).
        #[arg(long)]
        keep_workloads: bool,
    },
    /// Remove an application.
    RemoveApplication {
        /// The application.
        app: String,
    },
    /// Run an action and wait for its result.
    Run {
        /// The unit.
        unit: String,
        /// The action.
        action: String,
        /// Parameters `key=value` (values parsed as YAML).
        params: Vec<String>,
        /// plain, yaml or json.
        #[arg(long, default_value = "plain")]
        format: String,
        /// How long to wait.
        #[arg(long, default_value = "10m")]
        wait: String,
    },
    /// Show the model status.
    Status {
        /// tabular, json or yaml.
        #[arg(long, default_value = "tabular")]
        format: String,
    },
    /// Show the debug log.
    DebugLog {
        /// Start from the beginning.
        #[arg(long)]
        replay: bool,
        /// Only these units or applications.
        #[arg(long = "include")]
        include: Vec<String>,
        /// Print and exit instead of following.
        #[arg(long)]
        no_tail: bool,
        /// Lines of history to show without --replay.
        #[arg(short = 'n', long = "lines", default_value_t = 10)]
        lines: usize,
    },
    /// Wait until no hook is queued or running.
    WaitForIdle {
        /// Seconds (or a duration like 2m).
        #[arg(long, default_value = "600")]
        timeout: String,
        /// Keep waiting while hooks fail (they are retried).
        #[arg(long)]
        tolerate_errors: bool,
    },
    /// List secrets.
    Secrets {
        /// tabular, json or yaml.
        #[arg(long, default_value = "tabular")]
        format: String,
    },
    /// Show a unit's relation data.
    ShowUnit {
        /// The unit.
        unit: String,
        /// yaml or json.
        #[arg(long, default_value = "yaml")]
        format: String,
    },
    /// Retry a unit's failed hook now (or skip it with --no-retry).
    #[command(alias = "resolved")]
    Resolve {
        /// The unit.
        unit: String,
        /// Skip the failed hook.
        #[arg(long)]
        no_retry: bool,
    },
}

/// Parses `300ms`, `5s`, `2m`, `1h`, or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let bad = || Error::refused(format!("invalid duration {text:?} (use e.g. 500ms, 5s, 2m, 1h)"));
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(bad()),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A model name from the directory name: lowercase letters, digits and dashes.
fn default_model_name(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed = cleaned.trim_matches('-');
    if trimmed.is_empty() {
        "local".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn model_dir(cli_model: &Option<PathBuf>, positional: Option<PathBuf>) -> Result<PathBuf> {
    positional
        .or_else(|| cli_model.clone())
        .ok_or_else(|| Error::refused("no model directory: pass -m DIR or set LOCAL_MODEL_DIR"))
}

fn pairs(items: &[String], what: &str) -> Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| Error::refused(format!("{what} {item:?}: expected key=value")))
        })
        .collect()
}

/// Makes a charm argument absolute, packing a Rust charm crate first.
fn charm_path(layout: &Layout, path: &Path) -> Result<PathBuf> {
    let path = std::path::absolute(path).map_err(|e| Error::io("resolving", path, e))?;
    if path.is_dir() && crate::charm::is_crate(&path) {
        return crate::charm::pack_crate(&path, &layout.builds());
    }
    if !path.exists() {
        return Err(Error::charm(&path, "no such file or directory"));
    }
    Ok(path)
}

/// Runs the command line; the exit code says whether it worked.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("ERROR {err}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let socket = |dir: &PathBuf| Layout::new(dir).socket().to_string_lossy().into_owned();
    match cli.command {
        Command::Up {
            dir,
            update_status_interval,
            retry_delay,
            model_name,
        } => {
            let dir = model_dir(&cli.model, dir)?;
            parse_duration(&update_status_interval)?;
            parse_duration(&retry_delay)?;
            let name = model_name.unwrap_or_else(|| default_model_name(&dir));
            let options = lifecycle::UpOptions {
                update_status_interval,
                retry_delay,
                model_name: name,
            };
            let pid = lifecycle::up(&dir, &options)?;
            println!("model {} is up (controller pid {pid})", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Destroy { dir } => {
            let dir = model_dir(&cli.model, dir)?;
            if lifecycle::destroy(&dir)? {
                println!("model {} destroyed", dir.display());
            } else {
                println!("model {} was not running", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Controller {
            dir,
            update_status_interval,
            retry_delay,
            model_name,
        } => {
            let options = Options {
                model_name,
                update_status_interval: parse_duration(&update_status_interval)?,
                retry_delay: parse_duration(&retry_delay)?,
                ..Options::default()
            };
            crate::daemon::serve(&dir, options)?;
            Ok(ExitCode::SUCCESS)
        }
        command => {
            let dir = model_dir(&cli.model, None)?;
            client_command(&dir, &socket(&dir), command)
        }
    }
}

fn client_command(dir: &Path, socket: &str, command: Command) -> Result<ExitCode> {
    let layout = Layout::new(dir);
    match command {
        Command::Deploy {
            charm,
            app,
            units,
            config,
            resources,
            overlays,
        } => {
            let is_bundle = charm.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if is_bundle {
                let plan = crate::bundle::load(&charm, &overlays)?;
                for mut req in plan.deploys {
                    req.charm = charm_path(&layout, &req.charm)?;
                    let result = call_ok(socket, &Request::Deploy(req))?;
                    print::deployed(&result);
                }
                for (a, b) in plan.relations {
                    call_ok(socket, &Request::Integrate { a, b })?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let mut resources = pairs(&resources, "resource")?;
            for value in resources.values_mut() {
                // A file resource is passed by path; an image by name.
                if Path::new(value.as_str()).exists() {
                    if let Ok(absolute) = std::path::absolute(value.as_str()) {
                        *value = absolute.to_string_lossy().into_owned();
                    }
                }
            }
            let req = DeployRequest {
                charm: charm_path(&layout, &charm)?,
                app,
                units,
                config: pairs(&config, "config")?,
                resources,
            };
            print::deployed(&call_ok(socket, &Request::Deploy(req))?);
        }
        Command::Integrate { a, b } => {
            call_ok(socket, &Request::Integrate { a, b })?;
        }
        Command::RemoveRelation { a, b } => {
            call_ok(socket, &Request::RemoveRelation { a, b })?;
        }
        Command::Config {
            app,
            settings,
            reset,
            format,
        } => {
            let set = pairs(&settings, "setting")?;
            let show = set.is_empty() && reset.is_empty();
            let result = call_ok(socket, &Request::Config { app, set, reset })?;
            if show {
                print::value(&result, &format)?;
            }
        }
        Command::AddUnit { app, units } => {
            call_ok(socket, &Request::AddUnit { app, count: units })?;
        }
        Command::RemoveUnit { units } => {
            call_ok(socket, &Request::RemoveUnit { units })?;
        }
        Command::Refresh {
            app,
            path,
            keep_workloads,
        } => {
            let charm = charm_path(&layout, &path)?;
            call_ok(
                socket,
                &Request::Refresh {
                    app,
                    charm,
                    keep_workloads,
                },
            )?;
        }
        Command::RemoveApplication { app } => {
            call_ok(socket, &Request::RemoveApplication { app })?;
        }
        Command::Run {
            unit,
            action,
            params,
            format,
            wait,
        } => return run_action(socket, unit, action, &params, &format, parse_duration(&wait)?),
        Command::Status { format } => {
            let value = call_ok(socket, &Request::Status)?;
            if format == "tabular" {
                let view: crate::status::StatusView =
                    serde_json::from_value(value).map_err(|e| Error::Protocol(e.to_string()))?;
                print!("{}", view.render_table());
            } else {
                print::value(&value, &format)?;
            }
        }
        Command::DebugLog {
            replay,
            include,
            no_tail,
            lines,
        } => print::debug_log(socket, replay, include, no_tail, lines)?,
        Command::WaitForIdle {
            timeout,
            tolerate_errors,
        } => {
            let timeout = parse_duration(&timeout)?;
            let request = Request::WaitIdle {
                timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                tolerate_errors,
            };
            call_ok(socket, &request)?;
        }
        Command::Secrets { format } => {
            let value = call_ok(socket, &Request::Secrets)?;
            if format == "tabular" {
                print::secrets_table(&value);
            } else {
                print::value(&value, &format)?;
            }
        }
        Command::ShowUnit { unit, format } => {
            let value = call_ok(socket, &Request::ShowUnit { unit })?;
            print::value(&value, &format)?;
        }
        Command::Resolve { unit, no_retry } => {
            call_ok(socket, &Request::Resolve { unit, no_retry })?;
        }
        Command::Up { .. } | Command::Destroy { .. } | Command::Controller { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn run_action(
    socket: &str,
    unit: String,
    action: String,
    params: &[String],
    format: &str,
    wait: Duration,
) -> Result<ExitCode> {
    let mut map = serde_json::Map::new();
    for (key, text) in pairs(params, "parameter")? {
        let value: Value = serde_yaml_ng::from_str(&text).unwrap_or(Value::String(text.clone()));
        let value = if value.is_null() { Value::String(text) } else { value };
        map.insert(key, value);
    }
    let queued = call_ok(
        socket,
        &Request::Run {
            unit: unit.clone(),
            action,
            params: map,
        },
    )?;
    let task = queued["task"].as_str().unwrap_or_default().to_owned();
    let operation = queued["operation"].as_str().unwrap_or_default().to_owned();
    if format == "plain" {
        eprintln!(
            "Running operation {operation} with 1 task\n  - task {task} on unit-{}\n\nWaiting for task {task}...",
            unit.replace('/', "-")
        );
    }
    let deadline = Instant::now() + wait;
    let result = loop {
        let state = call_ok(socket, &Request::Task { id: task.clone() })?;
        if matches!(state["status"].as_str(), Some("completed") | Some("failed")) {
            break state;
        }
        if Instant::now() >= deadline {
            return Err(Error::refused(format!("timed out waiting for task {task}")));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    print::action_result(&unit, &result, format)
}
