//! The chat application: the event handler of a Socket.IO server core.
//!
//! Protocol of the chat (namespace `/`):
//!
//! - CONNECT auth `{"name": "alice"}` (1 to [`MAX_NAME_CHARS`] characters after
//!   trimming); anything else is refused with a CONNECT_ERROR `invalid name`.
//! - server → the new user: `welcome` `{"name", "online"}`; → everyone else:
//!   `user joined` `{"name", "online"}`; on leaving, `user left` `{"name", "online"}`.
//! - client → server: `chat message` `(text)` with an optional ack. The text must be a
//!   non-empty string of at most [`MAX_MESSAGE_CHARS`] characters; it goes to everyone
//!   else as `chat message` `{"name", "text"}` and the ack answers `{"ok": true}` (or
//!   `{"ok": false, "error": …}` when it was refused).
//! - client → server: `typing` `(bool)`; everyone else gets a volatile `typing`
//!   `{"name", "typing"}` (dropped for clients that cannot take it right now).

use serde_json::json;
use socketio_proto::server::io::{AckRequest, IoEvent, SocketId, SocketIoServer, Target};
use socketio_proto::socketio::Args;
use std::collections::HashMap;

/// Longest accepted chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;
/// Longest accepted user name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// The chat's state: the names of the connected users (the main namespace `/` is the
/// chat room).
#[derive(Default)]
pub struct Chat {
    names: HashMap<SocketId, String>,
}

impl Chat {
    fn online(&self) -> usize {
        self.names.len()
    }

    /// Answers one event of the core.
    pub fn on_event(&mut self, io: &mut SocketIoServer, event: IoEvent) {
        match event {
            IoEvent::ConnectRequest { request, auth, .. } => match valid_name(auth.as_ref()) {
                Some(name) => match io.accept(request) {
                    Ok(socket) => self.joined(io, socket, name),
                    Err(e) => eprintln!("accept failed: {e}"),
                },
                None => {
                    let _ = io.reject(request, "invalid name", None);
                }
            },
            IoEvent::Event {
                socket,
                event,
                args,
                ack,
            } => match event.as_str() {
                "chat message" => self.chat_message(io, socket, &args, ack),
                "typing" => self.typing(io, socket, &args),
                other => {
                    if let Some(ack) = ack {
                        let reply =
                            json!({"ok": false, "error": format!("unknown event {other:?}")});
                        let _ = io.ack(ack, &(reply,));
                    }
                }
            },
            IoEvent::Disconnected { socket, reason } => {
                if let Some(name) = self.names.remove(&socket) {
                    eprintln!("{name} left ({reason})");
                    let online = self.online();
                    let _ = io.broadcast(
                        &Target::default(),
                        "user left",
                        &(json!({"name": name, "online": online}),),
                    );
                }
            }
            // Acks of server emits: this app asks for none.
            _ => {}
        }
    }

    fn joined(&mut self, io: &mut SocketIoServer, socket: SocketId, name: String) {
        eprintln!("{name} joined");
        self.names.insert(socket, name.clone());
        let online = self.online();
        let info = json!({"name": name, "online": online});
        let _ = io.emit(socket, "welcome", &(info.clone(),));
        if let Ok(others) = io.broadcast_from(socket) {
            let _ = io.broadcast(&others, "user joined", &(info,));
        }
    }

    fn chat_message(
        &mut self,
        io: &mut SocketIoServer,
        socket: SocketId,
        args: &Args,
        ack: Option<AckRequest>,
    ) {
        let reply = match (args.deserialize::<(String,)>(), self.names.get(&socket)) {
            (Ok((text,)), Some(name)) => match check_message(&text) {
                Ok(()) => {
                    let payload = json!({"name": name, "text": text});
                    match io.broadcast_from(socket) {
                        Ok(others) => {
                            let _ = io.broadcast(&others, "chat message", &(payload,));
                            json!({"ok": true})
                        }
                        Err(e) => json!({"ok": false, "error": e.to_string()}),
                    }
                }
                Err(error) => json!({"ok": false, "error": error}),
            },
            (Err(_), _) => json!({"ok": false, "error": "a message is one string"}),
            (_, None) => json!({"ok": false, "error": "not in the chat"}),
        };
        if let Some(ack) = ack {
            let _ = io.ack(ack, &(reply,));
        }
    }

    fn typing(&mut self, io: &mut SocketIoServer, socket: SocketId, args: &Args) {
        let typing = args.deserialize::<(bool,)>().map(|(t,)| t).unwrap_or(false);
        let Some(name) = self.names.get(&socket) else {
            return;
        };
        let payload = json!({"name": name, "typing": typing});
        if let Ok(others) = io.broadcast_from(socket) {
            let _ = io.broadcast(&others.volatile(), "typing", &(payload,));
        }
    }
}

/// The user name from a CONNECT payload `{"name": "…"}`, trimmed, if it is acceptable.
pub fn valid_name(auth: Option<&serde_json::Value>) -> Option<String> {
    let name = auth?.get("name")?.as_str()?.trim();
    let chars = name.chars().count();
    let printable = name.chars().all(|c| !c.is_control());
    ((1..=MAX_NAME_CHARS).contains(&chars) && printable).then(|| name.to_owned())
}

/// Checks a chat message against the server's rules.
pub fn check_message(text: &str) -> Result<(), &'static str> {
    if text.trim().is_empty() {
        Err("empty message")
    } else if text.chars().count() > MAX_MESSAGE_CHARS {
        Err("message too long")
    } else {
        Ok(())
    }
}
