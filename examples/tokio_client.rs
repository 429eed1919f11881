//! The tokio client: the shared client application (`client_app/`: flags, modes, event
//! handling, no runtime) on the tokio adapter (`tokio_client/`: hyper 1 for HTTP
//! long-polling, tokio-tungstenite for WebSocket, written once against `driver::Core`).
//!
//! ```text
//! cargo run --example tokio_client -- --url http://127.0.0.1:3000 --namespace / \
//!     --auth '{"token":"abc"}' --transports polling,websocket
//! ```
//!
//! Prints one JSON line per event; each stdin line is sent as a `message` event (and
//! the server's ack requests are answered with `["ok"]`).
//!
//! - `--engineio` speaks plain Engine.IO instead (path `/engine.io/` unless the URL has
//!   one; stdin lines are sent as text messages).
//! - `--script interop|reconnect|heartbeat` runs a fixed scenario against
//!   `tests/interop/node_server.js` and prints one JSON line per check (see
//!   `client_app/script.rs`; `tests/interop_client_node.rs` asserts on them).
//! - `--reconnection-delay MS` sets the first reconnection delay (default 1000 ms).
//! - `SIO_TRACE=1` prints every transmit and network result to stderr.
//!
//! An `https://` URL speaks HTTPS and WSS (tokio-rustls), trusting the platform's roots
//! or only the CA certificates of `--ca-file PEM`. A TLS failure (e.g. `TLS: certificate
//! rejected (UnknownIssuer)`) is printed to stderr and retried with the usual back-off.

#[path = "client_app/mod.rs"]
mod client_app;
#[path = "tokio_client/mod.rs"]
mod tokio_client;

use client_app::{App, MAX_BODY};
use socketio_proto::client::{Input, Transmit};
use socketio_proto::Core;
use tokio_client::Wake;

/// Runs each app on a fresh current-thread tokio runtime.
struct Tokio;

impl client_app::Runner for Tokio {
    fn run<C, A>(&mut self, core: C, peer: &client_app::Peer, mut app: A) -> i32
    where
        C: Core<Input = Input, Transmit = Transmit>,
        A: App<C>,
    {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("error: cannot start the runtime: {e}");
                return 2;
            }
        };
        let timer = app.timer();
        rt.block_on(tokio_client::run(
            core,
            peer,
            MAX_BODY,
            timer,
            |core, now, wake| {
                let flow = match wake {
                    Wake::Event(e) => app.event(core, now, e),
                    Wake::Line(line) => app.line(core, now, line),
                    Wake::Timer => app.tick(core, now),
                };
                client_app::step(&app, flow)
            },
        ))
    }
}

fn main() {
    std::process::exit(client_app::main(&mut Tokio));
}
