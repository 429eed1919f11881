//! The blocking server adapter (`blocking_server/`: one mio readiness loop, no async
//! runtime) with a small test application. Temporary main: the shared demo application
//! will replace the handlers below.
//!
//! ```text
//! cargo run --example blocking_server -- [--engineio] [--port 3000] [--path P]
//!     [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS]
//! ```
//!
//! Socket.IO mode (default, `/socket.io/`, namespaces `/` and `/custom`): every CONNECT is
//! accepted and answered with `auth` (the CONNECT payload), `echo` with `echo-back`,
//! `message` with `message-back` (same arguments, binary too), `broadcast` with
//! `broadcast-back` to the whole namespace, and every event that asks
//! for an ack is acknowledged with its own arguments. `--engineio`: an Engine.IO echo
//! server on `/engine.io/`.

#[path = "blocking_server/serve.rs"]
mod serve;
#[path = "blocking_server/wire.rs"]
mod wire;

use socketio_proto::ids::{IdSource, RandomIds};
use socketio_proto::server::engine::{EngineConfig, EngineEvent, EngineServer};
use socketio_proto::server::io::{IoConfig, IoEvent, SocketIoServer, Target};
use socketio_proto::socketio::Value;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn ids() -> Box<dyn IdSource> {
    Box::new(RandomIds::new(|b: &mut [u8]| {
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), b)
    }))
}

fn on_io(io: &mut SocketIoServer, event: IoEvent) {
    match event {
        IoEvent::ConnectRequest { request, auth, .. } => {
            if let Ok(socket) = io.accept(request) {
                let _ = io.emit(
                    socket,
                    "auth",
                    &(auth.unwrap_or_else(|| serde_json::json!({})),),
                );
            }
        }
        IoEvent::Event {
            socket,
            event,
            args,
            ack,
        } => {
            let values = args.to_values().unwrap_or_default();
            let room = match values.first() {
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            let nsp = io.socket_namespace(socket).map(Target::namespace);
            match (&*event, ack) {
                ("join", Some(ack)) => drop(io.join(socket, &room).map(|_| io.ack(ack, &(&room,)))),
                (_, Some(ack)) => drop(io.ack(ack, &values)),
                ("echo", _) => drop(io.emit(socket, "echo-back", &values)),
                ("message", _) => drop(io.emit(socket, "message-back", &values)),
                ("ask-me", _) => {
                    drop(io.emit_with_ack(Instant::now(), socket, "question", &values, None))
                }
                ("disconnect-me", _) => drop(io.disconnect(socket)),
                ("to-room", _) => {
                    let payload = values.get(1).cloned().unwrap_or(Value::Null);
                    let to = nsp.map(|n| n.to(&room));
                    to.map(|t| io.broadcast(&t, "room-message", &(&room, payload)));
                }
                ("broadcast", _) => drop(nsp.map(|n| io.broadcast(&n, "broadcast-back", &values))),
                _ => {}
            }
        }
        IoEvent::AckReceived { socket, args, .. } => {
            let _ = io.emit(socket, "got-ack", &args.to_values().unwrap_or_default());
        }
        _ => {}
    }
}

fn on_engine(server: &mut EngineServer, event: EngineEvent) {
    match event {
        EngineEvent::Message { session, msg } => drop(server.send(session, msg)),
        EngineEvent::Closed { session, reason } => {
            eprintln!("session {} closed: {reason}", session.as_u64())
        }
        _ => {}
    }
}

fn run() -> Result<(), String> {
    let (mut port, mut engineio, mut path, mut connect_timeout) = (3000u16, false, None, None);
    let mut config = EngineConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut num = || -> Result<u64, String> {
            let v = args.next().ok_or(format!("{arg} needs a value"))?;
            v.parse().map_err(|_| format!("{arg}: not a number: {v:?}"))
        };
        match arg.as_str() {
            "--engineio" => engineio = true,
            "--port" => port = u16::try_from(num()?).map_err(|e| e.to_string())?,
            "--path" => path = Some(args.next().ok_or("--path needs a value")?),
            "--ping-interval" => config.ping_interval = Duration::from_millis(num()?),
            "--ping-timeout" => config.ping_timeout = Duration::from_millis(num()?),
            "--max-payload" => config.max_payload = num()? as usize,
            "--connect-timeout" => connect_timeout = Some(Duration::from_millis(num()?)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let default_path = if engineio {
        "/engine.io/"
    } else {
        "/socket.io/"
    };
    let config = config.with_path(path.as_deref().unwrap_or(default_path));
    let opts = serve::Options {
        max_payload: config.max_payload,
        on_listening: Some(|port| {
            println!("listening on http://127.0.0.1:{port}");
            let _ = std::io::stdout().flush();
        }),
        ..Default::default()
    };
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    let result = if engineio {
        let server = EngineServer::new(config, ids()).map_err(|e| e.to_string())?;
        serve::serve(listener, server, on_engine, opts)
    } else {
        let mut config = IoConfig {
            engine: config,
            ..IoConfig::default()
        };
        if let Some(t) = connect_timeout {
            config.connect_timeout = t;
        }
        let mut io = SocketIoServer::new(config, ids(), ids()).map_err(|e| e.to_string())?;
        for nsp in ["/", "/custom"] {
            io.register_namespace(nsp).map_err(|e| e.to_string())?;
        }
        serve::serve(listener, io, on_io, opts)
    };
    result.map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
