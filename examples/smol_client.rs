//! The smol client: the shared client application (`client_app/`: flags, modes, event
//! handling, no runtime) on the runtime-neutral async adapter (`async_client/`: async-net,
//! async-io, async-tungstenite), run on one thread by a smol `LocalExecutor`.
//! `async_std_client` runs the same adapter on async-std.
//!
//! ```text
//! cargo run --example smol_client -- --url http://127.0.0.1:3000 --namespace / \
//!     --auth '{"token":"abc"}' --transports polling,websocket
//! cargo run --example smol_client -- --url https://localhost:3443 --ca-file ca.pem
//! ```
//!
//! The same flags, modes and output as `tokio_client`: one JSON line per event; each
//! stdin line is sent as a `message` event (the server's ack requests are answered with
//! `["ok"]`); `--engineio` speaks plain Engine.IO; `--script interop|reconnect|heartbeat`
//! runs a fixed scenario against `tests/interop/node_server.js`;
//! `--reconnection-delay MS` sets the first reconnection delay. `SIO_TRACE=1` prints
//! every transmit and network result to stderr.
//!
//! An `https://` URL speaks HTTPS and WSS (rustls), trusting the platform's roots or
//! only the CA certificates of `--ca-file PEM`. A TLS failure (e.g. `TLS: certificate
//! rejected (UnknownIssuer)`) is printed to stderr and retried with the usual back-off.

#[path = "async_client/mod.rs"]
mod async_client;
#[path = "client_app/mod.rs"]
mod client_app;

use async_client::{Task, Wake};
use client_app::{App, MAX_BODY};
use socketio_proto::client::{Input, Transmit};
use socketio_proto::Core;

/// Runs each app on one thread: the loop and every connection task share a smol
/// `LocalExecutor`.
struct Smol;

impl client_app::Runner for Smol {
    fn run<C, A>(&mut self, core: C, peer: &client_app::Peer, mut app: A) -> i32
    where
        C: Core<Input = Input, Transmit = Transmit>,
        A: App<C>,
    {
        let ex = smol::LocalExecutor::new();
        let spawn = |task: Task| ex.spawn(task).detach();
        let timer = app.timer();
        let run = async_client::run(spawn, core, peer, MAX_BODY, timer, |core, now, wake| {
            let flow = match wake {
                Wake::Event(e) => app.event(core, now, e),
                Wake::Line(line) => app.line(core, now, line),
                Wake::Timer => app.tick(core, now),
            };
            client_app::step(&app, flow)
        });
        smol::block_on(ex.run(run))
    }
}

fn main() {
    std::process::exit(client_app::main(&mut Smol));
}
