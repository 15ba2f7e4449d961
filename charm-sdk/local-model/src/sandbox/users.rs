//! User and group names from a layer or an API call, resolved to host IDs.
//!
//! Pebble resolves `user`/`group` against the container's `/etc/passwd`
//! (`osutil.NormalizeUidGid`); here the container's users are the host's, except that a rock's
//! user names can be mapped to host ones ([`super::Sandbox::users`]) because rocks ship users
//! (`_daemon_`, `kafka` uid 584792) that a developer's machine does not have.

use std::collections::BTreeMap;

use nix::unistd::{Gid, Group, Uid, User};

fn mapped<'a>(map: &'a BTreeMap<String, String>, name: &'a str) -> &'a str {
    map.get(name).map(String::as_str).unwrap_or(name)
}

/// Pebble's `NormalizeUidGid`: names and IDs to a (uid, gid) pair, the gid defaulting to the
/// user's primary group. `(None, None)` when nothing was asked. Error texts are Go's
/// (`user: unknown user x`).
pub(crate) fn normalize(
    map: &BTreeMap<String, String>,
    uid: Option<u32>,
    gid: Option<u32>,
    user: Option<&str>,
    group: Option<&str>,
) -> Result<(Option<u32>, Option<u32>), String> {
    let user = user.filter(|u| !u.is_empty());
    let group = group.filter(|g| !g.is_empty());
    if uid.is_none() && gid.is_none() && user.is_none() && group.is_none() {
        return Ok((None, None));
    }
    let mut uid = uid;
    let mut gid = gid;
    if let Some(name) = user {
        let host_name = mapped(map, name);
        let found = User::from_name(host_name)
            .map_err(|e| format!("cannot look up user {name:?}: {e}"))?
            .ok_or_else(|| format!("user: unknown user {name}"))?;
        let n = found.uid.as_raw();
        if let Some(asked) = uid.filter(|asked| *asked != n) {
            return Err(format!("user {name:?} UID ({n}) does not match user-id ({asked})"));
        }
        uid = Some(n);
    }
    if let Some(name) = group {
        let host_name = mapped(map, name);
        let found = Group::from_name(host_name)
            .map_err(|e| format!("cannot look up group {name:?}: {e}"))?
            .ok_or_else(|| format!("group: unknown group {name}"))?;
        let n = found.gid.as_raw();
        if let Some(asked) = gid.filter(|asked| *asked != n) {
            return Err(format!("group {name:?} GID ({n}) does not match group-id ({asked})"));
        }
        gid = Some(n);
    }
    let Some(uid) = uid else {
        return Err("must specify user, not just group".into());
    };
    if gid.is_none() {
        let found = User::from_uid(Uid::from_raw(uid))
            .map_err(|e| format!("cannot look up user {uid}: {e}"))?
            .ok_or_else(|| format!("user: unknown userid {uid}"))?;
        gid = Some(found.gid.as_raw());
    }
    Ok((Some(uid), gid))
}

/// The user name and home directory of `uid`, for `USER` and `HOME`.
pub(crate) fn name_and_home(uid: u32) -> Option<(String, String)> {
    User::from_uid(Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| (u.name, u.dir.to_string_lossy().into_owned()))
}

/// The name of `uid` on the host, if it has one.
pub(crate) fn user_name(uid: u32) -> Option<String> {
    User::from_uid(Uid::from_raw(uid)).ok().flatten().map(|u| u.name)
}

/// The name of `gid` on the host, if it has one.
pub(crate) fn group_name(gid: u32) -> Option<String> {
    Group::from_gid(Gid::from_raw(gid)).ok().flatten().map(|g| g.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_pebble() {
        let none = BTreeMap::new();
        assert_eq!(normalize(&none, None, None, None, None), Ok((None, None)));
        assert_eq!(normalize(&none, None, None, Some("root"), None), Ok((Some(0), Some(0))));
        assert_eq!(normalize(&none, Some(0), None, None, None), Ok((Some(0), Some(0))));
        assert_eq!(
            normalize(&none, None, None, None, Some("root")),
            Err("must specify user, not just group".into())
        );
        assert_eq!(
            normalize(&none, None, None, Some("no-such-user-here"), None),
            Err("user: unknown user no-such-user-here".into())
        );
        assert!(normalize(&none, Some(5), None, Some("root"), None).is_err());
        let map = BTreeMap::from([("_daemon_".to_owned(), "root".to_owned())]);
        assert_eq!(
            normalize(&map, None, None, Some("_daemon_"), Some("_daemon_")),
            Ok((Some(0), Some(0)))
        );
    }
}
