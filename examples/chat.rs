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
//! Layout: [`app`] is the chat (the event handler of a `SocketIoServer`), [`pages`] the
//! static files (served through the adapter's pages hook); [`tokio_server`] is the
//! adapter of the `tokio_server` example, unchanged.

#[path = "chat/app.rs"]
mod app;
#[path = "chat/pages.rs"]
mod pages;
#[path = "tokio_server/mod.rs"]
mod tokio_server;

use socketio_proto::ids::{IdSource, RandomIds};
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
    let opts = tokio_server::Options {
        port,
        max_payload,
        pages: Some(pages::page_for),
    };
    let mut chat = app::Chat::default();
    tokio_server::run(opts, io, move |io, event| chat.on_event(io, event))
}
