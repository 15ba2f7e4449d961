//! The [`Admin`] session: connection setup, the blocking call helper and shutdown.
//!
//! A charm hook opens one session (as `super` for the ZooKeeper charm, as its relation user for
//! Kafka), does a few writes and exits. Setup therefore verifies the session with one cheap
//! read, so a missing SASL user or refused TLS shows up as a connect error naming the hosts
//! rather than as an odd failure of the first real request.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_rustls::TlsConnector;
use zookeeper_client as zk;

use crate::runtime::Driver;
use crate::tls::{self, Tls};
use crate::tunnel::{self, LastError, Remote};
use crate::{Error, ZkCode};

/// SASL DIGEST-MD5 (or, with [`ConnectOptions::digest`], `addauth digest`) credentials.
#[derive(Clone)]
pub struct Auth {
    /// User name as in the server's JAAS `user_<name>=` entry.
    pub username: String,
    /// Password; never printed.
    pub password: String,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Everything [`Admin::connect_with`] accepts; [`Admin::connect`] covers the common case.
#[derive(Clone, Debug)]
pub struct ConnectOptions<'a> {
    /// `host:port` of each server (the secure port when `tls` is set).
    pub hosts: &'a [String],
    /// SASL DIGEST-MD5 credentials.
    pub sasl: Option<&'a Auth>,
    /// Credentials sent as `addauth digest user:password` right after the session starts.
    pub digest: Option<&'a Auth>,
    /// TLS material; every host is then dialled with TLS.
    pub tls: Option<&'a Tls>,
    /// Bound for session establishment and for each request.
    pub timeout: Duration,
}

/// A blocking ZooKeeper session for administration tasks. Not for use from async code that
/// must not block (it is fine inside `spawn_blocking`).
pub struct Admin {
    pub(crate) client: Option<zk::Client>,
    pub(crate) hosts: String,
    pub(crate) timeout: Duration,
    driver: Driver,
}

impl fmt::Debug for Admin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admin")
            .field("hosts", &self.hosts)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The server clamps the session timeout into [2, 20] ticks; ask for at least 10 s so a slow
/// hook step does not expire the session.
fn session_timeout(timeout: Duration) -> Duration {
    timeout.max(Duration::from_secs(10))
}

impl Admin {
    /// Connects to `hosts` (`host:port`), authenticating with SASL DIGEST-MD5 when `auth` is
    /// given and using TLS when `tls` is given.
    pub fn connect(
        hosts: &[String],
        auth: Option<&Auth>,
        tls: Option<&Tls>,
        timeout: Duration,
    ) -> Result<Admin, Error> {
        Admin::connect_with(&ConnectOptions {
            hosts,
            sasl: auth,
            digest: None,
            tls,
            timeout,
        })
    }

    /// Connects with every option spelled out.
    pub fn connect_with(options: &ConnectOptions<'_>) -> Result<Admin, Error> {
        if options.hosts.is_empty() {
            return Err(Error::InvalidArgument("no ZooKeeper host given".into()));
        }
        let driver = Driver::start()?;
        let hosts = options.hosts.join(",");
        let last_error: LastError = Arc::new(Mutex::new(None));
        let dialled = match options.tls {
            None => hosts.clone(),
            Some(tls) => open_tunnels(&driver, options, tls, &last_error)?,
        };
        let mut connector = zk::Client::connector()
            .with_session_timeout(session_timeout(options.timeout))
            .with_connection_timeout(options.timeout)
            .with_fail_eagerly();
        if let Some(auth) = options.sasl {
            connector = connector.with_sasl(zk::SaslOptions::digest_md5(
                auth.username.clone(),
                auth.password.clone(),
            ));
        }
        if let Some(auth) = options.digest {
            connector = connector.with_auth("digest", format!("{}:{}", auth.username, auth.password).as_bytes());
        }
        let timeout = options.timeout;
        let connected = driver.run(async move { tokio::time::timeout(timeout, connector.connect(&dialled)).await })?;
        let connect_error = |code: ZkCode| Error::Connect {
            hosts: hosts.clone(),
            code,
            detail: last_error.lock().ok().and_then(|mut slot| slot.take()),
        };
        let client = match connected {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => return Err(connect_error(e.into())),
            Err(_) => {
                return Err(Error::Timeout {
                    hosts,
                    op: "connect",
                    path: "(session setup)".into(),
                    timeout,
                })
            }
        };
        let admin = Admin {
            client: Some(client),
            hosts: hosts.clone(),
            timeout,
            driver,
        };
        // enforce.auth only bites on the first request: probe so refusal is a connect error.
        match admin.call("connect", "/", |c, p| async move { c.check_stat(&p).await }) {
            Ok(_) => Ok(admin),
            Err(Error::Zk { code, .. }) => Err(connect_error(code)),
            Err(other) => Err(other),
        }
    }

    /// Runs one request with the session's timeout and maps its error with `op` and `path`.
    pub(crate) fn call<T, F, Fut>(&self, op: &'static str, path: &str, request: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(zk::Client, String) -> Fut,
        Fut: Future<Output = Result<T, zk::Error>> + Send + 'static,
    {
        let client = self
            .client
            .clone()
            .ok_or_else(|| Error::Runtime("session already closed".into()))?;
        let future = request(client, path.to_owned());
        let timeout = self.timeout;
        match self
            .driver
            .run(async move { tokio::time::timeout(timeout, future).await })?
        {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.zk_error(op, path, e.into())),
            Err(_) => Err(Error::Timeout {
                hosts: self.hosts.clone(),
                op,
                path: path.to_owned(),
                timeout,
            }),
        }
    }

    pub(crate) fn zk_error(&self, op: &'static str, path: &str, code: ZkCode) -> Error {
        Error::Zk {
            hosts: self.hosts.clone(),
            op,
            path: path.to_owned(),
            code,
        }
    }

    /// The hosts this session was opened with, comma separated.
    pub fn hosts(&self) -> &str {
        &self.hosts
    }
}

fn open_tunnels(driver: &Driver, options: &ConnectOptions<'_>, tls: &Tls, last: &LastError) -> Result<String, Error> {
    let connector = TlsConnector::from(tls::client_config(tls)?);
    let mut locals = Vec::with_capacity(options.hosts.len());
    for addr in options.hosts {
        let host = host_of(addr)?;
        let remote = Remote {
            addr: addr.clone(),
            name: tls::server_name(host)?,
            connector: connector.clone(),
            timeout: options.timeout,
        };
        let last = last.clone();
        let local = driver
            .run(tunnel::open(remote, last))?
            .map_err(|e| Error::Runtime(format!("opening loopback TLS tunnel for {addr}: {e}")))?;
        locals.push(local.to_string());
    }
    Ok(locals.join(","))
}

/// The host part of `host:port` or `[v6]:port`.
fn host_of(addr: &str) -> Result<&str, Error> {
    let bad = || Error::InvalidArgument(format!("{addr:?} is not host:port"));
    let (host, port) = match addr.strip_prefix('[') {
        Some(rest) => rest.split_once("]:").ok_or_else(bad)?,
        None => addr.rsplit_once(':').ok_or_else(bad)?,
    };
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(bad());
    }
    Ok(host)
}

impl Drop for Admin {
    /// Closes the session politely (so the server frees it at once), then stops the runtime.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let mut watcher = client.state_watcher();
            drop(client);
            let _ = self.driver.run(async move {
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    while !watcher.changed().await.is_terminated() {}
                })
                .await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_can_be_shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Admin>();
    }

    #[test]
    fn host_parsing() {
        assert_eq!(host_of("10.0.0.1:2182").unwrap(), "10.0.0.1");
        assert_eq!(host_of("[::1]:2182").unwrap(), "::1");
        assert_eq!(host_of("zk-0.zk-endpoints:2182").unwrap(), "zk-0.zk-endpoints");
        assert!(host_of("nohost").is_err());
        assert!(host_of(":2181").is_err());
        assert!(host_of("h:port").is_err());
    }

    #[test]
    fn auth_debug_hides_password() {
        let auth = Auth {
            username: "super".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{auth:?}").contains("hunter2"));
    }

    #[test]
    fn refused_connection_is_a_connect_error_naming_the_host() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        drop(listener);
        let err = Admin::connect(std::slice::from_ref(&host), None, None, Duration::from_secs(2)).unwrap_err();
        assert!(err.to_string().contains(&host), "{err}");
    }
}
