//! The demo server on tokio: the application of [`demo`] (flags, core, event handlers)
//! served by the adapter in `tokio_server/` (hyper 1 + tokio-tungstenite).
//!
//! ```text
//! cargo run --example tokio_server -- [--engineio] [--port 3000] [--path P]
//!     [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS]
//!     [--tls-cert CHAIN.pem --tls-key KEY.pem]
//! ```
//!
//! Without `--engineio` it runs the Socket.IO test application on `/socket.io/` (see
//! `demo/socketio.rs`); `--engineio` runs a plain Engine.IO echo server on
//! `/engine.io/`. On start it prints `listening on http://127.0.0.1:PORT`; Ctrl-C or
//! SIGTERM shut it down cleanly (every session closed, held polls released), exit 0.
//!
//! With `--tls-cert` / `--tls-key` it serves HTTPS and WSS instead (rustls; each
//! handshake gets `demo::tls::HANDSHAKE_TIMEOUT`, a failed one is logged to stderr as
//! `tls handshake failed: ...`) and prints `listening on https://127.0.0.1:PORT`.

#[path = "demo/mod.rs"]
mod demo;
#[path = "tokio_server/mod.rs"]
mod tokio_server;

use socketio_proto::driver::Core;
use socketio_proto::server::{Input, Transmit};
use std::process::ExitCode;

/// The tokio adapter as the demo runs it.
struct Tokio;

impl demo::Serve for Tokio {
    fn serve<C, F>(self, listen: demo::Listen, core: C, on_event: F) -> ExitCode
    where
        C: Core<Input = Input, Transmit = Transmit> + Send + 'static,
        F: FnMut(&mut C, C::Event) + Send + 'static,
    {
        let opts = tokio_server::Options {
            port: listen.port,
            max_payload: listen.max_payload,
            pages: None,
            tls: listen.tls.map(|config| tokio_server::Tls {
                config,
                handshake_timeout: demo::tls::HANDSHAKE_TIMEOUT,
            }),
        };
        tokio_server::run(opts, core, on_event)
    }
}

fn main() -> ExitCode {
    demo::main("tokio_server", Tokio)
}
