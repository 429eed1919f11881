//! The async-std / smol adapter ([`async_server`]) on smol, with a tiny application.
//!
//! ```text
//! cargo run --example smol_server -- [--engineio] [--port 3000] [--path P]
//!     [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS]
//! ```
//!
//! Socket.IO mode (default, `/socket.io/`, namespaces `/` and `/custom`): every CONNECT is
//! accepted and gets `auth` with its payload; `echo` → `echo-back`, `message` →
//! `message-back` (same arguments, binary too), `broadcast` → `broadcast-back` to the
//! namespace; every ack asked for is answered with the event's arguments. `--engineio`:
//! an Engine.IO echo server on `/engine.io/`. `async_std_server` runs the same on async-std.

#[path = "async_server/mod.rs"]
mod async_server;

use async_server::{serve, Options, Task};
use socketio_proto::ids::{IdSource, RandomIds};
use socketio_proto::server::engine::{EngineConfig, EngineEvent, EngineServer};
use socketio_proto::server::io::{IoConfig, IoEvent, SocketIoServer, Target};
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

/// Runs the future to completion on the runtime.
pub type BlockOn = fn(Pin<Box<dyn Future<Output = std::io::Result<()>>>>) -> std::io::Result<()>;

#[allow(dead_code)] // `async_std_server` includes this file with its own `main`
fn main() -> ExitCode {
    start(|task| smol::spawn(task).detach(), smol::block_on)
}

fn ids() -> Box<dyn IdSource> {
    Box::new(RandomIds::new(|b: &mut [u8]| {
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), b)
    }))
}

const USAGE: &str = "usage: smol_server [--engineio] [--port N] [--path P] \
[--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS]";

/// Parses the flags, builds the core, and serves it with `spawn` and `block_on`.
pub fn start(spawn: fn(Task), block_on: BlockOn) -> ExitCode {
    let (mut port, mut engineio, mut path, mut connect_timeout) = (3000u16, false, None, None);
    let mut engine = EngineConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = || args.next().and_then(|v| v.parse::<u64>().ok());
        let ok = match arg.as_str() {
            "--engineio" => {
                engineio = true;
                Some(())
            }
            "--port" => number()
                .and_then(|n| u16::try_from(n).ok())
                .map(|n| port = n),
            "--path" => args.next().map(|p| path = Some(p)),
            "--ping-interval" => {
                number().map(|ms| engine.ping_interval = Duration::from_millis(ms))
            }
            "--ping-timeout" => number().map(|ms| engine.ping_timeout = Duration::from_millis(ms)),
            "--max-payload" => number().map(|n| engine.max_payload = n as usize),
            "--connect-timeout" => {
                number().map(|ms| connect_timeout = Some(Duration::from_millis(ms)))
            }
            _ => None,
        };
        if ok.is_none() {
            eprintln!("bad argument {arg:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let default_path = if engineio {
        "/engine.io/"
    } else {
        "/socket.io/"
    };
    let engine = engine.with_path(path.as_deref().unwrap_or(default_path));
    let opts = Options::new(spawn, engine.max_payload);
    let listener = match std::net::TcpListener::bind(("127.0.0.1", port))
        .and_then(async_net::TcpListener::try_from)
    {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on port {port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = if engineio {
        match EngineServer::new(engine, ids()) {
            Ok(server) => block_on(Box::pin(serve(listener, server, echo, opts))),
            Err(e) => return config_error(e),
        }
    } else {
        let mut config = IoConfig {
            engine,
            ..IoConfig::default()
        };
        if let Some(t) = connect_timeout {
            config.connect_timeout = t;
        }
        match SocketIoServer::new(config, ids(), ids()) {
            Ok(mut io) => {
                let _ = io.register_namespace("/custom");
                block_on(Box::pin(serve(listener, io, socketio, opts)))
            }
            Err(e) => return config_error(e),
        }
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn config_error(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("invalid configuration: {e}");
    ExitCode::from(2)
}

/// Engine.IO mode: every message goes back to its sender.
fn echo(server: &mut EngineServer, event: EngineEvent) {
    match event {
        EngineEvent::Message { session, msg } => {
            if let Err(e) = server.send(session, msg) {
                eprintln!("echo dropped: {e}");
            }
        }
        EngineEvent::Closed { session, reason } => {
            eprintln!("session {} closed: {reason}", session.as_u64())
        }
        _ => {}
    }
}

/// Socket.IO mode: the tiny test application.
fn socketio(io: &mut SocketIoServer, event: IoEvent) {
    match event {
        IoEvent::ConnectRequest { request, auth, .. } => match io.accept(request) {
            Ok(socket) => {
                let auth = auth.unwrap_or_else(|| serde_json::json!({}));
                if let Err(e) = io.emit(socket, "auth", &(auth,)) {
                    eprintln!("auth emit failed: {e}");
                }
            }
            Err(e) => eprintln!("accept failed: {e}"),
        },
        IoEvent::Event {
            socket,
            event,
            args,
            ack,
        } => {
            let Ok(values) = args.to_values() else { return };
            let sent = match &*event {
                "echo" => io.emit(socket, "echo-back", &values),
                "message" => io.emit(socket, "message-back", &values),
                "broadcast" => match io.socket_namespace(socket).map(Target::namespace) {
                    Some(all) => io.broadcast(&all, "broadcast-back", &values).map(drop),
                    None => Ok(()),
                },
                _ => Ok(()),
            };
            if let Err(e) = sent {
                eprintln!("{event:?} failed: {e}");
            }
            if let Some(ack) = ack {
                if let Err(e) = io.ack(ack, &values) {
                    eprintln!("ack failed: {e}");
                }
            }
        }
        _ => {}
    }
}
