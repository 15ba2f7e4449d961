//! Pebble's file API: the multipart bodies of push and pull, and per-path results.
//!
//! Pebble writes files from a `multipart/form-data` body whose FIRST part is the JSON
//! `request` and whose file parts are named `files` with `filename` = the absolute path
//! (not a base name); it answers reads with one `files` part per path and a final
//! `response` part holding the JSON envelope. Errors for a path are reported inside a 200
//! answer. Both formats are small and fixed, so a 100-line encoder/parser here avoids a
//! general multipart dependency (and its async plumbing) in every charm binary.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use serde_json::Value;

use super::error::PebbleError;

/// Pebble refuses boundaries shorter than this (`minBoundaryLength` in api_files.go).
const MIN_BOUNDARY_LEN: usize = 32;

/// An encoded multipart body.
pub(crate) struct Multipart {
    /// The `Content-Type` header value, with the boundary.
    pub(crate) content_type: String,
    /// The body.
    pub(crate) body: Vec<u8>,
}

/// A random boundary that occurs in none of `contents`. Randomness comes from std's
/// per-process random hash keys; the containment check makes collisions impossible anyway.
fn boundary_for(contents: &[&[u8]]) -> String {
    loop {
        let state = RandomState::new();
        let (mut a, mut b) = (state.build_hasher(), state.build_hasher());
        a.write_u8(1);
        b.write_u8(2);
        let boundary = format!("charm-sdk-{:016x}{:016x}", a.finish(), b.finish());
        let needle = boundary.as_bytes();
        if !contents.iter().any(|c| c.windows(needle.len()).any(|w| w == needle)) {
            return boundary;
        }
    }
}

/// Quotes a header parameter the way Go's `mime/multipart` does (`\` and `"` escaped).
fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Encodes a write request: the `request` JSON part first, then one `files` part whose
/// filename is the absolute path.
pub(crate) fn encode_write(metadata: &Value, path: &str, content: &[u8]) -> Result<Multipart, PebbleError> {
    if path.contains(['\r', '\n']) {
        return Err(PebbleError::Path {
            kind: "generic-file-error".into(),
            path: path.to_owned(),
            message: format!("path must not contain a line break: {path:?}"),
        });
    }
    let json = serde_json::to_vec(metadata).map_err(|e| PebbleError::protocol(e.to_string()))?;
    let boundary = boundary_for(&[&json, content, path.as_bytes()]);
    debug_assert!(boundary.len() >= MIN_BOUNDARY_LEN);
    let mut body = Vec::with_capacity(json.len() + content.len() + 512);
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        b"Content-Type: application/json\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n",
    );
    body.extend_from_slice(&json);
    body.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
    body.extend_from_slice(b"Content-Type: application/octet-stream\r\n");
    body.extend_from_slice(
        format!(
            "Content-Disposition: form-data; name=\"files\"; filename=\"{}\"\r\n\r\n",
            quote(path)
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Ok(Multipart {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    })
}

/// One part of a multipart body.
#[derive(Debug)]
pub(crate) struct Part {
    /// The form field name (`files`, `response`).
    pub(crate) name: String,
    /// The `filename` parameter, when present.
    pub(crate) filename: Option<String>,
    /// The part's bytes.
    pub(crate) body: Vec<u8>,
}

/// The parameters of a header value like `form-data; name="files"; filename="/a"` or
/// `multipart/form-data; boundary=xyz`, keys lower-cased, quoted strings unescaped.
pub(crate) fn header_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = value.chars().peekable();
    // Skip the leading media type / disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ';').is_some() {}
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ';')).collect();
        if key.is_empty() {
            break;
        }
        let mut val = String::new();
        if chars.next_if_eq(&'=').is_some() {
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => val.extend(chars.next()),
                        other => val.push(other),
                    }
                }
            } else {
                val = std::iter::from_fn(|| chars.next_if(|c| *c != ';'))
                    .collect::<String>()
                    .trim()
                    .to_owned();
            }
        }
        params.push((key.trim().to_ascii_lowercase(), val));
    }
    params
}

/// The `boundary` parameter of a multipart content type.
pub(crate) fn boundary_of(content_type: &str) -> Option<String> {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    header_params(content_type)
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Parses a multipart body (RFC 2046: preamble, `--boundary` lines, headers, CRLF CRLF,
/// content up to CRLF `--boundary`, final `--boundary--`).
pub(crate) fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, PebbleError> {
    let bad = |what: &str| PebbleError::protocol(format!("malformed multipart body: {what}"));
    let delimiter = format!("--{boundary}").into_bytes();
    let mut pos = if body.starts_with(&delimiter) {
        delimiter.len()
    } else {
        let crlf_delim = [b"\r\n".as_slice(), &delimiter].concat();
        find(body, &crlf_delim, 0).ok_or_else(|| bad("no boundary"))? + crlf_delim.len()
    };
    let next_delimiter = [b"\r\n".as_slice(), &delimiter].concat();
    let mut parts = Vec::new();
    loop {
        let rest = body.get(pos..).ok_or_else(|| bad("truncated"))?;
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let line_end = find(body, b"\r\n", pos).ok_or_else(|| bad("truncated boundary line"))?;
        if body[pos..line_end].iter().any(|b| !matches!(b, b' ' | b'\t')) {
            return Err(bad("garbage after boundary"));
        }
        let headers_start = line_end + 2;
        let (headers_end, content_start) = if body[headers_start..].starts_with(b"\r\n") {
            (headers_start, headers_start + 2)
        } else {
            let end = find(body, b"\r\n\r\n", headers_start).ok_or_else(|| bad("truncated headers"))?;
            (end, end + 4)
        };
        let headers = String::from_utf8_lossy(&body[headers_start..headers_end]);
        let content_end = find(body, &next_delimiter, content_start).ok_or_else(|| bad("missing closing boundary"))?;
        let mut name = String::new();
        let mut filename = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                for (k, v) in header_params(value) {
                    match k.as_str() {
                        "name" => name = v,
                        "filename" => filename = Some(v),
                        _ => {}
                    }
                }
            }
        }
        parts.push(Part {
            name,
            filename,
            body: body[content_start..content_end].to_vec(),
        });
        pos = content_end + next_delimiter.len();
    }
}

/// Checks the per-path result list of a file operation (`[{"path":..,"error":{..}?}]`)
/// for `path`: a reported error becomes [`PebbleError::Path`].
pub(crate) fn check_path_result(result: &Value, path: &str) -> Result<(), PebbleError> {
    let entries = result.as_array().map(Vec::as_slice).unwrap_or_default();
    let entry = entries
        .iter()
        .find(|e| e.get("path").and_then(Value::as_str) == Some(path))
        .ok_or_else(|| PebbleError::protocol(format!("path {path:?} not found in response metadata: {result}")))?;
    match entry.get("error").filter(|e| !e.is_null()) {
        None => Ok(()),
        Some(error) => {
            let text = |key: &str| error.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            Err(PebbleError::Path {
                kind: text("kind"),
                path: path.to_owned(),
                message: text("message"),
            })
        }
    }
}

/// Extracts the file content for `path` from a read answer (file parts + `response` part).
pub(crate) fn decode_read(body: &[u8], content_type: &str, path: &str) -> Result<Vec<u8>, PebbleError> {
    let boundary = boundary_of(content_type)
        .ok_or_else(|| PebbleError::protocol(format!("expected multipart/form-data, got {content_type:?}")))?;
    let parts = parse_multipart(body, &boundary)?;
    let response = parts
        .iter()
        .find(|p| p.name == "response")
        .ok_or_else(|| PebbleError::protocol("no \"response\" field in multipart body"))?;
    let envelope: Value = serde_json::from_slice(&response.body)
        .map_err(|e| PebbleError::protocol(format!("cannot decode response part: {e}")))?;
    let result = envelope.get("result").cloned().unwrap_or(Value::Null);
    check_path_result(&result, path)?;
    let mut files = parts.into_iter().filter(|p| p.name == "files");
    let file = files
        .next()
        .ok_or_else(|| PebbleError::protocol("no file content in multipart response"))?;
    if files.next().is_some() {
        return Err(PebbleError::protocol(
            "single file request resulted in a multi-file response",
        ));
    }
    if file.filename.as_deref() != Some(path) {
        return Err(PebbleError::protocol(format!("path not expected: {:?}", file.filename)));
    }
    Ok(file.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_body_has_request_first_and_absolute_filename() {
        let meta = serde_json::json!({"action": "write", "files": [{"path": "/etc/a \"b\".conf"}]});
        let m = encode_write(&meta, "/etc/a \"b\".conf", b"x=1\r\n--").unwrap();
        let boundary = boundary_of(&m.content_type).unwrap();
        assert!(boundary.len() >= MIN_BOUNDARY_LEN);
        let parts = parse_multipart(&m.body, &boundary).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "request");
        assert_eq!(serde_json::from_slice::<Value>(&parts[0].body).unwrap(), meta);
        assert_eq!(parts[1].name, "files");
        assert_eq!(parts[1].filename.as_deref(), Some("/etc/a \"b\".conf"));
        assert_eq!(parts[1].body, b"x=1\r\n--");
    }

    #[test]
    fn parses_go_style_read_answer() {
        let body = b"--abc\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/x\"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--abc\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{\"type\":\"sync\",\"result\":[{\"path\":\"/x\"}]}\n\r\n--abc--\r\n";
        assert_eq!(
            decode_read(body, "multipart/form-data; boundary=abc", "/x").unwrap(),
            b"hello"
        );
        let missing = b"--abc\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{\"type\":\"sync\",\"result\":[{\"path\":\"/y\",\"error\":{\"kind\":\"not-found\",\"message\":\"stat /y: no such file or directory\"}}]}\r\n--abc--\r\n";
        let err = decode_read(missing, "multipart/form-data; boundary=\"abc\"", "/y").unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
        assert!(decode_read(b"--abc\r\n", "multipart/form-data; boundary=abc", "/x").is_err());
    }
}
