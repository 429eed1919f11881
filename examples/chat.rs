//! A Socket.IO chat server on the sans-I/O core, driven by the tokio adapter of the
//! `tokio_server` example.
//!
//! ```text
//! cargo run --example chat [-- --port 3000] [--tls-cert CHAIN.pem --tls-key KEY.pem]
//! ```
//!
//! Open http://127.0.0.1:3000/ in a browser (two tabs to chat with yourself). `GET /`
//! is the page, `GET /chat.js` a small browser Socket.IO client written for this
//! example (Engine.IO v4 over WebSocket, no bundle); everything else goes to the
//! Socket.IO core at `/socket.io/`, so the official `socket.io-client` works too. On
//! start it prints `listening on http://127.0.0.1:PORT` (`--port 0` picks a free port).
//! With `--tls-cert` / `--tls-key` (PEM) it serves HTTPS/WSS instead and prints
//! `listening on https://127.0.0.1:PORT`.
//!
//! The page understands `?name=NAME` (join at once) and `?autotest=1&name=NAME` (join,
//! send a message, and write what happened into `<pre id="autotest">`; used by
//! `tests/browser_chat.rs`).
//!
//! Layout: [`app`] is the chat (the event handler of a `SocketIoServer`), [`pages`] the
//! static files (served through the adapter's pages hook); [`tokio_server`] is the
//! adapter of the `tokio_server` example, unchanged.

#[path = "chat/app.rs"]
mod app;
#[path = "chat/pages.rs"]
mod pages;
#[path = "tls/server.rs"]
mod tls;
#[path = "tokio_server/mod.rs"]
mod tokio_server;

use socketio_proto::ids::{IdSource, RandomIds};
use socketio_proto::server::io::{IoConfig, SocketIoServer};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: chat [--port N] [--tls-cert CHAIN.pem --tls-key KEY.pem]   \
                     (port 3000 by default; 0 picks a free port)";

/// The command line.
struct Args {
    port: u16,
    /// `--tls-cert` and `--tls-key`, given together or not at all.
    tls: Option<(PathBuf, PathBuf)>,
}

fn parse_args() -> Result<Args, String> {
    let (mut port, mut cert, mut key) = (3000, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--port" => {
                let v = value()?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port: not a port: {v:?}\n{USAGE}"))?;
            }
            "--tls-cert" => cert = Some(PathBuf::from(value()?)),
            "--tls-key" => key = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let tls = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => return Err(format!("--tls-cert and --tls-key go together\n{USAGE}")),
    };
    Ok(Args { port, tls })
}

/// Ids from the OS-seeded thread RNG.
fn random_ids() -> Box<dyn IdSource> {
    Box::new(RandomIds::new(|b: &mut [u8]| {
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), b)
    }))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let tls = match &args.tls {
        Some((cert, key)) => match tls::server_config(cert, key) {
            Ok(config) => Some(tokio_server::Tls {
                config,
                handshake_timeout: tls::HANDSHAKE_TIMEOUT,
            }),
            Err(e) => {
                eprintln!("invalid configuration: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
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
    let opts = tokio_server::Options {
        port: args.port,
        max_payload,
        pages: Some(pages::page_for),
        tls,
    };
    let mut chat = app::Chat::default();
    tokio_server::run(opts, io, move |io, event| chat.on_event(io, event))
}
