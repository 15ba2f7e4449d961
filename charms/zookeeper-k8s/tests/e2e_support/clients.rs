//! The client side: what a related application receives, and probes of the TLS listeners.
//!
//! Credentials are read the way an operator reads them, with the data-integrator stand-in's
//! `get-credentials` action (the provider's answer, secrets resolved). The endpoints the charm
//! publishes are Kubernetes names (`<app>-<n>.<app>-endpoints:<port>`) that only resolve
//! inside the units' sandboxes, so the tests dial the unit addresses from `status` instead,
//! on the port the endpoints name.

use std::process::Command;

use serde_json::Value;

use super::model::Model;

/// What the provider published for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `relation-<id>`.
    pub username: String,
    /// Its password.
    pub password: String,
    /// `host:port,…` as published.
    pub endpoints: String,
    /// The chroot.
    pub chroot: String,
    /// `enabled` or `disabled`.
    pub tls: String,
    /// The CA to trust, when TLS is on.
    pub tls_ca: Option<String>,
}

impl Credentials {
    /// The port of the published endpoints.
    pub fn port(&self) -> u16 {
        let ports: Vec<u16> = self
            .endpoints
            .split(',')
            .filter_map(|e| e.rsplit_once(':')?.1.parse().ok())
            .collect();
        assert!(
            !ports.is_empty() && ports.iter().all(|p| *p == ports[0]),
            "endpoints {:?}",
            self.endpoints
        );
        ports[0]
    }
}

/// The `zookeeper` credentials `unit` (a data-integrator) shows, once the provider answered.
pub fn credentials(model: &Model, unit: &str) -> Result<Credentials, String> {
    let results = model.try_action(unit, "get-credentials", &[])?;
    let zk = results
        .get("zookeeper")
        .ok_or_else(|| format!("no zookeeper answer: {results:?}"))?;
    let field = |k: &str| zk.get(k).and_then(Value::as_str).map(str::to_owned);
    let required = |k: &str| field(k).ok_or_else(|| format!("no {k} in {zk}"));
    Ok(Credentials {
        username: required("username")?,
        password: required("password")?,
        endpoints: required("endpoints")?,
        chroot: required("chroot")?,
        tls: required("tls")?,
        tls_ca: field("tls-ca"),
    })
}

/// Whether a TLS handshake with `address:port` succeeds when trusting `ca_pem` (the server's
/// name is not checked: quorum certificates name pods). Uses Python's `ssl` module, a real
/// TLS client independent of the charm's Rust stack. `None` when python3 is not there.
pub fn tls_handshake(ca_pem: &str, address: &str, port: u16) -> Option<Result<String, String>> {
    let dir = std::env::temp_dir().join(format!("zk-e2e-ca-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, ca_pem).ok()?;
    let script = "import socket, ssl, sys\n\
        ctx = ssl.create_default_context(cafile=sys.argv[1])\n\
        ctx.check_hostname = False\n\
        with socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=5) as raw:\n\
        \x20   with ctx.wrap_socket(raw) as tls:\n\
        \x20       print(tls.version())\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&ca)
        .arg(address)
        .arg(port.to_string())
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    Some(if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned())
    })
}
