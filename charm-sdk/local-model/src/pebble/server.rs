//! Accepting connections on the unix socket and serving HTTP/1.1 on each.
//!
//! One task per connection (hyper's HTTP/1 server with upgrades enabled for the exec
//! websockets); the peer's UID (SO_PEERCRED) is what notices are recorded for, as Pebble
//! does. The loop ends when shutdown is signalled.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::UnixListener;
use tokio::sync::watch;

use super::api;
use super::state::Shared;

/// Serves until `stop` turns true.
pub(crate) async fn serve(shared: Arc<Shared>, listener: UnixListener, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let uid = stream.peer_cred().ok().map(|c| c.uid());
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(api::handle(shared, request, uid).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
            _ = stop.changed() => return,
        }
    }
}
