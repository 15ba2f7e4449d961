//! The files API (`internals/daemon/api_files.go`) through the sandbox's binds.
//!
//! Paths are the container's; each is mapped to the host through the bind that covers it
//! ([`crate::sandbox::Sandbox::host_path`]), and a path outside every bind is refused as a
//! permission error, so a charm cannot write the host's own files. Messages name the
//! container path the way Go's `os` errors do (`open /x: no such file or directory`).
//! Writes are atomic (temporary file, chmod, chown, rename); ownership changes only when
//! both a user and a group resolve, as in Pebble.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::Deserialize;
use serde_json::{json, Value};

use super::glob;
use super::multipart::{self, Writer};
use super::response::{bad_request, error, error_result, raw, sync, sync_value, HttpResponse};
use super::timefmt::rfc3339;
use crate::sandbox::{users, HostPath, Sandbox};
use crate::Error;

/// Pebble's minimum multipart boundary length.
const MIN_BOUNDARY_LENGTH: usize = 32;

/// A per-path failure: Pebble's error kind and message.
#[derive(Debug)]
struct FileError {
    kind: &'static str,
    message: String,
}

impl FileError {
    fn generic(message: String) -> Self {
        Self {
            kind: "generic-file-error",
            message,
        }
    }

    /// Go's `*PathError` text for an I/O error: `<op> <path>: <reason>`.
    fn io(op: &str, path: &str, e: &io::Error) -> Self {
        let kind = match e.kind() {
            io::ErrorKind::NotFound => "not-found",
            io::ErrorKind::PermissionDenied => "permission-denied",
            _ => "generic-file-error",
        };
        let reason = match e.raw_os_error() {
            Some(code) => {
                let desc = nix::errno::Errno::from_raw(code).desc();
                let mut chars = desc.chars();
                match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect(),
                    None => String::new(),
                }
            }
            None => e.to_string(),
        };
        Self {
            kind,
            message: format!("{op} {path}: {reason}"),
        }
    }

    fn to_json(&self) -> Value {
        error_result(self.kind, &self.message)
    }

    fn status(&self) -> u16 {
        match self.kind {
            "not-found" => 404,
            "permission-denied" => 403,
            _ => 400,
        }
    }
}

/// A path the sandbox refused ([`crate::sandbox::Sandbox::host_path`]): outside the binds is
/// Pebble's permission error; anything else (not absolute) its generic file error.
impl From<Error> for FileError {
    fn from(e: Error) -> Self {
        match e {
            Error::PathOutsideBinds(_) => Self {
                kind: "permission-denied",
                message: e.to_string(),
            },
            _ => FileError::generic(e.to_string()),
        }
    }
}

fn errno(op: &str, path: &str, errno: nix::errno::Errno) -> FileError {
    FileError::io(op, path, &io::Error::from_raw_os_error(errno as i32))
}

fn read_only(op: &str, path: &str) -> FileError {
    errno(op, path, nix::errno::Errno::EROFS)
}

fn writable(sandbox: &Sandbox, op: &str, path: &str) -> Result<HostPath, FileError> {
    let target = sandbox.host_path(path)?;
    if target.read_only {
        return Err(read_only(op, &target.inside));
    }
    Ok(target)
}

fn results(items: Vec<(String, Result<(), FileError>)>) -> Value {
    Value::Array(
        items
            .into_iter()
            .map(|(path, result)| match result {
                Ok(()) => json!({"path": path}),
                Err(e) => json!({"path": path, "error": e.to_json()}),
            })
            .collect(),
    )
}

/// Pebble's `parsePermissions`.
fn permissions(text: Option<&str>, default: u32) -> Result<u32, FileError> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(text) => match u32::from_str_radix(text, 8) {
            Ok(mode) if text.len() == 3 => Ok(mode),
            _ => Err(FileError::generic(format!(
                "permissions must be a 3-digit octal string, got {text:?}"
            ))),
        },
    }
}

/// Owner fields shared by write and make-dirs items.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct Owner {
    #[serde(default)]
    user_id: Option<u32>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    group_id: Option<u32>,
    #[serde(default)]
    group: Option<String>,
}

impl Owner {
    /// (uid, gid) when both are known: what to chown to.
    fn ids(&self, sandbox: &Sandbox) -> Result<Option<(u32, u32)>, FileError> {
        let (uid, gid) = users::normalize(
            &sandbox.users,
            self.user_id,
            self.group_id,
            self.user.as_deref(),
            self.group.as_deref(),
        )
        .map_err(|e| FileError::generic(format!("cannot look up user and group: {e}")))?;
        Ok(uid.zip(gid))
    }
}

fn chown(path: &Path, ids: Option<(u32, u32)>) -> io::Result<()> {
    match ids {
        Some((uid, gid)) => std::os::unix::fs::chown(path, Some(uid), Some(gid)),
        None => Ok(()),
    }
}

/// Creates one directory with exact permissions and owner, atomically (Pebble's `mkdir`).
fn mkdir_one(sandbox: &Sandbox, inside: &str, mode: u32, ids: Option<(u32, u32)>) -> Result<(), FileError> {
    let target = writable(sandbox, "mkdir", inside)?;
    let host = target.as_path();
    let file_name = host
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let candidate = host.with_file_name(format!("{file_name}.mkdir-new"));
    let io_err = |e: io::Error| FileError::io("mkdir", inside, &e);
    match fs::DirBuilder::new().mode(mode).create(&candidate) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_err(e)),
    }
    chown(&candidate, ids).map_err(io_err)?;
    fs::set_permissions(&candidate, fs::Permissions::from_mode(mode)).map_err(io_err)?;
    fs::rename(&candidate, host).map_err(io_err)
}

/// Pebble's `osutil.Mkdir`: with `parents`, missing ancestors are created too (same mode and
/// owner) and an existing directory is fine.
fn mkdir(sandbox: &Sandbox, inside: &str, mode: u32, ids: Option<(u32, u32)>, parents: bool) -> Result<(), FileError> {
    let host = sandbox.host_path_followed(inside)?;
    match fs::metadata(host.as_path()) {
        Ok(meta) if meta.is_dir() => {
            return if parents {
                Ok(())
            } else {
                Err(errno("mkdir", &host.inside, nix::errno::Errno::EEXIST))
            };
        }
        Ok(_) => {
            return Err(errno("mkdir", &host.inside, nix::errno::Errno::ENOTDIR));
        }
        Err(_) => {}
    }
    if parents {
        let parent = Path::new(&host.inside)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into());
        if parent != "/" && parent != host.inside {
            mkdir(sandbox, &parent, mode, ids, true)?;
        }
    }
    mkdir_one(sandbox, &host.inside, mode, ids)
}

/// `GET /v1/files?action=read`: a multipart answer, with per-path results in `response`.
pub(crate) fn read(sandbox: &Sandbox, paths: &[String]) -> HttpResponse {
    let mut writer = Writer::new();
    let mut outcome = Vec::new();
    for path in paths {
        let result = read_one(sandbox, path).map(|content| writer.file(path, &content));
        outcome.push((path.clone(), result));
    }
    writer.json("response", &sync_value(200, results(outcome)));
    let content_type = writer.content_type();
    raw(200, &content_type, writer.finish())
}

fn read_one(sandbox: &Sandbox, path: &str) -> Result<Vec<u8>, FileError> {
    let host = sandbox.host_path_followed(path)?;
    let meta = fs::metadata(host.as_path()).map_err(|e| FileError::io("stat", path, &e))?;
    if !meta.is_file() {
        return Err(FileError::generic(format!("can only read a regular file: {path:?}")));
    }
    fs::read(host.as_path()).map_err(|e| FileError::io("open", path, &e))
}

fn file_type(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        "file"
    } else if t.is_dir() {
        "directory"
    } else if t.is_symlink() {
        "symlink"
    } else if t.is_socket() {
        "socket"
    } else if t.is_fifo() {
        "named-pipe"
    } else if t.is_block_device() || t.is_char_device() {
        "device"
    } else {
        "unknown"
    }
}

fn info(path: &str, meta: &fs::Metadata) -> Value {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "/".into());
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let mut value = json!({
        "path": path, "name": name, "type": file_type(meta),
        "permissions": format!("{:03o}", meta.mode() & 0o777),
        "last-modified": rfc3339(modified),
        "user-id": meta.uid(), "user": users::user_name(meta.uid()).unwrap_or_default(),
        "group-id": meta.gid(), "group": users::group_name(meta.gid()).unwrap_or_default(),
    });
    if meta.is_file() {
        value["size"] = json!(meta.len());
    }
    value
}

/// `GET /v1/files?action=list`: errors are real HTTP errors here.
pub(crate) fn list(sandbox: &Sandbox, path: &str, pattern: &str, itself: bool) -> HttpResponse {
    if !path.starts_with('/') {
        return bad_request(format!("path must be absolute, got {path:?}"));
    }
    match list_entries(sandbox, path, pattern, itself) {
        Ok(entries) => sync(Value::Array(entries)),
        Err(e) => error(e.status(), e.kind, e.message),
    }
}

fn list_entries(sandbox: &Sandbox, path: &str, pattern: &str, itself: bool) -> Result<Vec<Value>, FileError> {
    let host = sandbox.host_path_followed(path)?;
    let meta = fs::metadata(host.as_path()).map_err(|e| FileError::io("stat", path, &e))?;
    let inside = host.inside.clone();
    let check = |name: &str| -> Result<bool, FileError> {
        if pattern.is_empty() {
            return Ok(true);
        }
        glob::matches(pattern, name).map_err(|e| FileError::generic(e.to_owned()))
    };
    if !meta.is_dir() || itself {
        let name = Path::new(&inside)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into());
        return Ok(if check(&name)? {
            vec![info(&inside, &meta)]
        } else {
            Vec::new()
        });
    }
    let mut entries: Vec<(String, fs::Metadata)> = Vec::new();
    for entry in fs::read_dir(host.as_path()).map_err(|e| FileError::io("open", path, &e))? {
        let entry = entry.map_err(|e| FileError::io("readdirent", path, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !check(&name)? {
            continue;
        }
        let meta = entry
            .metadata()
            .map_err(|e| FileError::io("lstat", &format!("{}/{name}", inside.trim_end_matches('/')), &e))?;
        entries.push((name, meta));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries
        .iter()
        .map(|(name, meta)| info(&format!("{}/{name}", inside.trim_end_matches('/')), meta))
        .collect())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct WriteItem {
    path: String,
    #[serde(default)]
    make_dirs: bool,
    #[serde(default)]
    permissions: Option<String>,
    #[serde(flatten)]
    owner: Owner,
}

#[derive(Debug, Deserialize)]
struct WriteRequest {
    #[serde(default)]
    action: String,
    #[serde(default)]
    files: Vec<WriteItem>,
}

/// `POST /v1/files` with a multipart body: writes.
pub(crate) fn write(sandbox: &Sandbox, content_type: &str, body: &[u8]) -> HttpResponse {
    let Some(boundary) = multipart::boundary_of(content_type) else {
        return bad_request(format!("invalid Content-Type {content_type:?}"));
    };
    if boundary.len() < MIN_BOUNDARY_LENGTH {
        return bad_request(format!("invalid boundary {boundary:?}"));
    }
    let parts = match multipart::parse(body, &boundary) {
        Ok(parts) => parts,
        Err(e) => return bad_request(format!("cannot read request metadata: {e}")),
    };
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return bad_request("cannot read request metadata: EOF");
    };
    if first.name != "request" {
        return bad_request(format!(
            r#"metadata field name must be "request", got {:?}"#,
            first.name
        ));
    }
    let request: WriteRequest = match serde_json::from_slice(first.body) {
        Ok(r) => r,
        Err(e) => return bad_request(format!("cannot decode request metadata: {e}")),
    };
    if request.action != "write" {
        return bad_request(format!(r#"multipart action must be "write", got {:?}"#, request.action));
    }
    if request.files.is_empty() {
        return bad_request("must specify one or more files");
    }
    let mut done: Vec<(String, Result<(), FileError>)> = Vec::new();
    for part in parts {
        if part.name != "files" {
            return bad_request(format!(r#"field name must be "files", got {:?}"#, part.name));
        }
        let path = part.filename.clone().unwrap_or_default();
        let Some(item) = request.files.iter().find(|f| f.path == path) else {
            return bad_request(format!("no metadata for path {path:?}"));
        };
        done.push((path, write_one(sandbox, item, part.body)));
    }
    let mut outcome = Vec::new();
    for item in &request.files {
        let result = match done.iter().position(|(p, _)| *p == item.path) {
            Some(i) => done.remove(i).1,
            None => Err(FileError::generic(format!("no file content for path {:?}", item.path))),
        };
        outcome.push((item.path.clone(), result));
    }
    sync(results(outcome))
}

fn write_one(sandbox: &Sandbox, item: &WriteItem, content: &[u8]) -> Result<(), FileError> {
    if !item.path.starts_with('/') {
        return Err(FileError::generic(format!(
            "paths must be absolute, got {:?}",
            item.path
        )));
    }
    let ids = item.owner.ids(sandbox)?;
    let target = writable(sandbox, "open", &item.path)?;
    if item.make_dirs {
        if let Some(parent) = Path::new(&target.inside).parent() {
            let parent = parent.to_string_lossy().into_owned();
            mkdir(sandbox, &parent, 0o755, ids, true).map_err(|e| FileError {
                kind: e.kind,
                message: format!("cannot create directory: {}", e.message),
            })?;
        }
    }
    let mode = permissions(item.permissions.as_deref(), 0o644)?;
    let host = target.as_path();
    let parent = host.parent().unwrap_or(Path::new("/"));
    let name = host
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = parent.join(format!(".{name}.{}~", std::process::id()));
    let io_err = |e: io::Error| FileError::io("open", &item.path, &e);
    let result = (|| -> io::Result<()> {
        let mut file = fs::File::create(&temp)?;
        file.write_all(content)?;
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        chown(&temp, ids)?;
        file.sync_all()?;
        fs::rename(&temp, host)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_err)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct MakeDirItem {
    path: String,
    #[serde(default)]
    make_parents: bool,
    #[serde(default)]
    permissions: Option<String>,
    #[serde(flatten)]
    owner: Owner,
}

#[derive(Debug, Deserialize)]
struct RemoveItem {
    path: String,
    #[serde(default)]
    recursive: bool,
}

#[derive(Debug, Deserialize)]
struct JsonRequest {
    #[serde(default)]
    action: String,
    #[serde(default)]
    dirs: Vec<MakeDirItem>,
    #[serde(default)]
    paths: Vec<RemoveItem>,
}

/// `POST /v1/files` with a JSON body: make-dirs and remove.
pub(crate) fn post_json(sandbox: &Sandbox, body: &[u8]) -> HttpResponse {
    let request: JsonRequest = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => return bad_request(format!("cannot decode request body: {e}")),
    };
    match request.action.as_str() {
        "make-dirs" => sync(results(
            request
                .dirs
                .iter()
                .map(|d| (d.path.clone(), make_dir(sandbox, d)))
                .collect(),
        )),
        "remove" => sync(results(
            request
                .paths
                .iter()
                .map(|p| (p.path.clone(), remove(sandbox, &p.path, p.recursive)))
                .collect(),
        )),
        "write" => bad_request(r#"must use multipart with "write" action"#),
        other => bad_request(format!("invalid action {other:?}")),
    }
}

fn make_dir(sandbox: &Sandbox, item: &MakeDirItem) -> Result<(), FileError> {
    if !item.path.starts_with('/') {
        return Err(FileError::generic(format!(
            "paths must be absolute, got {:?}",
            item.path
        )));
    }
    let mode = permissions(item.permissions.as_deref(), 0o755)?;
    let ids = item.owner.ids(sandbox)?;
    mkdir(sandbox, &item.path, mode, ids, item.make_parents)
}

fn remove(sandbox: &Sandbox, path: &str, recursive: bool) -> Result<(), FileError> {
    if !path.starts_with('/') {
        return Err(FileError::generic(format!("paths must be absolute, got {path:?}")));
    }
    let target = writable(sandbox, "remove", path)?;
    let host = target.as_path();
    let meta = match fs::symlink_metadata(host) {
        Ok(meta) => meta,
        Err(e) if recursive && e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(FileError::io("remove", path, &e)),
    };
    let result = if meta.is_dir() {
        if recursive {
            fs::remove_dir_all(host)
        } else {
            fs::remove_dir(host)
        }
    } else {
        fs::remove_file(host)
    };
    result.map_err(|e| FileError::io("remove", path, &e))
}
