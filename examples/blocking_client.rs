//! The client with no async runtime: the shared client application (`client_app/`:
//! flags, modes, event handling, no runtime) on the blocking adapter (`blocking_client/`:
//! one mio readiness loop that owns the core and every socket, HTTP/1.1 long-polling and
//! WebSocket by hand, written once against `driver::Core`).
//!
//! ```text
//! cargo run --example blocking_client -- --url http://127.0.0.1:3000 --namespace / \
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

#[path = "blocking_client/mod.rs"]
mod blocking_client;
#[path = "client_app/mod.rs"]
mod client_app;

use blocking_client::Wake;
use client_app::{App, MAX_BODY};
use socketio_proto::client::{Input, Transmit};
use socketio_proto::Core;

/// Runs each app on the blocking adapter, on this thread.
struct Blocking;

impl client_app::Runner for Blocking {
    fn run<C, A>(&mut self, core: C, peer: &client_app::Peer, mut app: A) -> i32
    where
        C: Core<Input = Input, Transmit = Transmit>,
        A: App<C>,
    {
        let timer = app.timer();
        blocking_client::run(core, peer, MAX_BODY, timer, |core, now, wake| {
            let flow = match wake {
                Wake::Event(e) => app.event(core, now, e),
                Wake::Line(line) => app.line(core, now, line),
                Wake::Timer => app.tick(core, now),
            };
            client_app::step(&app, flow)
        })
    }
}

fn main() {
    std::process::exit(client_app::main(&mut Blocking));
}
