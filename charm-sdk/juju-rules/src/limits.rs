//! Key rules and size quotas, with Juju's texts (juju-contract.md §2.2, §4).
//!
//! Juju checks these at the hook tool, before anything is buffered, so a refused key never
//! reaches the commit. The numbers follow Juju 3.x; secret sizes changed across 3.x
//! releases (8 KiB per value / 64 KiB total on older 3.x, ~1 MB on newer 3.6.x), so they
//! are [`Limits`] fields a model can change.

use juju_model::tools::{valid_secret_key, RESERVED_ACTION_KEYS};

use crate::error::{RuleError, RuleErrorKind, RuleResult};

/// `state-set` key quota in bytes (`quota.MaxCharmStateKeySize`).
pub const MAX_STATE_KEY_BYTES: usize = 256;
/// `state-set` value quota in bytes (`quota.MaxCharmStateValueSize`).
pub const MAX_STATE_VALUE_BYTES: usize = 64 * 1024;

/// Sizes a model enforces; the defaults are the conservative older Juju 3.x values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest secret value in bytes (before base64).
    pub secret_value_bytes: usize,
    /// Largest secret content in bytes, all values together.
    pub secret_total_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            secret_value_bytes: 8 * 1024,
            secret_total_bytes: 64 * 1024,
        }
    }
}

/// `state-set`'s quota check: `max allowed key length (256) exceeded` or
/// `max allowed value length (65536) exceeded`.
pub fn check_state_entry(key: &str, value: &str) -> RuleResult<()> {
    if key.len() > MAX_STATE_KEY_BYTES {
        return Err(RuleError::new(
            RuleErrorKind::QuotaExceeded,
            format!("max allowed key length ({MAX_STATE_KEY_BYTES}) exceeded"),
        )
        .with_explain(format!(
            "unit state key of {} bytes is longer than Juju's {MAX_STATE_KEY_BYTES}-byte quota",
            key.len()
        )));
    }
    if value.len() > MAX_STATE_VALUE_BYTES {
        return Err(RuleError::new(
            RuleErrorKind::QuotaExceeded,
            format!("max allowed value length ({MAX_STATE_VALUE_BYTES}) exceeded"),
        )
        .with_explain(format!(
            "unit state value for {key:?} is {} bytes, over Juju's {MAX_STATE_VALUE_BYTES}-byte quota; \
             keep large data in the workload, not in state-set",
            value.len()
        )));
    }
    Ok(())
}

/// Secret content: at least one key, keys matching `^[a-z](-?[a-z0-9]){2,}$`, sizes within
/// `limits`. Texts: `empty secret value not valid`, `key "X" not valid`.
pub fn check_secret_content<'a>(
    content: impl IntoIterator<Item = (&'a String, &'a String)>,
    limits: &Limits,
) -> RuleResult<()> {
    let mut total = 0usize;
    let mut any = false;
    for (key, value) in content {
        any = true;
        if !valid_secret_key(key) {
            return Err(
                RuleError::not_valid(format!("key {key:?} not valid")).with_explain(format!(
                    "secret content key {key:?} must be lowercase letters, digits and single hyphens, \
                 start with a letter and be at least 3 characters (^[a-z](-?[a-z0-9]){{2,}}$)"
                )),
            );
        }
        if value.len() > limits.secret_value_bytes {
            return Err(RuleError::new(
                RuleErrorKind::QuotaExceeded,
                format!(
                    "secret content for key {key:?} exceeds {} bytes",
                    limits.secret_value_bytes
                ),
            ));
        }
        total += value.len();
    }
    if !any {
        return Err(RuleError::not_valid("empty secret value not valid")
            .with_explain("a secret needs at least one key=value pair of content"));
    }
    if total > limits.secret_total_bytes {
        return Err(RuleError::new(
            RuleErrorKind::QuotaExceeded,
            format!("secret content exceeds {} bytes", limits.secret_total_bytes),
        ));
    }
    Ok(())
}

/// One dotted `action-set` key: every segment must match Juju's action name rule, and no
/// segment may be a reserved key.
pub fn check_action_key(key: &str) -> RuleResult<()> {
    for segment in key.split('.') {
        if !valid_action_segment(segment) {
            return Err(RuleError::invalid(format!(
                "key {segment:?} must start and end with lowercase alphanumeric, and contain only \
                 lowercase alphanumeric, hyphens and periods"
            )));
        }
        if RESERVED_ACTION_KEYS.contains(&segment) {
            return Err(
                RuleError::invalid(format!("cannot set reserved action key {segment:?}")).with_explain(format!(
                    "action result key {segment:?} is reserved: Juju stores the process output under \
                     stdout/stderr; pick another name"
                )),
            );
        }
    }
    Ok(())
}

fn valid_action_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => alnum(first) && alnum(last) && bytes.iter().all(|&b| alnum(b) || b == b'-'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn state_quota_texts() {
        assert!(check_state_entry("k", "v").is_ok());
        let long_key = "k".repeat(257);
        assert_eq!(
            check_state_entry(&long_key, "v").unwrap_err().to_string(),
            "max allowed key length (256) exceeded"
        );
        let long_value = "v".repeat(64 * 1024 + 1);
        assert_eq!(
            check_state_entry("k", &long_value).unwrap_err().to_string(),
            "max allowed value length (65536) exceeded"
        );
        assert!(check_state_entry(&"k".repeat(256), &"v".repeat(65536)).is_ok());
    }

    #[test]
    fn secret_content_rules() {
        let limits = Limits::default();
        let empty: BTreeMap<String, String> = BTreeMap::new();
        assert_eq!(
            check_secret_content(&empty, &limits).unwrap_err().to_string(),
            "empty secret value not valid"
        );
        let bad: BTreeMap<String, String> = [("Pass".to_owned(), "x".to_owned())].into();
        assert_eq!(
            check_secret_content(&bad, &limits).unwrap_err().to_string(),
            r#"key "Pass" not valid"#
        );
        let big: BTreeMap<String, String> = [("password".to_owned(), "x".repeat(8193))].into();
        assert!(check_secret_content(&big, &limits).is_err());
        let good: BTreeMap<String, String> = [("password".to_owned(), "x".to_owned())].into();
        assert!(check_secret_content(&good, &limits).is_ok());
    }

    #[test]
    fn action_keys() {
        assert!(check_action_key("outfile.size").is_ok());
        assert!(check_action_key("a1-b").is_ok());
        assert_eq!(
            check_action_key("a.stderr").unwrap_err().to_string(),
            r#"cannot set reserved action key "stderr""#
        );
        let err = check_action_key("Foo").unwrap_err();
        assert!(err.to_string().starts_with(r#"key "Foo" must start and end"#), "{err}");
        assert_eq!(err.exit_code(), 2);
        assert!(check_action_key("foo..bar")
            .unwrap_err()
            .to_string()
            .starts_with(r#"key """#));
    }
}
