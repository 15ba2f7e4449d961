//! `multipart/form-data` for the files API: parsing pushes, writing pulls.
//!
//! Pushes arrive as a `request` part (JSON metadata) followed by one `files` part per file
//! whose `filename` is the absolute path; pulls answer with one `files` part per file and a
//! final `response` part holding the JSON envelope. Written as Go's `mime/multipart` does
//! (CRLF delimiters, quotes and backslashes escaped in `filename`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// One part of a multipart body.
#[derive(Debug)]
pub(crate) struct Part<'a> {
    /// The form field name (`name=`).
    pub(crate) name: String,
    /// The `filename=` parameter, when present.
    pub(crate) filename: Option<String>,
    /// The content.
    pub(crate) body: &'a [u8],
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() || needle.is_empty() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub(crate) fn boundary_of(content_type: &str) -> Option<String> {
    let (media, params) = content_type.split_once(';')?;
    if !media.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    header_params(params)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
}

/// `key=value` / `key="quoted \" value"` parameters after a header's first `;`.
pub(crate) fn header_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ';' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(c) = chars.peek().copied() {
            if c == '=' || c == ';' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => break,
                        other => value.push(other),
                    }
                }
            } else {
                while let Some(c) = chars.peek().copied() {
                    if c == ';' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        out.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
}

/// Splits a multipart body into parts.
pub(crate) fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut pos = find(body, &delimiter, 0).ok_or("multipart: NextPart: EOF")? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        // Skip transport padding and the CRLF after the delimiter.
        while body.get(pos).is_some_and(|b| *b == b' ' || *b == b'\t') {
            pos += 1;
        }
        if body[pos..].starts_with(b"\r\n") {
            pos += 2;
        } else {
            return Err("multipart: malformed delimiter line".into());
        }
        let (headers, content_start) = if body[pos..].starts_with(b"\r\n") {
            (String::new(), pos + 2)
        } else {
            let end = find(body, b"\r\n\r\n", pos).ok_or("multipart: malformed part headers")?;
            (String::from_utf8_lossy(&body[pos..end]).into_owned(), end + 4)
        };
        let content_end = find(body, &next_delimiter, content_start).ok_or("multipart: NextPart: unexpected EOF")?;
        let mut name = String::new();
        let mut filename = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                let params = value.split_once(';').map(|(_, p)| p).unwrap_or_default();
                for (k, v) in header_params(params) {
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
            body: &body[content_start..content_end],
        });
        pos = content_end + next_delimiter.len();
    }
}

/// Builds a multipart body part by part.
pub(crate) struct Writer {
    boundary: String,
    body: Vec<u8>,
    parts: usize,
}

fn escape_quotes(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

impl Writer {
    /// A writer with a fresh boundary (60 hex digits, like Go's).
    pub(crate) fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let boundary = format!("{nanos:032x}{count:016x}{:012x}", std::process::id());
        Self {
            boundary,
            body: Vec::new(),
            parts: 0,
        }
    }

    /// `multipart/form-data; boundary=...`.
    pub(crate) fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    fn start_part(&mut self, headers: &[(&str, String)]) {
        if self.parts > 0 {
            self.body.extend_from_slice(b"\r\n");
        }
        self.parts += 1;
        self.body
            .extend_from_slice(format!("--{}\r\n", self.boundary).as_bytes());
        for (key, value) in headers {
            self.body.extend_from_slice(format!("{key}: {value}\r\n").as_bytes());
        }
        self.body.extend_from_slice(b"\r\n");
    }

    /// A `files` part for `path`.
    pub(crate) fn file(&mut self, path: &str, content: &[u8]) {
        self.start_part(&[
            (
                "Content-Disposition",
                format!(r#"form-data; name="files"; filename="{}""#, escape_quotes(path)),
            ),
            ("Content-Type", "application/octet-stream".into()),
        ]);
        self.body.extend_from_slice(content);
    }

    /// A JSON part named `name`.
    pub(crate) fn json(&mut self, name: &str, value: &serde_json::Value) {
        self.start_part(&[
            ("Content-Type", "application/json".into()),
            (
                "Content-Disposition",
                format!(r#"form-data; name="{}""#, escape_quotes(name)),
            ),
        ]);
        self.body
            .extend_from_slice(serde_json::to_string(value).unwrap_or_default().as_bytes());
        self.body.push(b'\n');
    }

    /// The finished body.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.body
            .extend_from_slice(format!("\r\n--{}--\r\n", self.boundary).as_bytes());
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut w = Writer::new();
        w.json("request", &serde_json::json!({"a": 1}));
        w.file("/etc/a \"b\".conf", b"x\r\n--y");
        let ct = w.content_type();
        let body = w.finish();
        let boundary = boundary_of(&ct).unwrap();
        assert!(boundary.len() >= 32);
        let parts = parse(&body, &boundary).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "request");
        assert_eq!(parts[1].filename.as_deref(), Some("/etc/a \"b\".conf"));
        assert_eq!(parts[1].body, b"x\r\n--y");
        assert_eq!(
            boundary_of("multipart/form-data; boundary=\"q q\"").as_deref(),
            Some("q q")
        );
        assert!(parse(b"--abc\r\nno end", "abc").is_err());
    }
}
