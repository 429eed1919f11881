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
//! [`socketio`] the Socket.IO backend, [`serve`] the accept loop and shutdown.

#[path = "tokio_server/driver.rs"]
mod driver;
#[path = "tokio_server/echo.rs"]
mod echo;
#[path = "tokio_server/http.rs"]
mod http;
#[path = "tokio_server/serve.rs"]
mod serve;
#[path = "tokio_server/socketio.rs"]
mod socketio;
#[path = "tokio_server/ws.rs"]
mod ws;

use socketio_proto::server::{EngineConfig, EngineServer};
use std::process::ExitCode;
use std::time::Duration;

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
    let server = match EngineServer::new(config, serve::random_ids()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    serve::run_until_signal(opts.port, max_payload, echo::EchoBackend::new(server), None)
}
