//! A tokio adapter for the sans-I/O server: hyper 1 for HTTP, tokio-tungstenite for
//! WebSocket. The adapter only moves bytes and time; every protocol decision is the
//! core's.
//!
//! ```text
//! cargo run --example tokio_server -- --engineio [--port 3000] [--path /engine.io/]
//!     [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES]
//! ```
//!
//! Without `--engineio` it runs the Socket.IO server on `/socket.io/` (see [`socketio`]
//! for its test application; `--connect-timeout MS` sets the Socket.IO connect timeout).
//! `--engineio` runs a plain Engine.IO echo server: every message (text or binary) goes
//! back to its sender. On start it prints `listening on http://127.0.0.1:PORT`; Ctrl-C or
//! SIGTERM shut it down cleanly (every session closed, held polls released).
//!
//! Layout: [`driver`] is the task that owns the core (a [`driver::Backend`]), [`http`]
//! the hyper service, [`ws`] the WebSocket pump, [`echo`] the Engine.IO echo backend,
//! [`socketio`] the Socket.IO backend.

#[path = "tokio_server/driver.rs"]
mod driver;
#[path = "tokio_server/echo.rs"]
mod echo;
#[path = "tokio_server/http.rs"]
mod http;
#[path = "tokio_server/socketio.rs"]
mod socketio;
#[path = "tokio_server/ws.rs"]
mod ws;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use socketio_proto::ids::{IdSource, RandomIds};
use socketio_proto::server::{EngineConfig, EngineServer};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// Command-line options.
struct Options {
    port: u16,
    path: Option<String>,
    ping_interval: Option<u64>,
    ping_timeout: Option<u64>,
    max_payload: Option<usize>,
    engineio: bool,
    connect_timeout: Option<u64>,
}

const USAGE: &str = "usage: tokio_server [--engineio] [--port N] [--path P] \
[--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS]";

fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        port: 3000,
        path: None,
        ping_interval: None,
        ping_timeout: None,
        max_payload: None,
        engineio: false,
        connect_timeout: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v:?}\n{USAGE}"))
        };
        match arg.as_str() {
            "--engineio" => opts.engineio = true,
            "--port" => {
                let v = value("--port")?;
                opts.port = v
                    .parse()
                    .map_err(|_| format!("--port: not a port: {v:?}\n{USAGE}"))?;
            }
            "--path" => opts.path = Some(value("--path")?),
            "--ping-interval" => opts.ping_interval = Some(number(&arg, value(&arg)?)?),
            "--ping-timeout" => opts.ping_timeout = Some(number(&arg, value(&arg)?)?),
            "--max-payload" => {
                let n = number(&arg, value(&arg)?)?;
                opts.max_payload =
                    Some(usize::try_from(n).map_err(|_| "--max-payload too large".to_string())?);
            }
            "--connect-timeout" => opts.connect_timeout = Some(number(&arg, value(&arg)?)?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(opts)
}

fn engine_config(opts: &Options, default_path: &str) -> EngineConfig {
    let mut config =
        EngineConfig::default().with_path(opts.path.as_deref().unwrap_or(default_path));
    if let Some(ms) = opts.ping_interval {
        config.ping_interval = Duration::from_millis(ms);
    }
    if let Some(ms) = opts.ping_timeout {
        config.ping_timeout = Duration::from_millis(ms);
    }
    if let Some(n) = opts.max_payload {
        config.max_payload = n;
    }
    config
}

/// Session ids from the OS-seeded thread RNG.
fn random_ids() -> Box<dyn IdSource> {
    Box::new(RandomIds::new(|b: &mut [u8]| {
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), b)
    }))
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    if !opts.engineio {
        let engine = engine_config(&opts, "/socket.io/");
        return socketio::main(opts.port, engine, opts.connect_timeout);
    }
    let config = engine_config(&opts, "/engine.io/");
    let max_payload = config.max_payload;
    let server = match EngineServer::new(config, random_ids()) {
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
    match runtime.block_on(serve(
        opts.port,
        max_payload,
        echo::EchoBackend::new(server),
    )) {
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
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Binds 127.0.0.1:`port`, runs `backend` until a shutdown signal, then shuts it down
/// and gives connections a moment to flush.
async fn serve<B: driver::Backend>(
    port: u16,
    max_payload: usize,
    backend: B,
) -> std::io::Result<()> {
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
                    let service = service_fn(move |req| http::serve(shared.clone(), req));
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
