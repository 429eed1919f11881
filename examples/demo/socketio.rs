//! Socket.IO mode (the default): the test application on the namespaces `/` and
//! `/custom` (the same application as `tests/interop/sio_server.js` on the official
//! Node server):
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

use socketio_proto::server::io::{AckRequest, IoEvent, SocketId, SocketIoServer, Target};
use socketio_proto::socketio::{Args, Value};
use std::time::{Duration, Instant};

/// How long `ask-me` waits for the client's ack.
const QUESTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The namespaces the application serves.
pub const NAMESPACES: [&str; 2] = ["/", "/custom"];

/// Answers one event of the Socket.IO core.
pub fn on_event(io: &mut SocketIoServer, event: IoEvent) {
    match event {
        IoEvent::ConnectRequest {
            request, nsp, auth, ..
        } => match io.accept(request) {
            Ok(socket) => {
                // The CONNECT reply is queued by `accept`, so it goes out first.
                let auth = auth.unwrap_or_else(|| serde_json::json!({}));
                if let Err(e) = io.emit(socket, "auth", &(auth,)) {
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
        } => on_client_event(io, socket, &event, &args, ack),
        IoEvent::AckReceived { socket, args, .. } => match args.to_values() {
            Ok(reply) => {
                if let Err(e) = io.emit(socket, "got-ack", &reply) {
                    eprintln!("socket {}: got-ack failed: {e}", socket.as_u64());
                }
            }
            Err(e) => eprintln!("socket {}: bad ack: {e}", socket.as_u64()),
        },
        IoEvent::AckTimeout { socket, id } => {
            eprintln!("socket {}: no ack for {id}", socket.as_u64())
        }
        IoEvent::Disconnected { socket, reason } => {
            eprintln!("socket {} disconnected: {reason}", socket.as_u64())
        }
        _ => {}
    }
}

/// One event from a client.
fn on_client_event(
    io: &mut SocketIoServer,
    socket: SocketId,
    event: &str,
    args: &Args,
    ack: Option<AckRequest>,
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
    let namespace = |io: &SocketIoServer| io.socket_namespace(socket).map(str::to_owned);
    let result: Result<(), String> = match event {
        "message" => io
            .emit(socket, "message-back", &values)
            .map_err(|e| e.to_string()),
        "message-with-ack" => match ack {
            Some(ack) => io.ack(ack, &values).map_err(|e| e.to_string()),
            None => Ok(()),
        },
        "echo" => io
            .emit(socket, "echo-back", &values)
            .map_err(|e| e.to_string()),
        "broadcast" => match namespace(io) {
            Some(nsp) => io
                .broadcast(&Target::namespace(nsp), "broadcast-back", &values)
                .map(drop)
                .map_err(|e| e.to_string()),
            None => Err("unknown socket".into()),
        },
        "join" => {
            let room = room_name(values.first());
            match (io.join(socket, &room), ack) {
                (Err(e), _) => Err(e.to_string()),
                (Ok(()), Some(ack)) => io.ack(ack, &(room.as_str(),)).map_err(|e| e.to_string()),
                (Ok(()), None) => Ok(()),
            }
        }
        "to-room" => {
            let room = room_name(values.first());
            let payload = values.get(1).cloned().unwrap_or(Value::Null);
            match namespace(io) {
                Some(nsp) => {
                    let target = Target::namespace(nsp).to(room.as_str());
                    io.broadcast(&target, "room-message", &(room.as_str(), payload))
                        .map(drop)
                        .map_err(|e| e.to_string())
                }
                None => Err("unknown socket".into()),
            }
        }
        "ask-me" => io
            .emit_with_ack(
                Instant::now(),
                socket,
                "question",
                &values,
                Some(QUESTION_TIMEOUT),
            )
            .map(drop)
            .map_err(|e| e.to_string()),
        "disconnect-me" => io.disconnect(socket).map_err(|e| e.to_string()),
        _ => Ok(()),
    };
    if let Err(e) = result {
        eprintln!("socket {}: {event:?} failed: {e}", socket.as_u64());
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
