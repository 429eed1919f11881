//! The demo server with no async runtime: the application of [`demo`] (flags, core,
//! event handlers) served by the adapter in `blocking_server/` (one mio readiness loop
//! that owns the core and every socket).
//!
//! ```text
//! cargo run --example blocking_server -- [--engineio] [--port 3000] [--path P]
//!     [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS]
//!     [--tls-cert CHAIN.pem --tls-key KEY.pem]
//! ```
//!
//! The same flags, modes and behaviour as `tokio_server`: the Socket.IO test application
//! on `/socket.io/` (see `demo/socketio.rs`), or with `--engineio` an Engine.IO echo
//! server on `/engine.io/`. On start it prints `listening on http://127.0.0.1:PORT`;
//! Ctrl-C or SIGTERM shut it down cleanly, exit 0.
//!
//! With `--tls-cert` and `--tls-key` it serves HTTPS and WSS instead (rustls, driven by
//! the same loop: `blocking_server/tls.rs`) and prints `listening on
//! https://127.0.0.1:PORT`; a client that fails its TLS handshake, or does not finish it
//! within 10 s, is logged on stderr (`tls handshake failed: ...`) and dropped.

#[path = "blocking_server/conn.rs"]
mod conn;
#[path = "demo/mod.rs"]
mod demo;
#[path = "blocking_server/serve.rs"]
mod serve;
#[path = "blocking_server/tls.rs"]
mod tls;
#[path = "blocking_server/wire.rs"]
mod wire;

use socketio_proto::driver::Core;
use socketio_proto::server::{Input, Transmit};
use std::io::Write;
use std::process::ExitCode;

/// The blocking adapter as the demo runs it.
struct Blocking;

impl demo::Serve for Blocking {
    fn serve<C, F>(self, listen: demo::Listen, core: C, on_event: F) -> ExitCode
    where
        C: Core<Input = Input, Transmit = Transmit> + Send + 'static,
        F: FnMut(&mut C, C::Event) + Send + 'static,
    {
        /// Announces the port (`on_listening` is a plain `fn`, so one per scheme).
        fn announce(scheme: &str, port: u16) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on {scheme}://127.0.0.1:{port}");
            let _ = out.flush();
        }
        let on_listening: fn(u16) = match listen.tls {
            Some(_) => |port| announce("https", port),
            None => |port| announce("http", port),
        };
        let opts = serve::Options {
            max_payload: listen.max_payload,
            on_listening: Some(on_listening),
            tls: listen.tls,
            ..serve::Options::default()
        };
        let served = std::net::TcpListener::bind(("127.0.0.1", listen.port))
            .and_then(|listener| serve::serve(listener, core, on_event, opts));
        match served {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

fn main() -> ExitCode {
    demo::main("blocking_server", Blocking)
}
