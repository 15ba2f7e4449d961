//! In-process TLS tunnels: the ZooKeeper client speaks plain TCP to 127.0.0.1, we speak TLS
//! (rustls + ring) to the real secure port.
//!
//! Why not `zookeeper-client`'s own `tls` feature: it depends on `rustls` and `futures-rustls`
//! with their default features, which always pull `aws-lc-rs`/`aws-lc-sys` into the build
//! (C toolchain, ~1.5 min of CI per cold build) next to the workspace's single `ring` stack;
//! features cannot be switched off from a dependent crate. A byte-for-byte relay keeps the
//! ZooKeeper protocol (and SASL inside it) untouched. The listener only serves sockets of this
//! process (checked through `/proc`, see `peer.rs`), so the client certificate cannot be
//! borrowed by other local processes, and it lives no longer than the owning `Admin`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;

use crate::peer;

/// The most recent tunnel failure, reported with a failed connect.
pub(crate) type LastError = Arc<Mutex<Option<String>>>;

/// Everything one tunnel needs to reach its server.
#[derive(Clone)]
pub(crate) struct Remote {
    /// `host:port` of the secure client port.
    pub(crate) addr: String,
    /// Name for SNI and certificate checks.
    pub(crate) name: ServerName<'static>,
    /// TLS client built from the caller's [`crate::Tls`].
    pub(crate) connector: TlsConnector,
    /// Bound on TCP connect plus TLS handshake.
    pub(crate) timeout: Duration,
}

/// Opens a loopback listener relaying to `remote`; must run on the crate's runtime.
/// Returns the local address to give the ZooKeeper client.
pub(crate) async fn open(remote: Remote, last_error: LastError) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let local = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let (inbound, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    record(&last_error, format!("tunnel for {}: accept: {e}", remote.addr));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            if !peer::is_own_connection(local, peer) {
                record(
                    &last_error,
                    format!("tunnel for {}: refused a connection from another process", remote.addr),
                );
                continue;
            }
            tokio::spawn(relay(inbound, remote.clone(), last_error.clone()));
        }
    });
    Ok(local)
}

async fn relay(mut inbound: TcpStream, remote: Remote, last_error: LastError) {
    let handshake = async {
        let tcp = TcpStream::connect(&remote.addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        remote
            .connector
            .connect(remote.name.clone(), tcp)
            .await
            .map_err(|e| format!("TLS handshake: {e}"))
    };
    let mut outbound = match tokio::time::timeout(remote.timeout, handshake).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return record(&last_error, format!("{}: {e}", remote.addr)),
        Err(_) => return record(&last_error, format!("{}: TLS connect timed out", remote.addr)),
    };
    let _ = inbound.set_nodelay(true);
    // Ends when either side closes; errors here are ordinary disconnects.
    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
}

fn record(last_error: &LastError, message: String) {
    if let Ok(mut slot) = last_error.lock() {
        *slot = Some(message);
    }
}
