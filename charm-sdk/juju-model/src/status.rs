//! Workload status and its severity order.
//!
//! A charm reports one status per run: the most severe of everything its components said
//! (ops' collect-status). Severity, from most to least: error, blocked, maintenance,
//! waiting, active, unknown. Only the four middle kinds can be set by a charm; `error` and
//! `unknown` are read-only states Juju reports.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusKind {
    /// Nothing is known yet.
    Unknown,
    /// Ready and working.
    Active,
    /// Waiting on something outside this unit's control (another app, a peer).
    Waiting,
    /// The charm is doing work that the operator should let finish.
    Maintenance,
    /// The operator must act (bad config, missing relation).
    Blocked,
    /// The hook failed (read-only).
    Error,
}

impl StatusKind {
    /// Higher is more severe.
    pub fn severity(self) -> u8 {
        match self {
            StatusKind::Unknown => 0,
            StatusKind::Active => 1,
            StatusKind::Waiting => 2,
            StatusKind::Maintenance => 3,
            StatusKind::Blocked => 4,
            StatusKind::Error => 5,
        }
    }

    /// The word Juju uses.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Unknown => "unknown",
            StatusKind::Active => "active",
            StatusKind::Waiting => "waiting",
            StatusKind::Maintenance => "maintenance",
            StatusKind::Blocked => "blocked",
            StatusKind::Error => "error",
        }
    }

    /// Whether `status-set` accepts this kind.
    pub fn settable(self) -> bool {
        matches!(
            self,
            StatusKind::Active | StatusKind::Waiting | StatusKind::Maintenance | StatusKind::Blocked
        )
    }

    /// Parses Juju's word for a status.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "unknown" => StatusKind::Unknown,
            "active" => StatusKind::Active,
            "waiting" => StatusKind::Waiting,
            "maintenance" => StatusKind::Maintenance,
            "blocked" => StatusKind::Blocked,
            "error" => StatusKind::Error,
            _ => return None,
        })
    }
}

/// A status with its message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Status {
    /// The kind.
    pub kind: StatusKind,
    /// The message shown by `juju status`.
    pub message: String,
}

impl Status {
    /// `active` with a message (often empty).
    pub fn active(message: impl Into<String>) -> Self {
        Self {
            kind: StatusKind::Active,
            message: message.into(),
        }
    }
    /// `blocked`: the operator must act.
    pub fn blocked(message: impl Into<String>) -> Self {
        Self {
            kind: StatusKind::Blocked,
            message: message.into(),
        }
    }
    /// `waiting`: something else must happen first.
    pub fn waiting(message: impl Into<String>) -> Self {
        Self {
            kind: StatusKind::Waiting,
            message: message.into(),
        }
    }
    /// `maintenance`: the charm is busy.
    pub fn maintenance(message: impl Into<String>) -> Self {
        Self {
            kind: StatusKind::Maintenance,
            message: message.into(),
        }
    }
    /// `unknown`, as a fresh unit shows.
    pub fn unknown() -> Self {
        Self {
            kind: StatusKind::Unknown,
            message: String::new(),
        }
    }

    /// The more severe of two statuses; on a tie the first one wins, so the first
    /// component to report keeps its message.
    pub fn most_severe(self, other: Status) -> Status {
        if other.kind.severity() > self.kind.severity() {
            other
        } else {
            self
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.kind.as_str())
        } else {
            write!(f, "{}: {}", self.kind.as_str(), self.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_matches_ops() {
        let order = [
            StatusKind::Unknown,
            StatusKind::Active,
            StatusKind::Waiting,
            StatusKind::Maintenance,
            StatusKind::Blocked,
            StatusKind::Error,
        ];
        for pair in order.windows(2) {
            assert!(pair[0].severity() < pair[1].severity(), "{pair:?}");
        }
    }

    #[test]
    fn most_severe_keeps_first_on_tie() {
        let a = Status::waiting("first");
        let b = Status::waiting("second");
        assert_eq!(a.clone().most_severe(b), a);
        assert_eq!(
            Status::active("").most_severe(Status::blocked("x")),
            Status::blocked("x")
        );
    }
}
