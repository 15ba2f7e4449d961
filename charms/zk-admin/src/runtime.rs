//! A private current-thread tokio runtime driven by its own thread.
//!
//! Charm hooks are synchronous, the ZooKeeper client is asynchronous. Blocking on each call
//! alone is not enough: the client's session task (pings, reconnects) would only run during
//! calls, and a hook that pauses between calls longer than the session timeout would find its
//! session expired. So one small thread keeps driving the runtime for the life of the
//! [`crate::Admin`], and callers hand it futures and wait on a plain channel (which, unlike
//! `Handle::block_on`, does not panic when the caller happens to be inside another runtime).

use std::future::Future;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

use crate::Error;

/// Owns the runtime thread; dropping it stops the thread and cancels every task.
pub(crate) struct Driver {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Driver {
    /// Starts the runtime thread.
    pub(crate) fn start() -> Result<Driver, Error> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Runtime(format!("building tokio runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("zk-admin-runtime".into())
            .spawn(move || {
                runtime.block_on(async {
                    // Either a stop message or the sender being dropped ends the thread.
                    let _ = stopped.await;
                });
            })
            .map_err(|e| Error::Runtime(format!("spawning runtime thread: {e}")))?;
        Ok(Driver {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Runs `future` on the runtime and blocks until it completes.
    pub(crate) fn run<T, F>(&self, future: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv()
            .map_err(|_| Error::Runtime("runtime thread stopped before the request finished".into()))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_futures_and_stops() {
        let driver = Driver::start().unwrap();
        let value = driver
            .run(async {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                41 + 1
            })
            .unwrap();
        assert_eq!(value, 42);
        drop(driver);
    }
}
