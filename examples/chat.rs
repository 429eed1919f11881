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
//! the static files; [`driver`], [`http`], [`serve`] and [`ws`] are the `tokio_server`
//! adapter.

#[path = "chat/app.rs"]
mod app;
#[path = "tokio_server/driver.rs"]
mod driver;
#[path = "tokio_server/http.rs"]
mod http;
#[path = "chat/pages.rs"]
mod pages;
#[path = "tokio_server/serve.rs"]
mod serve;
#[path = "tokio_server/ws.rs"]
mod ws;

use socketio_proto::server::io::{IoConfig, SocketIoServer};
use std::process::ExitCode;

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
    let io = match SocketIoServer::new(config, serve::random_ids(), serve::random_ids()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    serve::run_until_signal(
        port,
        max_payload,
        app::ChatBackend::new(io),
        Some(pages::page_for),
    )
}
