//! The trace: relative milliseconds, `␞` for the record separator, ids renumbered from
//! 1 (requests `r1…`, WebSockets `w1…`, server sockets `S1…`), and compact, stable
//! renderings of frames and events for insta snapshots.

use super::link::Item;
use super::Pair;
use socketio_proto::client::engine::{RequestId as CReq, WsId};
use socketio_proto::client::ClientEvent;
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::io::{IoEvent, SocketId as ServerSocket};
use std::fmt::Write as _;

impl Pair {
    /// The trace as one string.
    pub fn trace_text(&self) -> String {
        let mut s = String::new();
        for line in &self.trace {
            s.push_str(line);
            s.push('\n');
        }
        s
    }

    /// Adds a free-form line to the trace.
    pub fn note(&mut self, what: &str) {
        let line = format!("{:>6}ms ## {}", self.ms(), what);
        self.trace.push(line);
    }

    /// Adds a line to the trace, stamped with the time.
    pub(super) fn log(&mut self, line: String) {
        let line = format!("{:>6}ms {}", self.ms(), line);
        self.trace.push(line);
    }

    /// The display name of a client request.
    pub(super) fn req_name(&mut self, id: CReq) -> String {
        let n = self.req_names.len() + 1;
        format!("r{}", self.req_names.entry(id).or_insert(n))
    }

    /// The display name of a client WebSocket.
    pub(super) fn ws_name(&mut self, id: WsId) -> String {
        let n = self.ws_names.len() + 1;
        format!("w{}", self.ws_names.entry(id).or_insert(n))
    }

    /// The display name of a server socket.
    pub fn server_socket_name(&mut self, s: ServerSocket) -> String {
        let n = self.srv_names.len() + 1;
        format!("S{}", self.srv_names.entry(s).or_insert(n))
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

/// An item the link dropped, without ids.
pub(super) fn item_text(item: &Item) -> String {
    match item {
        Item::HttpReq { req, .. } => format!("c→s {:?} {}", req.method, req.uri),
        Item::HttpResp { status, body, .. } => format!("s→c {status} {}", show(body)),
        Item::WsOpen { path, .. } => format!("c→s OPEN {path}"),
        Item::WsToServer { msg, .. } => format!("c→s {}", show_ws(msg)),
        Item::WsToClient { msg, .. } => format!("s→c {}", show_ws(msg)),
        Item::WsOpened { .. } => "s→c OPENED".into(),
        Item::WsCloseToServer { .. } => "c→s CLOSE".into(),
        Item::WsCloseToClient { .. } => "s→c CLOSE".into(),
        Item::HttpErr { .. } | Item::WsErr { .. } => "ERROR".into(),
    }
}

/// Text with the record separator shown as `␞`; binary as hex.
pub fn show(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.replace('\u{1e}', "␞"),
        Err(_) => format!("<bin {}>", hex(b)),
    }
}

/// Bytes as lowercase hex.
fn hex(b: &[u8]) -> String {
    let mut s = String::new();
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// A WebSocket frame: text as by [`show`], binary as hex.
pub(super) fn show_ws(m: &WsMessage) -> String {
    match m {
        WsMessage::Text(t) => show(t.as_bytes()),
        WsMessage::Binary(b) => format!("<bin {}>", hex(b)),
    }
}

/// Event arguments: the JSON, then the attachments as hex.
fn args_text(a: &socketio_proto::socketio::Args) -> String {
    let mut s = a.json().to_string();
    if !a.attachments().is_empty() {
        let _ = write!(s, " +{} attachment(s)", a.attachments().len());
        for b in a.attachments() {
            let _ = write!(s, " <{}>", hex(b));
        }
    }
    s
}

/// A compact, stable rendering of a client event.
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
        ClientEvent::Ack { socket, id, args } => {
            format!("Ack {socket} id={id} {}", args_text(args))
        }
        ClientEvent::Connected { socket, sid } => format!("Connected {socket} sid={sid}"),
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
            event.as_str(),
            args_text(args),
            ack.map(|a| format!(" ack={a}")).unwrap_or_default()
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
