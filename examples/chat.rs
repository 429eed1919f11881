//! A Socket.IO chat server on the sans-I/O core, driven by the tokio adapter of the
//! `tokio_server` example.
//!
//! ```text
//! cargo run --example chat [-- --port 3000]
//! ```
//!
//! Open http://127.0.0.1:3000/ in a browser (two tabs to chat with yourself). `GET /`
//! is the page, `GET /chat.js` a small browser Socket.IO client written for this
//! example (Engine.IO v4 over WebSocket, no bundle); everything else goes to the
//! Socket.IO core at `/socket.io/`, so the official `socket.io-client` works too. On
//! start it prints `listening on http://127.0.0.1:PORT` (`--port 0` picks a free port).
//!
//! The page understands `?name=NAME` (join at once) and `?autotest=1&name=NAME` (join,
//! send a message, and write what happened into `<pre id="autotest">`; used by
//! `tests/browser_chat.rs`).
//!
//! Layout: [`app`] is the chat (a [`driver::Backend`] over `SocketIoServer`), [`pages`]
//! the static files; [`driver`], [`http`] and [`ws`] are the `tokio_server` adapter.

#[path = "chat/app.rs"]
mod app;
#[path = "tokio_server/driver.rs"]
mod driver;
#[path = "tokio_server/http.rs"]
mod http;
#[path = "chat/pages.rs"]
mod pages;
#[path = "tokio_server/ws.rs"]
mod ws;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use socketio_proto::ids::{IdSource, RandomIds};
use socketio_proto::server::io::{IoConfig, SocketIoServer};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

const USAGE: &str = "usage: chat [--port N]   (default 3000; 0 picks a free port)";

fn parse_port() -> Result<u16, String> {
    let mut port = 3000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let v = args
                    .next()
                    .ok_or_else(|| format!("--port needs a value\n{USAGE}"))?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port: not a port: {v:?}\n{USAGE}"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(port)
}

/// Ids from the OS-seeded thread RNG.
fn random_ids() -> Box<dyn IdSource> {
    Box::new(RandomIds::new(|b: &mut [u8]| {
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), b)
    }))
}

fn main() -> ExitCode {
    let port = match parse_port() {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let mut config = IoConfig::default();
    // Chat messages are short: keep what a peer can make the server read small.
    config.engine.max_payload = 64 * 1024;
    let max_payload = config.engine.max_payload;
    let io = match SocketIoServer::new(config, random_ids(), random_ids()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
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
    match runtime.block_on(serve(port, max_payload, app::ChatBackend::new(io))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or (unix) SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Binds 127.0.0.1:`port` and serves the page, the script and the Socket.IO core until
/// a shutdown signal.
async fn serve(port: u16, max_payload: usize, backend: app::ChatBackend) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://127.0.0.1:{}", addr.port())?;
        out.flush()?;
    }

    let (input_tx, input_rx) = mpsc::channel(1024);
    let (notice_tx, notice_rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = watch::channel(false);
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

    let signal = shutdown_signal();
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
                            match pages::page_for(&req) {
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
    let _ = tokio::time::timeout(Duration::from_secs(3), alive_rx.recv()).await;
    Ok(())
}
