//! Where each field goes, as pure functions: plaintext key or secret group.
//!
//! The library's rule (`Data._process_secret_fields`, `_content_for_secret_group`,
//! `_fetch_relation_data_with_secrets`) decides field by field, from the other side's list
//! of secret fields and from what is already in the writer's bag. Keeping it free of hook
//! tools lets the same code serve the provider (credentials), the requirer (`mtls-cert`)
//! and the tests, and lets proptest hammer it.

use std::collections::BTreeMap;

use juju_model::Databag;

use super::protocol::{SecretGroup, DATA};

/// Secret content: keys to values.
pub type SecretContent = BTreeMap<String, String>;

/// What one write does: plaintext keys to set (an empty value deletes, as with
/// `relation-set`) and, per secret group, the fields to set or (empty value) remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WritePlan {
    /// Plaintext databag writes, in the caller's order.
    pub plain: Vec<(String, String)>,
    /// Secret field updates per group, in the caller's order.
    pub secrets: BTreeMap<SecretGroup, Vec<(String, String)>>,
}

/// Splits `fields` between plaintext and secrets.
///
/// `secret_fields` is the other side's list (`requested-secrets` for a provider,
/// `provided-secrets` for a requirer); empty means a peer without secrets support, and
/// everything stays plaintext (the legacy flat layout). If `own_bag` already holds any of
/// the secret fields as plaintext, the relation started without secrets and stays on the
/// databag (`fallback_to_databag`).
pub fn plan_write(secret_fields: &[String], own_bag: &Databag, fields: &[(String, String)]) -> WritePlan {
    let use_secrets = !secret_fields.is_empty() && !secret_fields.iter().any(|f| own_bag.contains_key(f));
    let mut plan = WritePlan::default();
    for (key, value) in fields {
        if use_secrets && secret_fields.iter().any(|f| f == key) {
            plan.secrets
                .entry(SecretGroup::of(key))
                .or_default()
                .push((key.clone(), value.clone()));
        } else {
            plan.plain.push((key.clone(), value.clone()));
        }
    }
    // Removing fields from a group that was never created is a no-op: skip it, so an
    // idempotent reconcile does not look the secret up every time.
    plan.secrets
        .retain(|group, updates| updates.iter().any(|(_, v)| !v.is_empty()) || own_bag.contains_key(&group.key()));
    plan
}

/// Applies field updates to a secret's content: set, or remove on an empty value
/// (`_update_relation_secret` merges into the old content; deletion mirrors
/// `_delete_relation_secret`).
pub fn apply(content: &SecretContent, updates: &[(String, String)]) -> SecretContent {
    let mut out = content.clone();
    for (key, value) in updates {
        if value.is_empty() {
            out.remove(key);
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// A writer's application bag as the reader sees it: plaintext fields and secret URIs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BagView {
    /// Every key that is neither a `secret-<group>` URI nor the `data` mirror.
    pub plain: Databag,
    /// `secret-<group>` URIs, by group.
    pub secret_uris: BTreeMap<SecretGroup, String>,
}

impl BagView {
    /// Splits a bag. Never fails: unknown keys are kept as plaintext.
    pub fn from_bag(bag: &Databag) -> Self {
        let mut view = BagView::default();
        for (key, value) in bag {
            if key == DATA || value.is_empty() {
                continue;
            }
            // Only the group keys hold URIs: `secret-key` (s3, azure) is a plain field.
            match SecretGroup::from_key(key) {
                Some(group) => {
                    view.secret_uris.insert(group, value.clone());
                }
                None => {
                    view.plain.insert(key.clone(), value.clone());
                }
            }
        }
        view
    }

    /// The groups worth fetching to resolve `secret_fields`: those with a URI and at least
    /// one of the fields.
    pub fn groups_to_read(&self, secret_fields: &[String]) -> Vec<SecretGroup> {
        let mut groups: Vec<SecretGroup> = secret_fields
            .iter()
            .map(|f| SecretGroup::of(f))
            .filter(|g| self.secret_uris.contains_key(g))
            .collect();
        groups.sort();
        groups.dedup();
        groups
    }

    /// All fields as the library's `fetch_relation_data` returns them: a secret field
    /// comes from its group's secret when that secret has content, else from plaintext;
    /// other fields come from plaintext. Fields of a secret that were not asked for are
    /// not returned.
    pub fn resolve(&self, secret_fields: &[String], secrets: &BTreeMap<SecretGroup, SecretContent>) -> Databag {
        let mut out = Databag::new();
        for (key, value) in &self.plain {
            let hidden = secret_fields.iter().any(|f| f == key)
                && secrets.get(&SecretGroup::of(key)).is_some_and(|c| !c.is_empty());
            if !hidden {
                out.insert(key.clone(), value.clone());
            }
        }
        for field in secret_fields {
            if let Some(value) = secrets.get(&SecretGroup::of(field)).and_then(|c| c.get(field)) {
                if !value.is_empty() {
                    out.insert(field.clone(), value.clone());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn requested_fields_go_to_their_groups() {
        let fields = pairs(&[
            ("topic", "t"),
            ("username", "u"),
            ("password", "p"),
            ("tls", "disabled"),
            ("spark-properties", "{}"),
        ]);
        let plan = plan_write(
            &strings(&["username", "password", "tls", "spark-properties"]),
            &Databag::new(),
            &fields,
        );
        assert_eq!(plan.plain, pairs(&[("topic", "t")]));
        assert_eq!(
            plan.secrets[&SecretGroup::User],
            pairs(&[("username", "u"), ("password", "p")])
        );
        assert_eq!(plan.secrets[&SecretGroup::Tls], pairs(&[("tls", "disabled")]));
        assert_eq!(plan.secrets[&SecretGroup::Extra], pairs(&[("spark-properties", "{}")]));
    }

    #[test]
    fn removals_from_groups_never_created_are_dropped() {
        let fields = pairs(&[("tls", ""), ("tls-ca", ""), ("username", "u")]);
        let plan = plan_write(&strings(&["username", "tls", "tls-ca"]), &Databag::new(), &fields);
        assert!(!plan.secrets.contains_key(&SecretGroup::Tls));
        let own: Databag = [("secret-tls".to_owned(), "secret:x".to_owned())].into();
        let plan = plan_write(&strings(&["username", "tls", "tls-ca"]), &own, &fields);
        assert_eq!(plan.secrets[&SecretGroup::Tls].len(), 2);
    }

    #[test]
    fn no_requested_secrets_or_a_plaintext_start_means_flat_layout() {
        let fields = pairs(&[("username", "u"), ("password", "p")]);
        assert_eq!(plan_write(&[], &Databag::new(), &fields).plain.len(), 2);
        let started_plain: Databag = [("username".to_owned(), "u".to_owned())].into();
        let plan = plan_write(&strings(&["username", "password"]), &started_plain, &fields);
        assert!(plan.secrets.is_empty());
        assert_eq!(plan.plain.len(), 2);
    }

    #[test]
    fn reads_prefer_secrets_and_fall_back_to_plaintext() {
        let bag: Databag = [
            ("secret-user", "secret:abc"),
            ("endpoints", "h:1"),
            ("username", "stale"),
            ("tls", "true"),
            ("data", "{}"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let view = BagView::from_bag(&bag);
        let requested = strings(&["username", "password", "tls"]);
        assert_eq!(view.groups_to_read(&requested), vec![SecretGroup::User]);
        let user: SecretContent = [("username", "u"), ("password", "p"), ("uris", "x")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let out = view.resolve(&requested, &[(SecretGroup::User, user)].into());
        assert_eq!(out.get("username").map(String::as_str), Some("u"));
        assert_eq!(out.get("password").map(String::as_str), Some("p"));
        assert_eq!(out.get("tls").map(String::as_str), Some("true"));
        assert!(!out.contains_key("uris"), "not requested");
        assert!(!out.contains_key("data"));
    }
}
