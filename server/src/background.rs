//! A server on a thread and runtime of its own, listening on a loopback port the system picks.
//! The end-to-end tests and the benches run the real HTTP stack this way while their own
//! code stays synchronous, as a phone's does. Dropping it stops it gracefully.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::http::{AppState, run};

/// A running server; stopped, after in-flight requests finish, when dropped.
#[derive(Debug)]
pub struct BackgroundServer {
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Its address.
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundServer {
    /// Serves `state` on `127.0.0.1` with a two-worker runtime, once the port is bound.
    pub fn start(state: AppState) -> std::io::Result<Self> {
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, bound) = std::sync::mpsc::channel::<std::io::Result<SocketAddr>>();
        let thread = std::thread::Builder::new()
            .name("mitan-server".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(listener) => listener,
                        Err(error) => {
                            let _ = ready.send(Err(error));
                            return;
                        }
                    };
                    let _ = ready.send(listener.local_addr());
                    let shutdown = async {
                        let _ = stopped.await;
                    };
                    if let Err(error) = run(listener, state, shutdown).await {
                        tracing::error!(%error, "background server stopped with an error");
                    }
                });
            })?;
        let address = bound
            .recv()
            .map_err(|_| std::io::Error::other("the server thread ended before binding"))??;
        Ok(BackgroundServer {
            url: format!("http://{address}"),
            address,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
