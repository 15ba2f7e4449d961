//! Secrets as the controller stores them: owner, revisions, labels, pins and grants.
//!
//! juju-contract.md §4 in data: an owner (the application, managed by its leader, or one
//! unit), numbered revisions of content, an owner label plus one label per consumer unit,
//! the revision each reading unit is pinned to (`secret-get` pins, `--refresh` moves the
//! pin, `--peek` does not), and grants scoped to a relation that vanish with it. User
//! secrets (`juju add-secret`, owned by the model) are granted to applications with no
//! relation scope (`juju grant-secret`). Ids are 20-character xid-like strings derived from
//! the model, so runs are reproducible.

use std::collections::{BTreeMap, BTreeSet};

use juju_model::tools::{RotatePolicy, SecretAccess, SecretInfo, SecretOwner};
use juju_model::{AppName, RelationId, SecretUri, UnitName};

use base64::Engine;

use crate::error::{RuleError, RuleResult};
use crate::time::Timestamp;

/// Who owns a secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretOwnerRef {
    /// The application; only its leader manages the secret.
    App(AppName),
    /// One unit.
    Unit(UnitName),
    /// The model: a user secret made with `juju add-secret`; no charm manages it.
    Model,
}

impl SecretOwnerRef {
    /// The owner kind as `secret-info-get` prints it (`None` for user secrets, which no
    /// charm can inspect).
    pub fn kind(&self) -> Option<SecretOwner> {
        match self {
            SecretOwnerRef::App(_) => Some(SecretOwner::Application),
            SecretOwnerRef::Unit(_) => Some(SecretOwner::Unit),
            SecretOwnerRef::Model => None,
        }
    }

    /// The owning application (the unit's application for unit-owned secrets).
    pub fn app(&self) -> Option<&AppName> {
        match self {
            SecretOwnerRef::App(app) => Some(app),
            SecretOwnerRef::Unit(unit) => Some(unit.app()),
            SecretOwnerRef::Model => None,
        }
    }
}

/// One revision of a secret's content (values decoded, as `secret-get` returns them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// Key to value.
    pub content: BTreeMap<String, String>,
    /// When it was created.
    pub created: Timestamp,
    /// When it expires, if set.
    pub expire: Option<Timestamp>,
}

/// What a reading unit (consumer or owner) has recorded for a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consumer {
    /// The revision the unit is pinned to.
    pub revision: u64,
    /// The label this unit gave the secret with `secret-get <id> --label L` (consumers).
    pub label: Option<String>,
}

/// Who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantTarget {
    /// Every unit of the remote application.
    App(AppName),
    /// One remote unit.
    Unit(UnitName),
}

impl GrantTarget {
    /// Juju's tag for the target: `application-kafka`, `unit-kafka-0`.
    pub fn tag(&self) -> String {
        match self {
            GrantTarget::App(app) => format!("application-{app}"),
            GrantTarget::Unit(unit) => format!("unit-{}-{}", unit.app(), unit.number()),
        }
    }

    /// Whether `unit` is covered by this grant.
    pub fn covers(&self, unit: &UnitName) -> bool {
        match self {
            GrantTarget::App(app) => unit.app() == app,
            GrantTarget::Unit(u) => u == unit,
        }
    }
}

/// A grant of `view` access, scoped to a relation (or to the model, for user secrets).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    /// The relation the grant belongs to; it vanishes when the relation is removed.
    /// `None` for a model-scoped grant of a user secret (`juju grant-secret`).
    pub relation: Option<RelationId>,
    /// Who may read.
    pub target: GrantTarget,
}

/// A secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The URI (`secret:<id>`).
    pub uri: SecretUri,
    /// The owner.
    pub owner: SecretOwnerRef,
    /// Revisions still stored.
    pub revisions: BTreeMap<u64, Revision>,
    /// The highest revision number ever created (removed revisions are not reused).
    pub last_revision: u64,
    /// The owner's label.
    pub label: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Rotation policy.
    pub rotate: Option<RotatePolicy>,
    /// Next rotation time, when a policy other than `never` is set.
    pub next_rotation: Option<Timestamp>,
    /// Pins and labels per reading unit.
    pub consumers: BTreeMap<UnitName, Consumer>,
    /// Grants.
    pub grants: BTreeSet<Grant>,
}

impl Secret {
    /// A new secret with revision 1.
    pub fn new(uri: SecretUri, owner: SecretOwnerRef, content: BTreeMap<String, String>, now: Timestamp) -> Self {
        let first = Revision {
            content,
            created: now,
            expire: None,
        };
        Self {
            uri,
            owner,
            revisions: [(1, first)].into(),
            last_revision: 1,
            label: None,
            description: None,
            rotate: None,
            next_rotation: None,
            consumers: BTreeMap::new(),
            grants: BTreeSet::new(),
        }
    }

    /// The bare id.
    pub fn id(&self) -> &str {
        self.uri.id()
    }

    /// The latest stored revision number.
    pub fn latest(&self) -> Option<u64> {
        self.revisions.keys().next_back().copied()
    }

    /// The latest content.
    pub fn latest_content(&self) -> Option<&BTreeMap<String, String>> {
        self.revisions.values().next_back().map(|r| &r.content)
    }

    /// Adds a revision with `content` unless it equals the latest (Juju 3.6+ makes no new
    /// revision for identical content). Returns the new revision number, if one was made.
    pub fn add_revision(&mut self, content: BTreeMap<String, String>, now: Timestamp) -> Option<u64> {
        if self.latest_content() == Some(&content) {
            return None;
        }
        self.last_revision += 1;
        let expire = self.revisions.values().next_back().and_then(|r| r.expire);
        self.revisions.insert(
            self.last_revision,
            Revision {
                content,
                created: now,
                expire,
            },
        );
        Some(self.last_revision)
    }

    /// Sets the rotation policy and the next rotation time from `now`.
    pub fn set_rotate(&mut self, policy: RotatePolicy, now: Timestamp) {
        self.rotate = Some(policy);
        self.next_rotation = policy.seconds().map(|s| now.plus(s as i64));
    }

    /// The label `unit` knows the secret by: its own consumer label, else the owner label
    /// if `unit` belongs to the owner.
    pub fn label_for(&self, unit: &UnitName) -> Option<&str> {
        if let Some(label) = self.consumers.get(unit).and_then(|c| c.label.as_deref()) {
            return Some(label);
        }
        let owned = match &self.owner {
            SecretOwnerRef::App(app) => unit.app() == app,
            SecretOwnerRef::Unit(owner) => owner == unit,
            SecretOwnerRef::Model => false,
        };
        if owned {
            self.label.as_deref()
        } else {
            None
        }
    }

    /// Whether `unit` may read the secret through a grant on a live relation (as told by
    /// `live_relation`) or a model-scoped grant.
    pub fn granted_to(&self, unit: &UnitName, live_relation: impl Fn(RelationId) -> bool) -> bool {
        self.grants
            .iter()
            .any(|g| g.target.covers(unit) && g.relation.is_none_or(&live_relation))
    }

    /// `secret-info-get`'s record, with relation keys looked up by `relation_key`.
    pub fn info(&self, relation_key: impl Fn(RelationId) -> Option<String>) -> SecretInfo {
        let latest = self.revisions.values().next_back();
        SecretInfo {
            uri: Some(self.uri.clone()),
            revision: self.latest().unwrap_or(0),
            label: self.label.clone(),
            owner: self.owner.kind().unwrap_or(SecretOwner::Application),
            description: self.description.clone(),
            rotation: self.rotate,
            expiry: latest.and_then(|r| r.expire).map(Timestamp::to_rfc3339),
            rotates: self.next_rotation.map(Timestamp::to_rfc3339),
            access: self
                .grants
                .iter()
                .map(|g| SecretAccess {
                    target: g.target.tag(),
                    scope: match g.relation {
                        None => "model".to_owned(),
                        Some(id) => relation_key(id)
                            .map(|key| format!("relation-{}", key.replace(':', ".").replace(' ', "#")))
                            .unwrap_or_else(|| format!("relation-{id}")),
                    },
                    role: "view".to_owned(),
                })
                .collect(),
        }
    }
}

/// Secret content from `secret-add`/`secret-set` arguments, as Juju's
/// `CreateSecretData` reads them: `key=value`, or `key#base64=<base64>` for a value given
/// encoded. Values come back decoded. `key#file=<path>` needs the file read first, which
/// is the caller's (I/O) business: replace it with `key=<content>`.
pub fn parse_secret_content(args: &[&str]) -> RuleResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for arg in args {
        // Juju strips base64 padding before looking for the `=`, so `key=` is refused.
        let stripped = arg.trim_end_matches('=');
        let idx = stripped
            .find('=')
            .filter(|i| *i >= 1)
            .ok_or_else(|| RuleError::not_valid(format!("key value {arg:?} not valid")))?;
        let (key, value) = (&arg[..idx], &arg[idx + 1..]);
        let (key, value) = if let Some(key) = key.strip_suffix("#base64") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(value)
                .map_err(|_| RuleError::not_valid(format!("base64 value for key {key:?} not valid")))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| RuleError::not_valid(format!("value for key {key:?} is not UTF-8")))?;
            (key, text)
        } else if key.ends_with("#file") {
            return Err(RuleError::invalid(format!(
                "{key}: read the file and pass its content as a value"
            )));
        } else {
            (key, value.to_owned())
        };
        if !juju_model::tools::valid_secret_key(key) {
            return Err(RuleError::not_valid(format!("key {key:?} not valid")));
        }
        out.insert(key.to_owned(), value);
    }
    Ok(out)
}

const XID_ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// A 20-character xid-like id (base32hex of 12 bytes), deterministic in the model uuid
/// and a sequence number.
pub fn make_secret_id(model_uuid: &str, seq: u64) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in model_uuid.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut bytes = [0u8; 12];
    bytes[..8].copy_from_slice(&hash.to_be_bytes());
    bytes[8..].copy_from_slice(&(seq as u32).to_be_bytes());
    // 96 bits as 20 base32 digits: the last digit carries 1 bit, padded with zeros.
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    bits <<= 4;
    (0..20)
        .rev()
        .map(|i| XID_ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(v: &str) -> BTreeMap<String, String> {
        [("password".to_owned(), v.to_owned())].into()
    }

    #[test]
    fn ids_are_twenty_xid_characters_and_distinct() {
        let a = make_secret_id("uuid-1", 1);
        let b = make_secret_id("uuid-1", 2);
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| XID_ALPHABET.contains(&c)));
        assert!(SecretUri::new(format!("secret:{a}")).is_ok());
    }

    #[test]
    fn secret_arguments_parse_like_juju() {
        let content = parse_secret_content(&["username=admin", "password#base64=czNjcmV0", "tls-ca=a=b"]).unwrap();
        assert_eq!(content["password"], "s3cret");
        assert_eq!(content["tls-ca"], "a=b");
        assert_eq!(
            parse_secret_content(&["key="]).unwrap_err().to_string(),
            r#"key value "key=" not valid"#
        );
        assert_eq!(
            parse_secret_content(&["pw=x"]).unwrap_err().to_string(),
            r#"key "pw" not valid"#
        );
        assert!(parse_secret_content(&["cert#file=/tmp/x"]).is_err());
        assert!(parse_secret_content(&["password#base64=!!"]).is_err());
    }

    #[test]
    fn identical_content_makes_no_revision() {
        let uri = SecretUri::new("secret:cq5l0hvmp25c7d3sbjug").unwrap();
        let owner = SecretOwnerRef::App(AppName::new("zk").unwrap());
        let mut s = Secret::new(uri, owner, content("a"), Timestamp(0));
        assert_eq!(s.add_revision(content("a"), Timestamp(1)), None);
        assert_eq!(s.add_revision(content("b"), Timestamp(1)), Some(2));
        s.revisions.remove(&2);
        assert_eq!(
            s.add_revision(content("c"), Timestamp(2)),
            Some(3),
            "revision numbers are not reused"
        );
    }

    #[test]
    fn info_prints_tags() {
        let uri = SecretUri::new("secret:cq5l0hvmp25c7d3sbjug").unwrap();
        let mut s = Secret::new(
            uri,
            SecretOwnerRef::App(AppName::new("zk").unwrap()),
            content("a"),
            Timestamp(0),
        );
        s.grants.insert(Grant {
            relation: Some(RelationId(4)),
            target: GrantTarget::App(AppName::new("kafka").unwrap()),
        });
        s.set_rotate(RotatePolicy::Daily, Timestamp(0));
        let info = s.info(|_| Some("kafka:zookeeper zk:zookeeper".to_owned()));
        assert_eq!(info.access[0].target, "application-kafka");
        assert_eq!(info.access[0].scope, "relation-kafka.zookeeper#zk.zookeeper");
        assert_eq!(info.rotates.as_deref(), Some("1970-01-02T00:00:00Z"));
        assert_eq!(info.owner, SecretOwner::Application);
    }
}
