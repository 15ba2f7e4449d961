//! Multi-node operations: `mkdir -p`, chroot provisioning, ACL propagation, recursive delete.
//!
//! These mirror what Canonical's ZooKeeper charm does with kazoo for each client relation:
//! create the chroot if missing, then put `[sasl:relation-<id>, digest:relation-<id>]` on the
//! chroot and its direct children. ACLs are only written when they differ, so a reconcile that
//! runs on every hook does not bump ACL versions needlessly and can report "nothing changed".

use crate::{Acl, Admin, CreateMode, Error};

/// Checks that `path` is absolute, has no empty segment and is not the root.
fn prefixes(path: &str) -> Result<Vec<&str>, Error> {
    let bad = || Error::InvalidArgument(format!("{path:?} is not an absolute znode path below /"));
    let rest = path.strip_prefix('/').ok_or_else(bad)?;
    if rest.is_empty() || rest.split('/').any(str::is_empty) {
        return Err(bad());
    }
    Ok(path
        .match_indices('/')
        .skip(1)
        .map(|(i, _)| &path[..i])
        .chain(std::iter::once(path))
        .collect())
}

fn child_path(parent: &str, child: &str) -> String {
    format!("{}/{child}", parent.trim_end_matches('/'))
}

/// ACL lists are equal when they hold the same entries, in any order.
fn same_acl(a: &[Acl], b: &[Acl]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

impl Admin {
    /// Creates every missing node of `path` (parents first) with `acl`; existing nodes are left
    /// untouched. Returns whether anything was created.
    pub fn ensure_path(&self, path: &str, acl: &[Acl]) -> Result<bool, Error> {
        let mut created = false;
        for prefix in prefixes(path)? {
            if self.exists(prefix)?.is_some() {
                continue;
            }
            match self.create(prefix, &[], acl, CreateMode::Persistent) {
                Ok(_) => created = true,
                Err(e) if e.is_node_exists() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(created)
    }

    /// Provisions a client chroot: creates it (and missing parents) with `acl`, then sets `acl`
    /// on it and its direct children. Returns whether anything changed.
    pub fn ensure_chroot(&self, path: &str, acl: &[Acl]) -> Result<bool, Error> {
        let created = self.ensure_path(path, acl)?;
        let updated = self.apply_acl(path, acl, 1)?;
        Ok(created || updated)
    }

    /// Sets `acl` on `path` and its descendants down to `depth` levels (0 = the node only).
    /// Nodes deleted meanwhile are skipped.
    pub fn set_acl_recursive(&self, path: &str, acl: &[Acl], depth: u32) -> Result<(), Error> {
        prefixes(path)?;
        self.apply_acl(path, acl, depth).map(|_| ())
    }

    fn apply_acl(&self, path: &str, acl: &[Acl], depth: u32) -> Result<bool, Error> {
        let (current, _) = self.get_acl(path)?;
        let mut changed = false;
        if !same_acl(&current, acl) {
            self.set_acl(path, acl, None)?;
            changed = true;
        }
        if depth == 0 {
            return Ok(changed);
        }
        for child in self.get_children(path)? {
            match self.apply_acl(&child_path(path, &child), acl, depth - 1) {
                Ok(c) => changed |= c,
                Err(e) if e.is_no_node() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(changed)
    }

    /// Deletes `path` and everything below it. Returns whether it existed. Refuses `/` and
    /// ZooKeeper's own `/zookeeper` tree.
    pub fn delete_recursive(&self, path: &str) -> Result<bool, Error> {
        let parts = prefixes(path)?;
        if parts.first() == Some(&"/zookeeper") {
            return Err(Error::InvalidArgument(format!(
                "refusing to delete ZooKeeper's own {path}"
            )));
        }
        self.delete_tree(path)
    }

    fn delete_tree(&self, path: &str) -> Result<bool, Error> {
        let children = match self.get_children(path) {
            Ok(children) => children,
            Err(e) if e.is_no_node() => return Ok(false),
            Err(e) => return Err(e),
        };
        for child in children {
            self.delete_tree(&child_path(path, &child))?;
        }
        match self.delete(path, None) {
            Ok(()) => Ok(true),
            Err(e) if e.is_no_node() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Perms;

    #[test]
    fn prefixes_of_paths() {
        assert_eq!(prefixes("/a").unwrap(), vec!["/a"]);
        assert_eq!(prefixes("/a/b/c").unwrap(), vec!["/a", "/a/b", "/a/b/c"]);
        for bad in ["", "/", "a/b", "/a/", "/a//b"] {
            assert!(prefixes(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn acl_comparison_ignores_order() {
        let a = vec![Acl::sasl("u", Perms::ALL), Acl::digest("u", "p", Perms::ALL)];
        let b = vec![a[1].clone(), a[0].clone()];
        assert!(same_acl(&a, &b));
        assert!(!same_acl(&a, &a[..1]));
        assert_eq!(child_path("/kafka", "brokers"), "/kafka/brokers");
    }
}
