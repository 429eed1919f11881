//! The plain data types of the Engine.IO server: handles, requests, responses, transmits
//! and events.

use crate::engineio::{Message, WsMessage};
use crate::utf8::Utf8Bytes;
use bytes::Bytes;

/// A live Engine.IO session (one per client). Small and `Copy`; never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub(crate) u64);

/// An HTTP request the server has taken in; the response carries the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub(crate) u64);

/// A WebSocket connection the server was told about with
/// [`EngineServer::handle_ws_open`](super::EngineServer::handle_ws_open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub(crate) u64);

impl SessionId {
    /// The raw number (for logs and maps in adapters).
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl RequestId {
    /// The raw number (for logs and maps in adapters).
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl ConnId {
    /// The raw number (for logs and maps in adapters).
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

/// The HTTP method of a request, as far as Engine.IO cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Method {
    /// `GET`: handshake or long poll.
    Get,
    /// `POST`: packets from the client.
    Post,
    /// `OPTIONS`: CORS preflight.
    Options,
    /// Any other method.
    Other,
}

impl Method {
    /// Maps a method name (case-sensitive, as HTTP requires).
    pub fn parse(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }
}

/// An HTTP request as the adapter hands it in: the parts Engine.IO looks at, with the
/// whole body already read (the adapter must stop reading at `max_payload + 1` bytes and
/// may pass what it has; a longer body is answered 413).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// Path and query, e.g. `/engine.io/?EIO=4&transport=polling&sid=…`.
    pub uri: String,
    /// The `Origin` header, if any.
    pub origin: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body (empty for GET).
    pub body: Bytes,
}

impl HttpRequest {
    /// A `GET` with no headers of interest.
    pub fn get(uri: impl Into<String>) -> Self {
        HttpRequest {
            method: Method::Get,
            uri: uri.into(),
            origin: None,
            content_type: None,
            body: Bytes::new(),
        }
    }

    /// A `POST` of `body` with `Content-Type: text/plain;charset=UTF-8`.
    pub fn post(uri: impl Into<String>, body: impl Into<Bytes>) -> Self {
        HttpRequest {
            method: Method::Post,
            uri: uri.into(),
            origin: None,
            content_type: Some("text/plain;charset=UTF-8".into()),
            body: body.into(),
        }
    }

    /// The same request with another method.
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// The same request with an `Origin` header.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }
}

/// An HTTP response to write back. The adapter adds `Content-Length` (from `body`) and
/// whatever framing headers its HTTP library needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The request this answers.
    pub request: RequestId,
    /// The status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Bytes,
}

impl HttpResponse {
    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Something the adapter must send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// Answer an HTTP request.
    HttpResponse(HttpResponse),
    /// Send one WebSocket message on a connection.
    Ws {
        /// The connection.
        conn: ConnId,
        /// The frame to send.
        msg: WsMessage,
    },
    /// Close a WebSocket connection (normal closure). The server has already forgotten
    /// it; a later `handle_ws_closed` for it is ignored.
    CloseWs {
        /// The connection.
        conn: ConnId,
    },
}

/// The transport a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The name used in the `transport` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
        }
    }
}

/// Why a session closed (the strings of the official server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The client closed: a close packet, or its WebSocket went away.
    TransportClose,
    /// No pong within `ping_timeout` after a ping.
    PingTimeout,
    /// The client sent something that does not decode, or a packet it may not send.
    ParseError,
    /// The transport misbehaved: overlapping polls, an aborted poll, a bad content type.
    TransportError,
    /// The application closed the session.
    ForcedClose,
    /// The application shut the server down.
    ServerShutdown,
}

impl CloseReason {
    /// The reason string (`"transport close"`, `"ping timeout"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::TransportError => "transport error",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShutdown => "server shutdown",
        }
    }
}

/// What happened, for the application (or the Socket.IO layer) to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    /// A handshake succeeded: a new session exists.
    Opened {
        /// The session handle.
        session: SessionId,
        /// Its Engine.IO `sid`.
        sid: Utf8Bytes,
        /// The transport it started on.
        transport: TransportKind,
        /// Path and query of the handshake request (Socket.IO reads its query).
        uri: String,
    },
    /// A polling session completed its upgrade to WebSocket.
    Upgraded {
        /// The session.
        session: SessionId,
    },
    /// A message from the client.
    Message {
        /// The session.
        session: SessionId,
        /// The message (text or binary).
        msg: Message,
    },
    /// The session is gone; its handle is dead from now on.
    Closed {
        /// The session.
        session: SessionId,
        /// Why.
        reason: CloseReason,
    },
}

/// A text message encoded once (`"4"` + payload) and shareable by many sessions: over
/// WebSocket every recipient sends the same buffer, over polling it is copied into the
/// payload body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFrame(Utf8Bytes);

impl TextFrame {
    /// Encodes `payload` as an Engine.IO message packet (one copy, here).
    pub fn new(payload: &str) -> Self {
        let mut s = String::with_capacity(payload.len() + 1);
        s.push('4');
        s.push_str(payload);
        TextFrame(Utf8Bytes::from(s))
    }

    /// Takes a frame that already starts with the Engine.IO message type `4` (written
    /// there by the Socket.IO encoder), without copying it.
    pub(crate) fn from_message_frame(frame: Utf8Bytes) -> Self {
        debug_assert!(frame.starts_with('4'), "an Engine.IO message frame");
        TextFrame(frame)
    }

    /// The encoded packet, `"4"` + payload.
    pub fn frame(&self) -> &Utf8Bytes {
        &self.0
    }

    /// The encoded packet, by value (no reference-count traffic).
    pub(crate) fn into_frame(self) -> Utf8Bytes {
        self.0
    }

    /// The payload alone (shares the buffer).
    pub fn payload(&self) -> Utf8Bytes {
        self.0.slice(1..self.0.len()).unwrap_or_default()
    }
}

/// A message to send: a pre-encoded text frame or binary data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutMessage {
    /// Text, already framed.
    Text(TextFrame),
    /// Binary data.
    Binary(Bytes),
}

impl From<Message> for OutMessage {
    fn from(m: Message) -> Self {
        match m {
            Message::Text(t) => OutMessage::Text(TextFrame::new(&t)),
            Message::Binary(b) => OutMessage::Binary(b),
        }
    }
}

impl From<TextFrame> for OutMessage {
    fn from(f: TextFrame) -> Self {
        OutMessage::Text(f)
    }
}

impl From<&str> for OutMessage {
    fn from(s: &str) -> Self {
        OutMessage::Text(TextFrame::new(s))
    }
}

impl From<Bytes> for OutMessage {
    fn from(b: Bytes) -> Self {
        OutMessage::Binary(b)
    }
}

impl OutMessage {
    /// Bytes this message takes on the wire (its encoded length, roughly).
    pub fn wire_len(&self) -> usize {
        match self {
            OutMessage::Text(f) => f.frame().len(),
            OutMessage::Binary(b) => 1 + b.len().div_ceil(3) * 4,
        }
    }
}
