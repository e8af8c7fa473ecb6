//! A server on a thread and runtime of its own, listening on a loopback port the system picks.
//! The end-to-end tests and the benches run the real HTTP stack this way while their own
//! code stays synchronous, as a phone's does. Dropping it stops it gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::http::{AppState, run, run_tls};

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
    /// Serves `state` over plain HTTP on `127.0.0.1` with a two-worker runtime, once the port
    /// is bound.
    pub fn start(state: AppState) -> std::io::Result<Self> {
        Self::serve(state, None)
    }

    /// Serves `state` over TLS with `tls` on `127.0.0.1`; its URL names `localhost`, which
    /// the certificate must be for.
    pub fn start_tls(state: AppState, tls: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        Self::serve(state, Some(tls))
    }

    fn serve(state: AppState, tls: Option<Arc<rustls::ServerConfig>>) -> std::io::Result<Self> {
        let scheme = if tls.is_some() { "https" } else { "http" };
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
                    let served = match tls {
                        Some(tls) => run_tls(listener, tls, state, shutdown).await,
                        None => run(listener, state, shutdown).await,
                    };
                    if let Err(error) = served {
                        tracing::error!(%error, "background server stopped with an error");
                    }
                });
            })?;
        let address = bound
            .recv()
            .map_err(|_| std::io::Error::other("the server thread ended before binding"))??;
        let host = if scheme == "https" {
            format!("localhost:{}", address.port())
        } else {
            address.to_string()
        };
        Ok(BackgroundServer {
            url: format!("{scheme}://{host}"),
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
