//! The smol client: the shared client application (`client_app/`: flags, modes, event
//! handling, no runtime) on the runtime-neutral async adapter (`async_client/`: async-net,
//! async-io, async-tungstenite), run on one thread by a smol `LocalExecutor`.
//! `async_std_client` runs the same adapter on async-std.
//!
//! ```text
//! cargo run --example smol_client -- --url http://127.0.0.1:3000 --namespace / \
//!     --auth '{"token":"abc"}' --transports polling,websocket
//! ```
//!
//! The same flags, modes and output as `tokio_client`: one JSON line per event; each
//! stdin line is sent as a `message` event (the server's ack requests are answered with
//! `["ok"]`); `--engineio` speaks plain Engine.IO; `--script interop|reconnect|heartbeat`
//! runs a fixed scenario against `tests/interop/node_server.js`;
//! `--reconnection-delay MS` sets the first reconnection delay. `SIO_TRACE=1` prints
//! every transmit and network result to stderr.

#[path = "async_client/mod.rs"]
mod async_client;
#[path = "client_app/mod.rs"]
mod client_app;

use async_client::{Task, Wake};
use client_app::{App, MAX_BODY};
use socketio_proto::Core;
use std::ops::ControlFlow;
use std::time::Instant;

/// Runs `app` on `core` with the async adapter; returns the exit status.
async fn drive<S, C, A>(spawn: S, core: C, origin: &str, mut app: A) -> i32
where
    S: Fn(Task),
    C: Core<Input = socketio_proto::client::Input, Transmit = socketio_proto::client::Transmit>,
    A: App<C>,
{
    let timer = app.timer();
    async_client::run(spawn, core, origin, MAX_BODY, timer, |core, now, wake| {
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
    .await
}

/// Builds the core and the app for the flags and drives them; returns the exit status.
async fn start(spawn: impl Fn(Task)) -> i32 {
    let args = client_app::args::parse();
    let now = Instant::now();
    if args.engineio {
        return match client_app::engine(&args, now) {
            Ok(core) => {
                let origin = core.config().http_origin();
                drive(spawn, core, &origin, client_app::EngineIo).await
            }
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        };
    }
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
                Mode::Script(s) => drive(spawn, m, &origin, s).await,
                Mode::Interactive(i) => drive(spawn, m, &origin, i).await,
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
}

fn main() {
    // One thread: the loop and every connection task share it.
    let ex = smol::LocalExecutor::new();
    let spawn = |task: Task| ex.spawn(task).detach();
    let code = smol::block_on(ex.run(start(spawn)));
    std::process::exit(code);
}

/// The Socket.IO modes.
enum Mode {
    Script(client_app::Script),
    Interactive(client_app::Interactive),
}
