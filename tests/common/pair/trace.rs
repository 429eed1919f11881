//! The Pair's renderings, on the shared renderer (`common::trace`): relative
//! milliseconds, `␞` for the record separator, ids renumbered from 1 (requests `r1…`,
//! WebSockets `w1…`, server sockets `S1…`), and compact, stable renderings of frames and
//! events for insta snapshots.

use super::link::Item;
use super::Pair;
use crate::common::trace::{attachments_hex, show, show_ws, Binary};
use socketio_proto::client::io::IoEvent as ClientEvent;
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::io::IoEvent;
use socketio_proto::transport::{ConnId, RequestId, SocketId};
use std::fmt::Write as _;

impl Pair {
    /// The trace as one string.
    pub fn trace_text(&self) -> String {
        self.trace.text()
    }

    /// Adds a free-form line to the trace.
    pub fn note(&mut self, what: &str) {
        self.trace.note(self.now, what);
    }

    /// Adds a line to the trace, stamped with the time.
    pub(super) fn log(&mut self, line: String) {
        self.trace.line(self.now, line);
    }

    /// The display name of a client request.
    pub(super) fn req_name(&mut self, id: RequestId) -> String {
        self.req_names.name(id)
    }

    /// The display name of a client WebSocket.
    pub(super) fn ws_name(&mut self, id: ConnId) -> String {
        self.ws_names.name(id)
    }

    /// The display name of a server socket.
    pub fn server_socket_name(&mut self, s: SocketId) -> String {
        self.srv_names.name(s)
    }

    /// A server event with its socket shown by display name.
    pub(super) fn server_event_line(&mut self, e: &IoEvent) -> String {
        let sock = match e {
            IoEvent::Event { socket, .. }
            | IoEvent::AckReceived { socket, .. }
            | IoEvent::AckTimeout { socket, .. }
            | IoEvent::Disconnected { socket, .. } => Some(*socket),
            _ => None,
        };
        let text = server_event_text(e);
        match sock {
            Some(s) => {
                let raw = format!("s{}", s.as_u64());
                let name = self.server_socket_name(s);
                text.replacen(&raw, &name, 1)
            }
            None => text,
        }
    }
}

/// A payload as the Pair shows it.
pub(super) fn show_body(b: &[u8]) -> String {
    show(b, Binary::Angle)
}

/// A frame as the Pair shows it.
pub(super) fn show_frame(m: &WsMessage) -> String {
    show_ws(m, false, Binary::Angle)
}

/// An item the link dropped, without ids.
pub(super) fn item_text(item: &Item) -> String {
    match item {
        Item::HttpReq { req, .. } => format!("c→s {:?} {}", req.method, req.uri),
        Item::HttpResp { status, body, .. } => format!("s→c {status} {}", show_body(body)),
        Item::WsOpen { path, .. } => format!("c→s OPEN {path}"),
        Item::WsToServer { msg, .. } => format!("c→s {}", show_frame(msg)),
        Item::WsToClient { msg, .. } => format!("s→c {}", show_frame(msg)),
        Item::WsOpened { .. } => "s→c OPENED".into(),
        Item::WsCloseToServer { .. } => "c→s CLOSE".into(),
        Item::WsCloseToClient { .. } => "s→c CLOSE".into(),
        Item::HttpErr { .. } | Item::WsErr { .. } => "ERROR".into(),
    }
}

/// Event arguments: the JSON, then the attachments as hex.
fn args_text(a: &socketio_proto::socketio::Args) -> String {
    let mut s = a.json().to_string();
    if !a.attachments().is_empty() {
        let _ = write!(s, " +{} attachment(s)", a.attachments().len());
        s.push_str(&attachments_hex(a.attachments()));
    }
    s
}

/// A compact, stable rendering of a client event (sockets by their `Display`,
/// `socket0`).
pub fn client_event_text(e: &ClientEvent) -> String {
    match e {
        ClientEvent::Event {
            socket,
            event,
            args,
            ack,
        } => format!(
            "Event {socket} {event:?} {}{}",
            args_text(args),
            ack.as_ref()
                .map(|a| format!(" ack={}", a.id()))
                .unwrap_or_default()
        ),
        ClientEvent::AckReceived { socket, id, args } => {
            format!("AckReceived {socket} id={id} {}", args_text(args))
        }
        ClientEvent::Connected { socket, sid } => format!("Connected {socket} sid={sid}"),
        ClientEvent::AckTimeout { socket, id } => {
            format!("AckTimeout {{ socket: {socket}, id: {id} }}")
        }
        ClientEvent::AckCancelled { socket, id } => {
            format!("AckCancelled {{ socket: {socket}, id: {id} }}")
        }
        ClientEvent::Disconnected { socket, reason } => {
            format!("Disconnected {{ socket: {socket}, reason: {reason:?} }}")
        }
        ClientEvent::ConnectError {
            socket,
            message,
            data,
        } => format!("ConnectError {{ socket: {socket}, message: {message:?}, data: {data:?} }}"),
        other => format!("{other:?}"),
    }
}

/// A compact, stable rendering of a server event.
pub fn server_event_text(e: &IoEvent) -> String {
    match e {
        IoEvent::ConnectRequest { nsp, auth, .. } => format!(
            "ConnectRequest {nsp} auth={}",
            auth.as_ref().map(|a| a.to_string()).unwrap_or("-".into())
        ),
        IoEvent::Event {
            socket,
            event,
            args,
            ack,
        } => format!(
            "Event s{} {:?} {}{}",
            socket.as_u64(),
            &**event,
            args_text(args),
            ack.as_ref()
                .map(|a| format!(" ack={}", a.id()))
                .unwrap_or_default()
        ),
        IoEvent::AckReceived { socket, id, args } => {
            format!(
                "AckReceived s{} id={id} {}",
                socket.as_u64(),
                args_text(args)
            )
        }
        IoEvent::AckTimeout { socket, id } => format!("AckTimeout s{} id={id}", socket.as_u64()),
        IoEvent::Disconnected { socket, reason } => {
            format!("Disconnected s{} {}", socket.as_u64(), reason.as_str())
        }
        other => format!("{other:?}"),
    }
}
