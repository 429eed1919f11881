//! Socket.IO mode (the default): a [`SocketIoServer`] on `/socket.io/` with a small
//! test application on the namespaces `/` and `/custom` (the same application as
//! `tests/interop/sio_server.js` on the official Node server):
//!
//! - on connect it emits `auth` with the CONNECT payload (`{}` when there is none);
//! - `message` is echoed back as `message-back` with the same arguments, binary too;
//! - `message-with-ack` is acknowledged with its own arguments;
//! - `echo` is answered with `echo-back` (same arguments, to the sender);
//! - `broadcast` is answered with `broadcast-back` (same arguments, to every socket of
//!   the namespace);
//! - `join` (room) joins the room and acknowledges with the room name;
//! - `to-room` (room, payload) emits `room-message` (room, payload) to that room;
//! - `ask-me` (args…) emits `question` (args…) to the sender asking for an ack, then
//!   `got-ack` with whatever the client acknowledged it with;
//! - `disconnect-me` disconnects the socket from its namespace (the connection stays).
//!
//! Any other namespace is refused by the core (`Invalid namespace`).

use crate::driver::Backend;
use socketio_proto::server::io::{IoConfig, IoEvent, SocketId, SocketIoServer, Target};
use socketio_proto::server::EngineConfig;
use socketio_proto::socketio::{Args, Value};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long `ask-me` waits for the client's ack.
const QUESTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The namespaces the application serves.
pub const NAMESPACES: [&str; 2] = ["/", "/custom"];

/// Runs the Socket.IO server on 127.0.0.1:`port` until Ctrl-C / SIGTERM. `engine` is
/// the Engine.IO configuration from the command line (path `/socket.io/` unless
/// `--path`); `connect_timeout_ms` is `--connect-timeout`.
pub fn main(port: u16, engine: EngineConfig, connect_timeout_ms: Option<u64>) -> ExitCode {
    let max_payload = engine.max_payload;
    let mut config = IoConfig {
        engine,
        ..IoConfig::default()
    };
    if let Some(ms) = connect_timeout_ms {
        config.connect_timeout = Duration::from_millis(ms);
    }
    let backend = match SocketIoServer::new(
        config,
        crate::serve::random_ids(),
        crate::serve::random_ids(),
    )
    .and_then(SocketIoBackend::new)
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    crate::serve::run_until_signal(port, max_payload, backend, None)
}

/// [`Backend`] over a [`SocketIoServer`] running the test application.
pub struct SocketIoBackend {
    io: SocketIoServer,
}

impl SocketIoBackend {
    /// Wraps `io` and registers the application's namespaces.
    pub fn new(mut io: SocketIoServer) -> Result<Self, socketio_proto::Error> {
        for nsp in NAMESPACES {
            io.register_namespace(nsp)?;
        }
        Ok(SocketIoBackend { io })
    }

    fn on_event(
        &mut self,
        now: Instant,
        socket: SocketId,
        event: &str,
        args: &Args,
        ack: Option<u64>,
    ) {
        // Every argument as a `Value`: binary attachments stay the received `Bytes`.
        let values = match args.to_values() {
            Ok(v) => v,
            Err(e) => {
                eprintln!(
                    "socket {}: bad arguments for {event:?}: {e}",
                    socket.as_u64()
                );
                return;
            }
        };
        let result = match event {
            "message" => self.io.emit(socket, "message-back", &values),
            "message-with-ack" => match ack {
                Some(id) => self.io.ack(socket, id, &values),
                None => Ok(()),
            },
            "echo" => self.io.emit(socket, "echo-back", &values),
            "broadcast" => self.namespace_of(socket).and_then(|nsp| {
                self.io
                    .broadcast(&Target::namespace(nsp), "broadcast-back", &values)
                    .map(|_| ())
            }),
            "join" => {
                let room = room_name(values.first());
                self.io.join(socket, &room).and_then(|()| match ack {
                    Some(id) => self.io.ack(socket, id, &(room.as_str(),)),
                    None => Ok(()),
                })
            }
            "to-room" => {
                let room = room_name(values.first());
                let payload = values.get(1).cloned().unwrap_or(Value::Null);
                self.namespace_of(socket).and_then(|nsp| {
                    let target = Target::namespace(nsp).to(room.as_str());
                    self.io
                        .broadcast(&target, "room-message", &(room.as_str(), payload))
                        .map(|_| ())
                })
            }
            "ask-me" => self
                .io
                .emit_with_ack(now, socket, "question", &values, QUESTION_TIMEOUT)
                .map(|_| ()),
            "disconnect-me" => self.io.disconnect(socket),
            _ => Ok(()),
        };
        if let Err(e) = result {
            eprintln!("socket {}: {event:?} failed: {e}", socket.as_u64());
        }
    }

    fn namespace_of(&self, socket: SocketId) -> Result<String, socketio_proto::Error> {
        self.io
            .socket_namespace(socket)
            .map(str::to_owned)
            .ok_or(socketio_proto::Error::UnknownSocket)
    }
}

/// A room name from the first argument: a string as is, anything else as its JSON.
fn room_name(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => serde_json::Value::from(other.clone()).to_string(),
        None => String::new(),
    }
}

impl Backend for SocketIoBackend {
    type Core = SocketIoServer;

    fn core(&mut self) -> &mut SocketIoServer {
        &mut self.io
    }

    fn process_events(&mut self, now: Instant) {
        while let Some(event) = self.io.poll_event() {
            match event {
                IoEvent::ConnectRequest {
                    request, nsp, auth, ..
                } => match self.io.accept(request) {
                    Ok(socket) => {
                        // The CONNECT reply is queued by `accept`, so it goes out first.
                        let auth = auth.unwrap_or_else(|| serde_json::json!({}));
                        if let Err(e) = self.io.emit(socket, "auth", &(auth,)) {
                            eprintln!("socket {}: auth emit failed: {e}", socket.as_u64());
                        }
                        eprintln!("socket {} connected to {nsp}", socket.as_u64());
                    }
                    Err(e) => eprintln!("accept on {nsp} failed: {e}"),
                },
                IoEvent::Event {
                    socket,
                    event,
                    args,
                    ack,
                } => self.on_event(now, socket, &event, &args, ack),
                IoEvent::AckReceived { socket, args, .. } => {
                    let reply = match args.to_values() {
                        Ok(v) => v,
                        Err(e) => {
                            eprintln!("socket {}: bad ack: {e}", socket.as_u64());
                            continue;
                        }
                    };
                    if let Err(e) = self.io.emit(socket, "got-ack", &reply) {
                        eprintln!("socket {}: got-ack failed: {e}", socket.as_u64());
                    }
                }
                IoEvent::AckTimeout { socket, id } => {
                    eprintln!("socket {}: no ack for {id}", socket.as_u64())
                }
                IoEvent::BroadcastAckReceived { .. } | IoEvent::BroadcastAckComplete { .. } => {}
                IoEvent::Disconnected { socket, reason } => {
                    eprintln!("socket {} disconnected: {reason}", socket.as_u64())
                }
            }
        }
    }
}
