//! Status collection: many components report, one status is set per run.
//!
//! As ops' collect-status: the most severe candidate wins (blocked > maintenance >
//! waiting > active), ties keep the first reported, and nothing reported means Active
//! with no message. The app status is set only when some component reported one and
//! only by the leader (Juju refuses it otherwise).

use juju_model::Status;

/// Candidates for the unit and the application status.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StatusCollector {
    unit: Option<Status>,
    app: Option<Status>,
}

impl StatusCollector {
    /// Adds a unit status candidate.
    pub fn add_unit(&mut self, status: Status) {
        self.unit = Some(match self.unit.take() {
            Some(current) => current.most_severe(status),
            None => status,
        });
    }

    /// Adds an application status candidate.
    pub fn add_app(&mut self, status: Status) {
        self.app = Some(match self.app.take() {
            Some(current) => current.most_severe(status),
            None => status,
        });
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.unit.is_none() && self.app.is_none()
    }

    /// The unit status to set (Active if nothing was reported) and the app status, if any.
    pub fn resolve(&self) -> (Status, Option<Status>) {
        (
            self.unit.clone().unwrap_or_else(|| Status::active("")),
            self.app.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_severe_wins_and_default_is_active() {
        let mut c = StatusCollector::default();
        assert_eq!(c.resolve(), (Status::active(""), None));
        c.add_unit(Status::waiting("w"));
        c.add_unit(Status::blocked("b"));
        c.add_unit(Status::maintenance("m"));
        c.add_app(Status::active("ok"));
        assert_eq!(c.resolve(), (Status::blocked("b"), Some(Status::active("ok"))));
    }
}
