//! The fake's file operations over [`ContainerState`], with Pebble's rules and texts
//! (`internals/daemon/api_files.go`): absolute paths only, per-path errors of kind
//! `not-found` / `generic-file-error`, 0o644 files and 0o755 directories by default,
//! parents only with `make-dirs`, list errors as real HTTP errors.

use charm_sdk::pebble::{FileInfo, FileType, MakeDirOptions, PebbleError, PushOptions};

use super::state::{ContainerState, DirEntry, FileEntry, Owner};

const TIMESTAMP: &str = "2026-01-01T00:00:00Z";

fn path_error(kind: &str, path: &str, message: String) -> PebbleError {
    PebbleError::Path {
        kind: kind.to_owned(),
        path: path.to_owned(),
        message,
    }
}

fn bad_request(message: String) -> PebbleError {
    PebbleError::Api {
        status_code: 400,
        kind: String::new(),
        message,
    }
}

fn require_absolute(path: &str) -> Result<(), PebbleError> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(path_error(
            "generic-file-error",
            path,
            format!("paths must be absolute, got {path:?}"),
        ))
    }
}

fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((dir, _)) => dir,
    }
}

fn mode(permissions: Option<u32>, default: u32, path: &str) -> Result<u32, PebbleError> {
    match permissions {
        None => Ok(default),
        Some(m) if m <= 0o777 => Ok(m),
        Some(m) => Err(path_error(
            "generic-file-error",
            path,
            format!("permissions must be a 3-digit octal string, got \"{m:03o}\""),
        )),
    }
}

/// Pebble chowns only when both a user and a group are known.
fn dir_owner(owner: &Owner) -> Owner {
    let has_user = owner.user.is_some() || owner.user_id.is_some();
    let has_group = owner.group.is_some() || owner.group_id.is_some();
    if has_user && has_group {
        owner.clone()
    } else {
        Owner::default()
    }
}

fn make_parents(st: &mut ContainerState, dir: &str, entry: &DirEntry) {
    let mut current = String::new();
    for segment in dir.split('/').filter(|s| !s.is_empty()) {
        current.push('/');
        current.push_str(segment);
        if !st.is_dir(&current) {
            st.directories.insert(current.clone(), entry.clone());
        }
    }
}

pub(super) fn push(st: &mut ContainerState, path: &str, content: &[u8], opts: &PushOptions) -> Result<(), PebbleError> {
    require_absolute(path)?;
    let permissions = mode(opts.permissions, 0o644, path)?;
    let owner = Owner {
        user: opts.user.clone(),
        user_id: opts.user_id,
        group: opts.group.clone(),
        group_id: opts.group_id,
    };
    if st.is_dir(path) {
        return Err(path_error(
            "generic-file-error",
            path,
            format!("open {path}: is a directory"),
        ));
    }
    let dir = parent(path);
    if st.files.contains_key(dir) {
        return Err(path_error(
            "generic-file-error",
            path,
            format!("open {path}: not a directory"),
        ));
    }
    if !st.is_dir(dir) {
        if !opts.make_dirs {
            return Err(path_error(
                "not-found",
                path,
                format!("open {path}: no such file or directory"),
            ));
        }
        let entry = DirEntry {
            permissions: 0o755,
            owner: dir_owner(&owner),
        };
        make_parents(st, dir, &entry);
    }
    st.files.insert(
        path.to_owned(),
        FileEntry {
            content: content.to_vec(),
            permissions,
            owner,
        },
    );
    Ok(())
}

pub(super) fn pull(st: &ContainerState, path: &str) -> Result<Vec<u8>, PebbleError> {
    require_absolute(path)?;
    if let Some(file) = st.files.get(path) {
        return Ok(file.content.clone());
    }
    if st.is_dir(path) {
        return Err(path_error(
            "generic-file-error",
            path,
            format!("can only read a regular file: {path:?}"),
        ));
    }
    Err(path_error(
        "not-found",
        path,
        format!("stat {path}: no such file or directory"),
    ))
}

fn name_of(path: &str) -> String {
    path.rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("/")
        .to_owned()
}

fn info(st: &ContainerState, path: &str) -> Option<FileInfo> {
    let (file_type, size, permissions, owner) = match st.files.get(path) {
        Some(f) => (
            FileType::File,
            Some(f.content.len() as u64),
            f.permissions,
            f.owner.clone(),
        ),
        None if st.is_dir(path) => {
            let dir = st.directories.get(path).cloned().unwrap_or_default();
            (FileType::Directory, None, dir.permissions, dir.owner)
        }
        None => return None,
    };
    let user_id = owner.user_id.or(owner.user.is_none().then_some(0));
    let group_id = owner.group_id.or(owner.group.is_none().then_some(0));
    Some(FileInfo {
        path: path.to_owned(),
        name: name_of(path),
        file_type,
        size,
        permissions,
        last_modified: TIMESTAMP.to_owned(),
        user_id,
        user: owner.user.or_else(|| (user_id == Some(0)).then(|| "root".to_owned())),
        group_id,
        group: owner.group.or_else(|| (group_id == Some(0)).then(|| "root".to_owned())),
    })
}

pub(super) fn list(
    st: &ContainerState,
    path: &str,
    pattern: Option<&str>,
    itself: bool,
) -> Result<Vec<FileInfo>, PebbleError> {
    if !path.starts_with('/') {
        return Err(bad_request(format!("path must be absolute, got {path:?}")));
    }
    let me = info(st, path)
        .ok_or_else(|| path_error("not-found", path, format!("stat {path}: no such file or directory")))?;
    let candidates: Vec<FileInfo> = if me.file_type != FileType::Directory || itself {
        vec![me]
    } else {
        let prefix = if path == "/" {
            "/".to_owned()
        } else {
            format!("{}/", path.trim_end_matches('/'))
        };
        let mut names: Vec<&str> = st
            .files
            .keys()
            .chain(st.directories.keys())
            .filter_map(|p| p.strip_prefix(&prefix))
            .filter_map(|rest| rest.split('/').next())
            .filter(|name| !name.is_empty())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .filter_map(|name| info(st, &format!("{prefix}{name}")))
            .collect()
    };
    Ok(candidates
        .into_iter()
        .filter(|f| pattern.is_none_or(|p| glob_match(p, &f.name)))
        .collect())
}

pub(super) fn make_dir(st: &mut ContainerState, path: &str, opts: &MakeDirOptions) -> Result<(), PebbleError> {
    require_absolute(path)?;
    let permissions = mode(opts.permissions, 0o755, path)?;
    let owner = Owner {
        user: opts.user.clone(),
        user_id: opts.user_id,
        group: opts.group.clone(),
        group_id: opts.group_id,
    };
    let entry = DirEntry {
        permissions,
        owner: dir_owner(&owner),
    };
    if st.files.contains_key(path) {
        return Err(path_error(
            "generic-file-error",
            path,
            format!("mkdir {path}: file exists"),
        ));
    }
    if st.is_dir(path) {
        if opts.make_parents {
            return Ok(());
        }
        return Err(path_error(
            "generic-file-error",
            path,
            format!("mkdir {path}: file exists"),
        ));
    }
    if !st.is_dir(parent(path)) {
        if !opts.make_parents {
            return Err(path_error(
                "not-found",
                path,
                format!("mkdir {path}: no such file or directory"),
            ));
        }
        make_parents(
            st,
            parent(path),
            &DirEntry {
                permissions: 0o755,
                owner: entry.owner.clone(),
            },
        );
    }
    st.directories.insert(path.to_owned(), entry);
    Ok(())
}

pub(super) fn remove(st: &mut ContainerState, path: &str, recursive: bool) -> Result<(), PebbleError> {
    require_absolute(path)?;
    if st.files.remove(path).is_some() {
        return Ok(());
    }
    if !st.is_dir(path) {
        if recursive {
            return Ok(()); // os.RemoveAll of a missing path succeeds
        }
        return Err(path_error(
            "not-found",
            path,
            format!("remove {path}: no such file or directory"),
        ));
    }
    let prefix = format!("{}/", path.trim_end_matches('/'));
    let has_children = st
        .files
        .keys()
        .chain(st.directories.keys())
        .any(|p| p.starts_with(&prefix));
    if has_children && !recursive {
        return Err(path_error(
            "generic-file-error",
            path,
            format!("remove {path}: directory not empty"),
        ));
    }
    st.files.retain(|p, _| !p.starts_with(&prefix));
    st.directories.retain(|p, _| !p.starts_with(&prefix) && p != path);
    Ok(())
}

/// Go's `path.Match`: `*`, `?`, `[a-z]`, `[^...]`, `\` escapes; never crosses `/`.
pub(super) fn glob_match(pattern: &str, name: &str) -> bool {
    fn class(pattern: &[char], c: char) -> Option<(bool, usize)> {
        // Returns (matched, length of the class in the pattern including brackets).
        let mut i = 1;
        let negate = pattern.get(i) == Some(&'^');
        if negate {
            i += 1;
        }
        let mut matched = false;
        let mut first = true;
        while let Some(&p) = pattern.get(i) {
            if p == ']' && !first {
                return Some((matched != negate, i + 1));
            }
            first = false;
            let lo = if p == '\\' {
                i += 1;
                *pattern.get(i)?
            } else {
                p
            };
            i += 1;
            let hi = if pattern.get(i) == Some(&'-') && pattern.get(i + 1).is_some_and(|c| *c != ']') {
                i += 1;
                let h = *pattern.get(i)?;
                i += 1;
                h
            } else {
                lo
            };
            if lo <= c && c <= hi {
                matched = true;
            }
        }
        None
    }
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len())
                .take_while(|&k| k == 0 || n[k - 1] != '/')
                .any(|k| go(&p[1..], &n[k..])),
            Some('?') => n.first().is_some_and(|c| *c != '/') && go(&p[1..], &n[1..]),
            Some('[') => match (n.first(), n.first().and_then(|c| class(p, *c))) {
                (Some(c), Some((true, len))) if *c != '/' => go(&p[len..], &n[1..]),
                _ => false,
            },
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && go(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}
