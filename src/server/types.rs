//! The plain data types of the Engine.IO server: handles, requests, responses, transmits
//! and events.

pub use crate::driver::server::Transmit;
use crate::engineio::Message;
pub use crate::transport::{
    CloseReason, ConnId, HttpRequest, HttpResponse, Method, RequestId, Transport,
};
use crate::utf8::Utf8Bytes;
use bytes::Bytes;

/// A live Engine.IO session (one per client). Small and `Copy`; never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub(crate) u64);

impl SessionId {
    /// The raw number (for logs and maps in adapters).
    pub fn as_u64(self) -> u64 {
        self.0
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
        transport: Transport,
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

    /// Bytes this message counts toward a session's outgoing budget
    /// ([`EngineConfig::max_queued_bytes`](crate::server::EngineConfig::max_queued_bytes)):
    /// the bytes it holds (a text frame's length, a binary message's raw length). A frame
    /// shared by a broadcast counts in full for every recipient.
    pub fn held_len(&self) -> usize {
        match self {
            OutMessage::Text(f) => f.frame().len(),
            OutMessage::Binary(b) => b.len(),
        }
    }
}
