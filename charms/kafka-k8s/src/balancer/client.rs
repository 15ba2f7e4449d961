//! A small blocking HTTP/1.1 client for Cruise Control's REST API.
//!
//! Cruise Control listens on loopback on the unit that runs it (`webserver.http.address`
//! 127.0.0.1, port 9090), behind HTTP basic authentication with the `balancer` user, so plain
//! HTTP over `std::net::TcpStream` is all the action needs. This crate does link an HTTP stack
//! (hyper and rustls, through `charm-kube`, for the Kubernetes API), but that one is async,
//! TLS-first and built around the API server's client configuration; a few blocking plaintext
//! requests to loopback need none of it, and keeping them on `std` keeps the action free of a
//! runtime. One request per connection (`Connection: close`); the answer is read to the end
//! and decoded with `Content-Length` or chunked transfer encoding (Jetty uses either).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use base64::Engine;

use crate::error::Error;
use crate::workload::Secret;

/// The API's path prefix (`webserver.api.urlprefix`, Cruise Control's default).
pub const API_PREFIX: &str = "/kafkacruisecontrol";
/// The largest answer accepted (a verbose proposal of a big cluster is a few MB).
const MAX_RESPONSE: usize = 64 * 1024 * 1024;

/// One HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower-cased) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, decoded as UTF-8 (lossily).
    pub body: String,
}

impl HttpResponse {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
}

/// Where Cruise Control is and how to log in.
#[derive(Debug, Clone)]
pub struct CruiseControlClient {
    /// Host (`localhost`).
    pub host: String,
    /// Port (9090).
    pub port: u16,
    /// The web UI user.
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// Connect, read and write timeout of one request.
    pub timeout: Duration,
}

impl CruiseControlClient {
    /// The Cruise Control of this unit.
    pub fn local(username: &str, password: Secret) -> CruiseControlClient {
        CruiseControlClient {
            host: "localhost".to_owned(),
            port: super::render::CC_WEBSERVER_PORT,
            username: username.to_owned(),
            password,
            timeout: Duration::from_secs(60),
        }
    }

    /// `GET /kafkacruisecontrol/<endpoint>?<params>&json=true`.
    pub fn get(&self, endpoint: &str, params: &[(&str, String)]) -> Result<HttpResponse, Error> {
        self.request("GET", endpoint, params, None)
    }

    /// `POST /kafkacruisecontrol/<endpoint>?<params>&json=true`, with the `User-Task-ID` of an
    /// earlier request to fetch its progress or result instead of starting a new one.
    pub fn post(
        &self,
        endpoint: &str,
        params: &[(&str, String)],
        user_task_id: Option<&str>,
    ) -> Result<HttpResponse, Error> {
        self.request("POST", endpoint, params, user_task_id)
    }

    fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The request line's target.
    pub fn target(endpoint: &str, params: &[(&str, String)]) -> String {
        let mut query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        query.push("json=true".to_owned());
        format!("{API_PREFIX}/{endpoint}?{}", query.join("&"))
    }

    fn request(
        &self,
        method: &str,
        endpoint: &str,
        params: &[(&str, String)],
        user_task_id: Option<&str>,
    ) -> Result<HttpResponse, Error> {
        let unreachable = |why: String| Error::Unreachable {
            address: self.address(),
            why,
        };
        let addresses: Vec<SocketAddr> = self
            .address()
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .collect();
        let mut last = "no address".to_owned();
        let mut stream = None;
        for address in addresses {
            match TcpStream::connect_timeout(&address, self.timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e.to_string(),
            }
        }
        let mut stream = stream.ok_or_else(|| unreachable(last))?;
        stream
            .set_read_timeout(Some(self.timeout))
            .and_then(|()| stream.set_write_timeout(Some(self.timeout)))
            .map_err(|e| unreachable(e.to_string()))?;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.username, self.password.expose()));
        let mut head = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nAuthorization: Basic {credentials}\r\nAccept: application/json\r\n\
             Connection: close\r\nContent-Length: 0\r\n",
            Self::target(endpoint, params),
            self.address()
        );
        if let Some(id) = user_task_id {
            head.push_str(&format!("User-Task-ID: {id}\r\n"));
        }
        head.push_str("\r\n");
        stream
            .write_all(head.as_bytes())
            .map_err(|e| unreachable(e.to_string()))?;
        let mut raw = Vec::new();
        stream
            .take(MAX_RESPONSE as u64 + 1)
            .read_to_end(&mut raw)
            .map_err(|e| unreachable(e.to_string()))?;
        if raw.len() > MAX_RESPONSE {
            return Err(Error::NotHttp {
                why: "the answer is larger than 64 MiB".to_owned(),
            });
        }
        parse_response(&raw)
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Parses a whole HTTP/1.x answer (status line, headers, body).
pub fn parse_response(raw: &[u8]) -> Result<HttpResponse, Error> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| Error::NotHttp {
            why: "no end of headers".to_owned(),
        })?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let rest = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(Error::NotHttp {
            why: format!("status line {status_line:?}"),
        });
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::NotHttp {
            why: format!("status line {status_line:?}"),
        })?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let body = if find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = find("content-length") {
        let length: usize = length.parse().map_err(|_| Error::NotHttp {
            why: format!("content-length {length:?}"),
        })?;
        rest.get(..length)
            .ok_or_else(|| Error::NotHttp {
                why: "the body is shorter than its content-length".to_owned(),
            })?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| Error::NotHttp {
                why: "truncated chunk size".to_owned(),
            })?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| Error::NotHttp {
            why: format!("chunk size {size_text:?}"),
        })?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest.get(..size).ok_or_else(|| Error::NotHttp {
            why: "truncated chunk".to_owned(),
        })?;
        out.extend_from_slice(chunk);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_carry_json_and_encoded_params() {
        assert_eq!(
            CruiseControlClient::target("add_broker", &[("dryrun", "true".into()), ("brokerid", "3".into())]),
            "/kafkacruisecontrol/add_broker?dryrun=true&brokerid=3&json=true"
        );
        assert_eq!(encode("a b,c"), "a%20b%2Cc");
    }

    #[test]
    fn chunked_and_sized_bodies_decode() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nUser-Task-ID: abc\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
        let r = parse_response(chunked).unwrap();
        assert_eq!(
            (r.status, r.body.as_str(), r.header("user-task-id")),
            (200, "{\"a\":1}", Some("abc"))
        );
        let sized = b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}trailing";
        assert_eq!(parse_response(sized).unwrap().body, "{}");
        assert!(parse_response(b"SSH-2.0\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}").is_err());
    }
}
