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
use socketio_proto::Core;
use std::ops::ControlFlow;
use std::time::Instant;

/// Runs `app` on `core` with the blocking adapter; returns the exit status.
fn drive<C, A>(core: C, origin: &str, mut app: A) -> i32
where
    C: Core<Input = socketio_proto::client::Input, Transmit = socketio_proto::client::Transmit>,
    A: App<C>,
{
    let timer = app.timer();
    blocking_client::run(core, origin, MAX_BODY, timer, |core, now, wake| {
        let flow = match wake {
            Wake::Event(e) => app.event(core, now, e),
            Wake::Line(line) => app.line(core, now, line),
            Wake::Timer => app.tick(core, now),
        };
        match flow {
            ControlFlow::Break(code) => ControlFlow::Break(code),
            ControlFlow::Continue(()) => ControlFlow::Continue(app.timer()),
        }
    })
}

fn main() {
    let args = client_app::args::parse();
    let now = Instant::now();
    let code = if args.engineio {
        match client_app::engine(&args, now) {
            Ok(core) => {
                let origin = core.config().http_origin();
                drive(core, &origin, client_app::EngineIo)
            }
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        }
    } else {
        let started = client_app::manager(&args).and_then(|mut m| {
            let app = match &args.script {
                Some(name) => Mode::Script(client_app::Script::start(&mut m, now, name, &args)?),
                None => Mode::Interactive(client_app::Interactive::start(&mut m, now, &args)?),
            };
            Ok((m, app))
        });
        match started {
            Ok((m, app)) => {
                let origin = m.config().engine.http_origin();
                match app {
                    Mode::Script(s) => drive(m, &origin, s),
                    Mode::Interactive(i) => drive(m, &origin, i),
                }
            }
            Err(e) => {
                if args.script.is_some() {
                    println!("{}", serde_json::json!({ "error": e }));
                }
                eprintln!("error: {e}");
                1
            }
        }
    };
    std::process::exit(code);
}

/// The Socket.IO modes.
enum Mode {
    Script(client_app::Script),
    Interactive(client_app::Interactive),
}
