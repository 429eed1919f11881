//! The demo server on smol: the application of [`demo`] (flags, core, event handlers)
//! served by the runtime-neutral adapter in `async_server/` (async-net, async-io,
//! async-tungstenite). `async_std_server` runs the same adapter on async-std.
//!
//! ```text
//! cargo run --example smol_server -- [--engineio] [--port 3000] [--path P]
//!     [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS]
//!     [--tls-cert CHAIN.pem --tls-key KEY.pem]
//! ```
//!
//! The same flags, modes and behaviour as `tokio_server`: the Socket.IO test application
//! on `/socket.io/` (see `demo/socketio.rs`), or with `--engineio` an Engine.IO echo
//! server on `/engine.io/`. On start it prints `listening on http://127.0.0.1:PORT`;
//! Ctrl-C or SIGTERM shut it down cleanly, exit 0. With `--tls-cert`/`--tls-key` it
//! serves HTTPS and WSS instead (rustls) and prints `listening on https://127.0.0.1:PORT`.

#[path = "async_server/mod.rs"]
mod async_server;
#[path = "demo/mod.rs"]
mod demo;

use socketio_proto::driver::Core;
use socketio_proto::server::{Input, Transmit};
use std::process::ExitCode;

fn main() -> ExitCode {
    demo::main("smol_server", Smol)
}

/// The async adapter on smol.
struct Smol;

impl demo::Serve for Smol {
    fn serve<C, F>(self, listen: demo::Listen, core: C, on_event: F) -> ExitCode
    where
        C: Core<Input = Input, Transmit = Transmit> + Send + 'static,
        F: FnMut(&mut C, C::Event) + Send + 'static,
    {
        let mut opts =
            async_server::Options::new(|task| smol::spawn(task).detach(), listen.max_payload);
        opts.tls = listen.tls;
        exit_code(smol::block_on(async {
            let listener = async_net::TcpListener::bind(("127.0.0.1", listen.port)).await?;
            async_server::serve(listener, core, on_event, opts).await
        }))
    }
}

/// 0 after a clean shutdown, 1 (with the error on stderr) otherwise.
fn exit_code(served: std::io::Result<()>) -> ExitCode {
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
