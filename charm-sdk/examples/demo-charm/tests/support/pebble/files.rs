//! `/v1/files` of the test Pebble, over an in-memory tree, following api_files.go: multipart
//! writes (request part first, filename = absolute path, per-file errors in a 200), multipart
//! reads (file parts + final `response` part), list (real HTTP errors), make-dirs, remove.
//!
//! Copied unchanged from the SDK's `tests/pebble_server/files.rs` (a colleague's test
//! server): the demo crate cannot depend on the SDK's test files, and copying test support
//! keeps both suites independent.

use serde_json::{json, Value};

use super::http::{Request, Response};
use super::{FileRec, State};

fn parent(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".to_owned(),
        Some((p, _)) => p.to_owned(),
    }
}

fn file_error(kind: &str, message: String) -> Value {
    json!({"kind": kind, "message": message})
}

fn result_item(path: &str, error: Option<Value>) -> Value {
    match error {
        Some(e) => json!({"path": path, "error": e}),
        None => json!({"path": path}),
    }
}

fn perms(text: Option<&str>, default: u32) -> Result<u32, Value> {
    match text {
        None | Some("") => Ok(default),
        Some(t) if t.len() == 3 => u32::from_str_radix(t, 8).map_err(|_| {
            file_error(
                "generic-file-error",
                format!("permissions must be a 3-digit octal string, got {t:?}"),
            )
        }),
        Some(t) => Err(file_error(
            "generic-file-error",
            format!("permissions must be a 3-digit octal string, got {t:?}"),
        )),
    }
}

fn mkdir_all(state: &mut State, path: &str) {
    let mut current = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        current.push('/');
        current.push_str(segment);
        state.dirs.insert(current.clone());
    }
}

/// A minimal multipart parser (independent of the SDK's).
fn parse_parts(body: &[u8], boundary: &str) -> Vec<(String, Option<String>, Vec<u8>)> {
    let delim = format!("\r\n--{boundary}").into_bytes();
    let mut data = b"\r\n".to_vec();
    data.extend_from_slice(body);
    let mut parts = Vec::new();
    let mut chunks = Vec::new();
    let mut start = 0;
    while let Some(i) = data[start..].windows(delim.len()).position(|w| w == delim.as_slice()) {
        chunks.push(data[start..start + i].to_vec());
        start += i + delim.len();
    }
    for chunk in chunks.into_iter().skip(1) {
        let Some(split) = chunk.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&chunk[2..split]).to_string();
        let content = chunk[split + 4..].to_vec();
        let disposition = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or_default()
            .to_owned();
        let param = |key: &str| {
            let needle = format!("{key}=\"");
            disposition.find(&needle).map(|i| {
                let rest = &disposition[i + needle.len()..];
                let mut out = String::new();
                let mut chars = rest.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => out.extend(chars.next()),
                        c => out.push(c),
                    }
                }
                out
            })
        };
        parts.push((param("name").unwrap_or_default(), param("filename"), content));
    }
    parts
}

pub(crate) fn post(request: &Request, state: &mut State) -> Response {
    let content_type = request.header("Content-Type").unwrap_or_default().to_owned();
    if content_type.starts_with("multipart/form-data") {
        let boundary = content_type
            .split("boundary=")
            .nth(1)
            .unwrap_or_default()
            .trim_matches('"')
            .to_owned();
        if boundary.len() < 32 {
            return Response::bad_request(format!("invalid boundary {boundary:?}"));
        }
        return write(request, state, &boundary);
    }
    let body = request.json();
    match body["action"].as_str() {
        Some("make-dirs") => {
            let items = body["dirs"].as_array().cloned().unwrap_or_default();
            Response::sync(Value::Array(items.iter().map(|d| make_dir(d, state)).collect()))
        }
        Some("remove") => {
            let items = body["paths"].as_array().cloned().unwrap_or_default();
            Response::sync(Value::Array(items.iter().map(|p| remove(p, state)).collect()))
        }
        other => Response::bad_request(format!("invalid action {:?}", other.unwrap_or_default())),
    }
}

fn write(request: &Request, state: &mut State, boundary: &str) -> Response {
    let parts = parse_parts(&request.body, boundary);
    state
        .write_parts
        .push(parts.iter().map(|(n, f, _)| (n.clone(), f.clone())).collect());
    let Some((name, _, meta)) = parts.first() else {
        return Response::bad_request("cannot read request metadata");
    };
    if name != "request" {
        return Response::bad_request(format!("metadata field name must be \"request\", got {name:?}"));
    }
    let meta: Value = serde_json::from_slice(meta).unwrap_or(Value::Null);
    let items = meta["files"].as_array().cloned().unwrap_or_default();
    let mut results = Vec::new();
    for item in &items {
        let path = item["path"].as_str().unwrap_or_default().to_owned();
        let Some((_, _, content)) = parts[1..]
            .iter()
            .find(|(n, f, _)| n == "files" && f.as_deref() == Some(path.as_str()))
        else {
            results.push(result_item(
                &path,
                Some(file_error(
                    "generic-file-error",
                    format!("no file content for path {path:?}"),
                )),
            ));
            continue;
        };
        let error = if !path.starts_with('/') {
            Some(file_error(
                "generic-file-error",
                format!("paths must be absolute, got {path:?}"),
            ))
        } else if path.starts_with("/forbidden") {
            Some(file_error(
                "permission-denied",
                format!("open {path}: permission denied"),
            ))
        } else {
            match perms(item["permissions"].as_str(), 0o644) {
                Err(e) => Some(e),
                Ok(mode) => {
                    if item["make-dirs"] == true {
                        mkdir_all(state, &parent(&path));
                    }
                    if state.dirs.contains(&parent(&path)) {
                        state.files.insert(
                            path.clone(),
                            FileRec {
                                content: content.clone(),
                                permissions: mode,
                                user: item["user"].as_str().map(str::to_owned),
                                group: item["group"].as_str().map(str::to_owned),
                            },
                        );
                        None
                    } else {
                        Some(file_error(
                            "not-found",
                            format!("open {path}.tmp: no such file or directory"),
                        ))
                    }
                }
            }
        };
        results.push(result_item(&path, error));
    }
    Response::sync(Value::Array(results))
}

fn make_dir(item: &Value, state: &mut State) -> Value {
    let path = item["path"].as_str().unwrap_or_default();
    let error = if state.dirs.contains(path) && item["make-parents"] != true {
        Some(file_error("generic-file-error", format!("mkdir {path}: file exists")))
    } else if item["make-parents"] == true {
        mkdir_all(state, path);
        None
    } else if !state.dirs.contains(&parent(path)) {
        Some(file_error(
            "not-found",
            format!("mkdir {path}: no such file or directory"),
        ))
    } else {
        state.dirs.insert(path.to_owned());
        None
    };
    result_item(path, error)
}

fn remove(item: &Value, state: &mut State) -> Value {
    let path = item["path"].as_str().unwrap_or_default();
    let prefix = format!("{path}/");
    let has_children =
        state.files.keys().any(|f| f.starts_with(&prefix)) || state.dirs.iter().any(|d| d.starts_with(&prefix));
    let error = if state.files.remove(path).is_some() {
        None
    } else if !state.dirs.contains(path) {
        Some(file_error(
            "not-found",
            format!("remove {path}: no such file or directory"),
        ))
    } else if has_children && item["recursive"] != true {
        Some(file_error(
            "generic-file-error",
            format!("remove {path}: directory not empty"),
        ))
    } else {
        state.files.retain(|f, _| !f.starts_with(&prefix));
        state.dirs.retain(|d| !d.starts_with(&prefix) && d != path);
        None
    };
    result_item(path, error)
}

fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post),
    }
}

fn info(path: &str, state: &State) -> Option<Value> {
    let name = path.rsplit('/').next().unwrap_or_default();
    if let Some(file) = state.files.get(path) {
        return Some(json!({
            "path": path, "name": name, "type": "file", "size": file.content.len(),
            "permissions": format!("{:03o}", file.permissions), "last-modified": "2026-01-01T00:00:00Z",
            "user-id": 0, "user": file.user.clone().unwrap_or_else(|| "root".into()),
            "group-id": 0, "group": file.group.clone().unwrap_or_else(|| "root".into()),
        }));
    }
    state.dirs.contains(path).then(|| {
        json!({
            "path": path, "name": name, "type": "directory", "permissions": "755",
            "last-modified": "2026-01-01T00:00:00Z", "user-id": 0, "user": "root", "group-id": 0, "group": "root",
        })
    })
}

pub(crate) fn get(request: &Request, state: &State) -> Response {
    match request.query("action") {
        Some("list") => {
            let path = request.query("path").unwrap_or_default();
            let Some(me) = info(path, state) else {
                return Response::error(404, "not-found", &format!("stat {path}: no such file or directory"));
            };
            if me["type"] == "file" || request.query("itself") == Some("true") {
                return Response::sync(json!([me]));
            }
            let pattern = request.query("pattern").unwrap_or("*");
            let prefix = if path == "/" {
                "/".to_owned()
            } else {
                format!("{path}/")
            };
            let children: Vec<Value> = state
                .files
                .keys()
                .chain(state.dirs.iter())
                .filter(|p| p.len() > prefix.len() && p.starts_with(&prefix) && !p[prefix.len()..].contains('/'))
                .filter(|p| glob(pattern, &p[prefix.len()..]))
                .filter_map(|p| info(p, state))
                .collect();
            Response::sync(json!(children))
        }
        Some("read") => {
            if request.header("Accept") != Some("multipart/form-data") {
                return Response::bad_request("must accept multipart/form-data");
            }
            read(&request.query_all("path"), state)
        }
        other => Response::bad_request(format!("invalid action {:?}", other.unwrap_or_default())),
    }
}

/// Go's multipart.Writer style: 60 hex chars of boundary, file parts, then `response`.
fn read(paths: &[String], state: &State) -> Response {
    let boundary = "0123456789abcdef".repeat(4)[..60].to_owned();
    let mut body = Vec::new();
    let mut results = Vec::new();
    for path in paths {
        match state.files.get(path) {
            Some(file) => {
                body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
                body.extend_from_slice(&file.content);
                body.extend_from_slice(b"\r\n");
                results.push(json!({"path": path}));
            }
            None if state.dirs.contains(path) => results.push(result_item(
                path,
                Some(file_error(
                    "generic-file-error",
                    format!("can only read a regular file: {path:?}"),
                )),
            )),
            None => results.push(result_item(
                path,
                Some(file_error(
                    "not-found",
                    format!("stat {path}: no such file or directory"),
                )),
            )),
        }
    }
    let envelope = json!({"type": "sync", "status-code": 200, "status": "OK", "result": results});
    body.extend_from_slice(format!("--{boundary}\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{envelope}\n\r\n--{boundary}--\r\n").as_bytes());
    Response {
        status: 200,
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}
