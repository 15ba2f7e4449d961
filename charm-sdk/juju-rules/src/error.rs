//! `RuleError`: a refusal, with Juju's exact text and a longer hint naming the rule.
//!
//! Two audiences read a refusal. A charm's hook tool sees only Juju's stderr text, and
//! clients (ops, our SDK) classify failures by substrings of it (`relation not found`,
//! `not found` from secret tools, `not the leader`, `permission denied`), so [`RuleError`]'s
//! `Display` is that text, byte for byte. A person reading a failed unit test wants to know
//! which rule fired and what to do about it (the complaint of canonical/operator#784), so
//! each error can also carry an explanation, reached through [`RuleError::explain`].

use std::fmt;

/// What kind of rule refused the call; the process-level tools map it to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleErrorKind {
    /// The relation does not exist or this unit is not in it (`relation not found`).
    RelationNotFound,
    /// A leader-only operation by a non-leader (`this unit is not the leader`,
    /// `cannot write relation settings`).
    NotLeader,
    /// Access to data this unit may not see or change (`permission denied`).
    PermissionDenied,
    /// The secret does not exist or is not visible (`secret "<id>" not found`).
    SecretNotFound,
    /// Something else named does not exist (a state key with `--strict`, a storage id…).
    NotFound,
    /// The arguments are refused before anything runs (Juju's `Init` failures, exit 2).
    InvalidArgument,
    /// A value is refused while running (`... not valid`, exit 1).
    NotValid,
    /// A size quota is exceeded (state keys and values, secret content).
    QuotaExceeded,
    /// An action-only tool outside an action (`not running an action`).
    NotRunningAction,
    /// The tool is not supported in this model (`credential-get` on Kubernetes).
    NotSupported,
}

/// A hook tool call refused by one of Juju's rules.
///
/// `Display` prints Juju's text exactly; [`RuleError::explain`] gives the longer hint for
/// people.
///
/// ```
/// use juju_rules::RuleError;
///
/// let err = RuleError::not_leader_relation_write()
///     .with_explain("unit app/1 is not leader: only the leader may write app data on `cluster`");
/// assert_eq!(err.to_string(), "cannot write relation settings");
/// assert!(err.explain().contains("only the leader"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    kind: RuleErrorKind,
    juju: String,
    explain: Option<String>,
}

impl RuleError {
    /// An error of `kind` with Juju's text `juju`.
    pub fn new(kind: RuleErrorKind, juju: impl Into<String>) -> Self {
        Self {
            kind,
            juju: juju.into(),
            explain: None,
        }
    }

    /// Adds the longer explanation shown by the in-process testing API.
    pub fn with_explain(mut self, explain: impl Into<String>) -> Self {
        self.explain = Some(explain.into());
        self
    }

    /// The kind of rule that refused the call.
    pub fn kind(&self) -> RuleErrorKind {
        self.kind
    }

    /// Juju's text, exactly as the hook tool prints it after `ERROR `.
    pub fn juju_text(&self) -> &str {
        &self.juju
    }

    /// The explanation naming the rule, or Juju's text when there is none.
    pub fn explain(&self) -> &str {
        self.explain.as_deref().unwrap_or(&self.juju)
    }

    /// The exit code the hook tool process ends with: 2 for argument errors Juju reports
    /// from `Init`, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            RuleErrorKind::InvalidArgument => 2,
            _ => 1,
        }
    }

    /// `relation not found`.
    pub fn relation_not_found() -> Self {
        Self::new(RuleErrorKind::RelationNotFound, "relation not found")
    }

    /// `cannot write relation settings` (relation-set `--app` by a non-leader).
    pub fn not_leader_relation_write() -> Self {
        Self::new(RuleErrorKind::NotLeader, "cannot write relation settings")
    }

    /// `this unit is not the leader`.
    pub fn not_leader() -> Self {
        Self::new(RuleErrorKind::NotLeader, "this unit is not the leader")
    }

    /// `permission denied`.
    pub fn permission_denied() -> Self {
        Self::new(RuleErrorKind::PermissionDenied, "permission denied")
    }

    /// `secret "<id>" not found` (Juju names the secret by the text it was given).
    pub fn secret_not_found(what: &str) -> Self {
        Self::new(RuleErrorKind::SecretNotFound, format!("secret {what:?} not found"))
    }

    /// An argument error (exit 2) with Juju's text.
    pub fn invalid(text: impl Into<String>) -> Self {
        Self::new(RuleErrorKind::InvalidArgument, text)
    }

    /// A run-time validation error (exit 1) with Juju's text.
    pub fn not_valid(text: impl Into<String>) -> Self {
        Self::new(RuleErrorKind::NotValid, text)
    }

    /// A missing thing other than a relation or secret, with Juju's text.
    pub fn not_found(text: impl Into<String>) -> Self {
        Self::new(RuleErrorKind::NotFound, text)
    }

    /// `not running an action`.
    pub fn not_running_action() -> Self {
        Self::new(RuleErrorKind::NotRunningAction, "not running an action")
    }

    /// `no relation id specified`.
    pub fn no_relation_id() -> Self {
        Self::invalid("no relation id specified")
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.juju)
    }
}

impl std::error::Error for RuleError {}

/// Shorthand for results of rule checks and hook tools.
pub type RuleResult<T> = Result<T, RuleError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_juju_text_and_explain_falls_back_to_it() {
        let plain = RuleError::permission_denied();
        assert_eq!(plain.to_string(), "permission denied");
        assert_eq!(plain.explain(), "permission denied");
        assert_eq!(plain.exit_code(), 1);
        assert_eq!(RuleError::no_relation_id().exit_code(), 2);
        assert_eq!(
            RuleError::secret_not_found("abc").to_string(),
            r#"secret "abc" not found"#
        );
    }
}
