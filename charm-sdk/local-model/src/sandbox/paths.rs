//! Mapping paths as the container sees them to host paths, through the binds.
//!
//! Inside the namespace the kernel does this; outside it (the Pebble files API, executable
//! lookup before a spawn) this module does it the same way: paths are cleaned like Go's
//! `path.Clean`, the deepest bind covering a path wins, and symbolic links found on the way
//! are followed *as the container would* (an absolute link target is resolved inside the
//! sandbox again, not on the host).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{Bind, HostPath, Sandbox};
use crate::Error;

/// Symbolic links followed before giving up (Linux's limit).
const MAX_LINKS: usize = 40;

/// Pebble's default `$PATH`, used when a sandbox's environment has none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Go's `path.Clean` for an absolute path: no `.`, no `..` (clamped at `/`), no repeated or
/// trailing slashes. `None` when `path` is not absolute.
pub(crate) fn clean(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// The part of `path` below `prefix` (both clean), or `None` when `prefix` does not cover it.
fn strip(path: &str, prefix: &str) -> Option<String> {
    if prefix == "/" {
        return Some(path.trim_start_matches('/').to_owned());
    }
    let rest = path.strip_prefix(prefix)?;
    if rest.is_empty() {
        Some(String::new())
    } else {
        rest.strip_prefix('/').map(str::to_owned)
    }
}

/// The deepest mount covering `path`: (host path, read-only). The hosts file is a read-only
/// bind on `/etc/hosts`.
fn lookup(binds: &[Bind], hosts_file: Option<&Path>, path: &str) -> Option<(PathBuf, bool)> {
    let mut best: Option<(usize, PathBuf, bool)> = None;
    let hosts = hosts_file.map(|h| Bind::read_only(h, "/etc/hosts"));
    for bind in binds.iter().chain(hosts.iter()) {
        let Some(target) = bind.target.to_str().and_then(clean) else {
            continue;
        };
        let Some(rest) = strip(path, &target) else {
            continue;
        };
        let depth = target.split('/').filter(|p| !p.is_empty()).count();
        if best.as_ref().is_none_or(|(d, _, _)| depth >= *d) {
            let host = if rest.is_empty() {
                bind.host.clone()
            } else {
                bind.host.join(rest)
            };
            best = Some((depth, host, bind.read_only));
        }
    }
    best.map(|(_, host, ro)| (host, ro))
}

/// Follows symbolic links of `path` inside the sandbox view; with `keep_last`, the final
/// component is not followed (for writes that replace it). Broken links stop resolution.
fn resolve(binds: &[Bind], hosts_file: Option<&Path>, path: &str, keep_last: bool) -> String {
    let mut pending: Vec<String> = path.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect();
    pending.reverse();
    let mut current = String::from("/");
    let mut links = 0;
    while let Some(part) = pending.pop() {
        let candidate = match part.as_str() {
            "." => continue,
            ".." => clean(&format!("{current}/..")).unwrap_or_else(|| "/".into()),
            _ => clean(&format!("{current}/{part}")).unwrap_or_else(|| "/".into()),
        };
        if keep_last && pending.is_empty() {
            return candidate;
        }
        let host = lookup(binds, hosts_file, &candidate)
            .map(|(h, _)| h)
            .unwrap_or_else(|| PathBuf::from(&candidate));
        match std::fs::symlink_metadata(&host) {
            Ok(meta) if meta.file_type().is_symlink() && links < MAX_LINKS => {
                links += 1;
                let Ok(target) = std::fs::read_link(&host) else {
                    current = candidate;
                    continue;
                };
                let target = target.to_string_lossy().into_owned();
                let mut parts: Vec<String> = target.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect();
                parts.reverse();
                pending.extend(parts);
                if target.starts_with('/') {
                    current = "/".into();
                }
            }
            _ => current = candidate,
        }
    }
    current
}

/// [`Sandbox::host_path`] and [`Sandbox::host_path_followed`].
pub(super) fn map_bound(
    binds: &[Bind],
    hosts_file: Option<&Path>,
    inside: &str,
    follow_last: bool,
) -> Result<HostPath, Error> {
    let cleaned = clean(inside).ok_or_else(|| Error::PathNotAbsolute(inside.to_owned()))?;
    let resolved = resolve(binds, hosts_file, &cleaned, !follow_last);
    match lookup(binds, hosts_file, &resolved) {
        Some((host, read_only)) => Ok(HostPath {
            inside: cleaned,
            host,
            read_only,
        }),
        None => Err(Error::PathOutsideBinds(cleaned)),
    }
}

/// [`Sandbox::visible_host_path`].
pub(super) fn map_visible(binds: &[Bind], hosts_file: Option<&Path>, inside: &str) -> PathBuf {
    let cleaned = clean(inside).unwrap_or_else(|| format!("/{inside}"));
    let resolved = resolve(binds, hosts_file, &cleaned, false);
    lookup(binds, hosts_file, &resolved)
        .map(|(h, _)| h)
        .unwrap_or_else(|| PathBuf::from(resolved))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// [`Sandbox::find_executable`].
pub(super) fn find_executable(sandbox: &Sandbox, name: &str, path_var: Option<&str>) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let inside = if name.starts_with('/') {
            name.to_owned()
        } else {
            format!("/{name}")
        };
        return is_executable(&sandbox.visible_host_path(&inside)).then_some(inside);
    }
    path_var
        .unwrap_or(DEFAULT_PATH)
        .split(':')
        .filter(|dir| dir.starts_with('/'))
        .map(|dir| format!("{}/{name}", dir.trim_end_matches('/')))
        .find(|candidate| is_executable(&sandbox.visible_host_path(candidate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        assert_eq!(clean("/a/./b/../c//").as_deref(), Some("/a/c"));
        assert_eq!(clean("/../..").as_deref(), Some("/"));
        assert_eq!(clean("a/b"), None);
    }

    #[test]
    fn deepest_bind_wins_and_outside_is_refused() {
        let binds = vec![
            Bind::new("/host/etc-zk", "/etc/zookeeper"),
            Bind::read_only("/host/conf", "/etc/zookeeper/conf/"),
        ];
        let p = map_bound(&binds, None, "/etc/zookeeper/zoo.cfg", false).unwrap();
        assert_eq!(p.host, PathBuf::from("/host/etc-zk/zoo.cfg"));
        assert!(!p.read_only);
        let p = map_bound(&binds, None, "/etc/zookeeper/conf/x", false).unwrap();
        assert_eq!(p.host, PathBuf::from("/host/conf/x"));
        assert!(p.read_only);
        assert!(matches!(
            map_bound(&binds, None, "/etc/zookeeper/../passwd", false),
            Err(Error::PathOutsideBinds(p)) if p == "/etc/passwd"
        ));
        assert!(matches!(
            map_bound(&binds, None, "etc", false),
            Err(Error::PathNotAbsolute(_))
        ));
        assert!(map_bound(&binds, None, "/etc/zookeeperx", false).is_err());
        let hosts = map_bound(&binds, Some(Path::new("/m/hosts")), "/etc/hosts", true).unwrap();
        assert_eq!(hosts.host, PathBuf::from("/m/hosts"));
        assert_eq!(
            map_visible(&binds, None, "/no-such-dir/x"),
            PathBuf::from("/no-such-dir/x")
        );
    }

    #[test]
    fn symlinks_resolve_inside_the_view() {
        let dir = tempfile::tempdir().unwrap();
        let unit = dir.path().join("unit");
        std::fs::create_dir_all(unit.join("real")).unwrap();
        std::os::unix::fs::symlink("/opt/app/real", unit.join("link")).unwrap();
        let binds = vec![Bind::new(&unit, "/opt/app")];
        let p = map_bound(&binds, None, "/opt/app/link/file", false).unwrap();
        assert_eq!(p.host, unit.join("real/file"));
    }
}
