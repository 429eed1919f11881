//! A tokio client for socketio-proto: hyper 1 for HTTP long-polling, tokio-tungstenite
//! for WebSocket. The adapter only moves bytes and time; every protocol decision is the
//! core's (see `tokio_client/driver.rs` for the loop, `tokio_client/io.rs` for the I/O).
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
//!   `tokio_client/script.rs`; `tests/interop_client_node.rs` asserts on them).
//! - `--reconnection-delay MS` sets the first reconnection delay (default 1000 ms).
//! - `SIO_TRACE=1` prints every transmit and network result to stderr.

#[path = "tokio_client/args.rs"]
mod args;
#[path = "tokio_client/driver.rs"]
mod driver;
#[path = "tokio_client/io.rs"]
mod io;
#[path = "tokio_client/script.rs"]
mod script;
#[path = "tokio_client/sio.rs"]
mod sio;

use driver::Driver;
use socketio_proto::client::engine::{ClientEngineEvent, EngineClient, EngineClientConfig};
use socketio_proto::engineio::Message;
use std::time::Instant;
use tokio::io::AsyncBufReadExt;

const MAX_BODY: usize = 10_000_000;

fn engine_config(a: &args::Args) -> EngineClientConfig {
    let mut c = EngineClientConfig::new(a.host.clone(), a.port);
    c.path = a.path.clone();
    c.transports = a.transports.clone();
    c.max_incoming_payload = MAX_BODY;
    c
}

#[tokio::main]
async fn main() {
    let args = args::parse();
    if args.engineio {
        run_engineio(&args).await;
        return;
    }
    let engine = engine_config(&args);
    let result = match &args.script {
        Some(name) => script::run(name, &args, engine).await,
        None => sio::run(&args, engine).await,
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Plain Engine.IO: prints events, sends stdin lines as text messages.
async fn run_engineio(a: &args::Args) {
    let core = match EngineClient::new(Instant::now(), engine_config(a)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mut driver = Driver::new(core, a.addr.clone(), MAX_BODY);
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            event = driver.next_event() => {
                let Some(event) = event else { return };
                let line = match &event {
                    ClientEngineEvent::Open { sid, .. } => serde_json::json!({"open": sid}),
                    ClientEngineEvent::Message(Message::Text(t)) => serde_json::json!({"text": t.as_str()}),
                    ClientEngineEvent::Message(Message::Binary(b)) => serde_json::json!({"binary": hex(b)}),
                    ClientEngineEvent::Upgraded => serde_json::json!({"upgraded": true}),
                    ClientEngineEvent::UpgradeFailed => serde_json::json!({"upgrade_failed": true}),
                    ClientEngineEvent::Closed { reason } => serde_json::json!({"closed": reason.as_str()}),
                };
                println!("{line}");
                if matches!(event, ClientEngineEvent::Closed { .. }) {
                    return;
                }
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) => {
                    if let Err(e) = driver.with(|c, now| c.send(now, Message::Text(line.into()))) {
                        eprintln!("send failed: {e}");
                    }
                }
                _ => stdin_open = false,
            },
        }
    }
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
