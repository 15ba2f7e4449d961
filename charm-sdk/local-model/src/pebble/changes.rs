//! Changes and tasks: how Pebble reports work that takes time.
//!
//! Service actions, exec and health checks are *changes* made of *tasks*; a client polls
//! `/v1/changes/{id}/wait` until the change is ready and reads its `err` (built from the
//! failed tasks' logs: `cannot perform the following tasks:\n- <summary> (<error>)`) and, for
//! exec, the task's `exit-code`. Status names and the derived change status follow
//! `internals/overlord/state/change.go`.

use std::time::SystemTime;

use serde_json::{json, Value};

use super::timefmt::rfc3339_nano;

/// A task or change status (`Do`, `Doing`, `Done`, `Error`, `Hold`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Do,
    Doing,
    Done,
    Error,
    Hold,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Do => "Do",
            Status::Doing => "Doing",
            Status::Done => "Done",
            Status::Error => "Error",
            Status::Hold => "Hold",
        }
    }

    pub(crate) fn is_ready(self) -> bool {
        !matches!(self, Status::Do | Status::Doing)
    }
}

/// One task of a change.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) summary: String,
    pub(crate) status: Status,
    pub(crate) log: Vec<String>,
    pub(crate) spawn_time: SystemTime,
    pub(crate) ready_time: Option<SystemTime>,
    pub(crate) data: Option<Value>,
}

impl Task {
    fn to_json(&self) -> Value {
        let done = if self.status.is_ready() { 1 } else { 0 };
        let mut value = json!({
            "id": self.id, "kind": self.kind, "summary": self.summary, "status": self.status.as_str(),
            "progress": {"label": "", "done": done, "total": 1},
            "spawn-time": rfc3339_nano(self.spawn_time),
        });
        if !self.log.is_empty() {
            value["log"] = json!(self.log);
        }
        if let Some(ready) = self.ready_time {
            value["ready-time"] = json!(rfc3339_nano(ready));
        }
        if let Some(data) = &self.data {
            value["data"] = data.clone();
        }
        value
    }

    /// The errors this task logged.
    fn errors(&self) -> impl Iterator<Item = &str> {
        self.log.iter().filter_map(|l| l.split_once(" ERROR ").map(|(_, e)| e))
    }
}

/// A change.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) summary: String,
    pub(crate) tasks: Vec<Task>,
    pub(crate) spawn_time: SystemTime,
    pub(crate) ready_time: Option<SystemTime>,
    /// Status for a change without tasks.
    pub(crate) fixed_status: Option<Status>,
    /// Service names, for `GET /v1/changes?for=`.
    pub(crate) service_names: Vec<String>,
    /// The status last recorded in a change-update notice.
    pub(crate) notified: Option<Status>,
}

impl Change {
    /// The status derived from the tasks, as Pebble does.
    pub(crate) fn status(&self) -> Status {
        if let Some(fixed) = self.fixed_status {
            return fixed;
        }
        if self.tasks.iter().any(|t| t.status == Status::Doing) {
            return Status::Doing;
        }
        if self.tasks.iter().any(|t| t.status == Status::Do) {
            return if self.tasks.iter().any(|t| t.status.is_ready()) {
                Status::Doing
            } else {
                Status::Do
            };
        }
        if self.tasks.iter().any(|t| t.status == Status::Error) {
            return Status::Error;
        }
        if self.tasks.iter().all(|t| t.status == Status::Hold) && !self.tasks.is_empty() {
            return Status::Hold;
        }
        Status::Done
    }

    /// Whether the change is finished.
    pub(crate) fn is_ready(&self) -> bool {
        self.status().is_ready()
    }

    /// `cannot perform the following tasks: ...` when a task failed.
    pub(crate) fn err(&self) -> Option<String> {
        if self.status() != Status::Error {
            return None;
        }
        let lines: Vec<String> = self
            .tasks
            .iter()
            .filter(|t| t.status == Status::Error)
            .flat_map(|t| t.errors().map(move |e| format!("- {} ({e})", t.summary)))
            .collect();
        Some(format!("cannot perform the following tasks:\n{}", lines.join("\n")))
    }

    /// The `/v1/changes` JSON.
    pub(crate) fn to_json(&self) -> Value {
        let status = self.status();
        let mut value = json!({
            "id": self.id, "kind": self.kind, "summary": self.summary, "status": status.as_str(),
            "ready": status.is_ready(), "spawn-time": rfc3339_nano(self.spawn_time),
        });
        if !self.tasks.is_empty() {
            value["tasks"] = Value::Array(self.tasks.iter().map(Task::to_json).collect());
        }
        if let Some(err) = self.err() {
            value["err"] = json!(err);
        }
        if let Some(ready) = self.ready_time {
            value["ready-time"] = json!(rfc3339_nano(ready));
        }
        value
    }

    pub(crate) fn task_mut(&mut self, task_id: &str) -> Option<&mut Task> {
        self.tasks.iter_mut().find(|t| t.id == task_id)
    }
}

/// A task log line as Pebble writes it (`<time> INFO msg`, `<time> ERROR msg`).
pub(crate) fn log_line(level: &str, message: &str) -> String {
    format!("{} {level} {message}", rfc3339_nano(SystemTime::now()))
}
