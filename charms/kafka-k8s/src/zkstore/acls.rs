//! ACL znodes, as `AclAuthorizer` (Kafka 3.9, ZooKeeper mode) reads and writes them.

use std::collections::{BTreeMap, BTreeSet};

use super::json::{decode_acls, encode_acls};
use super::{
    Change, KafkaZkStore, ACL_CHANGE_PREFIX, EXTENDED_ACL_CHANGES_PATH, EXTENDED_ACL_PATH, LITERAL_ACL_CHANGES_PATH,
    LITERAL_ACL_PATH, RETRIES,
};
use crate::acl::{AclBinding, AclEntry, PatternType, ResourcePattern, ResourceType};
use crate::error::Error;

fn check_name(pattern: &ResourcePattern) -> Result<(), Error> {
    let name = &pattern.name;
    if name.is_empty() || name.contains('/') || name == "." || name == ".." || name.chars().any(char::is_control) {
        return Err(Error::InvalidArgument(format!(
            "resource name {name:?} cannot be a znode name"
        )));
    }
    Ok(())
}

impl KafkaZkStore<'_> {
    /// The root holding patterns of this type (`/kafka-acl` or `/kafka-acl-extended/prefixed`).
    fn acl_root(&self, pattern_type: PatternType) -> String {
        match pattern_type {
            PatternType::Literal => self.path(LITERAL_ACL_PATH),
            PatternType::Prefixed => self.path(&format!("{EXTENDED_ACL_PATH}/prefixed")),
        }
    }

    /// The znode of a resource pattern.
    pub fn acl_path(&self, pattern: &ResourcePattern) -> String {
        format!(
            "{}/{}/{}",
            self.acl_root(pattern.pattern_type),
            pattern.resource_type.pascal(),
            pattern.name
        )
    }

    /// The entries on one resource pattern (empty when it has no znode).
    pub fn resource_acls(&self, pattern: &ResourcePattern) -> Result<BTreeSet<AclEntry>, Error> {
        check_name(pattern)?;
        let path = self.acl_path(pattern);
        match self.read(&path)? {
            None => Ok(BTreeSet::new()),
            Some((data, _)) => decode_acls(&data).map_err(|why| Error::ZnodeData { path, why }),
        }
    }

    /// Makes the entries on `pattern` exactly `entries` (an empty set deletes the znode, as
    /// `AclAuthorizer` does) and writes a change notice when anything changed.
    pub fn set_resource_acls(&self, pattern: &ResourcePattern, entries: &BTreeSet<AclEntry>) -> Result<Change, Error> {
        check_name(pattern)?;
        let path = self.acl_path(pattern);
        for _ in 0..RETRIES {
            let current = self.read(&path)?;
            let (existing, version) = match &current {
                None => (BTreeSet::new(), None),
                Some((data, version)) => (
                    decode_acls(data).map_err(|why| Error::ZnodeData {
                        path: path.clone(),
                        why,
                    })?,
                    Some(*version),
                ),
            };
            if &existing == entries && (version.is_some() || entries.is_empty()) {
                return Ok(Change::Unchanged);
            }
            let (done, change) = match (version, entries.is_empty()) {
                (Some(v), true) => (self.remove(&path, v)?, Change::Deleted),
                (Some(v), false) => (self.write(&path, &encode_acls(entries), Some(v))?, Change::Updated),
                (None, _) => (self.write(&path, &encode_acls(entries), None)?, Change::Created),
            };
            if done {
                self.notify_acl(pattern)?;
                return Ok(change);
            }
        }
        Err(Error::Contended { path })
    }

    /// Every resource pattern that has an ACL znode.
    pub fn acl_resources(&self) -> Result<Vec<ResourcePattern>, Error> {
        let mut out = Vec::new();
        for pattern_type in [PatternType::Literal, PatternType::Prefixed] {
            let root = self.acl_root(pattern_type);
            for type_name in self.children(&root)? {
                let Some(resource_type) = ResourceType::parse(&type_name) else {
                    continue;
                };
                for name in self.children(&format!("{root}/{type_name}"))? {
                    out.push(ResourcePattern::new(resource_type, name, pattern_type));
                }
            }
        }
        Ok(out)
    }

    fn children(&self, path: &str) -> Result<Vec<String>, Error> {
        match self.admin.get_children(path) {
            Ok(children) => Ok(children),
            Err(e) if e.is_no_node() => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every binding of `principal` (`User:<name>`).
    pub fn principal_acls(&self, principal: &str) -> Result<BTreeSet<AclBinding>, Error> {
        let mut out = BTreeSet::new();
        for pattern in self.acl_resources()? {
            for entry in self.resource_acls(&pattern)? {
                if entry.principal == principal {
                    out.insert(AclBinding {
                        pattern: pattern.clone(),
                        entry,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Makes `principal`'s bindings exactly `desired` (every binding must be for that
    /// principal), leaving other principals' entries on shared resources alone, like the
    /// Python charm's add/remove diff with `kafka-acls.sh`. Returns what changed per resource.
    pub fn sync_principal_acls(
        &self,
        principal: &str,
        desired: &BTreeSet<AclBinding>,
    ) -> Result<Vec<(ResourcePattern, Change)>, Error> {
        if let Some(other) = desired.iter().find(|b| b.entry.principal != principal) {
            return Err(Error::InvalidArgument(format!(
                "binding for {} passed when syncing {principal}",
                other.entry.principal
            )));
        }
        let mut wanted: BTreeMap<ResourcePattern, BTreeSet<AclEntry>> = BTreeMap::new();
        for binding in desired {
            wanted
                .entry(binding.pattern.clone())
                .or_default()
                .insert(binding.entry.clone());
        }
        for pattern in self.principal_acls(principal)?.into_iter().map(|b| b.pattern) {
            wanted.entry(pattern).or_default();
        }
        let mut changes = Vec::new();
        for (pattern, mine) in wanted {
            let mut entries: BTreeSet<AclEntry> = self
                .resource_acls(&pattern)?
                .into_iter()
                .filter(|e| e.principal != principal)
                .collect();
            entries.extend(mine);
            let change = self.set_resource_acls(&pattern, &entries)?;
            if change.changed() {
                changes.push((pattern, change));
            }
        }
        Ok(changes)
    }

    /// Removes every binding of `principal` (relation broken).
    pub fn remove_principal_acls(&self, principal: &str) -> Result<Vec<(ResourcePattern, Change)>, Error> {
        self.sync_principal_acls(principal, &BTreeSet::new())
    }

    fn notify_acl(&self, pattern: &ResourcePattern) -> Result<String, Error> {
        match pattern.pattern_type {
            PatternType::Literal => {
                let body = format!("{}:{}", pattern.resource_type.upper(), pattern.name);
                self.notify(LITERAL_ACL_CHANGES_PATH, ACL_CHANGE_PREFIX, body.as_bytes())
            }
            PatternType::Prefixed => {
                let body = format!(
                    "{{\"version\":1,\"resourceType\":\"{}\",\"name\":{},\"patternType\":\"{}\"}}",
                    pattern.resource_type.upper(),
                    serde_json::to_string(&pattern.name).unwrap_or_default(),
                    pattern.pattern_type.upper()
                );
                self.notify(EXTENDED_ACL_CHANGES_PATH, ACL_CHANGE_PREFIX, body.as_bytes())
            }
        }
    }
}
