//! Cruise Control's JSON answers (`json=true`), as its source writes them (2.5.x,
//! `cruise-control/src/main/java/com/linkedin/kafka/cruisecontrol/servlet/response/`):
//!
//! - `state`: `{"MonitorState": {"state": "RUNNING", "numMonitoredWindows": n,
//!   "numValidPartitions": n, ...}, "ExecutorState": {"state": "NO_TASK_IN_PROGRESS", ...},
//!   ...}` (`CruiseControlState`, `LoadMonitorState`, `ExecutorState`);
//! - `rebalance`, `add_broker`, `remove_broker`: `{"summary": {"numReplicaMovements",
//!   "dataToMoveMB", "numIntraBrokerReplicaMovements", "intraBrokerDataToMoveMB",
//!   "numLeaderMovements", "recentWindows", "monitoredPartitionsPercentage",
//!   "excludedTopics", "excludedBrokersForLeadership", "excludedBrokersForReplicaMove",
//!   "onDemandBalancednessScoreBefore", "onDemandBalancednessScoreAfter", "provisionStatus",
//!   "provisionRecommendation"}, "goalSummary": [{"goal", "status", "clusterModelStats",
//!   "optimizationTimeMs"}], "loadAfterOptimization": {"hosts": [...], "brokers": [...]},
//!   "version": 1}` (`OptimizationResult`, `OptimizerResult.getProposalSummaryForJson`),
//!   with the task's id in the `User-Task-ID` header; `202 Accepted` with `{"progress":
//!   [...]}` while the proposal is being computed (`ProgressResult`);
//! - `user_tasks`: `{"userTasks": [{"UserTaskId", "RequestURL", "ClientIdentity",
//!   "StartMs", "Status": "Active|InExecution|Completed|CompletedWithError"}], "version": 1}`
//!   (`UserTaskState`, `UserTaskManager.UserTaskInfo`);
//! - errors: `{"errorMessage": "...", "stackTrace": "...", "version": 1}` (`ResponseUtils`).
//!
//! Gson writes `NaN` and `Infinity` bare (`serializeSpecialFloatingPointValues`), which is not
//! JSON: [`parse`] turns them into strings first.
//!
//! The action's results are the answer itself, cleaned the Python charm's way
//! (`BalancerManager.clean_results`): keys lower-cased with `.` and `_` turned into `-`, and
//! the lists `brokers`, `hosts` and `goalSummary` keyed by their `Broker`, `Host` and `goal`
//! (`loadafteroptimization.brokers.0.replicas`, `goalsummary.replicacapacitygoal.status`).

use serde_json::{Map, Value};

/// Parses an answer, tolerating Gson's bare `NaN`, `Infinity` and `-Infinity`.
pub fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(&quote_special_floats(text)).map_err(|e| format!("Cruise Control answered invalid JSON: {e}"))
}

fn quote_special_floats(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        let special = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|w| rest.starts_with(w));
        if let Some(word) = special {
            out.push('"');
            out.push_str(word);
            out.push('"');
            rest = &rest[word.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// What `state` says about readiness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CruiseControlState {
    /// `MonitorState.state` (`RUNNING`, `SAMPLING`, `BOOTSTRAPPING`, ...).
    pub monitor: String,
    /// `MonitorState.numMonitoredWindows`.
    pub monitored_windows: i64,
    /// `MonitorState.numValidPartitions`.
    pub valid_partitions: i64,
    /// `ExecutorState.state` (`NO_TASK_IN_PROGRESS` when idle).
    pub executor: String,
}

impl CruiseControlState {
    /// From a `state` answer.
    pub fn from_json(value: &Value) -> CruiseControlState {
        let monitor = &value["MonitorState"];
        CruiseControlState {
            monitor: monitor["state"].as_str().unwrap_or_default().to_owned(),
            monitored_windows: monitor["numMonitoredWindows"].as_i64().unwrap_or(0),
            valid_partitions: monitor["numValidPartitions"].as_i64().unwrap_or(0),
            executor: value["ExecutorState"]["state"].as_str().unwrap_or_default().to_owned(),
        }
    }

    /// The load monitor samples the cluster (`SAMPLING` is its periodic work while running).
    pub fn monitoring(&self) -> bool {
        matches!(self.monitor.as_str(), "RUNNING" | "SAMPLING")
    }

    /// The executor is moving replicas or leaders.
    pub fn executing(&self) -> bool {
        self.executor != "NO_TASK_IN_PROGRESS"
    }

    /// Enough metrics for a proposal (the Python charm's `ready`).
    pub fn ready(&self) -> bool {
        self.monitored_windows > 0 && self.valid_partitions > 0
    }
}

/// `errorMessage` of an error answer.
pub fn error_message(value: &Value) -> Option<String> {
    value.get("errorMessage").map(|m| match m {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The `Status` of task `id` in a `user_tasks` answer.
pub fn task_status(value: &Value, id: &str) -> Option<String> {
    value["userTasks"]
        .as_array()?
        .iter()
        .find(|t| t["UserTaskId"].as_str() == Some(id))
        .and_then(|t| t["Status"].as_str())
        .map(str::to_owned)
}

/// A key as an action result key part: lower case, `.` and `_` as `-`.
pub fn sanitise_key(key: &str) -> String {
    key.replace(['.', '_'], "-").to_lowercase()
}

/// The answer cleaned for the action's results (see the module documentation).
pub fn clean(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(clean).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, nested) in map {
                let label = match key.as_str() {
                    "brokers" => Some("Broker"),
                    "hosts" => Some("Host"),
                    "goalSummary" => Some("goal"),
                    _ => None,
                };
                match (label, nested) {
                    (Some(label), Value::Array(items)) => {
                        let mut keyed = Map::new();
                        for item in items.iter().filter(|i| i.is_object()) {
                            let name = match &item[label] {
                                Value::String(s) => sanitise_key(s),
                                Value::Null => continue,
                                other => other.to_string(),
                            };
                            keyed.insert(name, clean(item));
                        }
                        out.insert(sanitise_key(key), Value::Object(keyed));
                    }
                    _ => {
                        out.insert(sanitise_key(key), clean(nested));
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gson_special_floats_become_strings_outside_strings_only() {
        let v = parse(r#"{"a": NaN, "b": -Infinity, "c": "NaN Infinity", "d": [Infinity]}"#).unwrap();
        assert_eq!(v["a"], "NaN");
        assert_eq!(v["b"], "-Infinity");
        assert_eq!(v["c"], "NaN Infinity");
        assert_eq!(v["d"][0], "Infinity");
    }

    #[test]
    fn lists_are_keyed_by_their_label_and_keys_sanitised() {
        let v: Value = serde_json::json!({
            "goalSummary": [{"goal": "ReplicaCapacityGoal", "status": "NO-ACTION"}],
            "loadAfterOptimization": {"brokers": [{"Broker": 0, "DiskMB": 1.5}],
                                      "hosts": [{"Host": "kafka-k8s-0.kafka-k8s-endpoints"}]},
            "summary": {"dataToMoveMB": 0, "excludedTopics": []}
        });
        let c = clean(&v);
        assert_eq!(c["goalsummary"]["replicacapacitygoal"]["status"], "NO-ACTION");
        assert_eq!(c["loadafteroptimization"]["brokers"]["0"]["diskmb"], 1.5);
        assert!(c["loadafteroptimization"]["hosts"]["kafka-k8s-0-kafka-k8s-endpoints"].is_object());
        assert_eq!(c["summary"]["datatomovemb"], 0);
    }
}
