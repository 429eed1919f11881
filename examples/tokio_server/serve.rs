//! The server main loop shared by the `tokio_server` and `chat` examples: id source,
//! runtime start, accept loop, and clean shutdown on Ctrl-C / SIGTERM.

use crate::{driver, http};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use socketio_proto::ids::{IdSource, RandomIds};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// A hook that answers some requests itself (static pages) before the core sees them:
/// `Some(response)` answers, `None` passes the request on.
pub type Pages = fn(&Request<Incoming>) -> Option<Response<Full<Bytes>>>;

/// Ids from the OS-seeded thread RNG.
pub fn random_ids() -> Box<dyn IdSource> {
    Box::new(RandomIds::new(|b: &mut [u8]| {
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), b)
    }))
}

/// Runs `backend` on 127.0.0.1:`port` on a two-thread tokio runtime until a shutdown
/// signal; the exit code says how it ended. `pages` answers requests before the core.
pub fn run_until_signal<B: driver::Backend>(
    port: u16,
    max_payload: usize,
    backend: B,
    pages: Option<Pages>,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(port, max_payload, backend, pages)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Installs the Ctrl-C and (unix) SIGTERM handlers at once, so that a signal arriving
/// right after start-up is already a clean shutdown; the future resolves on either.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Binds 127.0.0.1:`port`, runs `backend` until a shutdown signal, then shuts it down
/// and gives connections a moment to flush.
async fn serve<B: driver::Backend>(
    port: u16,
    max_payload: usize,
    backend: B,
    pages: Option<Pages>,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    // Handlers first: the `listening on` line tells tests they may signal us.
    let signal = shutdown_signal();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://127.0.0.1:{}", addr.port())?;
        out.flush()?;
    }

    let (input_tx, input_rx) = mpsc::channel(1024);
    let (notice_tx, notice_rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds the `Shared` (and so `alive`); once all are gone,
    // `alive_rx` yields None.
    let (alive, mut alive_rx) = mpsc::channel::<()>(1);
    let shared = Arc::new(http::Shared {
        core: driver::CoreHandle {
            inputs: input_tx,
            notices: notice_tx,
        },
        max_payload,
        next_token: AtomicU64::new(0),
        _alive: alive,
    });
    let core = tokio::spawn(driver::run(backend, input_rx, notice_rx, stop_rx.clone()));

    tokio::pin!(signal);
    loop {
        tokio::select! {
            _ = &mut signal => break,
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        eprintln!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let mut stop = stop_rx.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let shared = shared.clone();
                        async move {
                            match pages.and_then(|page_for| page_for(&req)) {
                                Some(page) => Ok(page),
                                None => http::serve(shared, req).await,
                            }
                        }
                    });
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(Duration::from_secs(30))
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades();
                    tokio::pin!(conn);
                    let stopping = tokio::select! {
                        _ = conn.as_mut() => false,
                        stopped = stop.wait_for(|s| *s) => stopped.is_ok(),
                    };
                    if stopping {
                        conn.as_mut().graceful_shutdown();
                        let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
                    }
                });
            }
        }
    }

    eprintln!("shutting down");
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = core.await;
    drop(shared);
    // Let connections write what the shutdown produced (close packets, close frames).
    let _ = tokio::time::timeout(Duration::from_secs(3), alive_rx.recv()).await;
    Ok(())
}
