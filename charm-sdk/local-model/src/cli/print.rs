//! How CLI results are printed: YAML/JSON values, `juju run` results, the secrets table,
//! the debug log.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;

use crate::client::call_ok;
use crate::error::{Error, Result};
use crate::proto::Request;

/// Prints a value as `yaml` or `json`.
pub(super) fn value(value: &Value, format: &str) -> Result<()> {
    match format {
        "json" => println!("{value}"),
        "yaml" | "tabular" | "plain" => {
            let text = serde_yaml_ng::to_string(value).map_err(|e| Error::Protocol(e.to_string()))?;
            print!("{text}");
        }
        other => return Err(Error::refused(format!("unknown format {other:?} (use yaml or json)"))),
    }
    Ok(())
}

/// What `deploy` prints.
pub(super) fn deployed(result: &Value) {
    let app = result["application"].as_str().unwrap_or_default();
    let units = result["units"].as_array().map(Vec::len).unwrap_or(0);
    println!("Deployed {app:?} with {units} unit(s)");
}

/// Prints an action's outcome like `juju run`; failures exit 1.
pub(super) fn action_result(unit: &str, result: &Value, format: &str) -> Result<ExitCode> {
    let failed = result["status"] == "failed";
    let id = result["id"].as_str().unwrap_or_default();
    match format {
        "json" | "yaml" => {
            let mut results = result["results"].clone();
            if let Value::Object(map) = &mut results {
                map.insert("return-code".to_owned(), result["code"].clone());
                for key in ["stdout", "stderr"] {
                    if result[key].as_str().is_some_and(|s| !s.is_empty()) {
                        map.insert(key.to_owned(), result[key].clone());
                    }
                }
            }
            let mut entry = serde_json::json!({
                "id": id,
                "results": results,
                "status": result["status"],
                "unit": unit,
            });
            if let Some(message) = result["message"].as_str().filter(|m| !m.is_empty()) {
                entry["message"] = Value::String(message.to_owned());
            }
            let out = serde_json::json!({ unit: entry });
            value(&out, format)?;
        }
        _ => {
            let results = &result["results"];
            if results.as_object().is_some_and(|m| !m.is_empty()) {
                let text = serde_yaml_ng::to_string(results).map_err(|e| Error::Protocol(e.to_string()))?;
                print!("{text}");
            }
            if let Some(stdout) = result["stdout"].as_str().filter(|s| !s.is_empty()) {
                print!("{stdout}");
            }
            if let Some(stderr) = result["stderr"].as_str().filter(|s| !s.is_empty()) {
                eprint!("{stderr}");
            }
        }
    }
    if !failed {
        return Ok(ExitCode::SUCCESS);
    }
    let code = result["code"].as_i64().unwrap_or(0);
    match result["message"].as_str().filter(|m| !m.is_empty()) {
        Some(message) if code == 0 => eprintln!("Action id {id} failed: {message}"),
        _ => eprintln!(
            "ERROR the following task failed:\n id {id:?} with return code {code}\n\nuse 'juju show-task' to inspect the failure"
        ),
    }
    Ok(ExitCode::from(1))
}

/// The `secrets` table.
pub(super) fn secrets_table(value: &Value) {
    let mut rows = vec![["ID", "Name", "Owner", "Rotation", "Revision"]
        .map(str::to_owned)
        .to_vec()];
    if let Some(map) = value.as_object() {
        for (id, s) in map {
            rows.push(vec![
                id.clone(),
                s["label"].as_str().unwrap_or("-").to_owned(),
                s["owner"].as_str().unwrap_or_default().to_owned(),
                s["rotation"].as_str().unwrap_or("never").to_owned(),
                s["revision"].to_string(),
            ]);
        }
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[c]))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}

fn print_lines(lines: &[Value]) {
    for line in lines {
        let time = line["time"].as_str().unwrap_or_default();
        let clock = time.get(11..19).unwrap_or(time);
        println!(
            "{}: {clock} {} {} {}",
            line["entity"].as_str().unwrap_or_default(),
            line["level"].as_str().unwrap_or_default(),
            line["module"].as_str().unwrap_or_default(),
            line["message"].as_str().unwrap_or_default()
        );
    }
}

/// `debug-log`: history, then follow unless `no_tail`.
pub(super) fn debug_log(socket: &str, replay: bool, include: Vec<String>, no_tail: bool, lines: usize) -> Result<()> {
    let first = call_ok(
        socket,
        &Request::DebugLog {
            after: 0,
            include: include.clone(),
        },
    )?;
    let all = first["lines"].as_array().cloned().unwrap_or_default();
    let shown = if replay {
        &all[..]
    } else {
        &all[all.len().saturating_sub(lines)..]
    };
    print_lines(shown);
    let mut next = first["next"].as_u64().unwrap_or(0);
    if no_tail {
        return Ok(());
    }
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let more = call_ok(
            socket,
            &Request::DebugLog {
                after: usize::try_from(next).unwrap_or(usize::MAX),
                include: include.clone(),
            },
        )?;
        print_lines(more["lines"].as_array().map(Vec::as_slice).unwrap_or_default());
        next = more["next"].as_u64().unwrap_or(next);
    }
}
